/* test_cmdline: command strings split into argv with quoting, no shell. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "verifier/util/cmdline.h"

Suite *cmdline_suite(void);

/* Split ${s}; assert it gives exactly the ${n} words of ${want}. */
static void
split_is(const char *s, const char *const *want, size_t n)
{
    struct rd_err err = {0};
    char **argv = NULL;
    size_t argc = 0;

    ck_assert_msg(cmdline_split(s, &argv, &argc, &err) == 0, "'%s': %s", s,
                  err.msg);
    ck_assert_uint_eq(argc, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(argv[i], want[i]);
    ck_assert_ptr_null(argv[n]);
    cmdline_free(argv);
}

/* Split ${s}; assert it fails with a message containing ${want}. */
static void
split_fails(const char *s, const char *want)
{
    struct rd_err err = {0};
    char **argv = (char **)1;
    size_t argc = 9;

    ck_assert_msg(cmdline_split(s, &argv, &argc, &err) == -1, "accepted '%s'",
                  s);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_msg(strstr(err.msg, want) != NULL, "'%s': got '%s'", s, err.msg);
    ck_assert_ptr_null(argv);
    ck_assert_uint_eq(argc, 0);
}

START_TEST(test_plain_words)
{
    static const char *const w[] = {"/usr/bin/notify", "-t", "db"};

    split_is("/usr/bin/notify -t db", w, 3);
    split_is("  /usr/bin/notify\t-t   db  ", w, 3);
}
END_TEST

START_TEST(test_quotes)
{
    static const char *const a[] = {"hook", "a b", "c'd", "e\"f"};
    static const char *const b[] = {"hook", "", "x"};
    static const char *const c[] = {"hook", "ab c"};
    static const char *const d[] = {"hook", "a;b $(touch x) | y", "`z`"};

    split_is("hook 'a b' \"c'd\" 'e\"f'", a, 4);
    split_is("hook '' x", b, 3);
    split_is("hook a'b c'", c, 2);
    split_is("hook 'a;b $(touch x) | y' \"\\`z\\`\"", d, 3);
}
END_TEST

START_TEST(test_backslashes)
{
    static const char *const a[] = {"hook", "a b", "$HOME", "x\\y"};
    static const char *const b[] = {"hook", "\\n", "q\"", "\\"};
    static const char *const c[] = {"hook", "ab"};

    split_is("hook a\\ b \\$HOME x\\\\y", a, 4);
    /* In double quotes only $ ` " \ and newline are escaped. */
    split_is("hook \"\\n\" \"q\\\"\" \"\\\\\"", b, 4);
    /* Backslash-newline joins lines, as in a shell. */
    split_is("hook a\\\nb", c, 2);
}
END_TEST

START_TEST(test_no_expansion)
{
    static const char *const a[] = {"hook", "*", "~", "{archive}", "a=b"};

    split_is("hook * ~ {archive} a=b", a, 5);
}
END_TEST

START_TEST(test_empty)
{
    static const char *const a[] = {"x"};

    split_fails("", "empty command");
    split_fails("   \t ", "empty command");
    split_is("''x", a, 1);
}
END_TEST

START_TEST(test_bad_quoting)
{
    split_fails("hook 'abc", "unterminated single quote");
    split_fails("hook \"abc", "unterminated double quote");
    split_fails("hook \"a\\\"", "unterminated double quote");
    split_fails("hook abc\\", "trailing backslash");
}
END_TEST

START_TEST(test_operators_refused)
{
    static const char *const bad[] = {
        "notify | mail", "a;b",        "a && b",     "a > /tmp/x", "a < in",
        "echo `id`",     "echo $HOME", "echo $(id)", "(sub)",      "hook a&",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        split_fails(bad[i], "without a shell");
    split_fails("notify | mail", "unquoted '|' at character 8");
}
END_TEST

Suite *
cmdline_suite(void)
{
    Suite *s = suite_create("cmdline");
    TCase *tc = tcase_create("split");

    tcase_add_test(tc, test_plain_words);
    tcase_add_test(tc, test_quotes);
    tcase_add_test(tc, test_backslashes);
    tcase_add_test(tc, test_no_expansion);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_bad_quoting);
    tcase_add_test(tc, test_operators_refused);
    suite_add_tcase(s, tc);
    return s;
}
