/* test_report: the JSON report, its status rules and its atomic write. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"
#include <jansson.h>

#include "reports/report.h"
#include "verifier/util/fsutil.h"

Suite *report_suite(void);

/* Each test's private dir (testutil_dirs()). */
static const char *const tmpdir = testutil_tmpdir;
static char report_path[PATH_MAX];

static void
setup(void)
{
    snprintf(report_path, sizeof(report_path), "%s/report.json", tmpdir);
}

/* True when ${s} looks like "2026-11-26T05:03:14Z". */
static int
is_rfc3339(const char *s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

    if (s == NULL || strlen(s) != sizeof(shape) - 1)
        return 0;
    for (size_t i = 0; shape[i] != '\0'; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

/* Write ${r} with report_write() and read it back. */
static json_t *
write_and_load(struct report *r)
{
    struct rd_err err = {0};
    json_error_t jerr;
    json_t *j;

    ck_assert_int_eq(report_write(r, report_path, &err), 0);
    j = json_load_file(report_path, 0, &jerr);
    ck_assert_msg(j != NULL, "report does not parse: %s", jerr.text);
    return j;
}

/*
 * Check and mask what changes between runs (times, host, version), and
 * every stage's duration when ${mask_stage_durations}; return the sorted,
 * compact dump (free()).
 */
static char *
masked(json_t *j, int mask_stage_durations)
{
    char host[256] = "";
    json_t *st;
    size_t i;
    char *s;

    ck_assert(is_rfc3339(json_string_value(json_object_get(j, "started_at"))));
    ck_assert(is_rfc3339(json_string_value(json_object_get(j, "finished_at"))));
    ck_assert(json_is_real(json_object_get(j, "duration_s")));
    ck_assert_double_ge(json_real_value(json_object_get(j, "duration_s")), 0);
    gethostname(host, sizeof(host) - 1);
    ck_assert_str_eq(json_string_value(json_object_get(j, "host")), host);
    json_object_set_new(j, "started_at", json_string("T"));
    json_object_set_new(j, "finished_at", json_string("T"));
    json_object_set_new(j, "duration_s", json_string("D"));
    json_object_set_new(j, "host", json_string("H"));
    if (mask_stage_durations) {
        json_array_foreach(json_object_get(j, "stages"), i, st)
        {
            ck_assert(json_is_real(json_object_get(st, "duration_s")));
            json_object_set_new(st, "duration_s", json_string("D"));
        }
    }
    s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_ptr_nonnull(s);
    return s;
}

#define EMPTY_ARCHIVE                                                       \
    "\"archive\":{\"age_s\":null,\"compression\":null,\"created_at\":null," \
    "\"dump_version\":null,\"format\":null,\"name\":null,"                  \
    "\"server_version\":null,\"sha256\":null,\"size_bytes\":null,"          \
    "\"source\":null,\"transfer\":null}"
#define EMPTY_RESTORE                                                                                           \
    "\"restore\":{\"database\":null,\"duration_s\":null,\"engine\":null,\"error_count\":0,"                     \
    "\"errors\":[],\"filtered\":{\"acl\":0,\"owner\":0},\"jobs\":null,"                                         \
    "\"kept\":false,\"sandbox\":null,\"sandbox_reason\":null,\"scratch_dropped\":null,\"server_version\":null," \
    "\"stderr_tail\":\"\",\"target\":null,\"tool\":null}"
#define TOOL \
    "\"tool\":{\"name\":\"restoredrill\",\"version\":\"" RD_VERSION "\"}"

START_TEST(test_new_fields)
{
    struct report *r = report_new("verify", "app");
    json_t *j;
    char *s;

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(report_status(r), RD_ST_OK);
    ck_assert_int_eq(report_error_code(r), RD_OK);
    j = write_and_load(r);
    s = masked(j, 0);
    ck_assert_str_eq(
        s,
        "{\"alerts\":[]," EMPTY_ARCHIVE ",\"command\":\"verify\","
        "\"drift\":{\"baseline_at\":null,\"tables\":[]},\"duration_s\":\"D\","
        "\"error\":null,\"errors\":[],\"exit_code\":0,\"finished_at\":\"T\","
        "\"host\":\"H\","
        "\"job\":\"app\",\"notes\":[],\"probes\":[]," EMPTY_RESTORE
        ",\"schema_version\":1,\"stages\":[],\"started_at\":\"T\","
        "\"status\":\"ok\",\"sweep\":[]," TOOL "}");
    free(s);
    json_decref(j);
    report_free(r);
    report_free(NULL);
}
END_TEST

/* The stages array of report_finish() with the given statuses (masked). */
static const char *
stages_json(const char *const st[STAGE_COUNT])
{
    static char buf[4096];
    static const char *const names[STAGE_COUNT] = {
        "sweep",     "select",  "fetch",   "checksum", "decode",
        "preflight", "globals", "restore", "probes",   "drift",
        "swap",      "report",  "alert",   "cleanup"};
    size_t len = 0;

    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "[");
    for (int i = 0; i < STAGE_COUNT; i++)
        len += (size_t)snprintf(
            buf + len, sizeof(buf) - len,
            "%s{\"duration_s\":\"D\",\"name\":\"%s\",\"status\":\"%s\"}",
            i > 0 ? "," : "", names[i], st[i]);
    snprintf(buf + len, sizeof(buf) - len, "]");
    return buf;
}

START_TEST(test_finish_ok)
{
    struct report *r = report_new("list", "default");
    static const char *const st[STAGE_COUNT] = {
        "skipped", "ok",      "skipped", "skipped", "skipped",
        "skipped", "skipped", "skipped", "skipped", "skipped",
        "skipped", "ok",      "skipped", "skipped"};
    char want[8192];
    json_t *j;
    char *s;

    report_stage_set(r, STAGE_SELECT, RD_ST_OK);
    report_stage_set(r, STAGE_REPORT, RD_ST_OK);
    report_finish(r, 0);
    j = write_and_load(r);
    /* A stage that did not run has duration 0. */
    ck_assert_double_eq(
        json_real_value(json_object_get(
            json_array_get(json_object_get(j, "stages"), 1), "duration_s")),
        0.0);
    s = masked(j, 1);
    snprintf(
        want, sizeof(want),
        "{\"alerts\":[]," EMPTY_ARCHIVE ",\"command\":\"list\","
        "\"drift\":{\"baseline_at\":null,\"tables\":[]},\"duration_s\":\"D\","
        "\"error\":null,\"errors\":[],\"exit_code\":0,\"finished_at\":\"T\","
        "\"host\":\"H\","
        "\"job\":\"default\",\"notes\":[],\"probes\":[]," EMPTY_RESTORE
        ",\"schema_version\":1,\"stages\":%s,\"started_at\":\"T\","
        "\"status\":\"ok\",\"sweep\":[]," TOOL "}",
        stages_json(st));
    ck_assert_str_eq(s, want);
    free(s);
    json_decref(j);
    report_free(r);
}
END_TEST

START_TEST(test_finish_error)
{
    struct report *r = report_new("verify", "app");
    static const char *const st[STAGE_COUNT] = {
        "skipped",  "ok",      "ok",      "skipped", "skipped",
        "critical", "skipped", "skipped", "skipped", "skipped",
        "skipped",  "ok",      "skipped", "ok"};
    struct rd_err err = {0};
    json_t *j, *e;

    report_stage_set(r, STAGE_SELECT, RD_ST_OK);
    report_stage_set(r, STAGE_FETCH, RD_ST_OK);
    rd_err_set(&err, RD_TOOL_TOO_OLD, "archive 'a.dump' is 1.16\nHINT: x");
    report_error(r, "preflight", &err);
    report_stage_set(r, STAGE_PREFLIGHT, RD_ST_CRITICAL);
    report_stage_set(r, STAGE_REPORT, RD_ST_OK);
    report_stage_set(r, STAGE_CLEANUP, RD_ST_OK);
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    report_finish(r, 2);
    j = write_and_load(r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")),
                     "critical");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_code")), 2);
    e = json_object_get(j, "error");
    ck_assert_str_eq(json_string_value(json_object_get(e, "stage")),
                     "preflight");
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")),
                     "tool_too_old");
    ck_assert_str_eq(json_string_value(json_object_get(e, "message")),
                     "archive 'a.dump' is 1.16\nHINT: x");
    ck_assert_uint_eq(json_object_size(e), 3);
    {
        char *s = masked(j, 1);
        char *got = strstr(s, "\"stages\":");
        const char *want = stages_json(st);

        ck_assert_ptr_nonnull(got);
        ck_assert_int_eq(strncmp(got + 9, want, strlen(want)), 0);
        free(s);
    }
    json_decref(j);
    report_free(r);
}
END_TEST

START_TEST(test_exit_code_independent)
{
    struct report *r = report_new("verify", "app");
    json_t *j;

    /* exit_code is what the caller passes (128+N after a signal). */
    report_finish(r, 143);
    j = write_and_load(r);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_code")), 143);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "ok");
    json_decref(j);
    report_free(r);
}
END_TEST

/* report.error as written, as "stage/code/message" ("null" when none). */
static const char *
error_of(struct report *r)
{
    static char buf[1200];
    json_t *j = write_and_load(r), *e = json_object_get(j, "error");

    if (json_is_null(e))
        snprintf(buf, sizeof(buf), "null");
    else
        snprintf(buf, sizeof(buf), "%s/%s/%s",
                 json_string_value(json_object_get(e, "stage")),
                 json_string_value(json_object_get(e, "code")),
                 json_string_value(json_object_get(e, "message")));
    json_decref(j);
    return buf;
}

static void
add_error(struct report *r, const char *where, enum rd_code code,
          const char *msg)
{
    struct rd_err err = {0};

    rd_err_set(&err, code, "%s", msg);
    report_error(r, where, &err);
}

static bool
report_error_again(struct report *r, const char *where, enum rd_code code,
                   const char *msg)
{
    struct rd_err err = {0};

    rd_err_set(&err, code, "%s", msg);
    return report_error(r, where, &err);
}

START_TEST(test_error_worst_wins)
{
    struct report *r = report_new("verify", "app");

    ck_assert_str_eq(error_of(r), "null");
    /* unknown first... */
    add_error(r, "config", RD_CONFIG_INVALID, "bad key");
    ck_assert_int_eq(report_status(r), RD_ST_UNKNOWN);
    ck_assert_int_eq(report_error_code(r), RD_CONFIG_INVALID);
    ck_assert_str_eq(error_of(r), "config/config_invalid/bad key");
    /* ...a later unknown does not replace it... */
    add_error(r, "lock", RD_LOCKED, "held");
    ck_assert_str_eq(error_of(r), "config/config_invalid/bad key");
    ck_assert_int_eq(report_error_code(r), RD_CONFIG_INVALID);
    /* ...a critical does. */
    add_error(r, "select", RD_ARCHIVE_TOO_OLD, "too old");
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    ck_assert_int_eq(report_error_code(r), RD_ARCHIVE_TOO_OLD);
    ck_assert_str_eq(error_of(r), "select/archive_too_old/too old");
    /* The first critical is kept over later ones, and over unknowns. */
    add_error(r, "restore", RD_RESTORE_ERRORS, "3 errors");
    add_error(r, "cleanup", RD_INTERNAL, "cannot drop");
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    ck_assert_int_eq(report_error_code(r), RD_ARCHIVE_TOO_OLD);
    ck_assert_str_eq(error_of(r), "select/archive_too_old/too old");
    report_free(r);
}
END_TEST

START_TEST(test_error_critical_first)
{
    struct report *r = report_new("verify", "app");

    add_error(r, "restore", RD_RESTORE_ERRORS, "first");
    add_error(r, "signal", RD_INTERRUPTED, "SIGTERM");
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    ck_assert_int_eq(report_error_code(r), RD_RESTORE_ERRORS);
    ck_assert_str_eq(error_of(r), "restore/restore_errors/first");
    report_free(r);
}
END_TEST

/* "code@stage" of every entry of errors[], joined by ",". */
static const char *
errors_of(struct report *r)
{
    static char buf[512];
    json_t *x;
    size_t i;

    buf[0] = '\0';
    json_array_foreach(json_object_get(report_json(r), "errors"), i, x)
    {
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s@%s",
                 i > 0 ? "," : "",
                 json_string_value(json_object_get(x, "code")),
                 json_string_value(json_object_get(x, "stage")));
    }
    return buf;
}

START_TEST(test_errors_all_kept)
{
    struct report *r = report_new("verify", "app");

    /* Every cause is kept, in order, whatever its status. */
    add_error(r, "probes", RD_PROBE_FAILED, "probe 'x' failed");
    add_error(r, "select", RD_ARCHIVE_TOO_OLD, "5h old");
    add_error(r, "cleanup", RD_INTERNAL, "cannot drop");
    ck_assert_str_eq(errors_of(r), "probe_failed@probes,"
                                   "archive_too_old@select,internal@cleanup");
    /* error is the first whose status is the run's (critical). */
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    ck_assert_str_eq(error_of(r), "probes/probe_failed/probe 'x' failed");
    /* The same cause noticed twice is one entry; the same code with
       another message (a second probe) is another. */
    ck_assert(!report_error_again(r, "select", RD_ARCHIVE_TOO_OLD, "5h old"));
    ck_assert(report_error_again(r, "probes", RD_PROBE_FAILED, "probe 'y'"));
    ck_assert_int_eq(json_array_size(json_object_get(report_json(r), "errors")),
                     4);
    ck_assert(report_has_error(r, RD_INTERNAL));
    ck_assert(!report_has_error(r, RD_INTERRUPTED));
    report_finish(r, 2);
    ck_assert_str_eq(error_of(r), "probes/probe_failed/probe 'x' failed");
    report_free(r);
}
END_TEST

START_TEST(test_errors_output_failed)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};

    /* An output that cannot be written makes an ok run unknown... */
    ck_assert_int_eq(report_verdict(r), RD_ST_OK);
    rd_err_set(&err, RD_ACCESS_DENIED, "cannot write '/x/j.xml'");
    ck_assert(report_output_failed(r, "the JUnit file", &err));
    ck_assert(!report_output_failed(r, "the JUnit file", &err));
    ck_assert_int_eq(report_status(r), RD_ST_UNKNOWN);
    ck_assert_int_eq(report_verdict(r), RD_ST_OK);
    ck_assert_str_eq(errors_of(r), "output_failed@report");
    ck_assert_int_eq(report_error_code(r), RD_OUTPUT_FAILED);
    /* ...and a critical backup stays critical, with its own cause first. */
    add_error(r, "select", RD_ARCHIVE_TOO_OLD, "5h old");
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    ck_assert_int_eq(report_verdict(r), RD_ST_CRITICAL);
    ck_assert_int_eq(report_error_code(r), RD_ARCHIVE_TOO_OLD);
    report_free(r);
}
END_TEST

START_TEST(test_write_all_failed)
{
    struct report *r = report_new("verify", "app");
    char bad[PATH_MAX + 32], good[PATH_MAX + 32], *text;
    struct report_dest d = {0};
    json_t *j;

    snprintf(bad, sizeof(bad), "%s/file", tmpdir);
    testutil_put(bad, "x");
    snprintf(bad, sizeof(bad), "%s/file/r.xml", tmpdir);
    snprintf(good, sizeof(good), "%s/r.json", tmpdir);
    d.junit = bad;
    d.report = good;
    report_stage_set(r, STAGE_REPORT, RD_ST_OK);
    /* exit 0 becomes 3; the report that was written says so. */
    ck_assert_int_eq(report_write_all(r, &d, 0), 3);
    text = testutil_slurp(good);
    j = json_loads(text, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")),
                     "unknown");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_code")), 3);
    ck_assert_int_eq(json_array_size(json_object_get(j, "errors")), 1);
    json_decref(j);
    free(text);
    /* A signal's 128+N stays. */
    ck_assert_int_eq(report_write_all(r, &d, 130), 130);
    report_free(r);
}
END_TEST

/* Messages from file names need not be UTF-8; the error must survive. */
START_TEST(test_error_not_utf8)
{
    struct report *r = report_new("verify", "app");
    json_t *j, *e, *notes;

    add_error(r, "select", RD_ARCHIVE_EMPTY, "archive 'caf\xe9.dump' is empty");
    report_note(r, "skipped 'caf\xe9.dump.partial'");
    ck_assert_int_eq(report_error_code(r), RD_ARCHIVE_EMPTY);
    report_finish(r, 2);
    j = write_and_load(r);
    e = json_object_get(j, "error");
    ck_assert_msg(json_is_object(e), "report.error is not recorded");
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")),
                     "archive_empty");
    /* Invalid UTF-8 becomes U+FFFD (THREATS.md). */
    ck_assert_str_eq(json_string_value(json_object_get(e, "message")),
                     "archive 'caf\xef\xbf\xbd.dump' is empty");
    notes = json_object_get(j, "notes");
    ck_assert_uint_eq(json_array_size(notes), 1);
    json_decref(j);
    report_free(r);
}
END_TEST

START_TEST(test_stage_status)
{
    struct report *r = report_new("verify", "app");
    json_t *j, *st;
    double d;

    /* Skipped stages never raise the status. */
    report_stage_set(r, STAGE_CHECKSUM, RD_ST_SKIPPED);
    ck_assert_int_eq(report_status(r), RD_ST_OK);
    report_stage_set(r, STAGE_SELECT, RD_ST_OK);
    ck_assert_int_eq(report_status(r), RD_ST_OK);

    report_stage_begin(r, STAGE_FETCH);
    usleep(30 * 1000);
    report_stage_end(r, STAGE_FETCH, RD_ST_WARNING);
    ck_assert_int_eq(report_status(r), RD_ST_WARNING);

    report_stage_set(r, STAGE_DRIFT, RD_ST_UNKNOWN);
    ck_assert_int_eq(report_status(r), RD_ST_UNKNOWN);
    report_stage_set(r, STAGE_PROBES, RD_ST_CRITICAL);
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    /* The run status is the worst seen: changing a stage back keeps it. */
    report_stage_set(r, STAGE_PROBES, RD_ST_OK);
    report_stage_set(r, STAGE_PROBES, RD_ST_SKIPPED);
    ck_assert_int_eq(report_status(r), RD_ST_CRITICAL);
    /* A stage status alone sets no error. */
    ck_assert_int_eq(report_error_code(r), RD_OK);

    report_finish(r, 2);
    j = write_and_load(r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")),
                     "critical");
    ck_assert(json_is_null(json_object_get(j, "error")));
    st = json_object_get(j, "stages");
    ck_assert_uint_eq(json_array_size(st), STAGE_COUNT);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(st, STAGE_FETCH), "status")),
                     "warning");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(st, STAGE_PROBES), "status")),
                     "skipped");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(st, STAGE_DRIFT), "status")),
                     "unknown");
    /* The timed stage: at least 30 ms, rounded to milliseconds. */
    d = json_real_value(
        json_object_get(json_array_get(st, STAGE_FETCH), "duration_s"));
    ck_assert_double_ge(d, 0.03);
    ck_assert_double_lt(d, 5.0);
    ck_assert_double_eq_tol(d * 1000.0, round(d * 1000.0), 1e-6);
    json_decref(j);
    report_free(r);
}
END_TEST

START_TEST(test_notes_and_objects)
{
    struct report *r = report_new("verify", "app");
    json_t *j, *notes;

    report_note(r, "skipped %d file%s", 2, "s");
    report_note(r, "%s", "tab\there \"quoted\" \x01");
    json_object_set_new(report_archive(r), "name", json_string("a.dump"));
    json_object_set_new(report_restore(r), "error_count", json_integer(3));
    j = write_and_load(r);
    notes = json_object_get(j, "notes");
    ck_assert_uint_eq(json_array_size(notes), 2);
    ck_assert_str_eq(json_string_value(json_array_get(notes, 0)),
                     "skipped 2 files");
    ck_assert_str_eq(json_string_value(json_array_get(notes, 1)),
                     "tab\there \"quoted\" \x01");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(j, "archive"), "name")),
                     "a.dump");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(j, "restore"), "error_count")),
                     3);
    json_decref(j);
    report_free(r);
}
END_TEST

/* The names in ${dir}, sorted and joined by ','. */
static const char *
dir_listing(const char *dir)
{
    static char buf[4096];
    char *names[64];
    struct dirent *de;
    size_t n = 0, len = 0;
    DIR *d = opendir(dir);

    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL && n < 64) {
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char *t = names[k];

            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
                                i > 0 ? "," : "", names[i]);
        free(names[i]);
    }
    return buf;
}

START_TEST(test_write_atomic)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};
    struct stat st;
    char *text;
    json_t *j;

    ck_assert_int_eq(report_write(r, report_path, &err), 0);
    ck_assert_str_eq(dir_listing(tmpdir), "report.json");
    ck_assert_int_eq(stat(report_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    /* Sorted, indented, one trailing newline. */
    text = testutil_slurp(report_path);
    ck_assert_uint_eq((size_t)st.st_size, strlen(text));
    ck_assert_int_eq(
        strncmp(text, "{\n  \"alerts\": [],\n  \"archive\": {", 32), 0);
    ck_assert_str_eq(text + strlen(text) - 2, "}\n");
    free(text);

    /* A rewrite replaces the content and keeps the mode. */
    ck_assert_int_eq(chmod(report_path, 0644), 0);
    report_finish(r, 0);
    ck_assert_int_eq(report_write(r, report_path, &err), 0);
    ck_assert_str_eq(dir_listing(tmpdir), "report.json");
    ck_assert_int_eq(stat(report_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    j = json_load_file(report_path, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "stages")),
                      STAGE_COUNT);
    json_decref(j);
    report_free(r);
}
END_TEST

START_TEST(test_write_missing_dir)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};
    char path[PATH_MAX + 32];

    snprintf(path, sizeof(path), "%s/missing/report.json", tmpdir);
    ck_assert_int_eq(report_write(r, path, &err), -1);
    ck_assert_int_eq(err.code, RD_ACCESS_DENIED);
    ck_assert_msg(strstr(err.msg, path) != NULL, "'%s' does not name '%s'",
                  err.msg, path);
    ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
    ck_assert_str_eq(dir_listing(tmpdir), "");
    report_free(r);
}
END_TEST

START_TEST(test_write_stdout)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};
    char path[PATH_MAX + 32], *text;
    int fd, saved;
    json_t *j;

    snprintf(path, sizeof(path), "%s/stdout.json", tmpdir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);
    ck_assert_int_eq(report_write(r, "-", &err), 0);
    fflush(stdout);
    ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);

    text = testutil_slurp(path);
    ck_assert_str_eq(text + strlen(text) - 2, "}\n");
    j = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "job")), "app");
    json_decref(j);
    free(text);
    /* Nothing but the redirect target in the dir. */
    ck_assert_str_eq(dir_listing(tmpdir), "stdout.json");
    report_free(r);
}
END_TEST

START_TEST(test_summary)
{
    struct report *r = report_new("verify", "app");
    struct rd_err err = {0};
    char buf[4096];
    size_t n;
    FILE *f = tmpfile();

    ck_assert_ptr_nonnull(f);
    json_object_set_new(report_archive(r), "name", json_string("app.dump"));
    json_object_set_new(report_archive(r), "size_bytes", json_integer(2048));
    json_object_set_new(report_archive(r), "age_s", json_integer(3 * 3600));
    json_object_set_new(report_archive(r), "format", json_string("custom"));
    report_stage_set(r, STAGE_SELECT, RD_ST_OK);
    report_stage_set(r, STAGE_PREFLIGHT, RD_ST_CRITICAL);
    rd_err_set(&err, RD_TOOL_TOO_OLD, "too new\nHINT: install it");
    report_error(r, "preflight", &err);
    report_note(r, "a note");
    report_finish(r, 2);
    report_summary(r, f, "/x/r.json");
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_str_eq(buf, "restoredrill verify: job 'app': CRITICAL\n"
                          "  archive  app.dump (2.0 KiB, 3h old, custom)\n"
                          "  ok   select      0.00s\n"
                          "  FAIL preflight   0.00s  tool_too_old\n"
                          "  note: a note\n"
                          "  error: tool_too_old: too new\n"
                          "  hint: install it\n"
                          "  report: /x/r.json\n");
    report_free(r);
}
END_TEST

START_TEST(test_names_and_times)
{
    char buf[32];

    ck_assert_str_eq(stage_name(STAGE_SELECT), "select");
    ck_assert_str_eq(stage_name(STAGE_PREFLIGHT), "preflight");
    ck_assert_str_eq(stage_name(STAGE_CLEANUP), "cleanup");
    ck_assert_str_eq(report_rfc3339(buf, sizeof(buf), 0),
                     "1970-01-01T00:00:00Z");
    ck_assert_str_eq(report_rfc3339(buf, sizeof(buf), 1795669394),
                     "2026-11-26T05:03:14Z");
}
END_TEST

Suite *
report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tb = tcase_create("build");
    TCase *tw = tcase_create("write");

    testutil_dirs(tb);
    tcase_add_checked_fixture(tb, setup, NULL);
    tcase_add_test(tb, test_new_fields);
    tcase_add_test(tb, test_finish_ok);
    tcase_add_test(tb, test_finish_error);
    tcase_add_test(tb, test_exit_code_independent);
    tcase_add_test(tb, test_error_worst_wins);
    tcase_add_test(tb, test_error_critical_first);
    tcase_add_test(tb, test_errors_all_kept);
    tcase_add_test(tb, test_errors_output_failed);
    tcase_add_test(tb, test_error_not_utf8);
    tcase_add_test(tb, test_stage_status);
    tcase_add_test(tb, test_notes_and_objects);
    tcase_add_test(tb, test_summary);
    tcase_add_test(tb, test_names_and_times);
    suite_add_tcase(s, tb);
    testutil_dirs(tw);
    tcase_add_checked_fixture(tw, setup, NULL);
    tcase_add_test(tw, test_write_atomic);
    tcase_add_test(tw, test_write_missing_dir);
    tcase_add_test(tw, test_write_stdout);
    tcase_add_test(tw, test_write_all_failed);
    suite_add_tcase(s, tw);
    return s;
}
