/* test_sandbox: the bwrap command line (order, binds, parents, setpriv,
 * host mode, --keep), the mode names, and the set-up without bwrap. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore/sandbox/sandbox.h"

Suite *sandbox_suite(void);

/* Index of ${s} in ${argv} from ${from}, or -1. */
static int
find(const char *const *argv, int from, const char *s)
{
    for (int i = from; argv[i] != NULL; i++)
        if (strcmp(argv[i], s) == 0)
            return i;
    return -1;
}

/* Index of the option ${opt} whose next two words are ${a} ${b}, or -1. */
static int
find3(const char *const *argv, const char *opt, const char *a, const char *b)
{
    for (int i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
        if (strcmp(argv[i], opt) == 0 && strcmp(argv[i + 1], a) == 0 &&
            argv[i + 2] != NULL && strcmp(argv[i + 2], b) == 0)
            return i;
    return -1;
}

static struct sandbox
on_sandbox(const struct proc_ident *id)
{
    struct sandbox sb;

    memset(&sb, 0, sizeof(sb));
    sb.on = true;
    sb.ident = id;
    snprintf(sb.bwrap, sizeof(sb.bwrap), "/usr/bin/bwrap");
    return sb;
}

START_TEST(test_modes)
{
    enum sandbox_mode m = SANDBOX_OFF;

    ck_assert_int_eq(sandbox_mode_parse("auto", &m), 0);
    ck_assert_int_eq(m, SANDBOX_AUTO);
    ck_assert_int_eq(sandbox_mode_parse("required", &m), 0);
    ck_assert_int_eq(m, SANDBOX_REQUIRED);
    ck_assert_int_eq(sandbox_mode_parse("off", &m), 0);
    ck_assert_int_eq(m, SANDBOX_OFF);
    ck_assert_int_eq(sandbox_mode_parse("yes", &m), -1);
    ck_assert_int_eq(sandbox_mode_parse("", &m), -1);
}
END_TEST

/* Off: the spec is left alone. */
START_TEST(test_off_unchanged)
{
    const char *argv[] = {"/usr/bin/psql", "-X", NULL};
    struct proc_ident id = {.drop = true, .uid = 999, .gid = 995};
    struct sandbox sb = on_sandbox(&id);
    struct proc_spec spec = {.argv = argv, .drop_privs = true, .cwd = "/x"};
    struct sandbox_req req = {0};
    struct sandbox_cmd cmd;
    struct rd_err err = {0};

    sb.on = false;
    ck_assert_int_eq(sandbox_apply(&sb, &req, &spec, &cmd, &err), 0);
    ck_assert_ptr_eq(spec.argv, argv);
    ck_assert(spec.drop_privs);
    ck_assert_str_eq(spec.cwd, "/x");
    ck_assert_int_eq(sandbox_apply(NULL, &req, &spec, &cmd, &err), 0);
    ck_assert_ptr_eq(spec.argv, argv);
    ck_assert_str_eq(sandbox_name(&sb), "none");
    ck_assert_str_eq(sandbox_name(NULL), "none");
}
END_TEST

/* As root: named namespaces, the file system, the binds with 0755
 * parents, --chdir, then setpriv dropping everything, then the program. */
START_TEST(test_root_command_line)
{
    const char *argv[] = {"/usr/lib/postgresql/15/bin/postgres", "-D",
                          "/tmp/rd/restoredrill-x/data", NULL};
    struct proc_ident id = {.drop = true, .uid = 999, .gid = 995};
    struct sandbox sb = on_sandbox(&id);
    struct proc_spec spec = {.argv = argv, .drop_privs = true, .cwd = "/c"};
    struct sandbox_req req = {.rw_dir = "/tmp/rd/restoredrill-x",
                              .ro = {"/srv/backups/app.dump", NULL},
                              .chdir = "/tmp/rd/restoredrill-x"};
    struct sandbox_cmd cmd;
    struct rd_err err = {0};
    const char *const *a;
    int dd, prog, sp, i;

    ck_assert_int_eq(sandbox_apply(&sb, &req, &spec, &cmd, &err), 0);
    a = spec.argv;
    ck_assert_str_eq(a[0], "/usr/bin/bwrap");
    ck_assert(!spec.drop_privs); /* setpriv does it inside */
    ck_assert_str_eq(spec.cwd, "/");
    ck_assert_int_eq(find(a, 0, "--unshare-all"), -1);
    ck_assert_int_gt(find(a, 0, "--unshare-pid"), 0);
    ck_assert_int_gt(find(a, 0, "--unshare-net"), 0);
    ck_assert_int_gt(find(a, 0, "--unshare-ipc"), 0);
    ck_assert_int_gt(find(a, 0, "--unshare-uts"), 0);
    ck_assert_int_gt(find(a, 0, "--new-session"), 0);
    ck_assert_int_gt(find(a, 0, "--die-with-parent"), 0);
    ck_assert_int_gt(find3(a, "--ro-bind", "/usr", "/usr"), 0);
    ck_assert_int_eq(find3(a, "--ro-bind", "/", "/"), -1);
    ck_assert_int_eq(find3(a, "--bind", "/", "/"), -1);
    ck_assert_int_gt(find3(a, "--ro-bind-try", "/etc/passwd", "/etc/passwd"),
                     0);
    ck_assert_int_eq(find(a, 0, "/etc/shadow"), -1);
    i = find(a, 0, "--tmpfs");
    ck_assert_int_gt(i, 0);
    ck_assert_str_eq(a[i + 1], "/tmp");
    /* the input read-only with its parents made 0755 first */
    i = find3(a, "--ro-bind", "/srv/backups/app.dump", "/srv/backups/app.dump");
    ck_assert_int_gt(i, 0);
    ck_assert_int_gt(find3(a, "--perms", "0755", "--dir"), 0);
    ck_assert_int_lt(find(a, 0, "/srv/backups"), i);
    ck_assert_int_gt(
        find3(a, "--bind", "/tmp/rd/restoredrill-x", "/tmp/rd/restoredrill-x"),
        i);
    /* /tmp itself is the private tmpfs: no --dir for it */
    ck_assert_int_gt(find(a, 0, "/tmp/rd"), 0);
    ck_assert_str_ne(a[find(a, 0, "/tmp/rd") - 1], "/tmp");
    dd = find(a, 0, "--");
    ck_assert_int_gt(dd, 0);
    ck_assert_str_eq(a[dd - 1], "/tmp/rd/restoredrill-x"); /* --chdir DIR */
    ck_assert_str_eq(a[dd - 2], "--chdir");
    sp = dd + 1;
    ck_assert_str_eq(a[sp], "/usr/bin/setpriv");
    ck_assert_str_eq(a[sp + 1], "--reuid=999");
    ck_assert_str_eq(a[sp + 2], "--regid=995");
    ck_assert_int_gt(find(a, sp, "--clear-groups"), sp);
    ck_assert_int_gt(find(a, sp, "--bounding-set=-all"), sp);
    ck_assert_int_gt(find(a, sp, "--no-new-privs"), sp);
    prog = find(a, sp, "--") + 1;
    ck_assert_str_eq(a[prog], "/usr/lib/postgresql/15/bin/postgres");
    ck_assert_str_eq(a[prog + 1], "-D");
    ck_assert_str_eq(a[prog + 2], "/tmp/rd/restoredrill-x/data");
    ck_assert_ptr_null(a[prog + 3]);
}
END_TEST

/* Not root: no setpriv (bwrap makes a user namespace); --keep: no
 * --die-with-parent; PostgreSQL outside /usr bound read-only. */
START_TEST(test_user_keep_tools)
{
    const char *argv[] = {"initdb", NULL};
    struct proc_ident id = {.drop = false};
    struct sandbox sb = on_sandbox(&id);
    struct proc_spec spec = {.argv = argv};
    struct sandbox_req req = {.keep = true};
    struct sandbox_cmd cmd;
    struct rd_err err = {0};
    int dd;

    snprintf(sb.tools, sizeof(sb.tools), "/opt/pg/15");
    ck_assert_int_eq(sandbox_apply(&sb, &req, &spec, &cmd, &err), 0);
    ck_assert_int_eq(find(spec.argv, 0, "--die-with-parent"), -1);
    ck_assert_int_eq(find(spec.argv, 0, "/usr/bin/setpriv"), -1);
    ck_assert_int_gt(find3(spec.argv, "--ro-bind", "/opt/pg/15", "/opt/pg/15"),
                     0);
    dd = find(spec.argv, 0, "--");
    ck_assert_str_eq(spec.argv[dd - 1], "/"); /* --chdir / by default */
    ck_assert_str_eq(spec.argv[dd + 1], "initdb");
    ck_assert_ptr_null(spec.argv[dd + 2]);
}
END_TEST

/* A server target's tools: the host's view, a pid namespace only. */
START_TEST(test_host_mode)
{
    const char *argv[] = {"pg_restore", "--list", NULL};
    struct proc_ident id = {.drop = true, .uid = 5, .gid = 6};
    struct sandbox sb = on_sandbox(&id);
    struct proc_spec spec = {.argv = argv};
    struct sandbox_req req = {.host = true};
    struct sandbox_cmd cmd;
    struct rd_err err = {0};

    ck_assert_int_eq(sandbox_apply(&sb, &req, &spec, &cmd, &err), 0);
    ck_assert_int_gt(find(spec.argv, 0, "--unshare-pid"), 0);
    ck_assert_int_eq(find(spec.argv, 0, "--unshare-net"), -1);
    ck_assert_int_gt(find3(spec.argv, "--bind", "/", "/"), 0);
    ck_assert_int_gt(find(spec.argv, 0, "--die-with-parent"), 0);
    ck_assert_int_gt(find(spec.argv, 0, "--reuid=5"), 0);
}
END_TEST

/* A command line that does not fit is an error, not a truncated sandbox. */
START_TEST(test_too_long)
{
    static const char *argv[SANDBOX_ARGV_MAX + 2];
    struct proc_ident id = {.drop = true, .uid = 5, .gid = 6};
    struct sandbox sb = on_sandbox(&id);
    struct proc_spec spec = {.argv = argv};
    struct sandbox_req req = {0};
    struct sandbox_cmd cmd;
    struct rd_err err = {0};

    for (int i = 0; i < SANDBOX_ARGV_MAX; i++)
        argv[i] = "x";
    argv[SANDBOX_ARGV_MAX] = NULL;
    ck_assert_int_eq(sandbox_apply(&sb, &req, &spec, &cmd, &err), -1);
    ck_assert_int_eq(err.code, RD_INTERNAL);
    ck_assert_ptr_eq(spec.argv, argv);
}
END_TEST

/* No bwrap on PATH: auto is off with the reason, required fails. */
START_TEST(test_setup_without_bwrap)
{
    struct proc_ident id = {.drop = false};
    struct sandbox sb;
    struct rd_err err = {0};
    char *old = getenv("PATH") != NULL ? strdup(getenv("PATH")) : NULL;

    setenv("PATH", "/nonexistent-rd", 1);
    ck_assert_int_eq(sandbox_setup(&sb, SANDBOX_AUTO, &id, NULL, &err), 0);
    ck_assert(!sb.on);
    ck_assert_ptr_nonnull(strstr(sb.reason, "bwrap"));
    ck_assert_int_eq(sandbox_setup(&sb, SANDBOX_REQUIRED, &id, NULL, &err), -1);
    ck_assert_int_eq(err.code, RD_SANDBOX_UNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(err.msg, "apt-get install bubblewrap"));
    ck_assert_int_eq(sandbox_setup(&sb, SANDBOX_OFF, &id, NULL, &err), 0);
    ck_assert_str_eq(sb.reason, "sandbox = off");
    /* a bwrap that fails is no sandbox either (a script that exits 1) */
    {
        char dir[] = "/tmp/rd-sbXXXXXX", path[64];
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/bwrap", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("#!/bin/sh\necho 'bwrap: No permissions to creating new "
              "namespace' >&2\nexit 1\n",
              f);
        fclose(f);
        chmod(path, 0755);
        setenv("PATH", dir, 1);
        ck_assert_int_eq(sandbox_setup(&sb, SANDBOX_AUTO, &id, NULL, &err), 0);
        ck_assert(!sb.on);
        ck_assert_ptr_nonnull(strstr(sb.reason, "No permissions"));
        unlink(path);
        rmdir(dir);
    }
    if (old != NULL) {
        setenv("PATH", old, 1);
        free(old);
    }
}
END_TEST

Suite *
sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("sandbox");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_modes);
    tcase_add_test(tc, test_off_unchanged);
    tcase_add_test(tc, test_root_command_line);
    tcase_add_test(tc, test_user_keep_tools);
    tcase_add_test(tc, test_host_mode);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_setup_without_bwrap);
    suite_add_tcase(s, tc);
    return s;
}
