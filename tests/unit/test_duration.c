/* test_duration: duration and size parsing and formatting. */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "verifier/util/duration.h"

Suite *duration_suite(void);

START_TEST(test_parse_units)
{
    static const struct {
        const char *in;
        int64_t want;
    } cases[] = {
        {"0s", 0},
        {"90s", 90},
        {"15m", 900},
        {"26h", 93600},
        {"7d", 604800},
        {"0d", 0},
        {"007s", 7},
        {"1d", 86400},
        {"60m", 3600},
        {"9223372036854775807s", INT64_MAX},
        {"106751991167300d", 106751991167300 * (int64_t)86400},
        {"153722867280912930m", 153722867280912930 * (int64_t)60},
        {"2562047788015215h", 2562047788015215 * (int64_t)3600},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -42;

        ck_assert_msg(duration_parse(cases[i].in, &v) == 0, "%s", cases[i].in);
        ck_assert_int_eq(v, cases[i].want);
    }
}
END_TEST

START_TEST(test_parse_rejects)
{
    static const char *const bad[] = {
        "",
        "5",
        "s",
        "-5s",
        "+5s",
        "5 s",
        " 5s",
        "5s ",
        "5S",
        "5M",
        "5D",
        "1.5h",
        "5sec",
        "5ss",
        "5sm",
        "0x10s",
        "5w",
        "5ms",
        "99999999999999999999d",
        "9223372036854775808s",
        "106751991167301d", /* just over INT64_MAX seconds */
        "153722867280912931m",
        "2562047788015216h",
        "5s\n",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 12345;

        ck_assert_msg(duration_parse(bad[i], &v) == -1, "accepted '%s'",
                      bad[i]);
        ck_assert_msg(v == 12345, "'%s' changed out", bad[i]);
    }
    ck_assert_int_eq(duration_parse(NULL, &(int64_t){0}), -1);
}
END_TEST

START_TEST(test_format)
{
    char buf[32];

    ck_assert_str_eq(duration_format(0, buf, sizeof(buf)), "0s");
    ck_assert_str_eq(duration_format(90, buf, sizeof(buf)), "90s");
    ck_assert_str_eq(duration_format(900, buf, sizeof(buf)), "15m");
    ck_assert_str_eq(duration_format(93600, buf, sizeof(buf)), "26h");
    ck_assert_str_eq(duration_format(604800, buf, sizeof(buf)), "7d");
    ck_assert_str_eq(duration_format(86401, buf, sizeof(buf)), "86401s");
    ck_assert_str_eq(duration_format(5400, buf, sizeof(buf)), "90m");
    ck_assert_str_eq(duration_format(-120, buf, sizeof(buf)), "-2m");
    ck_assert_str_eq(duration_format(INT64_MAX, buf, sizeof(buf)),
                     "9223372036854775807s");
    ck_assert_str_eq(duration_format(INT64_MIN, buf, sizeof(buf)),
                     "-9223372036854775808s");
    /* Truncated to fit, always terminated. */
    ck_assert_str_eq(duration_format(93600, buf, 3), "26");
    ck_assert_ptr_eq(duration_format(1, buf, 0), buf);
}
END_TEST

START_TEST(test_format_round_trip)
{
    static const int64_t vals[] = {
        0,     1,     59,    60,     61,         3599,      3600,
        86399, 86400, 93600, 604800, 1234567890, INT64_MAX, INT64_MAX - 1};
    char buf[32];
    size_t i;

    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        int64_t v = -1;

        duration_format(vals[i], buf, sizeof(buf));
        ck_assert_int_eq(duration_parse(buf, &v), 0);
        ck_assert_int_eq(v, vals[i]);
    }
}
END_TEST

START_TEST(test_human)
{
    char buf[32];

    ck_assert_str_eq(duration_human(0, buf, sizeof(buf)), "0s");
    ck_assert_str_eq(duration_human(45, buf, sizeof(buf)), "45s");
    ck_assert_str_eq(duration_human(60, buf, sizeof(buf)), "1m");
    ck_assert_str_eq(duration_human(90, buf, sizeof(buf)), "1m 30s");
    ck_assert_str_eq(duration_human(3600, buf, sizeof(buf)), "1h");
    ck_assert_str_eq(duration_human(3 * 3600 + 12 * 60 + 59, buf, sizeof(buf)),
                     "3h 12m");
    ck_assert_str_eq(duration_human(2 * 86400 + 4 * 3600 + 1, buf, sizeof(buf)),
                     "2d 4h");
    ck_assert_str_eq(duration_human(86400 + 59, buf, sizeof(buf)), "1d");
    ck_assert_str_eq(duration_human(-45, buf, sizeof(buf)), "-45s");
    ck_assert_str_eq(duration_human(-(3 * 3600 + 12 * 60), buf, sizeof(buf)),
                     "-3h 12m");
    ck_assert_str_eq(duration_human(INT64_MIN, buf, sizeof(buf)),
                     "-106751991167300d 15h");
    ck_assert_str_eq(duration_human(INT64_MAX, buf, sizeof(buf)),
                     "106751991167300d 15h");
}
END_TEST

START_TEST(test_size_parse)
{
    static const struct {
        const char *in;
        int64_t want;
    } cases[] = {
        {"0", 0},
        {"512", 512},
        {"512B", 512},
        {"10k", 10240},
        {"10K", 10240},
        {"10kB", 10240},
        {"10KB", 10240},
        {"10KiB", 10240},
        {"5M", 5 * 1048576},
        {"5MB", 5 * 1048576},
        {"5MiB", 5 * 1048576},
        {"2G", 2 * (int64_t)1073741824},
        {"2GiB", 2 * (int64_t)1073741824},
        {"3T", 3 * ((int64_t)1 << 40)},
        {"3TiB", 3 * ((int64_t)1 << 40)},
        {"8388607T", 8388607 * ((int64_t)1 << 40)},
        {"9223372036854775807", INT64_MAX},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -42;

        ck_assert_msg(size_parse(cases[i].in, &v) == 0, "%s", cases[i].in);
        ck_assert_int_eq(v, cases[i].want);
    }
}
END_TEST

START_TEST(test_size_rejects)
{
    static const char *const bad[] = {
        "",
        "k",
        "-1",
        "+1",
        "1.5M",
        "10 k",
        " 10k",
        "10k ",
        "10m",
        "10mb",
        "10Mb",
        "10kb",
        "10KIB",
        "10P",
        "10X",
        "10MiBs",
        "10b",
        "0x10",
        "8388608T",
        "9223372036854775808",
        "99999999999999999999",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 12345;

        ck_assert_msg(size_parse(bad[i], &v) == -1, "accepted '%s'", bad[i]);
        ck_assert_int_eq(v, 12345);
    }
    ck_assert_int_eq(size_parse(NULL, &(int64_t){0}), -1);
}
END_TEST

START_TEST(test_size_human)
{
    char buf[32];

    ck_assert_str_eq(size_human(0, buf, sizeof(buf)), "0 B");
    ck_assert_str_eq(size_human(512, buf, sizeof(buf)), "512 B");
    ck_assert_str_eq(size_human(1023, buf, sizeof(buf)), "1023 B");
    ck_assert_str_eq(size_human(1024, buf, sizeof(buf)), "1.0 KiB");
    ck_assert_str_eq(size_human(2150, buf, sizeof(buf)), "2.1 KiB");
    ck_assert_str_eq(size_human(1536, buf, sizeof(buf)), "1.5 KiB");
    ck_assert_str_eq(size_human(3565158, buf, sizeof(buf)), "3.4 MiB");
    /* 1023.97 KiB rounds up into the next unit, not "1024.0 KiB". */
    ck_assert_str_eq(size_human(1048550, buf, sizeof(buf)), "1.0 MiB");
    ck_assert_str_eq(size_human((int64_t)1 << 30, buf, sizeof(buf)), "1.0 GiB");
    ck_assert_str_eq(size_human((int64_t)5 << 40, buf, sizeof(buf)), "5.0 TiB");
    ck_assert_str_eq(size_human(INT64_MAX, buf, sizeof(buf)), "8.0 EiB");
    ck_assert_str_eq(size_human(-2150, buf, sizeof(buf)), "-2.1 KiB");
    ck_assert_str_eq(size_human(INT64_MIN, buf, sizeof(buf)), "-8.0 EiB");
    ck_assert_str_eq(size_human(2150, buf, 4), "2.1");
}
END_TEST

Suite *
duration_suite(void)
{
    Suite *s = suite_create("duration");
    TCase *tc = tcase_create("duration");
    TCase *ts = tcase_create("size");

    tcase_add_test(tc, test_parse_units);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_format_round_trip);
    tcase_add_test(tc, test_human);
    suite_add_tcase(s, tc);
    tcase_add_test(ts, test_size_parse);
    tcase_add_test(ts, test_size_rejects);
    tcase_add_test(ts, test_size_human);
    suite_add_tcase(s, ts);
    return s;
}
