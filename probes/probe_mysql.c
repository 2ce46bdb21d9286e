/* probe_mysql: probe sessions on MariaDB or MySQL (MariaDB Connector/C),
 * for probe_exec.c.  A conninfo is a URI:
 * mysql://USER[:PASSWORD]@HOST[:PORT]/DB[?socket=PATH][&defaults_file=F]
 * (or mariadb://); F: a 0600 option file whose [client] group holds the
 * password. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mysql.h>

#include "verifier/util/sig.h"

#include "probes/probe_drv.h"

#define ER_STATEMENT_TIMEOUT_MARIADB 1969
#define ER_QUERY_TIMEOUT_MYSQL       3024
#define ER_QUERY_INTERRUPTED         1317

struct my_session {
    MYSQL *m;
    bool mariadb; /* else MySQL: max_execution_time, not max_statement_time */
};

struct my_rows {
    MYSQL_RES *res;
    MYSQL_FIELD *fields;
    MYSQL_ROW *rows;
    bool boolean; /* column 0 read as a truth value: "1" -> "t" */
};

/* Percent-decode ${n} bytes of ${s} into ${out}; -1 when it does not fit. */
static int
pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == '%' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            char *end;
            long v = strtol(hex, &end, 16);

            if (*end != '\0' || v <= 0)
                return -1;
            ch = (char)v;
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return 0;
}

struct my_uri {
    char user[128], pass[256], host[256], db[128], socket[4096], defaults[4096];
    unsigned int port;
};

static int
parse_uri(const char *uri, struct my_uri *u)
{
    const char *p = strstr(uri, "://"), *at, *slash, *q, *colon;

    memset(u, 0, sizeof(*u));
    if (p == NULL)
        return -1;
    p += 3;
    slash = strchr(p, '/');
    q = strchr(p, '?');
    if (slash == NULL || (q != NULL && q < slash))
        slash = q != NULL ? q : p + strlen(p);
    at = memchr(p, '@', (size_t)(slash - p));
    if (at != NULL) {
        colon = memchr(p, ':', (size_t)(at - p));
        if (pct_decode(p, (size_t)((colon != NULL ? colon : at) - p), u->user,
                       sizeof(u->user)) != 0 ||
            (colon != NULL && pct_decode(colon + 1, (size_t)(at - colon - 1),
                                         u->pass, sizeof(u->pass)) != 0))
            return -1;
        p = at + 1;
    }
    colon = memchr(p, ':', (size_t)(slash - p));
    if (pct_decode(p, (size_t)((colon != NULL ? colon : slash) - p), u->host,
                   sizeof(u->host)) != 0)
        return -1;
    if (colon != NULL)
        u->port = (unsigned int)strtoul(colon + 1, NULL, 10);
    if (*slash == '/') {
        const char *e = strchr(slash + 1, '?');

        if (e == NULL)
            e = slash + 1 + strlen(slash + 1);
        if (pct_decode(slash + 1, (size_t)(e - slash - 1), u->db,
                       sizeof(u->db)) != 0)
            return -1;
        slash = e;
    }
    for (const char *k = *slash == '?' ? slash + 1 : NULL; k != NULL;) {
        const char *amp = strchr(k, '&');
        size_t kl = amp != NULL ? (size_t)(amp - k) : strlen(k);

        if (kl > 7 && strncmp(k, "socket=", 7) == 0) {
            if (pct_decode(k + 7, kl - 7, u->socket, sizeof(u->socket)) != 0)
                return -1;
        } else if (kl > 14 && strncmp(k, "defaults_file=", 14) == 0) {
            if (pct_decode(k + 14, kl - 14, u->defaults, sizeof(u->defaults)) !=
                0)
                return -1;
        } else {
            return -1; /* unknown parameter */
        }
        k = amp != NULL ? amp + 1 : NULL;
    }
    if (u->host[0] == '\0')
        snprintf(u->host, sizeof(u->host), "localhost");
    return 0;
}

static int
session_exec(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql) != 0)
        return -1;
    mysql_free_result(mysql_store_result(m));
    return 0;
}

static void *
my_open(const char *conninfo, const char *dbname, struct rd_err *err)
{
    struct my_uri u;
    struct my_session *s;
    unsigned int tmo = 10;
    my_bool on = 1;

    if (parse_uri(conninfo, &u) != 0) {
        rd_err_set(
            err, RD_DB_UNREACHABLE,
            "cannot read the MySQL URI (want mysql://USER@HOST[:PORT]/DB, or ?socket=PATH)");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->m = mysql_init(NULL)) == NULL) {
        free(s);
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    mysql_options(s->m, MYSQL_OPT_CONNECT_TIMEOUT, &tmo);
    mysql_options(s->m, MYSQL_OPT_NONBLOCK, 0);
    mysql_options(s->m, MYSQL_OPT_LOCAL_INFILE, &(unsigned int){0});
    mysql_options(s->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    (void)on;
    if (u.defaults[0] != '\0') {
        /* The password lives in a private file, never on a command line. */
        struct stat st;
        bool missing = stat(u.defaults, &st) != 0;

        if (missing || (st.st_mode & 077) != 0) {
            rd_err_set(
                err, RD_DB_UNREACHABLE,
                "defaults_file '%s' %s\nHINT: chmod 600 it (it holds the password: [client] password=...)",
                u.defaults,
                missing ? "cannot be read" : "is readable by others");
            mysql_close(s->m);
            free(s);
            return NULL;
        }
        mysql_options(s->m, MYSQL_READ_DEFAULT_FILE, u.defaults);
        mysql_options(s->m, MYSQL_READ_DEFAULT_GROUP, "client");
    }
    if (mysql_real_connect(s->m, u.host, u.user[0] ? u.user : NULL,
                           u.pass[0] ? u.pass : NULL,
                           u.db[0] != '\0'                       ? u.db
                           : dbname != NULL && dbname[0] != '\0' ? dbname
                                                                 : NULL,
                           u.port, u.socket[0] ? u.socket : NULL, 0) == NULL) {
        rd_err_set(err, RD_DB_UNREACHABLE, "cannot connect to %s%s%s: %s",
                   u.socket[0] ? "socket " : "",
                   u.socket[0] ? u.socket : u.host, "", mysql_error(s->m));
        mysql_close(s->m);
        free(s);
        return NULL;
    }
    s->mariadb = strstr(mysql_get_server_info(s->m), "MariaDB") != NULL;
    if (session_exec(s->m, "SET SESSION time_zone = '+00:00'") != 0 ||
        session_exec(s->m, "SET SESSION TRANSACTION READ ONLY") != 0) {
        rd_err_set(err, RD_DB_UNREACHABLE,
                   "cannot prepare the probe session: %s", mysql_error(s->m));
        mysql_close(s->m);
        free(s);
        return NULL;
    }
    return s;
}

static void
my_close(void *vs)
{
    struct my_session *s = vs;

    if (s == NULL)
        return;
    mysql_close(s->m);
    free(s);
}

/* Run ${sql} without blocking past ${deadline_ms}; 0 done (rc in *${rc}),
 * -1 abandoned (still running). */
static int
query_until(MYSQL *m, const char *sql, long long deadline_ms, int *rc)
{
    int status = mysql_real_query_start(rc, m, sql, strlen(sql));

    while (status != 0) {
        struct pollfd pfd = {mysql_get_socket(m), 0, 0};
        struct timespec t;
        long long now;
        int n;

        if (status & MYSQL_WAIT_READ)
            pfd.events |= POLLIN;
        if (status & MYSQL_WAIT_WRITE)
            pfd.events |= POLLOUT;
        clock_gettime(CLOCK_MONOTONIC, &t);
        now = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
        if (now > deadline_ms || sig_hurry())
            return -1;
        n = poll(&pfd, 1, 100);
        if (n < 0 && errno != EINTR)
            return -1;
        if (n <= 0 && !(status & MYSQL_WAIT_TIMEOUT))
            continue;
        status = mysql_real_query_cont(
            rc, m,
            n <= 0
                ? MYSQL_WAIT_TIMEOUT
                : ((pfd.revents & POLLIN ? MYSQL_WAIT_READ : 0) |
                   (pfd.revents & POLLOUT ? MYSQL_WAIT_WRITE : 0) |
                   (pfd.revents & (POLLERR | POLLHUP) ? MYSQL_WAIT_READ : 0)));
    }
    return 0;
}

static const char *
my_value(const struct probe_res *r, int row, int field)
{
    const struct my_rows *mr = r->impl;
    const char *v = mr->rows[row][field];

    if (v != NULL && field == 0 && mr->boolean)
        return strcmp(v, "0") == 0 ? "f" : "t";
    return v;
}

static const char *
my_fname(const struct probe_res *r, int field)
{
    const struct my_rows *mr = r->impl;

    return mr->fields[field].name;
}

static const char *
my_type_name(enum enum_field_types t)
{
    switch (t) {
    case MYSQL_TYPE_TINY:
        return "tinyint";
    case MYSQL_TYPE_SHORT:
        return "smallint";
    case MYSQL_TYPE_LONG:
        return "int";
    case MYSQL_TYPE_INT24:
        return "mediumint";
    case MYSQL_TYPE_LONGLONG:
        return "bigint";
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return "decimal";
    case MYSQL_TYPE_FLOAT:
        return "float";
    case MYSQL_TYPE_DOUBLE:
        return "double";
    case MYSQL_TYPE_TIMESTAMP:
        return "timestamp";
    case MYSQL_TYPE_DATETIME:
        return "datetime";
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return "date";
    case MYSQL_TYPE_TIME:
        return "time";
    case MYSQL_TYPE_YEAR:
        return "year";
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_STRING:
        return "varchar";
    case MYSQL_TYPE_BLOB:
        return "text/blob";
    case MYSQL_TYPE_JSON:
        return "json";
    default:
        return "a MySQL type";
    }
}

/* The shape of column 0: a time, a truth value (an integer of display
 * width 1: a comparison, BOOLEAN), or anything else. */
static void
classify(const MYSQL_FIELD *f, struct probe_res *r, struct my_rows *mr)
{
    enum enum_field_types t = f->type;

    snprintf(r->type_name, sizeof(r->type_name), "%s", my_type_name(t));
    if (t == MYSQL_TYPE_TIMESTAMP || t == MYSQL_TYPE_DATETIME ||
        t == MYSQL_TYPE_DATE || t == MYSQL_TYPE_NEWDATE)
        r->type = PCT_TIME;
    else if ((t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_LONG ||
              t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_SHORT ||
              t == MYSQL_TYPE_INT24) &&
             f->length == 1) {
        r->type = PCT_BOOL;
        mr->boolean = true;
    }
}

/* Open the probe's READ ONLY transaction with its timeouts. */
static int
begin(struct my_session *s, const struct probe *p, int64_t timeout,
      struct probe_outcome *out)
{
    char sql[160];

    if (s->mariadb)
        snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %lld",
                 (long long)timeout);
    else
        snprintf(sql, sizeof(sql), "SET SESSION max_execution_time = %lld",
                 (long long)timeout * 1000);
    if (session_exec(s->m, sql) != 0 ||
        (snprintf(sql, sizeof(sql),
                  "SET SESSION lock_wait_timeout = %lld, "
                  "innodb_lock_wait_timeout = %lld",
                  (long long)(timeout > 0 ? timeout : 1),
                  (long long)(timeout > 0 ? timeout : 1)),
         session_exec(s->m, sql) != 0) ||
        session_exec(s->m, "START TRANSACTION READ ONLY") != 0) {
        probe_fail(p, out, RD_PROBE_FAILED, "cannot start the probe: %s",
                   mysql_error(s->m));
        return -1;
    }
    return 0;
}

/* The server's error: a timeout (max_statement_time, max_execution_time)
 * or any other SQL error; returns -1. */
static int
sql_failed(struct my_session *s, const struct probe *p, int64_t timeout,
           struct probe_outcome *out)
{
    unsigned int e = mysql_errno(s->m);

    if (e == ER_STATEMENT_TIMEOUT_MARIADB || e == ER_QUERY_TIMEOUT_MYSQL ||
        e == ER_QUERY_INTERRUPTED)
        probe_fail(p, out, RD_PROBE_TIMEOUT,
                   "cancelled after %llds (timeout): %s", (long long)timeout,
                   mysql_error(s->m));
    else
        probe_fail(p, out, RD_PROBE_FAILED, "SQL error %u (%s): %s", e,
                   mysql_sqlstate(s->m), mysql_error(s->m));
    return -1;
}

static int
my_run(void *vs, const struct probe *p, int64_t timeout, struct probe_res *r,
       struct probe_outcome *out)
{
    struct my_session *s = vs;
    struct my_rows *mr;
    struct timespec t0;
    long long deadline;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (begin(s, p, timeout, out) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    deadline = (long long)t0.tv_sec * 1000 + t0.tv_nsec / 1000000 +
               (timeout + 5) * 1000;
    if (query_until(s->m, p->sql, deadline, &rc) != 0) {
        out->conn_lost = true;
        probe_fail(
            p, out, RD_PROBE_TIMEOUT,
            "still running %llds after its timeout was reached (the server did not stop it); the connection was dropped",
            (long long)timeout + 5);
        return -1;
    }
    if (rc != 0)
        return sql_failed(s, p, timeout, out);
    if (mysql_field_count(s->m) == 0) {
        probe_fail(
            p, out, RD_PROBE_FAILED,
            "the statement returned no result set (a probe must be a query, e.g. SELECT ...)");
        return -1;
    }
    mr = calloc(1, sizeof(*mr));
    if (mr == NULL || (mr->res = mysql_store_result(s->m)) == NULL) {
        /* The rows stream after the query started: a timeout can hit here. */
        free(mr);
        if (mr == NULL) {
            probe_fail(p, out, RD_PROBE_FAILED, "out of memory");
            return -1;
        }
        return sql_failed(s, p, timeout, out);
    }
    r->impl = mr;
    r->nrows = (int)mysql_num_rows(mr->res);
    r->nfields = (int)mysql_num_fields(mr->res);
    mr->fields = mysql_fetch_fields(mr->res);
    mr->rows = calloc(r->nrows > 0 ? (size_t)r->nrows : 1, sizeof(MYSQL_ROW));
    if (mr->rows == NULL) {
        probe_fail(p, out, RD_PROBE_FAILED, "out of memory");
        return -1;
    }
    for (int i = 0; i < r->nrows; i++)
        mr->rows[i] = mysql_fetch_row(mr->res);
    if (r->nfields > 0)
        classify(&mr->fields[0], r, mr);
    r->value = my_value;
    r->fname = my_fname;
    return 0;
}

/* "YYYY-MM-DD[ HH:MM:SS[.ffffff]]", read as UTC (the session's time_zone
 * is +00:00, and a DATETIME is taken as UTC). */
static int
my_epoch(void *vs, const char *ts, double *out)
{
    struct tm tm;
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0;

    (void)vs;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(ts, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    if (ts[n] == ' ' || ts[n] == 'T') {
        if (sscanf(ts + n + 1, "%2d:%2d:%lf", &h, &mi, &sec) != 3)
            return -1;
    } else if (ts[n] != '\0') {
        return -1;
    }
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1; /* 0000-00-00: no time at all */
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    *out = (double)timegm(&tm) + sec;
    return 0;
}

static void
my_end(void *vs, struct probe_res *r)
{
    struct my_session *s = vs;
    struct my_rows *mr = r->impl;

    if (mr != NULL) {
        mysql_free_result(mr->res);
        free(mr->rows);
        free(mr);
    }
    r->impl = NULL;
    /* Always rolled back, whatever the probe did. */
    (void)session_exec(s->m, "ROLLBACK");
}

const struct probe_driver probe_mysql_driver = {
    .engine = "mysql",
    .open = my_open,
    .close = my_close,
    .run = my_run,
    .epoch = my_epoch,
    .end = my_end,
};
