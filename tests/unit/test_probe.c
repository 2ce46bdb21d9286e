/* test_probe: the probe file grammar and probe folder loading. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/rd_err.h"

#include "probes/probe.h"

#include "testutil.h"

Suite *probe_suite(void);

#define FILE_NAME "probes/x.sql"

static int
parse_text(const char *text, struct probe *p, struct rd_err *err)
{
    return probe_parse(FILE_NAME, text, strlen(text), p, err);
}

/* ${text} parses; the probe is in *p (the caller releases it). */
static void
good(const char *text, struct probe *p)
{
    struct rd_err err = {0};

    ck_assert_msg(parse_text(text, p, &err) == 0, "unexpected error: %s",
                  err.msg);
    ck_assert_ptr_nonnull(p->name);
    ck_assert_ptr_nonnull(p->sql);
}

/* ${len} bytes of ${buf} fail with a message starting with ${want}. */
static void
bad_buf(const char *buf, size_t len, const char *want)
{
    struct rd_err err = {0};
    struct probe p;

    ck_assert_int_eq(probe_parse(FILE_NAME, buf, len, &p, &err), -1);
    ck_assert_int_eq(err.code, RD_PROBE_INVALID);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0,
                  "message '%s' does not start with '%s'", err.msg, want);
    probe_release(&p);
}

static void
bad(const char *text, const char *want)
{
    bad_buf(text, strlen(text), want);
}

/* The statement ${body} after a minimal header keeps ${sql}. */
static void
body_is(const char *body, const char *sql)
{
    char text[4096];
    struct probe p;

    snprintf(text, sizeof(text), "-- name: t\n-- kind: empty\n%s", body);
    good(text, &p);
    ck_assert_str_eq(p.sql, sql);
    probe_release(&p);
}

START_TEST(test_freshness_every_key)
{
    struct probe p;

    good("-- name: recent_login\n"
         "-- kind: freshness\n"
         "-- warn_after: 2h\n"
         "-- error_after: 26h\n"
         "-- relative_to: archive\n"
         "-- severity: warning\n"
         "-- timeout: 90s\n"
         "-- search_path: public, \"My \"\"Schema\"\"\"\n"
         "-- description:   someone logs in every day  \n"
         "SELECT max(last_login_at) FROM public.sessions;\n",
         &p);
    ck_assert_str_eq(p.name, "recent_login");
    ck_assert_str_eq(p.file, FILE_NAME);
    ck_assert_int_eq(p.kind, PROBE_FRESHNESS);
    ck_assert_int_eq(p.warn_after_s, 7200);
    ck_assert_int_eq(p.error_after_s, 26 * 3600);
    ck_assert(p.relative_archive);
    ck_assert(p.severity_warning);
    ck_assert_int_eq(p.timeout_s, 90);
    ck_assert_str_eq(p.search_path, "public, \"My \"\"Schema\"\"\"");
    ck_assert_str_eq(p.description, "someone logs in every day");
    ck_assert_str_eq(p.sql, "SELECT max(last_login_at) FROM public.sessions");
    ck_assert_int_eq(p.sql_line, 10);
    ck_assert(!p.has_min && !p.has_max);
    probe_release(&p);
    ck_assert_ptr_null(p.name);
    ck_assert_ptr_null(p.sql);
}
END_TEST

START_TEST(test_defaults)
{
    struct probe p;

    good("-- name: only_error\n-- kind: freshness\n-- error_after: 7d\n"
         "SELECT now()",
         &p);
    ck_assert_int_eq(p.warn_after_s, -1);
    ck_assert_int_eq(p.error_after_s, 7 * 86400);
    ck_assert(!p.relative_archive);
    ck_assert(!p.severity_warning);
    ck_assert_int_eq(p.timeout_s, 0);
    ck_assert_ptr_null(p.search_path);
    ck_assert_ptr_null(p.description);
    ck_assert_str_eq(p.sql, "SELECT now()");
    ck_assert_int_eq(p.sql_line, 4);
    probe_release(&p);

    good("-- name: w\n-- kind: freshness\n-- warn_after: 15m\n"
         "-- relative_to: now\n-- severity: critical\nSELECT now()",
         &p);
    ck_assert_int_eq(p.warn_after_s, 900);
    ck_assert_int_eq(p.error_after_s, -1);
    ck_assert(!p.relative_archive);
    ck_assert(!p.severity_warning);
    probe_release(&p);
}
END_TEST

START_TEST(test_rows_kinds)
{
    struct probe p;

    good("-- name: orders\n-- kind: rows\n-- min: 1e3\n-- max: 2500.5\n"
         "SELECT count(*) FROM public.orders;",
         &p);
    ck_assert_int_eq(p.kind, PROBE_ROWS);
    ck_assert(p.has_min && p.has_max);
    ck_assert(p.min == 1000.0);
    ck_assert(p.max == 2500.5);
    probe_release(&p);

    good("-- name: neg\n-- kind: rows\n-- max: -3\nSELECT -4", &p);
    ck_assert(!p.has_min && p.has_max);
    ck_assert(p.max == -3.0);
    probe_release(&p);

    good("-- name: eq\n-- kind: rows\n-- min: 5\n-- max: 5\nSELECT 5", &p);
    probe_release(&p);

    good("-- name: a.b-c_9\n-- kind: empty\nSELECT 1 WHERE false", &p);
    ck_assert_int_eq(p.kind, PROBE_EMPTY);
    ck_assert_str_eq(p.name, "a.b-c_9");
    probe_release(&p);

    good("-- kind: true\n-- name: t\n-- severity: warning\nSELECT true", &p);
    ck_assert_int_eq(p.kind, PROBE_TRUE);
    ck_assert(p.severity_warning);
    probe_release(&p);
}
END_TEST

START_TEST(test_header_comments)
{
    struct probe p;

    good("-- A probe about logins.\n"
         "--\n"
         "\n"
         "-- name: c\n"
         "   -- kind: empty\n"
         "-- e.g. this is prose, not a key\n"
         "----------\n"
         "--kind_of_note (not a key)\n"
         "\t\n"
         "\n"
         "/* a leading block comment */ SELECT 1\n"
         "-- name: later lines are SQL comments\n",
         &p);
    ck_assert_str_eq(p.name, "c");
    ck_assert_str_eq(p.sql, "SELECT 1");
    ck_assert_int_eq(p.sql_line, 11);
    probe_release(&p);

    /* A statement starting after blank lines and a comment block. */
    good("-- name: c\n-- kind: empty\n\n\n/* x\n y */\n\n  SELECT\n 2 ;  \n\n",
         &p);
    ck_assert_str_eq(p.sql, "SELECT\n 2");
    ck_assert_int_eq(p.sql_line, 8);
    probe_release(&p);
}
END_TEST

START_TEST(test_semicolon_inside_is_fine)
{
    body_is("SELECT 'a;b';", "SELECT 'a;b'");
    body_is("SELECT 'it''s; fine' ;\n", "SELECT 'it''s; fine'");
    body_is("SELECT E'\\'; still' ;", "SELECT E'\\'; still'");
    body_is("SELECT e'\\\\';", "SELECT e'\\\\'");
    body_is("SELECT 1 AS \"we;ird\"\"x;\"", "SELECT 1 AS \"we;ird\"\"x;\"");
    body_is("SELECT $$;$$;", "SELECT $$;$$");
    body_is("SELECT $tag$ ; $x$ ; $ta $tag$;",
            "SELECT $tag$ ; $x$ ; $ta $tag$");
    body_is("SELECT 1 -- ; DROP TABLE x\n;", "SELECT 1");
    body_is("SELECT /* ; /* nested ; */ ; */ 1;",
            "SELECT /* ; /* nested ; */ ; */ 1");
    body_is("SELECT a$b$c FROM t;", "SELECT a$b$c FROM t");
    body_is("SELECT $1;", "SELECT $1");
    body_is("SELECT 1; -- trailing comment\n/* and another */\n", "SELECT 1");
    body_is("SELECT 1 -- no semicolon\n", "SELECT 1");
    body_is("SELECT U&'d;' , B'01', x'ff';", "SELECT U&'d;' , B'01', x'ff'");
}
END_TEST

START_TEST(test_two_statements)
{
    bad("-- name: t\n-- kind: empty\nCOMMIT; DROP TABLE x",
        "probes/x.sql:3: more than one statement (a ';' followed by more SQL)");
    bad("-- name: t\n-- kind: empty\nSELECT 1;\n\n-- c\n  SELECT 2;\n",
        "probes/x.sql:6: more than one statement");
    bad("-- name: t\n-- kind: empty\nSELECT 1;;",
        "probes/x.sql:3: more than one statement");
    bad("-- name: t\n-- kind: empty\nSELECT 'a'';'; DROP TABLE x",
        "probes/x.sql:3: more than one statement");
    bad("-- name: t\n-- kind: empty\nSELECT $$a$$; SET x = 1",
        "probes/x.sql:3: more than one statement");
    bad("-- name: t\n-- kind: empty\nSELECT E'\\\\'; DROP TABLE x",
        "probes/x.sql:3: more than one statement");
    bad("-- name: t\n-- kind: empty\nSELECT 1 /* */; /* */ x",
        "probes/x.sql:3: more than one statement");
}
END_TEST

START_TEST(test_empty_body)
{
    bad("-- name: t\n-- kind: empty\n", "probes/x.sql:3: empty body");
    bad("-- name: t\n-- kind: empty", "probes/x.sql:2: empty body");
    bad("-- name: t\n-- kind: empty\n\n/* nothing */\n-- here\n",
        "probes/x.sql:");
    bad("-- name: t\n-- kind: empty\n;\n",
        "probes/x.sql:3: empty statement before ';'");
}
END_TEST

START_TEST(test_unterminated)
{
    bad("-- name: t\n-- kind: empty\nSELECT\n'abc;",
        "probes/x.sql:4: unterminated quoted string");
    bad("-- name: t\n-- kind: empty\nSELECT E'abc\\';",
        "probes/x.sql:3: unterminated quoted string");
    bad("-- name: t\n-- kind: empty\nSELECT \"abc;",
        "probes/x.sql:3: unterminated quoted identifier");
    bad("-- name: t\n-- kind: empty\nSELECT $a$ ; $b$;",
        "probes/x.sql:3: unterminated dollar-quoted string");
    bad("-- name: t\n-- kind: empty\nSELECT 1 /* /* */ ;",
        "probes/x.sql:3: unterminated /* comment");
}
END_TEST

START_TEST(test_unknown_and_duplicate_keys)
{
    bad("-- name: login\n-- kind: freshness\n-- warnafter: 2h\nSELECT 1",
        "probes/x.sql:3: unknown key 'warnafter'\nHINT: ");
    bad("-- name: a\n-- Name: b\n-- kind: empty\nSELECT 1",
        "probes/x.sql:2: unknown key 'Name'");
    bad("-- name: a\n-- kind: empty\n-- note : prose\nSELECT 1",
        "probes/x.sql:3: unknown key 'note'");
    bad("-- name: a\n-- kind: empty\n\n-- name: b\nSELECT 1",
        "probes/x.sql:4: key 'name' given twice (first on line 1)");
    bad("-- name: a\n-- kind: rows\n-- min: 1\n-- min: 2\nSELECT 1",
        "probes/x.sql:4: key 'min' given twice (first on line 3)");
}
END_TEST

START_TEST(test_missing_and_bad_name_kind)
{
    bad("-- kind: empty\nSELECT 1", "probes/x.sql: no '-- name:' line");
    bad("SELECT 1", "probes/x.sql: no '-- name:' line");
    bad("-- name: a\nSELECT 1", "probes/x.sql: no '-- kind:' line");
    bad("-- name: a\n-- kind: Rows\nSELECT 1",
        "probes/x.sql:2: unknown kind 'Rows'\nHINT: ");
    bad("-- kind: empty\n-- name: has space\nSELECT 1",
        "probes/x.sql:2: bad probe name 'has space'");
    bad("-- kind: empty\n-- name: "
        "a234567890123456789012345678901234567890123456789012345678901234\n"
        "SELECT 1",
        "probes/x.sql:2: bad probe name");
    bad("-- kind: empty\n-- name: h\xc3\xa9llo\nSELECT 1",
        "probes/x.sql:2: bad probe name");
    bad("-- kind: empty\n-- name:\nSELECT 1",
        "probes/x.sql:2: empty value for 'name'");
    bad("-- kind: empty\n-- name:   \t \nSELECT 1",
        "probes/x.sql:2: empty value for 'name'");
}
END_TEST

START_TEST(test_bad_durations)
{
    static const char *const bads[] = {
        "26 hours", "26",  "-5m", "1.5h",
        "h",        "26H", "+1h", "99999999999999999999s"};
    char text[256], want[256];

    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        snprintf(text, sizeof(text),
                 "-- name: t\n-- kind: freshness\n-- warn_after: %s\nSELECT 1",
                 bads[i]);
        snprintf(want, sizeof(want),
                 "probes/x.sql:3: bad duration '%s' for 'warn_after'\nHINT: ",
                 bads[i]);
        bad(text, want);
    }
    bad("-- name: t\n-- kind: freshness\n-- error_after: 1 d\nSELECT 1",
        "probes/x.sql:3: bad duration '1 d' for 'error_after'");
    bad("-- name: t\n-- kind: empty\n-- timeout: soon\nSELECT 1",
        "probes/x.sql:3: bad duration 'soon' for 'timeout'");
    bad("-- name: t\n-- kind: empty\n-- timeout: 0s\nSELECT 1",
        "probes/x.sql:3: 'timeout' must be more than 0s");
}
END_TEST

START_TEST(test_bad_values)
{
    bad("-- name: t\n-- kind: freshness\n-- warn_after: 26h\n"
        "-- error_after: 2h\nSELECT 1",
        "probes/x.sql:3: 'warn_after' (26h) is more than 'error_after' (2h)");
    bad("-- name: t\n-- kind: rows\n-- max: 5\n-- min: 10\nSELECT 1",
        "probes/x.sql:4: 'min' (10) is more than 'max' (5)");
    bad("-- name: t\n-- kind: freshness\n-- warn_after: 1h\n"
        "-- relative_to: yesterday\nSELECT 1",
        "probes/x.sql:4: bad value 'yesterday' for 'relative_to'");
    bad("-- name: t\n-- kind: empty\n-- severity: fatal\nSELECT 1",
        "probes/x.sql:3: bad value 'fatal' for 'severity'");
    bad("-- name: t\n-- kind: rows\n-- min: abc\nSELECT 1",
        "probes/x.sql:3: bad number 'abc' for 'min'");
    bad("-- name: t\n-- kind: rows\n-- min: 12abc\nSELECT 1",
        "probes/x.sql:3: bad number '12abc' for 'min'");
    bad("-- name: t\n-- kind: rows\n-- max: nan\nSELECT 1",
        "probes/x.sql:3: bad number 'nan' for 'max'");
    bad("-- name: t\n-- kind: rows\n-- max: inf\nSELECT 1",
        "probes/x.sql:3: bad number 'inf' for 'max'");
    bad("-- name: t\n-- kind: rows\n-- max: 1e999\nSELECT 1",
        "probes/x.sql:3: bad number '1e999' for 'max'");
    bad("-- name: t\n-- kind: empty\n-- search_path: public;drop\nSELECT 1",
        "probes/x.sql:3: bad value 'public;drop' for 'search_path'");
    bad("-- name: t\n-- kind: empty\n-- search_path: a,,b\nSELECT 1",
        "probes/x.sql:3: bad value 'a,,b' for 'search_path'");
    bad("-- name: t\n-- kind: empty\n-- search_path: 1abc\nSELECT 1",
        "probes/x.sql:3: bad value '1abc' for 'search_path'");
    bad("-- name: t\n-- kind: empty\n-- search_path: \"\"\nSELECT 1",
        "probes/x.sql:3: bad value '\"\"' for 'search_path'");
    bad("-- name: t\n-- kind: empty\n-- search_path: \"open\nSELECT 1",
        "probes/x.sql:3: bad value '\"open' for 'search_path'");
    bad("-- name: t\n-- kind: empty\n-- search_path: a,\nSELECT 1",
        "probes/x.sql:3: bad value 'a,' for 'search_path'");
}
END_TEST

START_TEST(test_search_path_forms)
{
    struct probe p;

    good("-- name: t\n-- kind: empty\n-- search_path: public,app$1 , \"x,y\"\n"
         "SELECT 1",
         &p);
    ck_assert_str_eq(p.search_path, "public,app$1 , \"x,y\"");
    probe_release(&p);
}
END_TEST

START_TEST(test_kind_requirements)
{
    bad("-- name: t\n-- kind: freshness\nSELECT 1",
        "probes/x.sql:2: kind freshness needs 'warn_after' or 'error_after'");
    bad("-- name: t\n-- kind: freshness\n-- relative_to: archive\nSELECT 1",
        "probes/x.sql:2: kind freshness needs");
    bad("-- name: t\n\n-- kind: rows\nSELECT 1",
        "probes/x.sql:3: kind rows needs 'min' or 'max'");
    bad("-- name: t\n-- kind: rows\n-- warn_after: 2h\nSELECT 1",
        "probes/x.sql:3: 'warn_after' goes with kind freshness, not rows");
    bad("-- name: t\n-- kind: empty\n-- error_after: 2h\nSELECT 1",
        "probes/x.sql:3: 'error_after' goes with kind freshness, not empty");
    bad("-- name: t\n-- kind: true\n-- relative_to: now\nSELECT 1",
        "probes/x.sql:3: 'relative_to' goes with kind freshness, not true");
    bad("-- name: t\n-- kind: freshness\n-- warn_after: 1h\n-- min: 1\nSELECT 1",
        "probes/x.sql:4: 'min' goes with kind rows, not freshness");
    bad("-- max: 1\n-- name: t\n-- kind: empty\nSELECT 1",
        "probes/x.sql:1: 'max' goes with kind rows, not empty");
}
END_TEST

START_TEST(test_encoding)
{
    struct probe p;
    static const char nul[] = "-- name: t\n-- kind: empty\nSELECT\n'a\0b'";
    static const char bom[] =
        "\xef\xbb\xbf-- name: t\n-- kind: empty\nSELECT 1";

    bad("-- name: t\n-- kind: empty\nSELECT '\xff'",
        "probes/x.sql:3: not valid UTF-8 (byte 0xff)");
    bad("-- name: t\n-- description: caf\xe9\n-- kind: empty\nSELECT 1",
        "probes/x.sql:2: not valid UTF-8 (byte 0xe9)");
    bad("-- name: t\n-- kind: empty\nSELECT '\xc0\xaf'",
        "probes/x.sql:3: not valid UTF-8");
    bad("-- name: t\n-- kind: empty\nSELECT '\xed\xa0\x80'",
        "probes/x.sql:3: not valid UTF-8");
    bad("-- name: t\n-- kind: empty\nSELECT '\xf4\x90\x80\x80'",
        "probes/x.sql:3: not valid UTF-8");
    bad("-- name: t\n-- kind: empty\nSELECT '\xe2\x82",
        "probes/x.sql:3: not valid UTF-8");
    bad_buf(nul, sizeof(nul) - 1, "probes/x.sql:4: NUL byte");
    bad("-- name: t\n-- kind: empty\n-- description: a\x01z\nSELECT 1",
        "probes/x.sql:3: control character 0x01 in a header line");

    good(bom, &p);
    ck_assert_str_eq(p.name, "t");
    ck_assert_int_eq(p.sql_line, 3);
    probe_release(&p);

    good("-- name: t\r\n-- kind: empty\r\n-- description: d \r\n\r\n"
         "SELECT 'caf\xc3\xa9 \xf0\x9f\x98\x80'\r\n  FROM t;\r\n",
         &p);
    ck_assert_str_eq(p.description, "d");
    ck_assert_str_eq(p.sql, "SELECT 'caf\xc3\xa9 \xf0\x9f\x98\x80'\n  FROM t");
    ck_assert_int_eq(p.sql_line, 5);
    probe_release(&p);
}
END_TEST

START_TEST(test_size_cap)
{
    static const char head[] = "-- name: t\n-- kind: empty\nSELECT 1 /*";
    size_t big = 300 * 1024, cap = 256 * 1024;
    char *buf = malloc(big);
    struct probe p;
    struct rd_err err = {0};

    ck_assert_ptr_nonnull(buf);
    memset(buf, 'x', big);
    memcpy(buf, head, sizeof(head) - 1);
    memcpy(buf + big - 2, "*/", 2);
    bad_buf(buf, big, "probes/x.sql: file is larger than 256 KiB");

    /* Exactly 256 KiB is allowed. */
    memcpy(buf + cap - 2, "*/", 2);
    ck_assert_msg(probe_parse(FILE_NAME, buf, cap, &p, &err) == 0, "%s",
                  err.msg);
    ck_assert_str_eq(p.sql, "SELECT 1");
    probe_release(&p);
    free(buf);
}
END_TEST

START_TEST(test_kind_names_and_null)
{
    ck_assert_str_eq(probe_kind_name(PROBE_FRESHNESS), "freshness");
    ck_assert_str_eq(probe_kind_name(PROBE_ROWS), "rows");
    ck_assert_str_eq(probe_kind_name(PROBE_EMPTY), "empty");
    ck_assert_str_eq(probe_kind_name(PROBE_TRUE), "true");
    probe_release(NULL);
    probe_set_release(NULL);
}
END_TEST

/* probe_load_dir: one dir per test case, one sub-dir per test. */
static const char *const tmpdir = testutil_tmpdir;

static const char *
path_of(int slot, const char *rel)
{
    static char buf[2][PATH_MAX + 256];

    snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, rel);
    return buf[slot];
}

static void
put(const char *rel, const char *text)
{
    FILE *f = fopen(path_of(0, rel), "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void
put_probe(const char *rel, const char *name)
{
    char text[256];

    snprintf(text, sizeof(text), "-- kind: empty\n-- name: %s\nSELECT 1\n",
             name);
    put(rel, text);
}

START_TEST(test_load_order)
{
    struct probe_set set = {0};
    struct rd_err err = {0};
    char dir_slash[PATH_MAX + 32];

    put_probe("b.sql", "bee");
    put_probe("a.sql", "ay");
    put_probe("B.sql", "capital");
    put_probe("c.sql", "sea");
    put("notes.txt", "not a probe");
    put("README", "-- name: x\n");
    put(".hidden.sql", "garbage");
    put("x.sql~", "garbage");
    put("x.SQL", "garbage");
    ck_assert_int_eq(mkdir(path_of(0, "sub"), 0700), 0);
    put("sub/d.sql", "garbage");

    ck_assert_msg(probe_load_dir(tmpdir, &set, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(set.n, 4);
    ck_assert_str_eq(set.items[0].name, "capital");
    ck_assert_str_eq(set.items[1].name, "ay");
    ck_assert_str_eq(set.items[2].name, "bee");
    ck_assert_str_eq(set.items[3].name, "sea");
    ck_assert_str_eq(set.items[1].file, path_of(1, "a.sql"));
    ck_assert_str_eq(set.items[1].sql, "SELECT 1");
    probe_set_release(&set);
    ck_assert_ptr_null(set.items);
    ck_assert_uint_eq(set.n, 0);

    /* A trailing '/' does not double. */
    snprintf(dir_slash, sizeof(dir_slash), "%s/", tmpdir);
    ck_assert_int_eq(probe_load_dir(dir_slash, &set, &err), 0);
    ck_assert_str_eq(set.items[0].file, path_of(1, "B.sql"));
    probe_set_release(&set);
}
END_TEST

START_TEST(test_load_duplicate_names)
{
    struct probe_set set = {0};
    struct rd_err err = {0};
    char want[PATH_MAX * 2 + 128];

    put_probe("a.sql", "login");
    put_probe("m.sql", "other");
    put("z.sql", "-- kind: empty\n\n-- name: login\nSELECT 1\n");
    ck_assert_int_eq(probe_load_dir(tmpdir, &set, &err), -1);
    ck_assert_int_eq(err.code, RD_PROBE_INVALID);
    snprintf(want, sizeof(want),
             "%s/z.sql:3: probe name 'login' is also used by %s/a.sql", tmpdir,
             tmpdir);
    ck_assert_str_eq(err.msg, want);
    ck_assert_uint_eq(set.n, 0);
    probe_set_release(&set);
}
END_TEST

START_TEST(test_load_bad_file)
{
    struct probe_set set = {0};
    struct rd_err err = {0};
    char want[PATH_MAX + 128];

    put_probe("a.sql", "fine");
    put("b.sql", "-- name: b\n-- kind: empty\n-- warnafter: 1h\nSELECT 1\n");
    ck_assert_int_eq(probe_load_dir(tmpdir, &set, &err), -1);
    snprintf(want, sizeof(want), "%s/b.sql:3: unknown key 'warnafter'", tmpdir);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    probe_set_release(&set);
}
END_TEST

START_TEST(test_load_empty_and_missing)
{
    struct probe_set set = {0};
    struct rd_err err = {0};
    char want[PATH_MAX + 128];

    put("notes.txt", "x");
    ck_assert_int_eq(probe_load_dir(tmpdir, &set, &err), -1);
    ck_assert_int_eq(err.code, RD_PROBE_INVALID);
    snprintf(want, sizeof(want), "probe folder '%s' holds no .sql file",
             tmpdir);
    ck_assert_str_eq(err.msg, want);
    probe_set_release(&set);

    ck_assert_int_eq(probe_load_dir(path_of(0, "nope"), &set, &err), -1);
    ck_assert_int_eq(err.code, RD_PROBE_INVALID);
    snprintf(want, sizeof(want),
             "cannot open probe folder '%s': No such file or directory",
             path_of(0, "nope"));
    ck_assert_str_eq(err.msg, want);
    probe_set_release(&set);
}
END_TEST

START_TEST(test_load_symlink_refused)
{
    struct probe_set set = {0};
    struct rd_err err = {0};

    put_probe("a.sql", "a");
    put_probe("elsewhere.txt", "b");
    ck_assert_int_eq(symlink("elsewhere.txt", path_of(0, "b.sql")), 0);
    ck_assert_int_eq(probe_load_dir(tmpdir, &set, &err), -1);
    ck_assert_int_eq(err.code, RD_PROBE_INVALID);
    ck_assert_msg(strstr(err.msg, "/b.sql: is a symbolic link, refused") !=
                      NULL,
                  "%s", err.msg);
    probe_set_release(&set);

    /* A directory named like a probe is refused too. */
    ck_assert_int_eq(unlink(path_of(0, "b.sql")), 0);
    ck_assert_int_eq(mkdir(path_of(0, "c.sql"), 0700), 0);
    ck_assert_int_eq(probe_load_dir(tmpdir, &set, &err), -1);
    ck_assert_msg(strstr(err.msg, "/c.sql: not a regular file") != NULL, "%s",
                  err.msg);
    probe_set_release(&set);
}
END_TEST

/* probe_error_fn of the tests: keep each message, go on. */
struct seen_errs {
    char log[4096];
    size_t len;
};

static int
collect_err(void *ctx, const struct rd_err *e)
{
    struct seen_errs *se = ctx;
    int n = snprintf(se->log + se->len, sizeof(se->log) - se->len, "%s|%s\n",
                     rd_code_name(e->code), e->msg);

    ck_assert_int_gt(n, 0);
    se->len += (size_t)n;
    return 0;
}

/* probe_load_dir_each: every bad file once, in name order; set left empty. */
START_TEST(test_load_each_error)
{
    struct probe_set set = {0};
    struct seen_errs se = {0};
    char want[4 * PATH_MAX];

    put_probe("a.sql", "ay");
    put("b.sql", "-- name: bee\n-- kind: nope\nSELECT 1\n");
    put_probe("c.sql", "sea");
    put("d.sql", "-- name: dee\n-- kind: rows\n-- min: x\nSELECT 1\n");
    put_probe("e.sql", "ay");
    ck_assert_int_eq(probe_load_dir_each(tmpdir, &set, collect_err, &se), -1);
    ck_assert_ptr_null(set.items);
    ck_assert_uint_eq(set.n, 0);
    snprintf(want, sizeof(want),
             "probe_invalid|%s/b.sql:2: unknown kind 'nope'\n"
             "HINT: kind is freshness, rows, empty or true\n"
             "probe_invalid|%s/d.sql:3: bad number 'x' for 'min'\n"
             "probe_invalid|%s/e.sql:2: probe name 'ay' is also used by "
             "%s/a.sql\n",
             tmpdir, tmpdir, tmpdir, tmpdir);
    ck_assert_str_eq(se.log, want);

    /* All good: 0, and the error function is never called. */
    ck_assert_int_eq(unlink(path_of(0, "b.sql")), 0);
    ck_assert_int_eq(unlink(path_of(0, "d.sql")), 0);
    ck_assert_int_eq(unlink(path_of(0, "e.sql")), 0);
    se.len = 0;
    se.log[0] = '\0';
    ck_assert_int_eq(probe_load_dir_each(tmpdir, &set, collect_err, &se), 0);
    ck_assert_uint_eq(set.n, 2);
    ck_assert_str_eq(se.log, "");
    probe_set_release(&set);
}
END_TEST

Suite *
probe_suite(void)
{
    Suite *s = suite_create("probe");
    TCase *tp = tcase_create("parse");
    TCase *tl = tcase_create("load_dir");

    tcase_add_test(tp, test_freshness_every_key);
    tcase_add_test(tp, test_defaults);
    tcase_add_test(tp, test_rows_kinds);
    tcase_add_test(tp, test_header_comments);
    tcase_add_test(tp, test_semicolon_inside_is_fine);
    tcase_add_test(tp, test_two_statements);
    tcase_add_test(tp, test_empty_body);
    tcase_add_test(tp, test_unterminated);
    tcase_add_test(tp, test_unknown_and_duplicate_keys);
    tcase_add_test(tp, test_missing_and_bad_name_kind);
    tcase_add_test(tp, test_bad_durations);
    tcase_add_test(tp, test_bad_values);
    tcase_add_test(tp, test_search_path_forms);
    tcase_add_test(tp, test_kind_requirements);
    tcase_add_test(tp, test_encoding);
    tcase_add_test(tp, test_size_cap);
    tcase_add_test(tp, test_kind_names_and_null);
    suite_add_tcase(s, tp);

    testutil_dirs(tl);
    tcase_add_test(tl, test_load_order);
    tcase_add_test(tl, test_load_duplicate_names);
    tcase_add_test(tl, test_load_bad_file);
    tcase_add_test(tl, test_load_empty_and_missing);
    tcase_add_test(tl, test_load_symlink_refused);
    tcase_add_test(tl, test_load_each_error);
    suite_add_tcase(s, tl);
    return s;
}
