/* restore: pg_restore or psql into the scratch database, and the reading
 * of their output. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/db.h"
#include "verifier/util/log.h"

#include "restore/restore.h"

/* Collects pg_restore's stderr: error lines, the count, the tail. */
static void
on_restore_line(void *vctx, const char *line)
{
    struct restore_result *rr = vctx;
    size_t ll = strlen(line);
    const char *p;

    if (strncmp(line, "pg_restore: error: ", 19) == 0 ||
        strncmp(line, "ERROR ", 6) == 0 || /* the mariadb client */
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
        if (setgroups(0, NULL) != 0 || setgid(ident->gid) != 0 ||
            setuid(ident->uid) != 0)
            _exit(1);
        _exit(open(path, O_RDONLY | O_CLOEXEC) >= 0 ? 0 : 1);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
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

/* The restore tool's name: the engine's own (target_ops), else psql for
 * plain SQL and pg_restore for the rest. */
static const char *
tool_name(const struct target *t, const struct restore_input *in)
{
    const char *argv[20];
    char buf[PATH_MAX + 32];

    if (target_ops(t)->restore_argv != NULL)
        return target_ops(t)->restore_argv(t, argv, buf, sizeof(buf));
    return in->format == DUMP_PLAIN ? "psql" : "pg_restore";
}

/* The tool's command line: the engine's own (target_ops), psql for plain
 * SQL, else pg_restore (by path or on stdin).  ${argv} has room for 20. */
static void
tool_argv(const struct target *t, const struct restore_input *in,
          const struct restore_result *rr, bool by_path, const char **argv,
          char *prog, size_t plen, char *jobs, size_t jlen)
{
    int a = 0;

    if (target_ops(t)->restore_argv != NULL) {
        (void)target_ops(t)->restore_argv(t, argv, prog, plen);
        return;
    }
    if (in->format == DUMP_PLAIN) {
        argv[a++] = pgtools_path(target_tools(t), "psql", prog, plen);
        argv[a++] = "--no-psqlrc";
        argv[a++] = "--quiet";
        argv[a++] = "--set=ON_ERROR_STOP=1";
        argv[a++] = "--single-transaction";
        argv[a++] = "--dbname";
        argv[a++] = target_dbname(t);
        argv[a++] = "--file=-";
    } else {
        argv[a++] = pgtools_path(target_tools(t), "pg_restore", prog, plen);
        if (!in->keep_owner) {
            argv[a++] = "--no-owner";
            argv[a++] = "--no-privileges";
        }
        if (rr->jobs > 1) {
            snprintf(jobs, jlen, "--jobs=%d", rr->jobs);
            argv[a++] = jobs;
        }
        argv[a++] = "--dbname";
        argv[a++] = target_dbname(t);
        if (by_path)
            argv[a++] = in->path;
    }
    argv[a] = NULL;
}

/* The error of a tool that ran to its end but failed or reported errors. */
static void
tool_failed(const struct target *t, const struct restore_input *in,
            struct restore_result *rr, int status, struct rd_err *err)
{
    bool plain = in->format == DUMP_PLAIN;
    const char *first;
    enum rd_code code;
    char st[96];

    if (rr->error_count == 0)
        rr->error_count = 1;
    code = classify(rr);
    first = rr->nerrors > 0 ? rr->errors[0] : "";
    if (strncmp(first, "pg_restore: error: ", 19) == 0)
        first += 19;
    rd_err_set(
        err, code, "%s failed (%s) with %d error%s%s%s%s", tool_name(t, in),
        proc_describe(status, st, sizeof(st)), rr->error_count,
        rr->error_count == 1 ? "" : "s", rr->nerrors > 0 ? ": " : "", first,
        plain && strstr(rr->tail, "backslash commands are restricted")
            ? "\nHINT: the dump carries psql meta-commands (\\connect from pg_dump --create or pg_dumpall, or something hostile); restoredrill refuses them all"
            : "");
}

/* Run the tool with the run's deadline; 0 when it exited 0 with no error
 * line and its stream (if any) ended well. */
static int
run_tool(const struct target *t, const struct restore_input *in,
         struct restore_result *rr, bool by_path, const char *const *argv,
         struct proc_env *env, struct rd_err *err)
{
    const struct proc_ident *id = target_ident(t);
    struct sandbox_cmd cmd;
    struct proc_result res;
    int rc = -1;

    memset(&res, 0, sizeof(res));
    struct proc_spec spec = {.argv = argv,
                             .env = (const char *const *)env->v,
                             .cwd = "/",
                             .stdin_fd = -1,
                             .stdout_fd = -1,
                             .stderr_fd = -1,
                             .drop_privs = id->drop,
                             .uid = id->uid,
                             .gid = id->gid,
                             .on_line = on_restore_line,
                             .line_ctx = rr,
                             .feed = by_path ? NULL : feed_stream,
                             .feed_ctx = by_path ? NULL : in->stream};
    if (db_deadline() != 0) {
        long long left = db_deadline() - db_now_ms();

        if (left <= 0)
            return rd_err_set(err, RD_TIMEOUT,
                              "no time left for the restore (restore_timeout)");
        spec.timeout_s = (int)((left + 999) / 1000);
    }
    if (target_sandbox(t, by_path ? in->path : NULL, &spec, &cmd, err) != 0 ||
        proc_run(&spec, &res, err) != 0)
        goto done; /* interrupted, cannot run, or the stream failed */
    if (res.timed_out) {
        rd_err_set(err, RD_TIMEOUT,
                   "%s was still running when restore_timeout passed: stopped",
                   tool_name(t, in));
        goto done;
    }
    /* The tool is done; the stream's verdict comes at its end. */
    if (!by_path && stream_drain(in->stream, err) != 0)
        goto done;
    if (WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0 &&
        rr->error_count == 0)
        rc = 0;
    else
        tool_failed(t, in, rr, res.status, err);
done:
    proc_result_release(&res);
    return rc;
}

int
restore_run(const struct target *t, const struct restore_input *in,
            struct restore_result *rr, struct rd_err *err)
{
    const struct proc_ident *id = target_ident(t);
    char prog[PATH_MAX + 16], jobs[32];
    const char *argv[20];
    struct proc_env env;
    bool by_path;
    long ncpu;
    int rc = -1;

    memset(rr, 0, sizeof(*rr));
    by_path = in->path != NULL && restore_readable_by(id, in->path);
    if (in->path != NULL && !by_path && in->stream == NULL)
        return rd_err_set(
            err, RD_ACCESS_DENIED,
            "'%s' cannot be read by the restore user '%s'\nHINT: make it readable by '%s' (or set run_as)",
            in->path, id->name, id->name);
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    rr->jobs = by_path && in->format != DUMP_TAR && ncpu > 1
                   ? (int)(ncpu > 64 ? 64 : ncpu)
                   : 1;
    snprintf(rr->tool, sizeof(rr->tool), "%s %s", tool_name(t, in),
             target_ops(t)->restore_argv != NULL
                 ? target_server_version(t)
                 : target_tools(t)->restore_version);
    tool_argv(t, in, rr, by_path, argv, prog, sizeof(prog), jobs, sizeof(jobs));
    proc_env_init(&env);
    if (target_tool_env(t, &env) != 0) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
    } else {
        log_debug("running %s into '%s' (%s)", prog, target_dbname(t),
                  by_path ? in->path : "stdin");
        rc = run_tool(t, in, rr, by_path, argv, &env, err);
    }
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
                        const struct proc_ident *ident,
                        const struct sandbox *sb, const char *home,
                        const struct restore_input *in, char ***names,
                        size_t *n, struct rd_err *err)
{
    struct sandbox_cmd cmd;
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
    struct sandbox_req req = {.ro = {by_path ? in->path : NULL}};

    memset(&res, 0, sizeof(res));
    if (sandbox_apply(sb, &req, &spec, &cmd, err) != 0 ||
        proc_run(&spec, &res, err) != 0) {
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

void
restore_report_release(struct restore_report *rp)
{
    if (rp == NULL)
        return;
    free(rp->target);
    rp->target = NULL;
    restore_result_release(&rp->run);
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
