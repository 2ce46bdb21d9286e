/* source_tarsnap: dumps inside Tarsnap archives.  Listed with tarsnap
 * --list-archives -v --null-output (NAME, NUL NUL, "YYYY-MM-DD HH:MM:SS" in
 * local time, NUL: tar/multitape/multitape_stats.c; run with TZ=UTC; a
 * tarsnap older than 1.0.41, without --null-output, is listed in lines),
 * fetched with tarsnap -x -O -f NAME PATH.  tarsnap_keyfile and
 * tarsnap_cachedir become --keyfile and --cachedir.  Like bsdtar, tarsnap
 * stores paths without their leading '/' and matches PATH as an fnmatch
 * pattern: the '/' is dropped and * ? [ \ are escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/source.h"
#include "restore/source/toollist.h"
#include "restore/source/toolsrc.h"

static const char *const tarsnap_set[] = {"TZ=UTC", NULL};
static const struct toolsrc_kind tarsnap_kind = {"tarsnap", NULL, tarsnap_set};

struct tarsnap_ctx {
    char *keyfile, *cachedir; /* (owned) or NULL */
    char *path;               /* (owned) escaped, no leading '/' */
};

static int
tarsnap_check(const char *location, char **out, struct rd_err *err)
{
    if (strcmp(location, "tarsnap:") != 0)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "invalid source '%s': write just 'tarsnap:' (the machine's key names the archives; set tarsnap_keyfile for another)",
            location);
    *out = strdup(location);
    return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

/* ${p} without its leading '/', fnmatch's * ? [ \ escaped (malloc'd). */
static char *
escape_path(const char *p)
{
    char *out = malloc(2 * strlen(p) + 1), *o = out;

    if (out == NULL)
        return NULL;
    p += strspn(p, "/");
    for (; *p != '\0'; p++) {
        if (strchr("*?[\\", *p) != NULL)
            *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static int
tarsnap_open(struct source *src, const char *location, struct rd_err *err)
{
    struct tarsnap_ctx *c = calloc(1, sizeof(*c));
    const char *p = src->opts.path;

    (void)location;
    if (c == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    src->ctx = c;
    if (p == NULL || p[strspn(p, "/")] == '\0')
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "a tarsnap: source needs path = the dump file inside the archive\nHINT: e.g. path = /var/backups/app.dump (tarsnap -tv -f ARCHIVE shows it)");
    if ((c->path = escape_path(p)) == NULL ||
        (src->opts.tarsnap_keyfile != NULL &&
         (c->keyfile = strdup(src->opts.tarsnap_keyfile)) == NULL) ||
        (src->opts.tarsnap_cachedir != NULL &&
         (c->cachedir = strdup(src->opts.tarsnap_cachedir)) == NULL))
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    return 0;
}

/* argv: tarsnap [--keyfile K] [--cachedir C] ARGS... (${v}: room for 16) */
static void
argv_of(const struct tarsnap_ctx *c, const char **v, const char *const *args)
{
    size_t n = 0;

    v[n++] = "tarsnap";
    if (c->keyfile != NULL) {
        v[n++] = "--keyfile";
        v[n++] = c->keyfile;
    }
    if (c->cachedir != NULL) {
        v[n++] = "--cachedir";
        v[n++] = c->cachedir;
    }
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        v[n++] = args[i];
    v[n] = NULL;
}

/* Run the listing with ${args}; its output parsed as ${nul} says. */
static int
list_with(struct source *src, const char *const *args, bool nul,
          struct archive_list *list, struct rd_err *err)
{
    const char *argv[16];
    char *out;
    size_t len;
    int rc;

    argv_of(src->ctx, argv, args);
    if (toolsrc_capture(src, &tarsnap_kind, argv, "list the archives", &out,
                        &len, err) != 0)
        return -1;
    rc = toollist_tarsnap(out, len, nul, src->display, list, err);
    free(out);
    return rc;
}

static int
tarsnap_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    static const char *const nul[] = {"--list-archives", "-v", "--null-output",
                                      NULL};
    static const char *const lines[] = {"--list-archives", "-v", NULL};

    if (list_with(src, nul, true, list, err) == 0)
        return 0;
    /* tarsnap before 1.0.41: "Option --null-output is not supported";
     * its lines then hold names without a newline or tab only. */
    if (err->code != RD_SOURCE_UNREACHABLE ||
        strstr(err->msg, "--null-output is not supported") == NULL)
        return -1;
    archive_list_release(list);
    return list_with(src, lines, false, list, err);
}

static int
tarsnap_fetch(struct source *src, const char *name, struct fetched *f,
              struct rd_err *err)
{
    struct tarsnap_ctx *c = src->ctx;
    const char *args[] = {"-x", "-O", "-f", name, c->path, NULL};
    const char *argv[16];
    char what[1024];

    argv_of(c, argv, args);
    snprintf(what, sizeof(what), "extract '%s' of archive '%s'", c->path, name);
    return toolsrc_fetch(src, &tarsnap_kind, argv, what, name, f, err);
}

static void
tarsnap_close(struct source *src)
{
    struct tarsnap_ctx *c = src->ctx;

    if (c == NULL)
        return;
    free(c->keyfile);
    free(c->cachedir);
    free(c->path);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_tarsnap_ops = {
    "tarsnap",    tarsnap_check, tarsnap_open,
    tarsnap_list, tarsnap_fetch, tarsnap_close,
};
