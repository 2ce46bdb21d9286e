/* sweep: at startup (stage sweep), drop the scratch databases that earlier,
 * killed runs left on the server target.  A ledger entry whose run is gone
 * (pid dead on this host, job lock free) is dropped at once; a marked
 * database in no ledger only when its marker names this host, its pid is
 * dead and it is older than sweep_after.  Either way only a database named
 * restoredrill_*, owned by our role and not marked by a live run: a
 * database in neither the ledger nor marked is never touched. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/db.h"
#include "verifier/util/redact.h"

#include "restore/target/target_int.h"

#define MARKER_HEAD "restoredrill scratch database (job "

int
marker_parse(const char *c, long *pid, char *host, size_t hlen,
             int64_t *created)
{
    const char *p = strncmp(c, MARKER_HEAD, strlen(MARKER_HEAD)) == 0
                        ? strstr(c, ", pid ")
                        : NULL;
    char h[128], ts[32];
    struct tm tm;

    if (p == NULL || sscanf(p, ", pid %ld, host %127[^,], created %31[^)])",
                            pid, h, ts) != 3)
        return -1;
    snprintf(host, hlen, "%s", h);
    memset(&tm, 0, sizeof(tm));
    if (strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
        return -1;
    *created = (int64_t)timegm(&tm);
    return 0;
}

/* What the server says about ${db}: 0 no such database, 1 it exists (with
 * ${mine}: its datdba is our role; its comment in ${comment}); -1 failed. */
static int
db_facts(struct pgadmin *a, const char *db, bool *mine, char *comment,
         size_t len)
{
    const char *params[1] = {db};
    struct rd_err err = {0};
    PGresult *res = db_query(
        a->conn,
        "SELECT d.datdba = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE "
        "r.rolname = current_user), "
        "coalesce(pg_catalog.shobj_description(d.oid, 'pg_database'), '') "
        "FROM pg_catalog.pg_database d WHERE d.datname = $1",
        1, params, NULL, &err);
    int rc;

    if (res == NULL)
        return -1;
    rc = PQntuples(res) == 1;
    if (rc) {
        *mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        snprintf(comment, len, "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return rc;
}

/* Whether ${comment} is a marker naming a live run on this host. */
static bool
marked_live(const char *comment)
{
    char host[128], me[128];
    long pid;
    int64_t created;

    ledger_host(me, sizeof(me));
    return marker_parse(comment, &pid, host, sizeof(host), &created) == 0 &&
           strcmp(host, me) == 0 && ledger_pid_alive(pid);
}

/* One ledger entry of a gone run. */
static void
sweep_entry(struct pgadmin *a, const char *path, const struct ledger_entry *e,
            target_sweep_fn add, void *ctx)
{
    struct target_swept s = {e->database, e->server,
                             e->run_id,   (int64_t)(time(NULL) - e->created),
                             false,       ""};
    struct rd_err err = {0};
    char comment[512], why[300];
    bool mine = false;
    int rc = db_facts(a, e->database, &mine, comment, sizeof(comment));

    if (rc < 0)
        return;
    if (rc == 0) {
        (void)unlink(path); /* dropped, or never created */
        return;
    }
    if (strncmp(e->database, "restoredrill_", 13) != 0)
        s.reason = "not named restoredrill_*: not touched";
    else if (!mine)
        s.reason = "owned by another role than the target's: not touched";
    else if (marked_live(comment))
        s.reason = "its marker names a live run: not touched";
    else if (pgadmin_drop_named(a, e->database, &err) != 0) {
        snprintf(why, sizeof(why), "drop failed: %s", err.msg);
        s.reason = why;
        add(ctx, &s);
        return;
    } else {
        s.dropped = true;
        snprintf(why, sizeof(why),
                 "in the ledger; its run (pid %ld on %s) is gone", e->pid,
                 e->host);
        s.reason = why;
    }
    (void)unlink(path);
    add(ctx, &s);
}

static void
sweep_ledger(struct target *t, struct pgadmin *a, const char *server,
             target_sweep_fn add, void *ctx)
{
    char dir[PATH_MAX], path[PATH_MAX + 300];
    struct ledger_entry e;
    struct dirent *d;
    DIR *dh;

    ledger_dir(t, dir, sizeof(dir));
    if ((dh = opendir(dir)) == NULL)
        return;
    while ((d = readdir(dh)) != NULL) {
        if (d->d_name[0] == '.' || strstr(d->d_name, ".tmp.") != NULL)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        if (ledger_read(path, &e) != 0 || strcmp(e.server, server) != 0 ||
            strcmp(e.database, d->d_name) != 0 || !ledger_run_gone(t, &e))
            continue;
        sweep_entry(a, path, &e, add, ctx);
    }
    closedir(dh);
}

/* One marked database in no ledger. */
static void
sweep_marked_one(struct target *t, struct pgadmin *a, const char *server,
                 const char *db, bool mine, const char *comment,
                 target_sweep_fn add, void *ctx)
{
    struct target_swept s = {db, server, "", -1, false, ""};
    struct rd_err err = {0};
    char host[128], me[128], run[64], why[300];
    long pid;
    int64_t created;

    ledger_host(me, sizeof(me));
    if (marker_parse(comment, &pid, host, sizeof(host), &created) != 0 ||
        strcmp(host, me) != 0 || ledger_pid_alive(pid))
        return; /* not ours to judge: never touched, not listed */
    snprintf(run, sizeof(run), "pid %ld@%s", pid, host);
    s.run_id = run;
    s.age_s = (int64_t)time(NULL) - created;
    if (!mine)
        s.reason = "owned by another role than the target's: not touched";
    else if (s.age_s < t->policy.sweep_after_s)
        s.reason = "not in the ledger and younger than sweep_after: kept";
    else if (pgadmin_drop_named(a, db, &err) != 0) {
        snprintf(why, sizeof(why), "drop failed: %s", err.msg);
        s.reason = why;
    } else {
        s.dropped = true;
        s.reason = "marked by a dead run of this host, older than sweep_after";
    }
    add(ctx, &s);
}

static void
sweep_marked(struct target *t, struct pgadmin *a, const char *server,
             target_sweep_fn add, void *ctx)
{
    struct rd_err err = {0};
    PGresult *res = db_query(
        a->conn,
        "SELECT d.datname, d.datdba = (SELECT r.oid FROM pg_catalog.pg_roles "
        "r WHERE r.rolname = current_user), "
        "pg_catalog.shobj_description(d.oid, 'pg_database') "
        "FROM pg_catalog.pg_database d WHERE d.datname LIKE 'restoredrill\\_%' "
        "AND pg_catalog.shobj_description(d.oid, 'pg_database') IS NOT NULL "
        "ORDER BY 1",
        0, NULL, NULL, &err);

    if (res == NULL)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *db = PQgetvalue(res, i, 0);

        if (!ledger_has(t, db))
            sweep_marked_one(t, a, server, db,
                             strcmp(PQgetvalue(res, i, 1), "t") == 0,
                             PQgetvalue(res, i, 2), add, ctx);
    }
    PQclear(res);
}

int
target_server_sweep(struct target *t, target_sweep_fn add, void *ctx,
                    struct rd_err *err)
{
    struct pgadmin a = {0};
    char *server;

    if (t->policy.state_dir == NULL)
        return 0;
    if (pgadmin_connect(&a, t->spec, err) != 0)
        return -1;
    server = redact_conninfo(t->spec);
    if (server == NULL) {
        pgadmin_close(&a);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    sweep_ledger(t, &a, server, add, ctx);
    sweep_marked(t, &a, server, add, ctx);
    free(server);
    pgadmin_close(&a);
    return 0;
}
