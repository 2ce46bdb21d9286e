/* test_cli: the command line into a command, options and config flags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "verifier/cli.h"

Suite *cli_suite(void);

/*
 * An argv of ${args} (NULL-terminated) after "restoredrill".  The strings
 * stay the static literals: glibc's getopt keeps a pointer into the last
 * argv between calls (cli_parse resets optind to 1, not 0), so they must
 * outlive every parse in this process.
 */
struct args {
    int argc;
    char *argv[32];
};

static void
args_make(struct args *a, const char *const *args)
{
    memset(a, 0, sizeof(*a));
    a->argv[a->argc++] = (char *)(uintptr_t) "restoredrill";
    for (; *args != NULL; args++) {
        ck_assert_int_lt(a->argc, 31);
        a->argv[a->argc++] = (char *)(uintptr_t)*args;
    }
    a->argv[a->argc] = NULL;
}

static void
args_free(struct args *a)
{
    a->argc = 0;
}

/* Parse ${args} into ${cli}/${cfg} (a fresh config); the return code. */
static int
parse(struct args *a, const char *const *args, struct cli *cli,
      struct config *cfg, struct rd_err *err)
{
    args_make(a, args);
    config_init(cfg);
    rd_err_clear(err);
    return cli_parse(a->argc, a->argv, cli, cfg, err);
}

START_TEST(test_verify_flags)
{
    const char *const args[] = {"verify",
                                "--source",
                                "/var/backups/pg",
                                "--pattern",
                                "app_%Y%m%d-%H%M*",
                                "--max-archive-age",
                                "26h",
                                "--report=out.json",
                                "-c",
                                "rd.conf",
                                "--job",
                                "main",
                                "--archive",
                                "app_20261126.dump",
                                "-q",
                                NULL};
    struct args a;
    struct cli cli;
    struct config cfg;
    struct rd_err err = {0};

    ck_assert_int_eq(parse(&a, args, &cli, &cfg, &err), 0);
    ck_assert_int_eq(cli.cmd, CMD_VERIFY);
    ck_assert_str_eq(cli.cmd_name, "verify");
    ck_assert_str_eq(cli.config_path, "rd.conf");
    ck_assert_str_eq(cli.run.only_job, "main");
    ck_assert_str_eq(cli.run.archive, "app_20261126.dump");
    ck_assert(cli.quiet);
    ck_assert(cli.run.quiet);
    ck_assert(!cli.verbose);
    ck_assert(!cli.help);
    ck_assert_str_eq(cfg.flags.val[CK_SOURCE], "/var/backups/pg");
    ck_assert_str_eq(cfg.flags.origin[CK_SOURCE], "--source");
    ck_assert_str_eq(cfg.flags.val[CK_PATTERN], "app_%Y%m%d-%H%M*");
    ck_assert_str_eq(cfg.flags.val[CK_MAX_ARCHIVE_AGE], "26h");
    ck_assert_str_eq(cfg.flags.origin[CK_MAX_ARCHIVE_AGE], "--max-archive-age");
    ck_assert_str_eq(cfg.flags.val[CK_REPORT], "out.json");
    ck_assert_ptr_null(cfg.flags.val[CK_TARGET]);
    ck_assert_ptr_null(cfg.path); /* -c is read by the caller */
    config_release(&cfg);
    args_free(&a);
}
END_TEST

START_TEST(test_options_before_command)
{
    const char *const args[] = {"-v",     "--min-size", "10k", "list",
                                "--json", "--max-age",  "2h",  NULL};
    struct args a;
    struct cli cli;
    struct config cfg;
    struct rd_err err = {0};

    ck_assert_int_eq(parse(&a, args, &cli, &cfg, &err), 0);
    ck_assert_int_eq(cli.cmd, CMD_LIST);
    ck_assert_str_eq(cli.cmd_name, "list");
    ck_assert(cli.verbose);
    ck_assert(cli.run.json);
    ck_assert_ptr_null(cli.config_path);
    ck_assert_ptr_null(cli.run.only_job);
    ck_assert_str_eq(cfg.flags.val[CK_MIN_SIZE], "10k");
    /* --max-age is --max-archive-age. */
    ck_assert_str_eq(cfg.flags.val[CK_MAX_ARCHIVE_AGE], "2h");
    ck_assert_str_eq(cfg.flags.origin[CK_MAX_ARCHIVE_AGE], "--max-archive-age");
    config_release(&cfg);
    args_free(&a);
}
END_TEST

START_TEST(test_every_key_is_a_flag)
{
    for (int k = 0; k < CK_COUNT; k++) {
        char flag[64];
        const char *args[] = {"lint", flag, "v", NULL};
        struct args a;
        struct cli cli;
        struct config cfg;
        struct rd_err err = {0};

        snprintf(flag, sizeof(flag), "--%s",
                 config_key_info((enum config_key)k)->name);
        for (char *p = flag; *p != '\0'; p++)
            if (*p == '_')
                *p = '-';
        ck_assert_msg(parse(&a, args, &cli, &cfg, &err) == 0, "%s: %s", flag,
                      err.msg);
        ck_assert_str_eq(cfg.flags.val[k], "v");
        ck_assert_str_eq(cfg.flags.origin[k], flag);
        config_release(&cfg);
        args_free(&a);
    }
}
END_TEST

START_TEST(test_help_version)
{
    const char *const help_word[] = {"help", NULL};
    const char *const help_flag[] = {"verify", "--help", NULL};
    const char *const version[] = {"-V", NULL};
    const char *const none[] = {NULL};
    struct args a;
    struct cli cli;
    struct config cfg;
    struct rd_err err = {0};

    ck_assert_int_eq(parse(&a, help_word, &cli, &cfg, &err), 0);
    ck_assert(cli.help);
    ck_assert_int_eq(cli.cmd, CMD_NONE);
    config_release(&cfg);
    args_free(&a);

    ck_assert_int_eq(parse(&a, help_flag, &cli, &cfg, &err), 0);
    ck_assert(cli.help);
    ck_assert_int_eq(cli.cmd, CMD_VERIFY);
    config_release(&cfg);
    args_free(&a);

    ck_assert_int_eq(parse(&a, version, &cli, &cfg, &err), 0);
    ck_assert(cli.version);
    config_release(&cfg);
    args_free(&a);

    ck_assert_msg(parse(&a, none, &cli, &cfg, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cli.cmd, CMD_NONE);
    config_release(&cfg);
    args_free(&a);
}
END_TEST

static const struct {
    const char *args[6];
    const char *msg;
} usage_errors[] = {
    {{"frobnicate", NULL},
     "unknown command 'frobnicate' (use verify, list, restore, probe or lint)\nHINT: restoredrill --help"},
    {{"verify", "extra", NULL},
     "unexpected argument 'extra'\nHINT: restoredrill --help"},
    {{"verify", "--nope", NULL},
     "unknown option '--nope'\nHINT: restoredrill --help"},
    {{"verify", "-x", NULL}, "unknown option '-x'\nHINT: restoredrill --help"},
    {{"verify", "--job", NULL}, "option '--job' needs a value"},
    {{"verify", "--source", NULL}, "option '--source' needs a value"},
    {{"verify", "--log-format", "xml", NULL},
     "invalid --log-format 'xml' (use text or json)"},
    {{"verify", "--json", NULL}, "--json goes with 'list'"},
    {{"list", "--archive", "a.dump", NULL},
     "--archive goes with 'verify' or 'restore'"},
    /* -c takes a value like --config does. */
    {{"verify", "-c", NULL}, "option '-c' needs a value"},
};

START_TEST(test_usage_errors)
{
    struct args a;
    struct cli cli;
    struct config cfg;
    struct rd_err err = {0};

    ck_assert_int_eq(parse(&a, usage_errors[_i].args, &cli, &cfg, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    ck_assert_str_eq(err.msg, usage_errors[_i].msg);
    config_release(&cfg);
    args_free(&a);
}
END_TEST

START_TEST(test_log_format)
{
    const char *const json[] = {"lint", "--log-format", "json", NULL};
    const char *const text[] = {"lint", "--log-format=text", NULL};
    struct args a;
    struct cli cli;
    struct config cfg;
    struct rd_err err = {0};

    ck_assert_int_eq(parse(&a, json, &cli, &cfg, &err), 0);
    ck_assert(cli.log_json);
    ck_assert_int_eq(cli.cmd, CMD_LINT);
    config_release(&cfg);
    args_free(&a);
    ck_assert_int_eq(parse(&a, text, &cli, &cfg, &err), 0);
    ck_assert(!cli.log_json);
    config_release(&cfg);
    args_free(&a);
}
END_TEST

/* Flags then resolve: they win over the file for every job. */
START_TEST(test_flags_resolve)
{
    const char *const args[] = {"verify",     "--source", "file:///flag",
                                "--min-size", "3",        NULL};
    struct args a;
    struct cli cli;
    struct config cfg;
    struct job_config j;
    struct rd_err err = {0};

    ck_assert_int_eq(parse(&a, args, &cli, &cfg, &err), 0);
    ck_assert_int_eq(config_resolve(&cfg, "default", &j, &err), 0);
    ck_assert_str_eq(j.source, "/flag");
    ck_assert_int_eq(j.min_size, 3);
    job_config_release(&j);
    config_release(&cfg);
    args_free(&a);
}
END_TEST

START_TEST(test_usage_text)
{
    char buf[32768];
    size_t n;
    FILE *f = tmpfile();

    ck_assert_ptr_nonnull(f);
    cli_usage(f, CMD_NONE);
    cli_usage(f, CMD_VERIFY);
    cli_usage(f, CMD_LIST);
    cli_usage(f, CMD_LINT);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "usage: restoredrill COMMAND [OPTIONS]"));
    ck_assert_ptr_nonnull(strstr(buf, "usage: restoredrill verify "));
    ck_assert_ptr_nonnull(strstr(buf, "usage: restoredrill list "));
    ck_assert_ptr_nonnull(strstr(buf, "usage: restoredrill lint "));
    /* Every implemented key is documented as a flag in the verify help. */
    for (int k = 0; k < CK_COUNT; k++) {
        const struct config_key_info *ki = config_key_info((enum config_key)k);
        char flag[64];

        if (!ki->implemented)
            continue;
        snprintf(flag, sizeof(flag), "--%s ", ki->name);
        for (char *p = flag; *p != '\0'; p++)
            if (*p == '_')
                *p = '-';
        ck_assert_msg(strstr(buf, flag) != NULL, "'%s' is not in the help",
                      flag);
    }
}
END_TEST

/* Capture cli_usage(cmd) in ${buf}. */
static void
usage_text(enum cli_command cmd, char *buf, size_t len)
{
    FILE *f = tmpfile();
    size_t n;

    ck_assert_ptr_nonnull(f);
    cli_usage(f, cmd);
    rewind(f);
    n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* list --help shows what list uses, not the restore, probe or alert flags. */
START_TEST(test_list_help_only_list)
{
    static const char *const not_list[] = {
        "--target",     "--run-as",
        "--report",     "--junit",
        "--metrics",    "--probes",
        "--max-shrink", "--drift-exact-rows",
        "--alert-exec", "--restore-timeout",
        "--keep",       "--probe-timeout",
    };
    static const char *const list[] = {
        "--source ",   "--pattern ", "--max-age ",        "--json",
        "--min-size ", "--min-age ", "--max-archive-age "};
    char buf[16384];

    usage_text(CMD_LIST, buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(not_list) / sizeof(not_list[0]); i++)
        ck_assert_msg(strstr(buf, not_list[i]) == NULL,
                      "'%s' is in list --help", not_list[i]);
    for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++)
        ck_assert_msg(strstr(buf, list[i]) != NULL,
                      "'%s' is not in list --help", list[i]);
}
END_TEST

/* The overview and the probe help say where the probe format is. */
START_TEST(test_help_names_probe_docs)
{
    char buf[16384];

    usage_text(CMD_NONE, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "docs/probes.md"));
    ck_assert_ptr_nonnull(strstr(buf, "share/doc/restoredrill/probes.md"));
    usage_text(CMD_PROBE, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "docs/probes.md"));
}
END_TEST

Suite *
cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_verify_flags);
    tcase_add_test(tc, test_options_before_command);
    tcase_add_test(tc, test_every_key_is_a_flag);
    tcase_add_test(tc, test_help_version);
    tcase_add_test(tc, test_list_help_only_list);
    tcase_add_test(tc, test_help_names_probe_docs);
    tcase_add_loop_test(tc, test_usage_errors, 0,
                        (int)(sizeof(usage_errors) / sizeof(usage_errors[0])));
    tcase_add_test(tc, test_log_format);
    tcase_add_test(tc, test_flags_resolve);
    tcase_add_test(tc, test_usage_text);
    suite_add_tcase(s, tc);
    return s;
}
