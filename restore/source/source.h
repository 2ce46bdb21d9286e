/* source: where archives live.  A table of drivers looked up by the
 * location's scheme: the local folder ("/path", "file:///path"), web
 * servers ("http://", "https://"), S3-compatible storage ("s3://"), the
 * backup tools ("restic:", "borg:", "tarsnap:", "exec:"). */
#ifndef RD_SOURCE_H
#define RD_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "restore/decode/stream.h"
#include "restore/source/select.h"
#include "verifier/util/rd_err.h"

/* An archive a driver opened for reading, and what the driver knows of it. */
struct fetched {
    /* (owned) the archive's raw bytes; when ${size} is known, a stream that
       ends before or after it fails with RD_FETCH_TRUNCATED.  NULL for a
       folder (read it through ${path}).  Whoever stacks layers on it takes
       it over and sets this to NULL. */
    struct stream *stream;
    char *path;    /* (owned) local path when the archive is a seekable file
                      or a folder the restore tool may read itself, else NULL */
    int64_t size;  /* bytes, -1 unknown */
    time_t mtime;  /* -1 unknown */
    bool seekable; /* a regular local file: pg_restore may use --jobs */
    bool is_dir;   /* a pg_dump -Fd folder (stream is NULL) */
    /* checksum: the sha256 its sidecar names (64 hex digits), or "" */
    char sha256_expect[65];
    char sidecar[256]; /* that sidecar's name, for messages */
};

/* What checksum = ... asks of every fetch. */
enum source_checksum {
    SOURCE_CHECKSUM_OFF = 0,
    SOURCE_CHECKSUM_SHA256,  /* NAME.sha256 must exist and match */
    SOURCE_CHECKSUM_OPTIONAL /* it must match when it exists */
};

/* How a source fetches (the job's settings; zeroed: the defaults). */
struct source_opts {
    int64_t stall_timeout_s; /* remote: no byte this long (0: 60 s) */
    int fetch_retries;       /* remote: tries more before a byte was read */
    const char *ca_file;     /* (borrowed) https: more trusted CAs, or NULL */
    enum source_checksum checksum;
    /* backup-tool sources (borrowed; NULL: unset) */
    const char *path;        /* the dump file inside a snapshot/archive */
    const char *restic_tag;  /* restic: only snapshots with this tag */
    const char *restic_host; /* restic: only snapshots of this host */
    const char *tarsnap_keyfile, *tarsnap_cachedir; /* tarsnap: its flags */
    const char *list_command, *fetch_command;       /* exec: */
    /* s3 (borrowed; the driver copies what it keeps at open) */
    const char *s3_endpoint; /* endpoint URL, or NULL: AWS */
    const char *s3_region;   /* or NULL: $AWS_REGION, else us-east-1 */
    int s3_uri_style;        /* 0 default, 1 path, 2 host */
};

struct source;

/*
 * One driver.  Every function records its failure in ${err} and returns -1
 * (NULL for none here); 0 on success.
 */
struct source_ops {
    const char *scheme; /* "file", ... */
    /* Parse and check ${location} (config time, no I/O) into the form
       open() takes, newly allocated in ${out}: RD_CONFIG_INVALID when it is
       malformed. */
    int (*check)(const char *location, char **out, struct rd_err *err);
    /* Reach the location check() returned: RD_SOURCE_UNREACHABLE,
       RD_ACCESS_DENIED or RD_CONFIG_INVALID. */
    int (*open)(struct source *src, const char *location, struct rd_err *err);
    /* Fill ${list} with every archive the source holds (name, time, size). */
    int (*list)(struct source *src, struct archive_list *list,
                struct rd_err *err);
    /* Open archive ${name} for reading into ${f} (zeroed, size and mtime
       -1): RD_ARCHIVE_NOT_FOUND, RD_ACCESS_DENIED, RD_FORMAT_UNKNOWN (not
       a file or a dump folder), RD_SOURCE_UNREACHABLE, RD_USAGE (a name
       that is no archive of this source).  ${f} may be half filled on
       failure: fetched_release() it anyway. */
    int (*fetch)(struct source *src, const char *name, struct fetched *f,
                 struct rd_err *err);
    void (*close)(struct source *src); /* must accept a half-open src */
};

struct source {
    const struct source_ops *ops;
    char *display;           /* (owned) location with credentials redacted */
    void *ctx;               /* driver-private state, owned by the driver */
    struct source_opts opts; /* ca_file points into ca_file below */
    char *ca_file;           /* (owned) */
    /* backup-tool sources: the stderr tail of the last tool run that ended
     * (a fetch, for the report's archive.fetch_stderr_tail), or "" */
    char tool_stderr[4097];
};

/*
 * source_check(location, out, err): find ${location}'s driver by its scheme
 * (none: a local path) and let it parse the location into ${out} (newly
 * allocated: what config keeps and source_open() takes).  Returns 0, or -1
 * with RD_CONFIG_INVALID: a scheme known but without a driver in this
 * version ("sources of type 'X' are not supported by restoredrill V yet"),
 * an unknown "X://" scheme, or the driver's own verdict (an empty source, a
 * relative file:// path).
 */
int source_check(const char *location, char **out, struct rd_err *err);

/* source_is_local(location): whether ${location} (as source_check()
 * returned it) is a local folder, read by restoredrill itself. */
bool source_is_local(const char *location);

/*
 * source_open(location, opts, err): a new source for ${location} (as
 * source_check() returned it) fetching as ${opts} say (copied; NULL: the
 * defaults), or NULL with the driver's error (RD_SOURCE_UNREACHABLE: not
 * there, not a folder, unreadable; RD_ACCESS_DENIED; RD_CONFIG_INVALID).
 */
struct source *source_open(const char *location, const struct source_opts *opts,
                           struct rd_err *err);

/* source_list(src, list, err): the archives ${src} holds, unfiltered. */
int source_list(struct source *src, struct archive_list *list,
                struct rd_err *err);

/* source_fetch(src, name, f, err): open archive ${name} into ${f} (see
 * source_ops.fetch); release ${f} with fetched_release(), also on failure.
 * With opts.checksum, also read the sidecar NAME.sha256 into
 * ${f}->sha256_expect: RD_SIDECAR_MISSING when it is required and not there
 * (or not one sha256sum line naming the archive, or ${name} is a folder). */
int source_fetch(struct source *src, const char *name, struct fetched *f,
                 struct rd_err *err);

/* source_free(src): close and free; NULL-safe. */
void source_free(struct source *src);

/* fetched_init(f): an empty ${f} (no stream, size and mtime -1). */
void fetched_init(struct fetched *f);

/* fetched_release(f): free the stream (unless taken over) and the path;
 * ${f} is empty afterwards.  NULL-safe. */
void fetched_release(struct fetched *f);

/* The drivers, one file each (source_<name>.c). */
extern const struct source_ops source_local_ops;
extern const struct source_ops source_http_ops;
extern const struct source_ops source_exec_ops;
extern const struct source_ops source_restic_ops;
extern const struct source_ops source_borg_ops;
extern const struct source_ops source_tarsnap_ops;
extern const struct source_ops source_s3_ops;

#endif
