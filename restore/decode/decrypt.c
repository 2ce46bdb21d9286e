/* decrypt: decrypt_command as a stream layer.
 *
 * One thread: read() polls the command's stdout, its stderr and (while
 * input is pending) its stdin, and refills the input from below when it
 * ran dry, so neither side can block the other for long: a full stdout
 * pipe is drained before more input is pushed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/proc.h"
#include "verifier/util/sig.h"

#include "restore/decode/decrypt.h"

#define IN_BYTES 65536

extern char **environ;

struct dec {
    struct stream s;
    char *argv0; /* (owned) for messages */
    pid_t pid;   /* 0: reaped */
    int status;
    int in_fd, out_fd, err_fd; /* -1: closed */
    unsigned char in[IN_BYTES];
    size_t in_off, in_len;
    bool below_end;
    char tail[DECRYPT_TAIL_BYTES + 1]; /* ring: the last bytes of stderr */
    size_t tail_len;
    char *tail_out; /* (borrowed) or NULL */
    bool failed;
};

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Keep the last DECRYPT_TAIL_BYTES of stderr. */
static void
tail_add(struct dec *d, const char *p, size_t n)
{
    if (n >= DECRYPT_TAIL_BYTES) {
        memcpy(d->tail, p + n - DECRYPT_TAIL_BYTES, DECRYPT_TAIL_BYTES);
        d->tail_len = DECRYPT_TAIL_BYTES;
    } else {
        size_t keep = d->tail_len + n > DECRYPT_TAIL_BYTES
                          ? DECRYPT_TAIL_BYTES - n
                          : d->tail_len;

        memmove(d->tail, d->tail + d->tail_len - keep, keep);
        memcpy(d->tail + keep, p, n);
        d->tail_len = keep + n;
    }
    d->tail[d->tail_len] = '\0';
}

static void
tail_publish(struct dec *d)
{
    if (d->tail_out != NULL) {
        size_t n = d->tail_len;

        while (n > 0 && (d->tail[n - 1] == '\n' || d->tail[n - 1] == '\r'))
            n--;
        memcpy(d->tail_out, d->tail, n);
        d->tail_out[n] = '\0';
    }
}

/* The last non-empty stderr line, for a message. */
static void
last_line(struct dec *d, char *buf, size_t cap)
{
    size_t end = d->tail_len, start;

    while (end > 0 && (d->tail[end - 1] == '\n' || d->tail[end - 1] == '\r'))
        end--;
    start = end;
    while (start > 0 && d->tail[start - 1] != '\n')
        start--;
    snprintf(buf, cap, "%.*s", (int)(end - start), d->tail + start);
    for (char *p = buf; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20)
            *p = '?';
}

/* Read what is left of the command's stderr until it closes it, for at
 * most 5 s (a helper it left behind may hold it open; a second signal cuts
 * it short).  err_fd is non-blocking. */
static void
drain_err(struct dec *d)
{
    char b[4096];
    ssize_t n;

    for (int waits = 0; d->err_fd >= 0;) {
        n = read(d->err_fd, b, sizeof(b));
        if (n > 0)
            tail_add(d, b, (size_t)n);
        else if (n < 0 && errno == EINTR)
            continue;
        else if (n < 0 && errno == EAGAIN && waits++ < 50 && !sig_hurry()) {
            struct pollfd p = {d->err_fd, POLLIN, 0};

            (void)poll(&p, 1, 100);
        } else
            close_fd(&d->err_fd);
    }
}

/* Stop the command if it runs and reap it. */
static void
stop(struct dec *d)
{
    close_fd(&d->in_fd);
    close_fd(&d->out_fd);
    if (d->pid > 0) {
        int st = proc_stop(d->pid, SIGTERM, 5);

        d->status = st >= 0 ? st : d->status;
        d->pid = 0;
    }
}

/* After a failure (in ${err} already): stop the command, keep its tail. */
static ssize_t
fail_with(struct dec *d, struct rd_err *err)
{
    (void)err;
    d->failed = true;
    stop(d);
    drain_err(d);
    tail_publish(d);
    return -1;
}

/* stdout ended: wait for the exit and judge it.  0 or -1. */
static ssize_t
finish(struct dec *d, struct rd_err *err)
{
    char line[300], how[64];
    int st = 0;

    close_fd(&d->in_fd);
    /* The command may stop before the end of its input: the rest is still
       read, so the hash, size and sidecar checks below see every byte. */
    if (!d->below_end) {
        if (stream_drain(d->s.below, err) != 0)
            return fail_with(d, err);
        d->below_end = true;
    }
    drain_err(d); /* the command closes stderr when it exits */
    for (int i = 0; d->pid > 0 && i < 100; i++) {
        if (proc_exited(d->pid, &st)) {
            d->status = st;
            d->pid = 0;
            break;
        }
        struct timespec t = {0, 50 * 1000000};

        nanosleep(&t, NULL);
    }
    stop(d); /* still running 5 s after closing its stdout */
    tail_publish(d);
    if (WIFEXITED(d->status) && WEXITSTATUS(d->status) == 0)
        return 0;
    last_line(d, line, sizeof(line));
    rd_err_set(
        err, RD_DECRYPT_FAILED,
        "decrypt_command '%s' failed on archive '%s' (%s)%s%s\nHINT: check the key it is given and that the archive was encrypted for it; its stderr is in archive.decrypt_stderr_tail",
        d->argv0, d->s.name, proc_describe(d->status, how, sizeof(how)),
        line[0] != '\0' ? ": " : "", line);
    d->failed = true;
    return -1;
}

/* Refill the input from below; 0 or -1 with below's error. */
static int
refill(struct dec *d, struct rd_err *err)
{
    ssize_t n = stream_read(d->s.below, d->in, sizeof(d->in), err);

    if (n < 0)
        return -1;
    d->in_off = 0;
    d->in_len = (size_t)n;
    if (n == 0) {
        d->below_end = true;
        close_fd(&d->in_fd); /* EOF for the command */
    }
    return 0;
}

/* Push pending input; EPIPE: the command stopped reading (it is judged by
 * its exit; what it did not read is still hashed below). */
static int
push(struct dec *d, struct rd_err *err)
{
    ssize_t n = write(d->in_fd, d->in + d->in_off, d->in_len);

    if (n > 0) {
        d->in_off += (size_t)n;
        d->in_len -= (size_t)n;
    } else if (n < 0 && errno == EPIPE) {
        close_fd(&d->in_fd);
        d->in_len = 0;
        if (stream_drain(d->s.below, err) != 0)
            return -1;
        d->below_end = true;
    }
    return 0;
}

static ssize_t
dec_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct dec *d = (struct dec *)s;

    if (d->failed)
        return rd_err_set(err, RD_INTERNAL, "read after a failure");
    for (;;) {
        struct pollfd p[3];
        int np = 0, io = -1, ie = -1;

        if (d->out_fd < 0)
            return finish(d, err);
        if (d->in_fd >= 0 && d->in_len == 0 && !d->below_end &&
            refill(d, err) != 0)
            return fail_with(d, err);
        p[np] = (struct pollfd){d->out_fd, POLLIN, 0};
        np++;
        if (d->err_fd >= 0) {
            ie = np;
            p[np++] = (struct pollfd){d->err_fd, POLLIN, 0};
        }
        if (d->in_fd >= 0 && d->in_len > 0) {
            io = np;
            p[np++] = (struct pollfd){d->in_fd, POLLOUT, 0};
        }
        if (poll(p, (nfds_t)np, 200) < 0 && errno != EINTR) {
            rd_err_set(err, RD_INTERNAL, "poll: %s", strerror(errno));
            return fail_with(d, err);
        }
        if (sig_pending() != 0) {
            rd_err_set(err, RD_INTERRUPTED, "decrypting '%s' interrupted by %s",
                       d->s.name, sig_name(sig_pending()));
            return fail_with(d, err);
        }
        if (ie >= 0 && p[ie].revents != 0) {
            char b[4096];
            ssize_t n = read(d->err_fd, b, sizeof(b));

            if (n > 0)
                tail_add(d, b, (size_t)n);
            else if (n == 0 || errno != EINTR)
                close_fd(&d->err_fd);
        }
        if (io >= 0 && p[io].revents != 0 && push(d, err) != 0)
            return fail_with(d, err);
        if (p[0].revents != 0) {
            ssize_t n = read(d->out_fd, buf, cap);

            if (n > 0)
                return n;
            if (n == 0 || errno != EINTR)
                close_fd(&d->out_fd);
        }
    }
}

static void
dec_free(struct stream *s)
{
    struct dec *d = (struct dec *)s;

    stop(d);
    close_fd(&d->err_fd);
    stream_free(d->s.below);
    free(d->argv0);
    free(d);
}

/* The command's environment: only what a decryptor uses (no source or
 * database credentials: RESTIC_PASSWORD, AWS_*, PGPASSWORD ...), a malloc'd
 * array of borrowed strings; NULL when out of memory. */
static const char **
child_env(void)
{
    static const char *const keep[] = {"PATH=",
                                       "HOME=",
                                       "USER=",
                                       "LOGNAME=",
                                       "LANG=",
                                       "LC_",
                                       "TZ=",
                                       "TMPDIR=",
                                       "GNUPGHOME=",
                                       "GPG_AGENT_INFO=",
                                       "AGE_",
                                       "SOPS_AGE",
                                       "XDG_RUNTIME_DIR=",
                                       NULL};
    size_t n = 0, k = 0;
    const char **v;

    while (environ[n] != NULL)
        n++;
    if ((v = calloc(n + 1, sizeof(*v))) == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; keep[j] != NULL; j++)
            if (strncmp(environ[i], keep[j], strlen(keep[j])) == 0) {
                v[k++] = environ[i];
                break;
            }
    return v;
}

struct stream *
stream_decrypt_new(struct stream *below, const char *const *argv,
                   const char *name, char *tail, struct rd_err *err)
{
    struct dec *d = calloc(1, sizeof(*d));
    int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
    struct proc_spec spec;
    const char **env = child_env();

    if (tail != NULL)
        tail[0] = '\0';
    if (d == NULL || env == NULL || (d->argv0 = strdup(argv[0])) == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        goto fail;
    }
    d->in_fd = d->out_fd = d->err_fd = -1;
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
        pipe2(er, O_CLOEXEC) != 0) {
        rd_err_set(err, RD_INTERNAL, "cannot create a pipe: %s",
                   strerror(errno));
        goto fail;
    }
    memset(&spec, 0, sizeof(spec));
    spec.argv = argv;
    spec.env = env;
    spec.stdin_fd = in[0];
    spec.stdout_fd = out[1];
    spec.stderr_fd = er[1];
    if (proc_spawn(&spec, &d->pid, err) != 0) {
        d->pid = 0;
        goto fail;
    }
    close(in[0]);
    close(out[1]);
    close(er[1]);
    d->in_fd = in[1];
    d->out_fd = out[0];
    d->err_fd = er[0];
    /* the command's exit is judged at the end of stdout; writes must not
       block the poll loop */
    fcntl(d->in_fd, F_SETFL, O_NONBLOCK);
    fcntl(d->err_fd, F_SETFL, O_NONBLOCK);
    free(env);
    d->s.read = dec_read;
    d->s.free = dec_free;
    d->s.below = below;
    d->s.name = name != NULL ? name : below->name;
    d->tail_out = tail;
    return &d->s;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (er[i] >= 0)
            close(er[i]);
    }
    free(env);
    if (d != NULL)
        free(d->argv0);
    free(d);
    stream_free(below);
    return NULL;
}
