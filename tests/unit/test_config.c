/* test_config: INI files and flags layered into per-job settings. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "verifier/config.h"
#include "verifier/util/fsutil.h"

#include "testutil.h"

Suite *config_suite(void);

/* Each test's private dir (testutil_dirs()). */
static const char *const tmpdir = testutil_tmpdir;
static char conf_path[PATH_MAX];

static void
setup(void)
{
    snprintf(conf_path, sizeof(conf_path), "%s/restoredrill.conf", tmpdir);
}

/* Write ${text} to conf_path. */
static void
write_conf(const char *text)
{
    FILE *f = fopen(conf_path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* Write ${text} and load it into a fresh ${c}; the load's return code. */
static int
load(struct config *c, const char *text, struct rd_err *err)
{
    config_init(c);
    write_conf(text);
    rd_err_clear(err);
    return config_load_file(c, conf_path, err);
}

/* "CONF:LINE: rest" for the current config file. */
static const char *
at(int line, const char *rest)
{
    static char buf[2 * PATH_MAX];

    snprintf(buf, sizeof(buf), "%s:%d: %s", conf_path, line, rest);
    return buf;
}

/* ${err} is RD_CONFIG_INVALID and its message starts with ${prefix}. */
#define ck_assert_err_prefix(err, prefix)                                  \
    do {                                                                   \
        const char *p_ = (prefix);                                         \
        ck_assert_int_eq((err)->code, RD_CONFIG_INVALID);                  \
        ck_assert_msg(strncmp((err)->msg, p_, strlen(p_)) == 0,            \
                      "message '%s' does not start with '%s'", (err)->msg, \
                      p_);                                                 \
    } while (0)

/* Load ${text} (which must load) and resolve ${job}, which must fail. */
static void
resolve_fails(const char *text, const char *job, struct rd_err *err)
{
    struct config c;
    struct job_config j;

    ck_assert_int_eq(load(&c, text, err), 0);
    ck_assert_int_eq(config_resolve(&c, job, &j, err), -1);
    job_config_release(&j);
    config_release(&c);
}

static const char layered[] = "# restoredrill test config\n"
                              "[defaults]\n"
                              "source = /srv/backups\n"
                              "pattern = app_%Y%m%d*\n"
                              "max_archive_age = 26h\n"
                              "min_size = 10k\n"
                              "report = /var/tmp/{job}.json\n"
                              "\n"
                              "[job a]\n"
                              "pattern = a_%Y%m%d*\n"
                              "min_size = 1M\n"
                              "min_age = 15m\n"
                              "\n"
                              "[job b]\n"
                              "source = file:///srv/b\n"
                              "max_archive_age = 7d\n"
                              "target = host=db1 dbname=app\n"
                              "run_as = backup\n"
                              "state_dir = /var/lib/rd-b\n";

START_TEST(test_layering)
{
    struct config c;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c, layered, &err), 0);
    ck_assert_str_eq(c.path, conf_path);
    ck_assert_uint_eq(c.njobs, 2);
    ck_assert_str_eq(c.jobs[0].name, "a");
    ck_assert_str_eq(c.jobs[1].name, "b");
    ck_assert_str_eq(c.defaults.name, "defaults");
    ck_assert_ptr_null(c.flags.name);
    ck_assert_str_eq(c.defaults.val[CK_SOURCE], "/srv/backups");
    ck_assert_str_eq(c.jobs[0].val[CK_PATTERN], "a_%Y%m%d*");
    ck_assert_str_eq(c.jobs[1].val[CK_TARGET], "host=db1 dbname=app");
    ck_assert_ptr_null(c.jobs[1].val[CK_PATTERN]);
    config_release(&c);
}
END_TEST

START_TEST(test_origins)
{
    struct config c;
    struct rd_err err = {0};
    char want[2 * PATH_MAX];

    ck_assert_int_eq(load(&c, layered, &err), 0);
    snprintf(want, sizeof(want), "%s:3", conf_path);
    ck_assert_str_eq(c.defaults.origin[CK_SOURCE], want);
    snprintf(want, sizeof(want), "%s:12", conf_path);
    ck_assert_str_eq(c.jobs[0].origin[CK_MIN_AGE], want);
    ck_assert_ptr_null(c.jobs[0].val[CK_SOURCE]);
    ck_assert_int_eq(config_set_flag(&c, CK_MAX_ARCHIVE_AGE, "1d", &err), 0);
    ck_assert_str_eq(c.flags.val[CK_MAX_ARCHIVE_AGE], "1d");
    ck_assert_str_eq(c.flags.origin[CK_MAX_ARCHIVE_AGE], "--max-archive-age");
    /* A second flag of the same key replaces the first. */
    ck_assert_int_eq(config_set_flag(&c, CK_MAX_ARCHIVE_AGE, "2d", &err), 0);
    ck_assert_str_eq(c.flags.val[CK_MAX_ARCHIVE_AGE], "2d");
    config_release(&c);
    /* Released twice is fine, and NULL too. */
    config_release(&c);
    config_release(NULL);
}
END_TEST

START_TEST(test_resolve_layers)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c, layered, &err), 0);

    ck_assert_int_eq(config_resolve(&c, "a", &j, &err), 0);
    ck_assert_str_eq(j.name, "a");
    ck_assert_str_eq(j.source, "/srv/backups");
    ck_assert_str_eq(j.pattern, "a_%Y%m%d*");
    ck_assert_int_eq(j.max_archive_age_s, 26 * 3600);
    ck_assert_int_eq(j.min_size, 1024 * 1024);
    ck_assert_int_eq(j.min_age_s, 15 * 60);
    ck_assert_str_eq(j.report, "/var/tmp/a.json");
    ck_assert_str_eq(j.target, "ephemeral");
    ck_assert_str_eq(j.run_as, "restoredrill");
    job_config_release(&j);
    ck_assert_ptr_null(j.name);

    ck_assert_int_eq(config_resolve(&c, "b", &j, &err), 0);
    ck_assert_str_eq(j.name, "b");
    ck_assert_str_eq(j.source, "/srv/b");
    ck_assert_str_eq(j.pattern, "app_%Y%m%d*");
    ck_assert_int_eq(j.max_archive_age_s, 7 * 86400);
    ck_assert_int_eq(j.min_size, 10 * 1024);
    ck_assert_int_eq(j.min_age_s, 0);
    ck_assert_str_eq(j.report, "/var/tmp/b.json");
    ck_assert_str_eq(j.target, "host=db1 dbname=app");
    ck_assert_str_eq(j.run_as, "backup");
    ck_assert_str_eq(j.state_dir, "/var/lib/rd-b");
    job_config_release(&j);

    /* "default" is allowed with no section: [defaults] only. */
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), 0);
    ck_assert_str_eq(j.name, "default");
    ck_assert_str_eq(j.pattern, "app_%Y%m%d*");
    ck_assert_str_eq(j.report, "/var/tmp/default.json");
    ck_assert_int_eq(j.min_size, 10 * 1024);
    job_config_release(&j);

    /* An unknown job is a usage error naming the file. */
    rd_err_clear(&err);
    ck_assert_int_eq(config_resolve(&c, "zzz", &j, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    {
        char want[2 * PATH_MAX];

        snprintf(want, sizeof(want), "no job 'zzz' in %s", conf_path);
        ck_assert_str_eq(err.msg, want);
    }
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_flags_win)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c, layered, &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_SOURCE, "/flag/src", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_MIN_SIZE, "5", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_TARGET, "ephemeral", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_REPORT, "-", &err), 0);

    ck_assert_int_eq(config_resolve(&c, "a", &j, &err), 0);
    ck_assert_str_eq(j.source, "/flag/src");
    ck_assert_int_eq(j.min_size, 5);
    ck_assert_str_eq(j.pattern, "a_%Y%m%d*"); /* not overridden */
    ck_assert_str_eq(j.report, "-");
    job_config_release(&j);

    ck_assert_int_eq(config_resolve(&c, "b", &j, &err), 0);
    ck_assert_str_eq(j.source, "/flag/src");
    ck_assert_int_eq(j.min_size, 5);
    ck_assert_str_eq(j.target, "ephemeral");
    ck_assert_int_eq(j.max_archive_age_s, 7 * 86400);
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_flags_only)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    config_init(&c);
    ck_assert_int_eq(config_set_flag(&c, CK_SOURCE, "/backups", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_MAX_ARCHIVE_AGE, "90s", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_REPORT, "/r/{job}.json", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), 0);
    ck_assert_str_eq(j.name, "default");
    ck_assert_str_eq(j.source, "/backups");
    ck_assert_int_eq(j.max_archive_age_s, 90);
    ck_assert_str_eq(j.report, "/r/default.json");
    job_config_release(&j);

    /* Without a file, an unknown job names "the configuration". */
    ck_assert_int_eq(config_resolve(&c, "x", &j, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    ck_assert_str_eq(err.msg, "no job 'x' in the configuration");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_builtin_defaults)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};
    char sd[4096];

    config_init(&c);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), 0);
    ck_assert_str_eq(j.name, "default");
    ck_assert_str_eq(j.target, "ephemeral");
    ck_assert_str_eq(j.run_as, "restoredrill");
    ck_assert_str_eq(j.state_dir, config_default_state_dir(sd, sizeof(sd)));
    ck_assert_ptr_null(j.source);
    ck_assert_ptr_null(j.pattern);
    ck_assert_ptr_null(j.report);
    ck_assert_int_eq(j.min_size, 1);
    ck_assert_int_eq(j.max_archive_age_s, 0);
    ck_assert_int_eq(j.min_age_s, 0);
    job_config_release(&j);
    job_config_release(&j); /* twice */
    job_config_release(NULL);
    config_release(&c);
}
END_TEST

/* In a child running as ${uid}: the state dir for those variables. */
static void
check_state_dir_as(uid_t uid, const char *xdg, const char *home,
                   const char *want)
{
    char buf[4096];
    pid_t pid = fork();
    int st;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (uid != geteuid() && setuid(uid) != 0)
            _exit(2);
        if (xdg != NULL)
            setenv("XDG_STATE_HOME", xdg, 1);
        else
            unsetenv("XDG_STATE_HOME");
        setenv("HOME", home, 1);
        config_default_state_dir(buf, sizeof(buf));
        _exit(strcmp(buf, want) == 0 ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                  "state dir for uid %d xdg %s home %s is not '%s' (status %d)",
                  (int)uid, xdg ? xdg : "(unset)", home, want, st);
}

START_TEST(test_default_state_dir)
{
    char buf[4096];

    if (geteuid() == 0) {
        ck_assert_str_eq(config_default_state_dir(buf, sizeof(buf)),
                         "/var/lib/restoredrill");
        check_state_dir_as(0, "/x/state", "/root", "/var/lib/restoredrill");
        check_state_dir_as(65534, "/x/state", "/h", "/x/state/restoredrill");
        check_state_dir_as(65534, NULL, "/h", "/h/.local/state/restoredrill");
        /* A relative XDG_STATE_HOME is ignored, as the spec says. */
        check_state_dir_as(65534, "rel", "/h", "/h/.local/state/restoredrill");
    } else {
        check_state_dir_as(geteuid(), "/x/state", "/h",
                           "/x/state/restoredrill");
        check_state_dir_as(geteuid(), NULL, "/h",
                           "/h/.local/state/restoredrill");
    }
}
END_TEST

START_TEST(test_job_expansion)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c,
                          "[defaults]\n"
                          "report = /r/{job}/{job}-{jo}{job.json\n"
                          "[job db-1.main]\n"
                          "[job x]\n"
                          "report = plain.json\n",
                          &err),
                     0);
    ck_assert_int_eq(config_resolve(&c, "db-1.main", &j, &err), 0);
    ck_assert_str_eq(j.report, "/r/db-1.main/db-1.main-{jo}{job.json");
    job_config_release(&j);
    ck_assert_int_eq(config_resolve(&c, "x", &j, &err), 0);
    ck_assert_str_eq(j.report, "plain.json");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_expand_job)
{
    static const struct {
        const char *tmpl, *job, *want;
    } cases[] = {
        {"/r/{job}.json", "app", "/r/app.json"},
        {"{job}", "x", "x"},
        {"{job}{job}-{job}", "ab", "abab-ab"},
        {"no field", "app", "no field"},
        {"{jo}{job", "app", "{jo}{job"},
        {"{{job}}", "a", "{a}"},
        {"", "app", ""},
        {"/r/{job}.json", "", "/r/.json"},
        {"/r/{job}", "{job}", "/r/{job}"}, /* not expanded twice */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = config_expand_job(cases[i].tmpl, cases[i].job);

        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, cases[i].want);
        free(got);
    }
}
END_TEST

START_TEST(test_raw_value)
{
    struct config c;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c,
                          "[defaults]\nreport = /d/{job}.json\n"
                          "min_size = bad\n"
                          "[job a]\nreport = /a.json\n[job b]\n",
                          &err),
                     0);
    /* [job] over [defaults]; unvalidated. */
    ck_assert_str_eq(config_raw_value(&c, "a", CK_REPORT), "/a.json");
    ck_assert_str_eq(config_raw_value(&c, "b", CK_REPORT), "/d/{job}.json");
    ck_assert_str_eq(config_raw_value(&c, "b", CK_MIN_SIZE), "bad");
    ck_assert_str_eq(config_raw_value(&c, "nosuchjob", CK_REPORT),
                     "/d/{job}.json");
    ck_assert_ptr_null(config_raw_value(&c, "a", CK_SOURCE));
    /* Flags over everything. */
    ck_assert_int_eq(config_set_flag(&c, CK_REPORT, "-", &err), 0);
    ck_assert_str_eq(config_raw_value(&c, "a", CK_REPORT), "-");
    config_release(&c);
}
END_TEST

START_TEST(test_source_values)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c,
                          "[job abs]\nsource = file:///var/backups/pg\n"
                          "[job root]\nsource = file:///\n"
                          "[job plain]\nsource = relative/dir\n",
                          &err),
                     0);
    ck_assert_int_eq(config_resolve(&c, "abs", &j, &err), 0);
    ck_assert_str_eq(j.source, "/var/backups/pg");
    job_config_release(&j);
    ck_assert_int_eq(config_resolve(&c, "root", &j, &err), 0);
    ck_assert_str_eq(j.source, "/");
    job_config_release(&j);
    ck_assert_int_eq(config_resolve(&c, "plain", &j, &err), 0);
    ck_assert_str_eq(j.source, "relative/dir");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

/* Errors config_load_file reports: "CONF:LINE: message", exactly. */
static const struct {
    const char *text;
    int line;
    const char *msg; /* NULL: built by the test (needs the path) */
} load_errors[] = {
    {"[defaults]\ncolour = red\n", 2, "unknown key 'colour'"},
    /* Keys in the file use underscores; dashes are for flags. */
    {"[defaults]\nmax-archive-age = 1h\n", 2, "unknown key 'max-archive-age'"},
    {"# comment\n\ntarget = ephemeral\n[defaults]\n", 3,
     "key 'target' outside a section (put it under '[defaults]' or '[job NAME]')"},
    {"[defaults]\n[defaults]\n", 2, "section '[defaults]' appears twice"},
    {"[defaults]\n[job a]\n\n[defaults]\nsource = /x\n", 4,
     "section '[defaults]' appears twice"},
    {"[job a]\n[job b]\n[job a]\n", 3, "job 'a' is defined twice"},
    {"[jobs a]\n", 1,
     "unknown section '[jobs a]' (use '[defaults]' or '[job NAME]')"},
    {"[job]\n", 1,
     "unknown section '[job]' (use '[defaults]' or '[job NAME]')"},
    {"[Defaults]\n", 1,
     "unknown section '[Defaults]' (use '[defaults]' or '[job NAME]')"},
    {"[default]\n", 1,
     "unknown section '[default]' (use '[defaults]' or '[job NAME]')"},
    {"[job ../etc]\n", 1,
     "invalid job name '../etc' (1-40 characters: letters, digits, '_', '-', '.')"},
    {"[job a/b]\n", 1,
     "invalid job name 'a/b' (1-40 characters: letters, digits, '_', '-', '.')"},
    {"[job -x]\n", 1,
     "invalid job name '-x' (1-40 characters: letters, digits, '_', '-', '.')"},
    {"[job .x]\n", 1,
     "invalid job name '.x' (1-40 characters: letters, digits, '_', '-', '.')"},
    {"[job a b]\n", 1,
     "invalid job name 'a b' (1-40 characters: letters, digits, '_', '-', '.')"},
    {"[job 12345678901234567890123456789012345678901]\n", 1,
     "invalid job name '12345678901234567890123456789012345678901' (1-40 characters: letters, digits, '_', '-', '.')"},
};

START_TEST(test_load_errors)
{
    struct config c;
    struct rd_err err = {0};

    ck_assert_int_eq(load(&c, load_errors[_i].text, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_str_eq(err.msg, at(load_errors[_i].line, load_errors[_i].msg));
    config_release(&c);
}
END_TEST

START_TEST(test_key_twice)
{
    struct config c;
    struct rd_err err = {0};
    char want[4 * PATH_MAX];

    ck_assert_int_eq(load(&c,
                          "[defaults]\nsource = /x\n[job a]\nsource = /y\n"
                          "; comment\nsource = /z\n",
                          &err),
                     -1);
    snprintf(want, sizeof(want),
             "%s:6: key 'source' is set twice in '[job a]' (first at %s:4)",
             conf_path, conf_path);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_str_eq(err.msg, want);
    config_release(&c);

    ck_assert_int_eq(load(&c, "[defaults]\nmin_size = 1\nmin_size = 1\n", &err),
                     -1);
    snprintf(
        want, sizeof(want),
        "%s:3: key 'min_size' is set twice in '[defaults]' (first at %s:2)",
        conf_path, conf_path);
    ck_assert_str_eq(err.msg, want);
    config_release(&c);
}
END_TEST

START_TEST(test_load_ok_edges)
{
    struct config c;
    struct rd_err err = {0};

    /* 40 characters is the longest job name; inner '.', '-', '_' are fine;
     * empty sections and comments are fine. */
    ck_assert_int_eq(load(&c,
                          "; only comments\n"
                          "[job 1234567890123456789012345678901234567890]\n"
                          "[job a.b-c_D]\n"
                          "[defaults]\n",
                          &err),
                     0);
    ck_assert_uint_eq(c.njobs, 2);
    ck_assert_str_eq(c.jobs[0].name,
                     "1234567890123456789012345678901234567890");
    ck_assert_str_eq(c.jobs[1].name, "a.b-c_D");
    config_release(&c);

    /* An empty file is an empty configuration. */
    ck_assert_int_eq(load(&c, "", &err), 0);
    ck_assert_uint_eq(c.njobs, 0);
    config_release(&c);
}
END_TEST

START_TEST(test_missing_file)
{
    struct config c;
    struct rd_err err = {0};
    char path[PATH_MAX + 32], want[2 * PATH_MAX];

    config_init(&c);
    snprintf(path, sizeof(path), "%s/nope.conf", tmpdir);
    ck_assert_int_eq(config_load_file(&c, path, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    snprintf(want, sizeof(want),
             "cannot read config '%s': No such file or directory", path);
    ck_assert_str_eq(err.msg, want);
    config_release(&c);
}
END_TEST

START_TEST(test_bad_duration)
{
    struct rd_err err = {0};

    resolve_fails("[defaults]\nsource = /x\nmax_archive_age = 26 hours\n",
                  "default", &err);
    ck_assert_err_prefix(
        &err, at(3, "invalid duration '26 hours' for 'max_archive_age' ("));
    /* In a job section, the job's line is named. */
    resolve_fails("[defaults]\nmin_age = 1m\n[job a]\n\nmin_age = 1.5h\n", "a",
                  &err);
    ck_assert_err_prefix(&err,
                         at(5, "invalid duration '1.5h' for 'min_age' ("));
    /* A job that does not set it inherits the good [defaults] value. */
    {
        struct config c;
        struct job_config j;

        ck_assert_int_eq(load(&c,
                              "[defaults]\nmin_age = 1m\n[job a]\n"
                              "min_age = -1m\n[job b]\n",
                              &err),
                         0);
        ck_assert_int_eq(config_resolve(&c, "b", &j, &err), 0);
        ck_assert_int_eq(j.min_age_s, 60);
        job_config_release(&j);
        ck_assert_int_eq(config_resolve(&c, "a", &j, &err), -1);
        ck_assert_err_prefix(&err,
                             at(4, "invalid duration '-1m' for 'min_age' ("));
        job_config_release(&j);
        config_release(&c);
    }
}
END_TEST

START_TEST(test_bad_size)
{
    struct rd_err err = {0};

    resolve_fails("[job a]\nmin_size = 10 MB\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid size '10 MB' for 'min_size' ("));
    resolve_fails("[defaults]\nmin_size = lots\n", "default", &err);
    ck_assert_err_prefix(&err, at(2, "invalid size 'lots' for 'min_size' ("));
}
END_TEST

START_TEST(test_bad_pattern)
{
    struct rd_err err = {0};

    resolve_fails("[defaults]\n\npattern = app_%q*\n", "default", &err);
    ck_assert_err_prefix(&err, at(3, "invalid pattern 'app_%q*': "));
    /* The pattern module's reason follows. */
    ck_assert_uint_gt(strlen(err.msg),
                      strlen(at(3, "invalid pattern 'app_%q*': ")));
    resolve_fails("[job a]\npattern = %Y_%Y\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid pattern '%Y_%Y': "));
}
END_TEST

START_TEST(test_bad_target)
{
    struct rd_err err = {0};

    resolve_fails("[defaults]\ntarget = host\n", "default", &err);
    ck_assert_err_prefix(
        &err,
        at(2, "invalid target (use 'ephemeral' or a libpq conninfo/URI): "));
    ck_assert_ptr_nonnull(strstr(err.msg, "host"));
    resolve_fails("[job a]\ntarget = postgresql://[::1\n", "a", &err);
    ck_assert_err_prefix(
        &err,
        at(2, "invalid target (use 'ephemeral' or a libpq conninfo/URI): "));
    resolve_fails("[job a]\ntarget = host=x nosuchoption=1\n", "a", &err);
    ck_assert_err_prefix(
        &err,
        at(2, "invalid target (use 'ephemeral' or a libpq conninfo/URI): "));
    /* No trailing newline from libpq. */
    ck_assert_int_ne(err.msg[strlen(err.msg) - 1], '\n');
}
END_TEST

START_TEST(test_good_targets)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    ck_assert_int_eq(
        load(
            &c,
            "[job uri]\ntarget = postgresql://u@db1:5433/app?sslmode=require\n"
            "[job kv]\ntarget = host=/run/postgresql port=5432 dbname='my db'\n",
            &err),
        0);
    ck_assert_int_eq(config_resolve(&c, "uri", &j, &err), 0);
    ck_assert_str_eq(j.target, "postgresql://u@db1:5433/app?sslmode=require");
    job_config_release(&j);
    ck_assert_int_eq(config_resolve(&c, "kv", &j, &err), 0);
    ck_assert_str_eq(j.target, "host=/run/postgresql port=5432 dbname='my db'");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_bad_sources)
{
    struct rd_err err = {0};

    resolve_fails("[job a]\nsource = s3://\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid source 's3://': no bucket name"));
    resolve_fails("[job a]\nsource = tarsnap:box\n", "a", &err);
    ck_assert_err_prefix(
        &err, at(2, "invalid source 'tarsnap:box': write just 'tarsnap:'"));
    resolve_fails("[job a]\nsource = s3://b/p\ns3_endpoint = ftp://h\n", "a",
                  &err);
    ck_assert_err_prefix(&err, at(3, "s3_endpoint 'ftp://h': use http://"));
    resolve_fails("[job a]\nsource = s3://b/p\ns3_endpoint = http://h/x\n", "a",
                  &err);
    ck_assert_err_prefix(&err,
                         at(3, "s3_endpoint 'http://h/x' is not an endpoint"));
    resolve_fails("[job a]\nsource = s3://b/p\ns3_uri_style = virtual\n", "a",
                  &err);
    ck_assert_err_prefix(&err, at(3, "invalid s3_uri_style 'virtual'"));
    resolve_fails("[job a]\nsource = https://\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid source: "));
    resolve_fails("[job a]\nsource = https://h/x#frag\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid source: a URL with a #fragment"));
    resolve_fails("[job a]\nsource = file://relative/x\n", "a", &err);
    ck_assert_err_prefix(
        &err,
        at(2,
           "invalid source 'file://relative/x' (use file:///absolute/path)"));
    resolve_fails("[job a]\nsource = ftp://host/x\n", "a", &err);
    ck_assert_err_prefix(&err,
                         at(2, "unknown source scheme in 'ftp://host/x'"));
    resolve_fails("[job a]\nsource =\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "empty source"));
}
END_TEST

/* checksum, stall_timeout, fetch_retries, ca_file: values and bounds. */
START_TEST(test_fetch_keys)
{
    struct rd_err err = {0};
    struct config c;
    struct job_config j;

    resolve_fails("[job a]\nsource = /x\nchecksum = md5\n", "a", &err);
    ck_assert_str_eq(err.msg, at(3, "invalid checksum 'md5' (use one of: off, "
                                    "sha256, optional)"));
    resolve_fails("[job a]\nsource = /x\nstall_timeout = 0s\n", "a", &err);
    ck_assert_str_eq(err.msg, at(3, "stall_timeout must be 1s or more"));
    resolve_fails("[job a]\nsource = /x\nfetch_retries = 11\n", "a", &err);
    ck_assert_str_eq(err.msg, at(3, "fetch_retries must be 0 to 10"));
    resolve_fails("[job a]\nsource = /x\nfetch_retries = -1\n", "a", &err);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);

    config_init(&c);
    ck_assert_int_eq(config_set_flag(&c, CK_SOURCE, "http://h:8080", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_CHECKSUM, "sha256", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_CA_FILE, "/etc/ca.pem", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), 0);
    ck_assert_str_eq(j.source, "http://h:8080/");
    ck_assert_int_eq(j.checksum, 1);
    ck_assert_str_eq(j.ca_file, "/etc/ca.pem");
    ck_assert_int_eq(j.stall_timeout_s, 60);
    ck_assert_int_eq(j.fetch_retries, 2);
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_later_keys)
{
    struct rd_err err = {0};
    struct config c;
    struct job_config j;

    resolve_fails("[defaults]\nsource = /x\ndeep_check = amcheck\n", "default",
                  &err);
    ck_assert_str_eq(
        err.msg,
        at(3,
           "'deep_check' is not supported by restoredrill " RD_VERSION
           " yet\nHINT: remove it; restoredrill refuses settings it would silently ignore"));
    resolve_fails("[job a]\ndeep_check = on\n", "a", &err);
    ck_assert_err_prefix(
        &err, at(2, "'deep_check' is not supported by restoredrill"));
    resolve_fails("[job a]\nsource = /x\ndecrypt_command = age -d | gunzip\n",
                  "a", &err);
    ck_assert_err_prefix(&err, at(3, "decrypt_command: "));
    resolve_fails("[job a]\nsource = /x\ndecrypt_command = bin/age -d\n", "a",
                  &err);
    ck_assert_err_prefix(&err, at(3, "decrypt_command: 'bin/age' is not a"));
    /* The MySQL binlog keys are not in this version either. */
    resolve_fails("[job a]\nbinlogs = /b\n", "a", &err);
    ck_assert_err_prefix(&err,
                         at(2, "'binlogs' is not supported by restoredrill"));
    resolve_fails("[job a]\nbinlog_replay = yes\n", "a", &err);
    ck_assert_err_prefix(
        &err, at(2, "'binlog_replay' is not supported by restoredrill"));

    /* The same from a flag names the flag. */
    config_init(&c);
    ck_assert_int_eq(config_set_flag(&c, CK_DEEP_CHECK, "amcheck", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_str_eq(err.msg,
                     "--deep-check: 'deep_check' is not supported by "
                     "restoredrill " RD_VERSION
                     " yet\nHINT: remove it; restoredrill refuses settings it "
                     "would silently ignore");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

/* A secret in a group/other-readable file is said (c.exposed), as ssh does. */
START_TEST(test_exposed_secrets)
{
    static const struct {
        const char *text, *what; /* what: NULL when nothing is said */
    } cases[] = {
        {"[job a]\nsource = /x\n", NULL},
        {"[job a]\nsource = /x\nalert_webhook = http://127.0.0.1:9/x\n",
         "(alert_webhook)"},
        {"[defaults]\nping_url = https://hc-ping.com/5f0c\n[job a]\n",
         "(ping_url)"},
        {"[job a]\ntarget = host=db user=v password=s3cret\n",
         "(a password in target)"},
        {"[job a]\ntarget = postgresql://v:s3cret@db/app\n",
         "(a password in target)"},
        {"[job a]\ntarget = postgresql://v@db/app\n", NULL},
        {"[job a]\ntarget = postgresql://db/a:b@c\n", NULL},
        {"[job a]\ntarget = host=db user=v\n", NULL},
    };
    struct rd_err err = {0};
    struct config c;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(load(&c, cases[i].text, &err), 0);
        config_release(&c);
        ck_assert_int_eq(chmod(conf_path, 0644), 0);
        ck_assert_int_eq(load(&c, cases[i].text, &err), 0);
        if (cases[i].what == NULL) {
            ck_assert_msg(c.exposed == NULL, "%s: %s", cases[i].text,
                          c.exposed);
        } else {
            ck_assert_ptr_nonnull(c.exposed);
            ck_assert_ptr_nonnull(strstr(c.exposed, cases[i].what));
            ck_assert_ptr_nonnull(strstr(c.exposed, "(mode 0644)"));
        }
        config_release(&c);
        ck_assert_int_eq(chmod(conf_path, 0600), 0);
        ck_assert_int_eq(load(&c, cases[i].text, &err), 0);
        ck_assert_ptr_null(c.exposed);
        config_release(&c);
    }
}
END_TEST

START_TEST(test_alert_keys)
{
    struct rd_err err = {0};
    struct config c;
    struct job_config j;

    /* Defaults: warning, json, 30s, once, nothing configured. */
    ck_assert_int_eq(load(&c, "[job a]\nsource = /x\n", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "a", &j, &err), 0);
    ck_assert_int_eq(j.alert_on, RD_ST_WARNING);
    ck_assert(!j.webhook_slack);
    ck_assert_int_eq(j.alert_timeout_s, 30);
    ck_assert(!j.alert_repeat_always);
    ck_assert_ptr_null(j.alert_exec);
    ck_assert_ptr_null(j.alert_webhook);
    ck_assert_ptr_null(j.ping_url);
    job_config_release(&j);
    config_release(&c);

    ck_assert_int_eq(
        load(&c,
             "[defaults]\nalert_on = critical\nwebhook_format = slack\n"
             "[job a]\nsource = /x\nalert_timeout = 5s\nalert_repeat = always\n"
             "alert_exec = /usr/local/bin/page-me 'db team' --urgent\n"
             "alert_webhook = https://hooks.example.com/T0/B0\n"
             "ping_url = https://hc-ping.com/5f0c\n",
             &err),
        0);
    ck_assert_int_eq(config_resolve(&c, "a", &j, &err), 0);
    ck_assert_int_eq(j.alert_on, RD_ST_CRITICAL);
    ck_assert(j.webhook_slack);
    ck_assert_int_eq(j.alert_timeout_s, 5);
    ck_assert(j.alert_repeat_always);
    ck_assert_str_eq(j.alert_exec, "/usr/local/bin/page-me 'db team' --urgent");
    ck_assert_str_eq(j.alert_webhook, "https://hooks.example.com/T0/B0");
    ck_assert_str_eq(j.ping_url, "https://hc-ping.com/5f0c");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_alert_key_errors)
{
    struct rd_err err = {0};

    resolve_fails("[job a]\nalert_on = unknown\n", "a", &err);
    ck_assert_str_eq(
        err.msg,
        at(2, "invalid alert_on 'unknown' (use one of: warning, critical)"));
    resolve_fails("[job a]\nwebhook_format = teams\n", "a", &err);
    ck_assert_err_prefix(
        &err,
        at(2, "invalid webhook_format 'teams' (use one of: json, slack)"));
    resolve_fails("[job a]\nalert_repeat = hourly\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid alert_repeat 'hourly'"));
    resolve_fails("[job a]\nalert_timeout = 0s\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "alert_timeout must be from 1s to 1h"));
    resolve_fails("[job a]\nalert_timeout = soon\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid duration 'soon'"));
    resolve_fails("[job a]\nalert_exec = notify | mail\n", "a", &err);
    ck_assert_err_prefix(&err,
                         at(2, "alert_exec: unquoted '|' at character 8"));
    resolve_fails("[job a]\nalert_exec = hook 'x\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "alert_exec: unterminated single quote"));
    resolve_fails("[job a]\nalert_exec = ./hook.sh\n", "a", &err);
    ck_assert_err_prefix(&err,
                         at(2, "alert_exec: './hook.sh' is a relative path"));
    resolve_fails("[job a]\nalert_exec = ''\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "alert_exec: empty"));
    resolve_fails("[job a]\nalert_webhook = ftp://x/y\n", "a", &err);
    ck_assert_str_eq(err.msg, at(2, "invalid alert_webhook: only http:// and "
                                    "https:// URLs are supported"));
    resolve_fails("[job a]\nping_url = hc-ping.com/x\n", "a", &err);
    ck_assert_err_prefix(&err, at(2, "invalid ping_url: not a valid URL"));
    /* The URL is not repeated back: its path or password may be a secret. */
    resolve_fails("[job a]\nalert_webhook = gopher://u:hunter2@h/T0/sekrit\n",
                  "a", &err);
    ck_assert_msg(strstr(err.msg, "hunter2") == NULL &&
                      strstr(err.msg, "sekrit") == NULL,
                  "%s", err.msg);
}
END_TEST

START_TEST(test_flag_errors)
{
    struct config c;
    struct job_config j;
    struct rd_err err = {0};

    config_init(&c);
    ck_assert_int_eq(config_set_flag(&c, CK_MAX_ARCHIVE_AGE, "1 day", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), -1);
    ck_assert_err_prefix(
        &err,
        "--max-archive-age: invalid duration '1 day' for 'max_archive_age' (");
    job_config_release(&j);
    config_release(&c);

    /* A good flag hides a bad file value (only effective values count). */
    ck_assert_int_eq(load(&c, "[defaults]\nmin_size = huge\n", &err), 0);
    ck_assert_int_eq(config_set_flag(&c, CK_MIN_SIZE, "2k", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), 0);
    ck_assert_int_eq(j.min_size, 2048);
    job_config_release(&j);
    /* A bad flag is named by its flag even over a good file value. */
    ck_assert_int_eq(config_set_flag(&c, CK_RUN_AS, "", &err), 0);
    ck_assert_int_eq(config_resolve(&c, "default", &j, &err), -1);
    ck_assert_str_eq(err.msg, "--run-as: empty run_as");
    job_config_release(&j);
    config_release(&c);
}
END_TEST

START_TEST(test_empty_report)
{
    struct rd_err err = {0};

    resolve_fails("[job a]\nreport =\n", "a", &err);
    ck_assert_str_eq(err.msg, at(2, "empty report path"));
}
END_TEST

START_TEST(test_job_names)
{
    struct config c;
    struct rd_err err = {0};
    const char **names;
    size_t n;
    char want[2 * PATH_MAX];

    /* No file: the one implicit job. */
    config_init(&c);
    ck_assert_int_eq(config_job_names(&c, NULL, &names, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(names[0], "default");
    free(names);
    ck_assert_int_eq(config_job_names(&c, "default", &names, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(names[0], "default");
    free(names);
    ck_assert_int_eq(config_job_names(&c, "a", &names, &n, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    ck_assert_str_eq(err.msg, "no job 'a' in the configuration");
    ck_assert_ptr_null(names);
    ck_assert_uint_eq(n, 0);
    config_release(&c);

    /* Every [job] in file order, or just --job. */
    ck_assert_int_eq(
        load(&c, "[job zeta]\n[defaults]\n[job alpha]\n[job mid]\n", &err), 0);
    ck_assert_int_eq(config_job_names(&c, NULL, &names, &n, &err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(names[0], "zeta");
    ck_assert_str_eq(names[1], "alpha");
    ck_assert_str_eq(names[2], "mid");
    free(names);
    ck_assert_int_eq(config_job_names(&c, "alpha", &names, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(names[0], "alpha");
    free(names);
    rd_err_clear(&err);
    ck_assert_int_eq(config_job_names(&c, "nope", &names, &n, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    snprintf(want, sizeof(want), "no job 'nope' in %s", conf_path);
    ck_assert_str_eq(err.msg, want);
    /* "default" only names the implicit job when there are no sections. */
    ck_assert_int_eq(config_job_names(&c, "default", &names, &n, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    config_release(&c);

    /* [defaults] alone: still the implicit job. */
    ck_assert_int_eq(load(&c, "[defaults]\nsource = /x\n", &err), 0);
    ck_assert_int_eq(config_job_names(&c, NULL, &names, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(names[0], "default");
    free(names);
    config_release(&c);
}
END_TEST

START_TEST(test_key_lookup)
{
    ck_assert_int_eq(config_key_lookup("max_archive_age"), CK_MAX_ARCHIVE_AGE);
    ck_assert_int_eq(config_key_lookup("max-archive-age"), CK_MAX_ARCHIVE_AGE);
    ck_assert_int_eq(config_key_lookup("state-dir"), CK_STATE_DIR);
    ck_assert_int_eq(config_key_lookup("target"), CK_TARGET);
    ck_assert_int_eq(config_key_lookup("alert-webhook"), CK_ALERT_WEBHOOK);
    ck_assert_int_eq(config_key_lookup("fetch_command"), CK_FETCH_COMMAND);
    ck_assert_int_eq(config_key_lookup("MAX_ARCHIVE_AGE"), -1);
    ck_assert_int_eq(config_key_lookup("max_archive_ag"), -1);
    ck_assert_int_eq(config_key_lookup("max_archive_agee"), -1);
    ck_assert_int_eq(config_key_lookup("max archive age"), -1);
    ck_assert_int_eq(config_key_lookup("--max-archive-age"), -1);
    ck_assert_int_eq(config_key_lookup(""), -1);
    ck_assert_int_eq(config_key_lookup("min"), -1);
}
END_TEST

START_TEST(test_key_table)
{
    for (int k = 0; k < CK_COUNT; k++) {
        const struct config_key_info *ki = config_key_info((enum config_key)k);
        char dashed[64];

        ck_assert_ptr_nonnull(ki->name);
        ck_assert_ptr_nonnull(ki->help);
        ck_assert_uint_gt(strlen(ki->help), 0);
        ck_assert_int_eq(config_key_lookup(ki->name), k);
        snprintf(dashed, sizeof(dashed), "%s", ki->name);
        for (char *p = dashed; *p != '\0'; p++)
            if (*p == '_')
                *p = '-';
        ck_assert_int_eq(config_key_lookup(dashed), k);
        /* Names are snake_case. */
        ck_assert_uint_eq(
            strspn(ki->name, "abcdefghijklmnopqrstuvwxyz0123456789_"),
            strlen(ki->name));
    }
    /* The keys of this version are implemented; later features are not. */
    ck_assert(config_key_info(CK_SOURCE)->implemented);
    ck_assert(config_key_info(CK_REPORT)->implemented);
    ck_assert(config_key_info(CK_PROBES)->implemented);
    ck_assert(config_key_info(CK_JUNIT)->implemented);
    ck_assert(config_key_info(CK_PING_URL)->implemented);
    ck_assert(config_key_info(CK_ALERT_WEBHOOK)->implemented);
    ck_assert(config_key_info(CK_RTO)->implemented);
    ck_assert(!config_key_info(CK_DEEP_CHECK)->implemented);
    ck_assert(config_key_info(CK_CHECKSUM)->implemented);
    ck_assert(config_key_info(CK_DECRYPT_COMMAND)->implemented);
    ck_assert(config_key_info(CK_S3_ENDPOINT)->implemented);
    ck_assert_int_eq(config_key_info(CK_MAX_ARCHIVE_AGE)->type, CT_DURATION);
    ck_assert_int_eq(config_key_info(CK_MIN_SIZE)->type, CT_SIZE);
}
END_TEST

/* Loading reads the whole file: every error is kept, the first returned. */
START_TEST(test_load_every_error)
{
    struct config c;
    struct rd_err err;

    ck_assert_int_eq(load(&c,
                          "[job a]\n"
                          "colour = blue\n"
                          "source = /x\n"
                          "broken line\n"
                          "[job a]\n"
                          "ignored = 1\n"
                          "[defaults]\n"
                          "state_dir = /s\n"
                          "shade = dark\n",
                          &err),
                     -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_str_eq(err.msg, at(2, "unknown key 'colour'"));
    ck_assert_uint_eq(c.load_errors.n, 4);
    ck_assert_str_eq(c.load_errors.v[1].msg,
                     at(4, "expected 'key = value' or '[section]'"));
    ck_assert_str_eq(c.load_errors.v[2].msg, at(5, "job 'a' is defined twice"));
    ck_assert_str_eq(c.load_errors.v[3].msg, at(9, "unknown key 'shade'"));
    /* What could be read is kept (the refused section's keys are not). */
    ck_assert_str_eq(c.jobs[0].val[CK_SOURCE], "/x");
    ck_assert_str_eq(c.defaults.val[CK_STATE_DIR], "/s");
    config_release(&c);
}
END_TEST

/* config_resolve_all: every bad value of a job, config_resolve the first. */
START_TEST(test_resolve_every_error)
{
    static const char text[] = "[defaults]\n"
                               "max_archive_age = 26 hours\n"
                               "[job a]\n"
                               "source = /x\n"
                               "pattern = a_%Q\n"
                               "min_size = 10 MB\n"
                               "alert_on = never\n";
    struct config_errs errs = {0};
    struct config c;
    struct job_config j;
    struct rd_err err;

    ck_assert_int_eq(load(&c, text, &err), 0);
    ck_assert_int_eq(config_resolve_all(&c, "a", &j, &errs), -1);
    ck_assert_uint_eq(errs.n, 4);
    ck_assert_err_prefix(&errs.v[0], at(5, "invalid pattern 'a_%Q'"));
    ck_assert_err_prefix(&errs.v[1], at(2, "invalid duration '26 hours'"));
    ck_assert_err_prefix(&errs.v[2], at(6, "invalid size '10 MB'"));
    ck_assert_err_prefix(&errs.v[3], at(7, "invalid alert_on 'never'"));
    ck_assert_str_eq(j.source, "/x");
    job_config_release(&j);
    /* The same errors again are not added twice. */
    ck_assert_int_eq(config_resolve_all(&c, "a", &j, &errs), -1);
    ck_assert_uint_eq(errs.n, 4);
    job_config_release(&j);
    ck_assert_int_eq(config_resolve(&c, "a", &j, &err), -1);
    ck_assert_str_eq(err.msg, errs.v[0].msg);
    job_config_release(&j);
    config_errs_release(&errs);
    config_release(&c);
}
END_TEST

/* A file without [job] sections and no source anywhere: "no jobs in FILE". */
START_TEST(test_check_jobs)
{
    struct config c;
    struct rd_err err;
    char want[PATH_MAX + 64];

    ck_assert_int_eq(load(&c, "[defaults]\nmax_archive_age = 26h\n", &err), 0);
    ck_assert_int_eq(config_check_jobs(&c, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    snprintf(want, sizeof(want), "no jobs in %s: ", conf_path);
    ck_assert_err_prefix(&err, want);
    ck_assert_ptr_nonnull(strstr(err.msg, "\nHINT: add one, e.g. '[job app]'"));
    /* --source makes the implicit job 'default' a job. */
    ck_assert_int_eq(config_set_flag(&c, CK_SOURCE, "/b", &err), 0);
    ck_assert_int_eq(config_check_jobs(&c, &err), 0);
    config_release(&c);

    ck_assert_int_eq(load(&c, "[defaults]\nsource = /b\n", &err), 0);
    ck_assert_int_eq(config_check_jobs(&c, &err), 0);
    config_release(&c);
    ck_assert_int_eq(load(&c, "[job a]\n", &err), 0);
    ck_assert_int_eq(config_check_jobs(&c, &err), 0);
    config_release(&c);
    /* No file at all (flags only): nothing to say here. */
    config_init(&c);
    ck_assert_int_eq(config_check_jobs(&c, &err), 0);
    config_release(&c);
}
END_TEST

Suite *
config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tl = tcase_create("load");
    TCase *tr = tcase_create("resolve");
    TCase *tk = tcase_create("keys");

    testutil_dirs(tl);
    tcase_add_checked_fixture(tl, setup, NULL);
    tcase_add_test(tl, test_layering);
    tcase_add_test(tl, test_origins);
    tcase_add_loop_test(tl, test_load_errors, 0,
                        (int)(sizeof(load_errors) / sizeof(load_errors[0])));
    tcase_add_test(tl, test_key_twice);
    tcase_add_test(tl, test_load_ok_edges);
    tcase_add_test(tl, test_missing_file);
    tcase_add_test(tl, test_load_every_error);
    suite_add_tcase(s, tl);

    testutil_dirs(tr);
    tcase_add_checked_fixture(tr, setup, NULL);
    tcase_add_test(tr, test_resolve_layers);
    tcase_add_test(tr, test_flags_win);
    tcase_add_test(tr, test_flags_only);
    tcase_add_test(tr, test_builtin_defaults);
    tcase_add_test(tr, test_default_state_dir);
    tcase_add_test(tr, test_job_expansion);
    tcase_add_test(tr, test_expand_job);
    tcase_add_test(tr, test_raw_value);
    tcase_add_test(tr, test_source_values);
    tcase_add_test(tr, test_bad_duration);
    tcase_add_test(tr, test_bad_size);
    tcase_add_test(tr, test_bad_pattern);
    tcase_add_test(tr, test_bad_target);
    tcase_add_test(tr, test_good_targets);
    tcase_add_test(tr, test_bad_sources);
    tcase_add_test(tr, test_later_keys);
    tcase_add_test(tr, test_fetch_keys);
    tcase_add_test(tr, test_alert_keys);
    tcase_add_test(tr, test_exposed_secrets);
    tcase_add_test(tr, test_alert_key_errors);
    tcase_add_test(tr, test_flag_errors);
    tcase_add_test(tr, test_empty_report);
    tcase_add_test(tr, test_job_names);
    tcase_add_test(tr, test_resolve_every_error);
    tcase_add_test(tr, test_check_jobs);
    suite_add_tcase(s, tr);

    tcase_add_test(tk, test_key_lookup);
    tcase_add_test(tk, test_key_table);
    suite_add_tcase(s, tk);
    return s;
}
