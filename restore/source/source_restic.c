/* source_restic: dumps inside a restic repository.  Snapshots have no
 * names: each is listed by its id (restic snapshots --json), filtered by
 * restic_tag, restic_host and path, and the one chosen is fetched pinned to
 * that id (restic dump ID PATH; "latest" would be the newest snapshot of any
 * path).  The password comes the way restic reads it (RESTIC_PASSWORD_FILE,
 * RESTIC_PASSWORD_COMMAND, RESTIC_PASSWORD), never argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/source.h"
#include "restore/source/toollist.h"
#include "restore/source/toolsrc.h"

#define PREFIX "restic:"

/* restic's own variables, its cache, and the credentials of its backends. */
static const char *const restic_env[] = {
    "RESTIC_*", "XDG_CACHE_HOME", "SSH_AUTH_SOCK", "AWS_*", "B2_*",
    "AZURE_*",  "GOOGLE_*",       "OS_*",          "ST_*",  "RCLONE_*",
    NULL};
static const struct toolsrc_kind restic_kind = {"restic", restic_env, NULL};

struct restic_ctx {
    char *repo;              /* (owned) "" means RESTIC_REPOSITORY */
    char *path, *tag, *host; /* (owned) tag, host may be NULL */
};

static char *
dup_or_null(const char *s, bool *oom)
{
    char *d = s != NULL ? strdup(s) : NULL;

    if (s != NULL && d == NULL)
        *oom = true;
    return d;
}

static int
restic_open(struct source *src, const char *location, struct rd_err *err)
{
    struct restic_ctx *c = calloc(1, sizeof(*c));
    bool oom = false;

    if (c == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    src->ctx = c;
    c->repo = dup_or_null(location + strlen(PREFIX), &oom);
    c->path = dup_or_null(src->opts.path, &oom);
    c->tag = dup_or_null(src->opts.restic_tag, &oom);
    c->host = dup_or_null(src->opts.restic_host, &oom);
    if (oom)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (c->path == NULL || c->path[0] != '/')
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "a restic: source needs path = the dump file's absolute path as it was backed up\nHINT: e.g. path = /var/backups/app.dump (restic snapshots shows the paths; a --stdin backup is /<stdin-filename>)");
    return 0;
}

/* argv: restic [-r REPO] --no-lock ARGS... (${v} has room for 16). */
static void
argv_of(const struct restic_ctx *c, const char **v, const char *const *args)
{
    size_t n = 0;

    v[n++] = "restic";
    if (c->repo[0] != '\0') {
        v[n++] = "-r";
        v[n++] = c->repo;
    }
    v[n++] = "--no-lock";
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        v[n++] = args[i];
    v[n] = NULL;
}

static int
restic_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    struct restic_ctx *c = src->ctx;
    const char *args[] = {"snapshots", "--json", NULL, NULL, NULL, NULL, NULL};
    const char *argv[16];
    struct restic_filter f = {c->tag, c->host, c->path};
    char what[512], *out;
    size_t len, a = 2;
    int rc;

    if (c->tag != NULL) {
        args[a++] = "--tag";
        args[a++] = c->tag;
    }
    if (c->host != NULL) {
        args[a++] = "--host";
        args[a++] = c->host;
    }
    argv_of(c, argv, args);
    snprintf(what, sizeof(what), "list the snapshots of '%s'", src->display);
    if (toolsrc_capture(src, &restic_kind, argv, what, &out, &len, err) != 0)
        return -1;
    rc = toollist_restic(out, len, &f, src->display, list, err);
    free(out);
    return rc;
}

static int
restic_fetch(struct source *src, const char *name, struct fetched *f,
             struct rd_err *err)
{
    struct restic_ctx *c = src->ctx;
    const char *args[] = {"dump", name, c->path, NULL};
    const char *argv[16];
    char what[1024];

    if (name[0] == '\0' || name[0] == '-' || strlen(name) > 64)
        return rd_err_set(err, RD_USAGE,
                          "invalid archive '%s': a restic snapshot id", name);
    argv_of(c, argv, args);
    snprintf(what, sizeof(what), "dump '%s' of snapshot %s from '%s'", c->path,
             name, src->display);
    return toolsrc_fetch(src, &restic_kind, argv, what, name, f, err);
}

static void
restic_close(struct source *src)
{
    struct restic_ctx *c = src->ctx;

    if (c == NULL)
        return;
    free(c->repo);
    free(c->path);
    free(c->tag);
    free(c->host);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_restic_ops = {
    "restic",    toolsrc_check, restic_open,
    restic_list, restic_fetch,  restic_close,
};
