/* test_metrics: Prometheus textfile metrics (lines, carry-over, sharing). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"
#include <jansson.h>

#include "reports/metrics.h"
#include "verifier/util/fsutil.h"

Suite *metrics_suite(void);

#define PROMTOOL "/usr/bin/promtool"

static const char *const tmpdir = testutil_tmpdir;
static char prom_path[PATH_MAX + 16];

static void
setup(void)
{
    snprintf(prom_path, sizeof(prom_path), "%s/rd.prom", tmpdir);
}

/* metrics_write() of the report ${json} to the test file; returns its rc. */
static int
write_metrics(const char *json)
{
    struct rd_err err = {0};
    json_error_t jerr;
    json_t *report = json_loads(json, 0, &jerr);
    int rc;

    ck_assert_msg(report != NULL, "bad test JSON: %s", jerr.text);
    rc = metrics_write(report, prom_path, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    json_decref(report);
    return rc;
}

/* Assert that promtool accepts the file (lint included). */
static void
assert_promtool(void)
{
    char cmd[PATH_MAX + 64];

    ck_assert_msg(access(PROMTOOL, X_OK) == 0,
                  PROMTOOL " is missing (Debian prometheus)");
    snprintf(cmd, sizeof(cmd), PROMTOOL " check metrics < '%s'", prom_path);
    ck_assert_int_eq(system(cmd), 0);
}

/* A report of job ${job} with ${status}, finished at ${fin}. */
static char *
report_json(const char *job, const char *status, int exit_code, const char *fin)
{
    char *s = NULL;

    ck_assert_int_ge(
        asprintf(&s,
                 "{\"job\": \"%s\", \"status\": \"%s\", \"exit_code\": %d,"
                 " \"finished_at\": \"%s\","
                 " \"archive\": {\"age_s\": 14594, \"size_bytes\": 1873420288},"
                 " \"restore\": {\"duration_s\": 611.84},"
                 " \"probes\": ["
                 "  {\"name\": \"recent_login\", \"kind\": \"freshness\","
                 "   \"status\": \"%s\", \"age_s\": 15291},"
                 "  {\"name\": \"orders\", \"kind\": \"rows\","
                 "   \"status\": \"ok\", \"age_s\": null}]}",
                 job, status, exit_code, fin, status),
        0);
    return s;
}

/* A failed run that selected no archive and restored nothing. */
static char *
failed_json(const char *job, const char *status, int exit_code, const char *fin)
{
    char *s = NULL;

    ck_assert_int_ge(
        asprintf(&s,
                 "{\"job\": \"%s\", \"status\": \"%s\", \"exit_code\": %d,"
                 " \"finished_at\": \"%s\","
                 " \"archive\": {\"age_s\": null, \"size_bytes\": null},"
                 " \"restore\": {\"duration_s\": null}, \"probes\": []}",
                 job, status, exit_code, fin),
        0);
    return s;
}

static const char ok_app[] =
    "# HELP restoredrill_last_run_timestamp_seconds Unix time the last "
    "restoredrill run of the job finished.\n"
    "# TYPE restoredrill_last_run_timestamp_seconds gauge\n"
    "restoredrill_last_run_timestamp_seconds{job=\"app\"} 1795670018\n"
    "# HELP restoredrill_last_success_timestamp_seconds Unix time the last ok "
    "or warning run of the job finished.\n"
    "# TYPE restoredrill_last_success_timestamp_seconds gauge\n"
    "restoredrill_last_success_timestamp_seconds{job=\"app\"} 1795670018\n"
    "# HELP restoredrill_status Status of the last run: 0 ok, 1 warning, 2 "
    "critical, 3 unknown.\n"
    "# TYPE restoredrill_status gauge\n"
    "restoredrill_status{job=\"app\"} 0\n"
    "# HELP restoredrill_archive_age_seconds Age of the archive the last run "
    "restored.\n"
    "# TYPE restoredrill_archive_age_seconds gauge\n"
    "restoredrill_archive_age_seconds{job=\"app\"} 14594\n"
    "# HELP restoredrill_archive_size_bytes Stored size of the archive the "
    "last run restored.\n"
    "# TYPE restoredrill_archive_size_bytes gauge\n"
    "restoredrill_archive_size_bytes{job=\"app\"} 1873420288\n"
    "# HELP restoredrill_restore_duration_seconds Time the last restore "
    "took.\n"
    "# TYPE restoredrill_restore_duration_seconds gauge\n"
    "restoredrill_restore_duration_seconds{job=\"app\"} 611.84\n"
    "# HELP restoredrill_probe_status Status of the probe in the last run: 0 "
    "ok, 1 warning, 2 critical, 3 unknown.\n"
    "# TYPE restoredrill_probe_status gauge\n"
    "restoredrill_probe_status{job=\"app\",probe=\"recent_login\"} 0\n"
    "restoredrill_probe_status{job=\"app\",probe=\"orders\"} 0\n"
    "# HELP restoredrill_probe_age_seconds Age of the newest value a "
    "freshness probe found in the last run.\n"
    "# TYPE restoredrill_probe_age_seconds gauge\n"
    "restoredrill_probe_age_seconds{job=\"app\",probe=\"recent_login\"} "
    "15291\n";

START_TEST(test_ok_run_exact)
{
    char *json = report_json("app", "ok", 0, "2026-11-26T05:13:38Z");
    char *text;

    write_metrics(json);
    text = testutil_slurp(prom_path);
    ck_assert_str_eq(text, ok_app);
    assert_promtool();

    /* Writing the same run again changes nothing. */
    write_metrics(json);
    free(text);
    text = testutil_slurp(prom_path);
    ck_assert_str_eq(text, ok_app);
    free(text);
    free(json);
}
END_TEST

START_TEST(test_last_success_carried_over)
{
    char *ok = report_json("app", "warning", 1, "2026-11-26T05:13:38Z");
    char *bad = failed_json("app", "critical", 2, "2026-11-27T05:13:02Z");
    char *text;

    write_metrics(ok);
    write_metrics(bad);
    text = testutil_slurp(prom_path);
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_last_run_timestamp_seconds{job=\"app\"} "
                     "1795756382\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "\nrestoredrill_last_success_timestamp_seconds{job=\"app\"} "
              "1795670018\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_status{job=\"app\"} 2\n"));
    /* Null fields and an empty probes[] leave no samples and no HELP. */
    ck_assert_ptr_null(strstr(text, "archive_age"));
    ck_assert_ptr_null(strstr(text, "archive_size"));
    ck_assert_ptr_null(strstr(text, "restore_duration"));
    ck_assert_ptr_null(strstr(text, "probe"));
    assert_promtool();
    free(text);

    /* And again: the carried value survives a second failure. */
    write_metrics(bad);
    text = testutil_slurp(prom_path);
    ck_assert_ptr_nonnull(strstr(
        text, "\nrestoredrill_last_success_timestamp_seconds{job=\"app\"} "
              "1795670018\n"));
    free(text);
    free(ok);
    free(bad);
}
END_TEST

START_TEST(test_never_succeeded_last_success_zero)
{
    char *bad = failed_json("app", "unknown", 3, "2026-11-27T05:13:02Z");
    char *text;

    write_metrics(bad);
    text = testutil_slurp(prom_path);
    /* 0 until the first success, so "no success for 26h" fires. */
    ck_assert_ptr_nonnull(strstr(
        text,
        "\nrestoredrill_last_success_timestamp_seconds{job=\"app\"} 0\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_status{job=\"app\"} 3\n"));
    assert_promtool();
    free(text);
    free(bad);
}
END_TEST

START_TEST(test_signal_exit_is_unknown)
{
    char *bad = failed_json("app", "critical", 143, "2026-11-27T05:13:02Z");
    char *text;

    write_metrics(bad);
    text = testutil_slurp(prom_path);
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_status{job=\"app\"} 3\n"));
    free(text);
    free(bad);
}
END_TEST

START_TEST(test_two_jobs_share_a_file)
{
    char *app_ok = report_json("app", "ok", 0, "2026-11-26T05:13:38Z");
    char *db_ok = report_json("db", "ok", 0, "2026-11-26T06:00:00Z");
    char *app_bad = failed_json("app", "critical", 2, "2026-11-27T05:13:02Z");
    char *text;

    write_metrics(app_ok);
    write_metrics(db_ok);
    write_metrics(app_bad);
    text = testutil_slurp(prom_path);

    /* db's lines are all there, app's were replaced. */
    ck_assert_int_eq(testutil_count(text, "{job=\"db\""), 9);
    ck_assert_int_eq(testutil_count(text, "{job=\"app\""), 3);
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_status{job=\"db\"} 0\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_status{job=\"app\"} 2\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "\nrestoredrill_last_success_timestamp_seconds{job=\"app\"} "
              "1795670018\n"));
    /* One HELP and TYPE per name, each group in one piece. */
    ck_assert_int_eq(testutil_count(text, "# HELP restoredrill_status "), 1);
    ck_assert_int_eq(testutil_count(text, "# TYPE restoredrill_status gauge"),
                     1);
    ck_assert_int_eq(testutil_count(text, "# HELP "), 8);
    ck_assert_ptr_nonnull(
        strstr(text, "# TYPE restoredrill_status gauge\n"
                     "restoredrill_status{job=\"db\"} 0\n"
                     "restoredrill_status{job=\"app\"} 2\n# HELP "));
    assert_promtool();
    free(text);
    free(app_ok);
    free(db_ok);
    free(app_bad);
}
END_TEST

START_TEST(test_label_escaping)
{
    /* Job a\b"c<newline>d, probe x"y. */
    const char *json =
        "{\"job\": \"a\\\\b\\\"c\\nd\", \"status\": \"ok\", \"exit_code\": 0,"
        " \"finished_at\": \"2026-11-26T05:13:38Z\","
        " \"archive\": {\"age_s\": 1.5, \"size_bytes\": 10},"
        " \"restore\": {\"duration_s\": 0.1},"
        " \"probes\": [{\"name\": \"x\\\"y\", \"status\": \"critical\","
        "  \"age_s\": -2}, {\"name\": \"x\\\"y\", \"status\": \"ok\"}]}";
    char *text;

    write_metrics(json);
    write_metrics(json); /* the escaped job must match its own lines */
    text = testutil_slurp(prom_path);
    ck_assert_int_eq(testutil_count(text, "{job=\"a\\\\b\\\"c\\nd\""), 8);
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_probe_status{job=\"a\\\\b\\\"c\\nd\","
                     "probe=\"x\\\"y\"} 2\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "\nrestoredrill_probe_age_seconds{job=\"a\\\\b\\\"c\\nd\","
                     "probe=\"x\\\"y\"} -2\n"));
    ck_assert_ptr_nonnull(strstr(text, "} 1.5\n"));
    ck_assert_ptr_nonnull(strstr(text, "} 0.1\n"));
    /* The duplicate probe name kept its first probe only. */
    ck_assert_int_eq(testutil_count(text, "\nrestoredrill_probe_status{"), 1);
    assert_promtool();
    free(text);
}
END_TEST

START_TEST(test_foreign_lines)
{
    char *json = report_json("app", "ok", 0, "2026-11-26T05:13:38Z");
    char *text;

    testutil_put(prom_path, "# a comment\n"
                            "# HELP other_metric Something else.\n"
                            "# TYPE other_metric counter\n"
                            "other_metric 7\n"
                            "restoredrill_status{job=\"old\",x=\"1\"} 1\n"
                            "restoredrill_status{job=\"app\"} 2\n"
                            "restoredrill_gone{job=\"app\"} 1\n"
                            "this is not a sample\n"
                            "restoredrill_status{job=\"broken} 1\n"
                            "\n");
    write_metrics(json);
    text = testutil_slurp(prom_path);
    ck_assert_ptr_nonnull(strstr(text, "# HELP other_metric Something else.\n"
                                       "# TYPE other_metric counter\n"
                                       "other_metric 7\n"));
    ck_assert_ptr_nonnull(strstr(text,
                                 "# TYPE restoredrill_status gauge\n"
                                 "restoredrill_status{job=\"old\",x=\"1\"} 1\n"
                                 "restoredrill_status{job=\"app\"} 0\n"));
    ck_assert_ptr_null(strstr(text, "restoredrill_gone"));
    ck_assert_ptr_null(strstr(text, "not a sample"));
    ck_assert_ptr_null(strstr(text, "broken"));
    ck_assert_ptr_null(strstr(text, "a comment"));
    free(text);
    free(json);
}
END_TEST

/*
 * Children writing at once never lose each other's lines: every write adds
 * a new job, so a lost update would stay lost.
 */
START_TEST(test_concurrent_jobs)
{
    enum { NCHILD = 4, ROUNDS = 10 };
    int go[2], status;
    char *text;

    ck_assert_int_eq(pipe(go), 0);
    for (int c = 0; c < NCHILD; c++) {
        pid_t pid = fork();

        ck_assert_int_ne(pid, -1);
        if (pid == 0) {
            char job[32], b;
            int bad = 0;

            close(go[1]);
            (void)read(go[0], &b, 1); /* start together: EOF when closed */
            for (int i = 0; i < ROUNDS; i++) {
                char *json;
                json_t *r;

                snprintf(job, sizeof(job), "job%d_%d", c, i);
                json = report_json(job, "ok", 0, "2026-11-26T05:13:38Z");
                r = json_loads(json, 0, NULL);
                bad |= r == NULL || metrics_write(r, prom_path, NULL) != 0;
                json_decref(r);
                free(json);
            }
            _exit(bad ? 1 : 0);
        }
    }
    close(go[0]);
    close(go[1]);
    for (int c = 0; c < NCHILD; c++) {
        ck_assert_int_ne(wait(&status), -1);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    text = testutil_slurp(prom_path);
    for (int c = 0; c < NCHILD; c++) {
        for (int i = 0; i < ROUNDS; i++) {
            char needle[64];

            snprintf(needle, sizeof(needle), "{job=\"job%d_%d\"", c, i);
            ck_assert_msg(testutil_count(text, needle) == 9, "lost %s", needle);
        }
    }
    assert_promtool();
    free(text);
}
END_TEST

START_TEST(test_unreadable_dir_fails)
{
    struct rd_err err = {0};
    json_t *r = json_loads("{\"job\": \"app\", \"status\": \"ok\"}", 0, NULL);
    char bad[PATH_MAX + 32];

    ck_assert_ptr_nonnull(r);
    snprintf(bad, sizeof(bad), "%s/missing/rd.prom", tmpdir);
    ck_assert_int_eq(metrics_write(r, bad, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "missing/rd.prom.lock"));
    json_decref(r);
}
END_TEST

Suite *
metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("write");

    testutil_dirs(tc);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_ok_run_exact);
    tcase_add_test(tc, test_last_success_carried_over);
    tcase_add_test(tc, test_never_succeeded_last_success_zero);
    tcase_add_test(tc, test_signal_exit_is_unknown);
    tcase_add_test(tc, test_two_jobs_share_a_file);
    tcase_add_test(tc, test_label_escaping);
    tcase_add_test(tc, test_foreign_lines);
    tcase_add_test(tc, test_concurrent_jobs);
    tcase_add_test(tc, test_unreadable_dir_fails);
    suite_add_tcase(s, tc);
    return s;
}
