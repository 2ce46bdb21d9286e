/* target: where a restore goes, one driver per kind of target (target =
 * ephemeral: a throwaway cluster; target = CONNINFO: a scratch database on an
 * existing server).  The pipeline asks the driver through its ops and never
 * tests which kind it has; no libpq type crosses this header. */
#ifndef RD_TARGET_H
#define RD_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "restore/sandbox/sandbox.h"
#include "restore/target/cluster.h"
#include "verifier/util/proc.h"
#include "verifier/util/rd_err.h"

struct target; /* (opaque) one target of one run: target_new() */

/* One table's row count ("schema.table"), for the drift stage; non-zero
 * stops the counting (out of memory). */
typedef int (*target_count_fn)(void *ctx, const char *name, int64_t rows);

/* What a server target is allowed and where it keeps its ledger (issue 14):
 * set once after target_new(), before any op; strings are borrowed. */
struct target_policy {
    bool allow_superuser;  /* allow_superuser = yes */
    const char *state_dir; /* STATE_DIR/ledger holds the scratch databases */
    const char *job;       /* the job name (its lock tells a live run) */
    int64_t sweep_after_s; /* marked, unledgered leftovers: this old */
};

/* One leftover the sweep found (sweep[] of the report). */
struct target_swept {
    const char *database, *server, *run_id;
    int64_t age_s; /* -1: unknown */
    bool dropped;
    const char *reason;
};
typedef void (*target_sweep_fn)(void *ctx, const struct target_swept *s);

/*
 * What a driver does, in the order the pipeline asks:
 *   sweep       before select (stage sweep): leftovers of earlier, killed
 *               runs, each found one given to ${add}; -1 with ${err} when
 *               the server could not be asked (a warning, the run goes on)
 *   check_major preflight, before and after prepare: -1 with RD_TOOL_TOO_OLD
 *               when a dump of major ${srcmaj} is newer than the server; 0
 *               when fine or not known yet
 *   prepare     preflight: what can be done before the restore (the server
 *               driver connects; the ephemeral one waits for start)
 *   server_major the server's major (for messages), 0 when not known yet
 *   missing_extensions preflight, after prepare: which of ${names} the server
 *               lacks, comma-separated into ${missing}; the count, or -1
 *               when it cannot tell
 *   start       restore stage, before the scratch database is created (the
 *               ephemeral driver starts its cluster and connects here)
 *   server_version "15.20" once connected, else ""
 *   create_db   restore stage: create and mark the scratch database
 *               restoredrill_<job>_<utc ts>_<pid> (the name in target_dbname())
 *   tool_env    restore stage: the connection's parameters as the restore
 *               tool's environment (PG* variables for PostgreSQL)
 *   probe_conninfo probes stage: the conninfo of the probe session, owned
 *               by ${t} (the ephemeral driver creates its read-only role
 *               first); NULL with ${err} set on failure
 *   count_rows  drift stage: every user table's row count of the scratch
 *               database to ${add} (exact below ${exact_below} estimated
 *               rows); -1 on failure (RD_TIMEOUT / RD_INTERRUPTED end the
 *               stage, anything else only skips the measurement)
 *   describe    dry run: what a real run would restore into
 *   print_kept  --keep: what was kept and how to connect and get rid of it
 *   made        whether there is anything to drop or stop
 *   cleanup_begin cleanup, first: replace a maintenance connection stuck in
 *               an abandoned query (may be NULL)
 *   keep        cleanup, with --keep: what was kept is no scratch database
 *               any more (may be NULL)
 *   drop        cleanup (not with --keep): drop the scratch database
 *   stop        cleanup (not with --keep): stop what prepare/start started
 *   restore_argv restore stage: the engine's own restore tool, argv[0] a
 *               full path, into ${argv} (room for 20; strings in ${buf} or
 *               static); returns its name ("mariadb"); NULL for
 *               PostgreSQL's psql / pg_restore (restore.c)
 *   close       close the engine's own connection (may be NULL)
 * Every int op with an ${err} returns 0, or -1 with ${err} set.
 */
struct target_ops {
    const char *name;      /* "ephemeral" or "server" */
    const char *engine;    /* "postgresql" or "mariadb" (restore.engine) */
    const char *role;      /* "scratch" / "target": "not available on the %s
                              server" */
    const char *kept_what; /* "cluster and database are" / "database is" */
    bool needs_server;     /* pgtools_find(..., server): initdb + postgres */
    bool sandboxed;        /* its server and tools run in the sandbox (else the
                              tools get only a pid namespace: server targets) */
    bool needs_pg_tools;   /* pgtools_find() must succeed (PostgreSQL) */
    int (*sweep)(struct target *t, target_sweep_fn add, void *ctx,
                 struct rd_err *err);
    int (*check_major)(const struct target *t, const char *archive,
                       const char *src_version, int srcmaj, struct rd_err *err);
    int (*prepare)(struct target *t, struct rd_err *err);
    int (*server_major)(const struct target *t);
    int (*missing_extensions)(struct target *t, char *const *names, size_t n,
                              char *missing, size_t len);
    int (*start)(struct target *t, struct rd_err *err);
    const char *(*server_version)(const struct target *t);
    int (*create_db)(struct target *t, const char *job, struct rd_err *err);
    int (*tool_env)(const struct target *t, struct proc_env *env);
    const char *(*probe_conninfo)(struct target *t, struct rd_err *err);
    int (*count_rows)(struct target *t, int64_t exact_below,
                      target_count_fn add, void *ctx, struct rd_err *err);
    void (*describe)(const struct target *t, char *buf, size_t len);
    void (*print_kept)(const struct target *t, FILE *out);
    bool (*made)(const struct target *t);
    void (*cleanup_begin)(struct target *t);
    void (*keep)(struct target *t);
    int (*drop)(struct target *t, struct rd_err *err);
    int (*stop)(struct target *t);
    const char *(*restore_argv)(const struct target *t, const char **argv,
                                char *buf, size_t len);
    void (*close)(struct target *t);
};

/*
 * target_new(spec, tools, ident, sb, keep): the driver for the config's
 * ${spec} ("ephemeral", else a conninfo or URI: the server driver), using
 * ${tools}, ${ident} and the sandbox ${sb} (borrowed; filled by the
 * preflight before any op that runs a tool).  ${keep}: --keep.  NULL when
 * out of memory.
 */
struct target *target_new(const char *spec, const struct pg_tools *tools,
                          const struct proc_ident *ident,
                          const struct sandbox *sb, bool keep);

/*
 * target_set_engine(t, engine, archive, err): the driver for an archive of
 * ${engine} ("mysql": a mysqldump script) instead of PostgreSQL's, chosen
 * once the archive's format is known (before the preflight).  target =
 * ephemeral becomes a throwaway MariaDB; a server target cannot take it
 * (RD_CONFIG_INVALID naming ${archive}: existing MySQL servers as restore
 * targets are out of scope).
 */
int target_set_engine(struct target *t, const char *engine, const char *archive,
                      struct rd_err *err);

/*
 * target_sandbox(t, input, spec, cmd, err): put the restore tool of
 * ${spec} in the target's sandbox (sandbox_apply()): for the ephemeral
 * target, seeing the cluster's dir and ${input} (the file or folder it
 * reads, or NULL) read-only; for a server target, a pid namespace only.
 * Nothing when the sandbox is off.
 */
int target_sandbox(const struct target *t, const char *input,
                   struct proc_spec *spec, struct sandbox_cmd *cmd,
                   struct rd_err *err);

/* target_set_policy(t, p): ${p} copied (its strings borrowed). */
void target_set_policy(struct target *t, const struct target_policy *p);

/* target_sandbox_name(t): restore.sandbox: "bwrap" when the target's
 * server and tools run in the sandbox, else "none". */
const char *target_sandbox_name(const struct target *t);

/* target_ops(t): ${t}'s driver. */
const struct target_ops *target_ops(const struct target *t);

/* target_display(t): restore.target of the report: "ephemeral", or the
 * conninfo with its password redacted (malloc'd; NULL when out of memory). */
char *target_display(const struct target *t);

/* target_create_db(t, job, err): ops->create_db (needs prepare and start
 * first). */
int target_create_db(struct target *t, const char *job, struct rd_err *err);

/* target_dbname(t): the scratch database, "" when none;
 * target_server_version(t): ops->server_version. */
const char *target_dbname(const struct target *t);
const char *target_server_version(const struct target *t);

/* target_conninfo(t): the maintenance conninfo (NULL before prepare/start):
 * what the drift counts connect with, to target_dbname(). */
const char *target_conninfo(const struct target *t);

/* target_tool_env(t, env): PATH (the tools' bindir first), LC_ALL, TZ,
 * HOME, PGAPPNAME, PGCONNECT_TIMEOUT and ops->tool_env, for pg_restore or
 * psql. */
int target_tool_env(const struct target *t, struct proc_env *env);

/* target_tools(t), target_ident(t): the tools and the OS user the restore
 * runs with (borrowed from target_new()). */
const struct pg_tools *target_tools(const struct target *t);
const struct proc_ident *target_ident(const struct target *t);

/* restore --into's swap (swap.c, server targets): ${into} is replaced by
 * the scratch database; the old one becomes ${previous}.  On failure with
 * RD_SWAP_BLOCKED (open sessions) or RD_ACCESS_DENIED nothing was renamed
 * and the scratch database is kept under its name (the message says how
 * to finish); on success target_dbname() is ${into}. */
struct target_swap {
    const char *into;      /* NAME */
    const char *archive;   /* for the new database's comment */
    bool drop_previous;    /* --drop-previous */
    struct rd_err *err;    /* where a failure goes */
    char previous[64];     /* NAME_previous_<ts> */
    bool had_previous;     /* NAME existed and was renamed */
    bool previous_dropped; /* and then dropped */
};
int target_swap(struct target *t, struct target_swap *s);

/* target_close(t): close the maintenance connection (the database and the
 * cluster stay); NULL-safe. */
void target_close(struct target *t);

/* target_free(t): close and free; does not drop or stop.  NULL-safe. */
void target_free(struct target *t);

#endif
