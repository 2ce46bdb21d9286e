/* target_mariadb: target = ephemeral for a mysqldump archive: a throwaway
 * MariaDB server (mariadb.c), restored into with the mariadb client and
 * probed as a SELECT-only user. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mysql.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "restore/target/mariadb.h"
#include "restore/target/target_int.h"

static const char *const system_dbs[] = {"mysql", "sys", "performance_schema",
                                         "information_schema"};

static int
my_check_major(const struct target *t, const char *archive,
               const char *src_version, int srcmaj, struct rd_err *err)
{
    (void)t, (void)archive, (void)src_version, (void)srcmaj, (void)err;
    return 0;
}

static int
my_prepare(struct target *t, struct rd_err *err)
{
    (void)t;
    return mariadb_installed(err);
}

static int
my_server_major(const struct target *t)
{
    (void)t;
    return 10;
}

static int
my_missing_extensions(struct target *t, char *const *names, size_t n,
                      char *missing, size_t len)
{
    (void)t, (void)names, (void)n, (void)len;
    missing[0] = '\0';
    return 0;
}

/* Run ${sql} on the admin connection; -1 with ${err} (${code}). */
static int
my_exec(struct target *t, const char *sql, enum rd_code code,
        struct rd_err *err)
{
    MYSQL_RES *r;

    if (mysql_query(t->my, sql) != 0)
        return rd_err_set(err, code, "MariaDB: %s: %s", sql,
                          mysql_error(t->my));
    r = mysql_store_result(t->my);
    mysql_free_result(r);
    return 0;
}

static int
my_start(struct target *t, struct rd_err *err)
{
    char sock[PATH_MAX + 24];
    unsigned int tmo = 10;

    log_info("starting a scratch MariaDB server");
    if (mariadb_start(&t->cluster, t->ident, t->sb, t->keep, err) != 0)
        return -1;
    t->home = t->cluster.dir;
    t->my = mysql_init(NULL);
    if (t->my == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    mysql_options(t->my, MYSQL_OPT_CONNECT_TIMEOUT, &tmo);
    if (mysql_real_connect(t->my, "localhost", "root", NULL, NULL, 0,
                           mariadb_socket(&t->cluster, sock, sizeof(sock)),
                           0) == NULL)
        return rd_err_set(err, RD_DB_UNREACHABLE,
                          "cannot connect to the scratch MariaDB at '%s': %s",
                          sock, mysql_error(t->my));
    snprintf(t->admin.server_version, sizeof(t->admin.server_version), "%s",
             mysql_get_server_info(t->my));
    return my_exec(t, "SET SESSION time_zone = '+00:00'", RD_DB_UNREACHABLE,
                   err);
}

static const char *
my_server_version(const struct target *t)
{
    return t->admin.server_version;
}

/* restoredrill_<job> (the job's name in [a-z0-9_], at most 64 bytes): the
 * database a dump without CREATE DATABASE restores into. */
static int
my_create_db(struct target *t, const char *job, struct rd_err *err)
{
    char sql[160];
    size_t n = strlen("restoredrill_");

    snprintf(t->admin.dbname, sizeof(t->admin.dbname), "restoredrill_");
    for (const char *p = job; *p != '\0' && n + 1 < 64; p++) {
        char ch = *p;

        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            ch = '_';
        t->admin.dbname[n++] = ch;
    }
    t->admin.dbname[n] = '\0';
    snprintf(sql, sizeof(sql), "CREATE DATABASE `%s`", t->admin.dbname);
    if (my_exec(t, sql, RD_DB_UNREACHABLE, err) != 0)
        return -1;
    t->admin.created = true;
    return 0;
}

static int
my_tool_env(const struct target *t, struct proc_env *env)
{
    (void)t, (void)env;
    return 0;
}

/* mariadb --defaults-file=DIR/client.cnf (first: it reads no other file)
 * --batch --sandbox --binary-mode DB: stops at the first error; refuses
 * \! and the other commands that reach the file system. */
static const char *
my_restore_argv(const struct target *t, const char **argv, char *buf,
                size_t len)
{
    int a = 0;

    snprintf(buf, len, "--defaults-file=%s/client.cnf", t->cluster.dir);
    argv[a++] = MARIADB_CLIENT;
    argv[a++] = buf;
    argv[a++] = "--batch";
    argv[a++] = "--sandbox";
    argv[a++] = "--binary-mode";
    argv[a++] = "--local-infile=0";
    argv[a++] = "--skip-auto-rehash";
    argv[a++] = t->admin.dbname;
    argv[a] = NULL;
    return "mariadb";
}

static bool
is_system(const char *db)
{
    for (size_t i = 0; i < sizeof(system_dbs) / sizeof(system_dbs[0]); i++)
        if (strcmp(db, system_dbs[i]) == 0)
            return true;
    return false;
}

/* Every non-system database, with whether it has a table: into ${names}
 * (malloc'd, ${n}); -1 on a failed query. */
static int
user_dbs(struct target *t, char ***names, bool **tables, size_t *n,
         struct rd_err *err)
{
    MYSQL_RES *r;
    MYSQL_ROW row;

    *names = NULL;
    *tables = NULL;
    *n = 0;
    if (mysql_query(t->my, "SELECT s.schema_name, (SELECT COUNT(*) FROM "
                           "information_schema.tables x WHERE x.table_schema = "
                           "s.schema_name) FROM information_schema.schemata s "
                           "ORDER BY 1") != 0 ||
        (r = mysql_store_result(t->my)) == NULL)
        return rd_err_set(err, RD_DB_UNREACHABLE,
                          "cannot list the restored databases: %s",
                          mysql_error(t->my));
    while ((row = mysql_fetch_row(r)) != NULL) {
        char **nn;
        bool *nt;

        if (row[0] == NULL || is_system(row[0]))
            continue;
        nn = realloc(*names, (*n + 1) * sizeof(*nn));
        if (nn != NULL)
            *names = nn;
        nt = realloc(*tables, (*n + 1) * sizeof(*nt));
        if (nt != NULL)
            *tables = nt;
        if (nn == NULL || nt == NULL || (nn[*n] = strdup(row[0])) == NULL)
            break;
        nt[*n] = row[1] != NULL && strcmp(row[1], "0") != 0;
        (*n)++;
    }
    mysql_free_result(r);
    return 0;
}

static void
free_dbs(char **names, bool *tables, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(tables);
}

/* A random lower-case hex string of ${n} bytes (2n digits). */
static int
random_hex(char *out, size_t n, struct rd_err *err)
{
    unsigned char r[32];

    if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t)n)
        return rd_err_set(err, RD_INTERNAL, "getrandom: %s", strerror(errno));
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    return 0;
}

/* The probe user: a fresh name and password per run (a dump cannot have
 * made it), SELECT on every restored database and nothing else. */
static int
make_probe_user(struct target *t, char **dbs, size_t n, struct rd_err *err)
{
    char sql[512];

    memcpy(t->probe_role, "rd_probe_", 9);
    if (random_hex(t->probe_role + 9, 8, err) != 0 ||
        random_hex(t->my_pw, 16, err) != 0)
        return -1;
    snprintf(sql, sizeof(sql),
             "CREATE USER '%s'@'localhost' IDENTIFIED BY '%s'", t->probe_role,
             t->my_pw);
    if (my_exec(t, sql, RD_PROBE_ROLE_UNSAFE, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char q[200];
        size_t k = 0;

        for (const char *p = dbs[i]; *p != '\0' && k + 2 < sizeof(q); p++) {
            if (*p == '`')
                q[k++] = '`';
            q[k++] = *p;
        }
        q[k] = '\0';
        snprintf(sql, sizeof(sql), "GRANT SELECT ON `%s`.* TO '%s'@'localhost'",
                 q, t->probe_role);
        if (my_exec(t, sql, RD_PROBE_ROLE_UNSAFE, err) != 0)
            return -1;
    }
    return 0;
}

/* The probes' default database: the only restored one that has tables,
 * else the scratch database. */
static const char *
my_probe_conninfo(struct target *t, struct rd_err *err)
{
    char **dbs, sock[PATH_MAX + 24];
    bool *tables;
    size_t n, with = 0, pick = 0;

    if (user_dbs(t, &dbs, &tables, &n, err) != 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (tables[i]) {
            with++;
            pick = i;
        }
    if (with == 1)
        snprintf(t->my_db, sizeof(t->my_db), "%s", dbs[pick]);
    else
        snprintf(t->my_db, sizeof(t->my_db), "%s", t->admin.dbname);
    if (make_probe_user(t, dbs, n, err) != 0) {
        free_dbs(dbs, tables, n);
        return NULL;
    }
    free_dbs(dbs, tables, n);
    snprintf(t->probe_ci, sizeof(t->probe_ci),
             "mysql://%s:%s@localhost/%s?socket=%s", t->probe_role, t->my_pw,
             t->my_db, mariadb_socket(&t->cluster, sock, sizeof(sock)));
    return t->probe_ci;
}

/* Exact COUNT(*) of every table (InnoDB's table_rows is an estimate). */
static int
my_count_rows(struct target *t, int64_t exact_below, target_count_fn add,
              void *ctx, struct rd_err *err)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    int rc = 0;

    (void)exact_below;
    /* restore_timeout bounds these queries too. */
    if (db_deadline() != 0) {
        long long left = db_deadline() - db_now_ms();
        char sql[80];

        if (left <= 0)
            return rd_err_set(err, RD_TIMEOUT,
                              "no time left to count rows (restore_timeout)");
        snprintf(sql, sizeof(sql), "SET SESSION max_statement_time = %lld",
                 (left + 999) / 1000);
        if (my_exec(t, sql, RD_DB_UNREACHABLE, err) != 0)
            return -1;
    }
    if (mysql_query(t->my,
                    "SELECT table_schema, table_name FROM "
                    "information_schema.tables WHERE table_type = 'BASE "
                    "TABLE' AND table_schema NOT IN ('mysql', 'sys', "
                    "'performance_schema', 'information_schema') ORDER BY "
                    "1, 2") != 0 ||
        (r = mysql_store_result(t->my)) == NULL)
        return rd_err_set(err, RD_DB_UNREACHABLE, "cannot list tables: %s",
                          mysql_error(t->my));
    while (rc == 0 && (row = mysql_fetch_row(r)) != NULL) {
        char sql[600], name[300];
        MYSQL_RES *c;
        MYSQL_ROW cr;
        int64_t rows = -1;

        if (strchr(row[0], '`') != NULL || strchr(row[1], '`') != NULL)
            continue; /* not quoted here: skipped */
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM `%s`.`%s`", row[0],
                 row[1]);
        if (mysql_query(t->my, sql) == 0 &&
            (c = mysql_store_result(t->my)) != NULL) {
            if ((cr = mysql_fetch_row(c)) != NULL && cr[0] != NULL)
                rows = strtoll(cr[0], NULL, 10);
            mysql_free_result(c);
        }
        snprintf(name, sizeof(name), "%s.%s", row[0], row[1]);
        if (add(ctx, name, rows) != 0)
            rc = rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    mysql_free_result(r);
    return rc;
}

static void
my_describe(const struct target *t, char *buf, size_t len)
{
    (void)t;
    snprintf(buf, len, "a scratch MariaDB server");
}

static void
my_print_kept(const struct target *t, FILE *out)
{
    const struct cluster *c = &t->cluster;

    fprintf(
        out,
        "kept: the scratch MariaDB server and database '%s' are still running (--keep); nothing was cleaned up\n"
        "  connect: mariadb --defaults-file='%s/client.cnf' %s\n"
        "  stop:    kill %ld && rm -rf '%s'\n",
        t->admin.dbname, c->dir, t->admin.dbname,
        (long)(c->inner > 0 ? c->inner : c->pid), c->dir);
}

static bool
my_made(const struct target *t)
{
    return t->admin.created || t->cluster.dir[0] != '\0';
}

static int
my_drop(struct target *t, struct rd_err *err)
{
    (void)t, (void)err;
    return 0; /* the database goes with the server */
}

static int
my_stop(struct target *t)
{
    t->cluster.keep = false;
    return cluster_stop(&t->cluster);
}

static void
my_close(struct target *t)
{
    if (t->my != NULL)
        mysql_close(t->my);
    t->my = NULL;
}

const struct target_ops target_mariadb_ops = {
    .name = "ephemeral",
    .engine = "mariadb",
    .role = "scratch",
    .kept_what = "server and database are",
    .needs_server = false,
    .needs_pg_tools = false,
    .sandboxed = true,
    .sweep = target_scratch_sweep,
    .check_major = my_check_major,
    .prepare = my_prepare,
    .server_major = my_server_major,
    .missing_extensions = my_missing_extensions,
    .start = my_start,
    .server_version = my_server_version,
    .create_db = my_create_db,
    .tool_env = my_tool_env,
    .restore_argv = my_restore_argv,
    .probe_conninfo = my_probe_conninfo,
    .count_rows = my_count_rows,
    .describe = my_describe,
    .print_kept = my_print_kept,
    .made = my_made,
    .cleanup_begin = NULL,
    .drop = my_drop,
    .stop = my_stop,
    .close = my_close,
};
