/* test_drift: the row-count baseline and its comparison. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "testutil.h"
#include <jansson.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/rd_err.h"

#include "probes/drift.h"
#include "reports/render_probes.h"

Suite *drift_suite(void);

static const char *const tmpdir = testutil_tmpdir;

static const char *
path_of(const char *rel)
{
    static char buf[PATH_MAX + 256];

    snprintf(buf, sizeof(buf), "%s/%s", tmpdir, rel);
    return buf;
}

static char *
slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n;

    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ${c} from "name=rows" pairs, NULL-terminated. */
static void
fill(struct drift_counts *c, const char *const *pairs)
{
    for (; *pairs != NULL; pairs++) {
        char name[128];
        long long rows;

        ck_assert_int_eq(sscanf(*pairs, "%127[^=]=%lld", name, &rows), 2);
        ck_assert_int_eq(drift_counts_add(c, name, (int64_t)rows), 0);
    }
}

/* Compare ${base} with ${cur}: the array as compact sorted JSON. */
static void
compare_is(const char *const *base_pairs, const char *const *cur_pairs,
           double max_shrink, const char *want, size_t want_warnings)
{
    struct drift_counts base = {0}, cur = {0};
    size_t warnings = 99;
    json_t *out;
    char *text;

    fill(&base, base_pairs);
    fill(&cur, cur_pairs);
    out = drift_compare(&base, &cur, max_shrink, &warnings);
    ck_assert_ptr_nonnull(out);
    text = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_str_eq(text, want);
    ck_assert_uint_eq(warnings, want_warnings);
    free(text);
    json_decref(out);
    drift_counts_release(&base);
    drift_counts_release(&cur);
}

START_TEST(test_round_trip)
{
    static const char *const pairs[] = {"public.users=1200", "public.orders=0",
                                        "app.\"Odd\" name=-1",
                                        "public.a=9007199254740993", NULL};
    struct drift_counts cur = {0}, back = {0};
    struct rd_err err = {0};
    const char *path = path_of("drift.json");

    fill(&cur, pairs);
    cur.taken_at = 1700000000; /* 2023-11-14T22:13:20Z */
    ck_assert_msg(drift_save(path, &cur, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(slurp(path), "{\n"
                                  "  \"tables\": {\n"
                                  "    \"app.\\\"Odd\\\" name\": -1,\n"
                                  "    \"public.a\": 9007199254740993,\n"
                                  "    \"public.orders\": 0,\n"
                                  "    \"public.users\": 1200\n"
                                  "  },\n"
                                  "  \"taken_at\": \"2023-11-14T22:13:20Z\",\n"
                                  "  \"version\": 1\n"
                                  "}\n");

    ck_assert_int_eq(drift_load(path, &back, &err), 0);
    ck_assert_int_eq(back.taken_at, 1700000000);
    ck_assert_uint_eq(back.n, 4);
    for (size_t i = 0; i < cur.n; i++) {
        size_t j;

        for (j = 0; j < back.n; j++)
            if (strcmp(back.items[j].name, cur.items[i].name) == 0)
                break;
        ck_assert_msg(j < back.n, "'%s' lost", cur.items[i].name);
        ck_assert_int_eq(back.items[j].rows, cur.items[i].rows);
    }
    drift_counts_release(&back);

    /* Saving again replaces the file. */
    drift_counts_release(&cur);
    ck_assert_ptr_null(cur.items);
    cur.taken_at = 0;
    ck_assert_int_eq(drift_save(path, &cur, &err), 0);
    ck_assert_int_eq(drift_load(path, &back, &err), 0);
    ck_assert_uint_eq(back.n, 0);
    ck_assert_int_eq(back.taken_at, 0);
    drift_counts_release(&back);
}
END_TEST

START_TEST(test_many_tables)
{
    struct drift_counts c = {0};
    char name[32];

    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "s.t%04d", i);
        ck_assert_int_eq(drift_counts_add(&c, name, i), 0);
    }
    ck_assert_uint_eq(c.n, 1000);
    ck_assert_str_eq(c.items[999].name, "s.t0999");
    ck_assert_int_eq(c.items[500].rows, 500);
    drift_counts_release(&c);
    drift_counts_release(&c);
    drift_counts_release(NULL);
}
END_TEST

START_TEST(test_load_missing)
{
    struct drift_counts base = {0};
    struct rd_err err = {0};

    ck_assert_int_eq(drift_load(path_of("none.json"), &base, &err), 1);
    ck_assert_uint_eq(base.n, 0);
    ck_assert_ptr_null(base.items);
    ck_assert_int_eq(err.code, RD_OK);
    drift_counts_release(&base);
}
END_TEST

/* ${text} as a baseline is refused with a message naming the file. */
static void
load_bad(const char *text, const char *want)
{
    struct drift_counts base = {0};
    struct rd_err err = {0};
    char full[PATH_MAX + 512];
    const char *path = path_of("bad.json");

    testutil_put(path, text);
    ck_assert_int_eq(drift_load(path, &base, &err), -1);
    ck_assert_int_eq(err.code, RD_INTERNAL);
    snprintf(full, sizeof(full), "drift baseline '%s' %s", path, want);
    ck_assert_msg(strncmp(err.msg, full, strlen(full)) == 0,
                  "'%s' does not start with '%s'", err.msg, full);
    ck_assert_uint_eq(base.n, 0);
    ck_assert_ptr_null(base.items);
    drift_counts_release(&base);
}

START_TEST(test_load_garbage)
{
    load_bad("", "is not valid JSON");
    load_bad("garbage\x01\xff", "is not valid JSON");
    load_bad("{\"version\":1,\"taken_at\":\"2023-11-14T22:13:20Z\","
             "\"tables\":{\"a\":1,\"a\":2}}",
             "is not valid JSON");
    load_bad("[1,2]", "is not a version 1 baseline");
    load_bad("{\"version\":2,\"taken_at\":\"2023-11-14T22:13:20Z\","
             "\"tables\":{}}",
             "is not a version 1 baseline");
    load_bad("{\"version\":1,\"taken_at\":\"yesterday\",\"tables\":{}}",
             "has no valid 'taken_at'");
    load_bad("{\"version\":1,\"taken_at\":\"2023-11-14T22:13:20Z junk\","
             "\"tables\":{}}",
             "has no valid 'taken_at'");
    load_bad("{\"version\":1,\"taken_at\":\"2023-11-14T22:13:20Z\"}",
             "has no 'tables' object");
    load_bad("{\"version\":1,\"taken_at\":\"2023-11-14T22:13:20Z\","
             "\"tables\":{\"a\":1,\"b\":\"2\"}}",
             "has a bad row count for table 'b'");
    load_bad("{\"version\":1,\"taken_at\":\"2023-11-14T22:13:20Z\","
             "\"tables\":{\"a\":-2}}",
             "has a bad row count for table 'a'");
}
END_TEST

/* A time before 1970 is no run's: the report's baseline_at would be
 * "506-01-01T00:00:00Z", not RFC 3339 (found by fuzz_drift). */
START_TEST(test_load_before_1970)
{
    load_bad("{\"version\":1,\"taken_at\":\"0506-01-01T00:00:00Z\","
             "\"tables\":{}}",
             "has no valid 'taken_at'");
    load_bad("{\"version\":1,\"taken_at\":\"1969-12-31T23:59:58Z\","
             "\"tables\":{}}",
             "has no valid 'taken_at'");
}
END_TEST

START_TEST(test_load_not_a_file)
{
    struct drift_counts base = {0};
    struct rd_err err = {0};

    ck_assert_int_eq(mkdir(path_of("dir.json"), 0700), 0);
    ck_assert_int_eq(drift_load(path_of("dir.json"), &base, &err), -1);
    ck_assert_int_eq(err.code, RD_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "dir.json"));
    drift_counts_release(&base);
}
END_TEST

START_TEST(test_compare_shrink)
{
    static const char *const base[] = {"public.a=100", "public.b=100",
                                       "public.gone=7", NULL};
    static const char *const cur[] = {"public.b=60", "public.a=40", NULL};

    compare_is(base, cur, 0.5,
               "[{\"name\":\"public.a\",\"previous_rows\":100,\"rows\":40,"
               "\"status\":\"warning\"},"
               "{\"name\":\"public.b\",\"previous_rows\":100,\"rows\":60,"
               "\"status\":\"ok\"},"
               "{\"name\":\"public.gone\",\"previous_rows\":7,\"rows\":null,"
               "\"status\":\"warning\"}]",
               2);
}
END_TEST

START_TEST(test_compare_edges)
{
    static const char *const base[] = {"z=0",    "half=100",   "grow=5",
                                       "same=3", "unknown=-1", NULL};
    static const char *const cur[] = {
        "half=50", "grow=500", "new=10", "same=3", "z=0", "unknown=4", NULL};
    static const char *const base2[] = {"z=0", "was=10", NULL};
    static const char *const cur2[] = {"z=0", "was=-1", NULL};
    static const char *const none[] = {NULL};

    /* Exactly max_shrink is not "more than"; growth and new tables are ok. */
    compare_is(base, cur, 0.5,
               "[{\"name\":\"grow\",\"previous_rows\":5,\"rows\":500,"
               "\"status\":\"ok\"},"
               "{\"name\":\"half\",\"previous_rows\":100,\"rows\":50,"
               "\"status\":\"ok\"},"
               "{\"name\":\"new\",\"previous_rows\":null,\"rows\":10,"
               "\"status\":\"ok\"},"
               "{\"name\":\"same\",\"previous_rows\":3,\"rows\":3,"
               "\"status\":\"ok\"},"
               "{\"name\":\"unknown\",\"previous_rows\":null,\"rows\":4,"
               "\"status\":\"ok\"},"
               "{\"name\":\"z\",\"previous_rows\":0,\"rows\":0,"
               "\"status\":\"ok\"}]",
               0);
    /* A tighter limit makes the halved table a warning. */
    compare_is(base, cur, 0.4,
               "[{\"name\":\"grow\",\"previous_rows\":5,\"rows\":500,"
               "\"status\":\"ok\"},"
               "{\"name\":\"half\",\"previous_rows\":100,\"rows\":50,"
               "\"status\":\"warning\"},"
               "{\"name\":\"new\",\"previous_rows\":null,\"rows\":10,"
               "\"status\":\"ok\"},"
               "{\"name\":\"same\",\"previous_rows\":3,\"rows\":3,"
               "\"status\":\"ok\"},"
               "{\"name\":\"unknown\",\"previous_rows\":null,\"rows\":4,"
               "\"status\":\"ok\"},"
               "{\"name\":\"z\",\"previous_rows\":0,\"rows\":0,"
               "\"status\":\"ok\"}]",
               1);
    /* previous 0 never warns for shrinking; unknown now is no shrink. */
    compare_is(base2, cur2, 0.0,
               "[{\"name\":\"was\",\"previous_rows\":10,\"rows\":null,"
               "\"status\":\"ok\"},"
               "{\"name\":\"z\",\"previous_rows\":0,\"rows\":0,"
               "\"status\":\"ok\"}]",
               0);
    /* First run: everything is new. */
    compare_is(none, cur2, 0.5,
               "[{\"name\":\"was\",\"previous_rows\":null,\"rows\":null,"
               "\"status\":\"ok\"},"
               "{\"name\":\"z\",\"previous_rows\":null,\"rows\":0,"
               "\"status\":\"ok\"}]",
               0);
    /* Every table gone. */
    compare_is(base2, none, 0.5,
               "[{\"name\":\"was\",\"previous_rows\":10,\"rows\":null,"
               "\"status\":\"warning\"},"
               "{\"name\":\"z\",\"previous_rows\":0,\"rows\":null,"
               "\"status\":\"warning\"}]",
               2);
    compare_is(none, none, 0.5, "[]", 0);
}
END_TEST

Suite *
drift_suite(void)
{
    Suite *s = suite_create("drift");
    TCase *tf = tcase_create("file");
    TCase *tc = tcase_create("compare");

    testutil_dirs(tf);
    tcase_add_test(tf, test_round_trip);
    tcase_add_test(tf, test_load_missing);
    tcase_add_test(tf, test_load_garbage);
    tcase_add_test(tf, test_load_before_1970);
    tcase_add_test(tf, test_load_not_a_file);
    suite_add_tcase(s, tf);

    tcase_add_test(tc, test_many_tables);
    tcase_add_test(tc, test_compare_shrink);
    tcase_add_test(tc, test_compare_edges);
    suite_add_tcase(s, tc);
    return s;
}
