/* config_values: the checks of single values and of the alert and fetch
 * settings, for config_resolve.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/cmdline.h"
#include "verifier/util/duration.h"
#include "verifier/util/http.h"
#include "restore/source/source.h"

#include "verifier/config_int.h"

/* Parse key ${k} (a duration or a size) into ${out}, or ${def} when unset. */
int
number_value(enum config_key k, const char *const *val, const char *const *org,
             int64_t def, int64_t *out, struct rd_err *err)
{
    int64_t n;

    *out = def;
    if (val[k] == NULL)
        return 0;
    if (KEY(k)->type == CT_COUNT) {
        char *end;
        long long v = strtoll(val[k], &end, 10);

        if (end == val[k] || *end != '\0' || v < 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid number '%s' for '%s' (a whole number >= 0)",
                org[k], val[k], KEY(k)->name);
        n = (int64_t)v;
    } else if (KEY(k)->type == CT_DURATION) {
        if (duration_parse(val[k], &n) != 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "%s: invalid duration '%s' for '%s' (use a whole number and one unit: 90s, 15m, 26h, 7d)",
                org[k], val[k], KEY(k)->name);
    } else if (size_parse(val[k], &n) != 0) {
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "%s: invalid size '%s' for '%s' (use e.g. 1, 512k, 10M, 1G)",
            org[k], val[k], KEY(k)->name);
    }
    *out = n;
    return 0;
}

/* ${val} must be one of the NULL-terminated ${allowed}; its index in ${idx}.
 */
int
one_of(enum config_key k, const char *const *val, const char *const *org,
       const char *const *allowed, int *idx, struct rd_err *err)
{
    char list[128] = "";

    for (int i = 0; allowed[i] != NULL; i++) {
        if (strcmp(val[k], allowed[i]) == 0) {
            *idx = i;
            return 0;
        }
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                 i > 0 ? ", " : "", allowed[i]);
    }
    return rd_err_set(err, RD_CONFIG_INVALID,
                      "%s: invalid %s '%s' (use one of: %s)", org[k],
                      KEY(k)->name, val[k], list);
}

/* An http(s) URL of key ${k}, copied into ${out}. */
int
url_value(enum config_key k, const char *const *val, const char *const *org,
          char **out, struct rd_err *err)
{
    char why[160];

    if (val[k] == NULL)
        return 0;
    /* The URL is not repeated: its path may be a token (Slack, healthchecks).
     */
    if (http_url_check(val[k], why, sizeof(why)) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID, "%s: invalid %s: %s", org[k],
                          KEY(k)->name, why);
    *out = strdup(val[k]);
    return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

/* Keep the error of a failed check; false when resolving must stop. */
bool
keep(struct resolve *rs, struct rd_err *e)
{
    rs->failed = true;
    if (e->code == RD_INTERNAL || config_errs_add(rs->errs, e) != 0)
        rs->stop = true;
    rd_err_clear(e);
    return !rs->stop;
}

/* Keep an out-of-memory error; always false. */
bool
no_memory(struct resolve *rs)
{
    struct rd_err e = {0};

    rd_err_set(&e, RD_INTERNAL, "out of memory");
    return keep(rs, &e);
}

/* The program of alert_exec: absolute or a bare name, not relative. */
static int
check_alert_exec(const struct resolve *rs, struct job_config *out,
                 struct rd_err *err)
{
    const char *v = rs->val[CK_ALERT_EXEC], *o = rs->org[CK_ALERT_EXEC];
    char **argv;
    size_t argc;
    struct rd_err e = {0};

    if (cmdline_split(v, &argv, &argc, &e) != 0)
        return rd_err_set(err, e.code, "%s: alert_exec: %s", o, e.msg);
    if (argv[0][0] == '\0') {
        cmdline_free(argv);
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "%s: alert_exec: empty program name", o);
    }
    if (argv[0][0] != '/' && strchr(argv[0], '/') != NULL) {
        rd_err_set(err, RD_CONFIG_INVALID,
                   "%s: alert_exec: '%s' is a relative path (use an "
                   "absolute path, or a bare name found on PATH)",
                   o, argv[0]);
        cmdline_free(argv);
        return -1;
    }
    cmdline_free(argv);
    out->alert_exec = strdup(v);
    return out->alert_exec == NULL
               ? rd_err_set(err, RD_INTERNAL, "out of memory")
               : 0;
}

/* alert_on, alert_exec, alert_webhook, webhook_format, alert_timeout,
 * alert_repeat and ping_url. */
void
alert_values(struct resolve *rs, struct job_config *out)
{
    /* unknown always alerts, so it is no threshold of its own */
    static const char *const on[] = {"warning", "critical", NULL};
    static const enum rd_status on_st[] = {RD_ST_WARNING, RD_ST_CRITICAL};
    static const char *const fmt[] = {"json", "slack", NULL};
    static const char *const rep[] = {"once", "always", NULL};
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};
    int i;

    out->alert_on = RD_ST_WARNING;
    if (val[CK_ALERT_ON] != NULL) {
        if (one_of(CK_ALERT_ON, val, org, on, &i, &e) == 0)
            out->alert_on = on_st[i];
        else if (!keep(rs, &e))
            return;
    }
    if (val[CK_WEBHOOK_FORMAT] != NULL) {
        if (one_of(CK_WEBHOOK_FORMAT, val, org, fmt, &i, &e) == 0)
            out->webhook_slack = i == 1;
        else if (!keep(rs, &e))
            return;
    }
    if (val[CK_ALERT_REPEAT] != NULL) {
        if (one_of(CK_ALERT_REPEAT, val, org, rep, &i, &e) == 0)
            out->alert_repeat_always = i == 1;
        else if (!keep(rs, &e))
            return;
    }
    if (number_value(CK_ALERT_TIMEOUT, val, org, 30, &out->alert_timeout_s,
                     &e) != 0) {
        if (!keep(rs, &e))
            return;
    } else if (out->alert_timeout_s < 1 || out->alert_timeout_s > 3600) {
        rd_err_set(&e, RD_CONFIG_INVALID,
                   "%s: alert_timeout must be from 1s to 1h",
                   org[CK_ALERT_TIMEOUT]);
        if (!keep(rs, &e))
            return;
    }
    if (val[CK_ALERT_EXEC] != NULL && check_alert_exec(rs, out, &e) != 0 &&
        !keep(rs, &e))
        return;
    if (url_value(CK_ALERT_WEBHOOK, val, org, &out->alert_webhook, &e) != 0 &&
        !keep(rs, &e))
        return;
    if (url_value(CK_PING_URL, val, org, &out->ping_url, &e) != 0)
        (void)keep(rs, &e);
}

/* decrypt_command: split as argv would be (a bare name or an absolute
 * path), kept as the string. */
static int
check_decrypt(const struct resolve *rs, struct job_config *out,
              struct rd_err *err)
{
    const char *v = rs->val[CK_DECRYPT_COMMAND],
               *o = rs->org[CK_DECRYPT_COMMAND];
    char **argv;
    size_t argc;
    struct rd_err e = {0};
    int rc = 0;

    if (cmdline_split(v, &argv, &argc, &e) != 0)
        return rd_err_set(err, e.code, "%s: decrypt_command: %s", o, e.msg);
    if (argv[0][0] == '\0' ||
        (argv[0][0] != '/' && strchr(argv[0], '/') != NULL))
        rc = rd_err_set(
            err, RD_CONFIG_INVALID,
            "%s: decrypt_command: '%s' is not a program (use an absolute path, or a bare name found on PATH)",
            o, argv[0]);
    cmdline_free(argv);
    if (rc == 0 && (out->decrypt_command = strdup(v)) == NULL)
        rc = rd_err_set(err, RD_INTERNAL, "out of memory");
    return rc;
}

/* s3_endpoint: http(s)://host[:port] or host[:port], no path, no
 * credentials (the driver checks it again when it opens the source). */
static int
check_s3_endpoint(const struct resolve *rs, struct rd_err *err)
{
    const char *v = rs->val[CK_S3_ENDPOINT], *h = strstr(v, "://");
    char url[600], why[160];
    size_t n;

    if (h != NULL && strncmp(v, "http://", 7) != 0 &&
        strncmp(v, "https://", 8) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "%s: s3_endpoint '%s': use http:// or https://",
                          rs->org[CK_S3_ENDPOINT], v);
    h = h != NULL ? h + 3 : v;
    n = strlen(h);
    while (n > 0 && h[n - 1] == '/')
        n--;
    snprintf(url, sizeof(url), "https://%.*s/", (int)n, h);
    if (n == 0 || n > 500 || memchr(h, '/', n) != NULL ||
        memchr(h, '@', n) != NULL || memchr(h, '?', n) != NULL ||
        http_url_check(url, why, sizeof(why)) != 0)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "%s: s3_endpoint '%s' is not an endpoint URL (use e.g. https://minio.example.com:9000, no path, no credentials)",
            rs->org[CK_S3_ENDPOINT], v);
    return 0;
}

/* s3_endpoint, s3_region, s3_uri_style; decrypt_command. */
static void
s3_values(struct resolve *rs, struct job_config *out)
{
    static const char *const styles[] = {"auto", "path", "host", NULL};
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};

    if (val[CK_S3_URI_STYLE] != NULL &&
        one_of(CK_S3_URI_STYLE, val, org, styles, &out->s3_uri_style, &e) !=
            0 &&
        !keep(rs, &e))
        return;
    if (val[CK_S3_ENDPOINT] != NULL && check_s3_endpoint(rs, &e) != 0 &&
        !keep(rs, &e))
        return;
    if ((val[CK_S3_ENDPOINT] != NULL &&
         (out->s3_endpoint = strdup(val[CK_S3_ENDPOINT])) == NULL) ||
        (val[CK_S3_REGION] != NULL &&
         (out->s3_region = strdup(val[CK_S3_REGION])) == NULL)) {
        (void)no_memory(rs);
        return;
    }
    if (val[CK_DECRYPT_COMMAND] != NULL && check_decrypt(rs, out, &e) != 0)
        (void)keep(rs, &e);
}

/* checksum, ca_file and the bounds of stall_timeout, fetch_retries. */
void
fetch_values(struct resolve *rs, struct job_config *out)
{
    static const char *const sums[] = {"off", "sha256", "optional", NULL};
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};

    if (val[CK_CHECKSUM] != NULL &&
        one_of(CK_CHECKSUM, val, org, sums, &out->checksum, &e) != 0 &&
        !keep(rs, &e))
        return;
    if (val[CK_STALL_TIMEOUT] != NULL && out->stall_timeout_s < 1) {
        rd_err_set(&e, RD_CONFIG_INVALID,
                   "%s: stall_timeout must be 1s or more",
                   org[CK_STALL_TIMEOUT]);
        if (!keep(rs, &e))
            return;
    }
    if (out->fetch_retries > 10) {
        rd_err_set(&e, RD_CONFIG_INVALID, "%s: fetch_retries must be 0 to 10",
                   org[CK_FETCH_RETRIES]);
        if (!keep(rs, &e))
            return;
    }
    if (val[CK_CA_FILE] != NULL &&
        (out->ca_file = strdup(val[CK_CA_FILE])) == NULL) {
        (void)no_memory(rs);
        return;
    }
    s3_values(rs, out);
}

void
config_source_opts(const struct job_config *j, struct source_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->stall_timeout_s = j->stall_timeout_s;
    o->fetch_retries = (int)j->fetch_retries;
    o->ca_file = j->ca_file;
    o->checksum = (enum source_checksum)j->checksum;
    o->path = j->path;
    o->restic_tag = j->restic_tag;
    o->restic_host = j->restic_host;
    o->tarsnap_keyfile = j->tarsnap_keyfile;
    o->tarsnap_cachedir = j->tarsnap_cachedir;
    o->list_command = j->list_command;
    o->fetch_command = j->fetch_command;
    o->s3_endpoint = j->s3_endpoint;
    o->s3_region = j->s3_region;
    o->s3_uri_style = j->s3_uri_style;
}

/* Server targets, restore --into (issue 14): allow_superuser, sweep_after,
 * rto, globals. */
void
target_values(struct resolve *rs, struct job_config *out)
{
    static const char *const yn[] = {"no", "yes", NULL};
    const char *const *val = rs->val, *const *org = rs->org;
    struct rd_err e = {0};
    int i;

    if (val[CK_ALLOW_SUPERUSER] != NULL) {
        if (one_of(CK_ALLOW_SUPERUSER, val, org, yn, &i, &e) == 0)
            out->allow_superuser = i == 1;
        else if (!keep(rs, &e))
            return;
    }
    if (number_value(CK_SWEEP_AFTER, val, org, 3600, &out->sweep_after_s, &e) !=
            0 &&
        !keep(rs, &e))
        return;
    if (number_value(CK_RTO, val, org, 0, &out->rto_s, &e) != 0 &&
        !keep(rs, &e))
        return;
    if (val[CK_GLOBALS] != NULL && val[CK_GLOBALS][0] == '\0') {
        rd_err_set(&e, RD_CONFIG_INVALID, "%s: empty globals path",
                   org[CK_GLOBALS]);
        (void)keep(rs, &e);
    } else if (val[CK_GLOBALS] != NULL &&
               (out->globals = strdup(val[CK_GLOBALS])) == NULL) {
        (void)no_memory(rs);
    }
}
