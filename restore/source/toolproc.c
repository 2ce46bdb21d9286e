/* toolproc: a backup tool run by argv, its stdout read as a stream. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/proc.h"
#include "verifier/util/sig.h"

#include "restore/source/toolproc.h"

#define TICK_MS    250 /* how often a wait looks at sig_pending() */
#define MSG_TAIL   600 /* stderr bytes quoted in a message */
#define REAP_WAIT  10  /* s: after stdout closed, for the exit and stderr */
#define STOP_GRACE 2   /* s: SIGTERM to SIGKILL */

extern char **environ;

struct tool_stream {
    struct stream s;
    pid_t pid;    /* 0 once reaped */
    int out, err; /* pipe read ends, -1 once closed */
    int64_t stall_ms;
    int64_t bytes; /* stdout bytes read */
    bool failed;
    char tool[32];
    char what[512];
    char *tail_out;                   /* (borrowed) spec->tail */
    char tail[2 * TOOLPROC_TAIL_MAX]; /* the last stderr bytes */
    size_t tlen;
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether ${name} (of "NAME=value") is allowed by ${allow}. */
static bool
allowed(const char *const *allow, const char *var)
{
    size_t nl = strcspn(var, "=");

    for (size_t i = 0; allow != NULL && allow[i] != NULL; i++) {
        size_t al = strlen(allow[i]);

        if (al > 0 && allow[i][al - 1] == '*') {
            if (nl >= al - 1 && strncmp(var, allow[i], al - 1) == 0)
                return true;
        } else if (al == nl && strncmp(var, allow[i], nl) == 0) {
            return true;
        }
    }
    return false;
}

/* The child's environment: the minimal set, the allowlist, env_set. */
static int
build_env(const struct toolproc_spec *spec, struct proc_env *e)
{
    static const char *const base[] = {"PATH",     "HOME",   "USER",
                                       "LOGNAME",  "LANG",   "LC_ALL",
                                       "LC_CTYPE", "TMPDIR", NULL};

    proc_env_init(e);
    if (getenv("PATH") == NULL &&
        proc_env_set(e, "PATH", "/usr/local/bin:/usr/bin:/bin") != 0)
        return -1;
    for (char **v = environ; v != NULL && *v != NULL; v++) {
        char name[256];
        size_t nl = strcspn(*v, "=");

        if ((*v)[nl] != '=' || nl >= sizeof(name) ||
            (!allowed(base, *v) && !allowed(spec->env_allow, *v)))
            continue;
        memcpy(name, *v, nl);
        name[nl] = '\0';
        if (proc_env_set(e, name, *v + nl + 1) != 0)
            return -1;
    }
    for (size_t i = 0; spec->env_set != NULL && spec->env_set[i] != NULL; i++) {
        char name[256];
        const char *v = spec->env_set[i];
        size_t nl = strcspn(v, "=");

        if (v[nl] != '=' || nl >= sizeof(name))
            continue;
        memcpy(name, v, nl);
        name[nl] = '\0';
        if (proc_env_set(e, name, v + nl + 1) != 0)
            return -1;
    }
    return 0;
}

/* Keep the last TOOLPROC_TAIL_MAX bytes of stderr. */
static void
tail_add(struct tool_stream *t, const char *p, size_t n)
{
    if (n >= TOOLPROC_TAIL_MAX) {
        p += n - TOOLPROC_TAIL_MAX;
        n = TOOLPROC_TAIL_MAX;
    }
    if (t->tlen + n > sizeof(t->tail)) {
        size_t keep = TOOLPROC_TAIL_MAX - n;

        memmove(t->tail, t->tail + t->tlen - keep, keep);
        t->tlen = keep;
    }
    memcpy(t->tail + t->tlen, p, n);
    t->tlen += n;
}

/* The kept tail (at most TOOLPROC_TAIL_MAX bytes), NUL-terminated. */
static const char *
tail_str(struct tool_stream *t)
{
    size_t n = t->tlen > TOOLPROC_TAIL_MAX ? TOOLPROC_TAIL_MAX : t->tlen;

    memmove(t->tail, t->tail + t->tlen - n, n);
    t->tlen = n;
    t->tail[n] = '\0';
    return t->tail;
}

/* Read what stderr has now; false at its end (closed). */
static bool
drain_err(struct tool_stream *t)
{
    char buf[4096];
    ssize_t n = read(t->err, buf, sizeof(buf));

    if (n > 0) {
        tail_add(t, buf, (size_t)n);
        return true;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    close(t->err);
    t->err = -1;
    return false;
}

/* Stop the child (its whole group) and reap it. */
static void
kill_child(struct tool_stream *t)
{
    if (t->pid > 0)
        (void)proc_stop(t->pid, SIGTERM, STOP_GRACE);
    t->pid = 0;
}

/* Publish the tail; the last MSG_TAIL bytes of it, trimmed, in ${buf}. */
static const char *
msg_tail(struct tool_stream *t, char *buf, size_t len)
{
    const char *s = tail_str(t);
    size_t n = strlen(s);

    if (t->tail_out != NULL)
        memcpy(t->tail_out, s, n + 1);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        n--;
    if (n > MSG_TAIL) {
        s += n - MSG_TAIL;
        n = MSG_TAIL;
    }
    snprintf(buf, len, "%s%.*s", n > 0 ? ": " : " (no message)", (int)n, s);
    return buf;
}

/* Fail the stream: kill what runs, say ${why} with the tail. */
static ssize_t
fail(struct tool_stream *t, enum rd_code code, const char *why,
     struct rd_err *err)
{
    char tb[MSG_TAIL + 16];

    kill_child(t);
    t->failed = true;
    rd_err_set(err, code, "%s failed: cannot %s: %s%s", t->tool, t->what, why,
               msg_tail(t, tb, sizeof(tb)));
    return -1;
}

/* stdout ended: collect the exit status and stderr, and judge them.  Once
 * the child exited, only what its stderr already holds is read (a helper it
 * left behind may keep the pipe open), and what is left of its process
 * group is killed. */
static ssize_t
finish(struct tool_stream *t, struct rd_err *err)
{
    int64_t deadline = now_ms() + REAP_WAIT * 1000;
    int st = 0;
    char how[64], tb[MSG_TAIL + 16];

    while (!proc_exited(t->pid, &st)) {
        struct pollfd p = {t->err, POLLIN, 0};

        if (sig_pending() != 0)
            return fail(t, RD_INTERRUPTED, "interrupted by a signal", err);
        if (now_ms() >= deadline)
            return fail(t, RD_SOURCE_UNREACHABLE,
                        "it closed its output but did not exit", err);
        if (t->err < 0 || poll(&p, 1, 20) <= 0)
            usleep(t->err < 0 ? 20 * 1000 : 0);
        else
            (void)drain_err(t);
    }
    while (t->err >= 0) { /* non-blocking: EAGAIN once it is empty */
        char buf[4096];
        ssize_t n = read(t->err, buf, sizeof(buf));

        if (n > 0) {
            tail_add(t, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        close(t->err);
        t->err = -1;
    }
    (void)kill(-t->pid, SIGKILL); /* nothing of its group outlives it */
    t->pid = 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        (void)msg_tail(t, tb, sizeof(tb)); /* publish the tail */
        return 0;
    }
    t->failed = true;
    rd_err_set(err, t->bytes > 0 ? RD_FETCH_TRUNCATED : RD_SOURCE_UNREACHABLE,
               "%s failed: cannot %s: %s%s%s", t->tool, t->what,
               proc_describe(st, how, sizeof(how)),
               t->bytes > 0 ? " after writing part of its output" : "",
               msg_tail(t, tb, sizeof(tb)));
    return -1;
}

static ssize_t
tool_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct tool_stream *t = (struct tool_stream *)s;
    int64_t last = now_ms();

    if (t->failed) {
        rd_err_set(err, RD_INTERNAL, "%s: stream read after a failure",
                   t->tool);
        return -1;
    }
    if (t->out < 0)
        return 0;
    for (;;) {
        struct pollfd p[2] = {{t->out, POLLIN, 0}, {t->err, POLLIN, 0}};
        int np = t->err >= 0 ? 2 : 1, r;

        if (sig_pending() != 0)
            return fail(t, RD_INTERRUPTED, "interrupted by a signal", err);
        if (now_ms() - last >= t->stall_ms) {
            char why[96];

            snprintf(why, sizeof(why),
                     "no output for %llds (stall_timeout); it was stopped",
                     (long long)(t->stall_ms / 1000));
            return fail(t, RD_FETCH_STALLED, why, err);
        }
        r = poll(p, (nfds_t)np, TICK_MS);
        if (r < 0 && errno != EINTR)
            return fail(t, RD_INTERNAL, strerror(errno), err);
        if (r <= 0)
            continue;
        if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            (void)drain_err(t);
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(t->out, buf, cap);

            if (n > 0) {
                t->bytes += n;
                return n;
            }
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            close(t->out);
            t->out = -1;
            return finish(t, err);
        }
    }
}

int
toolproc_ready(struct stream *s, struct rd_err *err)
{
    struct tool_stream *t = (struct tool_stream *)s;
    int64_t last = now_ms();

    while (t->out >= 0) {
        struct pollfd p[2] = {{t->out, POLLIN, 0}, {t->err, POLLIN, 0}};
        int np = t->err >= 0 ? 2 : 1, avail = 0, r;

        if (sig_pending() != 0)
            return (int)fail(t, RD_INTERRUPTED, "interrupted by a signal", err);
        if (now_ms() - last >= t->stall_ms) {
            char why[96];

            snprintf(why, sizeof(why),
                     "no output for %llds (stall_timeout); it was stopped",
                     (long long)(t->stall_ms / 1000));
            return (int)fail(t, RD_FETCH_STALLED, why, err);
        }
        r = poll(p, (nfds_t)np, TICK_MS);
        if (r < 0 && errno != EINTR)
            return (int)fail(t, RD_INTERNAL, strerror(errno), err);
        if (r <= 0)
            continue;
        if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            (void)drain_err(t);
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (ioctl(t->out, FIONREAD, &avail) == 0 && avail > 0)
            return 0;
        if (p[0].revents & (POLLHUP | POLLERR)) {
            /* The end before any byte: judge the exit now. */
            close(t->out);
            t->out = -1;
            return finish(t, err) < 0 ? -1 : 0;
        }
    }
    return 0;
}

static void
tool_free(struct stream *s)
{
    struct tool_stream *t = (struct tool_stream *)s;

    kill_child(t);
    if (t->out >= 0)
        close(t->out);
    if (t->err >= 0)
        close(t->err);
    free(t);
}

/* Spawn the child with stdout and stderr into pipes (read ends in ${t}). */
static int
spawn(const struct toolproc_spec *spec, struct tool_stream *t,
      struct rd_err *err)
{
    struct proc_spec ps;
    struct proc_env env;
    int op[2] = {-1, -1}, ep[2] = {-1, -1}, rc = -1;

    if (build_env(spec, &env) != 0) {
        proc_env_release(&env);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
        rd_err_set(err, RD_INTERNAL, "cannot create a pipe: %s",
                   strerror(errno));
        goto out;
    }
    memset(&ps, 0, sizeof(ps));
    ps.argv = spec->argv;
    ps.env = (const char *const *)env.v;
    ps.stdin_fd = -1;
    ps.stdout_fd = op[1];
    ps.stderr_fd = ep[1];
    ps.death_signal = SIGKILL;
    if (proc_spawn(&ps, &t->pid, err) != 0) {
        if (err->code == RD_TOOL_MISSING)
            rd_err_set(
                err, RD_TOOL_MISSING,
                "cannot run '%s' to %s: not installed or not on PATH\nHINT: install %s, or set PATH for restoredrill (cron and systemd have a short one)",
                spec->argv[0], spec->what, spec->tool);
        t->pid = 0;
        goto out;
    }
    t->out = op[0];
    t->err = ep[0];
    op[0] = ep[0] = -1;
    (void)fcntl(t->err, F_SETFL, O_NONBLOCK);
    rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (op[i] >= 0)
            close(op[i]);
        if (ep[i] >= 0)
            close(ep[i]);
    }
    proc_env_release(&env);
    return rc;
}

struct stream *
toolproc_open(const struct toolproc_spec *spec, const char *name,
              struct rd_err *err)
{
    struct tool_stream *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    t->s.read = tool_read;
    t->s.free = tool_free;
    t->s.name = name;
    t->out = t->err = -1;
    t->stall_ms =
        (spec->stall_timeout_s > 0 ? spec->stall_timeout_s : 60) * 1000;
    t->tail_out = spec->tail;
    if (t->tail_out != NULL)
        t->tail_out[0] = '\0';
    snprintf(t->tool, sizeof(t->tool), "%s", spec->tool);
    snprintf(t->what, sizeof(t->what), "%s", spec->what);
    if (spawn(spec, t, err) != 0) {
        free(t);
        return NULL;
    }
    return &t->s;
}

int
toolproc_capture(const struct toolproc_spec *spec, size_t max, char **out,
                 size_t *len, struct rd_err *err)
{
    struct stream *s = toolproc_open(spec, spec->tool, err);
    size_t cap = 65536, n = 0;
    char *buf = NULL;
    ssize_t r;

    *out = NULL;
    *len = 0;
    if (s == NULL)
        return -1;
    if ((buf = malloc(cap + 1)) == NULL) {
        stream_free(s);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    while ((r = stream_read(s, buf + n, cap - n, err)) > 0) {
        n += (size_t)r;
        if (n > max) {
            stream_free(s);
            free(buf);
            return rd_err_set(
                err, RD_LISTING_INVALID,
                "%s: cannot %s: its output is larger than %zu bytes",
                spec->tool, spec->what, max);
        }
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);

            if (nb == NULL) {
                stream_free(s);
                free(buf);
                return rd_err_set(err, RD_INTERNAL, "out of memory");
            }
            buf = nb;
            cap *= 2;
        }
    }
    stream_free(s);
    if (r < 0) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}
