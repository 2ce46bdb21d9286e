/* probe_pg: probe sessions on PostgreSQL (libpq), for probe_exec.c. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/db.h"
#include "verifier/util/sig.h"

#include "probes/probe_drv.h"

#define OID_BOOL        16
#define OID_DATE        1082
#define OID_TIMESTAMP   1114
#define OID_TIMESTAMPTZ 1184

#define probe_error probe_fail

/*
 * The name of a built-in type (the OIDs are fixed in pg_type.dat), for
 * messages; "type oid N" for any other (a domain, an enum, an extension's).
 */
static const char *
type_name(Oid t, char *buf, size_t len)
{
    static const struct {
        Oid oid;
        const char *name;
    } types[] = {
        {16, "boolean"},     {17, "bytea"},
        {18, "\"char\""},    {19, "name"},
        {20, "bigint"},      {21, "smallint"},
        {23, "integer"},     {25, "text"},
        {26, "oid"},         {114, "json"},
        {700, "real"},       {701, "double precision"},
        {790, "money"},      {869, "inet"},
        {1042, "character"}, {1043, "character varying"},
        {1082, "date"},      {1083, "time"},
        {1114, "timestamp"}, {1184, "timestamptz"},
        {1186, "interval"},  {1266, "timetz"},
        {1700, "numeric"},   {2249, "record"},
        {2950, "uuid"},      {3802, "jsonb"},
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (types[i].oid == t)
            return types[i].name;
    snprintf(buf, len, "type oid %u", (unsigned)t);
    return buf;
}

static void *
pg_open(const char *conninfo, const char *dbname, struct rd_err *err)
{
    PGconn *pg = db_connect(conninfo, dbname, err);

    if (pg == NULL)
        return NULL;
    if (db_exec(
            pg,
            "SELECT pg_catalog.set_config('default_transaction_read_only', "
            "'on', false), pg_catalog.set_config('TimeZone', 'UTC', false), "
            "pg_catalog.set_config('search_path', '', false)",
            0, NULL, NULL, err) != 0) {
        rd_err_set(err, RD_DB_UNREACHABLE,
                   "cannot prepare the probe session: %s", err->msg);
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static void
pg_close(void *s)
{
    PQfinish(s);
}

/*
 * Wait for the query's results; cancel it when the deadline passes, and give
 * up (*abandoned, NULL returned) when it still runs 5 s after the cancel:
 * a query can catch query_canceled and go on.
 */
static PGresult *
wait_result(PGconn *conn, long long deadline_ms, bool *cancelled,
            bool *abandoned)
{
    long long cancel_at = 0;
    struct timespec t;

    for (;;) {
        struct pollfd pfd = {PQsocket(conn), POLLIN, 0};
        long long now_ms;

        if (PQconsumeInput(conn) == 0)
            return PQgetResult(conn);
        if (!PQisBusy(conn))
            return PQgetResult(conn);
        clock_gettime(CLOCK_MONOTONIC, &t);
        now_ms = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
        if ((now_ms > deadline_ms || sig_pending() != 0) && !*cancelled) {
            PGcancel *c = PQgetCancel(conn);
            char buf[256];

            if (c != NULL) {
                PQcancel(c, buf, sizeof(buf));
                PQfreeCancel(c);
            }
            *cancelled = true;
            cancel_at = now_ms;
        }
        if (*cancelled && now_ms - cancel_at > (sig_hurry() ? 1000 : 5000)) {
            *abandoned = true;
            return NULL;
        }
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
            return PQgetResult(conn);
    }
}

/* Seconds since the epoch of a timestamp text, computed by the server. */
static int
pg_epoch(void *s, const char *ts, double *out)

{
    PGconn *conn = s;
    const char *params[1] = {ts};
    PGresult *r = PQexecParams(
        conn,
        "SELECT pg_catalog.date_part('epoch', $1::pg_catalog.timestamptz)", 1,
        NULL, params, NULL, NULL, 0);
    int rc = -1;

    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
        !PQgetisnull(r, 0, 0)) {
        *out = strtod(PQgetvalue(r, 0, 0), NULL);
        rc = 0;
    }
    PQclear(r);
    return rc;
}

/* Open the probe's READ ONLY transaction with its timeouts and search_path,
 * and send its statement alone (extended protocol: one statement, never a
 * smuggled COMMIT); -1 with ${out} set. */
static int
probe_begin(PGconn *conn, const struct probe *p, int64_t timeout,
            struct probe_outcome *out)
{
    struct rd_err err = {0};
    const char *params[3];
    char tmo[32];

    snprintf(tmo, sizeof(tmo), "%lldms", (long long)timeout * 1000);
    params[0] = tmo;
    params[1] = tmo;
    params[2] = p->search_path != NULL ? p->search_path : "";
    if (db_exec(conn, "BEGIN READ ONLY", 0, NULL, NULL, &err) != 0 ||
        db_exec(conn,
                "SELECT pg_catalog.set_config('statement_timeout', $1, true), "
                "pg_catalog.set_config('lock_timeout', $2, true), "
                "pg_catalog.set_config('search_path', $3, true)",
                3, params, NULL, &err) != 0) {
        probe_error(p, out, RD_PROBE_FAILED, "cannot start the probe: %s",
                    err.msg);
        return -1;
    }
    if (!PQsendQueryParams(conn, p->sql, 0, NULL, NULL, NULL, NULL, 0)) {
        probe_error(p, out, RD_PROBE_FAILED, "cannot send the probe: %s",
                    PQerrorMessage(conn));
        return -1;
    }
    return 0;
}

/* A result set of the right shape, or -1 with ${out} saying why not. */
static int
check_result(PGconn *conn, const struct probe *p, const PGresult *res,
             bool cancelled, int64_t timeout, struct probe_outcome *out)
{
    const char *sqlstate;

    if (cancelled && PQresultStatus(res) == PGRES_TUPLES_OK) {
        /* A result that came only after the cancel is still a timeout. */
        probe_error(p, out, RD_PROBE_TIMEOUT,
                    "finished only after its %llds timeout and a cancel",
                    (long long)timeout);
        return -1;
    }
    switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
        break;
    case PGRES_COMMAND_OK:
        probe_error(
            p, out, RD_PROBE_FAILED,
            "the statement returned no result set (a probe must be a query, e.g. SELECT ...)");
        return -1;
    default:
        sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (cancelled || (sqlstate != NULL && strcmp(sqlstate, "57014") == 0))
            probe_error(
                p, out, RD_PROBE_TIMEOUT, "cancelled after %llds (timeout): %s",
                (long long)timeout,
                res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn));
        else
            probe_error(
                p, out, RD_PROBE_FAILED, "SQL error %s: %s%s",
                sqlstate != NULL ? sqlstate : "?",
                res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn),
                sqlstate != NULL && strcmp(sqlstate, "42P01") == 0 &&
                        p->search_path == NULL
                    ? "HINT: probes run with an empty search_path: write "
                      "public.table, or add '-- search_path: public'"
                    : "");
        return -1;
    }
    return 0;
}

static const char *
pg_value(const struct probe_res *r, int row, int field)
{
    const PGresult *res = r->impl;

    return PQgetisnull(res, row, field) ? NULL : PQgetvalue(res, row, field);
}

static const char *
pg_fname(const struct probe_res *r, int field)
{
    return PQfname(r->impl, field);
}

static int
pg_run(void *s, const struct probe *p, int64_t timeout, struct probe_res *r,
       struct probe_outcome *out)
{
    PGconn *conn = s;
    PGresult *res, *extra;
    struct timespec t0;
    bool cancelled = false, abandoned = false;
    long long deadline;
    Oid t;

    memset(r, 0, sizeof(*r));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (probe_begin(conn, p, timeout, out) != 0)
        return -1;
    deadline = (long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000 +
               (timeout + 5) * 1000;
    res = wait_result(conn, deadline, &cancelled, &abandoned);
    if (abandoned) {
        /* The session is stuck in that query: the caller drops it. */
        out->conn_lost = true;
        probe_error(
            p, out, RD_PROBE_TIMEOUT,
            "still running %llds after its timeout was reached and the query was cancelled (it ignores cancellation); the connection was dropped",
            (long long)timeout + 5);
        return -1;
    }
    while ((extra = PQgetResult(conn)) != NULL)
        PQclear(extra);
    r->impl = res;
    if (check_result(conn, p, res, cancelled, timeout, out) != 0)
        return -1;
    r->nrows = PQntuples(res);
    r->nfields = PQnfields(res);
    t = r->nfields > 0 ? PQftype(res, 0) : 0;
    r->type = t == OID_BOOL ? PCT_BOOL
              : t == OID_TIMESTAMPTZ || t == OID_TIMESTAMP || t == OID_DATE
                  ? PCT_TIME
                  : PCT_OTHER;
    {
        char tn[32];

        snprintf(r->type_name, sizeof(r->type_name), "%s",
                 type_name(t, tn, sizeof(tn)));
    }
    r->value = pg_value;
    r->fname = pg_fname;
    return 0;
}

static void
pg_end(void *s, struct probe_res *r)
{
    struct rd_err err = {0};

    if (r->impl != NULL)
        PQclear(r->impl);
    r->impl = NULL;
    /* Always rolled back, whatever the probe did. */
    if (PQstatus(s) == CONNECTION_OK && PQisBusy(s) == 0)
        (void)db_exec(s, "ROLLBACK", 0, NULL, NULL, &err);
}

const struct probe_driver probe_pg_driver = {
    .engine = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .run = pg_run,
    .epoch = pg_epoch,
    .end = pg_end,
};
