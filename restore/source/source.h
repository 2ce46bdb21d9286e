/* source: where archives live (driver table; this version has the local
 * folder). */
#ifndef RD_SOURCE_H
#define RD_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "restore/source/select.h"
#include "verifier/util/rd_err.h"

/* An archive opened for reading. */
struct fetched {
    int fd;       /* (owned) open for reading; -1 when closed */
    char *path;   /* (owned) local path when the archive is a local file, else
                     NULL */
    int64_t size; /* bytes, -1 unknown */
    time_t mtime;
    bool seekable; /* a regular file: pg_restore may use --jobs */
    bool is_dir;   /* a pg_dump -Fd folder (fd is the folder) */
};

struct source;

struct source_ops {
    const char *scheme; /* "file", ... */
    int (*open)(struct source *src, const char *location, struct rd_err *err);
    /* Fill ${list} with every archive the source holds (name, time, size). */
    int (*list)(struct source *src, struct archive_list *list,
                struct rd_err *err);
    /* Open archive ${name} for reading. */
    int (*fetch)(struct source *src, const char *name, struct fetched *f,
                 struct rd_err *err);
    void (*close)(struct source *src); /* must accept a half-open src */
};

struct source {
    const struct source_ops *ops;
    char *display; /* (owned) location with credentials redacted */
    void *ctx;     /* driver-private state, owned by the driver */
};

/*
 * source_open(location, err): a new source for ${location} ("/path" or a
 * path made from "file:///path" by config), or NULL with RD_SOURCE_UNREACHABLE
 * (not there, not a folder, unreadable) or RD_CONFIG_INVALID.
 */
struct source *source_open(const char *location, struct rd_err *err);

/* source_list(src, list, err): the archives ${src} holds, unfiltered. */
int source_list(struct source *src, struct archive_list *list,
                struct rd_err *err);

/* source_fetch(src, name, f, err): open archive ${name}; release ${f} with
 * fetched_release(). */
int source_fetch(struct source *src, const char *name, struct fetched *f,
                 struct rd_err *err);

/* source_free(src): close and free; NULL-safe. */
void source_free(struct source *src);

/* fetched_release(f): close the fd and free the path; NULL-safe. */
void fetched_release(struct fetched *f);

extern const struct source_ops source_local_ops;

#endif
