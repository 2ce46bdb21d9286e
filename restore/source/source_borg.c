/* source_borg: dumps inside a borg repository.  Archives are listed by
 * name (borg list --json, run with TZ=UTC: borg prints local times without
 * a zone) and fetched with borg extract --stdout REPO::NAME PATH.  Any
 * non-zero exit fails the fetch: borg's 1 ("warning") is what a path that
 * never matched gives, with empty output.  The passphrase comes the way
 * borg reads it (BORG_PASSPHRASE, BORG_PASSCOMMAND, BORG_PASSPHRASE_FD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/source.h"
#include "restore/source/toollist.h"
#include "restore/source/toolsrc.h"

#define PREFIX "borg:"

/* borg's own variables (BORG_RELOCATED_REPO_ACCESS_IS_OK and the like
 * included), ssh's agent for remote repositories. */
static const char *const borg_env[] = {"BORG_*", "SSH_AUTH_SOCK", NULL};
static const char *const borg_set[] = {"TZ=UTC", NULL};
static const struct toolsrc_kind borg_kind = {"borg", borg_env, borg_set};

struct borg_ctx {
    char *repo; /* (owned) "" means BORG_REPO */
    char *path; /* (owned) as borg stores it: no leading '/' */
};

static int
borg_open(struct source *src, const char *location, struct rd_err *err)
{
    struct borg_ctx *c = calloc(1, sizeof(*c));
    const char *p = src->opts.path;

    if (c == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    src->ctx = c;
    if (p == NULL || p[strspn(p, "/")] == '\0')
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "a borg: source needs path = the dump file inside the archive\nHINT: e.g. path = var/backups/app.dump (borg list REPO::ARCHIVE shows it; a leading '/' is accepted)");
    p += strspn(p, "/"); /* borg stores absolute paths without it */
    c->repo = strdup(location + strlen(PREFIX));
    c->path = strdup(p);
    if (c->repo == NULL || c->path == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    return 0;
}

static int
borg_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    struct borg_ctx *c = src->ctx;
    const char *argv[] = {"borg", "list", "--json",
                          c->repo[0] != '\0' ? c->repo : NULL, NULL};
    char what[512], *out;
    size_t len;
    int rc;

    snprintf(what, sizeof(what), "list the archives of '%s'", src->display);
    if (toolsrc_capture(src, &borg_kind, argv, what, &out, &len, err) != 0)
        return -1;
    rc = toollist_borg(out, len, src->display, list, err);
    free(out);
    return rc;
}

static int
borg_fetch(struct source *src, const char *name, struct fetched *f,
           struct rd_err *err)
{
    struct borg_ctx *c = src->ctx;
    const char *argv[] = {"borg", "extract", "--stdout", NULL, c->path, NULL};
    size_t n = strlen(c->repo) + strlen(name) + 3;
    char *ref = malloc(n), what[1024];
    int rc;

    if (ref == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    snprintf(ref, n, "%s::%s", c->repo, name);
    argv[3] = ref;
    snprintf(what, sizeof(what), "extract '%s' of archive '%s' from '%s'",
             c->path, name, src->display);
    rc = toolsrc_fetch(src, &borg_kind, argv, what, name, f, err);
    free(ref);
    return rc;
}

static void
borg_close(struct source *src)
{
    struct borg_ctx *c = src->ctx;

    if (c == NULL)
        return;
    free(c->repo);
    free(c->path);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_borg_ops = {
    "borg", toolsrc_check, borg_open, borg_list, borg_fetch, borg_close,
};
