/* test_myfilter: the mysqldump filter (DEFINER=, MySQL 8 collations, the
 * system schemas of an --all-databases dump, "-- Dump completed"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "restore/decode/myfilter.h"

Suite *myfilter_suite(void);

struct mem_stream {
    struct stream s;
    const char *data;
    size_t len, pos;
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;

    (void)err;
    if (n > 5)
        n = 5; /* small reads: lines cross them */
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void
mem_free(struct stream *s)
{
    free(s);
}

/* Filter ${in}; the output (malloc'd) and the end's error code. */
static char *
filter(const char *in, bool header, struct myfilter_counts *c,
       enum rd_code *code)
{
    struct mem_stream *m = calloc(1, sizeof(*m));
    struct rd_err err = {0};
    struct stream *f;
    size_t cap = 2 * strlen(in) + 16, n = 0;
    char *out = malloc(cap);
    ssize_t got;

    ck_assert_ptr_nonnull(m);
    m->s.read = mem_read;
    m->s.free = mem_free;
    m->s.name = "t.sql";
    m->data = in;
    m->len = strlen(in);
    f = myfilter_new(&m->s, header, c);
    ck_assert_ptr_nonnull(f);
    while ((got = stream_read(f, out + n, 7, &err)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    *code = got == 0 ? RD_OK : err.code;
    stream_free(f);
    return out;
}

START_TEST(test_definer_and_collations)
{
    static const char in[] =
        "/*!50013 DEFINER=`app`@`%` SQL SECURITY DEFINER */\n"
        "CREATE DEFINER='a'@'localhost' FUNCTION `f`() RETURNS int\n"
        "/*!50017 DEFINER=root@localhost*/ /*!50003 TRIGGER x */\n"
        "  `n` varchar(5) COLLATE utf8mb4_0900_ai_ci,\n"
        ") DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;\n"
        "INSERT INTO `t` VALUES ('DEFINER=`x`@`y` utf8mb4_0900_ai_ci');\n"
        "-- Dump completed on 2026-01-01\n";
    struct myfilter_counts c;
    enum rd_code code;
    char *out = filter(in, true, &c, &code);

    ck_assert_int_eq(code, RD_OK);
    ck_assert_str_eq(
        out, "/*!50013 SQL SECURITY DEFINER */\n"
             "CREATE FUNCTION `f`() RETURNS int\n"
             "/*!50017 */ /*!50003 TRIGGER x */\n"
             "  `n` varchar(5) COLLATE utf8mb4_uca1400_ai_ci,\n"
             ") DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n"
             "INSERT INTO `t` VALUES ('DEFINER=`x`@`y` utf8mb4_0900_ai_ci');\n"
             "-- Dump completed on 2026-01-01\n");
    ck_assert_int_eq(c.definer, 3);
    ck_assert_int_eq(c.collations, 2);
    ck_assert_str_eq(c.mapped, "utf8mb4_0900_ai_ci -> utf8mb4_uca1400_ai_ci, "
                               "utf8mb4_0900_bin -> utf8mb4_bin");
    ck_assert(c.completed);
    free(out);
}
END_TEST

START_TEST(test_system_schemas)
{
    static const char in[] =
        "-- Current Database: `mysql`\n"
        "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `mysql`;\n"
        "USE `mysql`;\n"
        "INSERT INTO `global_priv` VALUES ('x');\n"
        "-- Current Database: `shop`\n"
        "USE `shop`;\n"
        "CREATE TABLE `t` (a int);\n"
        "USE `sys`;\n"
        "CREATE VIEW v AS SELECT 1;\n"
        "USE `shop`;\n"
        "-- Dump completed\n";
    struct myfilter_counts c;
    enum rd_code code;
    char *out = filter(in, true, &c, &code);

    ck_assert_int_eq(code, RD_OK);
    ck_assert_str_eq(out, "-- Current Database: `shop`\n"
                          "USE `shop`;\n"
                          "CREATE TABLE `t` (a int);\n"
                          "USE `shop`;\n"
                          "-- Dump completed\n");
    ck_assert_str_eq(c.skipped_dbs, "mysql, sys");
    ck_assert_int_eq(c.skipped_lines, 6);
    free(out);
}
END_TEST

START_TEST(test_trailer)
{
    struct myfilter_counts c;
    enum rd_code code;
    char *out;

    /* Cut: the header says there must be a trailer. */
    out = filter("-- MySQL dump 10.13\nCREATE TABLE `t` (a int);\n", true, &c,
                 &code);
    ck_assert_int_eq(code, RD_ARCHIVE_TRUNCATED);
    free(out);
    /* Blank lines after the trailer are fine, a last line without \n too. */
    out = filter("INSERT INTO t VALUES (1);\n-- Dump completed on x\n\n\n",
                 true, &c, &code);
    ck_assert_int_eq(code, RD_OK);
    free(out);
    out = filter("x;\n-- Dump completed", true, &c, &code);
    ck_assert_int_eq(code, RD_OK);
    ck_assert_str_eq(out, "x;\n-- Dump completed");
    free(out);
    /* An INSERT last: cut inside the data. */
    out = filter("-- Dump completed\nINSERT INTO t VALUES (1);\n", true, &c,
                 &code);
    ck_assert_int_eq(code, RD_ARCHIVE_TRUNCATED);
    free(out);
    /* No header (--skip-comments): not checked. */
    out = filter("CREATE TABLE `t` (a int);\n", false, &c, &code);
    ck_assert_int_eq(code, RD_OK);
    ck_assert(!c.header);
    ck_assert(!c.completed);
    free(out);
}
END_TEST

START_TEST(test_unmapped_collation)
{
    struct myfilter_counts c;
    enum rd_code code;
    char *out = filter("CREATE TABLE `t` (`a` varchar(5) COLLATE "
                       "utf8mb4_ja_0900_as_cs);\n-- Dump completed\n",
                       true, &c, &code);

    ck_assert_int_eq(code, RD_TOOL_TOO_OLD);
    ck_assert_str_eq(c.unmapped, "utf8mb4_ja_0900_as_cs");
    free(out);
    /* In data it is only data. */
    out = filter("INSERT INTO `t` VALUES ('utf8mb4_ja_0900_as_cs');\n", false,
                 &c, &code);
    ck_assert_int_eq(code, RD_OK);
    free(out);
}
END_TEST

START_TEST(test_line_api)
{
    struct myfilter_counts c;
    char out[128];

    memset(&c, 0, sizeof(c));
    ck_assert_uint_eq(myfilter_line("DEFINER=", 8, out, sizeof(out), &c), 8);
    ck_assert_str_eq(out, "DEFINER=");
    ck_assert_uint_eq(
        myfilter_line("a DEFINER=`u`@`h`", 17, out, sizeof(out), &c), 2);
    ck_assert_str_eq(out, "a ");
    ck_assert_int_eq(c.definer, 1);
    /* An unterminated quote is left alone. */
    myfilter_line("DEFINER=`u@h", 12, out, sizeof(out), &c);
    ck_assert_str_eq(out, "DEFINER=`u@h");
    myfilter_line("utf8mb4_0900_as_cs", 18, out, sizeof(out), &c);
    ck_assert_str_eq(out, "utf8mb4_uca1400_as_cs");
}
END_TEST

Suite *
myfilter_suite(void)
{
    Suite *s = suite_create("myfilter");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_definer_and_collations);
    tcase_add_test(tc, test_system_schemas);
    tcase_add_test(tc, test_trailer);
    tcase_add_test(tc, test_unmapped_collation);
    tcase_add_test(tc, test_line_api);
    suite_add_tcase(s, tc);
    return s;
}
