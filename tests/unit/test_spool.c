/* test_spool: private copies made from the bytes that were read: a stream
 * written to a file (bounded, hashed on the way), and a -Fd folder copied
 * member by member, refusing anything that is not a regular file. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "restore/decode/spool.h"
#include "testutil.h"

Suite *spool_suite(void);

static char *
p(const char *name)
{
    static char buf[4][4096];
    static int i;

    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", testutil_tmpdir, name);
    return buf[i];
}

/* An endless stream of zeros, in chunks of at most 1000 bytes. */
static ssize_t
zero_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    (void)s;
    (void)err;
    if (cap > 1000)
        cap = 1000;
    memset(buf, 0, cap);
    return (ssize_t)cap;
}

static void
zero_free(struct stream *s)
{
    free(s);
}

static struct stream *
zero_new(void)
{
    struct stream *s = calloc(1, sizeof(*s));

    ck_assert_ptr_nonnull(s);
    s->read = zero_read;
    s->free = zero_free;
    s->name = "app.dump";
    return s;
}

static const struct unpack_limit no_bound = {0, RD_DISK_FULL};

static off_t
file_size(const char *path)
{
    struct stat st;

    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_size;
}

START_TEST(test_spool_copies_and_hashes)
{
    /* 200 KB of varied bytes through fd -> sha256: spooled exactly, and
       the hash is complete once the spool returns */
    char *text = malloc(200001), hex[65], *got;
    struct stream *s, *h;
    struct rd_err err = {0};
    int in, out;

    for (int i = 0; i < 200000; i++)
        text[i] = (char)('a' + i * 7 % 26);
    text[200000] = '\0';
    testutil_put(p("src"), text);
    in = open(p("src"), O_RDONLY);
    out = open(p("spool"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(in, 0);
    ck_assert_int_ge(out, 0);
    h = stream_hash_new(stream_fd_new(in, "app.dump", 200000));
    s = stream_peek_new(h, 4096);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(stream_spool(s, out, &no_bound, &err), 0);
    ck_assert_int_eq(err.code, RD_OK);
    ck_assert_int_eq(stream_hash_hex(h, hex), 0);
    ck_assert_int_eq(stream_hash_bytes(h), 200000);
    close(out);
    close(in);
    got = testutil_slurp(p("spool"));
    ck_assert_str_eq(got, text);
    free(got);
    free(text);
    stream_free(s);
}
END_TEST

START_TEST(test_spool_bound)
{
    struct unpack_limit lim = {10000, RD_ARCHIVE_TOO_LARGE};
    struct stream *s = zero_new();
    struct rd_err err = {0};
    int out = open(p("spool"), O_WRONLY | O_CREAT | O_EXCL, 0600);

    ck_assert_int_eq(stream_spool(s, out, &lim, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "app.dump"));
    ck_assert_ptr_nonnull(strstr(err.msg, "spools"));
    ck_assert_ptr_nonnull(strstr(err.msg, "max_unpacked_size"));
    close(out);
    /* exactly the bound was written, not a byte more */
    ck_assert_int_eq(file_size(p("spool")), 10000);
    stream_free(s);

    lim.code = RD_DISK_FULL;
    s = zero_new();
    out = open(p("spool2"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_eq(stream_spool(s, out, &lim, &err), -1);
    ck_assert_int_eq(err.code, RD_DISK_FULL);
    ck_assert_ptr_nonnull(strstr(err.msg, "free temp space"));
    close(out);
    stream_free(s);
}
END_TEST

START_TEST(test_spool_write_fails)
{
    struct stream *s = zero_new();
    struct rd_err err = {0};
    int out = open("/dev/full", O_WRONLY);

    if (out < 0)
        return; /* no /dev/full here */
    ck_assert_int_eq(stream_spool(s, out, &no_bound, &err), -1);
    ck_assert_int_eq(err.code, RD_DISK_FULL);
    ck_assert_ptr_nonnull(strstr(err.msg, "app.dump"));
    close(out);
    stream_free(s);
}
END_TEST

START_TEST(test_spool_below_fails)
{
    /* the source says 100 bytes, the file has 5: the fd layer's verdict */
    struct stream *s;
    struct rd_err err = {0};
    int in, out;

    testutil_put(p("short"), "hello");
    in = open(p("short"), O_RDONLY);
    out = open(p("spool"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    s = stream_fd_new(in, "app.dump", 100);
    ck_assert_int_eq(stream_spool(s, out, &no_bound, &err), -1);
    ck_assert_int_eq(err.code, RD_FETCH_TRUNCATED);
    close(in);
    close(out);
    stream_free(s);
}
END_TEST

/* A -Fd-like folder "src" with toc.dat and two data files. */
static void
make_folder(void)
{
    ck_assert_int_eq(mkdir(p("src"), 0755), 0);
    ck_assert_int_eq(mkdir(p("dst"), 0700), 0);
    testutil_put(p("src/toc.dat"), "PGDMP toc");
    testutil_put(p("src/3001.dat.gz"), "data one");
    testutil_put(p("src/3002.dat"), "data two, longer");
}

START_TEST(test_dir_copies_regular_files)
{
    struct rd_err err = {0};
    struct stat st;
    char *got;

    make_folder();
    ck_assert_int_eq(spool_dir_flat(p("src"), "app", p("dst"), &no_bound, &err),
                     0);
    got = testutil_slurp(p("dst/3002.dat"));
    ck_assert_str_eq(got, "data two, longer");
    free(got);
    got = testutil_slurp(p("dst/toc.dat"));
    ck_assert_str_eq(got, "PGDMP toc");
    free(got);
    ck_assert_int_eq(stat(p("dst/3001.dat.gz"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    /* a second copy into the same folder refuses to overwrite */
    ck_assert_int_eq(spool_dir_flat(p("src"), "app", p("dst"), &no_bound, &err),
                     -1);
}
END_TEST

/* The copy of "src" fails with RD_ARCHIVE_UNSAFE_PATH naming ${member}
 * and ${kind}. */
static void
assert_refused(const char *member, const char *kind)
{
    struct rd_err err = {0};

    ck_assert_int_eq(spool_dir_flat(p("src"), "app", p("dst"), &no_bound, &err),
                     -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_UNSAFE_PATH);
    ck_assert_msg(strstr(err.msg, member) != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, kind) != NULL, "%s", err.msg);
    ck_assert_ptr_nonnull(strstr(err.msg, "'app'"));
}

START_TEST(test_dir_refuses_symlink)
{
    make_folder();
    testutil_put(p("outside"), "a host file");
    ck_assert_int_eq(symlink(p("outside"), p("src/3003.dat")), 0);
    assert_refused("3003.dat", "symbolic link");
    ck_assert_int_ne(access(p("dst/3003.dat"), F_OK), 0);
}
END_TEST

START_TEST(test_dir_refuses_fifo)
{
    make_folder();
    ck_assert_int_eq(mkfifo(p("src/3003.dat"), 0644), 0);
    assert_refused("3003.dat", "FIFO"); /* and does not block */
}
END_TEST

START_TEST(test_dir_refuses_subdir)
{
    make_folder();
    ck_assert_int_eq(mkdir(p("src/sub"), 0755), 0);
    assert_refused("sub", "subdirectory");
}
END_TEST

START_TEST(test_dir_refuses_device)
{
    make_folder();
    if (mknod(p("src/3003.dat"), S_IFCHR | 0644, makedev(1, 3)) != 0)
        return; /* not root: no device nodes */
    assert_refused("3003.dat", "device");
}
END_TEST

START_TEST(test_dir_bound)
{
    struct unpack_limit lim = {20, RD_ARCHIVE_TOO_LARGE};
    struct rd_err err = {0};

    make_folder(); /* 9 + 8 + 16 bytes */
    ck_assert_int_eq(spool_dir_flat(p("src"), "app", p("dst"), &lim, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "spools"));
}
END_TEST

START_TEST(test_member_kind)
{
    ck_assert_ptr_null(spool_member_kind(S_IFREG | 0644));
    ck_assert_str_eq(spool_member_kind(S_IFLNK | 0777), "a symbolic link");
    ck_assert_str_eq(spool_member_kind(S_IFIFO | 0644), "a FIFO");
    ck_assert_str_eq(spool_member_kind(S_IFBLK | 0644), "a device");
    ck_assert_str_eq(spool_member_kind(S_IFCHR | 0644), "a device");
    ck_assert_str_eq(spool_member_kind(S_IFDIR | 0755), "a subdirectory");
    ck_assert_str_eq(spool_member_kind(S_IFSOCK | 0755), "a socket");
}
END_TEST

Suite *
spool_suite(void)
{
    Suite *s = suite_create("spool");
    TCase *tc = tcase_create("spool");

    testutil_dirs(tc);
    tcase_add_test(tc, test_spool_copies_and_hashes);
    tcase_add_test(tc, test_spool_bound);
    tcase_add_test(tc, test_spool_write_fails);
    tcase_add_test(tc, test_spool_below_fails);
    tcase_add_test(tc, test_dir_copies_regular_files);
    tcase_add_test(tc, test_dir_refuses_symlink);
    tcase_add_test(tc, test_dir_refuses_fifo);
    tcase_add_test(tc, test_dir_refuses_subdir);
    tcase_add_test(tc, test_dir_refuses_device);
    tcase_add_test(tc, test_dir_bound);
    tcase_add_test(tc, test_member_kind);
    suite_add_tcase(s, tc);
    return s;
}
