/* test_select: archive candidates and the choice of the newest one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "restore/source/select.h"

Suite *select_suite(void);

/* Add each "name" with the matching mtime to ${l}. */
static void
add_all(struct archive_list *l, const char *const *names, const time_t *mtimes,
        size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        ck_assert_int_eq(archive_list_add(l, names[i], mtimes[i], 100), 0);
}

/* The names in ${l}, joined by ','. */
static const char *
joined(const struct archive_list *l)
{
    static char buf[1024];
    size_t i, len = 0;

    buf[0] = '\0';
    for (i = 0; i < l->n; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
                                i > 0 ? "," : "", l->items[i].name);
    return buf;
}

START_TEST(test_list_basics)
{
    struct archive_list l;
    char name[32];
    size_t i;

    archive_list_init(&l);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_ptr_null(select_newest(&l));
    for (i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "db_%03zu.dump", i);
        ck_assert_int_eq(archive_list_add(&l, name, (time_t)i, (int64_t)i * 10),
                         0);
    }
    /* The name is copied. */
    strcpy(name, "changed");
    ck_assert_uint_eq(l.n, 100);
    ck_assert_uint_ge(l.cap, 100);
    ck_assert_str_eq(l.items[99].name, "db_099.dump");
    ck_assert_int_eq(l.items[42].mtime, 42);
    ck_assert_int_eq(l.items[42].size, 420);
    ck_assert_int_eq(l.items[42].name_time, -1);
    archive_list_release(&l);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_uint_eq(l.cap, 0);
    ck_assert_ptr_null(l.items);
    /* Released twice, and reused. */
    archive_list_release(&l);
    ck_assert_int_eq(archive_list_add(&l, "again", -1, -1), 0);
    ck_assert_str_eq(l.items[0].name, "again");
    archive_list_release(&l);
}
END_TEST

START_TEST(test_entry_time)
{
    char name[] = "x";
    struct archive_entry e = {.name = name, .mtime = 100, .name_time = -1};

    ck_assert_int_eq(archive_entry_time(&e), 100);
    e.name_time = 50;
    ck_assert_int_eq(archive_entry_time(&e), 50);
    e.mtime = -1;
    ck_assert_int_eq(archive_entry_time(&e), 50);
    e.name_time = -1;
    ck_assert_int_eq(archive_entry_time(&e), -1);
}
END_TEST

START_TEST(test_classify)
{
    static const struct {
        const char *name;
        enum select_skip want;
    } cases[] = {
        {"mail_20240101.dump", SELECT_OK},
        {"db.dump.gz", SELECT_OK},
        {"xpart", SELECT_OK},
        {"x.parts", SELECT_OK},
        {"x.tmpl", SELECT_OK},
        {"dir/x.dump", SELECT_OK},
        {"x.part", SELECT_IN_PROGRESS},
        {"x.PART", SELECT_IN_PROGRESS},
        {"x.dump.tmp", SELECT_IN_PROGRESS},
        {"x.Tmp", SELECT_IN_PROGRESS},
        {"x.partial", SELECT_IN_PROGRESS},
        {"x.inprogress", SELECT_IN_PROGRESS},
        {"x.InProgress", SELECT_IN_PROGRESS},
        {"x.filepart", SELECT_IN_PROGRESS},
        {"x.crdownload", SELECT_IN_PROGRESS},
        {".x.dump.Ab12Cd", SELECT_IN_PROGRESS}, /* rsync temp file */
        {".hidden", SELECT_IN_PROGRESS},
        {"dir/.x.dump", SELECT_IN_PROGRESS},
        {"x.sha256.part", SELECT_IN_PROGRESS},
        {"x.dump.sha256", SELECT_SIDECAR},
        {"x.dump.SHA256", SELECT_SIDECAR},
        {"x.dump.md5", SELECT_SIDECAR},
        {"x.dump.sig", SELECT_SIDECAR},
        {"x.dump.asc", SELECT_SIDECAR},
        {"x.part.sha256", SELECT_SIDECAR},
        {"", SELECT_NO_MATCH},
        {"dir/", SELECT_NO_MATCH},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(select_classify(cases[i].name, NULL) == cases[i].want,
                      "'%s': %d", cases[i].name,
                      (int)select_classify(cases[i].name, NULL));
        ck_assert_msg(select_classify(cases[i].name, "") == cases[i].want,
                      "'%s' with \"\"", cases[i].name);
    }
}
END_TEST

START_TEST(test_classify_pattern)
{
    const char *pat = "mail_%Y%m%d-%H%M*";

    ck_assert_int_eq(select_classify("mail_20240305-1430.dump", pat),
                     SELECT_OK);
    ck_assert_int_eq(select_classify("mail_20241305-1430.dump", pat),
                     SELECT_NO_MATCH);
    ck_assert_int_eq(select_classify("other_20240305-1430.dump", pat),
                     SELECT_NO_MATCH);
    /* Skip reasons are checked before the pattern. */
    ck_assert_int_eq(select_classify("mail_20240305-1430.dump.part", pat),
                     SELECT_IN_PROGRESS);
    ck_assert_int_eq(select_classify("mail_20240305-1430.dump.sha256", pat),
                     SELECT_SIDECAR);
    ck_assert_int_eq(select_classify("*.part", "*.part"), SELECT_IN_PROGRESS);
    ck_assert_int_eq(select_classify("db.dump", "*.sql"), SELECT_NO_MATCH);
}
END_TEST

START_TEST(test_filter)
{
    static const char *const names[] = {
        "mail_20240301-0000.dump",        "mail_20240302-0000.dump.part",
        "mail_20240302-0000.dump.sha256", "notes.txt",
        ".mail_20240303-0000.dump",       "mail_20241301-0000.dump",
        "mail_20240303-0000.dump",
    };
    static const time_t mtimes[] = {10, 20, 30, 40, 50, 60, 5};
    struct archive_list l;
    size_t young = 99;

    archive_list_init(&l);
    add_all(&l, names, mtimes, sizeof(names) / sizeof(names[0]));
    select_filter(&l, "mail_%Y%m%d-%H%M*", 0, 1000, &young);
    ck_assert_str_eq(joined(&l),
                     "mail_20240301-0000.dump,mail_20240303-0000.dump");
    ck_assert_uint_eq(young, 0);
    ck_assert_int_eq(l.items[0].name_time, 1709251200);
    ck_assert_int_eq(l.items[0].mtime, 10);
    ck_assert_int_eq(l.items[1].name_time, 1709424000);
    ck_assert_int_eq(l.items[1].size, 100);
    archive_list_release(&l);

    /* No pattern: every other name, no name time. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, sizeof(names) / sizeof(names[0]));
    select_filter(&l, NULL, 0, 1000, NULL);
    ck_assert_str_eq(joined(&l), "mail_20240301-0000.dump,notes.txt,"
                                 "mail_20241301-0000.dump,"
                                 "mail_20240303-0000.dump");
    ck_assert_int_eq(l.items[0].name_time, -1);
    archive_list_release(&l);

    /* A pattern without %Y matches but gives no time. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, sizeof(names) / sizeof(names[0]));
    select_filter(&l, "*.dump", 0, 1000, NULL);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.items[2].name_time, -1);
    archive_list_release(&l);

    /* Nothing left. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, sizeof(names) / sizeof(names[0]));
    select_filter(&l, "nothing_*", 0, 1000, &young);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_ptr_null(select_newest(&l));
    archive_list_release(&l);
}
END_TEST

START_TEST(test_filter_min_age)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    /* Ages at now = 1000: 400, 300, 299, 0, in the future, unknown. */
    static const time_t mtimes[] = {600, 700, 701, 1000, 5000, -1};
    struct archive_list l;
    size_t young = 99;

    archive_list_init(&l);
    add_all(&l, names, mtimes, 6);
    select_filter(&l, NULL, 300, 1000, &young);
    /* Exactly min_age old is old enough; unknown mtime is kept. */
    ck_assert_str_eq(joined(&l), "a,b,f");
    ck_assert_uint_eq(young, 3);
    archive_list_release(&l);

    /* min_age 0 is off: even a future mtime is kept. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, 6);
    select_filter(&l, NULL, 0, 1000, &young);
    ck_assert_uint_eq(l.n, 6);
    ck_assert_uint_eq(young, 0);
    archive_list_release(&l);

    /* Unknown mtime: the name's time decides. */
    archive_list_init(&l);
    ck_assert_int_eq(archive_list_add(&l, "db_20240301.dump", -1, 1), 0);
    ck_assert_int_eq(archive_list_add(&l, "db_20240302.dump", -1, 1), 0);
    select_filter(&l, "db_%Y%m%d.dump", 3600, 1709337600 + 1800, &young);
    ck_assert_str_eq(joined(&l), "db_20240301.dump");
    ck_assert_uint_eq(young, 1);
    archive_list_release(&l);

    /* Extreme values do not overflow. */
    archive_list_init(&l);
    ck_assert_int_eq(archive_list_add(&l, "old", 0, 1), 0);
    select_filter(&l, NULL, INT64_MAX, -10, &young);
    ck_assert_uint_eq(l.n, 1);
    ck_assert_uint_eq(young, 0);
    archive_list_release(&l);
}
END_TEST

START_TEST(test_newest_by_name_time)
{
    /* The mtimes say the opposite of the names (copied in reverse). */
    static const char *const names[] = {
        "mail_20240303-0000.dump",
        "mail_20240301-0000.dump",
        "mail_20240302-2359.dump",
    };
    static const time_t mtimes[] = {100, 300, 200};
    struct archive_list l;
    const struct archive_entry *e;

    archive_list_init(&l);
    add_all(&l, names, mtimes, 3);
    select_filter(&l, "mail_%Y%m%d-%H%M*", 0, 1000, NULL);
    e = select_newest(&l);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->name, "mail_20240303-0000.dump");
    select_sort(&l);
    ck_assert_str_eq(joined(&l), "mail_20240301-0000.dump,"
                                 "mail_20240302-2359.dump,"
                                 "mail_20240303-0000.dump");
    ck_assert_ptr_eq(select_newest(&l), &l.items[2]);
    archive_list_release(&l);

    /* Without time fields the listing's time decides. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, 3);
    select_filter(&l, "mail_*.dump", 0, 1000, NULL);
    e = select_newest(&l);
    ck_assert_str_eq(e->name, "mail_20240301-0000.dump");
    select_sort(&l);
    ck_assert_str_eq(joined(&l), "mail_20240303-0000.dump,"
                                 "mail_20240302-2359.dump,"
                                 "mail_20240301-0000.dump");
    archive_list_release(&l);
}
END_TEST

START_TEST(test_ties)
{
    static const char *const names[] = {"b", "c", "a", "d"};
    static const time_t mtimes[] = {50, 50, 50, 10};
    struct archive_list l;

    archive_list_init(&l);
    add_all(&l, names, mtimes, 4);
    ck_assert_str_eq(select_newest(&l)->name, "c");
    select_sort(&l);
    ck_assert_str_eq(joined(&l), "d,a,b,c");
    ck_assert_str_eq(select_newest(&l)->name, "c");
    archive_list_release(&l);

    /* Byte order, not locale order; unknown times are the oldest. */
    archive_list_init(&l);
    ck_assert_int_eq(archive_list_add(&l, "\xc3\xa9", 7, 1), 0);
    ck_assert_int_eq(archive_list_add(&l, "z", 7, 1), 0);
    ck_assert_int_eq(archive_list_add(&l, "Z", 7, 1), 0);
    ck_assert_int_eq(archive_list_add(&l, "unknown", -1, 1), 0);
    select_sort(&l);
    ck_assert_str_eq(joined(&l), "unknown,Z,z,\xc3\xa9");
    ck_assert_str_eq(select_newest(&l)->name, "\xc3\xa9");
    archive_list_release(&l);
}
END_TEST

/* select_none_err: what was there when nothing is left. */
START_TEST(test_none_err)
{
    static const char *const names[] = {"app_20240301.dump",
                                        "app_20240302.dump",
                                        "app_20240303.dump.part", "notes.txt"};
    static const time_t mtimes[] = {10, 30, 40, 20};
    struct archive_list l;
    struct rd_err err = {0};

    /* A pattern without the trailing '*': the newest miss is the example. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, 4);
    select_filter(&l, "app_%Y%m%d", 0, 1000, NULL);
    ck_assert_uint_eq(l.n, 0);
    ck_assert_uint_eq(l.listed, 4);
    ck_assert_uint_eq(l.no_match, 3);
    ck_assert_str_eq(l.unmatched, "app_20240302.dump");
    ck_assert_int_eq(select_none_err(&l, "app_%Y%m%d", "/b", &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_NOT_FOUND);
    ck_assert_str_eq(
        err.msg,
        "no archive matching 'app_%Y%m%d' in '/b': 4 files there, 3 not "
        "matching, e.g. 'app_20240302.dump'\nHINT: a pattern matches the whole "
        "name, so a suffix needs '*' (e.g. 'app_%Y%m%d*')");
    archive_list_release(&l);
    ck_assert_ptr_null(l.unmatched);

    /* A pattern ending in '*' gets no "add '*'" example. */
    archive_list_init(&l);
    add_all(&l, names, mtimes, 4);
    select_filter(&l, "db_*", 0, 1000, NULL);
    select_none_err(&l, "db_*", "/b", &err);
    ck_assert_ptr_nonnull(strstr(err.msg, "needs '*'"));
    ck_assert_ptr_null(strstr(err.msg, "(e.g."));
    archive_list_release(&l);

    /* An empty folder, and one with only in-progress files. */
    archive_list_init(&l);
    select_filter(&l, NULL, 0, 1000, NULL);
    select_none_err(&l, NULL, "/b", &err);
    ck_assert_str_eq(err.msg, "no archive in '/b': the folder is empty");
    ck_assert_int_eq(archive_list_add(&l, "x.dump.part", 1, 1), 0);
    select_filter(&l, NULL, 0, 1000, NULL);
    select_none_err(&l, NULL, "/b", &err);
    ck_assert_str_eq(err.msg,
                     "no archive in '/b': all 1 file skipped (still being "
                     "written, checksum files, or younger than min_age)");
    archive_list_release(&l);

    ck_assert_ptr_nonnull(
        strstr(select_pattern_hint(NULL, NULL), "set pattern"));
    ck_assert_ptr_nonnull(strstr(select_pattern_hint("", NULL), "set pattern"));
    ck_assert_str_eq(select_pattern_hint("*.dump", NULL), "");
    ck_assert_str_eq(select_pattern_hint(NULL, "backup.log"), "");
}
END_TEST

Suite *
select_suite(void)
{
    Suite *s = suite_create("select");
    TCase *tc = tcase_create("select");

    tcase_add_test(tc, test_list_basics);
    tcase_add_test(tc, test_entry_time);
    tcase_add_test(tc, test_classify);
    tcase_add_test(tc, test_classify_pattern);
    tcase_add_test(tc, test_filter);
    tcase_add_test(tc, test_filter_min_age);
    tcase_add_test(tc, test_newest_by_name_time);
    tcase_add_test(tc, test_ties);
    tcase_add_test(tc, test_none_err);
    suite_add_tcase(s, tc);
    return s;
}
