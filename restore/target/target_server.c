/* target_server: target = CONNINFO, a scratch database on an existing
 * server, connected at the preflight; only a database still carrying our
 * marker is ever dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"
#include "verifier/util/redact.h"

#include "restore/target/target_int.h"

/* Known once connected (prepare): the server must be at least the dump's
 * major. */
static int
srv_check_major(const struct target *t, const char *archive,
                const char *src_version, int srcmaj, struct rd_err *err)
{
    if (t->admin.conn == NULL || srcmaj <= t->admin.server_num / 10000)
        return 0;
    return rd_err_set(
        err, RD_TOOL_TOO_OLD,
        "archive '%s' was dumped from PostgreSQL %s, newer than the target server (%s)\nHINT: restore into a server of major %d or newer",
        archive, src_version, t->admin.server_version, srcmaj);
}

/* A passfile's dir left by a killed run (passfile.c), and the scratch
 * databases of killed runs (sweep.c). */
static int
srv_sweep(struct target *t, target_sweep_fn add, void *ctx, struct rd_err *err)
{
    (void)cluster_sweep();
    return target_server_sweep(t, add, ctx, err);
}

/* pgadmin's before_create: the ledger entry of each name tried. */
static int
srv_ledger_hook(void *ctx, const char *db, struct rd_err *err)
{
    struct target *t = ctx;

    if (db == NULL) {
        ledger_remove(t);
        t->admin.ledgered = false;
        return 0;
    }
    if (ledger_add(t, db, err) != 0)
        return -1;
    t->admin.ledgered = t->ledger[0] != '\0';
    return 0;
}

static int
srv_prepare(struct target *t, struct rd_err *err)
{
    t->home = "/";
    if (pgadmin_connect(&t->admin, t->spec, err) != 0 ||
        pgadmin_check_privilege(&t->admin, t->policy.allow_superuser, err) != 0)
        return -1;
    t->admin.before_create = srv_ledger_hook;
    t->admin.hook_ctx = t;
    return t->passfile[0] != '\0'
               ? 0
               : passfile_write(t, PQpass(t->admin.conn), err);
}

static int
srv_server_major(const struct target *t)
{
    return t->admin.server_num / 10000;
}

static int
srv_missing_extensions(struct target *t, char *const *names, size_t n,
                       char *missing, size_t len)
{
    return pgadmin_missing_extensions(&t->admin, names, n, missing, len);
}

/* Connected at the preflight already. */
static int
srv_start(struct target *t, struct rd_err *err)
{
    (void)t;
    (void)err;
    return 0;
}

/* The restore tools' sessions end soon after restoredrill dies (SIGKILL
 * included: its tools die with it, and a backend busy in a long COPY or
 * CREATE INDEX notices its client is gone within a second on 14+). */
static int
srv_tool_env(const struct target *t, struct proc_env *env)
{
    const char *opts = t->admin.conn != NULL ? PQoptions(t->admin.conn) : "";
    char buf[1024];

    if (target_pg_tool_env(t, env) != 0)
        return -1;
    if (t->admin.server_num < 140000)
        return 0;
    snprintf(buf, sizeof(buf), "%s%s-c client_connection_check_interval=1000",
             opts != NULL ? opts : "", opts != NULL && opts[0] ? " " : "");
    return proc_env_set(env, "PGOPTIONS", buf);
}

static const char *
srv_probe_conninfo(struct target *t, struct rd_err *err)
{
    (void)err;
    return t->spec;
}

static void
srv_describe(const struct target *t, char *buf, size_t len)
{
    (void)t;
    snprintf(buf, len, "the target server");
}

static void
srv_print_kept(const struct target *t, FILE *out)
{
    const char *db = t->admin.dbname;
    char *r = redact_conninfo(t->spec);
    bool uri = r == NULL || strstr(r, "://") != NULL;

    fprintf(out,
            "kept: database '%s' on the target (--keep); it was not dropped\n"
            "  connect: psql \"%s%s%s\"%s\n"
            "  drop it with: DROP DATABASE \"%s\";\n",
            db, uri ? "" : r, uri ? "" : " dbname=", db,
            uri ? " (with the job's target settings)" : "", db);
    free(r);
}

static bool
srv_made(const struct target *t)
{
    return t->admin.created;
}

/* Cleanup queries may run after a signal or the deadline; a maintenance
 * connection left inside an abandoned query is replaced first. */
static void
srv_cleanup_begin(struct target *t)
{
    struct rd_err err = {0};

    if (!t->admin.created || !db_stuck(t->admin.conn))
        return;
    pgadmin_close(&t->admin);
    if (pgadmin_connect(&t->admin, t->admin.conninfo, &err) != 0)
        log_warn("cannot reconnect to drop the scratch database: %s", err.msg);
}

static int
srv_drop(struct target *t, struct rd_err *err)
{
    if (pgadmin_drop_db(&t->admin, err) != 0)
        return -1;
    ledger_remove(t);
    return 0;
}

/* --keep: no longer a scratch database the sweep may drop. */
static void
srv_keep(struct target *t)
{
    struct rd_err err = {0};

    if (t->admin.created && t->admin.conn != NULL &&
        pgadmin_set_comment(&t->admin, t->admin.dbname,
                            "restoredrill: kept on purpose (--keep); drop it "
                            "yourself when done",
                            &err) != 0)
        log_warn("cannot re-mark kept database '%s': %s", t->admin.dbname,
                 err.msg);
    ledger_remove(t);
}

/* Nothing was started. */
static int
srv_stop(struct target *t)
{
    (void)t;
    return 0;
}

const struct target_ops target_server_ops = {
    .name = "server",
    .engine = "postgresql",
    .role = "target",
    .kept_what = "database is",
    .needs_server = false,
    .needs_pg_tools = true,
    .sandboxed = false,
    .sweep = srv_sweep,
    .check_major = srv_check_major,
    .prepare = srv_prepare,
    .server_major = srv_server_major,
    .missing_extensions = srv_missing_extensions,
    .start = srv_start,
    .server_version = target_pg_server_version,
    .create_db = target_pg_create_db,
    .tool_env = srv_tool_env,
    .probe_conninfo = srv_probe_conninfo,
    .count_rows = target_pg_count_rows,
    .describe = srv_describe,
    .print_kept = srv_print_kept,
    .made = srv_made,
    .cleanup_begin = srv_cleanup_begin,
    .drop = srv_drop,
    .keep = srv_keep,
    .stop = srv_stop,
};
