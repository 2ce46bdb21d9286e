/* test_lock: one flock per job. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <unistd.h>

#include <check.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/lock.h"

#include "testutil.h"

Suite *lock_suite(void);

/* Each test's private dir (testutil_dirs()). */
static const char *const tmpdir = testutil_tmpdir;
static char state_dir[PATH_MAX + 16];
static char lock_path[PATH_MAX + 64];

static void
setup(void)
{
    /* Not created yet: lock_acquire makes it. */
    snprintf(state_dir, sizeof(state_dir), "%s/state", tmpdir);
    snprintf(lock_path, sizeof(lock_path), "%s/locks/app.lock", state_dir);
}

/* The content of ${path} (static). */
static const char *
content(const char *path)
{
    static char buf[256];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    return buf;
}

/* What lock_acquire(state_dir, job) says in a child process. */
struct child_result {
    int rc; /* -1, or 0 when it got an fd */
    enum rd_code code;
    char msg[RD_ERR_MSG_MAX];
};

static struct child_result
acquire_in_child(const char *job, int hold_ms)
{
    struct child_result cr;
    int p[2], st;
    pid_t pid;
    ssize_t n;

    memset(&cr, 0, sizeof(cr));
    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct child_result r;
        struct rd_err err = {0};
        int fd;

        memset(&r, 0, sizeof(r));
        close(p[0]);
        fd = lock_acquire(state_dir, job, &err);
        r.rc = fd >= 0 ? 0 : -1;
        r.code = err.code;
        memcpy(r.msg, err.msg, sizeof(r.msg));
        if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
            _exit(2);
        if (hold_ms > 0)
            usleep((useconds_t)hold_ms * 1000);
        /* Exit without lock_release: the kernel drops the lock. */
        _exit(0);
    }
    close(p[1]);
    n = read(p[0], &cr, sizeof(cr));
    close(p[0]);
    ck_assert_int_eq(n, (ssize_t)sizeof(cr));
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return cr;
}

START_TEST(test_acquire_creates)
{
    struct rd_err err = {0};
    struct stat st;
    char dir[PATH_MAX + 32], want[32];
    int fd;

    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(err.code, RD_OK);
    snprintf(dir, sizeof(dir), "%s/locks", state_dir);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0700);
    ck_assert_int_eq(lstat(lock_path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    snprintf(want, sizeof(want), "%ld\n", (long)getpid());
    ck_assert_str_eq(content(lock_path), want);
    /* The fd is close-on-exec, so children never inherit the lock. */
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    lock_release(fd);
    /* The file stays; only the lock goes. */
    ck_assert_int_eq(access(lock_path, F_OK), 0);
}
END_TEST

START_TEST(test_held_by_other_process)
{
    struct rd_err err = {0};
    struct child_result cr;
    char want[RD_ERR_MSG_MAX];
    int fd;

    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);

    cr = acquire_in_child("app", 0);
    ck_assert_int_eq(cr.rc, -1);
    ck_assert_int_eq(cr.code, RD_LOCKED);
    snprintf(want, sizeof(want),
             "job 'app' is already running (pid %ld holds '%s')",
             (long)getpid(), lock_path);
    ck_assert_str_eq(cr.msg, want);
    /* The holder's pid is still in the file. */
    snprintf(want, sizeof(want), "%ld\n", (long)getpid());
    ck_assert_str_eq(content(lock_path), want);

    /* Another job is not blocked. */
    cr = acquire_in_child("other", 0);
    ck_assert_int_eq(cr.rc, 0);

    /* Released: the child gets it. */
    lock_release(fd);
    cr = acquire_in_child("app", 0);
    ck_assert_int_eq(cr.rc, 0);
    ck_assert_int_eq(cr.code, RD_OK);
    /* ...and when it exits (without releasing), it is free again. */
    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);
    lock_release(fd);
}
END_TEST

/* flock locks belong to the open file: a second open in the same process
 * conflicts too. */
START_TEST(test_held_same_process)
{
    struct rd_err err = {0};
    int fd, fd2;

    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);
    fd2 = lock_acquire(state_dir, "app", &err);
    ck_assert_int_eq(fd2, -1);
    ck_assert_int_eq(err.code, RD_LOCKED);
    lock_release(fd);
    rd_err_clear(&err);
    fd2 = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd2, 0);
    lock_release(fd2);
    lock_release(-1);
}
END_TEST

/* A stale longer pid from an earlier run is replaced, not overwritten in
 * part. */
START_TEST(test_stale_pid_replaced)
{
    struct rd_err err = {0};
    char dir[PATH_MAX + 32], want[32];
    FILE *f;
    int fd;

    snprintf(dir, sizeof(dir), "%s/locks", state_dir);
    ck_assert_int_eq(fs_mkdir_p(dir, 0700, &err), 0);
    f = fopen(lock_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("9999999999\nrun 42\n", f);
    fclose(f);
    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);
    snprintf(want, sizeof(want), "%ld\n", (long)getpid());
    ck_assert_str_eq(content(lock_path), want);
    lock_release(fd);
}
END_TEST

/* A pid the holder has not written yet shows as '?'. */
START_TEST(test_unknown_holder)
{
    struct rd_err err = {0};
    char dir[PATH_MAX + 32], want[RD_ERR_MSG_MAX];
    struct child_result cr;
    int fd;

    snprintf(dir, sizeof(dir), "%s/locks", state_dir);
    ck_assert_int_eq(fs_mkdir_p(dir, 0700, &err), 0);
    fd = open(lock_path, O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    cr = acquire_in_child("app", 0);
    ck_assert_int_eq(cr.rc, -1);
    ck_assert_int_eq(cr.code, RD_LOCKED);
    snprintf(want, sizeof(want),
             "job 'app' is already running (pid ? holds '%s')", lock_path);
    ck_assert_str_eq(cr.msg, want);
    close(fd);
}
END_TEST

/* lock_holder_age: -1 without a lock file; taking the lock dates it now. */
START_TEST(test_holder_age)
{
    struct rd_err err = {0};
    struct timeval tv[2];
    int64_t age;
    int fd;

    ck_assert_int_eq(lock_holder_age(state_dir, "app"), -1);
    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);
    age = lock_holder_age(state_dir, "app");
    ck_assert_int_ge(age, 0);
    ck_assert_int_le(age, 2);
    /* A holder that took it two hours ago (and hangs since). */
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= 7200;
    tv[1] = tv[0];
    ck_assert_int_eq(utimes(lock_path, tv), 0);
    age = lock_holder_age(state_dir, "app");
    ck_assert_int_ge(age, 7200);
    ck_assert_int_le(age, 7202);
    lock_release(fd);
    /* Taking a stale lock dates it afresh. */
    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_le(lock_holder_age(state_dir, "app"), 2);
    lock_release(fd);
}
END_TEST

START_TEST(test_symlink_refused)
{
    struct rd_err err = {0};
    char dir[PATH_MAX + 32], target[PATH_MAX + 32];
    int fd;

    snprintf(dir, sizeof(dir), "%s/locks", state_dir);
    snprintf(target, sizeof(target), "%s/elsewhere", tmpdir);
    ck_assert_int_eq(fs_mkdir_p(dir, 0700, &err), 0);
    ck_assert_int_eq(symlink(target, lock_path), 0);
    fd = lock_acquire(state_dir, "app", &err);
    ck_assert_int_eq(fd, -1);
    ck_assert_int_eq(err.code, RD_ACCESS_DENIED);
    ck_assert_int_eq(strncmp(err.msg, "cannot open lock '", 18), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, lock_path));
    /* The link's target was not created. */
    ck_assert_int_eq(access(target, F_OK), -1);
}
END_TEST

START_TEST(test_bad_state_dir)
{
    struct rd_err err = {0};
    char file[PATH_MAX + 32], bad[PATH_MAX + 64], want[RD_ERR_MSG_MAX];
    FILE *f;

    snprintf(file, sizeof(file), "%s/file", tmpdir);
    f = fopen(file, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(bad, sizeof(bad), "%s/state", file);
    ck_assert_int_eq(lock_acquire(bad, "app", &err), -1);
    ck_assert_int_eq(err.code, RD_ACCESS_DENIED);
    snprintf(want, sizeof(want),
             "cannot create directory '%s': Not a directory", bad);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

Suite *
lock_suite(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("lock");

    testutil_dirs(tc);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_acquire_creates);
    tcase_add_test(tc, test_held_by_other_process);
    tcase_add_test(tc, test_held_same_process);
    tcase_add_test(tc, test_stale_pid_replaced);
    tcase_add_test(tc, test_unknown_holder);
    tcase_add_test(tc, test_holder_age);
    tcase_add_test(tc, test_symlink_refused);
    tcase_add_test(tc, test_bad_state_dir);
    suite_add_tcase(s, tc);
    return s;
}
