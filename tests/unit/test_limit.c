/* test_limit: the unpack limit (max_unpacked_size): the counting stream
 * layer, its bound and codes, and the default from free temp space. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/limit.h"

Suite *limit_suite(void);

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

static int zero_freed;

static void
zero_free(struct stream *s)
{
    zero_freed = 1;
    free(s);
}

static struct stream *
zero_new(void)
{
    struct stream *s = calloc(1, sizeof(*s));

    ck_assert_ptr_nonnull(s);
    s->read = zero_read;
    s->free = zero_free;
    s->name = "bomb.zst";
    return s;
}

/* Read ${s} until it fails; returns the bytes passed before. */
static int64_t
read_until_fail(struct stream *s, struct rd_err *err)
{
    unsigned char buf[4096];
    int64_t total = 0;
    ssize_t n;

    while ((n = stream_read(s, buf, sizeof(buf), err)) > 0) {
        total += n;
        ck_assert_int_le(total, 1 << 24);
    }
    ck_assert_int_eq(n, -1);
    return total;
}

START_TEST(test_bound_too_large)
{
    struct unpack_limit lim = {10000, RD_ARCHIVE_TOO_LARGE};
    struct stream *s = stream_limit_new(zero_new(), &lim);
    struct rd_err err = {0};

    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "bomb.zst");
    /* exactly the bound passes; the chunk that would pass it fails */
    ck_assert_int_eq(read_until_fail(s, &err), 10000);
    ck_assert_int_eq(stream_limit_bytes(s), 10000);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "bomb.zst"));
    ck_assert_ptr_nonnull(strstr(err.msg, "max_unpacked_size"));
    ck_assert_ptr_nonnull(strstr(err.msg, "10000"));
    zero_freed = 0;
    stream_free(s);
    ck_assert_int_eq(zero_freed, 1);
}
END_TEST

START_TEST(test_bound_disk_full)
{
    struct unpack_limit lim = {2500, RD_DISK_FULL};
    struct stream *s = stream_limit_new(zero_new(), &lim);
    struct rd_err err = {0};

    ck_assert_int_eq(read_until_fail(s, &err), 2000);
    ck_assert_int_eq(err.code, RD_DISK_FULL);
    ck_assert_ptr_nonnull(strstr(err.msg, "free temp space"));
    stream_free(s);
}
END_TEST

START_TEST(test_unbounded_passes)
{
    struct unpack_limit lim = {0, RD_DISK_FULL};
    struct stream *s = stream_limit_new(zero_new(), &lim);
    unsigned char buf[4096];
    struct rd_err err = {0};

    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(stream_read(s, buf, sizeof(buf), &err), 1000);
    ck_assert_int_eq(stream_limit_bytes(s), 100000);
    ck_assert_int_eq(err.code, RD_OK);
    stream_free(s);
    ck_assert_ptr_null(stream_limit_new(NULL, &lim));
}
END_TEST

START_TEST(test_resolve)
{
    struct unpack_limit lim;

    unpack_limit_resolve(64 << 20, "/nonexistent", &lim);
    ck_assert_int_eq(lim.max, 64 << 20);
    ck_assert_int_eq(lim.code, RD_ARCHIVE_TOO_LARGE);
    unpack_limit_resolve(0, "/", &lim);
    ck_assert_int_gt(lim.max, 0);
    ck_assert_int_eq(lim.code, RD_DISK_FULL);
    unpack_limit_resolve(0, "/nonexistent/dir", &lim);
    ck_assert_int_eq(lim.max, 0); /* no bound when statvfs fails */
    ck_assert_int_eq(lim.code, RD_DISK_FULL);
}
END_TEST

Suite *
limit_suite(void)
{
    Suite *s = suite_create("limit");
    TCase *tc = tcase_create("limit");

    tcase_add_test(tc, test_bound_too_large);
    tcase_add_test(tc, test_bound_disk_full);
    tcase_add_test(tc, test_unbounded_passes);
    tcase_add_test(tc, test_resolve);
    suite_add_tcase(s, tc);
    return s;
}
