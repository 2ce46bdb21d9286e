/* db: libpq connections the safe way (PostgreSQL client-tool rules). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "verifier/util/sig.h"

#include "verifier/util/db.h"

#define CLEANUP_QUERY_MS 30000 /* one cleanup query (the drop) */
#define HURRY_QUERY_MS   5000  /* the same after a second signal */
#define CANCEL_GRACE_MS  5000  /* a cancelled query's result, at most */
#define HURRY_GRACE_MS   1000

static long long run_deadline_ms; /* 0: none */
static bool cleanup_phase;

long long
db_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
db_set_deadline(long long deadline_ms)
{
    run_deadline_ms = deadline_ms;
}

long long
db_deadline(void)
{
    return run_deadline_ms;
}

void
db_cleanup_phase(bool on)
{
    cleanup_phase = on;
}

PGconn *
db_connect(const char *conninfo, const char *dbname, struct rd_err *err)
{
    const char *kw[6], *val[6];
    int i = 0;
    PGconn *conn;

    kw[i] = "connect_timeout";
    val[i++] = "10";
    kw[i] = "fallback_application_name";
    val[i++] = "restoredrill";
    kw[i] = "dbname"; /* expanded: later keywords override its parts */
    val[i++] = conninfo;
    if (dbname != NULL) {
        kw[i] = "dbname";
        val[i++] = dbname;
    }
    kw[i] = NULL;
    val[i] = NULL;
    conn = PQconnectdbParams(kw, val, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        rd_err_set(err, RD_DB_UNREACHABLE,
                   "cannot connect to the target server: %s",
                   conn != NULL ? PQerrorMessage(conn) : "out of memory");
        PQfinish(conn);
        return NULL;
    }
    if (db_exec(conn,
                "SELECT pg_catalog.set_config('search_path', '', false), "
                "pg_catalog.set_config('TimeZone', 'UTC', false)",
                0, NULL, NULL, err) != 0) {
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Why a running query must stop now (RD_OK: it may go on). */
static enum rd_code
stop_reason(long long started, long long now)
{
    if (cleanup_phase)
        return now - started > (sig_hurry() ? HURRY_QUERY_MS : CLEANUP_QUERY_MS)
                   ? RD_TIMEOUT
                   : RD_OK;
    if (sig_pending() != 0)
        return RD_INTERRUPTED;
    if (run_deadline_ms != 0 && now >= run_deadline_ms)
        return RD_TIMEOUT;
    return RD_OK;
}

/* Bounded waiting: the stop reason once known, and when the cancel went. */
struct waiter {
    long long started, cancel_at;
    enum rd_code why;
};

/*
 * Wait until a result can be read without blocking; cancel the query when
 * it must stop (signal, deadline), and give up 5 s after the cancel (1 s
 * after a second signal).  Returns 0, or -1 when abandoned.
 */
static int
wait_readable(PGconn *conn, struct waiter *w)
{
    for (;;) {
        struct pollfd pfd = {PQsocket(conn), POLLIN, 0};
        long long now;

        if (PQconsumeInput(conn) == 0 || !PQisBusy(conn))
            return 0;
        now = db_now_ms();
        if (w->why == RD_OK &&
            (w->why = stop_reason(w->started, now)) != RD_OK) {
            PGcancel *c = PQgetCancel(conn);
            char buf[256];

            if (c != NULL) {
                PQcancel(c, buf, sizeof(buf));
                PQfreeCancel(c);
            }
            w->cancel_at = now;
        }
        if (w->why != RD_OK &&
            now - w->cancel_at >
                (sig_hurry() ? HURRY_GRACE_MS : CANCEL_GRACE_MS))
            return -1;
        if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
            return 0;
    }
}

/* The error of a query that did not complete, by what stopped it. */
static void
query_error(PGconn *conn, const char *sql, const PGresult *res,
            const struct waiter *w, bool abandoned, struct rd_err *err)
{
    const char *msg = res != NULL ? PQresultErrorMessage(res) : "";
    char what[48];

    snprintf(what, sizeof(what), "%.40s%s", sql, strlen(sql) > 40 ? "..." : "");
    if (msg[0] == '\0')
        msg = PQerrorMessage(conn);
    if (w->why == RD_TIMEOUT && !cleanup_phase)
        rd_err_set(
            err, RD_TIMEOUT,
            "'%s' was still running when the run's deadline (restore_timeout) passed: %s",
            what, abandoned ? "it ignored the cancel" : "cancelled");
    else if (w->why == RD_TIMEOUT)
        rd_err_set(err, RD_TIMEOUT, "'%s' did not finish within %ds: %s", what,
                   (sig_hurry() ? HURRY_QUERY_MS : CLEANUP_QUERY_MS) / 1000,
                   abandoned ? "abandoned" : "cancelled");
    else if (w->why == RD_INTERRUPTED)
        rd_err_set(err, RD_INTERRUPTED,
                   "'%s' cancelled: restoredrill received %s", what,
                   sig_name(sig_pending()));
    else
        rd_err_set(err,
                   PQstatus(conn) == CONNECTION_BAD ? RD_DB_UNREACHABLE
                                                    : RD_INTERNAL,
                   "%s", msg);
}

PGresult *
db_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
         char *sqlstate, struct rd_err *err)
{
    struct waiter w = {db_now_ms(), 0, RD_OK};
    PGresult *res = NULL, *r;
    bool abandoned = false;
    ExecStatusType st;

    if (sqlstate != NULL)
        sqlstate[0] = '\0';
    if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
        rd_err_set(err,
                   PQstatus(conn) == CONNECTION_BAD ? RD_DB_UNREACHABLE
                                                    : RD_INTERNAL,
                   "%s", PQerrorMessage(conn));
        return NULL;
    }
    for (;;) {
        if (wait_readable(conn, &w) != 0) {
            abandoned = true; /* the session is stuck: the caller drops it */
            break;
        }
        if ((r = PQgetResult(conn)) == NULL)
            break;
        st = PQresultStatus(r);
        if (res == NULL || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)) {
            PQclear(res);
            res = r;
        } else {
            PQclear(r);
        }
    }
    st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (!abandoned && w.why == RD_OK &&
        (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
        return res;
    if (!abandoned && w.why != RD_OK &&
        (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
        return res; /* it completed before the cancel reached it */
    if (sqlstate != NULL && res != NULL &&
        PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL)
        snprintf(sqlstate, 6, "%s", PQresultErrorField(res, PG_DIAG_SQLSTATE));
    query_error(conn, sql, res, &w, abandoned, err);
    PQclear(res);
    return NULL;
}

int
db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
        char *sqlstate, struct rd_err *err)
{
    PGresult *res = db_query(conn, sql, nparams, params, sqlstate, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

bool
db_stuck(PGconn *conn)
{
    return conn == NULL || PQstatus(conn) != CONNECTION_OK ||
           PQtransactionStatus(conn) == PQTRANS_ACTIVE;
}
