/* probe_exec: run probes against a database, safely, and judge their results.
 */
#ifndef RD_PROBE_EXEC_H
#define RD_PROBE_EXEC_H

#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "probes/probe.h"
#include "probes/probe_result.h"
#include "verifier/util/rd_err.h"

struct probe_ctx {
    time_t now;          /* this host's clock at the start of the probes */
    time_t archive_time; /* the archive's time; -1 when there is none */
    int64_t default_timeout_s; /* probe_timeout */
};

/*
 * probe_exec_session(conn, err):
 * Prepare ${conn} for probes: default_transaction_read_only on, TimeZone
 * UTC, search_path ''.  Returns 0, or -1 with RD_DB_UNREACHABLE.
 */
int probe_exec_session(PGconn *conn, struct rd_err *err);

/*
 * probe_exec_run(conn, p, ctx, out):
 * Run ${p} in its own READ ONLY transaction that is always rolled back,
 * with statement_timeout and lock_timeout set to the probe's timeout and
 * search_path set to the probe's (default ''), the statement sent alone
 * through the extended protocol (one statement only), and a client-side
 * deadline (timeout + 5 s) that cancels a query the server does not stop.
 * Judges the result by kind; ${out} says status, value, age, rows and why.
 * Never fails as a function: every problem is an outcome.  Release ${out}
 * with probe_outcome_release().
 */
void probe_exec_run(PGconn *conn, const struct probe *p,
                    const struct probe_ctx *ctx, struct probe_outcome *out);

#endif
