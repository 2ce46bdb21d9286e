/* test_junit: the JUnit XML view of a report (mapping, escaping, counts). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"
#include <jansson.h>

#include "reports/junit.h"
#include "verifier/util/fsutil.h"

Suite *junit_suite(void);

#define XMLLINT "/usr/bin/xmllint"

static const char *const tmpdir = testutil_tmpdir;
static char xml_path[PATH_MAX + 16];

static void
setup(void)
{
    snprintf(xml_path, sizeof(xml_path), "%s/junit.xml", tmpdir);
}

/* Parse ${json}, write it as JUnit and return the file's text. */
static char *
write_junit(const char *json)
{
    struct rd_err err = {0};
    json_error_t jerr;
    json_t *report = json_loads(json, 0, &jerr);
    char *xml;

    ck_assert_msg(report != NULL, "bad test JSON: %s", jerr.text);
    ck_assert_msg(junit_write(report, xml_path, &err) == 0, "%s", err.msg);
    json_decref(report);
    xml = testutil_slurp(xml_path);
    ck_assert_msg(access(XMLLINT, X_OK) == 0,
                  XMLLINT " is missing (Debian libxml2-utils)");
    return xml;
}

/* The result of XPath ${expr} on the file, as xmllint prints it. */
static char *
xpath(const char *expr)
{
    char cmd[PATH_MAX + 256], *out = NULL;
    size_t cap = 0;
    ssize_t n;
    FILE *p;

    snprintf(cmd, sizeof(cmd), XMLLINT " --xpath '%s' '%s' 2>/dev/null", expr,
             xml_path);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    n = getline(&out, &cap, p);
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_int_gt(n, 0);
    if (out[n - 1] == '\n')
        out[n - 1] = '\0';
    return out;
}

/* Assert XPath ${expr} yields ${want}. */
static void
xpath_eq(const char *expr, const char *want)
{
    char *got = xpath(expr);

    ck_assert_msg(strcmp(got, want) == 0, "%s: got '%s', want '%s'", expr, got,
                  want);
    free(got);
}

/* Assert the file is well-formed XML according to xmllint. */
static void
assert_well_formed(void)
{
    char cmd[PATH_MAX + 64];

    snprintf(cmd, sizeof(cmd), XMLLINT " --noout '%s'", xml_path);
    ck_assert_int_eq(system(cmd), 0);
}

static const char ok_run[] =
    "{\"job\": \"app\", \"status\": \"ok\", \"exit_code\": 0,"
    " \"started_at\": \"2026-11-26T05:03:14Z\", \"duration_s\": 623.7,"
    " \"host\": \"backup-verify-01\","
    " \"stages\": ["
    "  {\"name\": \"select\", \"status\": \"ok\", \"duration_s\": 0.38},"
    "  {\"name\": \"decode\", \"status\": \"skipped\", \"duration_s\": 0},"
    "  {\"name\": \"restore\", \"status\": \"ok\", \"duration_s\": 611.84}],"
    " \"probes\": [{\"name\": \"recent_login\", \"status\": \"ok\","
    "  \"duration_ms\": 12.4, \"message\": \"fresh\"}],"
    " \"error\": null}";

START_TEST(test_ok_run_exact)
{
    char *xml = write_junit(ok_run);

    ck_assert_str_eq(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"restoredrill\" tests=\"4\" failures=\"0\" "
        "errors=\"0\" skipped=\"1\" time=\"623.700\">\n"
        "  <testsuite name=\"restoredrill.app\" tests=\"4\" failures=\"0\" "
        "errors=\"0\" skipped=\"1\" time=\"623.700\" "
        "timestamp=\"2026-11-26T05:03:14Z\" hostname=\"backup-verify-01\">\n"
        "    <testcase classname=\"restoredrill.app.stages\" name=\"select\" "
        "time=\"0.380\"/>\n"
        "    <testcase classname=\"restoredrill.app.stages\" name=\"decode\" "
        "time=\"0.000\">\n"
        "      <skipped/>\n"
        "    </testcase>\n"
        "    <testcase classname=\"restoredrill.app.stages\" name=\"restore\" "
        "time=\"611.840\"/>\n"
        "    <testcase classname=\"restoredrill.app.probes\" "
        "name=\"recent_login\" time=\"0.012\"/>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
    assert_well_formed();
    xpath_eq("count(/testsuites/testsuite)", "1");
    xpath_eq("count(//testcase)", "4");
    free(xml);
}
END_TEST

START_TEST(test_critical_restore_is_failure)
{
    char *xml = write_junit(
        "{\"job\": \"app\", \"status\": \"critical\", \"exit_code\": 2,"
        " \"started_at\": \"2026-11-27T05:03:11Z\", \"duration_s\": 591.3,"
        " \"host\": \"h\", \"stages\": ["
        "  {\"name\": \"select\", \"status\": \"ok\", \"duration_s\": 0.38},"
        "  {\"name\": \"restore\", \"status\": \"critical\","
        "   \"duration_s\": 579.62},"
        "  {\"name\": \"probes\", \"status\": \"skipped\", \"duration_s\": 0},"
        "  {\"name\": \"cleanup\", \"status\": \"ok\", \"duration_s\": 5.28}],"
        " \"probes\": [],"
        " \"error\": {\"stage\": \"restore\", \"code\": \"restore_errors\","
        "  \"message\": \"pg_restore reported 2 errors\\nHINT: see stderr\"}}");

    ck_assert_ptr_nonnull(strstr(
        xml, "    <testcase classname=\"restoredrill.app.stages\" "
             "name=\"restore\" time=\"579.620\">\n"
             "      <failure message=\"pg_restore reported 2 errors&#10;HINT: "
             "see stderr\" type=\"restore_errors\">pg_restore reported 2 "
             "errors\nHINT: see stderr</failure>\n"
             "    </testcase>\n"));
    ck_assert_int_eq(testutil_count(xml, "<failure "), 1);
    ck_assert_int_eq(testutil_count(xml, "<error "), 0);
    ck_assert_int_eq(testutil_count(xml, "<skipped/>"), 1);
    assert_well_formed();
    xpath_eq("string(/testsuites/testsuite/@failures)", "1");
    xpath_eq("string(/testsuites/testsuite/@skipped)", "1");
    xpath_eq("string(/testsuites/testsuite/@tests)", "4");
    xpath_eq("string(//testcase[failure]/@name)", "restore");
    /* The attribute keeps its newline after parsing (&#10;). */
    xpath_eq("substring-before(//failure/@message, \"\n\")",
             "pg_restore reported 2 errors");
    free(xml);
}
END_TEST

START_TEST(test_each_stage_its_own_error)
{
    /* errors[]: the select stage carries archive_too_old, the probes stage
       probe_failed, although error{} is only the first; a lock error gets
       a run case of its own. */
    char *xml = write_junit(
        "{\"job\": \"app\", \"status\": \"critical\", \"exit_code\": 2,"
        " \"started_at\": \"2026-11-27T05:03:11Z\", \"duration_s\": 9.0,"
        " \"host\": \"h\", \"stages\": ["
        "  {\"name\": \"select\", \"status\": \"critical\", \"duration_s\": 0},"
        "  {\"name\": \"probes\", \"status\": \"critical\", \"duration_s\": 1}],"
        " \"probes\": [],"
        " \"error\": {\"stage\": \"probes\", \"code\": \"probe_failed\","
        "  \"message\": \"probe 'x' failed\"},"
        " \"errors\": [{\"stage\": \"probes\", \"code\": \"probe_failed\","
        "  \"message\": \"probe 'x' failed\"},"
        "  {\"stage\": \"select\", \"code\": \"archive_too_old\","
        "  \"message\": \"5h old\"},"
        "  {\"stage\": \"signal\", \"code\": \"interrupted\","
        "  \"message\": \"interrupted by SIGTERM\"}]}");

    assert_well_formed();
    xpath_eq("string(//testcase[@name=\"select\"]/failure/@type)",
             "archive_too_old");
    xpath_eq("string(//testcase[@name=\"probes\"]/failure/@type)",
             "probe_failed");
    xpath_eq("string(//testcase[@classname=\"restoredrill.app.run\"]/@name)",
             "signal");
    xpath_eq("string(/testsuites/testsuite/@tests)", "3");
    free(xml);
}
END_TEST

START_TEST(test_unknown_is_error)
{
    char *xml = write_junit(
        "{\"job\": \"app\", \"status\": \"unknown\", \"exit_code\": 3,"
        " \"started_at\": \"2026-11-27T05:03:11Z\", \"duration_s\": 1,"
        " \"host\": \"h\", \"stages\": ["
        "  {\"name\": \"select\", \"status\": \"unknown\", \"duration_s\": 1},"
        "  {\"name\": \"restore\", \"status\": \"skipped\", \"duration_s\": 0}],"
        " \"probes\": [{\"name\": \"p\", \"status\": \"unknown\","
        "  \"duration_ms\": 0, \"message\": \"relative_to archive\"}],"
        " \"error\": {\"stage\": \"select\", \"code\": \"source_unreachable\","
        "  \"message\": \"cannot list 's3://b/app'\"}}");

    ck_assert_ptr_nonnull(
        strstr(xml, "<error message=\"cannot list &apos;s3://b/app&apos;\" "
                    "type=\"source_unreachable\">cannot list "
                    "&apos;s3://b/app&apos;</error>"));
    ck_assert_ptr_nonnull(strstr(xml, "<error message=\"relative_to archive\" "
                                      "type=\"unknown\">relative_to "
                                      "archive</error>"));
    ck_assert_int_eq(testutil_count(xml, "<failure "), 0);
    assert_well_formed();
    xpath_eq("string(/testsuites/testsuite/@errors)", "2");
    xpath_eq("string(/testsuites/testsuite/@failures)", "0");
    free(xml);
}
END_TEST

START_TEST(test_warning_probe_passes_with_output)
{
    char *xml = write_junit(
        "{\"job\": \"app\", \"status\": \"warning\", \"exit_code\": 1,"
        " \"started_at\": \"2026-11-27T05:03:11Z\", \"duration_s\": 2,"
        " \"host\": \"h\", \"stages\": ["
        "  {\"name\": \"probes\", \"status\": \"warning\", \"duration_s\": 2}],"
        " \"probes\": [{\"name\": \"recent_login\", \"status\": \"warning\","
        "  \"duration_ms\": 1500, \"message\": \"newest value is 13h old\"}],"
        " \"error\": null}");

    ck_assert_ptr_nonnull(
        strstr(xml, "    <testcase classname=\"restoredrill.app.probes\" "
                    "name=\"recent_login\" time=\"1.500\">\n"
                    "      <system-out>newest value is 13h old</system-out>\n"
                    "    </testcase>\n"));
    /* A warning stage without an error carries its status. */
    ck_assert_ptr_nonnull(strstr(xml, "<system-out>warning</system-out>"));
    ck_assert_int_eq(testutil_count(xml, "<failure"), 0);
    ck_assert_int_eq(testutil_count(xml, "<error"), 0);
    assert_well_formed();
    xpath_eq("count(//testcase[system-out])", "2");
    free(xml);
}
END_TEST

START_TEST(test_config_error_gets_its_own_case)
{
    char *xml = write_junit(
        "{\"job\": \"app\", \"status\": \"unknown\", \"exit_code\": 3,"
        " \"started_at\": \"2026-11-27T05:03:11Z\", \"duration_s\": 0,"
        " \"host\": \"h\", \"stages\": ["
        "  {\"name\": \"select\", \"status\": \"skipped\", \"duration_s\": 0},"
        "  {\"name\": \"restore\", \"status\": \"skipped\", \"duration_s\": 0}],"
        " \"probes\": [],"
        " \"error\": {\"stage\": \"config\", \"code\": \"config_invalid\","
        "  \"message\": \"unknown key 'sourc'\"}}");

    ck_assert_ptr_nonnull(strstr(
        xml, "<testcase classname=\"restoredrill.app.run\" name=\"config\" "
             "time=\"0.000\">\n      <error message=\"unknown key "
             "&apos;sourc&apos;\" type=\"config_invalid\">"));
    assert_well_formed();
    xpath_eq("count(//testcase[@classname=\"restoredrill.app.stages\"])", "2");
    xpath_eq("string(/testsuites/testsuite/@errors)", "1");
    xpath_eq("string(/testsuites/testsuite/@skipped)", "2");
    xpath_eq("string(/testsuites/testsuite/@tests)", "3");
    free(xml);
}
END_TEST

START_TEST(test_escaping)
{
    char *xml = write_junit(
        "{\"job\": \"<&\\\">\", \"status\": \"critical\", \"exit_code\": 2,"
        " \"started_at\": \"2026-11-27T05:03:11Z\", \"duration_s\": 0,"
        " \"host\": \"h\", \"stages\": [],"
        " \"probes\": [{\"name\": \"a'b<c>\", \"status\": \"critical\","
        "  \"duration_ms\": 0,"
        "  \"message\": \"x\\u0001y\\tz\\u001b\\u007f\\r\\ufffe\\u00e9\"}],"
        " \"error\": null}");

    ck_assert_ptr_nonnull(
        strstr(xml, "<testsuite name=\"restoredrill.&lt;&amp;&quot;&gt;\""));
    ck_assert_ptr_nonnull(
        strstr(xml, "<testcase classname=\"restoredrill.&lt;&amp;&quot;&gt;."
                    "probes\" name=\"a&apos;b&lt;c&gt;\""));
    /* Controls dropped, tab kept (a reference in attributes), UTF-8 kept. */
    ck_assert_ptr_nonnull(strstr(xml, "<failure message=\"xy&#9;z\xc3\xa9\" "
                                      "type=\"critical\">xy\tz\xc3\xa9<"));
    assert_well_formed();
    xpath_eq("string(/testsuites/testsuite/@name)", "restoredrill.<&\">");
    xpath_eq("string(//testcase/@name)", "a'b<c>");
    free(xml);
}
END_TEST

START_TEST(test_write_failure)
{
    struct rd_err err = {0};
    json_t *report = json_loads(ok_run, 0, NULL);
    char bad[PATH_MAX + 32];

    ck_assert_ptr_nonnull(report);
    snprintf(bad, sizeof(bad), "%s/missing/junit.xml", tmpdir);
    ck_assert_int_eq(junit_write(report, bad, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "missing/junit.xml"));
    json_decref(report);
}
END_TEST

Suite *
junit_suite(void)
{
    Suite *s = suite_create("junit");
    TCase *tc = tcase_create("write");

    testutil_dirs(tc);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_ok_run_exact);
    tcase_add_test(tc, test_critical_restore_is_failure);
    tcase_add_test(tc, test_each_stage_its_own_error);
    tcase_add_test(tc, test_unknown_is_error);
    tcase_add_test(tc, test_warning_probe_passes_with_output);
    tcase_add_test(tc, test_config_error_gets_its_own_case);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_write_failure);
    suite_add_tcase(s, tc);
    return s;
}
