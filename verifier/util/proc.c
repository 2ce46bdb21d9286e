/* proc: run external programs by argv (never a shell), with bounded capture. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/sig.h"

#include "verifier/util/proc.h"

#define LINE_MAX_BYTES 4096
#define FEED_CHUNK     (128 * 1024)

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * In the child, with fds 0-2 wired and the exec-status pipe at fd 3:
 * reset signals, drop privileges, exec.  On failure errno goes to fd 3.
 */
static void __attribute__((noreturn))
child_exec(const struct proc_spec *spec, pid_t parent)
{
    struct sigaction sa;
    sigset_t none;
    int e;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (spec->drop_privs) {
        if (setgroups(0, NULL) != 0 || setgid(spec->gid) != 0 ||
            setuid(spec->uid) != 0)
            goto fail;
    }
    /* Set after the credential change, which would reset it. */
    if (spec->death_signal >= 0)
        prctl(PR_SET_PDEATHSIG,
              spec->death_signal != 0 ? spec->death_signal : SIGKILL);
    if (getppid() != parent)
        _exit(126); /* our parent is already gone */
    if (chdir(spec->cwd != NULL ? spec->cwd : "/") != 0)
        goto fail;
    execvpe(spec->argv[0], (char *const *)(uintptr_t)spec->argv,
            (char *const *)(uintptr_t)spec->env);
fail:
    e = errno;
    (void)!write(3, &e, sizeof(e));
    _exit(127);
}

/*
 * Fork the child with ${in}/${out}/${errw} (-1: /dev/null); the exec-status
 * pipe is moved to fd 3 in the child so that closefrom(4) keeps it, and is
 * close-on-exec, so EOF on it means the exec succeeded.  Returns the pid or
 * -1.
 */
static pid_t
start_child(const struct proc_spec *spec, int in, int out, int errw,
            struct rd_err *err)
{
    int ep[2], e = 0;
    ssize_t n;
    pid_t pid, parent = getpid();

    if (pipe2(ep, O_CLOEXEC) != 0) {
        rd_err_set(err, RD_INTERNAL, "cannot create pipe: %s", strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(ep[0]);
        close(ep[1]);
        rd_err_set(err, RD_INTERNAL, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* Keep the write end at fd 3, close-on-exec, above 0-2. */
        int w = fcntl(ep[1], F_DUPFD_CLOEXEC, 10);

        close(ep[0]);
        if (in >= 0 && in < 3)
            in = fcntl(in, F_DUPFD, 10);
        if (out >= 0 && out < 3)
            out = fcntl(out, F_DUPFD, 10);
        if (errw >= 0 && errw < 3)
            errw = fcntl(errw, F_DUPFD, 10);
        int devnull = open("/dev/null", O_RDWR);

        setpgid(0, 0);
        if (dup2(in >= 0 ? in : devnull, 0) < 0 ||
            dup2(out >= 0 ? out : devnull, 1) < 0 ||
            dup2(errw >= 0 ? errw : devnull, 2) < 0 || dup2(w, 3) < 0 ||
            fcntl(3, F_SETFD, FD_CLOEXEC) < 0) {
            e = errno;
            (void)!write(w, &e, sizeof(e));
            _exit(127);
        }
        closefrom(4);
        child_exec(spec, parent);
    }
    setpgid(pid, pid); /* also from the parent: no race with killpg */
    close(ep[1]);
    do {
        n = read(ep[0], &e, sizeof(e));
    } while (n < 0 && errno == EINTR);
    close(ep[0]);
    if (n == (ssize_t)sizeof(e)) {
        int st;

        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rd_err_set(err, RD_TOOL_MISSING, "cannot run '%s': %s", spec->argv[0],
                   strerror(e));
        return -1;
    }
    return pid;
}

int
proc_spawn(const struct proc_spec *spec, pid_t *pid, struct rd_err *err)
{
    pid_t p = start_child(spec, spec->stdin_fd, spec->stdout_fd,
                          spec->stderr_fd, err);

    if (p < 0)
        return -1;
    *pid = p;
    return 0;
}

bool
proc_exited(pid_t pid, int *status)
{
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);

    if (r == pid) {
        if (status != NULL)
            *status = st;
        return true;
    }
    if (r < 0 && errno == ECHILD) {
        if (status != NULL)
            *status = 0;
        return true;
    }
    return false;
}

int
proc_stop(pid_t pid, int sig, int grace_s)
{
    long long deadline = now_ms() + (long long)grace_s * 1000;
    int st;

    if (pid <= 0)
        return -1;
    if (kill(-pid, sig) != 0 && kill(pid, sig) != 0 && errno == ESRCH) {
        /* No such process, not even a zombie: reaped already. */
        return -1;
    }
    /* A second signal (sig_hurry()) cuts the grace short: SIGKILL now. */
    while (now_ms() < deadline && !sig_hurry()) {
        if (proc_exited(pid, &st)) {
            kill(-pid, SIGKILL); /* stragglers of the group */
            return st;
        }
        usleep(20 * 1000);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return st;
}

/* Per-stream line splitter for stderr. */
struct liner {
    char buf[LINE_MAX_BYTES + 1];
    size_t len;
    bool dropping; /* inside an overlong line: skip to newline */
};

static void
liner_feed(struct liner *l, const char *p, size_t n, proc_line_fn fn, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            if (!l->dropping) {
                l->buf[l->len] = '\0';
                if (fn != NULL)
                    fn(ctx, l->buf);
            }
            l->len = 0;
            l->dropping = false;
        } else if (l->dropping) {
            continue; /* the rest of an overlong line */
        } else if (l->len < LINE_MAX_BYTES) {
            l->buf[l->len++] = p[i] == '\0' ? ' ' : p[i];
        } else {
            /* Deliver the first LINE_MAX_BYTES bytes, drop the rest. */
            l->buf[l->len] = '\0';
            if (fn != NULL)
                fn(ctx, l->buf);
            l->len = 0;
            l->dropping = true;
        }
    }
}

/*
 * Move fed bytes into the child's stdin pipe (non-blocking): refill from
 * feed() when the chunk is written out; close the pipe at the feed's end or
 * when the child stopped reading.  Returns -1 when feed() failed.
 */
static int
feed_step(const struct proc_spec *spec, int ip[2], char *fbuf, size_t *fpos,
          size_t *flen, bool *feed_done, struct proc_result *res,
          struct rd_err *err)
{
    for (;;) {
        ssize_t w;

        if (*fpos == *flen && !*feed_done) {
            ssize_t n = spec->feed(spec->feed_ctx, fbuf, FEED_CHUNK, err);

            if (n < 0)
                return -1;
            *fpos = 0;
            *flen = (size_t)n;
            if (n == 0)
                *feed_done = true;
        }
        if (*fpos == *flen) {
            close(ip[1]); /* EOF for the child */
            ip[1] = -1;
            return 0;
        }
        w = write(ip[1], fbuf + *fpos, *flen - *fpos);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            return 0; /* pipe full: poll again */
        if (w < 0) {
            /* EPIPE: the child stopped reading; it will tell why. */
            res->feed_broken = true;
            close(ip[1]);
            ip[1] = -1;
            return 0;
        }
        *fpos += (size_t)w;
    }
}

int
proc_run(const struct proc_spec *spec, struct proc_result *res,
         struct rd_err *err)
{
    int ep[2] = {-1, -1}, op[2] = {-1, -1}, ip[2] = {-1, -1};
    struct liner *ln = NULL;
    char *fbuf = NULL;
    size_t fpos = 0, flen = 0;
    bool feed_done = false;
    long long deadline = 0;
    int rc = -1, sig = 0;
    bool err_open, out_open, stopping = false;
    pid_t pid = -1;

    memset(res, 0, sizeof(*res));
    ln = calloc(1, sizeof(*ln));
    if (ln == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (spec->stderr_fd < 0 && pipe2(ep, O_CLOEXEC) != 0)
        goto pipe_fail;
    if (spec->feed != NULL) {
        if (pipe2(ip, O_CLOEXEC) != 0)
            goto pipe_fail;
        fbuf = malloc(FEED_CHUNK);
        if (fbuf == NULL) {
            rd_err_set(err, RD_INTERNAL, "out of memory");
            goto done;
        }
    }
    if (spec->out_cap > 0) {
        if (pipe2(op, O_CLOEXEC) != 0)
            goto pipe_fail;
        res->out = malloc(spec->out_cap + 1);
        if (res->out == NULL) {
            rd_err_set(err, RD_INTERNAL, "out of memory");
            goto done;
        }
        res->out[0] = '\0';
    }
    pid = start_child(spec, spec->feed != NULL ? ip[0] : spec->stdin_fd,
                      spec->out_cap > 0 ? op[1] : spec->stdout_fd,
                      spec->stderr_fd < 0 ? ep[1] : spec->stderr_fd, err);
    if (ep[1] >= 0)
        close(ep[1]);
    if (op[1] >= 0)
        close(op[1]);
    if (ip[0] >= 0)
        close(ip[0]);
    ep[1] = op[1] = ip[0] = -1;
    if (ip[1] >= 0)
        fcntl(ip[1], F_SETFL, fcntl(ip[1], F_GETFL) | O_NONBLOCK);
    if (pid < 0)
        goto done;
    if (spec->timeout_s > 0)
        deadline = now_ms() + (long long)spec->timeout_s * 1000;

    err_open = ep[0] >= 0;
    out_open = op[0] >= 0;
    for (;;) {
        struct pollfd pfd[3];
        int nfd = 0, st;
        char chunk[8192];

        if (!stopping && !spec->outlive_signal && (sig = sig_pending()) != 0) {
            stopping = true;
            kill(-pid, SIGTERM);
            res->status = proc_stop(pid, SIGTERM, 5);
            rd_err_set(err, RD_INTERRUPTED,
                       "'%s' stopped: restoredrill received %s", spec->argv[0],
                       sig_name(sig));
            goto done;
        }
        if (!stopping && deadline != 0 && now_ms() > deadline) {
            res->timed_out = true;
            res->status = proc_stop(pid, SIGTERM, 5);
            rc = 0;
            goto done;
        }
        if (err_open)
            pfd[nfd++] = (struct pollfd){.fd = ep[0], .events = POLLIN};
        if (out_open)
            pfd[nfd++] = (struct pollfd){.fd = op[0], .events = POLLIN};
        if (ip[1] >= 0)
            pfd[nfd++] = (struct pollfd){.fd = ip[1], .events = POLLOUT};
        if (nfd == 0) {
            if (proc_exited(pid, &st)) {
                res->status = st;
                rc = 0;
                goto done;
            }
            usleep(20 * 1000);
            continue;
        }
        if (poll(pfd, (nfds_t)nfd, 100) < 0 && errno != EINTR) {
            rd_err_set(err, RD_INTERNAL, "poll: %s", strerror(errno));
            proc_stop(pid, SIGKILL, 1);
            goto done;
        }
        for (int i = 0; i < nfd; i++) {
            ssize_t n;

            if (pfd[i].fd == ip[1]) {
                if (pfd[i].revents == 0)
                    continue;
                if (feed_step(spec, ip, fbuf, &fpos, &flen, &feed_done, res,
                              err) != 0) {
                    res->feed_failed = true;
                    res->status = proc_stop(pid, SIGKILL, 5);
                    goto done;
                }
                continue;
            }
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(pfd[i].fd, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (pfd[i].fd == ep[0])
                    err_open = false;
                else
                    out_open = false;
                continue;
            }
            if (pfd[i].fd == ep[0]) {
                liner_feed(ln, chunk, (size_t)n, spec->on_line, spec->line_ctx);
            } else {
                size_t room = spec->out_cap - res->out_len;
                size_t take = (size_t)n < room ? (size_t)n : room;

                memcpy(res->out + res->out_len, chunk, take);
                res->out_len += take;
                res->out[res->out_len] = '\0';
                if (take < (size_t)n)
                    res->out_overflow = true;
            }
        }
    }

pipe_fail:
    rd_err_set(err, RD_INTERNAL, "cannot create pipe: %s", strerror(errno));
done:
    /* What the child left running in its group (a hook's "cmd &"). */
    if (spec->reap_group && pid > 0)
        kill(-pid, SIGKILL);
    if (ln != NULL && ln->len > 0 && spec->on_line != NULL) {
        ln->buf[ln->len] = '\0';
        spec->on_line(spec->line_ctx, ln->buf);
    }
    free(ln);
    free(fbuf);
    for (int i = 0; i < 2; i++) {
        if (ep[i] >= 0)
            close(ep[i]);
        if (op[i] >= 0)
            close(op[i]);
        if (ip[i] >= 0)
            close(ip[i]);
    }
    return rc;
}

void
proc_result_release(struct proc_result *res)
{
    if (res == NULL)
        return;
    free(res->out);
    res->out = NULL;
    res->out_len = 0;
}

char *
proc_describe(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit code %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status) && sigabbrev_np(WTERMSIG(status)) != NULL)
        snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "wait status %d", status);
    return buf;
}

void
proc_env_init(struct proc_env *e)
{
    memset(e, 0, sizeof(*e));
}

int
proc_env_set(struct proc_env *e, const char *name, const char *value)
{
    size_t nl = strlen(name);
    char *s = malloc(nl + strlen(value) + 2);

    if (s == NULL)
        return -1;
    sprintf(s, "%s=%s", name, value);
    for (int i = 0; i < e->n; i++) {
        if (strncmp(e->v[i], name, nl) == 0 && e->v[i][nl] == '=') {
            free(e->v[i]);
            e->v[i] = s;
            return 0;
        }
    }
    if (e->n >= PROC_ENV_MAX) {
        free(s);
        return -1;
    }
    e->v[e->n++] = s;
    e->v[e->n] = NULL;
    return 0;
}

void
proc_env_release(struct proc_env *e)
{
    if (e == NULL)
        return;
    for (int i = 0; i < e->n; i++)
        free(e->v[i]);
    memset(e, 0, sizeof(*e));
}

int
proc_ident_resolve(const char *run_as, struct proc_ident *id,
                   struct rd_err *err)
{
    struct passwd *pw;

    memset(id, 0, sizeof(*id));
    if (geteuid() != 0) {
        pw = getpwuid(geteuid());
        id->uid = geteuid();
        id->gid = getegid();
        snprintf(id->name, sizeof(id->name), "%s",
                 pw != NULL ? pw->pw_name : "?");
        return 0;
    }
    pw = getpwnam(run_as);
    if (pw == NULL)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "run_as user '%s' does not exist\nHINT: install postgresql (it creates 'postgres') or set run_as to an unprivileged user",
            run_as);
    if (pw->pw_uid == 0)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "run_as user '%s' is root: restores never run as an OS superuser",
            run_as);
    id->drop = true;
    id->uid = pw->pw_uid;
    id->gid = pw->pw_gid;
    snprintf(id->name, sizeof(id->name), "%s", pw->pw_name);
    snprintf(id->home, sizeof(id->home), "%s", pw->pw_dir);
    return 0;
}
