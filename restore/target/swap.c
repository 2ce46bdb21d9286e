/* swap: restore --into's last step on a server target: the restored,
 * probed scratch database becomes NAME; the old NAME is renamed to
 * NAME_previous_<ts> and kept (or dropped when asked).  Nothing in the old
 * NAME is ever terminated: open sessions there stop the swap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "restore/target/target_int.h"

#define NAME_MAX_PG 63

/* ALTER DATABASE ${from} RENAME TO ${to}; the SQLSTATE in ${state}. */
static int
rename_db(PGconn *conn, const char *from, const char *to, char *state,
          struct rd_err *err)
{
    char *a = PQescapeIdentifier(conn, from, strlen(from));
    char *b = PQescapeIdentifier(conn, to, strlen(to));
    char sql[300];
    int rc = -1;

    state[0] = '\0';
    if (a != NULL && b != NULL) {
        snprintf(sql, sizeof(sql), "ALTER DATABASE %s RENAME TO %s", a, b);
        rc = db_exec(conn, sql, 0, NULL, state, err);
    } else {
        rd_err_set(err, RD_INTERNAL, "%s", PQerrorMessage(conn));
    }
    PQfreemem(a);
    PQfreemem(b);
    return rc;
}

static int
db_exists(PGconn *conn, const char *db, struct rd_err *err)
{
    const char *params[1] = {db};
    PGresult *res = db_query(
        conn, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", 1,
        params, NULL, err);
    int n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    PQclear(res);
    return n > 0;
}

/* NAME_previous_<utc ts>, NAME shortened to fit 63 bytes. */
static void
previous_name(char *buf, size_t len, const char *into)
{
    char tail[48];
    time_t now = time(NULL);
    struct tm tm;
    int room;

    gmtime_r(&now, &tm);
    strftime(tail, sizeof(tail), "_previous_%Y%m%dt%H%M%Sz", &tm);
    room = NAME_MAX_PG - (int)strlen(tail);
    snprintf(buf, len, "%.*s%s", room, into, tail);
}

/* Why the swap stopped, what is left, and how to finish it by hand. */
static int
blocked(struct target *t, struct target_swap *s, enum rd_code code,
        const char *why)
{
    const char *tmp = t->admin.dbname;

    return rd_err_set(
        s->err, code,
        "%s: nothing was renamed ('%s' is as it was); the restored database is kept as '%s'\n"
        "HINT: close the sessions on '%s' (stop the app), then finish the swap:\n"
        "  ALTER DATABASE \"%s\" RENAME TO \"%s\"; ALTER DATABASE \"%s\" RENAME TO \"%s\";\n"
        "or drop the restored database: DROP DATABASE \"%s\";",
        why, s->into, tmp, s->into, s->into, s->previous, tmp, s->into, tmp);
}

/* Not a scratch database any more: out of the ledger and never dropped by
 * the cleanup or a sweep. */
static void
adopt(struct target *t, const char *db, const char *comment)
{
    struct rd_err err = {0};

    if (pgadmin_set_comment(&t->admin, db, comment, &err) != 0)
        log_warn("cannot comment database '%s': %s", db, err.msg);
    ledger_remove(t);
    t->admin.created = false;
}

/* The old NAME out of the way; 1 when there was none. */
static int
move_old(struct target *t, struct target_swap *s)
{
    char state[6], why[600];
    int ex = db_exists(t->admin.conn, s->into, s->err);

    if (ex <= 0)
        return ex < 0 ? -1 : 1;
    if (rename_db(t->admin.conn, s->into, s->previous, state, s->err) == 0) {
        s->had_previous = true;
        return 0;
    }
    snprintf(why, sizeof(why), "%s",
             strcmp(state, "55006") == 0
                 ? "database has open sessions (is the app still connected?)"
                 : s->err->msg);
    snprintf(why + strlen(why), sizeof(why) - strlen(why), " ('%s')", s->into);
    return blocked(
        t, s, strcmp(state, "55006") == 0 ? RD_SWAP_BLOCKED : RD_ACCESS_DENIED,
        why);
}

int
target_swap(struct target *t, struct target_swap *s)
{
    char state[6], why[600], note[300];
    int rc;

    previous_name(s->previous, sizeof(s->previous), s->into);
    if ((rc = move_old(t, s)) < 0) {
        if (s->err->code == RD_SWAP_BLOCKED || s->err->code == RD_ACCESS_DENIED)
            adopt(t, t->admin.dbname,
                  "restoredrill: restored for restore --into; not swapped in "
                  "(see the run's message); drop it when not needed");
        return -1;
    }
    if (rename_db(t->admin.conn, t->admin.dbname, s->into, state, s->err) !=
        0) {
        snprintf(why, sizeof(why), "cannot rename '%s' to '%s': %s",
                 t->admin.dbname, s->into, s->err->msg);
        if (s->had_previous &&
            rename_db(t->admin.conn, s->previous, s->into, state, s->err) != 0)
            log_error("could not rename '%s' back to '%s': %s", s->previous,
                      s->into, s->err->msg);
        s->had_previous = false;
        adopt(t, t->admin.dbname,
              "restoredrill: restored for restore --into; not swapped in");
        return blocked(t, s, RD_SWAP_BLOCKED, why);
    }
    snprintf(note, sizeof(note),
             "restored by restoredrill restore --into from '%s'", s->archive);
    adopt(t, s->into, note);
    snprintf(t->admin.dbname, sizeof(t->admin.dbname), "%s", s->into);
    if (s->had_previous && s->drop_previous) {
        struct rd_err e = {0};
        char *id =
            PQescapeIdentifier(t->admin.conn, s->previous, strlen(s->previous));
        char sql[200];

        /* No FORCE: a session that came since the rename is not ended. */
        snprintf(sql, sizeof(sql), "DROP DATABASE %s", id != NULL ? id : "");
        s->previous_dropped =
            id != NULL && db_exec(t->admin.conn, sql, 0, NULL, NULL, &e) == 0;
        if (!s->previous_dropped)
            log_warn("--drop-previous: cannot drop '%s': %s", s->previous,
                     e.msg);
        PQfreemem(id);
    }
    return 0;
}
