/* test_rd_err: error codes, run statuses and the error record. */
#include <string.h>

#include <check.h>

#include "verifier/util/rd_err.h"

Suite *rd_err_suite(void);

START_TEST(test_set_strips_libpq_newline)
{
    struct rd_err err = {0};

    ck_assert_int_eq(rd_err_set(&err, RD_DB_UNREACHABLE, "query failed: %s",
                                "ERROR:  boom\n"),
                     -1);
    ck_assert_int_eq(err.code, RD_DB_UNREACHABLE);
    ck_assert_str_eq(err.msg, "query failed: ERROR:  boom");
}
END_TEST

/* A message that wraps the error's own message (a common caller pattern). */
START_TEST(test_set_wraps_own_message)
{
    struct rd_err err = {0};

    rd_err_set(&err, RD_INTERNAL, "cannot write '%s': %s", "/x",
               "No space left");
    rd_err_set(&err, RD_ACCESS_DENIED, "cannot record it in '%s': %s", "/state",
               err.msg);
    ck_assert_str_eq(err.msg, "cannot record it in '/state': cannot write "
                              "'/x': No space left");
}
END_TEST

START_TEST(test_set_formats_and_truncates)
{
    struct rd_err err = {0};
    char big[RD_ERR_MSG_MAX * 2];

    rd_err_set(&err, RD_ARCHIVE_NOT_FOUND, "no archive matches '%s' in '%s'",
               "mail_%Y*", "/backups");
    ck_assert_str_eq(err.msg, "no archive matches 'mail_%Y*' in '/backups'");

    /* Inner newlines are kept; only the end is cleaned. */
    rd_err_set(&err, RD_INTERNAL, "%s", "line one\nHINT: line two\n");
    ck_assert_str_eq(err.msg, "line one\nHINT: line two");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    rd_err_set(&err, RD_INTERNAL, "%s", big);
    ck_assert_uint_eq(strlen(err.msg), RD_ERR_MSG_MAX - 1);

    /* A NULL record is allowed. */
    ck_assert_int_eq(rd_err_set(NULL, RD_INTERNAL, "%s", "ignored"), -1);
}
END_TEST

START_TEST(test_clear)
{
    struct rd_err err = {0};

    rd_err_set(&err, RD_LOCKED, "lock '%s' is held", "job");
    rd_err_clear(&err);
    ck_assert_int_eq(err.code, RD_OK);
    ck_assert_str_eq(err.msg, "");
    rd_err_clear(NULL);
}
END_TEST

START_TEST(test_code_names)
{
    int c, d;

    ck_assert_str_eq(rd_code_name(RD_OK), "ok");
    ck_assert_str_eq(rd_code_name(RD_ARCHIVE_NOT_FOUND), "archive_not_found");
    ck_assert_str_eq(rd_code_name(RD_DECOMPRESS_TRUNCATED),
                     "decompress_truncated");
    ck_assert_str_eq(rd_code_name(RD_CHECKSUM_MISMATCH), "checksum_mismatch");
    ck_assert_str_eq(rd_code_name(RD_PROBE_TIMEOUT), "probe_timeout");
    ck_assert_str_eq(rd_code_name(RD_CONFIG_INVALID), "config_invalid");
    ck_assert_str_eq(rd_code_name(RD_TOOL_TOO_OLD), "tool_too_old");
    ck_assert_str_eq(rd_code_name(RD_MISSING_EXTENSION), "missing_extension");
    ck_assert_str_eq(rd_code_name(RD_LOCKED), "locked");
    ck_assert_str_eq(rd_code_name(RD_INTERRUPTED), "interrupted");
    /* Out of range. */
    ck_assert_str_eq(rd_code_name(RD_CODE_COUNT), "internal");
    ck_assert_str_eq(rd_code_name((enum rd_code) - 1), "internal");

    /* Every code has a distinct snake_case name. */
    for (c = 0; c < RD_CODE_COUNT; c++) {
        const char *n = rd_code_name((enum rd_code)c);

        ck_assert_ptr_nonnull(n);
        ck_assert_uint_gt(strlen(n), 0);
        ck_assert_uint_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz_"), strlen(n));
        for (d = 0; d < c; d++)
            ck_assert_str_ne(n, rd_code_name((enum rd_code)d));
    }
}
END_TEST

START_TEST(test_code_status)
{
    int c;

    /* PRODUCT.md: bad or missing backup -> critical. */
    for (c = RD_ARCHIVE_NOT_FOUND; c <= RD_PROBE_TIMEOUT; c++)
        ck_assert_msg(rd_code_status((enum rd_code)c) == RD_ST_CRITICAL, "%s",
                      rd_code_name((enum rd_code)c));
    /* The check could not be made -> unknown. */
    for (c = RD_CONFIG_INVALID; c <= RD_INTERRUPTED; c++)
        ck_assert_msg(rd_code_status((enum rd_code)c) == RD_ST_UNKNOWN, "%s",
                      rd_code_name((enum rd_code)c));
    ck_assert_int_eq(rd_code_status(RD_OK), RD_ST_OK);
    ck_assert_int_eq(rd_code_status(RD_RESTORE_ERRORS), RD_ST_CRITICAL);
    ck_assert_int_eq(rd_code_status(RD_LOCKED), RD_ST_UNKNOWN);
    ck_assert_int_eq(rd_code_status(RD_CODE_COUNT), RD_ST_UNKNOWN);
    ck_assert_int_eq(rd_code_status((enum rd_code) - 5), RD_ST_UNKNOWN);
}
END_TEST

START_TEST(test_status_names)
{
    ck_assert_str_eq(rd_status_name(RD_ST_OK), "ok");
    ck_assert_str_eq(rd_status_name(RD_ST_WARNING), "warning");
    ck_assert_str_eq(rd_status_name(RD_ST_CRITICAL), "critical");
    ck_assert_str_eq(rd_status_name(RD_ST_UNKNOWN), "unknown");
    ck_assert_str_eq(rd_status_name(RD_ST_SKIPPED), "skipped");
    ck_assert_str_eq(rd_status_name((enum rd_status)42), "unknown");
    /* The exit codes of the monitoring-plugin convention. */
    ck_assert_int_eq(RD_ST_OK, 0);
    ck_assert_int_eq(RD_ST_WARNING, 1);
    ck_assert_int_eq(RD_ST_CRITICAL, 2);
    ck_assert_int_eq(RD_ST_UNKNOWN, 3);
}
END_TEST

START_TEST(test_status_order)
{
    /* critical > unknown > warning > ok > skipped */
    static const enum rd_status order[] = {
        RD_ST_SKIPPED, RD_ST_OK, RD_ST_WARNING, RD_ST_UNKNOWN, RD_ST_CRITICAL};
    size_t i, j;

    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(rd_status_rank(order[i]), (int)i);
        for (j = 0; j < 5; j++) {
            enum rd_status want = order[i > j ? i : j];

            ck_assert_int_eq(rd_status_worse(order[i], order[j]), want);
        }
    }
    ck_assert_int_eq(rd_status_worse(RD_ST_UNKNOWN, RD_ST_CRITICAL),
                     RD_ST_CRITICAL);
    ck_assert_int_eq(rd_status_worse(RD_ST_WARNING, RD_ST_UNKNOWN),
                     RD_ST_UNKNOWN);
    ck_assert_int_eq(rd_status_worse(RD_ST_SKIPPED, RD_ST_OK), RD_ST_OK);
}
END_TEST

Suite *
rd_err_suite(void)
{
    Suite *s = suite_create("rd_err");
    TCase *tc = tcase_create("err");
    TCase *ts = tcase_create("status");

    tcase_add_test(tc, test_set_strips_libpq_newline);
    tcase_add_test(tc, test_set_formats_and_truncates);
    tcase_add_test(tc, test_set_wraps_own_message);
    tcase_add_test(tc, test_clear);
    tcase_add_test(tc, test_code_names);
    tcase_add_test(tc, test_code_status);
    suite_add_tcase(s, tc);
    tcase_add_test(ts, test_status_names);
    tcase_add_test(ts, test_status_order);
    suite_add_tcase(s, ts);
    return s;
}
