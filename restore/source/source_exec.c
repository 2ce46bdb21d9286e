/* source_exec: archives anywhere a command can list and fetch them
 * (rclone cat, gsutil cat, a company script): list_command prints one
 * archive per line (optionally TAB and an ISO-8601 time), fetch_command
 * writes archive {archive} to stdout.  Both run by argv, never a shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/cmdline.h"

#include "restore/source/source.h"
#include "restore/source/toollist.h"
#include "restore/source/toolsrc.h"

#define PLACEHOLDER "{archive}"

/* Variables a company script or a cloud CLI commonly needs. */
static const char *const exec_env[] = {
    "SSH_AUTH_SOCK", "AWS_*", "GOOGLE_*", "CLOUDSDK_*",     "AZURE_*",
    "RCLONE_*",      "B2_*",  "OS_*",     "RESTOREDRILL_*", NULL};
/* Named in messages by its argv[0]. */
static const struct toolsrc_kind exec_kind = {NULL, exec_env, NULL};

struct exec_ctx {
    char **list_argv;  /* (owned) */
    char **fetch_argv; /* (owned) */
    /* (owned) the names the last listing held, so that a name it did not
     * hold (a checksum sidecar NAME.sha256) is not found without a run */
    char **names;
    size_t nnames;
    bool listed;
};

static void
forget_names(struct exec_ctx *c)
{
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->names);
    c->names = NULL;
    c->nnames = 0;
    c->listed = false;
}

/* Keep the names of ${list}; -1 when out of memory. */
static int
keep_names(struct exec_ctx *c, const struct archive_list *list)
{
    forget_names(c);
    if (list->n > 0 && (c->names = calloc(list->n, sizeof(char *))) == NULL)
        return -1;
    for (; c->nnames < list->n; c->nnames++)
        if ((c->names[c->nnames] = strdup(list->items[c->nnames].name)) == NULL)
            return -1;
    c->listed = true;
    return 0;
}

static bool
was_listed(const struct exec_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->nnames; i++)
        if (strcmp(c->names[i], name) == 0)
            return true;
    return !c->listed;
}

/* Split the command of key ${key}; -1 with RD_CONFIG_INVALID. */
static int
split(const char *cmd, const char *key, char ***argv, struct rd_err *err)
{
    size_t argc;

    if (cmd == NULL || cmd[0] == '\0')
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "an exec: source needs %s\nHINT: set list_command = ... and fetch_command = ... {archive} ...",
            key);
    if (cmdline_split(cmd, argv, &argc, err) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID, "%s: %s", key, err->msg);
    return 0;
}

static int
exec_open(struct source *src, const char *location, struct rd_err *err)
{
    struct exec_ctx *c = calloc(1, sizeof(*c));
    bool has = false;

    (void)location;
    if (c == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    src->ctx = c;
    if (split(src->opts.list_command, "list_command", &c->list_argv, err) !=
            0 ||
        split(src->opts.fetch_command, "fetch_command", &c->fetch_argv, err) !=
            0)
        return -1;
    for (size_t i = 0; c->fetch_argv[i] != NULL; i++)
        has = has || strstr(c->fetch_argv[i], PLACEHOLDER) != NULL;
    if (!has)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "fetch_command has no {archive}: it could not know which archive to write\nHINT: e.g. fetch_command = rclone cat remote:backups/{archive}");
    return 0;
}

static int
exec_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    struct exec_ctx *c = src->ctx;
    char *out;
    size_t len;
    int rc;

    if (toolsrc_capture(src, &exec_kind, (const char *const *)c->list_argv,
                        "list the archives (list_command)", &out, &len,
                        err) != 0)
        return -1;
    rc = toollist_lines(out, len, src->display, list, err);
    free(out);
    if (rc == 0 && keep_names(c, list) != 0)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    return rc;
}

/* ${w} with every {archive} replaced by ${name} (malloc'd), or NULL. */
static char *
substitute(const char *w, const char *name)
{
    size_t n = 0, pl = strlen(PLACEHOLDER), nl = strlen(name);
    const char *p;
    char *out, *o;

    for (p = w; (p = strstr(p, PLACEHOLDER)) != NULL; p += pl)
        n++;
    out = malloc(strlen(w) + n * nl + 1);
    if (out == NULL)
        return NULL;
    for (o = out; (p = strstr(w, PLACEHOLDER)) != NULL; w = p + pl) {
        memcpy(o, w, (size_t)(p - w));
        o += p - w;
        memcpy(o, name, nl);
        o += nl;
    }
    strcpy(o, w);
    return out;
}

static int
exec_fetch(struct source *src, const char *name, struct fetched *f,
           struct rd_err *err)
{
    struct exec_ctx *c = src->ctx;
    size_t n = 0;
    char **argv;
    int rc = -1;

    if (!was_listed(c, name))
        return rd_err_set(err, RD_ARCHIVE_NOT_FOUND,
                          "no archive '%s' in the listing of '%s'", name,
                          src->display);
    while (c->fetch_argv[n] != NULL) {
        /* A name that would stand first in an argument would be read as
           an option ("--output=/etc/cron.d/x"): names are data. */
        if (name[0] == '-' && strncmp(c->fetch_argv[n], "{archive}", 9) == 0)
            return rd_err_set(
                err, RD_ARCHIVE_UNSAFE_PATH,
                "archive '%s' of '%s' starts with '-': fetch_command would get it as an option; not fetched\nHINT: rename it at the source, or put {archive} after a prefix in fetch_command (e.g. remote:bucket/{archive}, ./{archive})",
                name, src->display);
        n++;
    }
    if ((argv = calloc(n + 1, sizeof(*argv))) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if ((argv[i] = substitute(c->fetch_argv[i], name)) == NULL) {
            rd_err_set(err, RD_INTERNAL, "out of memory");
            goto out;
        }
    }
    rc = toolsrc_fetch(src, &exec_kind, (const char *const *)argv,
                       "fetch the archive (fetch_command)", name, f, err);
out:
    cmdline_free(argv);
    return rc;
}

static void
exec_close(struct source *src)
{
    struct exec_ctx *c = src->ctx;

    if (c == NULL)
        return;
    cmdline_free(c->list_argv);
    cmdline_free(c->fetch_argv);
    forget_names(c);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_exec_ops = {
    "exec", toolsrc_check, exec_open, exec_list, exec_fetch, exec_close,
};
