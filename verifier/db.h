/* db: libpq connections the safe way (PostgreSQL client-tool rules). */
#ifndef RD_DB_H
#define RD_DB_H

#include <libpq-fe.h>

#include "verifier/rd_err.h"

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
 * db_exec(conn, sql, nparams, params, err):
 * Run ${sql} with text parameters; returns 0 when it completed (command or
 * tuples), else -1 with RD_DB_UNREACHABLE when the connection is gone or
 * RD_INTERNAL with the server's message.  ${sqlstate} (may be NULL, 6
 * bytes) receives the SQLSTATE of an error.
 */
int db_exec(PGconn *conn, const char *sql, int nparams,
            const char *const *params, char *sqlstate, struct rd_err *err);

#endif
