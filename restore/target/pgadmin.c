/* pgadmin: the PostgreSQL maintenance connection of a target, and the
 * scratch database made (and dropped only when still marked) through it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/db.h"

#include "restore/target/target_int.h"

#define SCRATCH_PREFIX  "restoredrill_"
#define NAMEDATALEN_MAX 63

int
pgadmin_connect(struct pgadmin *a, const char *conninfo, struct rd_err *err)
{
    int v;

    a->conninfo = conninfo;

    a->conn = db_connect(a->conninfo, NULL, err);
    if (a->conn == NULL)
        return -1;
    v = PQserverVersion(a->conn);
    a->server_num = v;
    if (v >= 100000)
        snprintf(a->server_version, sizeof(a->server_version), "%d.%d",
                 v / 10000, v % 10000);
    else
        snprintf(a->server_version, sizeof(a->server_version), "%d.%d.%d",
                 v / 10000, (v / 100) % 100, v % 100);
    return 0;
}

/* restoredrill_<job>_<ts>_<pid>[_n]: ASCII, lowercase, <= 63 bytes. */
static void
scratch_name(char *buf, size_t len, const char *job, int attempt)
{
    char tail[64], jobpart[64];
    time_t now = time(NULL);
    struct tm tm;
    size_t room, j = 0;

    gmtime_r(&now, &tm);
    strftime(tail, sizeof(tail), "_%Y%m%dt%H%M%Sz", &tm);
    snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "_%ld",
             (long)getpid());
    if (attempt > 0)
        snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "_%d",
                 attempt);
    room = NAMEDATALEN_MAX - strlen(SCRATCH_PREFIX) - strlen(tail);
    for (const char *p = job; *p != '\0' && j < room && j < sizeof(jobpart) - 1;
         p++)
        jobpart[j++] =
            isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    jobpart[j] = '\0';
    snprintf(buf, len, "%s%s%s", SCRATCH_PREFIX, jobpart, tail);
}

int
pgadmin_create_db(struct pgadmin *a, const char *job, struct rd_err *err)
{
    char host[128] = "?", ts[32], sqlstate[6];
    time_t now = time(NULL);
    struct tm tm;

    gethostname(host, sizeof(host) - 1);
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (int attempt = 0; attempt < 5; attempt++) {
        char sql[512], *ident, *lit;
        int rc;

        scratch_name(a->dbname, sizeof(a->dbname), job, attempt);
        ident = PQescapeIdentifier(a->conn, a->dbname, strlen(a->dbname));
        if (ident == NULL)
            return rd_err_set(err, RD_INTERNAL, "%s", PQerrorMessage(a->conn));
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0",
                 ident);
        /* The ledger first: a run killed during CREATE leaves a trace. */
        if (a->before_create != NULL &&
            a->before_create(a->hook_ctx, a->dbname, err) != 0) {
            PQfreemem(ident);
            a->dbname[0] = '\0';
            return -1;
        }
        sqlstate[0] = '\0';
        rc = db_exec(a->conn, sql, 0, NULL, sqlstate, err);
        /* The ledger entry goes only when the server said no (a SQLSTATE):
           after a signal, a deadline or a lost connection the CREATE may
           have committed, and the entry is what lets the sweep find it (it
           removes entries whose database does not exist). */
        if (rc != 0 && a->before_create != NULL && sqlstate[0] != '\0')
            (void)a->before_create(a->hook_ctx, NULL, NULL);
        if (rc != 0 && strcmp(sqlstate, "42P04") == 0) {
            PQfreemem(ident);
            continue; /* duplicate_database: never reuse, pick another */
        }
        if (rc != 0) {
            enum rd_code c = err->code;
            char why[sizeof(err->msg)];

            PQfreemem(ident);
            a->dbname[0] = '\0';
            snprintf(why, sizeof(why), "%s", err->msg);
            return rd_err_set(err,
                              c == RD_DB_UNREACHABLE || c == RD_TIMEOUT ||
                                      c == RD_INTERRUPTED
                                  ? c
                                  : RD_ACCESS_DENIED,
                              "cannot create the scratch database: %s", why);
        }
        a->created = true;
        snprintf(
            a->marker, sizeof(a->marker),
            "restoredrill scratch database (job %s, pid %ld, host %s, created %s); dropped when the run ends",
            job, (long)getpid(), host, ts);
        lit = PQescapeLiteral(a->conn, a->marker, strlen(a->marker));
        if (lit == NULL) {
            PQfreemem(ident);
            return rd_err_set(err, RD_INTERNAL, "%s", PQerrorMessage(a->conn));
        }
        snprintf(sql, sizeof(sql), "COMMENT ON DATABASE %s IS ", ident);
        char *full = malloc(strlen(sql) + strlen(lit) + 1);
        if (full == NULL) {
            PQfreemem(ident);
            PQfreemem(lit);
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        }
        sprintf(full, "%s%s", sql, lit);
        rc = db_exec(a->conn, full, 0, NULL, NULL, err);
        free(full);
        PQfreemem(ident);
        PQfreemem(lit);
        return rc;
    }
    return rd_err_set(err, RD_INTERNAL,
                      "cannot find a free scratch database name after 5 tries");
}

int
pgadmin_missing_extensions(struct pgadmin *a, char *const *names, size_t n,
                           char *missing, size_t len)
{
    int count = 0;
    size_t used = 0;

    missing[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *params[1] = {names[i]};
        PGresult *res = PQexecParams(
            a->conn,
            "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = $1",
            1, NULL, params, NULL, NULL, 0);

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            return -1;
        }
        if (PQntuples(res) == 0) {
            used +=
                (size_t)snprintf(missing + used, used < len ? len - used : 0,
                                 "%s%s", count > 0 ? ", " : "", names[i]);
            count++;
        }
        PQclear(res);
    }
    return count;
}

int
pgadmin_drop_named(struct pgadmin *a, const char *db, struct rd_err *err)
{
    char sql[256], *ident = PQescapeIdentifier(a->conn, db, strlen(db));

    if (ident == NULL)
        return rd_err_set(err, RD_INTERNAL, "%s", PQerrorMessage(a->conn));
    /* FORCE ends the sessions still on it (a CREATEDB role: its own). */
    snprintf(sql, sizeof(sql), "DROP DATABASE %s%s", ident,
             PQserverVersion(a->conn) >= 130000 ? " WITH (FORCE)" : "");
    PQfreemem(ident);
    return db_exec(a->conn, sql, 0, NULL, NULL, err);
}

/* The scratch database's owner and comment; 0 no such database. */
static int
drop_facts(struct pgadmin *a, bool *mine, bool *marked, struct rd_err *err)
{
    const char *params[1] = {a->dbname};
    PGresult *res = db_query(
        a->conn,
        "SELECT d.datdba = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE "
        "r.rolname = current_user), "
        "pg_catalog.shobj_description(d.oid, 'pg_database') "
        "FROM pg_catalog.pg_database d WHERE d.datname = $1",
        1, params, NULL, err);
    int rc;

    if (res == NULL) {
        char why[sizeof(err->msg)];

        snprintf(why, sizeof(why), "%s", err->msg);
        return rd_err_set(
            err, err->code == RD_TIMEOUT ? RD_TIMEOUT : RD_DB_UNREACHABLE,
            "cannot check scratch database '%s' before dropping it: %s",
            a->dbname, why);
    }
    rc = PQntuples(res) == 1;
    if (rc) {
        *mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        *marked = !PQgetisnull(res, 0, 1) &&
                  strcmp(PQgetvalue(res, 0, 1), a->marker) == 0;
    }
    PQclear(res);
    return rc;
}

int
pgadmin_drop_db(struct pgadmin *a, struct rd_err *err)
{
    bool mine = false, marked = false;
    int rc;

    if (!a->created || a->conn == NULL)
        return 0;
    rc = drop_facts(a, &mine, &marked, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        a->created = false;
        return 0;
    }
    /* Ours: owned by our role, and still marked or in our ledger (a dump
     * may rewrite the comment; it cannot rewrite the ledger). */
    if (!mine || (!marked && !a->ledgered))
        return rd_err_set(err, RD_INTERNAL, "database '%s' %s; not dropping it",
                          a->dbname,
                          !mine ? "is no longer owned by the target role"
                                : "no longer carries restoredrill's marker");
    if (pgadmin_drop_named(a, a->dbname, err) != 0)
        return -1;
    a->created = false;
    return 0;
}

void
pgadmin_close(struct pgadmin *a)
{
    if (a == NULL)
        return;
    PQfinish(a->conn);
    a->conn = NULL;
}

int
pgadmin_env(const struct pgadmin *a, const char *passfile, struct proc_env *env)
{
    PQconninfoOption *opts = PQconninfo(a->conn), *o;
    int rc = 0;

    if (opts == NULL)
        return -1;
    for (o = opts; rc == 0 && o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0' || o->envvar == NULL ||
            strcmp(o->keyword, "dbname") == 0 ||
            strcmp(o->keyword, "application_name") == 0 ||
            strcmp(o->keyword, "fallback_application_name") == 0 ||
            (passfile != NULL && strcmp(o->keyword, "password") == 0))
            continue;
        if (proc_env_set(env, o->envvar, o->val) != 0)
            rc = -1;
    }
    PQconninfoFree(opts);
    if (rc == 0 && passfile != NULL &&
        proc_env_set(env, "PGPASSFILE", passfile) != 0)
        rc = -1;
    return rc;
}

/* Tables that were never analyzed and have no index (reltuples -1) are
 * counted exactly up to this size, and ANALYZEd above it. */
#define ANALYZE_ABOVE_BYTES (64LL << 20)

/* The row count of one table ${qname} (quoted) whose pg_class says
 * ${est} rows (-1: unknown) and ${bytes}: exact below ${exact_below}
 * rows, else the estimate.  -1 in ${rows} when a count failed; -1 returned
 * only when the run must stop (deadline, signal, a stuck connection). */
static int
count_one(PGconn *conn, const char *qname, long long est, long long bytes,
          int64_t exact_below, long long *rows, struct rd_err *err)
{
    char sql[700];
    PGresult *c;

    if (est < 0 && bytes >= ANALYZE_ABOVE_BYTES) {
        snprintf(sql, sizeof(sql), "ANALYZE %s", qname);
        if (db_exec(conn, sql, 0, NULL, NULL, err) != 0)
            goto failed;
        /* a parameter, never spliced: the name comes from the dump */
        const char *params[] = {qname};

        c = db_query(conn,
                     "SELECT reltuples::bigint FROM pg_catalog.pg_class "
                     "WHERE oid = $1::pg_catalog.regclass",
                     1, params, NULL, err);
        if (c == NULL)
            goto failed;
        est = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
        PQclear(c);
    }
    *rows = est;
    if (est >= 0 && est >= exact_below)
        return 0;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", qname);
    if ((c = db_query(conn, sql, 0, NULL, NULL, err)) == NULL)
        goto failed;
    *rows = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
    PQclear(c);
    return 0;
failed:
    *rows = -1;
    return err->code == RD_TIMEOUT || err->code == RD_INTERRUPTED ||
                   db_stuck(conn)
               ? -1
               : 0;
}

/*
 * Row counts of every user table of the scratch database; every query is
 * bounded by the run's deadline and stops on a signal.  No database-wide
 * ANALYZE (it cost more than the counts): after a restore, pg_class's
 * reltuples of every indexed table is the exact count its index build
 * made; tables estimated below ${exact_below} are counted exactly anyway.
 */
static int
count_tables(PGconn *conn, int64_t exact_below, target_count_fn add, void *ctx,
             struct rd_err *err)
{
    PGresult *res;
    int rc = 0;

    res = db_query(conn,
                   "SELECT n.nspname, c.relname, c.reltuples::bigint, "
                   "pg_catalog.pg_relation_size(c.oid) "
                   "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                   "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND "
                   "n.nspname NOT IN ('pg_catalog', 'information_schema') AND "
                   "n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2",
                   0, NULL, NULL, err);
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        const char *ns = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        char *qn = PQescapeIdentifier(conn, ns, strlen(ns));
        char *qr = PQescapeIdentifier(conn, rel, strlen(rel));
        char qname[600], name[300];
        long long rows = -1;

        snprintf(qname, sizeof(qname), "%s.%s", qn != NULL ? qn : "",
                 qr != NULL ? qr : "");
        PQfreemem(qn);
        PQfreemem(qr);
        rc = count_one(conn, qname, strtoll(PQgetvalue(res, i, 2), NULL, 10),
                       strtoll(PQgetvalue(res, i, 3), NULL, 10), exact_below,
                       &rows, err);
        snprintf(name, sizeof(name), "%s.%s", ns, rel);
        if (rc == 0 && add(ctx, name, (int64_t)rows) != 0)
            rc = rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    PQclear(res);
    return rc;
}

int
pgadmin_count_rows(const struct pgadmin *a, int64_t exact_below,
                   target_count_fn add, void *ctx, struct rd_err *err)
{
    PGconn *conn = db_connect(a->conninfo, a->dbname, err);
    int rc;

    if (conn == NULL)
        return -1;
    rc = count_tables(conn, exact_below, add, ctx, err);
    PQfinish(conn);
    return rc;
}
