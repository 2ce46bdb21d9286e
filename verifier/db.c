/* db: libpq connections the safe way (PostgreSQL client-tool rules). */
#include <stdio.h>
#include <string.h>

#include "verifier/db.h"

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

int
db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params,
        char *sqlstate, struct rd_err *err)
{
    PGresult *res =
        PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;

    if (sqlstate != NULL)
        sqlstate[0] = '\0';
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *ss = PQresultErrorField(res, PG_DIAG_SQLSTATE);

        if (sqlstate != NULL && ss != NULL)
            snprintf(sqlstate, 6, "%s", ss);
        rd_err_set(err,
                   PQstatus(conn) == CONNECTION_BAD ? RD_DB_UNREACHABLE
                                                    : RD_INTERNAL,
                   "%s", PQerrorMessage(conn));
        rc = -1;
    }
    PQclear(res);
    return rc;
}
