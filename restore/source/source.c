/* source: the driver table and the dispatch to it. */
#include <stdlib.h>
#include <string.h>

#include "verifier/util/redact.h"

#include "restore/source/sidecar.h"
#include "restore/source/source.h"

/*
 * The drivers, by how a location starts.  A row without ops is a scheme
 * that is planned but not built in this version: refused, by one message.
 * A location matching no row and holding no "://" is a local path.  Adding
 * a driver is one file (source_<name>.c) and one row here.
 */
static const struct source_driver {
    const char *prefix;           /* "file://", "s3://", "tarsnap:", ... */
    const struct source_ops *ops; /* NULL: not supported yet */
} drivers[] = {
    {"file://", &source_local_ops},    {"http://", &source_http_ops},
    {"https://", &source_http_ops},    {"s3://", &source_s3_ops},
    {"tarsnap:", &source_tarsnap_ops}, {"restic:", &source_restic_ops},
    {"borg:", &source_borg_ops},       {"exec:", &source_exec_ops},
};

#define NDRIVERS (sizeof(drivers) / sizeof(drivers[0]))

/* The driver for ${location}, or NULL with RD_CONFIG_INVALID in ${err}. */
static const struct source_ops *
find_driver(const char *location, struct rd_err *err)
{
    for (size_t i = 0; i < NDRIVERS; i++) {
        const char *p = drivers[i].prefix;

        if (strncmp(location, p, strlen(p)) != 0)
            continue;
        if (drivers[i].ops == NULL)
            rd_err_set(
                err, RD_CONFIG_INVALID,
                "sources of type '%.*s' are not supported by restoredrill %s yet\nHINT: copy the archives to a local folder and use source = /path",
                (int)strcspn(p, ":"), p, RD_VERSION);
        return drivers[i].ops;
    }
    if (strstr(location, "://") != NULL) {
        rd_err_set(err, RD_CONFIG_INVALID, "unknown source scheme in '%s'",
                   location);
        return NULL;
    }
    return &source_local_ops;
}

bool
source_is_local(const char *location)
{
    struct rd_err err = {0};

    return find_driver(location, &err) == &source_local_ops;
}

int
source_check(const char *location, char **out, struct rd_err *err)
{
    const struct source_ops *ops = find_driver(location, err);

    *out = NULL;
    if (ops == NULL)
        return -1;
    return ops->check(location, out, err);
}

struct source *
source_open(const char *location, const struct source_opts *opts,
            struct rd_err *err)
{
    const struct source_ops *ops = find_driver(location, err);
    struct source *src;

    if (ops == NULL)
        return NULL;
    src = calloc(1, sizeof(*src));
    if (src == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    src->ops = ops;
    src->display = redact_url(location);
    if (opts != NULL)
        src->opts = *opts;
    if (src->opts.stall_timeout_s <= 0)
        src->opts.stall_timeout_s = 60;
    src->opts.ca_file = NULL;
    if (src->display == NULL ||
        (opts != NULL && opts->ca_file != NULL &&
         (src->opts.ca_file = src->ca_file = strdup(opts->ca_file)) == NULL)) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        source_free(src);
        return NULL;
    }
    if (src->ops->open(src, location, err) != 0) {
        source_free(src);
        return NULL;
    }
    src->opts.s3_endpoint = src->opts.s3_region = NULL; /* borrowed */
    return src;
}

int
source_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    return src->ops->list(src, list, err);
}

int
source_fetch(struct source *src, const char *name, struct fetched *f,
             struct rd_err *err)
{
    fetched_init(f);
    if (src->ops->fetch(src, name, f, err) != 0)
        return -1;
    return src->opts.checksum != SOURCE_CHECKSUM_OFF
               ? source_read_sidecar(src, name, f, err)
               : 0;
}

void
source_free(struct source *src)
{
    if (src == NULL)
        return;
    if (src->ops != NULL)
        src->ops->close(src);
    free(src->display);
    free(src->ca_file);
    free(src);
}

void
fetched_init(struct fetched *f)
{
    memset(f, 0, sizeof(*f));
    f->size = -1;
    f->mtime = (time_t)-1;
}

void
fetched_release(struct fetched *f)
{
    if (f == NULL)
        return;
    stream_free(f->stream);
    free(f->path);
    fetched_init(f);
}
