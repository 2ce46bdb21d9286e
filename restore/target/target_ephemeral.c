/* target_ephemeral: target = ephemeral, a throwaway PostgreSQL cluster
 * (cluster.c) started in the restore stage and removed at the cleanup. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "restore/target/target_int.h"

static void
eph_sweep(void)
{
    (void)cluster_sweep();
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
    if (cluster_start(&t->cluster, t->tools, t->ident, t->keep, err) != 0)
        return -1;
    snprintf(t->admin_ci, sizeof(t->admin_ci),
             "host='%s' port=%d user=postgres dbname=postgres", t->cluster.dir,
             t->cluster.port);
    t->home = t->cluster.dir;
    return pgadmin_connect(&t->admin, t->admin_ci, err);
}

/* Probes log in as a read-only role: pg_read_all_data (PG 14+) reads
 * everything, owns nothing. */
static const char *
eph_probe_conninfo(struct target *t, struct rd_err *err)
{
    if (db_exec(t->admin.conn,
                "DO $$BEGIN CREATE ROLE restoredrill_probe LOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END$$",
                0, NULL, NULL, err) != 0 ||
        db_exec(t->admin.conn, "GRANT pg_read_all_data TO restoredrill_probe",
                0, NULL, NULL, err) != 0)
        return NULL;
    snprintf(t->probe_ci, sizeof(t->probe_ci),
             "host='%s' port=%d user=restoredrill_probe dbname=postgres",
             t->cluster.dir, t->cluster.port);
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
        "  connect: psql \"host=%s port=%d user=postgres dbname=%s\"\n"
        "  stop:    kill -INT %ld && rm -rf '%s'\n"
        "  (or: %s%s%s%s/pg_ctl -D '%s/data' stop -m fast && rm -rf '%s')\n",
        t->tools->major, db, c->dir, c->port, db, (long)c->pid, c->dir,
        id->drop ? "runuser -u " : "", id->drop ? id->name : "",
        id->drop ? " -- " : "", t->tools->bindir, c->dir, c->dir);
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
    .sweep = eph_sweep,
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
