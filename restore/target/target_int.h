/* target_int: what the target drivers share (private to restore/target/):
 * the target itself and its PostgreSQL maintenance connection. */
#ifndef RD_TARGET_INT_H
#define RD_TARGET_INT_H

#include <limits.h>
#include <stdbool.h>

#include <libpq-fe.h>

#include "restore/target/cluster.h"
#include "restore/target/target.h"

struct st_mysql; /* MariaDB Connector/C's MYSQL */

/* The maintenance connection and the scratch database made through it. */
struct pgadmin {
    const char *conninfo;    /* (borrowed) what it connected with, or NULL */
    PGconn *conn;            /* (owned) */
    int server_num;          /* PQserverVersion(): 150020 */
    char server_version[32]; /* "15.20" */
    char dbname[64];         /* scratch database, "" when none */
    char marker[256];        /* COMMENT we put on it */
    bool created;
    /* (may be NULL) called with the name before each CREATE DATABASE, and
     * with NULL when that name was not created after all (the ledger) */
    int (*before_create)(void *ctx, const char *db, struct rd_err *err);
    void *hook_ctx;
    bool ledgered; /* the scratch database is in our ledger: it is ours
                      even when a dump rewrote its comment */
};

struct target {
    const struct target_ops *ops;
    const char *spec;               /* (borrowed) the config's target */
    const struct pg_tools *tools;   /* (borrowed) */
    const struct proc_ident *ident; /* (borrowed) */
    const struct sandbox *sb;       /* (borrowed) */
    const char *home;               /* HOME of child tools */
    bool keep;                      /* --keep */
    struct pgadmin admin;
    struct cluster cluster;        /* the ephemeral driver's cluster, */
    char admin_ci[PATH_MAX + 128]; /* its maintenance conninfo */
    char probe_ci[PATH_MAX + 128]; /* and its probe role's */
    char passdir[PATH_MAX];        /* private dir of the passfile, */
    char passfile[PATH_MAX + 16];  /* PGPASSFILE of the tools, or "" */
    char probe_role[64];           /* restoredrill_probe_<16 hex>, per run */
    struct target_policy policy;   /* target_set_policy() */
    char ledger[PATH_MAX];         /* our ledger entry, "" when none */
    struct st_mysql *my;           /* the MariaDB driver's admin connection */
    char my_pw[40];                /* its probe user's password (random) */
    char my_db[72];                /* the probes' default database */
};

extern const struct target_ops target_ephemeral_ops;
extern const struct target_ops target_server_ops;
extern const struct target_ops target_mariadb_ops;

/* The sweep of the throwaway-server drivers (target_ephemeral.c; the
 * MariaDB one too: its server shares the cluster's layout): cluster_sweep()
 * removes what killed runs left; nothing is reported through ${add}. */
int target_scratch_sweep(struct target *t, target_sweep_fn add, void *ctx,
                         struct rd_err *err);

/* The PostgreSQL engine's ops both drivers share (target.c): the version
 * and the scratch database of the maintenance connection, its parameters
 * as PG* variables, the row counts of pgadmin_count_rows(). */
const char *target_pg_server_version(const struct target *t);
int target_pg_create_db(struct target *t, const char *job, struct rd_err *err);
int target_pg_tool_env(const struct target *t, struct proc_env *env);
int target_pg_count_rows(struct target *t, int64_t exact_below,
                         target_count_fn add, void *ctx, struct rd_err *err);

/*
 * pgadmin_connect(a, conninfo, err): open the maintenance connection and
 * read the server version.  RD_DB_UNREACHABLE on failure.
 */
int pgadmin_connect(struct pgadmin *a, const char *conninfo,
                    struct rd_err *err);

/*
 * pgadmin_create_db(a, job, err):
 * CREATE DATABASE restoredrill_<job>_<utc ts>_<pid> (from template0; at most
 * 63 bytes: the job part is shortened, never the unique tail) and mark it
 * with COMMENT ON DATABASE.  A name collision picks a new name.
 */
int pgadmin_create_db(struct pgadmin *a, const char *job, struct rd_err *err);

/*
 * pgadmin_missing_extensions(a, names, n, missing, len):
 * Check ${names} against the server's pg_available_extensions; write the
 * missing ones, comma-separated, into ${missing}.  Returns how many are
 * missing, or -1 when the query failed.
 */
int pgadmin_missing_extensions(struct pgadmin *a, char *const *names, size_t n,
                               char *missing, size_t len);

/* pgadmin_env(a, passfile, env): the connection's parameters as PG*
 * variables (dbname and application names left out); with a ${passfile},
 * PGPASSFILE instead of PGPASSWORD. */
int pgadmin_env(const struct pgadmin *a, const char *passfile,
                struct proc_env *env);

/* passfile_write(t, password, err): a 0600 .pgpass holding ${password}
 * (':' and '\' escaped) in a new 0700 directory, owned by run_as when we
 * are root; sets t->passfile.  Nothing when there is no password or it
 * holds a newline (PGPASSWORD then).  passfile_remove(t): remove both
 * (idempotent).  passfile_line(): the line, -1 when it cannot be one. */
int passfile_write(struct target *t, const char *password, struct rd_err *err);
void passfile_remove(struct target *t);
int passfile_line(const char *pw, char *buf, size_t len);

/*
 * pgadmin_drop_db(a, err):
 * Drop the scratch database, but only when its COMMENT is still our marker
 * (WITH (FORCE) on 13+).  Returns 0 when dropped or never created.
 */
int pgadmin_drop_db(struct pgadmin *a, struct rd_err *err);

/* pgadmin_count_rows(a, exact_below, add, ctx, err): connect to the scratch
 * database (a connection of its own), ANALYZE, and give every user table's
 * row count to ${add}: exact (count(*)) below ${exact_below} estimated rows,
 * else the planner's estimate; a count that fails is -1.  Every query is
 * bounded by the run's deadline and stops on a signal (then -1). */
int pgadmin_count_rows(const struct pgadmin *a, int64_t exact_below,
                       target_count_fn add, void *ctx, struct rd_err *err);

/* pgadmin_check_privilege(a, allow, err) (target_preflight.c): refuse
 * (RD_TARGET_SUPERUSER) a role that is a superuser or a member of
 * pg_execute_server_program / pg_read_server_files / pg_write_server_files
 * unless ${allow}; the message holds the SQL line of a fitting role. */
int pgadmin_check_privilege(struct pgadmin *a, bool allow, struct rd_err *err);

/* pgadmin_owner_is_me(a, db): 1 when ${db} exists and its datdba is the
 * connection's role, 0 when not (or no such db), -1 when the query failed. */
int pgadmin_owner_is_me(struct pgadmin *a, const char *db);

/* pgadmin_set_comment(a, db, text, err): COMMENT ON DATABASE ${db}. */
int pgadmin_set_comment(struct pgadmin *a, const char *db, const char *text,
                        struct rd_err *err);

/* pgadmin_drop_named(a, db, err): DROP DATABASE ${db} (WITH (FORCE) on
 * 13+): the caller has checked that it is ours. */
int pgadmin_drop_named(struct pgadmin *a, const char *db, struct rd_err *err);

/* The ledger (ledger.c): one file per scratch database in STATE_DIR/ledger. */
struct ledger_entry {
    char server[512], database[64], run_id[64], host[128], job[64];
    long pid;
    int64_t created;
};
void ledger_dir(const struct target *t, char *buf, size_t len);
void ledger_host(char *buf, size_t len);
/* ledger_add(t, db, err): record ${db} (t->ledger is its file);
 * ledger_remove(t): forget it (idempotent). */
int ledger_add(struct target *t, const char *db, struct rd_err *err);
void ledger_remove(struct target *t);
int ledger_read(const char *path, struct ledger_entry *e);
bool ledger_has(const struct target *t, const char *db);
bool ledger_pid_alive(long pid);
/* ledger_run_gone(t, e): ${e}'s pid is dead on this host, its job's lock
 * free. */
bool ledger_run_gone(const struct target *t, const struct ledger_entry *e);

/* marker_parse(comment, pid, host, hlen, created) (sweep.c): 0 when
 * ${comment} is our scratch marker, with what it names. */
int marker_parse(const char *c, long *pid, char *host, size_t hlen,
                 int64_t *created);

/* target_server_sweep(t, add, ctx, err) (sweep.c): the sweep op of the
 * server driver. */
int target_server_sweep(struct target *t, target_sweep_fn add, void *ctx,
                        struct rd_err *err);

/* pgadmin_close(a): close the connection; NULL-safe. */
void pgadmin_close(struct pgadmin *a);

#endif
