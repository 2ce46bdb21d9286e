/* target_preflight: what a server target's role may do, checked before
 * anything is created on it (least privilege), and who owns a database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/db.h"

#include "restore/target/target_int.h"

/* The role's powers that reach the database host: rolsuper and the
 * server-file roles (COPY ... TO PROGRAM, pg_read_file(), ...). */
static const char privilege_sql[] =
    "SELECT r.rolname, r.rolsuper, "
    "pg_catalog.pg_has_role(r.oid, 'pg_execute_server_program', 'MEMBER'), "
    "pg_catalog.pg_has_role(r.oid, 'pg_read_server_files', 'MEMBER'), "
    "pg_catalog.pg_has_role(r.oid, 'pg_write_server_files', 'MEMBER') "
    "FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";

int
pgadmin_check_privilege(struct pgadmin *a, bool allow, struct rd_err *err)
{
    static const char *const roles[] = {
        NULL, "superuser", "member of pg_execute_server_program",
        "member of pg_read_server_files", "member of pg_write_server_files"};
    char what[256] = "", role[128];
    size_t used = 0;
    PGresult *res = db_query(a->conn, privilege_sql, 0, NULL, NULL, err);

    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return rd_err_set(err, RD_INTERNAL,
                          "cannot read the target role's attributes");
    }
    snprintf(role, sizeof(role), "%s", PQgetvalue(res, 0, 0));
    for (int c = 1; c <= 4; c++)
        if (strcmp(PQgetvalue(res, 0, c), "t") == 0 && used < sizeof(what))
            used += (size_t)snprintf(what + used, sizeof(what) - used, "%s%s",
                                     used > 0 ? ", " : "", roles[c]);
    PQclear(res);
    /* A superuser is a member of every role: say only that. */
    if (strncmp(what, "superuser", 9) == 0)
        what[9] = '\0';
    if (what[0] == '\0' || allow)
        return 0;
    return rd_err_set(
        err, RD_TARGET_SUPERUSER,
        "the target role '%s' is a %s: a dump restored with it could run programs or read and write files on the database host (COPY ... TO PROGRAM)\n"
        "HINT: create a role that can only create databases and use it in target:\n"
        "  CREATE ROLE restoredrill LOGIN CREATEDB PASSWORD '...';\n"
        "or set allow_superuser = yes when a superuser is really needed (globals, extensions only a superuser may create); see docs/targets.md",
        role, what);
}

int
pgadmin_owner_is_me(struct pgadmin *a, const char *db)
{
    const char *params[1] = {db};
    struct rd_err err = {0};
    PGresult *res = db_query(
        a->conn,
        "SELECT d.datdba = (SELECT r.oid FROM pg_catalog.pg_roles r "
        "WHERE r.rolname = current_user) FROM pg_catalog.pg_database d "
        "WHERE d.datname = $1",
        1, params, NULL, &err);
    int rc;

    if (res == NULL)
        return -1;
    rc = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return rc;
}

int
pgadmin_set_comment(struct pgadmin *a, const char *db, const char *text,
                    struct rd_err *err)
{
    char *ident = PQescapeIdentifier(a->conn, db, strlen(db));
    char *lit = PQescapeLiteral(a->conn, text, strlen(text));
    char *sql = NULL;
    int rc = -1;

    if (ident != NULL && lit != NULL &&
        (sql = malloc(strlen(ident) + strlen(lit) + 32)) != NULL) {
        sprintf(sql, "COMMENT ON DATABASE %s IS %s", ident, lit);
        rc = db_exec(a->conn, sql, 0, NULL, NULL, err);
    } else {
        rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    free(sql);
    PQfreemem(ident);
    PQfreemem(lit);
    return rc;
}
