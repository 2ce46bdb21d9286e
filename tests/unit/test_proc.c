/* test_proc: running programs by argv, with captured output and timeouts. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/proc.h"
#include "verifier/util/sig.h"

Suite *proc_suite(void);

static const char *const env_path[] = {"PATH=/usr/bin:/bin", NULL};

/* stderr lines as on_line delivers them. */
struct lines {
    int n;
    char *v[64];
};

static void
on_line(void *ctx, const char *line)
{
    struct lines *l = ctx;

    ck_assert_int_lt(l->n, 64);
    l->v[l->n] = strdup(line);
    ck_assert_ptr_nonnull(l->v[l->n]);
    l->n++;
}

static void
lines_free(struct lines *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

/* A spec with everything at its default: /dev/null in, stderr to ${l}. */
static struct proc_spec
spec_for(const char *const *argv, struct lines *l, size_t out_cap)
{
    struct proc_spec s = {0};

    s.argv = argv;
    s.env = env_path;
    s.stdin_fd = -1;
    s.stdout_fd = -1;
    s.stderr_fd = -1;
    s.on_line = l != NULL ? on_line : NULL;
    s.line_ctx = l;
    s.out_cap = out_cap;
    return s;
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_exit_status_and_streams)
{
    const char *const argv[] = {"/bin/sh", "-c",
                                "echo out; echo err >&2; exit 3", NULL};
    struct lines l = {0};
    struct proc_spec s = spec_for(argv, &l, 256);
    struct proc_result res;
    struct rd_err err = {0};
    char buf[64];

    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert(WIFEXITED(res.status));
    ck_assert_int_eq(WEXITSTATUS(res.status), 3);
    ck_assert_str_eq(proc_describe(res.status, buf, sizeof(buf)),
                     "exit code 3");
    ck_assert(!res.timed_out);
    ck_assert_str_eq(res.out, "out\n");
    ck_assert_uint_eq(res.out_len, 4);
    ck_assert(!res.out_overflow);
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.v[0], "err");
    ck_assert_int_eq(err.code, RD_OK);
    proc_result_release(&res);
    ck_assert_ptr_null(res.out);
    proc_result_release(&res);
    proc_result_release(NULL);
    lines_free(&l);
}
END_TEST

/* Arguments reach the program as they are: no shell in between. */
START_TEST(test_argv_literal)
{
    const char *const argv[] = {
        "/usr/bin/printf", "[%s]", "a;b",  "$(id)", "`id`", "x y", "*", "'q'",
        "\"d\"",           "",     "a\nb", NULL};
    struct proc_spec s = spec_for(argv, NULL, 1024);
    struct proc_result res;
    struct rd_err err = {0};

    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(res.out, "[a;b][$(id)][`id`][x y][*]['q'][\"d\"][][a\nb]");
    proc_result_release(&res);
}
END_TEST

START_TEST(test_stderr_lines)
{
    const char *const argv[] = {
        "/bin/sh", "-c", "printf 'l1\\nl2\\n\\nwith\\ttab\\nlast' >&2", NULL};
    struct lines l = {0};
    struct proc_spec s = spec_for(argv, &l, 0);
    struct proc_result res;
    struct rd_err err = {0};

    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_ptr_null(res.out);
    /* The unterminated last line is delivered too. */
    ck_assert_int_eq(l.n, 5);
    ck_assert_str_eq(l.v[0], "l1");
    ck_assert_str_eq(l.v[1], "l2");
    ck_assert_str_eq(l.v[2], "");
    ck_assert_str_eq(l.v[3], "with\ttab");
    ck_assert_str_eq(l.v[4], "last");
    proc_result_release(&res);
    lines_free(&l);
}
END_TEST

START_TEST(test_stderr_many_lines)
{
    /* More than one pipe buffer, lines split across reads. */
    const char *const argv[] = {
        "/bin/sh", "-c",
        "i=0; while [ $i -lt 40 ]; do printf '%04d%01000d\\n' $i 0; "
        "i=$((i+1)); done >&2",
        NULL};
    struct lines l = {0};
    struct proc_spec s = spec_for(argv, &l, 0);
    struct proc_result res;
    struct rd_err err = {0};
    char want[8];

    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_int_eq(l.n, 40);
    for (int i = 0; i < 40; i++) {
        snprintf(want, sizeof(want), "%04d", i);
        ck_assert_uint_eq(strlen(l.v[i]), 1004);
        ck_assert_int_eq(strncmp(l.v[i], want, 4), 0);
    }
    proc_result_release(&res);
    lines_free(&l);
}
END_TEST

/* proc.h: on_line is "called once per line"; an overlong line is cut. */
START_TEST(test_stderr_overlong_line)
{
    const char *const argv[] = {"/bin/sh", "-c",
                                "printf '%05000d\\nnext\\n' 0 >&2", NULL};
    struct lines l = {0};
    struct proc_spec s = spec_for(argv, &l, 0);
    struct proc_result res;
    struct rd_err err = {0};

    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_int_ge(l.n, 2);
    ck_assert_uint_eq(strlen(l.v[0]), 4096);
    ck_assert_msg(l.n == 2,
                  "a 5000-byte line was delivered as %d lines "
                  "(the second has %zu bytes)",
                  l.n - 1, strlen(l.v[1]));
    ck_assert_str_eq(l.v[1], "next");
    proc_result_release(&res);
    lines_free(&l);
}
END_TEST

START_TEST(test_stdout_capture)
{
    const char *const argv[] = {
        "/bin/sh", "-c", "printf 0123456789abcdefghij; echo end >&2", NULL};
    struct lines l = {0};
    struct proc_spec s = spec_for(argv, &l, 10);
    struct proc_result res;
    struct rd_err err = {0};

    /* More than out_cap: the first out_cap bytes and the overflow flag. */
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0); /* the child was not cut off */
    ck_assert_uint_eq(res.out_len, 10);
    ck_assert_str_eq(res.out, "0123456789");
    ck_assert(res.out_overflow);
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.v[0], "end");
    proc_result_release(&res);
    lines_free(&l);

    /* Exactly out_cap: no overflow. */
    s.out_cap = 20;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_uint_eq(res.out_len, 20);
    ck_assert_str_eq(res.out, "0123456789abcdefghij");
    ck_assert(!res.out_overflow);
    proc_result_release(&res);
    lines_free(&l);
}
END_TEST

START_TEST(test_stdout_capture_large)
{
    /* 1 MiB through a small cap: the child is drained, not blocked. */
    const char *const argv[] = {"/bin/sh", "-c",
                                "head -c 1048576 /dev/zero | tr '\\0' x", NULL};
    struct proc_spec s = spec_for(argv, NULL, 100000);
    struct proc_result res;
    struct rd_err err = {0};

    s.timeout_s = 20;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert(!res.timed_out);
    ck_assert_int_eq(res.status, 0);
    ck_assert_uint_eq(res.out_len, 100000);
    ck_assert_uint_eq(strlen(res.out), 100000);
    ck_assert_uint_eq(strspn(res.out, "x"), 100000);
    ck_assert(res.out_overflow);
    proc_result_release(&res);
}
END_TEST

START_TEST(test_stdout_to_fd)
{
    char path[] = "/tmp/rd-proc-out.XXXXXX", buf[64];
    const char *const argv[] = {"/bin/sh", "-c", "echo to-file", NULL};
    struct proc_spec s = spec_for(argv, NULL, 0);
    struct proc_result res;
    struct rd_err err = {0};
    int fd = mkstemp(path);
    ssize_t n;

    ck_assert_int_ge(fd, 0);
    s.stdout_fd = fd;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_ptr_null(res.out);
    n = pread(fd, buf, sizeof(buf) - 1, 0);
    ck_assert_int_eq(n, 8);
    buf[n] = '\0';
    ck_assert_str_eq(buf, "to-file\n");
    close(fd);
    unlink(path);
    proc_result_release(&res);
}
END_TEST

START_TEST(test_stdin_and_cwd)
{
    const char *const cat[] = {"/bin/cat", NULL};
    const char *const pwd[] = {"/bin/sh", "-c", "pwd", NULL};
    struct proc_spec s = spec_for(cat, NULL, 64);
    struct proc_result res;
    struct rd_err err = {0};
    char path[] = "/tmp/rd-proc-in.XXXXXX";
    int fd;

    /* stdin is /dev/null: cat ends at once. */
    s.timeout_s = 10;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert(!res.timed_out);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(res.out, "");
    proc_result_release(&res);

    /* stdin from a file. */
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "fed\n", 4), 4);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    s.stdin_fd = fd;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_str_eq(res.out, "fed\n");
    proc_result_release(&res);
    close(fd);
    unlink(path);

    /* cwd NULL is "/"; else the given directory. */
    s = spec_for(pwd, NULL, 256);
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_str_eq(res.out, "/\n");
    proc_result_release(&res);
    s.cwd = "/usr";
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_str_eq(res.out, "/usr\n");
    proc_result_release(&res);
}
END_TEST

/* The child sees fds 0-2 only (no pipe or file of ours leaks). */
START_TEST(test_no_fd_leak)
{
    /* test -e is a builtin: the shell opens nothing while it looks. */
    const char *const argv[] = {
        "/bin/sh", "-c",
        "i=0; while [ $i -lt 256 ]; do [ -e /proc/$$/fd/$i ] && echo $i; "
        "i=$((i+1)); done; true",
        NULL};
    struct proc_spec s = spec_for(argv, NULL, 256);
    struct proc_result res;
    struct rd_err err = {0};
    int extra = open("/dev/null", O_RDONLY); /* not close-on-exec */

    ck_assert_int_ge(extra, 3);
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(res.out, "0\n1\n2\n");
    proc_result_release(&res);
    close(extra);
}
END_TEST

START_TEST(test_env_exact)
{
    const char *const argv[] = {"/usr/bin/env", NULL};
    const char *const env[] = {"A=1", "B=two words", NULL};
    const char *const none[] = {NULL};
    struct proc_spec s = spec_for(argv, NULL, 256);
    struct proc_result res;
    struct rd_err err = {0};

    setenv("RD_TEST_LEAK", "leaked", 1);
    s.env = env;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(res.out, "A=1\nB=two words\n");
    proc_result_release(&res);

    s.env = none;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(res.out, "");
    proc_result_release(&res);
    unsetenv("RD_TEST_LEAK");
}
END_TEST

START_TEST(test_env_built)
{
    const char *const argv[] = {"/usr/bin/env", NULL};
    struct proc_env e;
    struct proc_spec s = spec_for(argv, NULL, 256);
    struct proc_result res;
    struct rd_err err = {0};

    proc_env_init(&e);
    ck_assert_int_eq(proc_env_set(&e, "PGHOST", "/run/postgresql"), 0);
    ck_assert_int_eq(proc_env_set(&e, "LC_ALL", "C"), 0);
    ck_assert_int_eq(proc_env_set(&e, "PGHOST", "/tmp"), 0);
    s.env = (const char *const *)e.v;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_str_eq(res.out, "PGHOST=/tmp\nLC_ALL=C\n");
    proc_result_release(&res);
    proc_env_release(&e);
}
END_TEST

/* The child leads its own process group. */
START_TEST(test_process_group)
{
    const char *const argv[] = {"/bin/sh", "-c",
                                "echo $$ $(cut -d' ' -f5 /proc/$$/stat)", NULL};
    struct proc_spec s = spec_for(argv, NULL, 256);
    struct proc_result res;
    struct rd_err err = {0};
    long pid = 0, pgrp = 0;

    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_int_eq(sscanf(res.out, "%ld %ld", &pid, &pgrp), 2);
    ck_assert_int_gt(pid, 1);
    ck_assert_int_eq(pgrp, pid);
    ck_assert_int_ne(pgrp, (long)getpgrp());
    proc_result_release(&res);
}
END_TEST

START_TEST(test_timeout)
{
    const char *const argv[] = {"/bin/sleep", "30", NULL};
    struct lines l = {0};
    struct proc_spec s = spec_for(argv, &l, 0);
    struct proc_result res;
    struct rd_err err = {0};
    double t0 = now_s(), dt;

    s.timeout_s = 1;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    dt = now_s() - t0;
    ck_assert(res.timed_out);
    ck_assert(WIFSIGNALED(res.status));
    ck_assert_int_eq(WTERMSIG(res.status), SIGTERM);
    ck_assert_double_ge(dt, 0.9);
    ck_assert_double_lt(dt, 2.5);
    proc_result_release(&res);
}
END_TEST

/* True when process ${pid} is gone or a zombie. */
static int
is_dead(long pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p != NULL && (p[2] == 'Z' || p[2] == 'X');
}

/* A timeout stops the whole group, also what the child started. */
START_TEST(test_timeout_kills_group)
{
    const char *const argv[] = {"/bin/sh", "-c",
                                "sleep 30 & echo $!; sleep 30; wait", NULL};
    struct proc_spec s = spec_for(argv, NULL, 64);
    struct proc_result res;
    struct rd_err err = {0};
    double t0 = now_s();
    long gc = 0;
    int i;

    s.timeout_s = 1;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert(res.timed_out);
    ck_assert_double_lt(now_s() - t0, 2.5);
    ck_assert_int_eq(sscanf(res.out, "%ld", &gc), 1);
    for (i = 0; i < 100 && !is_dead(gc); i++)
        usleep(20 * 1000);
    ck_assert_msg(is_dead(gc), "grandchild %ld survived the timeout", gc);
    proc_result_release(&res);
}
END_TEST

/* A child that ignores SIGTERM is killed after the 5 s grace. */
START_TEST(test_timeout_ignores_term)
{
    const char *const argv[] = {"/bin/sh", "-c", "trap '' TERM; sleep 30",
                                NULL};
    struct proc_spec s = spec_for(argv, NULL, 0);
    struct proc_result res;
    struct rd_err err = {0};
    double t0 = now_s(), dt;

    s.timeout_s = 1;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    dt = now_s() - t0;
    ck_assert(res.timed_out);
    ck_assert(WIFSIGNALED(res.status));
    ck_assert_int_eq(WTERMSIG(res.status), SIGKILL);
    ck_assert_double_ge(dt, 5.5);
    ck_assert_double_lt(dt, 8.0);
    proc_result_release(&res);
}
END_TEST

START_TEST(test_missing_program)
{
    const char *const abs[] = {"/nonexistent/restoredrill-tool", NULL};
    const char *const rel[] = {"restoredrill-no-such-tool", "x", NULL};
    const char *notexec[] = {NULL, NULL};
    struct proc_spec s = spec_for(abs, NULL, 16);
    struct proc_result res;
    struct rd_err err = {0};

    ck_assert_int_eq(proc_run(&s, &res, &err), -1);
    ck_assert_int_eq(err.code, RD_TOOL_MISSING);
    ck_assert_str_eq(
        err.msg,
        "cannot run '/nonexistent/restoredrill-tool': No such file or directory");
    proc_result_release(&res);

    s.argv = rel;
    rd_err_clear(&err);
    ck_assert_int_eq(proc_run(&s, &res, &err), -1);
    ck_assert_int_eq(err.code, RD_TOOL_MISSING);
    ck_assert_str_eq(
        err.msg,
        "cannot run 'restoredrill-no-such-tool': No such file or directory");
    proc_result_release(&res);

    /* A file without execute permission (even root needs an x bit). */
    {
        char path[] = "/tmp/rd-proc-noexec.XXXXXX", want[128];
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "#!/bin/sh\n", 10), 10);
        close(fd);
        ck_assert_int_eq(chmod(path, 0644), 0);
        notexec[0] = path;
        s.argv = notexec;
        rd_err_clear(&err);
        ck_assert_int_eq(proc_run(&s, &res, &err), -1);
        unlink(path);
        ck_assert_int_eq(err.code, RD_TOOL_MISSING);
        snprintf(want, sizeof(want), "cannot run '%s': Permission denied",
                 path);
        ck_assert_str_eq(err.msg, want);
        proc_result_release(&res);
    }

    /* A missing working directory is reported the same way. */
    s.argv = (const char *const[]){"/bin/true", NULL};
    s.cwd = "/nonexistent-dir";
    rd_err_clear(&err);
    ck_assert_int_eq(proc_run(&s, &res, &err), -1);
    ck_assert_int_eq(err.code, RD_TOOL_MISSING);
    ck_assert_str_eq(err.msg,
                     "cannot run '/bin/true': No such file or directory");
    proc_result_release(&res);
}
END_TEST

/* A caught signal stops the child's group and the run (in a child process,
 * so the handlers do not outlive the test). */
START_TEST(test_interrupted)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *const argv[] = {"/bin/sh", "-c",
                                    "kill -TERM $PPID; exec sleep 30", NULL};
        struct proc_spec s = spec_for(argv, NULL, 0);
        struct proc_result res;
        struct rd_err err = {0};
        double t0 = now_s();
        int rc;

        sig_install();
        rc = proc_run(&s, &res, &err);
        proc_result_release(&res);
        if (rc != -1)
            _exit(10);
        if (err.code != RD_INTERRUPTED)
            _exit(11);
        if (strcmp(err.msg,
                   "'/bin/sh' stopped: restoredrill received SIGTERM") != 0)
            _exit(12);
        if (!WIFSIGNALED(res.status) || WTERMSIG(res.status) != SIGTERM)
            _exit(13);
        if (now_s() - t0 > 3)
            _exit(14);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "interrupted run check failed with status %d", st);
}
END_TEST

/* outlive_signal: a caught signal does not stop the child (an alert hook of
 * an interrupted run); it runs to its own exit. */
START_TEST(test_outlive_signal)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *const argv[] = {
            "/bin/sh", "-c", "kill -TERM $PPID; sleep 0.3; exit 7", NULL};
        struct proc_spec s = spec_for(argv, NULL, 0);
        struct proc_result res;
        struct rd_err err = {0};
        int rc;

        sig_install();
        s.outlive_signal = true;
        rc = proc_run(&s, &res, &err);
        proc_result_release(&res);
        if (rc != 0)
            _exit(10);
        if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 7)
            _exit(11);
        if (sig_pending() != SIGTERM)
            _exit(12);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "outlive_signal check failed with status %d", st);
}
END_TEST

/*
 * Two signals: proc_run() stops a child that ignores SIGTERM at once with
 * SIGKILL instead of waiting out the 5 s grace; the first signal is the one
 * remembered (in a child process, so the handlers do not outlive the test).
 */
START_TEST(test_second_signal_hurries)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *const argv[] = {
            "/bin/sh", "-c",
            "trap '' TERM; kill -INT $PPID; sleep 0.3; kill -TERM $PPID; "
            "sleep 30",
            NULL};
        struct proc_spec s = spec_for(argv, NULL, 0);
        struct proc_result res;
        struct rd_err err = {0};
        double t0 = now_s();
        int rc;

        sig_install();
        rc = proc_run(&s, &res, &err);
        proc_result_release(&res);
        if (rc != -1 || err.code != RD_INTERRUPTED)
            _exit(10);
        if (!WIFSIGNALED(res.status) || WTERMSIG(res.status) != SIGKILL)
            _exit(11);
        if (now_s() - t0 > 2.5)
            _exit(12); /* waited out the grace: the second signal was lost */
        if (sig_pending() != SIGINT || !sig_hurry() || sig_count() != 2)
            _exit(13);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "second-signal check failed with status %d", st);
}
END_TEST

/* One signal: the stubborn child gets its whole grace (then SIGKILL). */
START_TEST(test_one_signal_grace)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        const char *const argv[] = {"/bin/sh", "-c", "trap '' TERM; sleep 30",
                                    NULL};
        struct proc_spec s = spec_for(argv, NULL, 0);
        struct rd_err err = {0};
        pid_t child;
        double t0;

        sig_install();
        if (proc_spawn(&s, &child, &err) != 0)
            _exit(10);
        usleep(200 * 1000);
        raise(SIGTERM);
        t0 = now_s();
        st = proc_stop(child, SIGTERM, 1);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
            _exit(11);
        if (now_s() - t0 < 0.9 || sig_hurry())
            _exit(12);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "one-signal grace check failed with status %d", st);
}
END_TEST

/* A third signal ends the process at once with 128 + the first's number. */
START_TEST(test_third_signal_exits)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sig_install();
        raise(SIGTERM);
        raise(SIGINT);
        if (sig_pending() != SIGTERM || !sig_hurry())
            _exit(10);
        raise(SIGINT);
        _exit(11); /* not reached */
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 128 + SIGTERM);
}
END_TEST

/* reap_group: what the child left running in its group dies with it. */
START_TEST(test_reap_group)
{
    const char *const argv[] = {
        "/bin/sh", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $!", NULL};
    struct proc_spec s = spec_for(argv, NULL, 64);
    struct proc_result res;
    struct rd_err err = {0};
    long gc = 0;
    int i;

    s.reap_group = true;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0);
    ck_assert_int_eq(sscanf(res.out, "%ld", &gc), 1);
    for (i = 0; i < 100 && !is_dead(gc); i++)
        usleep(20 * 1000);
    ck_assert_msg(is_dead(gc), "background child %ld survived", gc);
    proc_result_release(&res);
}
END_TEST

/*
 * Run as PID 1 (restoredrill as a container's entrypoint), children must
 * still run.  Needs CAP_SYS_ADMIN for a PID namespace; skipped without.
 */
START_TEST(test_run_as_pid1)
{
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        pid_t c;

        if (unshare(CLONE_NEWPID) != 0)
            _exit(77);
        c = fork();
        if (c < 0)
            _exit(30);
        if (c == 0) {
            const char *const argv[] = {"/bin/sh", "-c", "echo hi", NULL};
            struct proc_spec s = spec_for(argv, NULL, 64);
            struct proc_result res;
            struct rd_err err = {0};
            int rc;

            if (getpid() != 1)
                _exit(31);
            rc = proc_run(&s, &res, &err);
            if (rc != 0)
                _exit(32);
            if (!WIFEXITED(res.status))
                _exit(33);
            if (WEXITSTATUS(res.status) != 0)
                _exit(WEXITSTATUS(res.status) == 126 ? 34 : 35);
            if (res.out == NULL || strcmp(res.out, "hi\n") != 0)
                _exit(36);
            proc_result_release(&res);
            _exit(0);
        }
        if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
            _exit(37);
        _exit(WEXITSTATUS(st));
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77) {
        fprintf(stderr, "test_run_as_pid1: skipped (no PID namespace)\n");
        return;
    }
    ck_assert_msg(WEXITSTATUS(st) != 34,
                  "as PID 1, the child exited 126 without running");
    ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

START_TEST(test_spawn_stop)
{
    const char *const argv[] = {"/bin/sleep", "30", NULL};
    const char *const stubborn[] = {"/bin/sh", "-c", "trap '' TERM; sleep 30",
                                    NULL};
    struct proc_spec s = spec_for(argv, NULL, 0);
    struct rd_err err = {0};
    pid_t pid;
    int st = -1;
    double t0;

    ck_assert_int_eq(proc_spawn(&s, &pid, &err), 0);
    ck_assert_int_gt(pid, 0);
    ck_assert(!proc_exited(pid, &st));
    ck_assert_int_eq(getpgid(pid), pid);
    st = proc_stop(pid, SIGTERM, 5);
    ck_assert(WIFSIGNALED(st));
    ck_assert_int_eq(WTERMSIG(st), SIGTERM);

    /* SIGKILL after the grace period. */
    s.argv = stubborn;
    ck_assert_int_eq(proc_spawn(&s, &pid, &err), 0);
    usleep(200 * 1000); /* let the shell set its trap */
    t0 = now_s();
    st = proc_stop(pid, SIGTERM, 1);
    ck_assert(WIFSIGNALED(st));
    ck_assert_int_eq(WTERMSIG(st), SIGKILL);
    ck_assert_double_lt(now_s() - t0, 3.0);

    /* A child that exits on its own. */
    s.argv = (const char *const[]){"/bin/sh", "-c", "exit 7", NULL};
    ck_assert_int_eq(proc_spawn(&s, &pid, &err), 0);
    for (int i = 0; i < 250 && !proc_exited(pid, &st); i++)
        usleep(20 * 1000);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), 7);

    ck_assert_int_eq(proc_stop(0, SIGTERM, 1), -1);
    {
        pid_t bad;

        s.argv = (const char *const[]){"/nonexistent/x", NULL};
        ck_assert_int_eq(proc_spawn(&s, &bad, &err), -1);
        ck_assert_int_eq(err.code, RD_TOOL_MISSING);
    }
    /* proc.h: -1 when the pid is already gone (here: reaped above). */
    ck_assert_int_eq(proc_stop(pid, SIGTERM, 1), -1);
}
END_TEST

START_TEST(test_describe)
{
    char buf[64];

    ck_assert_str_eq(proc_describe(0, buf, sizeof(buf)), "exit code 0");
    ck_assert_str_eq(proc_describe(1 << 8, buf, sizeof(buf)), "exit code 1");
    ck_assert_str_eq(proc_describe(255 << 8, buf, sizeof(buf)),
                     "exit code 255");
    /* The raw wait status of a child killed by signal N is N. */
    ck_assert_str_eq(proc_describe(SIGKILL, buf, sizeof(buf)),
                     "killed by SIGKILL");
    ck_assert_str_eq(proc_describe(SIGTERM, buf, sizeof(buf)),
                     "killed by SIGTERM");
}
END_TEST

START_TEST(test_env_set)
{
    struct proc_env e;
    char name[16];

    proc_env_init(&e);
    ck_assert_int_eq(e.n, 0);
    ck_assert_ptr_null(e.v[0]);
    ck_assert_int_eq(proc_env_set(&e, "A", "1"), 0);
    ck_assert_int_eq(proc_env_set(&e, "AB", "2"), 0);
    ck_assert_int_eq(proc_env_set(&e, "B", ""), 0);
    /* Replace, matching the whole name only. */
    ck_assert_int_eq(proc_env_set(&e, "A", "3"), 0);
    ck_assert_int_eq(e.n, 3);
    ck_assert_str_eq(e.v[0], "A=3");
    ck_assert_str_eq(e.v[1], "AB=2");
    ck_assert_str_eq(e.v[2], "B=");
    ck_assert_ptr_null(e.v[3]);
    ck_assert_int_eq(proc_env_set(&e, "AB", "x=y"), 0);
    ck_assert_str_eq(e.v[1], "AB=x=y");

    /* Fill it up. */
    for (int i = e.n; i < PROC_ENV_MAX; i++) {
        snprintf(name, sizeof(name), "V%d", i);
        ck_assert_int_eq(proc_env_set(&e, name, "v"), 0);
    }
    ck_assert_int_eq(e.n, PROC_ENV_MAX);
    ck_assert_ptr_null(e.v[PROC_ENV_MAX]);
    ck_assert_int_eq(proc_env_set(&e, "ONE_MORE", "x"), -1);
    ck_assert_int_eq(e.n, PROC_ENV_MAX);
    ck_assert_ptr_null(e.v[PROC_ENV_MAX]);
    /* Replacing still works when full. */
    ck_assert_int_eq(proc_env_set(&e, "B", "full"), 0);
    ck_assert_str_eq(e.v[2], "B=full");
    proc_env_release(&e);
    ck_assert_int_eq(e.n, 0);
    ck_assert_ptr_null(e.v[0]);
    proc_env_release(&e);
    proc_env_release(NULL);
}
END_TEST

START_TEST(test_ident)
{
    struct proc_ident id;
    struct rd_err err = {0};

    if (geteuid() != 0) {
        /* Not root: children run as we do, whatever run_as says. */
        ck_assert_int_eq(proc_ident_resolve("postgres", &id, &err), 0);
        ck_assert(!id.drop);
        ck_assert_int_eq(id.uid, geteuid());
        return;
    }
    ck_assert_int_eq(proc_ident_resolve("root", &id, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_str_eq(
        err.msg,
        "run_as user 'root' is root: restores never run as an OS superuser");
    ck_assert_int_eq(proc_ident_resolve("no-such-user-rd", &id, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_int_eq(
        strncmp(err.msg, "run_as user 'no-such-user-rd' does not exist\n", 45),
        0);
    ck_assert_int_eq(proc_ident_resolve("nobody", &id, &err), 0);
    ck_assert(id.drop);
    ck_assert_int_eq(id.uid, 65534);
    ck_assert_str_eq(id.name, "nobody");
}
END_TEST

/* As root, a child with drop_privs runs as that uid/gid, without groups. */
START_TEST(test_drop_privs)
{
    const char *const argv[] = {"/bin/sh", "-c", "id -u; id -g; id -G", NULL};
    struct proc_spec s = spec_for(argv, NULL, 256);
    struct proc_result res;
    struct rd_err err = {0};

    if (geteuid() != 0)
        return;
    s.drop_privs = true;
    s.uid = 65534;
    s.gid = 65534;
    ck_assert_int_eq(proc_run(&s, &res, &err), 0);
    ck_assert_int_eq(res.status, 0);
    ck_assert_str_eq(res.out, "65534\n65534\n65534\n");
    proc_result_release(&res);
}
END_TEST

Suite *
proc_suite(void)
{
    Suite *s = suite_create("proc");
    TCase *tr = tcase_create("run");
    TCase *tt = tcase_create("timeout");
    TCase *tm = tcase_create("misc");

    tcase_set_timeout(tr, 30);
    tcase_add_test(tr, test_exit_status_and_streams);
    tcase_add_test(tr, test_argv_literal);
    tcase_add_test(tr, test_stderr_lines);
    tcase_add_test(tr, test_stderr_many_lines);
    tcase_add_test(tr, test_stderr_overlong_line);
    tcase_add_test(tr, test_stdout_capture);
    tcase_add_test(tr, test_stdout_capture_large);
    tcase_add_test(tr, test_stdout_to_fd);
    tcase_add_test(tr, test_stdin_and_cwd);
    tcase_add_test(tr, test_no_fd_leak);
    tcase_add_test(tr, test_env_exact);
    tcase_add_test(tr, test_env_built);
    tcase_add_test(tr, test_process_group);
    tcase_add_test(tr, test_missing_program);
    tcase_add_test(tr, test_drop_privs);
    tcase_add_test(tr, test_run_as_pid1);
    suite_add_tcase(s, tr);

    tcase_set_timeout(tt, 30);
    tcase_add_test(tt, test_timeout);
    tcase_add_test(tt, test_timeout_kills_group);
    tcase_add_test(tt, test_timeout_ignores_term);
    tcase_add_test(tt, test_interrupted);
    tcase_add_test(tt, test_outlive_signal);
    tcase_add_test(tt, test_second_signal_hurries);
    tcase_add_test(tt, test_one_signal_grace);
    tcase_add_test(tt, test_third_signal_exits);
    tcase_add_test(tt, test_reap_group);
    tcase_add_test(tt, test_spawn_stop);
    suite_add_tcase(s, tt);

    tcase_add_test(tm, test_describe);
    tcase_add_test(tm, test_env_set);
    tcase_add_test(tm, test_ident);
    suite_add_tcase(s, tm);
    return s;
}
