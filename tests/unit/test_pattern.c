/* test_pattern: archive-name patterns, time extraction and bounded matching. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "verifier/util/pattern.h"

Suite *pattern_suite(void);

/* Assert pattern_check(${pat}) fails with exactly ${want}. */
static void
check_fails(const char *pat, const char *want)
{
    char err[256] = "";

    ck_assert_msg(pattern_check(pat, err, sizeof(err)) == -1, "accepted '%s'",
                  pat);
    ck_assert_str_eq(err, want);
}

/* pattern_match() of a valid pattern, returning the time. */
static bool
match(const char *pat, const char *name, time_t *ts)
{
    char err[256] = "";

    ck_assert_msg(pattern_check(pat, err, sizeof(err)) == 0, "'%s': %s", pat,
                  err);
    return pattern_match(pat, name, ts);
}

static double
now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

START_TEST(test_check_valid)
{
    static const char *const ok[] = {
        "",
        "*",
        "?",
        "%%",
        "a%%b",
        "mail_%Y%m%d-%H%M*",
        "mail_%Y%m%d-%H%M%S.dump",
        "db_%Y%j.sql.gz",
        "%s.dump",
        "%Y/%m/%d/db_*.dump",
        "%Y%j-%H%M%S",
        "%m%d",
        "***",
        "[x]\\y{z}",
    };
    char err[64];
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        strcpy(err, "untouched");
        ck_assert_msg(pattern_check(ok[i], err, sizeof(err)) == 0,
                      "rejected '%s': %s", ok[i], err);
        ck_assert_str_eq(err, "untouched");
    }
}
END_TEST

START_TEST(test_check_invalid)
{
    char *big;

    check_fails("mail_%q", "unknown field '%q' at offset 5");
    check_fails("%y", "unknown field '%y' at offset 0");
    check_fails("a%b%Y", "unknown field '%b' at offset 1");
    check_fails("%F", "unknown field '%F' at offset 0");
    check_fails("ab%", "incomplete field '%' at offset 2");
    check_fails("%%%", "incomplete field '%' at offset 2");
    check_fails("%", "incomplete field '%' at offset 0");
    check_fails("x%\x01", "unknown field '%\\x01' at offset 1");
    check_fails("x%\xc3\xa9", "unknown field '%\\xc3' at offset 1");
    check_fails("100%_%Y", "unknown field '%_' at offset 3");
    check_fails("%Y-%s", "field '%s' at offset 3 conflicts with '%Y'");
    check_fails("%s_%d", "field '%d' at offset 3 conflicts with '%s'");
    check_fails("%Y%j%m", "field '%m' at offset 4 conflicts with '%j'");
    check_fails("%d%j", "field '%j' at offset 2 conflicts with '%d'");
    check_fails("%Y/%m/db_%Y%m.dump", "duplicate field '%Y' at offset 9");
    check_fails("%s-%s", "duplicate field '%s' at offset 3");
    check_fails("%H%M%M", "duplicate field '%M' at offset 4");
    /* The first error wins. */
    check_fails("%Y%Y%q", "duplicate field '%Y' at offset 2");
    check_fails("%q%Y%Y", "unknown field '%q' at offset 0");

    /* At most 4096 bytes. */
    big = malloc(4098);
    ck_assert_ptr_nonnull(big);
    memset(big, 'a', 4097);
    big[4097] = '\0';
    check_fails(big, "pattern is longer than 4096 bytes");
    big[4096] = '\0';
    ck_assert_int_eq(pattern_check(big, NULL, 0), 0);
    free(big);

    /* No message buffer, or a short one. */
    ck_assert_int_eq(pattern_check("%q", NULL, 0), -1);
    {
        char small[8];

        ck_assert_int_eq(pattern_check("mail_%q", small, sizeof(small)), -1);
        ck_assert_str_eq(small, "unknown");
    }
}
END_TEST

START_TEST(test_has_time)
{
    ck_assert(pattern_has_time("mail_%Y%m%d-%H%M*"));
    ck_assert(pattern_has_time("%s.dump"));
    ck_assert(pattern_has_time("%%%Y"));
    ck_assert(!pattern_has_time("%%Y"));
    ck_assert(!pattern_has_time("db_%m%d.dump"));
    ck_assert(!pattern_has_time("db_%H%M%S"));
    ck_assert(!pattern_has_time("*.dump"));
    ck_assert(!pattern_has_time(""));
}
END_TEST

START_TEST(test_match_tarsnapper)
{
    const char *pat = "mail_%Y%m%d-%H%M*";
    time_t ts = 0;

    ck_assert(match(pat, "mail_20240305-1430.dump", &ts));
    ck_assert_int_eq(ts, 1709649000);
    ts = 0;
    ck_assert(match(pat, "mail_20240305-1430", &ts));
    ck_assert_int_eq(ts, 1709649000);
    ck_assert(match(pat, "mail_20240305-1430", NULL));

    ts = 0;
    ck_assert(!match(pat, "mail_2024030-1430.dump", &ts));
    ck_assert_int_eq(ts, -1);
    ck_assert(!match(pat, "mail_20240305_1430.dump", &ts));
    ck_assert(!match(pat, "Mail_20240305-1430.dump", &ts));
    ck_assert(!match(pat, "xmail_20240305-1430.dump", &ts));
    ck_assert(!match(pat, "mail_2024a305-1430.dump", &ts));
    ck_assert(!match(pat, "", &ts));
}
END_TEST

START_TEST(test_match_invalid_dates)
{
    const char *pat = "db_%Y%m%d-%H%M%S";
    time_t ts = 0;

    ck_assert(!match(pat, "db_20241305-000000", &ts)); /* month 13 */
    ck_assert_int_eq(ts, -1);
    ck_assert(!match(pat, "db_20240005-000000", &ts)); /* month 0 */
    ck_assert(!match(pat, "db_20240230-000000", &ts)); /* Feb 30 */
    ck_assert(!match(pat, "db_20240431-000000", &ts)); /* Apr 31 */
    ck_assert(!match(pat, "db_20240100-000000", &ts)); /* day 0 */
    ck_assert(!match(pat, "db_20240132-000000", &ts)); /* day 32 */
    ck_assert(!match(pat, "db_20240305-240000", &ts)); /* hour 24 */
    ck_assert(!match(pat, "db_20240305-236000", &ts)); /* minute 60 */
    ck_assert(!match(pat, "db_20240305-235961", &ts)); /* second 61 */
    ck_assert(!match(pat, "db_20230229-000000", &ts)); /* 2023 not leap */
    ck_assert(!match(pat, "db_19000229-000000", &ts)); /* 1900 not leap */

    ck_assert(match(pat, "db_20240229-000000", &ts));
    ck_assert_int_eq(ts, 1709164800);
    ck_assert(match(pat, "db_20000229-000000", &ts));
    ck_assert_int_eq(ts, 951782400);
    ck_assert(match(pat, "db_20241231-235959", &ts));
    ck_assert_int_eq(ts, 1735689599);
    ck_assert(match(pat, "db_19700101-000000", &ts));
    ck_assert_int_eq(ts, 0);
    ck_assert(match(pat, "db_99991231-235959", &ts));
    ck_assert_int_eq(ts, 253402300799);
    /* A leap second is allowed and normalised by timegm. */
    ck_assert(match(pat, "db_20240630-235960", &ts));
    ck_assert_int_eq(ts, 1719792000);
}
END_TEST

START_TEST(test_match_defaults_and_yday)
{
    time_t ts = 0;

    ck_assert(match("%Y", "2024", &ts));
    ck_assert_int_eq(ts, 1704067200);
    ck_assert(match("%Y-%m", "2024-03", &ts));
    ck_assert_int_eq(ts, 1709251200);
    ck_assert(match("%Y-%m-%d", "2024-01-15", &ts));
    ck_assert_int_eq(ts, 1705276800);

    ck_assert(match("db_%Y%j", "db_2024060", &ts)); /* Feb 29 */
    ck_assert_int_eq(ts, 1709164800);
    ck_assert(match("db_%Y%j", "db_2024366", &ts));
    ck_assert_int_eq(ts, 1735603200);
    ck_assert(match("db_%Y%j", "db_2023365", &ts));
    ck_assert_int_eq(ts, 1703980800);
    ck_assert(!match("db_%Y%j", "db_2023366", &ts));
    ck_assert(!match("db_%Y%j", "db_2024000", &ts));
    ck_assert(!match("db_%Y%j", "db_2024367", &ts));
    ck_assert(match("%Y%j-%H%M%S", "2024061-143000", &ts));
    ck_assert_int_eq(ts, 1709303400);
    /* Without a year, day 366 exists (in a leap year). */
    ck_assert(match("%j", "366", &ts));
    ck_assert_int_eq(ts, -1);
}
END_TEST

START_TEST(test_match_without_year)
{
    time_t ts = 0;

    /* Fields are still checked, but there is no usable timestamp. */
    ck_assert(match("db_%m%d.dump", "db_0229.dump", &ts));
    ck_assert_int_eq(ts, -1);
    ck_assert(!match("db_%m%d.dump", "db_0230.dump", &ts));
    ck_assert(!match("db_%H.dump", "db_24.dump", &ts));
    ts = 0;
    ck_assert(match("*.dump", "x.dump", &ts));
    ck_assert_int_eq(ts, -1);
}
END_TEST

START_TEST(test_match_epoch)
{
    time_t ts = 0;

    ck_assert(match("%s.dump", "1700000000.dump", &ts));
    ck_assert_int_eq(ts, 1700000000);
    ck_assert(match("%s.dump", "0.dump", &ts));
    ck_assert_int_eq(ts, 0);
    ck_assert(match("%s", "9223372036854775807", &ts));
    ck_assert_int_eq(ts, INT64_MAX);
    ck_assert(match("%s", "00000000000000000042", &ts)); /* 20 digits */
    ck_assert_int_eq(ts, 42);
    ck_assert(!match("%s", "000000000000000000042", &ts)); /* 21 digits */
    ck_assert(!match("%s", "9223372036854775808", &ts));   /* > INT64_MAX */
    ck_assert(!match("%s", "99999999999999999999", &ts));
    ck_assert(!match("%s.dump", ".dump", &ts));
    ck_assert(!match("%s.dump", "17x.dump", &ts));
    /* %s takes the longest run of digits that lets the rest match. */
    ck_assert(match("%s*", "1700000000123", &ts));
    ck_assert_int_eq(ts, 1700000000123);
    ck_assert(match("%s*", "99999999999999999999", &ts));
    ck_assert_int_eq(ts, 999999999999999999);
    ck_assert(match("%s1", "17000000001", &ts));
    ck_assert_int_eq(ts, 1700000000);
    ck_assert(match("*%s", "x1700000000", &ts));
    ck_assert_int_eq(ts, 1700000000);
}
END_TEST

START_TEST(test_match_globs)
{
    ck_assert(match("", "", NULL));
    ck_assert(!match("", "a", NULL));
    ck_assert(match("*", "", NULL));
    ck_assert(match("*", "anything/at all", NULL));
    ck_assert(match("a?c", "abc", NULL));
    ck_assert(!match("a?c", "ac", NULL));
    ck_assert(!match("a?c", "abbc", NULL));
    ck_assert(match("a*b*c", "aXbYc", NULL));
    ck_assert(match("a*b*c", "abc", NULL));
    ck_assert(!match("a*b*c", "aXbY", NULL));
    ck_assert(match("*.dump", "db.dump", NULL));
    ck_assert(!match("*.dump", "db.dump.gz", NULL));
    ck_assert(match("a**b", "ab", NULL));
    ck_assert(match("*a", "aaaa", NULL));
    ck_assert(!match("abc", "abcd", NULL));
    ck_assert(!match("abc", "xabc", NULL));
    ck_assert(match("100%%_*", "100%_x", NULL));
    ck_assert(!match("100%%_*", "100%%_x", NULL));
    ck_assert(match("[x]\\y", "[x]\\y", NULL));
    ck_assert(!match("[x]", "x", NULL));
}
END_TEST

START_TEST(test_match_paths)
{
    const char *pat = "%Y/%m/%d/db_*.dump";
    time_t ts = 0;

    ck_assert(match(pat, "2024/03/05/db_20240305.dump", &ts));
    ck_assert_int_eq(ts, 1709596800);
    ck_assert(!match(pat, "2024/03/05/db_x.dump.sha256", &ts));
    ck_assert_int_eq(ts, -1);
    ck_assert(match("*/mail_%Y%m%d.dump", "pg/host/mail_20240101.dump", &ts));
    ck_assert_int_eq(ts, 1704067200);
}
END_TEST

START_TEST(test_match_alignment)
{
    time_t ts = 0;

    /* Each '*' is as short as possible: the first date counts. */
    ck_assert(match("*_%Y%m%d*", "x_20240101_20240715.dump", &ts));
    ck_assert_int_eq(ts, 1704067200);
    ck_assert(match("*%Y*", "ab2024cd2023", &ts));
    ck_assert_int_eq(ts, 1704067200);
    /* Per-field ranges steer the alignment: "13" is no month. */
    ck_assert(match("*%m*", "13x07", &ts));
    ck_assert(match("*-%Y%m%d.dump", "host-2-20240715.dump", &ts));
    ck_assert_int_eq(ts, 1721001600);
    /*
     * The whole date is checked on that one alignment only: Feb 30 is
     * rejected although "0315" later in the name would be a date.
     */
    ck_assert(!match("*%m%d*", "0230_0315", &ts));
}
END_TEST

START_TEST(test_match_name_limit)
{
    char *name = malloc(4098);

    ck_assert_ptr_nonnull(name);
    memset(name, 'a', 4097);
    name[4097] = '\0';
    ck_assert(!match("*", name, NULL));
    name[4096] = '\0';
    ck_assert(match("*", name, NULL));
    ck_assert(match("a*a", name, NULL));
    free(name);
}
END_TEST

/* A 4 KiB name against patterns full of '*': must stay fast. */
START_TEST(test_match_hostile)
{
    char *name = malloc(4097), *pat = malloc(4097);
    double t0 = now_s();
    time_t ts;
    size_t i;

    ck_assert_ptr_nonnull(name);
    ck_assert_ptr_nonnull(pat);
    memset(name, 'a', 4096);
    name[4096] = '\0';

    /* "*a*a*a...*b": classic exponential case for naive backtracking. */
    for (i = 0; i + 2 <= 4094; i += 2)
        memcpy(pat + i, "*a", 2);
    strcpy(pat + i, "*b");
    ck_assert(!match(pat, name, NULL));
    pat[i + 1] = 'a';
    ck_assert(match(pat, name, NULL));

    /* "*?*?*?..." */
    for (i = 0; i + 2 <= 4096; i += 2)
        memcpy(pat + i, "*?", 2);
    pat[i] = '\0';
    ck_assert(match(pat, name, NULL));
    name[2048] = '\0';
    ck_assert(match(pat, name, NULL));
    name[2047] = '\0'; /* one byte short of 2048 '?' */
    ck_assert(!match(pat, name, NULL));

    /* Stars, literals and an epoch field over a long run of digits. */
    memset(name, '7', 4096);
    name[4096] = '\0';
    for (i = 0; i + 2 <= 4092; i += 2)
        memcpy(pat + i, "*7", 2);
    strcpy(pat + i, "*%s");
    ck_assert(match(pat, name, &ts));
    ck_assert_int_eq(ts, 7777777777777777777);
    strcpy(pat + i, "*%sx");
    ck_assert(!match(pat, name, &ts));
    ck_assert_int_eq(ts, -1);

    /* Stars and '?' before date fields, the date at the very end. */
    for (i = 0; i + 2 <= 4080; i += 2)
        memcpy(pat + i, "*?", 2);
    strcpy(pat + i, "%Y%m%d%H%M%S");
    memcpy(name + 4096 - 14, "20240305143000", 14);
    ck_assert(match(pat, name, &ts));
    ck_assert_int_eq(ts, 1709649000);
    memcpy(name + 4096 - 14, "20241305143000", 14);
    ck_assert(!match(pat, name, &ts));

    free(name);
    free(pat);
    /* Generous: valgrind and sanitizer builds are much slower. */
    ck_assert_msg(now_s() - t0 < 30.0, "took %.1fs", now_s() - t0);
}
END_TEST

Suite *
pattern_suite(void)
{
    Suite *s = suite_create("pattern");
    TCase *tc = tcase_create("check");
    TCase *tm = tcase_create("match");
    TCase *th = tcase_create("hostile");

    tcase_add_test(tc, test_check_valid);
    tcase_add_test(tc, test_check_invalid);
    tcase_add_test(tc, test_has_time);
    suite_add_tcase(s, tc);
    tcase_add_test(tm, test_match_tarsnapper);
    tcase_add_test(tm, test_match_invalid_dates);
    tcase_add_test(tm, test_match_defaults_and_yday);
    tcase_add_test(tm, test_match_without_year);
    tcase_add_test(tm, test_match_epoch);
    tcase_add_test(tm, test_match_globs);
    tcase_add_test(tm, test_match_paths);
    tcase_add_test(tm, test_match_alignment);
    tcase_add_test(tm, test_match_name_limit);
    suite_add_tcase(s, tm);
    tcase_set_timeout(th, 60);
    tcase_add_test(th, test_match_hostile);
    suite_add_tcase(s, th);
    return s;
}
