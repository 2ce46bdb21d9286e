/* test_toollist: the backup tools' listings (restic, borg, tarsnap, exec
 * lines) and the ISO-8601 times they carry. */
#include <check.h>
#include <string.h>

#include "restore/source/toollist.h"
#include "testutil.h"

Suite *toollist_suite(void);

START_TEST(test_time)
{
    ck_assert_int_eq(toollist_time("2026-11-26T03:44:52.115878179Z"),
                     1795664692);
    ck_assert_int_eq(toollist_time("2026-11-26 03:44:52"), 1795664692);
    ck_assert_int_eq(toollist_time("2026-11-26T04:44:52+01:00"), 1795664692);
    ck_assert_int_eq(toollist_time("2026-11-25T22:14:52-0530"), 1795664692);
    ck_assert_int_eq(toollist_time("2026-11-26T03:44"), 1795664640);
    ck_assert_int_eq(toollist_time("2026-11-26T03:44:5"), -1);
    ck_assert_int_eq(toollist_time("2026-11-26T03:44:52+1"), -1);
    ck_assert_int_eq(toollist_time("2026-11-26T03:44:52 junk"), -1);
    ck_assert_int_eq(toollist_time("2026-13-26T03:44:52"), -1);
    ck_assert_int_eq(toollist_time(""), -1);
}
END_TEST

START_TEST(test_restic)
{
    const char *j =
        "[{\"id\":\"a1\",\"time\":\"2026-11-26T03:00:00Z\",\"hostname\":\"ci\","
        "\"paths\":[\"/src/pg/\"],\"tags\":[\"pg\"]},"
        "{\"id\":\"b2\",\"time\":\"2026-11-27T03:00:00Z\",\"hostname\":\"vm\","
        "\"paths\":[\"/db.sql\"]},"
        "{\"id\":\"c3\",\"time\":\"2026-11-28T03:00:00Z\",\"hostname\":\"ci\","
        "\"paths\":[\"/src/pgx\"],\"tags\":[\"pg\"]},{\"no\":\"id\"}]";
    struct restic_filter f = {"pg", "ci", "/src/pg/app.dump"}, none = {0};
    struct archive_list l;
    struct rd_err err = {0};

    archive_list_init(&l);
    ck_assert_int_eq(toollist_restic(j, strlen(j), &f, "R", &l, &err), 0);
    ck_assert_uint_eq(l.n, 1); /* /src/pgx does not hold /src/pg/app.dump */
    ck_assert_str_eq(l.items[0].name, "a1");
    ck_assert_int_eq(l.items[0].mtime, 1795662000);
    archive_list_release(&l);
    ck_assert_int_eq(toollist_restic(j, strlen(j), &none, "R", &l, &err), 0);
    ck_assert_uint_eq(l.n, 3);
    archive_list_release(&l);
    ck_assert_int_eq(toollist_restic("{}", 2, &none, "R", &l, &err), -1);
    ck_assert_int_eq(err.code, RD_LISTING_INVALID);
    ck_assert_int_eq(toollist_restic("[", 1, &none, "R", &l, &err), -1);
    archive_list_release(&l);
}
END_TEST

START_TEST(test_borg)
{
    const char *j = "{\"archives\":[{\"name\":\"pg-1\",\"time\":"
                    "\"2026-11-26T03:00:00.000000\"},{\"name\":\"x\","
                    "\"start\":\"2026-11-27T03:00:00.000000\"}]}";
    struct archive_list l;
    struct rd_err err = {0};

    archive_list_init(&l);
    ck_assert_int_eq(toollist_borg(j, strlen(j), "B", &l, &err), 0);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_int_eq(l.items[0].mtime, 1795662000);
    ck_assert_int_eq(l.items[1].mtime, 1795662000 + 86400);
    archive_list_release(&l);
    ck_assert_int_eq(toollist_borg("[]", 2, "B", &l, &err), -1);
    ck_assert_int_eq(err.code, RD_LISTING_INVALID);
}
END_TEST

START_TEST(test_tarsnap)
{
    static const char nul[] = "a\n b\0\0002026-11-26 03:00:00\0nodate\0"
                              "c\0\0002026-11-27 03:00:00";
    static const char tab[] = "a b\t2026-11-26 03:00:00\nnodate\n\nc\t2026-"
                              "11-27 03:00:00\tcmd line";
    struct archive_list l;
    struct rd_err err = {0};

    archive_list_init(&l);
    ck_assert_int_eq(
        toollist_tarsnap(nul, sizeof(nul) - 1, true, "T", &l, &err), 0);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.items[0].name, "a\n b");
    ck_assert_int_eq(l.items[0].mtime, 1795662000);
    ck_assert_str_eq(l.items[1].name, "nodate");
    ck_assert_int_eq(l.items[1].mtime, -1);
    ck_assert_int_eq(l.items[2].mtime, 1795662000 + 86400);
    archive_list_release(&l);
    ck_assert_int_eq(
        toollist_tarsnap(tab, sizeof(tab) - 1, false, "T", &l, &err), 0);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_str_eq(l.items[0].name, "a b");
    ck_assert_int_eq(l.items[2].mtime, 1795662000 + 86400);
    archive_list_release(&l);
}
END_TEST

START_TEST(test_lines)
{
    const char *s = "one.dump\n$(x); y\t2026-11-26T03:00:00Z\r\n\nlast";
    struct archive_list l;
    struct rd_err err = {0};

    archive_list_init(&l);
    ck_assert_int_eq(toollist_lines(s, strlen(s), "E", &l, &err), 0);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.items[0].mtime, -1);
    ck_assert_str_eq(l.items[1].name, "$(x); y");
    ck_assert_int_eq(l.items[1].mtime, 1795662000);
    ck_assert_str_eq(l.items[2].name, "last");
    archive_list_release(&l);
    ck_assert_int_eq(toollist_lines("a\nb\tyesterday\n", 14, "E", &l, &err),
                     -1);
    ck_assert_int_eq(err.code, RD_LISTING_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "line 2 of the listing of 'E'"));
    archive_list_release(&l);
}
END_TEST

Suite *
toollist_suite(void)
{
    Suite *s = suite_create("toollist");
    TCase *tc = tcase_create("toollist");

    tcase_add_test(tc, test_time);
    tcase_add_test(tc, test_restic);
    tcase_add_test(tc, test_borg);
    tcase_add_test(tc, test_tarsnap);
    tcase_add_test(tc, test_lines);
    suite_add_tcase(s, tc);
    return s;
}
