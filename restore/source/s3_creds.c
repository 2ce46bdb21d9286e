/* s3_creds: AWS credentials from the environment or ~/.aws/credentials. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/s3_creds.h"

#define CREDS_MAX_BYTES (1024 * 1024)

static char *
dup_nonempty(const char *s)
{
    return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* What the file reader collects for one profile. */
struct want {
    const char *profile;
    bool found;
    char *key_id, *secret, *token;
};

/* ${s} without blanks at either end, in place. */
static char *
trim(char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static void wipe(char **s);

/* One "key = value" of the wanted profile. */
static int
take(struct want *w, const char *key, const char *value)
{
    char **slot = NULL;

    if (strcmp(key, "aws_access_key_id") == 0)
        slot = &w->key_id;
    else if (strcmp(key, "aws_secret_access_key") == 0)
        slot = &w->secret;
    else if (strcmp(key, "aws_session_token") == 0)
        slot = &w->token;
    if (slot == NULL)
        return 0;
    wipe(slot);
    *slot = dup_nonempty(value);
    return *slot == NULL && *value != '\0' ? -1 : 0;
}

/* The AWS shared credentials format: [profile] sections of key = value
 * lines; '#' and ';' lines are comments.  ${buf} (NUL-terminated) is
 * consumed.  0, or -1 with the line in ${why}. */
static int
parse_creds(char *buf, struct want *w, char *why, size_t wlen)
{
    bool in = false;
    int lineno = 0;

    for (char *line = buf, *next; line != NULL; line = next) {
        char *t, *eq;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        t = trim(line);
        if (*t == '\0' || *t == '#' || *t == ';')
            continue;
        if (*t == '[') {
            char *end = strchr(t, ']');

            if (end == NULL) {
                snprintf(why, wlen, "line %d: unterminated [section]", lineno);
                return -1;
            }
            *end = '\0';
            in = strcmp(trim(t + 1), w->profile) == 0;
            w->found = w->found || in;
            continue;
        }
        if ((eq = strchr(t, '=')) == NULL) {
            snprintf(why, wlen, "line %d: not 'key = value'", lineno);
            return -1;
        }
        *eq = '\0';
        if (in && take(w, trim(t), trim(eq + 1)) != 0) {
            snprintf(why, wlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

static void
wipe(char **s)
{
    if (*s != NULL) {
        explicit_bzero(*s, strlen(*s));
        free(*s);
        *s = NULL;
    }
}

/* Read ${path} whole into ${buf} (malloc'd); 0, 1 when it is not there, or
 * -1 with ${err}. */
static int
slurp(const char *path, char **buf, size_t *len, struct rd_err *err)
{
    FILE *f = fopen(path, "r");
    size_t n;

    *buf = NULL;
    if (f == NULL) {
        if (errno == ENOENT)
            return 1;
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "cannot read AWS credentials file '%s': %s", path,
                          strerror(errno));
    }
    if ((*buf = malloc(CREDS_MAX_BYTES + 1)) == NULL) {
        fclose(f);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    n = fread(*buf, 1, CREDS_MAX_BYTES + 1, f);
    fclose(f);
    if (n > CREDS_MAX_BYTES) {
        free(*buf);
        *buf = NULL;
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "AWS credentials file '%s' is larger than 1 MiB",
                          path);
    }
    *len = n;
    return 0;
}

static int
from_file(struct s3_creds *cr, struct rd_err *err)
{
    const char *env_profile = getenv("AWS_PROFILE"),
               *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
    const char *home = getenv("HOME");
    struct want w = {0};
    char path[4096], ebuf[512];
    char *buf;
    size_t len = 0;
    int rc;

    w.profile =
        env_profile != NULL && *env_profile != '\0' ? env_profile : "default";
    if (file != NULL && *file != '\0')
        snprintf(path, sizeof(path), "%s", file);
    else if (home != NULL && *home != '\0')
        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
    else
        path[0] = '\0';
    rc = path[0] != '\0' ? slurp(path, &buf, &len, err) : 1;
    if (rc < 0)
        return -1;
    if (rc == 0) {
        buf[len] = '\0';
        rc = parse_creds(buf, &w, ebuf, sizeof(ebuf));
        explicit_bzero(buf, len);
        free(buf);
        if (rc != 0) {
            wipe(&w.key_id);
            wipe(&w.secret);
            wipe(&w.token);
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "AWS credentials file '%s': %s", path, ebuf);
        }
    }
    if (!w.found || (w.key_id == NULL && w.secret == NULL)) {
        wipe(&w.key_id);
        wipe(&w.secret);
        wipe(&w.token);
        if (env_profile != NULL && *env_profile != '\0')
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "AWS_PROFILE=%s: no such profile with aws_access_key_id in '%s'\nHINT: add [%s] with aws_access_key_id and aws_secret_access_key, or unset AWS_PROFILE",
                w.profile, path[0] != '\0' ? path : "~/.aws/credentials",
                w.profile);
        return 0; /* anonymous */
    }
    if (w.key_id == NULL || w.secret == NULL) {
        bool has_id = w.key_id != NULL;

        wipe(&w.key_id);
        wipe(&w.secret);
        wipe(&w.token);
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "AWS credentials file '%s' [%s] has %s but not %s", path, w.profile,
            has_id ? "aws_access_key_id" : "aws_secret_access_key",
            has_id ? "aws_secret_access_key" : "aws_access_key_id");
    }
    cr->key_id = w.key_id;
    cr->secret = w.secret;
    cr->token = w.token;
    snprintf(cr->source, sizeof(cr->source), "%s [%s]", path, w.profile);
    return 0;
}

int
s3_creds_load(struct s3_creds *cr, struct rd_err *err)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID"),
               *sk = getenv("AWS_SECRET_ACCESS_KEY");
    bool has_id = id != NULL && *id != '\0', has_sk = sk != NULL && *sk != '\0';

    memset(cr, 0, sizeof(*cr));
    if (has_id != has_sk)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "%s is set but %s is not\nHINT: set both, or neither (then AWS_PROFILE and ~/.aws/credentials are used)",
            has_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
            has_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    if (!has_id)
        return from_file(cr, err);
    cr->key_id = strdup(id);
    cr->secret = strdup(sk);
    cr->token = dup_nonempty(getenv("AWS_SESSION_TOKEN"));
    snprintf(cr->source, sizeof(cr->source), "environment");
    if (cr->key_id == NULL || cr->secret == NULL) {
        s3_creds_release(cr);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    return 0;
}

void
s3_creds_release(struct s3_creds *cr)
{
    if (cr == NULL)
        return;
    wipe(&cr->key_id);
    wipe(&cr->secret);
    wipe(&cr->token);
}
