/* scratch_proc: the process plumbing of the throwaway servers. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "restore/target/scratch_proc.h"

#define START_TIMEOUT_S 60

int
scratch_env(const struct cluster *c, const char *path, struct proc_env *env)
{
    if (proc_env_set(env, "PATH", path) != 0 ||
        proc_env_set(env, "LC_ALL", "C") != 0 ||
        proc_env_set(env, "TZ", "UTC") != 0 ||
        proc_env_set(env, "HOME", c->dir) != 0)
        return -1;
    return 0;
}

/* ${spec}: ${argv} in DIR as c->ident with scratch_env(${path}) in ${env}
 * (initialised here; the caller releases it), stdin /dev/null. */
static int
child_spec(const struct cluster *c, const char *const *argv, const char *path,
           struct proc_env *env, struct proc_spec *spec, struct rd_err *err)
{
    memset(spec, 0, sizeof(*spec));
    proc_env_init(env);
    if (scratch_env(c, path, env) != 0)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    spec->argv = argv;
    spec->env = (const char *const *)env->v;
    spec->cwd = c->dir;
    spec->stdin_fd = -1;
    spec->drop_privs = c->ident->drop;
    spec->uid = c->ident->uid;
    spec->gid = c->ident->gid;
    return 0;
}

static void
keep_last_line(void *ctx, const char *line)
{
    snprintf(ctx, 512, "%s", line);
}

int
scratch_run(struct cluster *c, const char *const *argv, const char *path,
            int out_fd, const char *name, struct rd_err *err)
{
    char last[512] = "", st[96];
    struct sandbox_req req = {.rw_dir = c->dir, .chdir = c->dir};
    struct sandbox_cmd cmd;
    struct proc_env env;
    struct proc_spec spec;
    struct proc_result res;
    int rc = -1;

    memset(&res, 0, sizeof(res));
    if (child_spec(c, argv, path, &env, &spec, err) != 0)
        goto done;
    spec.stdout_fd = out_fd;
    spec.stderr_fd = -1;
    spec.timeout_s = 300;
    spec.on_line = keep_last_line;
    spec.line_ctx = last;
    if (sandbox_apply(c->sb, &req, &spec, &cmd, err) != 0 ||
        proc_run(&spec, &res, err) != 0)
        goto done;
    if (res.timed_out || !WIFEXITED(res.status) ||
        WEXITSTATUS(res.status) != 0) {
        rd_err_set(err,
                   strstr(last, "No space left") != NULL ? RD_DISK_FULL
                                                         : RD_TOOL_MISSING,
                   "%s failed (%s): %s", name,
                   proc_describe(res.status, st, sizeof(st)), last);
        goto done;
    }
    rc = 0;
done:
    proc_result_release(&res);
    proc_env_release(&env);
    return rc;
}

int
scratch_spawn(struct cluster *c, const char *const *argv, const char *path,
              int logfd, bool keep, int death_signal, struct rd_err *err)
{
    struct sandbox_req req = {.rw_dir = c->dir, .chdir = c->dir, .keep = keep};
    struct sandbox_cmd cmd;
    struct proc_env env;
    struct proc_spec spec;
    int rc = -1;

    if (child_spec(c, argv, path, &env, &spec, err) == 0) {
        spec.stdout_fd = logfd;
        spec.stderr_fd = logfd;
        spec.death_signal = keep ? -1 : death_signal;
        if (sandbox_apply(c->sb, &req, &spec, &cmd, err) == 0)
            rc = proc_spawn(&spec, &c->pid, err);
    }
    proc_env_release(&env);
    return rc;
}

static int
wait_ready(struct cluster *c, bool (*answers)(const struct cluster *c),
           const char *engine, struct rd_err *err)
{
    char logpath[PATH_MAX + 16], tail[600];
    struct timespec t0, t;
    int status;

    snprintf(logpath, sizeof(logpath), "%s/server.log", c->dir);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (answers(c))
            return 0;
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED,
                              "interrupted while the scratch server started");
        if (proc_exited(c->pid, &status)) {
            c->pid = 0;
            cluster_file_tail(logpath, tail, sizeof(tail));
            return rd_err_set(
                err,
                strstr(tail, "No space left") ? RD_DISK_FULL : RD_TOOL_MISSING,
                "the scratch %s server exited at start: %s", engine, tail);
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > START_TIMEOUT_S) {
            cluster_file_tail(logpath, tail, sizeof(tail));
            return rd_err_set(
                err, RD_TOOL_MISSING,
                "the scratch %s server did not accept connections within %ds: %s",
                engine, START_TIMEOUT_S, tail);
        }
        usleep(50 * 1000);
    }
}

int
scratch_serve(struct cluster *c, int *logfd,
              bool (*answers)(const struct cluster *c), const char *engine,
              struct rd_err *err)
{
    close(*logfd);
    *logfd = -1;
    log_debug("scratch %s server pid %ld in '%s'", engine, (long)c->pid,
              c->dir);
    if (wait_ready(c, answers, engine, err) != 0)
        return -1;
    cluster_write_server_pid(c);
    return 0;
}

int
scratch_abort(struct cluster *c, int logfd)
{
    if (logfd >= 0)
        close(logfd);
    cluster_stop(c);
    return -1;
}
