/* target_ephemeral: target = ephemeral, a throwaway PostgreSQL cluster
 * (cluster.c) started in the restore stage and removed at the cleanup. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "restore/target/target_int.h"

/* Also the MariaDB driver's sweep: both leave the same temp dirs. */
int
target_scratch_sweep(struct target *t, target_sweep_fn add, void *ctx,
                     struct rd_err *err)
{
    (void)t;
    (void)add;
    (void)ctx;
    (void)err;
    (void)cluster_sweep();
    return 0;
}

/* The newest installed server must be at least the dump's major. */
static int
eph_check_major(const struct target *t, const char *archive,
                const char *src_version, int srcmaj, struct rd_err *err)
{
    if (srcmaj <= t->tools->major)
        return 0;
    return rd_err_set(
        err, RD_TOOL_TOO_OLD,
        "archive '%s' was dumped from PostgreSQL %s, newer than the newest installed server (%d)\nHINT: apt-get install postgresql-%d (PGDG packages)",
        archive, src_version, t->tools->major, srcmaj);
}

/* Nothing before the restore: the cluster starts in start(). */
static int
eph_prepare(struct target *t, struct rd_err *err)
{
    (void)t;
    (void)err;
    return 0;
}

static int
eph_server_major(const struct target *t)
{
    return t->tools->major;
}

/* Which of the dump's extensions the installed server lacks (control
 * files under pg_config --sharedir). */
static int
eph_missing_extensions(struct target *t, char *const *names, size_t n,
                       char *missing, size_t len)
{
    char cfg[PATH_MAX + 16], share[PATH_MAX] = "";
    const char *argv[] = {cfg, "--sharedir", NULL};
    const char *envp[] = {"LC_ALL=C", "PATH=/usr/bin:/bin", NULL};
    struct proc_result res;
    struct rd_err err = {0};
    size_t used = 0;
    int count = 0;

    missing[0] = '\0';
    if (n == 0)
        return 0;
    pgtools_path(t->tools, "pg_config", cfg, sizeof(cfg));
    struct proc_spec spec = {.argv = argv,
                             .env = envp,
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .timeout_s = 30,
                             .out_cap = sizeof(share) - 1};
    if (proc_run(&spec, &res, &err) == 0 && res.out != NULL)
        snprintf(share, sizeof(share), "%.*s", (int)strcspn(res.out, "\n"),
                 res.out);
    proc_result_release(&res);
    if (share[0] == '\0')
        return 0; /* cannot tell: the restore will say */
    for (size_t i = 0; i < n; i++) {
        char ctl[PATH_MAX + 256];

        snprintf(ctl, sizeof(ctl), "%s/extension/%s.control", share, names[i]);
        if (access(ctl, R_OK) == 0)
            continue;
        used += (size_t)snprintf(missing + used, used < len ? len - used : 0,
                                 "%s%s", count > 0 ? ", " : "", names[i]);
        count++;
    }
    return count;
}

/* Start the cluster and open the maintenance connection on its socket. */
static int
eph_start(struct target *t, struct rd_err *err)
{
    log_info("starting a scratch PostgreSQL %d cluster", t->tools->major);
    if (cluster_start(&t->cluster, t->tools, t->ident, t->sb, t->keep, err) !=
        0)
        return -1;
    snprintf(t->admin_ci, sizeof(t->admin_ci),
             "host='%s' port=%d user=postgres dbname=postgres", t->cluster.dir,
             t->cluster.port);
    t->home = t->cluster.dir;
    return pgadmin_connect(&t->admin, t->admin_ci, err);
}

/* Who the probes run as: a fresh name per run, so a dump cannot
 * pre-create it (CREATE ROLE fails when the name is taken). */
static int
probe_role_name(struct target *t, struct rd_err *err)
{
    unsigned char r[8];

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return rd_err_set(err, RD_INTERNAL, "getrandom: %s", strerror(errno));
    snprintf(t->probe_role, sizeof(t->probe_role),
             "restoredrill_probe_%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7]);
    return 0;
}

/* The role and every role it is a member of, transitively: only itself
 * and pg_read_all_data, none with a power beyond LOGIN.  Returns how many
 * rows break that (0: safe), -1 when the query failed. */
static int
probe_role_unsafe(struct target *t, struct rd_err *err)
{
    const char *params[] = {t->probe_role};
    PGresult *res = db_query(
        t->admin.conn,
        "WITH RECURSIVE up(oid) AS ("
        " SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1"
        " UNION SELECT m.roleid FROM pg_catalog.pg_auth_members m"
        " JOIN up ON m.member = up.oid) "
        "SELECT r.rolname FROM up JOIN pg_catalog.pg_roles r ON r.oid = up.oid "
        "WHERE r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR "
        "r.rolreplication OR r.rolbypassrls OR "
        "r.rolname NOT IN ($1, 'pg_read_all_data') "
        "UNION ALL SELECT 'no membership in pg_read_all_data' WHERE NOT EXISTS ("
        " SELECT 1 FROM pg_catalog.pg_auth_members m"
        " JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
        " JOIN pg_catalog.pg_roles u ON u.oid = m.member"
        " WHERE u.rolname = $1 AND g.rolname = 'pg_read_all_data')",
        1, params, NULL, err);
    int n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0)
        rd_err_set(
            err, RD_PROBE_ROLE_UNSAFE,
            "the probe role '%s' is not safe to run probes as (%s%s): probes were not run\nHINT: look at the roles the dump creates or alters",
            t->probe_role, PQgetvalue(res, 0, 0), n > 1 ? ", ..." : "");
    PQclear(res);
    return n;
}

/* Probes log in as a read-only role: pg_read_all_data (PG 14+) reads
 * everything, owns nothing; checked through the catalog before use. */
static const char *
eph_probe_conninfo(struct target *t, struct rd_err *err)
{
    char sql[160];

    if (probe_role_name(t, err) != 0)
        return NULL;
    snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN", t->probe_role);
    if (db_exec(t->admin.conn, sql, 0, NULL, NULL, err) != 0)
        return NULL;
    snprintf(sql, sizeof(sql), "GRANT pg_read_all_data TO %s", t->probe_role);
    if (db_exec(t->admin.conn, sql, 0, NULL, NULL, err) != 0 ||
        probe_role_unsafe(t, err) != 0)
        return NULL;
    snprintf(t->probe_ci, sizeof(t->probe_ci),
             "host='%s' port=%d user=%s dbname=postgres", t->cluster.dir,
             t->cluster.port, t->probe_role);
    return t->probe_ci;
}

static void
eph_describe(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "a scratch PostgreSQL %s",
             t->tools->major == 15 ? "15" : "cluster");
}

static void
eph_print_kept(const struct target *t, FILE *out)
{
    const struct proc_ident *id = t->ident;
    const struct cluster *c = &t->cluster;
    const char *db = t->admin.dbname;

    fprintf(
        out,
        "kept: the scratch cluster (PostgreSQL %d) and database '%s' are still running (--keep); nothing was cleaned up\n"
        "  connect: psql \"host=%s port=%d user=postgres dbname=%s\"\n",
        t->tools->major, db, c->dir, c->port, db);
    if (c->inner > 0)
        /* Not pg_ctl: postmaster.pid holds the sandbox's own pid (2). */
        fprintf(
            out,
            "  stop:    kill -INT %ld && while kill -0 %ld 2>/dev/null; do sleep 0.1; done && rm -rf '%s'\n"
            "  (it runs in a sandbox: stop it by this pid, not by its postmaster.pid or pg_ctl, which see the sandbox's own pids)\n",
            (long)c->inner, (long)c->inner, c->dir);
    else
        fprintf(
            out,
            "  stop:    kill -INT %ld && while kill -0 %ld 2>/dev/null; do sleep 0.1; done && rm -rf '%s'\n"
            "  (or: %s%s%s%s/pg_ctl -D '%s/data' stop -m fast && rm -rf '%s')\n",
            (long)c->pid, (long)c->pid, c->dir, id->drop ? "runuser -u " : "",
            id->drop ? id->name : "", id->drop ? " -- " : "", t->tools->bindir,
            c->dir, c->dir);
    if (c->shared_uid != 0)
        fprintf(
            out,
            "  connect works for uid %ld (who ran sudo) and root; stopping it needs root (sudo)\n",
            (long)c->shared_uid);
}

static bool
eph_made(const struct target *t)
{
    return t->admin.created || t->cluster.dir[0] != '\0';
}

/* The database goes with the cluster. */
static int
eph_drop(struct target *t, struct rd_err *err)
{
    (void)t;
    (void)err;
    return 0;
}

static int
eph_stop(struct target *t)
{
    t->cluster.keep = false;
    return cluster_stop(&t->cluster);
}

const struct target_ops target_ephemeral_ops = {
    .name = "ephemeral",
    .engine = "postgresql",
    .role = "scratch",
    .kept_what = "cluster and database are",
    .needs_server = true,
    .needs_pg_tools = true,
    .sandboxed = true,
    .sweep = target_scratch_sweep,
    .check_major = eph_check_major,
    .prepare = eph_prepare,
    .server_major = eph_server_major,
    .missing_extensions = eph_missing_extensions,
    .start = eph_start,
    .server_version = target_pg_server_version,
    .create_db = target_pg_create_db,
    .tool_env = target_pg_tool_env,
    .probe_conninfo = eph_probe_conninfo,
    .count_rows = target_pg_count_rows,
    .describe = eph_describe,
    .print_kept = eph_print_kept,
    .made = eph_made,
    .cleanup_begin = NULL,
    .drop = eph_drop,
    .stop = eph_stop,
};
