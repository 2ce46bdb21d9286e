/* restore: the scratch database and pg_restore into it. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "restore/restore.h"

#define SCRATCH_PREFIX  "restoredrill_"
#define NAMEDATALEN_MAX 63

int
restore_connect(struct restore_ctx *ctx, struct rd_err *err)
{
    int v;

    ctx->admin = db_connect(ctx->conninfo, NULL, err);
    if (ctx->admin == NULL)
        return -1;
    v = PQserverVersion(ctx->admin);
    ctx->server_num = v;
    if (v >= 100000)
        snprintf(ctx->server_version, sizeof(ctx->server_version), "%d.%d",
                 v / 10000, v % 10000);
    else
        snprintf(ctx->server_version, sizeof(ctx->server_version), "%d.%d.%d",
                 v / 10000, (v / 100) % 100, v % 100);
    return 0;
}

/* restoredrill_<job>_<ts>_<pid>[_n]: ASCII, lowercase, <= 63 bytes. */
static void
scratch_name(char *buf, size_t len, const char *job, int attempt)
{
    char tail[64], jobpart[64];
    time_t now = time(NULL);
    struct tm tm;
    size_t room, j = 0;

    gmtime_r(&now, &tm);
    strftime(tail, sizeof(tail), "_%Y%m%dt%H%M%Sz", &tm);
    snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "_%ld",
             (long)getpid());
    if (attempt > 0)
        snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "_%d",
                 attempt);
    room = NAMEDATALEN_MAX - strlen(SCRATCH_PREFIX) - strlen(tail);
    for (const char *p = job; *p != '\0' && j < room && j < sizeof(jobpart) - 1;
         p++)
        jobpart[j++] =
            isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    jobpart[j] = '\0';
    snprintf(buf, len, "%s%s%s", SCRATCH_PREFIX, jobpart, tail);
}

int
restore_create_db(struct restore_ctx *ctx, const char *job, struct rd_err *err)
{
    char host[128] = "?", ts[32], sqlstate[6];
    time_t now = time(NULL);
    struct tm tm;

    gethostname(host, sizeof(host) - 1);
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (int attempt = 0; attempt < 5; attempt++) {
        char sql[512], *ident, *lit;
        int rc;

        scratch_name(ctx->dbname, sizeof(ctx->dbname), job, attempt);
        ident =
            PQescapeIdentifier(ctx->admin, ctx->dbname, strlen(ctx->dbname));
        if (ident == NULL)
            return rd_err_set(err, RD_INTERNAL, "%s",
                              PQerrorMessage(ctx->admin));
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0",
                 ident);
        rc = db_exec(ctx->admin, sql, 0, NULL, sqlstate, err);
        if (rc != 0 && strcmp(sqlstate, "42P04") == 0) {
            PQfreemem(ident);
            continue; /* duplicate_database: never reuse, pick another */
        }
        if (rc != 0) {
            enum rd_code c = err->code;
            char why[sizeof(err->msg)];

            PQfreemem(ident);
            ctx->dbname[0] = '\0';
            snprintf(why, sizeof(why), "%s", err->msg);
            return rd_err_set(err,
                              c == RD_DB_UNREACHABLE || c == RD_TIMEOUT ||
                                      c == RD_INTERRUPTED
                                  ? c
                                  : RD_ACCESS_DENIED,
                              "cannot create the scratch database: %s", why);
        }
        ctx->created = true;
        snprintf(
            ctx->marker, sizeof(ctx->marker),
            "restoredrill scratch database (job %s, pid %ld, host %s, created %s); dropped when the run ends",
            job, (long)getpid(), host, ts);
        lit = PQescapeLiteral(ctx->admin, ctx->marker, strlen(ctx->marker));
        if (lit == NULL) {
            PQfreemem(ident);
            return rd_err_set(err, RD_INTERNAL, "%s",
                              PQerrorMessage(ctx->admin));
        }
        snprintf(sql, sizeof(sql), "COMMENT ON DATABASE %s IS ", ident);
        char *full = malloc(strlen(sql) + strlen(lit) + 1);
        if (full == NULL) {
            PQfreemem(ident);
            PQfreemem(lit);
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        }
        sprintf(full, "%s%s", sql, lit);
        rc = db_exec(ctx->admin, full, 0, NULL, NULL, err);
        free(full);
        PQfreemem(ident);
        PQfreemem(lit);
        return rc;
    }
    return rd_err_set(err, RD_INTERNAL,
                      "cannot find a free scratch database name after 5 tries");
}

/* Collects pg_restore's stderr: error lines, the count, the tail. */
static void
on_restore_line(void *vctx, const char *line)
{
    struct restore_result *rr = vctx;
    size_t ll = strlen(line);
    const char *p;

    if (strncmp(line, "pg_restore: error: ", 19) == 0 ||
        (strncmp(line, "psql:", 5) == 0 &&
         (strstr(line, ": ERROR:  ") != NULL ||
          strstr(line, ": FATAL:  ") != NULL ||
          strstr(line, ": error: ") != NULL))) {
        rr->error_count++;
        if (rr->nerrors < RESTORE_MAX_ERRORS) {
            char *copy = strdup(line);

            if (copy != NULL)
                rr->errors[rr->nerrors++] = copy;
        }
    }
    p = strstr(line, "errors ignored on restore: ");
    if (p != NULL) {
        int n = atoi(p + 27);

        if (n > rr->error_count)
            rr->error_count = n;
    }
    /* Tail: drop whole old bytes from the front when full. */
    if (ll + 1 > sizeof(rr->tail) - 1)
        ll = sizeof(rr->tail) - 2;
    if (rr->tail_len + ll + 1 > sizeof(rr->tail) - 1) {
        size_t drop = rr->tail_len + ll + 1 - (sizeof(rr->tail) - 1);

        memmove(rr->tail, rr->tail + drop, rr->tail_len - drop);
        rr->tail_len -= drop;
    }
    memcpy(rr->tail + rr->tail_len, line, ll);
    rr->tail_len += ll;
    rr->tail[rr->tail_len++] = '\n';
    rr->tail[rr->tail_len] = '\0';
}

void
restore_stderr_line(struct restore_result *rr, const char *line)
{
    on_restore_line(rr, line);
}

bool
restore_readable_by(const struct proc_ident *ident, const char *path)
{
    pid_t pid;
    int st;

    if (!ident->drop)
        return access(path, R_OK) == 0;
    pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        if (setgid(ident->gid) != 0 || setuid(ident->uid) != 0)
            _exit(1);
        _exit(open(path, O_RDONLY | O_CLOEXEC) >= 0 ? 0 : 1);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Child environment: the maintenance connection's parameters as PG* vars. */
static int
restore_env(struct restore_ctx *ctx, struct proc_env *env)
{
    PQconninfoOption *opts = PQconninfo(ctx->admin), *o;
    char path[PATH_MAX + 32];
    int rc = 0;

    if (opts == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s:/usr/bin:/bin", ctx->tools->bindir);
    if (proc_env_set(env, "PATH", path) != 0 ||
        proc_env_set(env, "LC_ALL", "C") != 0 ||
        proc_env_set(env, "TZ", "UTC") != 0 ||
        proc_env_set(env, "HOME", ctx->home) != 0 ||
        proc_env_set(env, "PGAPPNAME", "restoredrill") != 0 ||
        proc_env_set(env, "PGCONNECT_TIMEOUT", "10") != 0)
        rc = -1;
    for (o = opts; rc == 0 && o->keyword != NULL; o++) {
        if (o->val == NULL || o->val[0] == '\0' || o->envvar == NULL ||
            strcmp(o->keyword, "dbname") == 0 ||
            strcmp(o->keyword, "application_name") == 0 ||
            strcmp(o->keyword, "fallback_application_name") == 0)
            continue;
        if (proc_env_set(env, o->envvar, o->val) != 0)
            rc = -1;
    }
    PQconninfoFree(opts);
    return rc;
}

/* Map what pg_restore said to the most specific error code. */
static enum rd_code
classify(const struct restore_result *rr)
{
    const char *t = rr->tail;

    if (strstr(t, "No space left on device") != NULL ||
        strstr(t, "could not extend file") != NULL)
        return RD_DISK_FULL;
    if (strstr(t, "unsupported version") != NULL)
        return RD_TOOL_TOO_OLD;
    if (strstr(t, "could not read from input file") != NULL ||
        strstr(t, "unexpected end of file") != NULL ||
        strstr(t, "could not find block ID") != NULL)
        return RD_ARCHIVE_TRUNCATED;
    if (strstr(t, "could not uncompress data") != NULL ||
        strstr(t, "could not decompress data") != NULL)
        return RD_DECOMPRESS_CORRUPT;
    if (strstr(t, "input file does not appear to be a valid archive") != NULL)
        return RD_FORMAT_UNKNOWN;
    if (strstr(t, "could not open extension control file") != NULL ||
        (strstr(t, "extension \"") != NULL &&
         strstr(t, "is not available") != NULL))
        return RD_MISSING_EXTENSION;
    if (strstr(t, "connection to server") != NULL &&
        strstr(t, "failed") != NULL && rr->error_count <= 1)
        return RD_DB_UNREACHABLE;
    return RD_RESTORE_ERRORS;
}

enum rd_code
restore_classify(const struct restore_result *rr)
{
    return classify(rr);
}

/* proc_feed_fn over a stream. */
static ssize_t
feed_stream(void *ctx, void *buf, size_t cap, struct rd_err *err)
{
    return stream_read(ctx, buf, cap, err);
}

int
restore_run(struct restore_ctx *ctx, const struct restore_input *in,
            struct restore_result *rr, struct rd_err *err)
{
    char prog[PATH_MAX + 16], jobs[32], st[96];
    const char *argv[20];
    struct proc_env env;
    struct proc_result res;
    bool by_path, plain = in->format == DUMP_PLAIN;
    long ncpu;
    int a = 0, rc = -1;

    memset(rr, 0, sizeof(*rr));
    memset(&res, 0, sizeof(res));
    proc_env_init(&env);
    by_path = in->path != NULL && restore_readable_by(ctx->ident, in->path);
    if (in->path != NULL && !by_path && in->stream == NULL)
        return rd_err_set(
            err, RD_ACCESS_DENIED,
            "'%s' cannot be read by the restore user '%s'\nHINT: make it readable by '%s' (or set run_as)",
            in->path, ctx->ident->name, ctx->ident->name);
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    rr->jobs = by_path && in->format != DUMP_TAR && ncpu > 1
                   ? (int)(ncpu > 64 ? 64 : ncpu)
                   : 1;
    snprintf(rr->tool, sizeof(rr->tool), "%s %s", plain ? "psql" : "pg_restore",
             ctx->tools->restore_version);

    if (plain) {
        argv[a++] = pgtools_path(ctx->tools, "psql", prog, sizeof(prog));
        argv[a++] = "--no-psqlrc";
        argv[a++] = "--quiet";
        argv[a++] = "--set=ON_ERROR_STOP=1";
        argv[a++] = "--single-transaction";
        argv[a++] = "--dbname";
        argv[a++] = ctx->dbname;
        argv[a++] = "--file=-";
    } else {
        argv[a++] = pgtools_path(ctx->tools, "pg_restore", prog, sizeof(prog));
        argv[a++] = "--no-owner";
        argv[a++] = "--no-privileges";
        if (rr->jobs > 1) {
            snprintf(jobs, sizeof(jobs), "--jobs=%d", rr->jobs);
            argv[a++] = jobs;
        }
        argv[a++] = "--dbname";
        argv[a++] = ctx->dbname;
        if (by_path)
            argv[a++] = in->path;
    }
    argv[a] = NULL;
    if (restore_env(ctx, &env) != 0) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        goto done;
    }
    log_debug("running %s into '%s' (%s)", prog, ctx->dbname,
              by_path ? in->path : "stdin");
    struct proc_spec spec = {.argv = argv,
                             .env = (const char *const *)env.v,
                             .cwd = "/",
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .drop_privs = ctx->ident->drop,
                             .uid = ctx->ident->uid,
                             .gid = ctx->ident->gid,
                             .on_line = on_restore_line,
                             .line_ctx = rr,
                             .feed = by_path ? NULL : feed_stream,
                             .feed_ctx = by_path ? NULL : in->stream};
    if (db_deadline() != 0) {
        long long left = db_deadline() - db_now_ms();

        if (left <= 0) {
            rd_err_set(err, RD_TIMEOUT,
                       "no time left for the restore (restore_timeout)");
            goto done;
        }
        spec.timeout_s = (int)((left + 999) / 1000);
    }
    if (proc_run(&spec, &res, err) != 0)
        goto done; /* interrupted, cannot run, or the stream failed */
    if (res.timed_out) {
        rd_err_set(err, RD_TIMEOUT,
                   "%s was still running when restore_timeout passed: stopped",
                   plain ? "psql" : "pg_restore");
        goto done;
    }
    /* The tool is done; the stream's verdict comes at its end. */
    if (!by_path && stream_drain(in->stream, err) != 0)
        goto done;
    if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0 &&
        rr->error_count == 0) {
        rc = 0;
        goto done;
    }
    if (rr->error_count == 0)
        rr->error_count = 1;
    enum rd_code code = classify(rr);
    const char *first = rr->nerrors > 0 ? rr->errors[0] : "";
    if (strncmp(first, "pg_restore: error: ", 19) == 0)
        first += 19;
    rd_err_set(
        err, code, "%s failed (%s) with %d error%s%s%s%s",
        plain ? "psql" : "pg_restore",
        proc_describe(res.status, st, sizeof(st)), rr->error_count,
        rr->error_count == 1 ? "" : "s", rr->nerrors > 0 ? ": " : "", first,
        plain && strstr(rr->tail, "backslash commands are restricted")
            ? "\nHINT: the dump carries psql meta-commands (\\connect from pg_dump --create or pg_dumpall, or something hostile); restoredrill refuses them all"
            : "");
done:
    proc_result_release(&res);
    proc_env_release(&env);
    return rc;
}

void
restore_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* "3; 3079 16385 EXTENSION - hstore " -> "hstore" (malloc'd), else NULL. */
static char *
toc_extension(const char *line)
{
    char desc[32], schema[128], name[128];
    unsigned int t, o;
    int id;

    if (sscanf(line, "%d; %u %u %31s %127s %127s", &id, &t, &o, desc, schema,
               name) != 6 ||
        strcmp(desc, "EXTENSION") != 0)
        return NULL;
    return strdup(name);
}

char *
restore_toc_extension(const char *line)
{
    return toc_extension(line);
}

int
restore_list_extensions(const struct pg_tools *tools,
                        const struct proc_ident *ident, const char *home,
                        const struct restore_input *in, char ***names,
                        size_t *n, struct rd_err *err)
{
    char prog[PATH_MAX + 16], path[PATH_MAX + 32];
    const char *argv[4];
    const char *envp[] = {"LC_ALL=C", "TZ=UTC", NULL, NULL};
    char homeenv[PATH_MAX + 8];
    struct proc_result res;
    bool by_path = in->path != NULL && restore_readable_by(ident, in->path);
    size_t cap = 0;
    int rc = 0;

    *names = NULL;
    *n = 0;
    if (!by_path && in->stream == NULL)
        return 0;
    snprintf(homeenv, sizeof(homeenv), "HOME=%s", home);
    envp[2] = homeenv;
    snprintf(path, sizeof(path), "PATH=%s:/usr/bin:/bin", tools->bindir);
    argv[0] = pgtools_path(tools, "pg_restore", prog, sizeof(prog));
    argv[1] = "--list";
    argv[2] = by_path ? in->path : NULL;
    argv[3] = NULL;
    struct proc_spec spec = {.argv = argv,
                             .env = envp,
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .drop_privs = ident->drop,
                             .uid = ident->uid,
                             .gid = ident->gid,
                             .timeout_s = 600,
                             .out_cap = 64u << 20,
                             .feed = by_path ? NULL : feed_stream,
                             .feed_ctx = by_path ? NULL : in->stream};
    if (proc_run(&spec, &res, err) != 0) {
        /* A stream that fails here fails again in the restore, with the
           right stage; only a signal or a missing tool matter now. */
        rc = err->code == RD_INTERRUPTED || err->code == RD_TOOL_MISSING ? -1
                                                                         : 0;
        goto done;
    }
    for (char *line = res.out; line != NULL && *line != '\0';) {
        char *nl = strchr(line, '\n'), *name;

        if (nl != NULL)
            *nl = '\0';
        name = toc_extension(line);
        if (name != NULL) {
            if (*n == cap) {
                char **nn =
                    realloc(*names, (cap = cap ? 2 * cap : 8) * sizeof(*nn));

                if (nn == NULL) {
                    free(name);
                    break;
                }
                *names = nn;
            }
            (*names)[(*n)++] = name;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
done:
    proc_result_release(&res);
    return rc;
}

int
restore_missing_extensions(struct restore_ctx *ctx, char *const *names,
                           size_t n, char *missing, size_t len)
{
    int count = 0;
    size_t used = 0;

    missing[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *params[1] = {names[i]};
        PGresult *res = PQexecParams(
            ctx->admin,
            "SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = $1",
            1, NULL, params, NULL, NULL, 0);

        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            return -1;
        }
        if (PQntuples(res) == 0) {
            used +=
                (size_t)snprintf(missing + used, used < len ? len - used : 0,
                                 "%s%s", count > 0 ? ", " : "", names[i]);
            count++;
        }
        PQclear(res);
    }
    return count;
}

int
restore_drop_db(struct restore_ctx *ctx, struct rd_err *err)
{
    const char *params[1];
    char sql[256], *ident;
    PGresult *res;
    int rc;

    if (!ctx->created || ctx->admin == NULL)
        return 0;
    /* Only a database that still carries our marker is ever dropped. */
    params[0] = ctx->dbname;
    res = db_query(ctx->admin,
                   "SELECT pg_catalog.shobj_description(d.oid, 'pg_database') "
                   "FROM pg_catalog.pg_database d WHERE d.datname = $1",
                   1, params, NULL, err);
    if (res == NULL) {
        char why[sizeof(err->msg)];

        snprintf(why, sizeof(why), "%s", err->msg);
        return rd_err_set(
            err, err->code == RD_TIMEOUT ? RD_TIMEOUT : RD_DB_UNREACHABLE,
            "cannot check scratch database '%s' before dropping it: %s",
            ctx->dbname, why);
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        ctx->created = false;
        return 0;
    }
    if (PQgetisnull(res, 0, 0) ||
        strcmp(PQgetvalue(res, 0, 0), ctx->marker) != 0) {
        PQclear(res);
        return rd_err_set(
            err, RD_INTERNAL,
            "database '%s' no longer carries restoredrill's marker; not dropping it",
            ctx->dbname);
    }
    PQclear(res);
    ident = PQescapeIdentifier(ctx->admin, ctx->dbname, strlen(ctx->dbname));
    if (ident == NULL)
        return rd_err_set(err, RD_INTERNAL, "%s", PQerrorMessage(ctx->admin));
    snprintf(sql, sizeof(sql), "DROP DATABASE %s%s", ident,
             ctx->server_num >= 130000 ? " WITH (FORCE)" : "");
    PQfreemem(ident);
    rc = db_exec(ctx->admin, sql, 0, NULL, NULL, err);
    if (rc == 0)
        ctx->created = false;
    return rc;
}

void
restore_close(struct restore_ctx *ctx)
{
    if (ctx == NULL)
        return;
    PQfinish(ctx->admin);
    ctx->admin = NULL;
}

void
restore_result_release(struct restore_result *rr)
{
    if (rr == NULL)
        return;
    for (int i = 0; i < rr->nerrors; i++)
        free(rr->errors[i]);
    rr->nerrors = 0;
}
