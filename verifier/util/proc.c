/* proc: run external programs by argv (never a shell), with bounded capture. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
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

/* Everything proc_run() holds while the child runs. */
struct run {
    const struct proc_spec *spec;
    struct proc_result *res;
    int ep[2], op[2], ip[2]; /* stderr, stdout and stdin pipes, -1 = none */
    struct liner *ln;        /* (owned) */
    char *fbuf;              /* (owned) FEED_CHUNK bytes for feed() */
    size_t fpos, flen;
    bool feed_done, err_open, out_open;
    long long deadline; /* now_ms() past which the child is stopped, 0 */
    pid_t pid;
};

/* Make the pipes and buffers ${r}->spec asks for; -1 with ${err} set. */
static int
run_open(struct run *r, struct rd_err *err)
{
    const struct proc_spec *spec = r->spec;

    r->ln = calloc(1, sizeof(*r->ln));
    if (r->ln == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (spec->stderr_fd < 0 && pipe2(r->ep, O_CLOEXEC) != 0)
        goto pipe_fail;
    if (spec->feed != NULL) {
        if (pipe2(r->ip, O_CLOEXEC) != 0)
            goto pipe_fail;
        r->fbuf = malloc(FEED_CHUNK);
        if (r->fbuf == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    if (spec->out_cap > 0) {
        if (pipe2(r->op, O_CLOEXEC) != 0)
            goto pipe_fail;
        r->res->out = malloc(spec->out_cap + 1);
        if (r->res->out == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        r->res->out[0] = '\0';
    }
    return 0;

pipe_fail:
    return rd_err_set(err, RD_INTERNAL, "cannot create pipe: %s",
                      strerror(errno));
}

/* Start the child on the pipes and close their child ends; -1 with err. */
static int
run_start(struct run *r, struct rd_err *err)
{
    const struct proc_spec *spec = r->spec;

    r->pid = start_child(spec, spec->feed != NULL ? r->ip[0] : spec->stdin_fd,
                         spec->out_cap > 0 ? r->op[1] : spec->stdout_fd,
                         spec->stderr_fd < 0 ? r->ep[1] : spec->stderr_fd, err);
    if (r->ep[1] >= 0)
        close(r->ep[1]);
    if (r->op[1] >= 0)
        close(r->op[1]);
    if (r->ip[0] >= 0)
        close(r->ip[0]);
    r->ep[1] = r->op[1] = r->ip[0] = -1;
    if (r->ip[1] >= 0)
        fcntl(r->ip[1], F_SETFL, fcntl(r->ip[1], F_GETFL) | O_NONBLOCK);
    if (r->pid < 0)
        return -1;
    if (spec->timeout_s > 0)
        r->deadline = now_ms() + (long long)spec->timeout_s * 1000;
    r->err_open = r->ep[0] >= 0;
    r->out_open = r->op[0] >= 0;
    return 0;
}

/*
 * A caught signal or the deadline stops the child: true with the result
 * of proc_run() in ${rc} (-1 and RD_INTERRUPTED for a signal, 0 for the
 * timeout), else false.
 */
static bool
run_must_stop(struct run *r, int *rc, struct rd_err *err)
{
    int sig;

    if (!r->spec->outlive_signal && (sig = sig_pending()) != 0) {
        kill(-r->pid, SIGTERM);
        r->res->status = proc_stop(r->pid, SIGTERM, 5);
        rd_err_set(err, RD_INTERRUPTED,
                   "'%s' stopped: restoredrill received %s", r->spec->argv[0],
                   sig_name(sig));
        *rc = -1;
        return true;
    }
    if (r->deadline != 0 && now_ms() > r->deadline) {
        r->res->timed_out = true;
        r->res->status = proc_stop(r->pid, SIGTERM, 5);
        *rc = 0;
        return true;
    }
    return false;
}

/* Keep what fits of ${n} stdout bytes at ${chunk}, mark the overflow. */
static void
run_capture(struct run *r, const char *chunk, size_t n)
{
    struct proc_result *res = r->res;
    size_t room = r->spec->out_cap - res->out_len;
    size_t take = n < room ? n : room;

    memcpy(res->out + res->out_len, chunk, take);
    res->out_len += take;
    res->out[res->out_len] = '\0';
    if (take < n)
        res->out_overflow = true;
}

/*
 * Act on what poll() said about ${p}: feed stdin, or read stderr (lines to
 * on_line) or stdout (captured).  -1 when feed() failed: the child is
 * killed.
 */
static int
run_event(struct run *r, const struct pollfd *p, struct rd_err *err)
{
    char chunk[8192];
    ssize_t n;

    if (p->fd == r->ip[1]) {
        if (p->revents == 0)
            return 0;
        if (feed_step(r->spec, r->ip, r->fbuf, &r->fpos, &r->flen,
                      &r->feed_done, r->res, err) != 0) {
            r->res->feed_failed = true;
            r->res->status = proc_stop(r->pid, SIGKILL, 5);
            return -1;
        }
        return 0;
    }
    if (!(p->revents & (POLLIN | POLLHUP | POLLERR)))
        return 0;
    n = read(p->fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
        return 0;
    if (n <= 0) {
        if (p->fd == r->ep[0])
            r->err_open = false;
        else
            r->out_open = false;
        return 0;
    }
    if (p->fd == r->ep[0])
        liner_feed(r->ln, chunk, (size_t)n, r->spec->on_line,
                   r->spec->line_ctx);
    else
        run_capture(r, chunk, (size_t)n);
    return 0;
}

/* Reap the child's group when asked, flush the last line, close it all. */
static void
run_close(struct run *r)
{
    const struct proc_spec *spec = r->spec;

    /* What the child left running in its group (a hook's "cmd &"). */
    if (spec->reap_group && r->pid > 0)
        kill(-r->pid, SIGKILL);
    if (r->ln != NULL && r->ln->len > 0 && spec->on_line != NULL) {
        r->ln->buf[r->ln->len] = '\0';
        spec->on_line(spec->line_ctx, r->ln->buf);
    }
    free(r->ln);
    free(r->fbuf);
    for (int i = 0; i < 2; i++) {
        if (r->ep[i] >= 0)
            close(r->ep[i]);
        if (r->op[i] >= 0)
            close(r->op[i]);
        if (r->ip[i] >= 0)
            close(r->ip[i]);
    }
}

int
proc_run(const struct proc_spec *spec, struct proc_result *res,
         struct rd_err *err)
{
    struct run r = {.spec = spec,
                    .res = res,
                    .ep = {-1, -1},
                    .op = {-1, -1},
                    .ip = {-1, -1},
                    .pid = -1};
    int rc = -1;

    memset(res, 0, sizeof(*res));
    if (run_open(&r, err) != 0 || run_start(&r, err) != 0)
        goto done;
    for (;;) {
        struct pollfd pfd[3];
        int nfd = 0, st;

        if (run_must_stop(&r, &rc, err))
            goto done;
        if (r.err_open)
            pfd[nfd++] = (struct pollfd){.fd = r.ep[0], .events = POLLIN};
        if (r.out_open)
            pfd[nfd++] = (struct pollfd){.fd = r.op[0], .events = POLLIN};
        if (r.ip[1] >= 0)
            pfd[nfd++] = (struct pollfd){.fd = r.ip[1], .events = POLLOUT};
        if (nfd == 0) {
            if (proc_exited(r.pid, &st)) {
                res->status = st;
                rc = 0;
                goto done;
            }
            usleep(20 * 1000);
            continue;
        }
        if (poll(pfd, (nfds_t)nfd, 100) < 0 && errno != EINTR) {
            rd_err_set(err, RD_INTERNAL, "poll: %s", strerror(errno));
            proc_stop(r.pid, SIGKILL, 1);
            goto done;
        }
        for (int i = 0; i < nfd; i++)
            if (run_event(&r, &pfd[i], err) != 0)
                goto done;
    }
done:
    run_close(&r);
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
