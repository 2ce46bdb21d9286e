/* db: libpq connections the safe way (PostgreSQL client-tool rules). */
#ifndef RD_DB_H
#define RD_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "verifier/util/rd_err.h"

/*
 * db_connect(conninfo, dbname, err):
 * Connect with ${conninfo} (a conninfo string or URI; PG* variables and
 * .pgpass fill the gaps as libpq does), overriding its database with
 * ${dbname} when not NULL; connect_timeout 10 unless the conninfo says
 * otherwise; fallback_application_name "restoredrill".  Then lock the
 * search_path to '' and TimeZone to UTC.  Returns the connection, or NULL
 * with RD_DB_UNREACHABLE and libpq's message (credentials never appear:
 * the conninfo is not repeated).
 */
PGconn *db_connect(const char *conninfo, const char *dbname,
                   struct rd_err *err);

/*
 * db_query(conn, sql, nparams, params, sqlstate, err):
 * Run ${sql} with text parameters, asynchronously (PQsendQueryParams +
 * poll), and return its result when it completed (command or tuples; free
 * with PQclear), else NULL with ${err} set.  While it runs, a caught signal
 * cancels it (RD_INTERRUPTED) and so does the run's deadline
 * (db_set_deadline(): RD_TIMEOUT); a query still running 5 s after the
 * cancel (1 s after a second signal) is abandoned and the connection is
 * left busy (db_stuck(): drop it).  In the cleanup phase
 * (db_cleanup_phase()) neither the first signal nor the deadline stops a
 * query: each gets 30 s (5 s after a second signal).  Other failures:
 * RD_DB_UNREACHABLE when the connection is gone, RD_INTERNAL with the
 * server's message.  ${sqlstate} (may be NULL, 6 bytes) receives the
 * SQLSTATE of an error.
 */
PGresult *db_query(PGconn *conn, const char *sql, int nparams,
                   const char *const *params, char *sqlstate,
                   struct rd_err *err);

/* db_exec(...): db_query() for statements; 0 when it completed, else -1. */
int db_exec(PGconn *conn, const char *sql, int nparams,
            const char *const *params, char *sqlstate, struct rd_err *err);

/*
 * db_set_deadline(ms): the run's deadline on the monotonic clock
 * (db_now_ms() + restore_timeout), 0 for none; db_deadline() returns it.
 */
void db_set_deadline(long long deadline_ms);
long long db_deadline(void);

/* db_now_ms(): milliseconds on the monotonic clock. */
long long db_now_ms(void);

/* db_cleanup_phase(on): queries of the cleanup (the drop): see db_query(). */
void db_cleanup_phase(bool on);

/* db_stuck(conn): NULL, broken, or still inside an abandoned query. */
bool db_stuck(PGconn *conn);

#endif
