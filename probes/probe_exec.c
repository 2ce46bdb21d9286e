/* probe_exec: run probes against a database, safely, and judge their results
 * (the same way for every engine: the sessions are probe_drv.h's). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/duration.h"
#include "verifier/util/json.h"

#include "probes/probe_drv.h"
#include "probes/probe_exec.h"

#define CLOCK_SKEW_S 300

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
    const struct probe_driver *drv;
    void *s; /* (owned) the driver's session */
};

bool
probe_is_mysql_uri(const char *s)
{
    return strncmp(s, "mysql://", 8) == 0 || strncmp(s, "mariadb://", 10) == 0;
}

struct probe_conn *
probe_conn_open(const char *conninfo, const char *dbname, struct rd_err *err)
{
    const struct probe_driver *drv =
        probe_is_mysql_uri(conninfo) ? &probe_mysql_driver : &probe_pg_driver;
    struct probe_conn *c;
    void *s = drv->open(conninfo, dbname, err);

    if (s == NULL)
        return NULL;
    c = malloc(sizeof(*c));
    if (c == NULL) {
        drv->close(s);
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    c->drv = drv;
    c->s = s;
    return c;
}

void
probe_conn_close(struct probe_conn *c)
{
    if (c == NULL)
        return;
    c->drv->close(c->s);
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

void
probe_fail(const struct probe *p, struct probe_outcome *out, enum rd_code code,
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

#define V(res, r, f) ((res)->value((res), (r), (f)))

static void
judge_freshness(const struct probe_conn *c, const struct probe *p,
                const struct probe_res *res, const struct probe_ctx *ctx,
                struct probe_outcome *out)
{
    time_t ref = p->relative_archive ? ctx->archive_time : ctx->now;
    char age[32], lim[32];
    const char *v;
    double epoch;
    int64_t a;

    if (res->type != PCT_TIME) {
        probe_fail(
            p, out, RD_PROBE_FAILED,
            "a freshness probe must return a timestamp, timestamptz or date (got %s)",
            res->type_name);
        return;
    }
    if (res->nrows == 0 || V(res, 0, 0) == NULL) {
        violate(
            p, out,
            "no timestamp: the query returned %s, so there is no recent data at all",
            res->nrows == 0 ? "no row" : "NULL");
        return;
    }
    v = V(res, 0, 0);
    probe_value_text(&out->value, v);
    if (c->drv->epoch(c->s, v, &epoch) == 0) {
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
    if (c->drv->epoch(c->s, v, &epoch) != 0) {
        probe_fail(p, out, RD_PROBE_FAILED, "cannot read '%s' as a time", v);
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
            v, duration_human(-a, age, sizeof(age)),
            p->relative_archive ? "archive's time" : "clock of this host");
        return;
    }
    if (p->error_after_s >= 0 && a > p->error_after_s) {
        violate(p, out, "newest data is %s old (%s), older than error_after %s",
                duration_human(a, age, sizeof(age)), v,
                duration_format(p->error_after_s, lim, sizeof(lim)));
    } else if (p->warn_after_s >= 0 && a > p->warn_after_s) {
        out->status = RD_ST_WARNING;
        snprintf(out->message, sizeof(out->message),
                 "newest data is %s old (%s), older than warn_after %s",
                 duration_human(a, age, sizeof(age)), v,
                 duration_format(p->warn_after_s, lim, sizeof(lim)));
    } else {
        snprintf(out->message, sizeof(out->message), "newest data is %s old",
                 duration_human(a < 0 ? 0 : a, age, sizeof(age)));
    }
}

static void
judge_rows(const struct probe *p, const struct probe_res *res,
           struct probe_outcome *out)
{
    const char *v;
    char *end, b[80];
    double n;

    if (res->nrows != 1) {
        probe_fail(p, out, RD_PROBE_FAILED,
                   "a rows probe must return exactly one row (got %d)",
                   res->nrows);
        return;
    }
    v = V(res, 0, 0);
    if (v == NULL) {
        violate(p, out, "the count is NULL");
        return;
    }
    n = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(n)) {
        probe_fail(p, out, RD_PROBE_FAILED,
                   "a rows probe must return a number (got %s '%.60s')",
                   res->type_name, v);
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
keep_rows(const struct probe_res *res, struct probe_rows *rows)
{
    int n = res->nrows, nf = res->nfields;

    n = n < PROBE_ROWS_KEPT ? n : PROBE_ROWS_KEPT;
    rows->names = calloc(nf > 0 ? (size_t)nf : 1, sizeof(char *));
    rows->cells = calloc((size_t)n * (nf > 0 ? (size_t)nf : 1), sizeof(char *));
    if (rows->names == NULL || rows->cells == NULL)
        return;
    rows->nfields = nf;
    for (int f = 0; f < nf; f++)
        rows->names[f] = strdup(res->fname(res, f));
    for (int i = 0; i < n; i++) {
        for (int f = 0; f < nf; f++)
            if (V(res, i, f) != NULL)
                rows->cells[i * nf + f] = strdup(V(res, i, f));
        rows->n = i + 1;
    }
}

static void
judge_empty(const struct probe *p, const struct probe_res *res,
            struct probe_outcome *out)
{
    int n = res->nrows;

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
judge_true(const struct probe *p, const struct probe_res *res,
           struct probe_outcome *out)
{
    const char *v;

    if (res->type != PCT_BOOL || res->nrows != 1) {
        probe_fail(
            p, out, RD_PROBE_FAILED,
            "a true probe must return one boolean row (got %d row%s of %s)",
            res->nrows, res->nrows == 1 ? "" : "s", res->type_name);
        return;
    }
    v = V(res, 0, 0);
    if (v == NULL) {
        violate(p, out, "the condition is NULL, not true");
        return;
    }
    out->value.kind = PV_BOOL;
    out->value.truth = v[0] == 't';
    if (v[0] != 't')
        violate(p, out, "the condition is false");
    else
        snprintf(out->message, sizeof(out->message), "true");
}

/* Judge a well-shaped result by the probe's kind. */
static void
judge(const struct probe_conn *c, const struct probe *p,
      const struct probe_res *res, const struct probe_ctx *ctx,
      struct probe_outcome *out)
{
    if (p->kind != PROBE_EMPTY && res->nfields != 1) {
        probe_fail(p, out, RD_PROBE_FAILED,
                   "a %s probe must return one column (got %d)",
                   probe_kind_name(p->kind), res->nfields);
        return;
    }
    switch (p->kind) {
    case PROBE_FRESHNESS:
        judge_freshness(c, p, res, ctx, out);
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
    struct probe_res res;
    struct timespec t0;

    memset(out, 0, sizeof(*out));
    memset(&res, 0, sizeof(res));
    out->status = RD_ST_OK;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (pc->drv->run(pc->s, p, timeout, &res, out) == 0) {
        out->duration_ms = ms_since(&t0);
        judge(pc, p, &res, ctx, out);
    }
    if (!out->conn_lost)
        pc->drv->end(pc->s, &res);
    if (out->duration_ms == 0)
        out->duration_ms = ms_since(&t0);
    /* Strip the newlines the client libraries leave in messages. */
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
