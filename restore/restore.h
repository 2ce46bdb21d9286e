/* restore: the scratch database and pg_restore into it. */
#ifndef RD_RESTORE_H
#define RD_RESTORE_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "restore/target/cluster.h"
#include "restore/decode/dumpfmt.h"
#include "restore/source/source.h"
#include "restore/decode/stream.h"
#include "verifier/util/proc.h"
#include "verifier/util/rd_err.h"

#define RESTORE_MAX_ERRORS 20
#define RESTORE_TAIL_BYTES 4096

/* What to restore and how it arrives. */
struct restore_input {
    enum dump_kind
        format; /* DUMP_CUSTOM, DUMP_TAR, DUMP_DIRECTORY, DUMP_PLAIN */
    const char
        *path; /* (borrowed) file or folder pg_restore reads itself, or NULL */
    struct stream
        *stream; /* (borrowed) else: read to its end and fed on stdin */
};

struct restore_result {
    char tool[96]; /* "pg_restore 15.20" / "psql 15.20" */
    int jobs;
    int error_count;
    char *errors[RESTORE_MAX_ERRORS]; /* (owned) first error lines */
    int nerrors;
    char tail[RESTORE_TAIL_BYTES]; /* last stderr bytes */
    size_t tail_len;
};

struct restore_ctx {
    const char *conninfo;           /* (borrowed) maintenance connection */
    const struct pg_tools *tools;   /* (borrowed) */
    const struct proc_ident *ident; /* (borrowed) */
    const char *home;               /* (borrowed) HOME for child tools */
    PGconn *admin;                  /* (owned) */
    int server_num;                 /* PQserverVersion(): 150020 */
    char server_version[32];        /* "15.20" */
    char dbname[64];                /* scratch database, "" when none */
    char marker[256];               /* COMMENT we put on it */
    bool created;
};

/*
 * restore_connect(ctx, err): open the maintenance connection and read the
 * server version.  RD_DB_UNREACHABLE on failure.
 */
int restore_connect(struct restore_ctx *ctx, struct rd_err *err);

/*
 * restore_create_db(ctx, job, err):
 * CREATE DATABASE restoredrill_<job>_<utc ts>_<pid> (from template0; at most
 * 63 bytes: the job part is shortened, never the unique tail) and mark it
 * with COMMENT ON DATABASE.  A name collision picks a new name.
 */
int restore_create_db(struct restore_ctx *ctx, const char *job,
                      struct rd_err *err);

/*
 * restore_run(ctx, in, rr, err):
 * Restore ${in} into the scratch database as the restore's OS user:
 * custom/tar/directory with pg_restore --no-owner --no-privileges (--jobs =
 * online CPUs for a custom file or a folder read by path), plain SQL with
 * psql -X -v ON_ERROR_STOP=1 --single-transaction (the stream must already
 * be behind sqlfilter).  A stream is fed on stdin and, once the tool exits,
 * read to its end so that every check below it (decoder, sha256) gives its
 * verdict.  Any failure is -1: the stream's own error when the stream
 * failed (the tool was killed first), else RD_RESTORE_ERRORS (${rr} has
 * the count, the first error lines and the stderr tail),
 * RD_ARCHIVE_TRUNCATED, RD_DISK_FULL, RD_DB_UNREACHABLE, RD_TOOL_TOO_OLD,
 * RD_MISSING_EXTENSION or RD_INTERRUPTED.  Release ${rr} with
 * restore_result_release().
 */
int restore_run(struct restore_ctx *ctx, const struct restore_input *in,
                struct restore_result *rr, struct rd_err *err);

/*
 * restore_list_extensions(tools, ident, in, names, n, err):
 * The extensions a custom/tar/directory archive creates, from
 * "pg_restore --list" (a stream is fed on stdin; pg_restore stops after
 * the TOC, so only its beginning is read).  ${names} is a malloc'd array of
 * malloc'd strings; free with restore_names_free().  Returns 0 (an archive
 * pg_restore cannot list gives 0 names: the restore will say why), or -1
 * on RD_INTERRUPTED / RD_TOOL_MISSING.
 */
int restore_list_extensions(const struct pg_tools *tools,
                            const struct proc_ident *ident, const char *home,
                            const struct restore_input *in, char ***names,
                            size_t *n, struct rd_err *err);

/*
 * restore_missing_extensions(ctx, names, n, missing, len):
 * Check ${names} against the target's pg_available_extensions; write the
 * missing ones, comma-separated, into ${missing}.  Returns how many are
 * missing, or -1 when the query failed.
 */
int restore_missing_extensions(struct restore_ctx *ctx, char *const *names,
                               size_t n, char *missing, size_t len);

/*
 * restore_readable_by(ident, path): true when ${ident} (the restore's OS
 * user) can open ${path} (file or folder) for reading; checked in a child
 * that switches to that user.
 */
bool restore_readable_by(const struct proc_ident *ident, const char *path);

/*
 * restore_stderr_line(rr, line): take one line of pg_restore's or psql's
 * stderr into ${rr} (memset to 0 before the first line): an error line is
 * counted and the first RESTORE_MAX_ERRORS are kept (malloc'd copies), "errors
 * ignored on restore: N" raises the count to N, and the line joins the
 * NUL-terminated tail (the oldest bytes go first).  What restore_run() does
 * with every line; exposed for the fuzz target.
 */
void restore_stderr_line(struct restore_result *rr, const char *line);

/* restore_classify(rr): the error code a failed restore with the stderr in
 * ${rr} gets (RD_RESTORE_ERRORS when nothing more specific matches). */
enum rd_code restore_classify(const struct restore_result *rr);

/* restore_toc_extension(line): the extension a "pg_restore --list" line
 * creates ("3; 3079 16385 EXTENSION - hstore " -> "hstore", malloc'd), else
 * NULL. */
char *restore_toc_extension(const char *line);

/* restore_names_free(names, n): free a list from restore_list_extensions(). */
void restore_names_free(char **names, size_t n);

/*
 * restore_drop_db(ctx, err):
 * Drop the scratch database, but only when its COMMENT is still our marker
 * (WITH (FORCE) on 13+).  Returns 0 when dropped or never created.
 */
int restore_drop_db(struct restore_ctx *ctx, struct rd_err *err);

/* restore_close(ctx): close the maintenance connection; NULL-safe. */
void restore_close(struct restore_ctx *ctx);

/* restore_result_release(rr): free the error lines; NULL-safe. */
void restore_result_release(struct restore_result *rr);

#endif
