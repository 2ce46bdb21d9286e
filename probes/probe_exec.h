/* probe_exec: run probes against a database, safely, and judge their results.
 */
#ifndef RD_PROBE_EXEC_H
#define RD_PROBE_EXEC_H

#include <time.h>

#include <jansson.h>

#include "probes/probe.h"
#include "verifier/util/rd_err.h"

struct probe_ctx {
    time_t now;          /* this host's clock at the start of the probes */
    time_t archive_time; /* the archive's time; -1 when there is none */
    int64_t default_timeout_s; /* probe_timeout */
};

struct probe_outcome {
    enum rd_status status;
    enum rd_code
        code;      /* RD_OK, RD_PROBE_FAILED, RD_PROBE_TIMEOUT, RD_CLOCK_SKEW */
    json_t *value; /* (owned) the value read, or null */
    json_t *rows;  /* (owned) array: first failing rows (kind empty) */
    double age_s;  /* freshness: age against relative_to */
    bool has_age;
    double duration_ms;
    bool conn_lost; /* the probe ignored its cancel: the connection is unusable
                     */
    char message[768];
};

/* A probe session (opaque: the engine's connection stays in the runner). */
struct probe_conn;

/*
 * probe_conn_open(conninfo, dbname, err):
 * Connect with ${conninfo} to ${dbname} (NULL: the conninfo's own) and
 * prepare the session for probes: default_transaction_read_only on,
 * TimeZone UTC, search_path ''.  Returns the session, or NULL with
 * RD_DB_UNREACHABLE.
 */
struct probe_conn *probe_conn_open(const char *conninfo, const char *dbname,
                                   struct rd_err *err);

/* probe_conn_close(c): close the session; NULL-safe. */
void probe_conn_close(struct probe_conn *c);

/*
 * probe_exec_run(conn, p, ctx, out):
 * Run ${p} in its own READ ONLY transaction that is always rolled back,
 * with statement_timeout and lock_timeout set to the probe's timeout and
 * search_path set to the probe's (default ''), the statement sent alone
 * through the extended protocol (one statement only), and a client-side
 * deadline (timeout + 5 s) that cancels a query the server does not stop.
 * Judges the result by kind; ${out} says status, value, age, rows and why.
 * Never fails as a function: every problem is an outcome; after one with
 * conn_lost, close ${conn} (it is stuck in the query).  Release ${out}
 * with probe_outcome_release().
 */
void probe_exec_run(struct probe_conn *conn, const struct probe *p,
                    const struct probe_ctx *ctx, struct probe_outcome *out);

/* probe_exec_report(p, out): the report's probes[] object (new reference). */
json_t *probe_exec_report(const struct probe *p,
                          const struct probe_outcome *out);

/* probe_outcome_release(out): NULL-safe. */
void probe_outcome_release(struct probe_outcome *out);

#endif
