/* restore: the scratch database and pg_restore into it. */
#ifndef RD_RESTORE_H
#define RD_RESTORE_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "restore/cluster.h"
#include "restore/source.h"
#include "verifier/proc.h"
#include "verifier/rd_err.h"

#define RESTORE_MAX_ERRORS 20
#define RESTORE_TAIL_BYTES 4096

struct restore_result {
    char tool[96]; /* "pg_restore 15.20" */
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
 * restore_run(ctx, f, rr, err):
 * pg_restore --no-owner --no-privileges into the scratch database: from
 * ${f}->path with --jobs = online CPUs when that file is readable by the
 * restore's OS user, else from ${f}->fd on stdin.  Any pg_restore failure
 * is -1: RD_RESTORE_ERRORS (${rr} has the count, the first error lines and
 * the stderr tail), RD_ARCHIVE_TRUNCATED, RD_DISK_FULL, RD_DB_UNREACHABLE,
 * RD_TOOL_TOO_OLD or RD_INTERRUPTED.  Release ${rr} with
 * restore_result_release().
 */
int restore_run(struct restore_ctx *ctx, const struct fetched *f,
                struct restore_result *rr, struct rd_err *err);

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
