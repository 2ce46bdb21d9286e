/* test_ini: the strict INI reader, on buffers and on files. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "verifier/ini.h"

Suite *ini_suite(void);

/* What the test handler saw, one line per call, and when to stop. */
struct calls {
    char log[16384];
    size_t len;
    int ncalls;
    size_t last_value_len;
    char last_value[INI_MAX_LINE + 1];
    const char *stop_key;     /* return -1 on this key (borrowed) */
    const char *stop_section; /* return -1 on this section header */
    const char *stop_msg;     /* message to write when stopping */
};

static int
record(void *ctx, const char *section, const char *key, const char *value,
       int lineno, char *errbuf, size_t errlen)
{
    struct calls *c = ctx;
    int n;

    c->ncalls++;
    if (key == NULL) {
        ck_assert_ptr_null(value);
        if (c->stop_section != NULL && strcmp(section, c->stop_section) == 0)
            goto stop;
        n = snprintf(c->log + c->len, sizeof(c->log) - c->len, "%d [%s]\n",
                     lineno, section);
    } else {
        if (c->stop_key != NULL && strcmp(key, c->stop_key) == 0)
            goto stop;
        n = snprintf(c->log + c->len, sizeof(c->log) - c->len,
                     "%d [%s] %s=<%s>\n", lineno, section, key,
                     strlen(value) > 200 ? "(long)" : value);
        c->last_value_len = strlen(value);
        memcpy(c->last_value, value, c->last_value_len + 1);
    }
    ck_assert_int_gt(n, 0);
    c->len += (size_t)n;
    ck_assert_uint_lt(c->len, sizeof(c->log));
    return 0;

stop:
    snprintf(errbuf, errlen, "%s", c->stop_msg != NULL ? c->stop_msg : "");
    return -1;
}

/* Parse the C string ${text} as "t.conf". */
static int
parse(const char *text, struct calls *c, char *err, size_t errlen)
{
    return ini_parse_buffer("t.conf", text, strlen(text), record, c, err,
                            errlen);
}

/* Assert ${text} (${len} bytes) fails with exactly ${want}. */
static void
fails_n(const char *text, size_t len, const char *want)
{
    struct calls c = {0};
    char err[512] = "";

    ck_assert_int_eq(
        ini_parse_buffer("t.conf", text, len, record, &c, err, sizeof(err)),
        -1);
    ck_assert_str_eq(err, want);
}

static void
fails(const char *text, const char *want)
{
    fails_n(text, strlen(text), want);
}

START_TEST(test_basic)
{
    struct calls c = {0};
    char err[256] = "";
    const char *text = "; comment\n"
                       "# comment\n"
                       "\n"
                       "top = before any section\n"
                       "[defaults]\n"
                       "target = ephemeral\n"
                       "[job mail]\n"
                       "pattern = mail_%Y%m%d-%H%M*.dump\n"
                       "alert_exec = sh -c 'a ; b' # not a comment\n"
                       "empty =\n"
                       "  indented\t=\tyes  \n"
                       "eq = a=b=c\n"
                       "quoted = \"  spaced  \"\n"
                       "A.b-c_9=x\n"
                       "tab = a\tb\n";

    ck_assert_int_eq(parse(text, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(err, "");
    ck_assert_str_eq(c.log,
                     "4 [] top=<before any section>\n"
                     "5 [defaults]\n"
                     "6 [defaults] target=<ephemeral>\n"
                     "7 [job mail]\n"
                     "8 [job mail] pattern=<mail_%Y%m%d-%H%M*.dump>\n"
                     "9 [job mail] alert_exec=<sh -c 'a ; b' # not a comment>\n"
                     "10 [job mail] empty=<>\n"
                     "11 [job mail] indented=<yes>\n"
                     "12 [job mail] eq=<a=b=c>\n"
                     "13 [job mail] quoted=<\"  spaced  \">\n"
                     "14 [job mail] A.b-c_9=<x>\n"
                     "15 [job mail] tab=<a\tb>\n");
    ck_assert_int_eq(c.ncalls, 12);
}
END_TEST

START_TEST(test_sections)
{
    struct calls c = {0};
    char err[256] = "";

    ck_assert_int_eq(parse("[  job a  ]  ; trailing comment\n"
                           "  [b]# hash comment\n"
                           "[c]\t\n"
                           "[d;e#f]\n",
                           &c, err, sizeof(err)),
                     0);
    ck_assert_str_eq(c.log, "1 [job a]\n2 [b]\n3 [c]\n4 [d;e#f]\n");

    fails("[broken\n", "t.conf:1: unterminated section header");
    fails("[a] b\n", "t.conf:1: unexpected text after section header");
    fails("[a]]\n", "t.conf:1: unexpected text after section header");
    fails("[a] [b]\n", "t.conf:1: unexpected text after section header");
    fails("[]\n", "t.conf:1: empty section header");
    fails("[ \t ]\n", "t.conf:1: empty section header");
}
END_TEST

START_TEST(test_bad_lines)
{
    fails("a = 1\nno_equals_line\n",
          "t.conf:2: expected 'key = value' or '[section]'");
    fails("= v\n", "t.conf:1: missing key before '='");
    fails("   =\n", "t.conf:1: missing key before '='");
    fails(
        "key with spaces = v\n",
        "t.conf:1: invalid key 'key with spaces' (allowed: A-Z a-z 0-9 _ . -)");
    fails("colon:key = v\n",
          "t.conf:1: invalid key 'colon:key' (allowed: A-Z a-z 0-9 _ . -)");
    fails("k\xc3\xa9y = v\n",
          "t.conf:1: invalid key 'k\xc3\xa9y' (allowed: A-Z a-z 0-9 _ . -)");
    fails(
        "http://host/path = x\n",
        "t.conf:1: invalid key 'http://host/path' (allowed: A-Z a-z 0-9 _ . -)");
}
END_TEST

START_TEST(test_bytes)
{
    fails_n("a = b\0c\n", 8, "t.conf:1: line contains a NUL byte");
    fails_n("a = 1\n\0\n", 8, "t.conf:2: line contains a NUL byte");
    fails("a = b\x01\n", "t.conf:1: line contains control character U+0001");
    fails("a = b\rc\n", "t.conf:1: line contains control character U+000D");
    fails("a = b\x1b[0m\n", "t.conf:1: line contains control character U+001B");
    fails("a = b\x7f\n", "t.conf:1: line contains control character U+007F");
    fails("a = \xc2\x85\n", "t.conf:1: line contains control character U+0085");
    fails("a = \xff\n", "t.conf:1: line contains invalid UTF-8 at byte 5");
    fails("a = \xc0\xaf\n", "t.conf:1: line contains invalid UTF-8 at byte 5");
    fails("a = \xe0\x80\xaf\n",
          "t.conf:1: line contains invalid UTF-8 at byte 5");
    fails("a = \xed\xa0\x80\n", /* surrogate */
          "t.conf:1: line contains invalid UTF-8 at byte 5");
    fails("a = \xf4\x90\x80\x80\n", /* above U+10FFFF */
          "t.conf:1: line contains invalid UTF-8 at byte 5");
    fails("a = x\xe2\x82\n", "t.conf:1: line contains invalid UTF-8 at byte 6");
    fails("a = x\xe2\x82", "t.conf:1: line contains invalid UTF-8 at byte 6");
    fails("a = \x80\n", "t.conf:1: line contains invalid UTF-8 at byte 5");
    /* Invalid bytes in a comment are still rejected. */
    fails("# \xfe\n", "t.conf:1: line contains invalid UTF-8 at byte 3");
}
END_TEST

START_TEST(test_utf8_values)
{
    struct calls c = {0};
    char err[256] = "";

    ck_assert_int_eq(parse("name = caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"
                           " \xef\xbf\xbf \xf4\x8f\xbf\xbf\n",
                           &c, err, sizeof(err)),
                     0);
    ck_assert_str_eq(c.last_value, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"
                                   " \xef\xbf\xbf \xf4\x8f\xbf\xbf");
}
END_TEST

START_TEST(test_long_lines)
{
    struct calls c = {0};
    char err[256] = "";
    char *buf = malloc(3 * INI_MAX_LINE);
    size_t i;

    ck_assert_ptr_nonnull(buf);
    /* Exactly 4096 bytes: "k = " then 4092 value bytes with ';' and '#'. */
    memcpy(buf, "k = ", 4);
    for (i = 4; i < INI_MAX_LINE; i++)
        buf[i] = "a;#b "[(i + 1) % 5];
    buf[INI_MAX_LINE - 1] = 'z';
    memcpy(buf + INI_MAX_LINE, "\nnext = 1\n", 11);
    ck_assert_int_eq(parse(buf, &c, err, sizeof(err)), 0);
    ck_assert_int_eq(c.ncalls, 2);
    ck_assert_str_eq(c.log, "1 [] k=<(long)>\n2 [] next=<1>\n");

    /* The same with CRLF: the CR is not part of the 4096. */
    c = (struct calls){0};
    memcpy(buf + INI_MAX_LINE, "\r\n", 3);
    ck_assert_int_eq(parse(buf, &c, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.last_value_len, INI_MAX_LINE - 4);
    ck_assert_int_eq(memcmp(c.last_value, buf + 4, INI_MAX_LINE - 4), 0);

    /* No newline at the end of the buffer. */
    c = (struct calls){0};
    buf[INI_MAX_LINE] = '\0';
    ck_assert_int_eq(parse(buf, &c, err, sizeof(err)), 0);
    ck_assert_uint_eq(c.last_value_len, INI_MAX_LINE - 4);

    /* 4097 bytes: rejected, also without newline and in a comment. */
    buf[INI_MAX_LINE] = 'z';
    buf[INI_MAX_LINE + 1] = '\0';
    fails(buf, "t.conf:1: line is longer than 4096 bytes");
    buf[INI_MAX_LINE + 1] = '\n';
    buf[INI_MAX_LINE + 2] = '\0';
    fails(buf, "t.conf:1: line is longer than 4096 bytes");
    buf[0] = '#';
    fails(buf, "t.conf:1: line is longer than 4096 bytes");

    /* On a later line, after a short one; the next key is never seen. */
    memcpy(buf, "a = 1\n", 6);
    memset(buf + 6, 'x', 5000);
    memcpy(buf + 5006, " = 2\nb = 3\n", 12);
    c = (struct calls){0};
    ck_assert_int_eq(parse(buf, &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "t.conf:2: line is longer than 4096 bytes");
    ck_assert_str_eq(c.log, "1 [] a=<1>\n");
    free(buf);
}
END_TEST

START_TEST(test_bom_crlf)
{
    struct calls c = {0};
    char err[256] = "";

    ck_assert_int_eq(
        parse("\xef\xbb\xbf[s]\r\na = 1\r\n\r\n; c\r\nb = 2  \r\nc = 3\r", &c,
              err, sizeof(err)),
        0);
    ck_assert_str_eq(c.log, "1 [s]\n2 [s] a=<1>\n5 [s] b=<2>\n6 [s] c=<3>\n");

    /* Only one BOM, only at the start. */
    fails("\xef\xbb\xbf\xef\xbb\xbf"
          "a = 1\n",
          "t.conf:1: invalid key '\xef\xbb\xbf"
          "a' (allowed: A-Z a-z 0-9 _ . -)");
    fails("a = 1\n\xef\xbb\xbf"
          "b = 2\n",
          "t.conf:2: invalid key '\xef\xbb\xbf"
          "b' (allowed: A-Z a-z 0-9 _ . -)");
    /* A lone CR is no line ending, and CRCR LF leaves one CR. */
    fails("a = 1\rb = 2\n", "t.conf:1: line contains control character U+000D");
    fails("a = 1\r\r\n", "t.conf:1: line contains control character U+000D");

    c = (struct calls){0};
    ck_assert_int_eq(parse("\xef\xbb\xbf", &c, err, sizeof(err)), 0);
    ck_assert_int_eq(c.ncalls, 0);
}
END_TEST

START_TEST(test_duplicates_passed_through)
{
    struct calls c = {0};
    char err[256] = "";

    ck_assert_int_eq(
        parse("a = 1\na = 2\n[s]\nb = x\n[s]\nb = y\n", &c, err, sizeof(err)),
        0);
    ck_assert_str_eq(c.log, "1 [] a=<1>\n2 [] a=<2>\n3 [s]\n4 [s] b=<x>\n"
                            "5 [s]\n6 [s] b=<y>\n");
}
END_TEST

START_TEST(test_line_numbers)
{
    struct calls c = {0};
    char err[256] = "";

    ck_assert_int_eq(parse("\n\n; c\n   # c\n \t \nx = 1\n\n[s]\n\n\ny = 2", &c,
                           err, sizeof(err)),
                     0);
    ck_assert_str_eq(c.log, "6 [] x=<1>\n8 [s]\n11 [s] y=<2>\n");
    fails("\n\n; comment\n\nbad\n",
          "t.conf:5: expected 'key = value' or '[section]'");
    fails("\r\n\r\n\r\nbad\r\n",
          "t.conf:4: expected 'key = value' or '[section]'");
}
END_TEST

START_TEST(test_handler_stops)
{
    struct calls c = {0};
    char err[256] = "";

    c.stop_key = "stop";
    c.stop_msg = "unknown key 'stop' in section 's'";
    ck_assert_int_eq(
        parse("[s]\na = 1\n\nstop = here\nc = 3\n", &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "t.conf:4: unknown key 'stop' in section 's'");
    ck_assert_str_eq(c.log, "1 [s]\n2 [s] a=<1>\n");
    ck_assert_int_eq(c.ncalls, 3);

    c = (struct calls){0};
    c.stop_section = "bad";
    c.stop_msg = "unknown section 'bad'";
    ck_assert_int_eq(parse("a = 1\n[bad]\nb = 2\n", &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "t.conf:2: unknown section 'bad'");
    ck_assert_int_eq(c.ncalls, 2);

    /* A handler that gives no message. */
    c = (struct calls){0};
    c.stop_key = "x";
    ck_assert_int_eq(parse("\nx = 1\n", &c, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "t.conf:2: rejected");
}
END_TEST

START_TEST(test_buffer_edges)
{
    struct calls c = {0};
    char err[16];
    const char *text = "a = 1\nb = 2\n";

    /* Empty input, and a buffer that is not NUL-terminated. */
    ck_assert_int_eq(ini_parse_buffer("t", "", 0, record, &c, err, 16), 0);
    ck_assert_int_eq(ini_parse_buffer("t", "\n\n", 2, record, &c, err, 16), 0);
    ck_assert_int_eq(c.ncalls, 0);
    ck_assert_int_eq(ini_parse_buffer("t", text, 5, record, &c, err, 16), 0);
    ck_assert_str_eq(c.log, "1 [] a=<1>\n");

    /* No name; a short error buffer is truncated, not overrun. */
    ck_assert_int_eq(ini_parse_buffer(NULL, "x", 1, record, &c, err, 16), -1);
    ck_assert_str_eq(err, "(buffer):1: exp");
    ck_assert_int_eq(ini_parse_buffer("t", "x", 1, record, &c, err, 3), -1);
    ck_assert_str_eq(err, "t:");
    ck_assert_int_eq(ini_parse_buffer("t", "x", 1, record, &c, NULL, 0), -1);
}
END_TEST

/* Per-test temp dir for the file tests. */
static char tmpdir[64];

static void
setup_dir(void)
{
    strcpy(tmpdir, "/tmp/rd-ini-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown_dir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *de;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
    rmdir(tmpdir);
}

/* Write ${len} bytes of ${data} to ${name} in the temp dir; its path. */
static const char *
write_file(const char *name, const char *data, size_t len)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

START_TEST(test_file)
{
    struct calls c = {0};
    char err[512], want[512];
    const char *p;

    p = write_file("ok.conf", "[job a]\npattern = x_%Y*\n", 24);
    ck_assert_int_eq(ini_parse_file(p, record, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.log, "1 [job a]\n2 [job a] pattern=<x_%Y*>\n");

    p = write_file("restoredrill.conf", "a = 1\n\nbroken\n", 14);
    ck_assert_int_eq(ini_parse_file(p, record, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:3: expected 'key = value' or '[section]'",
             p);
    ck_assert_str_eq(err, want);

    p = write_file("empty.conf", "", 0);
    ck_assert_int_eq(ini_parse_file(p, record, &c, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_file_errors)
{
    struct calls c = {0};
    char err[512], want[512], path[256];

    snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
    ck_assert_int_eq(ini_parse_file(path, record, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "cannot read config '%s': No such file or directory", path);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(ini_parse_file(tmpdir, record, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "cannot read config '%s': Is a directory",
             tmpdir);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(c.ncalls, 0);
}
END_TEST

START_TEST(test_file_size_limit)
{
    struct calls c = {0};
    size_t max = 1024 * 1024, i;
    char *data = malloc(max + 1);
    char err[512], want[512];
    const char *p;

    ck_assert_ptr_nonnull(data);
    /* Exactly 1 MiB of 64-byte comment lines, then a key at the end. */
    for (i = 0; i < max; i += 64) {
        memset(data + i, '#', 63);
        data[i + 63] = '\n';
    }
    memset(data + max - 64, ' ', 63);
    memcpy(data + max - 64, "k = 1", 5);
    p = write_file("big.conf", data, max);
    ck_assert_int_eq(ini_parse_file(p, record, &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.log, "16384 [] k=<1>\n");

    data[max] = '\n';
    p = write_file("big.conf", data, max + 1);
    ck_assert_int_eq(ini_parse_file(p, record, &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "cannot read config '%s': file is larger than 1 MiB", p);
    ck_assert_str_eq(err, want);
    free(data);
}
END_TEST

/* ini_error_fn of the tests: append each message and a newline. */
static int
collect(void *ctx, const char *msg)
{
    struct calls *c = ctx;
    int n = snprintf(c->log + c->len, sizeof(c->log) - c->len, "E %s\n", msg);

    ck_assert_int_gt(n, 0);
    c->len += (size_t)n;
    return 0;
}

/* _each goes on after an error; a refused header's keys are skipped. */
START_TEST(test_each_error)
{
    static const char text[] = "[a]\n"
                               "k = 1\n"
                               "no equals\n"
                               "[b\n"
                               "in_b = 1\n"
                               "[stop]\n"
                               "in_stop = 1\n"
                               "[c]\n"
                               "=1\n"
                               "k = 2\n";
    struct calls c = {0};

    c.stop_section = "stop";
    c.stop_msg = "section 'stop' refused";
    ck_assert_int_eq(ini_parse_buffer_each("t.conf", text, strlen(text), record,
                                           &c, collect, &c),
                     -1);
    ck_assert_str_eq(c.log,
                     "1 [a]\n"
                     "2 [a] k=<1>\n"
                     "E t.conf:3: expected 'key = value' or '[section]'\n"
                     "E t.conf:4: unterminated section header\n"
                     "E t.conf:6: section 'stop' refused\n"
                     "8 [c]\n"
                     "E t.conf:9: missing key before '='\n"
                     "10 [c] k=<2>\n");
    /* No error: 0, and the error function is never called. */
    memset(&c, 0, sizeof(c));
    ck_assert_int_eq(
        ini_parse_buffer_each("t.conf", "[a]\n", 4, record, &c, collect, &c),
        0);
    ck_assert_str_eq(c.log, "1 [a]\n");
}
END_TEST

Suite *
ini_suite(void)
{
    Suite *s = suite_create("ini");
    TCase *tb = tcase_create("buffer");
    TCase *tf = tcase_create("file");

    tcase_add_test(tb, test_basic);
    tcase_add_test(tb, test_sections);
    tcase_add_test(tb, test_bad_lines);
    tcase_add_test(tb, test_bytes);
    tcase_add_test(tb, test_utf8_values);
    tcase_add_test(tb, test_long_lines);
    tcase_add_test(tb, test_bom_crlf);
    tcase_add_test(tb, test_duplicates_passed_through);
    tcase_add_test(tb, test_line_numbers);
    tcase_add_test(tb, test_handler_stops);
    tcase_add_test(tb, test_buffer_edges);
    tcase_add_test(tb, test_each_error);
    suite_add_tcase(s, tb);
    tcase_add_checked_fixture(tf, setup_dir, teardown_dir);
    tcase_add_test(tf, test_file);
    tcase_add_test(tf, test_file_errors);
    tcase_add_test(tf, test_file_size_limit);
    suite_add_tcase(s, tf);
    return s;
}
