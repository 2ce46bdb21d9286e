/* test_retention: parsing a deltas schedule and auditing a history. */
#include <check.h>
#include <string.h>

#include "restore/source/retention.h"

Suite *retention_suite(void);

#define H 3600
#define D 86400

START_TEST(test_parse)
{
    int64_t d[RETENTION_MAX_DELTAS];
    struct rd_err err = {0};
    size_t n;

    ck_assert_int_eq(retention_parse("365d 1d\t30d  7d", d, &n, &err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(d[0], D);
    ck_assert_int_eq(d[1], 7 * D);
    ck_assert_int_eq(d[2], 30 * D);
    ck_assert_int_eq(d[3], 365 * D);
    ck_assert_int_eq(retention_parse("1d", d, &n, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "at least two"));
    ck_assert_int_eq(retention_parse("", d, &n, &err), -1);
    ck_assert_int_eq(retention_parse("1d 7x", d, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "'7x'"));
    ck_assert_int_eq(retention_parse("0s 1d", d, &n, &err), -1);
    ck_assert_int_eq(retention_parse("1d 24h", d, &n, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "twice"));
    ck_assert_int_eq(
        retention_parse("1s 2s 3s 4s 5s 6s 7s 8s 9s 10s 11s 12s 13s 14s 15s "
                        "16s 17s",
                        d, &n, &err),
        -1);
    ck_assert_int_eq(
        retention_parse("1234567890123456789012345678901234d 1d", d, &n, &err),
        -1);
}
END_TEST

static const int64_t sched[] = {D, 7 * D, 30 * D, 365 * D};

/* A complete thinned history: daily for a week, weekly for a month, every
 * 30 days for a year. */
static size_t
history(time_t now, time_t *t)
{
    size_t n = 0;

    for (int i = 0; i < 7; i++)
        t[n++] = now - i * D;
    for (int i = 1; i <= 4; i++)
        t[n++] = now - i * 7 * D;
    for (int i = 1; i <= 12; i++)
        t[n++] = now - i * 30 * D;
    return n;
}

START_TEST(test_complete_no_gap)
{
    time_t t[64], now = 1800000000;
    struct retention_gap g[8];
    size_t n = history(now, t);

    ck_assert_uint_eq(retention_audit(t, n, sched, 4, g, 8), 0);
    /* order does not matter; unknown times are left out */
    t[n++] = (time_t)-1;
    {
        time_t x = t[0];

        t[0] = t[n - 2];
        t[n - 2] = x;
    }
    ck_assert_uint_eq(retention_audit(t, n, sched, 4, g, 8), 0);
    /* 25% jitter on each spacing is no gap */
    t[1] = now - D - 6 * H;
    ck_assert_uint_eq(retention_audit(t, n, sched, 4, g, 8), 0);
}
END_TEST

START_TEST(test_missing_week)
{
    time_t t[64], now = 1800000000;
    struct retention_gap g[8];
    size_t n = history(now, t), m = 0;

    /* drop the weekly archive 14 days back */
    for (size_t i = 0; i < n; i++)
        if (t[i] != now - 14 * D)
            t[m++] = t[i];
    ck_assert_uint_eq(retention_audit(t, m, sched, 4, g, 8), 1);
    ck_assert_int_eq(g[0].from, now - 21 * D);
    ck_assert_int_eq(g[0].to, now - 7 * D);
    ck_assert_int_eq(g[0].expected_s, 7 * D);
}
END_TEST

START_TEST(test_missing_days_newest_first)
{
    time_t t[64], now = 1800000000;
    struct retention_gap g[8];
    size_t n = history(now, t), m = 0;

    /* drop days 2 and 5: two daily gaps, the newer one first */
    for (size_t i = 0; i < n; i++)
        if (t[i] != now - 2 * D && t[i] != now - 5 * D)
            t[m++] = t[i];
    ck_assert_uint_eq(retention_audit(t, m, sched, 4, g, 8), 2);
    ck_assert_int_eq(g[0].to, now - 1 * D);
    ck_assert_int_eq(g[0].from, now - 3 * D);
    ck_assert_int_eq(g[1].to, now - 4 * D);
    ck_assert_int_eq(g[1].from, now - 6 * D);
    ck_assert_int_eq(g[1].expected_s, D);
    /* room for one: the count is still two, the newest is kept */
    ck_assert_uint_eq(retention_audit(t, m, sched, 4, g, 1), 2);
    ck_assert_int_eq(g[0].to, now - 1 * D);
    /* also when a coarser generation found an older gap first */
    for (size_t i = 0; i < m; i++) /* no archive 330 and 360 days back ... */
        if (t[i] == now - 330 * D || t[i] == now - 360 * D)
            t[i] = now - 400 * D; /* ... but history before the year */
    ck_assert_uint_eq(retention_audit(t, m, sched, 4, g, 1), 3);
    ck_assert_int_eq(g[0].to, now - 1 * D);
}
END_TEST

/* A history that does not reach back to a window's start is no gap; one
 * that does, with a hole at the window's old end, is. */
START_TEST(test_window_start)
{
    time_t t[64], now = 1800000000;
    struct retention_gap g[8];
    size_t n = 0;

    for (int i = 0; i < 10; i++)
        t[n++] = now - i * D;
    ck_assert_uint_eq(retention_audit(t, n, sched, 4, g, 8), 0);
    /* an archive 60 days back: the weekly window (30 days) now has history
       before it, and nothing between day 9 and day 30 */
    t[n++] = now - 60 * D;
    ck_assert_uint_eq(retention_audit(t, n, sched, 4, g, 8), 2);
    ck_assert_int_eq(g[0].from, now - 30 * D); /* weekly: the window start */
    ck_assert_int_eq(g[0].to, now - 9 * D);
    ck_assert_int_eq(g[0].expected_s, 7 * D);
    ck_assert_int_eq(g[1].from, now - 60 * D); /* 30-day: 51 days between */
    ck_assert_int_eq(g[1].expected_s, 30 * D);
}
END_TEST

START_TEST(test_empty)
{
    struct retention_gap g[2];
    time_t one = 5;

    ck_assert_uint_eq(retention_audit(NULL, 0, sched, 4, g, 2), 0);
    ck_assert_uint_eq(retention_audit(&one, 1, sched, 4, g, 2), 0);
    ck_assert_uint_eq(retention_audit(&one, 1, sched, 1, g, 2), 0);
}
END_TEST

Suite *
retention_suite(void)
{
    Suite *s = suite_create("retention");
    TCase *tc = tcase_create("retention");

    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_complete_no_gap);
    tcase_add_test(tc, test_missing_week);
    tcase_add_test(tc, test_missing_days_newest_first);
    tcase_add_test(tc, test_window_start);
    tcase_add_test(tc, test_empty);
    suite_add_tcase(s, tc);
    return s;
}
