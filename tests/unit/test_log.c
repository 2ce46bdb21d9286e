/* test_log: control bytes escaped in text output (log_put_escaped/message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "verifier/util/log.h"

Suite *log_suite(void);

/* What log_put_message() (or log_put_escaped() when !msg) writes for ${in}. */
static char *
rendered(const char *in, size_t n, int msg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(f);
    if (msg)
        log_put_message(f, in);
    else
        log_put_escaped(f, in, n);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

START_TEST(test_escape_bytes)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain text", "plain text"},
        {"a\nb", "a\\nb"},
        {"a\r\nb", "a\\r\\nb"},
        {"red\x1b[31m!", "red\\x1b[31m!"},
        {"\x01\x1f\x7f", "\\x01\\x1f\\x7f"},
        {"tab\tkept", "tab\tkept"},
        {"back\\slash", "back\\slash"},
        {"caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"}, /* UTF-8 */
        {"", ""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = rendered(cases[i].in, strlen(cases[i].in), 0);

        ck_assert_msg(strcmp(got, cases[i].want) == 0, "'%s': got '%s'",
                      cases[i].in, got);
        free(got);
    }
    /* a NUL inside the counted bytes is escaped, not an end */
    {
        char *got = rendered("a\0b", 3, 0);

        ck_assert_str_eq(got, "a\\x00b");
        free(got);
    }
}
END_TEST

START_TEST(test_escape_message)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"no hint", "no hint"},
        {"bad 'x'\nHINT: do y", "bad 'x'\nHINT: do y"},
        /* a newline in a name is escaped; our hint keeps its line */
        {"bad 'a\n[ok] b'\nHINT: do y", "bad 'a\\n[ok] b'\nHINT: do y"},
        /* a hint forged in a name is not taken: ours is the last one */
        {"bad 'a\nHINT: lie\x1b[1m'\nHINT: do y",
         "bad 'a\\nHINT: lie\\x1b[1m'\nHINT: do y"},
        /* newlines after our hint are escaped too */
        {"m\nHINT: a\nb", "m\nHINT: a\\nb"},
        {"m\nHINTS: a", "m\\nHINTS: a"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = rendered(cases[i].in, 0, 1);

        ck_assert_msg(strcmp(got, cases[i].want) == 0, "'%s': got '%s'",
                      cases[i].in, got);
        free(got);
    }
    ck_assert_ptr_null(log_hint_start("none"));
    ck_assert_str_eq(log_hint_start("a\nHINT: b\nHINT: c"), "\nHINT: c");
}
END_TEST

Suite *
log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("escape");

    tcase_add_test(tc, test_escape_bytes);
    tcase_add_test(tc, test_escape_message);
    suite_add_tcase(s, tc);
    return s;
}
