/* probe_exec: run probes against a database, safely, and judge their results.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/db.h"
#include "verifier/util/duration.h"
#include "verifier/util/json.h"
#include "verifier/util/sig.h"

#include "probes/probe_exec.h"

#define OID_BOOL        16
#define OID_DATE        1082
#define OID_TIMESTAMP   1114
#define OID_TIMESTAMPTZ 1184
#define CLOCK_SKEW_S    300

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

/* The bounds of a rows probe: "≥ 100", "≤ 5" or "100 to 500". */
static const char *
bounds(const struct probe *p, char *buf, size_t len)
{
    if (p->has_min && p->has_max)
        snprintf(buf, len, "%g to %g", p->min, p->max);
    else if (p->has_min)
        snprintf(buf, len, "\u2265 %g", p->min);
    else
        snprintf(buf, len, "\u2264 %g", p->max);
    return buf;
}

struct probe_conn {
    PGconn *pg; /* (owned) */
};

struct probe_conn *
probe_conn_open(const char *conninfo, const char *dbname, struct rd_err *err)
{
    struct probe_conn *c;
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
    c = malloc(sizeof(*c));
    if (c == NULL) {
        PQfinish(pg);
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    c->pg = pg;
    return c;
}

void
probe_conn_close(struct probe_conn *c)
{
    if (c == NULL)
        return;
    PQfinish(c->pg);
    free(c);
}

static double
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1000.0 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* A violation: the probe's severity decides warning or critical. */
static void violate(const struct probe *p, struct probe_outcome *out,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
violate(const struct probe *p, struct probe_outcome *out, const char *fmt, ...)
{
    va_list ap;

    out->status = p->severity_warning ? RD_ST_WARNING : RD_ST_CRITICAL;
    out->code = p->severity_warning ? RD_OK : RD_PROBE_FAILED;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof(out->message), fmt, ap);
    va_end(ap);
}

/* The probe could not be judged: critical (or unknown), named by file. */
static void probe_error(const struct probe *p, struct probe_outcome *out,
                        enum rd_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
probe_error(const struct probe *p, struct probe_outcome *out, enum rd_code code,
            const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    out->status = rd_code_status(code);
    out->code = code;
    snprintf(out->message, sizeof(out->message), "%s:%d: %s", p->file,
             p->sql_line, msg);
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
epoch_of(PGconn *conn, const char *ts, double *out)
{
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

static void
judge_freshness(PGconn *conn, const struct probe *p, const PGresult *res,
                const struct probe_ctx *ctx, struct probe_outcome *out)
{
    Oid t = PQftype(res, 0);
    time_t ref = p->relative_archive ? ctx->archive_time : ctx->now;
    char age[32], lim[32], tn[32];
    double epoch;
    int64_t a;

    if (t != OID_TIMESTAMPTZ && t != OID_TIMESTAMP && t != OID_DATE) {
        probe_error(
            p, out, RD_PROBE_FAILED,
            "a freshness probe must return a timestamp, timestamptz or date (got %s)",
            type_name(t, tn, sizeof(tn)));
        return;
    }
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
        violate(
            p, out,
            "no timestamp: the query returned %s, so there is no recent data at all",
            PQntuples(res) == 0 ? "no row" : "NULL");
        return;
    }
    probe_value_text(&out->value, PQgetvalue(res, 0, 0));
    if (epoch_of(conn, PQgetvalue(res, 0, 0), &epoch) == 0) {
        char ts[32];

        probe_value_text(&out->value,
                         jsonx_rfc3339(ts, sizeof(ts), (time_t)epoch));
    }
    if (p->relative_archive && ctx->archive_time == (time_t)-1) {
        out->status = RD_ST_UNKNOWN;
        out->code = RD_OK;
        snprintf(
            out->message, sizeof(out->message),
            "relative_to: archive, but there is no archive (probe --db): cannot judge");
        return;
    }
    if (epoch_of(conn, PQgetvalue(res, 0, 0), &epoch) != 0) {
        probe_error(p, out, RD_PROBE_FAILED, "cannot read '%s' as a time",
                    PQgetvalue(res, 0, 0));
        return;
    }
    out->age_s = (double)ref - epoch;
    out->has_age = true;
    a = (int64_t)floor(out->age_s);
    if (out->age_s < -CLOCK_SKEW_S) {
        out->status = RD_ST_UNKNOWN;
        out->code = RD_CLOCK_SKEW;
        snprintf(
            out->message, sizeof(out->message),
            "newest timestamp %s is %s in the future of the %s: clocks disagree",
            PQgetvalue(res, 0, 0), duration_human(-a, age, sizeof(age)),
            p->relative_archive ? "archive's time" : "clock of this host");
        return;
    }
    if (p->error_after_s >= 0 && a > p->error_after_s) {
        violate(p, out, "newest data is %s old (%s), older than error_after %s",
                duration_human(a, age, sizeof(age)), PQgetvalue(res, 0, 0),
                duration_format(p->error_after_s, lim, sizeof(lim)));
    } else if (p->warn_after_s >= 0 && a > p->warn_after_s) {
        out->status = RD_ST_WARNING;
        snprintf(out->message, sizeof(out->message),
                 "newest data is %s old (%s), older than warn_after %s",
                 duration_human(a, age, sizeof(age)), PQgetvalue(res, 0, 0),
                 duration_format(p->warn_after_s, lim, sizeof(lim)));
    } else {
        snprintf(out->message, sizeof(out->message), "newest data is %s old",
                 duration_human(a < 0 ? 0 : a, age, sizeof(age)));
    }
}

static void
judge_rows(const struct probe *p, const PGresult *res,
           struct probe_outcome *out)
{
    const char *v;
    char *end, tn[32], b[80];
    double n;

    if (PQntuples(res) != 1) {
        probe_error(p, out, RD_PROBE_FAILED,
                    "a rows probe must return exactly one row (got %d)",
                    PQntuples(res));
        return;
    }
    if (PQgetisnull(res, 0, 0)) {
        violate(p, out, "the count is NULL");
        return;
    }
    v = PQgetvalue(res, 0, 0);
    n = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(n)) {
        probe_error(p, out, RD_PROBE_FAILED,
                    "a rows probe must return a number (got %s '%.60s')",
                    type_name(PQftype(res, 0), tn, sizeof(tn)), v);
        return;
    }
    out->value.kind = PV_NUMBER;
    out->value.number = n;
    if ((p->has_min && n < p->min) || (p->has_max && n > p->max))
        violate(p, out, "%g, want %s", n, bounds(p, b, sizeof(b)));
    else
        snprintf(out->message, sizeof(out->message), "%g, within %s", n,
                 bounds(p, b, sizeof(b)));
}

/* The first PROBE_ROWS_KEPT rows of ${res}; fewer when out of memory. */
static void
keep_rows(const PGresult *res, struct probe_rows *rows)
{
    int n = PQntuples(res), nf = PQnfields(res);

    n = n < PROBE_ROWS_KEPT ? n : PROBE_ROWS_KEPT;
    rows->names = calloc(nf > 0 ? (size_t)nf : 1, sizeof(char *));
    rows->cells = calloc((size_t)n * (nf > 0 ? (size_t)nf : 1), sizeof(char *));
    if (rows->names == NULL || rows->cells == NULL)
        return;
    rows->nfields = nf;
    for (int f = 0; f < nf; f++)
        rows->names[f] = strdup(PQfname(res, f));
    for (int i = 0; i < n; i++) {
        for (int f = 0; f < nf; f++)
            if (!PQgetisnull(res, i, f))
                rows->cells[i * nf + f] = strdup(PQgetvalue(res, i, f));
        rows->n = i + 1;
    }
}

static void
judge_empty(const struct probe *p, const PGresult *res,
            struct probe_outcome *out)
{
    int n = PQntuples(res);

    out->value.kind = PV_COUNT;
    out->value.count = n;
    if (n == 0) {
        snprintf(out->message, sizeof(out->message), "no rows, as expected");
        return;
    }
    keep_rows(res, &out->rows);
    violate(p, out, "%d row%s that should not exist (first %d in rows[])", n,
            n == 1 ? "" : "s", n < PROBE_ROWS_KEPT ? n : PROBE_ROWS_KEPT);
}

static void
judge_true(const struct probe *p, const PGresult *res,
           struct probe_outcome *out)
{
    char tn[32];

    if (PQftype(res, 0) != OID_BOOL || PQntuples(res) != 1) {
        probe_error(
            p, out, RD_PROBE_FAILED,
            "a true probe must return one boolean row (got %d row%s of %s)",
            PQntuples(res), PQntuples(res) == 1 ? "" : "s",
            type_name(PQftype(res, 0), tn, sizeof(tn)));
        return;
    }
    if (PQgetisnull(res, 0, 0)) {
        violate(p, out, "the condition is NULL, not true");
        return;
    }
    out->value.kind = PV_BOOL;
    out->value.truth = PQgetvalue(res, 0, 0)[0] == 't';
    if (PQgetvalue(res, 0, 0)[0] != 't')
        violate(p, out, "the condition is false");
    else
        snprintf(out->message, sizeof(out->message), "true");
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
    if (p->kind != PROBE_EMPTY && PQnfields(res) != 1) {
        probe_error(p, out, RD_PROBE_FAILED,
                    "a %s probe must return one column (got %d)",
                    probe_kind_name(p->kind), PQnfields(res));
        return -1;
    }
    return 0;
}

/* Judge a well-shaped result by the probe's kind. */
static void
judge(PGconn *conn, const struct probe *p, const PGresult *res,
      const struct probe_ctx *ctx, struct probe_outcome *out)
{
    switch (p->kind) {
    case PROBE_FRESHNESS:
        judge_freshness(conn, p, res, ctx, out);
        break;
    case PROBE_ROWS:
        judge_rows(p, res, out);
        break;
    case PROBE_EMPTY:
        judge_empty(p, res, out);
        break;
    case PROBE_TRUE:
        judge_true(p, res, out);
        break;
    }
}

void
probe_exec_run(struct probe_conn *pc, const struct probe *p,
               const struct probe_ctx *ctx, struct probe_outcome *out)
{
    int64_t timeout = p->timeout_s > 0 ? p->timeout_s : ctx->default_timeout_s;
    PGconn *conn = pc->pg;
    struct timespec t0;
    struct rd_err err = {0};
    PGresult *res = NULL, *extra;
    bool cancelled = false, abandoned = false;
    long long deadline;

    memset(out, 0, sizeof(*out));
    out->status = RD_ST_OK;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (probe_begin(conn, p, timeout, out) != 0)
        goto done;
    deadline = (long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000 +
               (timeout + 5) * 1000;
    res = wait_result(conn, deadline, &cancelled, &abandoned);
    out->duration_ms = ms_since(&t0);
    if (abandoned) {
        /* The session is stuck in that query: the caller drops it. */
        out->conn_lost = true;
        probe_error(
            p, out, RD_PROBE_TIMEOUT,
            "still running %llds after its timeout was reached and the query was cancelled (it ignores cancellation); the connection was dropped",
            (long long)timeout + 5);
        return;
    }
    while ((extra = PQgetResult(conn)) != NULL)
        PQclear(extra);
    if (check_result(conn, p, res, cancelled, timeout, out) == 0)
        judge(conn, p, res, ctx, out);
done:
    PQclear(res);
    /* Always rolled back, whatever the probe did. */
    (void)db_exec(conn, "ROLLBACK", 0, NULL, NULL, &err);
    if (out->duration_ms == 0)
        out->duration_ms = ms_since(&t0);
    /* Strip the newline libpq leaves in messages. */
    for (char *m = out->message; *m != '\0'; m++)
        if (*m == '\n')
            *m = ' ';
}

void
probe_value_text(struct probe_value *v, const char *s)
{
    free(v->text);
    v->text = strdup(s);
    v->kind = v->text != NULL ? PV_TEXT : PV_NULL;
}

void
probe_outcome_release(struct probe_outcome *out)
{
    if (out == NULL)
        return;
    free(out->value.text);
    out->value.text = NULL;
    out->value.kind = PV_NULL;
    for (int f = 0; out->rows.names != NULL && f < out->rows.nfields; f++)
        free(out->rows.names[f]);
    for (int i = 0;
         out->rows.cells != NULL && i < out->rows.n * out->rows.nfields; i++)
        free(out->rows.cells[i]);
    free(out->rows.names);
    free(out->rows.cells);
    memset(&out->rows, 0, sizeof(out->rows));
}
