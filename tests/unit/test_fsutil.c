/* test_fsutil: recursive removal, mkdir -p and atomic writes. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#include "verifier/util/fsutil.h"

Suite *fsutil_suite(void);

/*
 * One dir per test case, made and removed in the runner process (an
 * unchecked fixture), so that a failed test's files go too; each test gets
 * its own dir inside it (a checked fixture).
 */
static char basedir[PATH_MAX];
static char tmpdir[PATH_MAX + 16];

static void
base_setup(void)
{
    snprintf(basedir, sizeof(basedir), "%s/rd-fsutil.XXXXXX", fs_tmpdir_base());
    if (mkdtemp(basedir) == NULL)
        abort();
}

static void
base_teardown(void)
{
    char cmd[PATH_MAX + 16];

    /* Not with fs_rm_rf: that is what is under test. */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", basedir);
    if (system(cmd) != 0)
        abort();
}

static void
setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
    char cmd[PATH_MAX + 16];

    /* Not with fs_rm_rf: that is what is under test. */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* ${tmpdir}/${rel} (static, one at a time per buffer index). */
static const char *
p(int slot, const char *rel)
{
    static char buf[4][PATH_MAX + 256];

    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, rel);
    return buf[slot];
}

START_TEST(test_rm_rf_tree)
{
    ck_assert_int_eq(mkdir(p(0, "t"), 0700), 0);
    ck_assert_int_eq(mkdir(p(0, "t/a"), 0700), 0);
    ck_assert_int_eq(mkdir(p(0, "t/a/b"), 0700), 0);
    ck_assert_int_eq(mkdir(p(0, "t/empty"), 0700), 0);
    testutil_put(p(0, "t/f"), "x");
    testutil_put(p(0, "t/a/b/g"), "y");
    ck_assert_int_eq(mkfifo(p(0, "t/a/fifo"), 0600), 0);
    /* Read-only dirs and files are removed too (their parent is
     * writable). */
    ck_assert_int_eq(chmod(p(0, "t/a/b/g"), 0400), 0);
    ck_assert_int_eq(fs_rm_rf(p(0, "t")), 0);
    ck_assert_int_eq(access(p(0, "t"), F_OK), -1);
    /* Missing: not an error. */
    ck_assert_int_eq(fs_rm_rf(p(0, "t")), 0);
    ck_assert_int_eq(fs_rm_rf(p(0, "no/such/path")), 0);
    /* A plain file. */
    testutil_put(p(0, "file"), "z");
    ck_assert_int_eq(fs_rm_rf(p(0, "file")), 0);
    ck_assert_int_eq(access(p(0, "file"), F_OK), -1);
}
END_TEST

/* Symbolic links are removed, never followed. */
START_TEST(test_rm_rf_symlinks)
{
    ck_assert_int_eq(mkdir(p(0, "outside"), 0700), 0);
    testutil_put(p(0, "outside/keep"), "precious");
    ck_assert_int_eq(mkdir(p(0, "t"), 0700), 0);
    ck_assert_int_eq(symlink(p(1, "outside"), p(0, "t/link-dir")), 0);
    ck_assert_int_eq(symlink(p(1, "outside/keep"), p(0, "t/link-file")), 0);
    ck_assert_int_eq(symlink("/nonexistent", p(0, "t/dangling")), 0);
    ck_assert_int_eq(fs_rm_rf(p(0, "t")), 0);
    ck_assert_int_eq(access(p(0, "t"), F_OK), -1);
    ck_assert_int_eq(access(p(0, "outside/keep"), F_OK), 0);

    /* The path itself a link to a directory: only the link goes. */
    ck_assert_int_eq(symlink(p(1, "outside"), p(0, "top-link")), 0);
    ck_assert_int_eq(fs_rm_rf(p(0, "top-link")), 0);
    ck_assert_int_eq(lstat(p(0, "top-link"), &(struct stat){0}), -1);
    ck_assert_int_eq(access(p(0, "outside/keep"), F_OK), 0);
}
END_TEST

START_TEST(test_mkdir_p)
{
    struct rd_err err = {0};
    struct stat st;
    char want[PATH_MAX + 300];

    ck_assert_int_eq(fs_mkdir_p(p(0, "a/b/c"), 0700, &err), 0);
    ck_assert_int_eq(stat(p(0, "a/b/c"), &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(p(0, "a"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    /* Existing: fine, mode untouched; a trailing slash is fine. */
    ck_assert_int_eq(chmod(p(0, "a/b"), 0755), 0);
    ck_assert_int_eq(fs_mkdir_p(p(0, "a/b/"), 0700, &err), 0);
    ck_assert_int_eq(stat(p(0, "a/b"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0755);
    /* A file in the way: the message names the directory. */
    testutil_put(p(0, "file"), "");
    ck_assert_int_eq(fs_mkdir_p(p(0, "file/sub/x"), 0700, &err), -1);
    ck_assert_int_eq(err.code, RD_ACCESS_DENIED);
    snprintf(want, sizeof(want),
             "cannot create directory '%s': Not a directory", p(0, "file/sub"));
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(fs_mkdir_p("", 0700, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
}
END_TEST

START_TEST(test_write_atomic)
{
    struct rd_err err = {0};
    struct stat st;
    char buf[64];
    int fd;
    ssize_t n;

    ck_assert_int_eq(fs_write_atomic(p(0, "out"), "hello\n", 6, &err), 0);
    ck_assert_int_eq(stat(p(0, "out"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_size, 6);
    /* Replaced, with the old file's mode. */
    ck_assert_int_eq(chmod(p(0, "out"), 0640), 0);
    ck_assert_int_eq(fs_write_atomic(p(0, "out"), "bye", 3, &err), 0);
    ck_assert_int_eq(stat(p(0, "out"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    fd = open(p(0, "out"), O_RDONLY);
    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, sizeof(buf));
    close(fd);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(memcmp(buf, "bye", 3), 0);
    /* Empty content. */
    ck_assert_int_eq(fs_write_atomic(p(0, "empty"), "", 0, &err), 0);
    ck_assert_int_eq(stat(p(0, "empty"), &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    /* A symbolic link at the path is replaced, its target untouched. */
    testutil_put(p(0, "target"), "keep");
    ck_assert_int_eq(symlink(p(1, "target"), p(0, "link")), 0);
    ck_assert_int_eq(fs_write_atomic(p(0, "link"), "new", 3, &err), 0);
    ck_assert_int_eq(lstat(p(0, "link"), &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(stat(p(0, "target"), &st), 0);
    ck_assert_int_eq(st.st_size, 4);
}
END_TEST

START_TEST(test_write_atomic_fails)
{
    struct rd_err err = {0};

    ck_assert_int_eq(fs_write_atomic(p(0, "missing/out"), "x", 1, &err), -1);
    ck_assert_int_eq(err.code, RD_ACCESS_DENIED);
    ck_assert_ptr_nonnull(strstr(err.msg, p(0, "missing/out")));
    /* A directory in the way: the temp file is removed again. */
    ck_assert_int_eq(mkdir(p(0, "dir"), 0700), 0);
    ck_assert_int_eq(fs_write_atomic(p(0, "dir"), "x", 1, &err), -1);
    ck_assert_int_eq(err.code, RD_ACCESS_DENIED);
    ck_assert_ptr_nonnull(strstr(err.msg, p(0, "dir")));
    {
        char cmd[PATH_MAX + 64];

        snprintf(cmd, sizeof(cmd),
                 "test -z \"$(ls -A '%s' | grep -v '^dir$')\"", tmpdir);
        ck_assert_int_eq(system(cmd), 0);
    }
}
END_TEST

START_TEST(test_tmpdir_base)
{
    const char *old = getenv("TMPDIR");
    char *saved = old != NULL ? strdup(old) : NULL;

    setenv("TMPDIR", "/var/tmp", 1);
    ck_assert_str_eq(fs_tmpdir_base(), "/var/tmp");
    setenv("TMPDIR", "relative", 1);
    ck_assert_str_eq(fs_tmpdir_base(), "/tmp");
    setenv("TMPDIR", "", 1);
    ck_assert_str_eq(fs_tmpdir_base(), "/tmp");
    unsetenv("TMPDIR");
    ck_assert_str_eq(fs_tmpdir_base(), "/tmp");
    if (saved != NULL)
        setenv("TMPDIR", saved, 1);
    free(saved);
}
END_TEST

Suite *
fsutil_suite(void)
{
    Suite *s = suite_create("fsutil");
    TCase *tc = tcase_create("fs");

    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rm_rf_tree);
    tcase_add_test(tc, test_rm_rf_symlinks);
    tcase_add_test(tc, test_mkdir_p);
    tcase_add_test(tc, test_write_atomic);
    tcase_add_test(tc, test_write_atomic_fails);
    tcase_add_test(tc, test_tmpdir_base);
    suite_add_tcase(s, tc);
    return s;
}
