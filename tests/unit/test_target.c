/* test_target: the driver table of restore/target: which driver a target
 * setting gets, what it reports and says before anything is connected, and
 * the restore{} renderer over a struct restore_report. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "reports/render_restore.h"
#include "reports/report.h"
#include "restore/target/target.h"
#include "restore/target/target_int.h"

Suite *target_suite(void);

static struct pg_tools tools;
static struct proc_ident ident;

START_TEST(test_ephemeral_driver)
{
    struct target *t = target_new("ephemeral", &tools, &ident, NULL, false);
    const struct target_ops *ops;
    char buf[64], *d;

    ck_assert_ptr_nonnull(t);
    ops = target_ops(t);
    ck_assert_str_eq(ops->name, "ephemeral");
    ck_assert_str_eq(ops->engine, "postgresql");
    ck_assert(ops->needs_server);
    ck_assert_ptr_nonnull(ops->sweep);
    d = target_display(t);
    ck_assert_str_eq(d, "ephemeral");
    free(d);
    tools.major = 15;
    ops->describe(t, buf, sizeof(buf));
    ck_assert_str_eq(buf, "a scratch PostgreSQL 15");
    tools.major = 17;
    ops->describe(t, buf, sizeof(buf));
    ck_assert_str_eq(buf, "a scratch PostgreSQL cluster");
    ck_assert_int_eq(ops->server_major(t), 17);
    /* Nothing started: nothing to drop or stop, no connection yet. */
    ck_assert(!ops->made(t));
    ck_assert_ptr_null(target_conninfo(t));
    ck_assert_str_eq(target_dbname(t), "");
    ck_assert_str_eq(target_server_version(t), "");
    ck_assert_int_eq(ops->stop(t), 0);
    target_free(t);
}
END_TEST

START_TEST(test_ephemeral_check_major)
{
    struct target *t = target_new("ephemeral", &tools, &ident, NULL, false);
    const struct target_ops *ops = target_ops(t);
    struct rd_err err = {0};

    tools.major = 15;
    ck_assert_int_eq(ops->check_major(t, "a.dump", "15.4", 15, &err), 0);
    ck_assert_int_eq(ops->check_major(t, "a.dump", "16.2", 16, &err), -1);
    ck_assert_int_eq(err.code, RD_TOOL_TOO_OLD);
    ck_assert_ptr_nonnull(strstr(err.msg, "newest installed server (15)"));
    target_free(t);
}
END_TEST

START_TEST(test_server_driver)
{
    struct target *t = target_new("host=db user=u password=secret dbname=x",
                                  &tools, &ident, NULL, false);
    const struct target_ops *ops;
    struct rd_err err = {0};
    char buf[64], *d;

    ck_assert_ptr_nonnull(t);
    ops = target_ops(t);
    ck_assert_str_eq(ops->name, "server");
    ck_assert_str_eq(ops->engine, "postgresql");
    ck_assert(!ops->needs_server);
    ck_assert_ptr_nonnull(ops->sweep); /* a killed run's passfile dir */
    d = target_display(t);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_null(strstr(d, "secret"));
    free(d);
    ops->describe(t, buf, sizeof(buf));
    ck_assert_str_eq(buf, "the target server");
    /* Before prepare (the connection) the server's major is unknown: no
     * verdict yet. */
    ck_assert_int_eq(ops->check_major(t, "a.dump", "99.0", 99, &err), 0);
    ck_assert(!ops->made(t));
    ck_assert_int_eq(ops->drop(t, &err), 0); /* never created */
    ck_assert_str_eq(ops->probe_conninfo(t, &err),
                     "host=db user=u password=secret dbname=x");
    target_free(t);
}
END_TEST

/* The server target's password as one .pgpass line: ':' and '\\'
 * escaped; a newline cannot be one (PGPASSWORD then). */
START_TEST(test_passfile_line)
{
    char buf[64];

    ck_assert_int_eq(passfile_line("s3cr:et\\pw", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "*:*:*:*:s3cr\\:et\\\\pw\n");
    ck_assert_int_eq(passfile_line("plain", buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "*:*:*:*:plain\n");
    ck_assert_int_eq(passfile_line("a\nb", buf, sizeof(buf)), -1);
    ck_assert_int_eq(passfile_line("::::::::::::::::::::::::::::::", buf, 16),
                     -1);
}
END_TEST

START_TEST(test_render_restore)
{
    struct report *r = report_new("verify", "j");
    struct restore_report rp;
    json_t *rs;

    ck_assert_ptr_nonnull(r);
    memset(&rp, 0, sizeof(rp));
    rp.scratch_dropped = -1;
    rp.target = strdup("ephemeral");
    /* Nothing known yet: only the target; the rest keeps its defaults. */
    render_restore(r, &rp);
    rs = report_restore(r);
    ck_assert_str_eq(json_string_value(json_object_get(rs, "target")),
                     "ephemeral");
    ck_assert(json_is_null(json_object_get(rs, "database")));
    ck_assert(json_is_null(json_object_get(rs, "tool")));
    ck_assert(json_is_null(json_object_get(rs, "scratch_dropped")));
    ck_assert(json_is_false(json_object_get(rs, "kept")));
    /* A restore that ran. */
    snprintf(rp.server_version, sizeof(rp.server_version), "15.20");
    snprintf(rp.database, sizeof(rp.database), "restoredrill_j_x");
    rp.ran = true;
    snprintf(rp.run.tool, sizeof(rp.run.tool), "psql 15.20");
    rp.run.jobs = 1;
    rp.run.error_count = 1;
    rp.run.errors[0] = strdup("psql:1: ERROR:  boom");
    rp.run.nerrors = 1;
    rp.duration_s = 1.23456;
    rp.filtered = true;
    rp.filtered_owner = 3;
    rp.filtered_acl = 4;
    rp.scratch_dropped = 1;
    render_restore(r, &rp);
    ck_assert_str_eq(json_string_value(json_object_get(rs, "server_version")),
                     "15.20");
    ck_assert_str_eq(json_string_value(json_object_get(rs, "tool")),
                     "psql 15.20");
    ck_assert_int_eq(json_array_size(json_object_get(rs, "errors")), 1);
    ck_assert(json_real_value(json_object_get(rs, "duration_s")) == 1.235);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(rs, "filtered"), "acl")),
                     4);
    ck_assert(json_is_true(json_object_get(rs, "scratch_dropped")));
    restore_report_release(&rp);
    report_free(r);
}
END_TEST

/* The scratch marker the sweep trusts (with the ledger and the owner). */
START_TEST(test_marker_parse)
{
    long pid = 0;
    int64_t created = 0;
    char host[128];

    ck_assert_int_eq(
        marker_parse(
            "restoredrill scratch database (job app, pid 4242, host db1, created 2026-12-08T01:00:00Z); dropped when the run ends",
            &pid, host, sizeof(host), &created),
        0);
    ck_assert_int_eq(pid, 4242);
    ck_assert_str_eq(host, "db1");
    ck_assert_int_eq(created, 1796691600);
    ck_assert_int_eq(
        marker_parse("not ours", &pid, host, sizeof(host), &created), -1);
    ck_assert_int_eq(
        marker_parse(
            "restoredrill: kept on purpose (--keep); drop it yourself when done",
            &pid, host, sizeof(host), &created),
        -1);
    ck_assert_int_eq(
        marker_parse(
            "restoredrill scratch database (job app, pid x, host db1, created 2026-12-08T01:00:00Z)",
            &pid, host, sizeof(host), &created),
        -1);
    ck_assert_int_eq(
        marker_parse(
            "restoredrill scratch database (job app, pid 1, host db1, created yesterday)",
            &pid, host, sizeof(host), &created),
        -1);
}
END_TEST

Suite *
target_suite(void)
{
    Suite *s = suite_create("target");
    TCase *tc = tcase_create("drivers");
    TCase *tr = tcase_create("render");

    tcase_add_test(tc, test_ephemeral_driver);
    tcase_add_test(tc, test_ephemeral_check_major);
    tcase_add_test(tc, test_server_driver);
    tcase_add_test(tc, test_passfile_line);
    tcase_add_test(tc, test_marker_parse);
    suite_add_tcase(s, tc);
    tcase_add_test(tr, test_render_restore);
    suite_add_tcase(s, tr);
    return s;
}
