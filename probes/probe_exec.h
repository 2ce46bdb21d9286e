/* probe_exec: run probes against a database, safely, and judge their results.
 */
#ifndef RD_PROBE_EXEC_H
#define RD_PROBE_EXEC_H

#include <time.h>

#include "probes/probe.h"
#include "probes/probe_result.h"
#include "verifier/util/rd_err.h"

struct probe_ctx {
    time_t now;          /* this host's clock at the start of the probes */
    time_t archive_time; /* the archive's time; -1 when there is none */
    int64_t default_timeout_s; /* probe_timeout */
};

/* A probe session (opaque: the engine's connection stays in the runner). */
struct probe_conn;

/*
 * probe_conn_open(conninfo, dbname, err):
 * (A mysql:// or mariadb:// URI opens a MariaDB/MySQL session, probe_mysql.c;
 * there ${dbname} counts only when the URI names no database.)
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

#endif
