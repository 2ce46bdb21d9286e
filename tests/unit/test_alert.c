/* test_alert: when a channel alerts, the one-line summary, URL handling. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "reports/alert.h"
#include "reports/report.h"
#include "verifier/util/http.h"

Suite *alert_suite(void);

static struct alert_last
last_of(enum rd_status st, const char *code)
{
    struct alert_last l = {.active = true, .status = st};

    snprintf(l.code, sizeof(l.code), "%s", code);
    snprintf(l.at, sizeof(l.at), "2026-11-25T03:30:00Z");
    return l;
}

START_TEST(test_decide_threshold)
{
    struct alert_last none = {0};

    /* alert_on = warning: warning, critical and unknown fire. */
    ck_assert_int_eq(alert_decide(RD_ST_OK, "", RD_ST_WARNING, false, &none),
                     ALERT_NONE);
    ck_assert_int_eq(
        alert_decide(RD_ST_WARNING, "", RD_ST_WARNING, false, &none),
        ALERT_FIRE);
    ck_assert_int_eq(alert_decide(RD_ST_CRITICAL, "restore_errors",
                                  RD_ST_WARNING, false, &none),
                     ALERT_FIRE);
    /* alert_on = critical: a warning does not, unknown always does. */
    ck_assert_int_eq(
        alert_decide(RD_ST_WARNING, "", RD_ST_CRITICAL, false, &none),
        ALERT_NONE);
    ck_assert_int_eq(
        alert_decide(RD_ST_CRITICAL, "x", RD_ST_CRITICAL, false, &none),
        ALERT_FIRE);
    ck_assert_int_eq(alert_decide(RD_ST_UNKNOWN, "interrupted", RD_ST_CRITICAL,
                                  false, &none),
                     ALERT_FIRE);
    ck_assert_int_eq(
        alert_decide(RD_ST_SKIPPED, "", RD_ST_WARNING, false, &none),
        ALERT_NONE);
}
END_TEST

START_TEST(test_decide_repeat_and_resolve)
{
    struct alert_last crit = last_of(RD_ST_CRITICAL, "restore_errors");

    /* The same failure again: held back unless alert_repeat = always. */
    ck_assert_int_eq(alert_decide(RD_ST_CRITICAL, "restore_errors",
                                  RD_ST_WARNING, false, &crit),
                     ALERT_SUPPRESS);
    ck_assert_int_eq(alert_decide(RD_ST_CRITICAL, "restore_errors",
                                  RD_ST_WARNING, true, &crit),
                     ALERT_FIRE);
    /* Another code or another status is a new failure. */
    ck_assert_int_eq(alert_decide(RD_ST_CRITICAL, "archive_too_old",
                                  RD_ST_WARNING, false, &crit),
                     ALERT_FIRE);
    ck_assert_int_eq(alert_decide(RD_ST_UNKNOWN, "restore_errors",
                                  RD_ST_WARNING, false, &crit),
                     ALERT_FIRE);
    /* The set of codes is the key: a new cause joining fires, the same set
       in another order does not; an alert.json from before errors[] (one
       code) matches a run with just that cause. */
    {
        struct alert_last two =
            last_of(RD_ST_CRITICAL, "probe_failed,archive_too_old");

        ck_assert_int_eq(alert_decide(RD_ST_CRITICAL,
                                      "archive_too_old,probe_failed",
                                      RD_ST_WARNING, false, &two),
                         ALERT_SUPPRESS);
        ck_assert_int_eq(alert_decide(RD_ST_CRITICAL,
                                      "archive_too_old,restore_errors",
                                      RD_ST_WARNING, false, &crit),
                         ALERT_FIRE);
        ck_assert_int_eq(alert_decide(RD_ST_CRITICAL, "probe_failed",
                                      RD_ST_WARNING, false, &two),
                         ALERT_FIRE);
        ck_assert(alert_same_cause("b,a,a", "a,b"));
        ck_assert(!alert_same_cause("a", "a,b"));
        ck_assert(alert_same_cause("", ""));
    }
    /* Back to ok, or below the threshold: resolved. */
    ck_assert_int_eq(alert_decide(RD_ST_OK, "", RD_ST_WARNING, false, &crit),
                     ALERT_RESOLVE);
    ck_assert_int_eq(
        alert_decide(RD_ST_WARNING, "", RD_ST_CRITICAL, false, &crit),
        ALERT_RESOLVE);
}
END_TEST

START_TEST(test_summary)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};
    struct alert_last crit = last_of(RD_ST_CRITICAL, "restore_errors");
    char buf[1024];

    ck_assert_ptr_nonnull(r);
    json_object_set_new(report_archive(r), "name",
                        json_string("app_20261126.dump"));
    rd_err_set(&err, RD_RESTORE_ERRORS,
               "pg_restore reported 2 errors\nHINT: see restore.errors");
    report_error(r, "restore", &err);
    ck_assert_str_eq(
        alert_summary(r, false, NULL, buf, sizeof(buf)),
        "restoredrill: job 'app' is CRITICAL: restore_errors: pg_restore "
        "reported 2 errors (archive 'app_20261126.dump')");
    report_free(r);

    /* The archive is not named twice; the line stays one line. */
    r = report_new("verify", "app");
    json_object_set_new(report_archive(r), "name", json_string("a\nb.dump"));
    rd_err_set(&err, RD_FORMAT_UNKNOWN, "archive 'a\nb.dump' is not a dump");
    report_error(r, "decode", &err);
    alert_summary(r, false, NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf,
                     "restoredrill: job 'app' is CRITICAL: format_unknown: "
                     "archive 'a (archive 'a b.dump')");
    report_free(r);

    r = report_new("verify", "app");
    ck_assert_str_eq(alert_summary(r, true, &crit, buf, sizeof(buf)),
                     "restoredrill: job 'app' is RESOLVED: verify passed "
                     "again (was CRITICAL: restore_errors)");
    report_free(r);
}
END_TEST

START_TEST(test_cause)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};
    json_t *p = report_probes(r);
    char buf[256];

    ck_assert_str_eq(alert_cause(r, buf, sizeof(buf)), "");
    /* A warning has no error code: its probes and stages say what it is. */
    json_array_append_new(
        p, json_pack("{s:s, s:s}", "name", "orders_today", "status", "ok"));
    json_array_append_new(p, json_pack("{s:s, s:s}", "name", "recent_login",
                                       "status", "warning"));
    report_stage_end(r, STAGE_PROBES, RD_ST_WARNING);
    report_stage_end(r, STAGE_DRIFT, RD_ST_WARNING);
    report_stage_end(r, STAGE_ALERT, RD_ST_WARNING);
    report_finish(r, 1);
    ck_assert_str_eq(alert_cause(r, buf, sizeof(buf)),
                     "probe:recent_login,stage:probes,stage:drift");
    /* An error code wins. */
    rd_err_set(&err, RD_PROBE_FAILED, "probe 'x' failed");
    report_error(r, "probes", &err);
    ck_assert_str_eq(alert_cause(r, buf, sizeof(buf)), "probe_failed");
    /* Every code counts, sorted, each once. */
    rd_err_set(&err, RD_PROBE_FAILED, "probe 'y' failed");
    report_error(r, "probes", &err);
    rd_err_set(&err, RD_ARCHIVE_TOO_OLD, "5h old");
    report_error(r, "select", &err);
    ck_assert_str_eq(alert_cause(r, buf, sizeof(buf)),
                     "archive_too_old,probe_failed");
    report_free(r);
}
END_TEST

START_TEST(test_url_append)
{
    static const char *const cases[][3] = {
        {"https://hc-ping.com/5f0c", "start", "https://hc-ping.com/5f0c/start"},
        {"https://hc-ping.com/5f0c/", "2", "https://hc-ping.com/5f0c/2"},
        {"http://127.0.0.1:8080/p/?x=1", "start",
         "http://127.0.0.1:8080/p/start?x=1"},
        {"http://h", "0", "http://h/0"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *u = http_url_append(cases[i][0], cases[i][1]);

        ck_assert_ptr_nonnull(u);
        ck_assert_str_eq(u, cases[i][2]);
        free(u);
    }
    ck_assert_ptr_null(http_url_append("not a url", "start"));
}
END_TEST

START_TEST(test_url_check)
{
    char why[160];

    ck_assert_int_eq(
        http_url_check("https://hooks.example.com/x", why, sizeof(why)), 0);
    ck_assert_int_eq(http_url_check("HTTP://127.0.0.1:99/", why, sizeof(why)),
                     0);
    ck_assert_int_eq(http_url_check("ftp://h/x", why, sizeof(why)), -1);
    ck_assert_str_eq(why, "only http:// and https:// URLs are supported");
    ck_assert_int_eq(http_url_check("hooks.example.com/x", why, sizeof(why)),
                     -1);
    ck_assert_int_eq(http_url_check("", why, sizeof(why)), -1);
    ck_assert_int_eq(http_url_check("http:///x", why, sizeof(why)), -1);
    ck_assert_str_eq(why, "the URL has no host");
    ck_assert_int_eq(http_url_check("https://", why, sizeof(why)), -1);
    ck_assert_int_eq(http_url_check("file:///etc/passwd", why, sizeof(why)),
                     -1);
}
END_TEST

Suite *
alert_suite(void)
{
    Suite *s = suite_create("alert");
    TCase *tc = tcase_create("alert");

    tcase_add_test(tc, test_decide_threshold);
    tcase_add_test(tc, test_decide_repeat_and_resolve);
    tcase_add_test(tc, test_summary);
    tcase_add_test(tc, test_cause);
    tcase_add_test(tc, test_url_append);
    tcase_add_test(tc, test_url_check);
    suite_add_tcase(s, tc);
    return s;
}
