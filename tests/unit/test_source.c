/* test_source: the source driver table, the local driver's fetch, the one
 * selection rule (select_choose()) and archive{} rendered from its result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "reports/render_archive.h"
#include "restore/source/s3_creds.h"
#include "restore/source/source.h"
#include "testutil.h"

Suite *source_suite(void);

/* source_check(v) must fail with a message starting with ${want}. */
static void
check_refused(const char *v, const char *want)
{
    struct rd_err err = {0};
    char dummy[] = "untouched", *out = dummy;

    ck_assert_int_eq(source_check(v, &out, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0,
                  "'%s': got '%s', want '%s...'", v, err.msg, want);
    ck_assert_ptr_null(out);
}

START_TEST(test_check_schemes)
{
    struct rd_err err = {0};
    char *out = NULL;

    ck_assert_int_eq(source_check("/var/backups", &out, &err), 0);
    ck_assert_str_eq(out, "/var/backups");
    free(out);
    ck_assert_int_eq(source_check("file:///var/b", &out, &err), 0);
    ck_assert_str_eq(out, "/var/b");
    free(out);
    ck_assert_int_eq(source_check("rel/dir", &out, &err), 0);
    ck_assert_str_eq(out, "rel/dir");
    free(out);
    /* Planned schemes: one message, naming the scheme and the version. */
    ck_assert_int_eq(source_check("http://h/b/", &out, &err), 0);
    ck_assert_str_eq(out, "http://h/b/");
    free(out);
    ck_assert_int_eq(source_check("https://u:p@h:8443?x=1", &out, &err), 0);
    ck_assert_str_eq(out, "https://u:p@h:8443/?x=1");
    free(out);
    check_refused("http:///b", "invalid source: the URL has no host");
    ck_assert_int_eq(source_check("s3://bucket/p", &out, &err), 0);
    ck_assert_str_eq(out, "s3://bucket/p/");
    free(out);
    ck_assert_int_eq(source_check("s3://bucket", &out, &err), 0);
    ck_assert_str_eq(out, "s3://bucket/");
    free(out);
    ck_assert_int_eq(source_check("s3://b-1.x/a b/\xc3\xa9/", &out, &err), 0);
    ck_assert_str_eq(out, "s3://b-1.x/a b/\xc3\xa9/");
    free(out);
    check_refused("s3:///p", "invalid source 's3:///p': no bucket name");
    check_refused("s3://b/p\tq", "invalid source 's3://b/p\tq': a control");
    check_refused("tarsnap:mybox", "invalid source 'tarsnap:mybox': write "
                                   "just 'tarsnap:'");
    /* The backup tools: their drivers take the location as it is. */
    ck_assert_int_eq(source_check("restic:/repo", &out, &err), 0);
    ck_assert_str_eq(out, "restic:/repo");
    free(out);
    ck_assert_int_eq(source_check("borg:ssh://u@h/./r", &out, &err), 0);
    ck_assert_str_eq(out, "borg:ssh://u@h/./r");
    free(out);
    ck_assert_int_eq(source_check("tarsnap:", &out, &err), 0);
    free(out);
    ck_assert_int_eq(source_check("exec:", &out, &err), 0);
    free(out);
    ck_assert(!source_is_local("restic:/repo"));
    ck_assert(source_is_local("/var/backups"));
    check_refused("ftp://h/x", "unknown source scheme in 'ftp://h/x'");
    check_refused("file://rel/x",
                  "invalid source 'file://rel/x' (use file:///absolute/path)");
    check_refused("", "empty source");
    /* source_open() refuses them too, with the same words. */
    ck_assert_ptr_null(source_open("ftp://h/x", NULL, &err));
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown source scheme"));
}
END_TEST

/* Write ${n} bytes of 'x' to DIR/${name}. */
static void
put_bytes(const char *name, size_t n)
{
    char path[4096], *buf = malloc(n + 1);

    ck_assert_ptr_nonnull(buf);
    memset(buf, 'x', n);
    buf[n] = '\0';
    snprintf(path, sizeof(path), "%s/%s", testutil_tmpdir, name);
    testutil_put(path, buf);
    free(buf);
}

START_TEST(test_local_fetch)
{
    struct rd_err err = {0};
    struct archive_list l;
    struct fetched f;
    struct source *src;
    char buf[64], path[4096];
    ssize_t n;
    int64_t total = 0;

    put_bytes("a.dump", 10);
    snprintf(path, sizeof(path), "%s/dir", testutil_tmpdir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/dir/toc.dat", testutil_tmpdir);
    testutil_put(path, "PGDMP");
    src = source_open(testutil_tmpdir, NULL, &err);
    ck_assert_msg(src != NULL, "%s", err.msg);
    archive_list_init(&l);
    ck_assert_int_eq(source_list(src, &l, &err), 0);
    ck_assert_uint_eq(l.n, 2);
    archive_list_release(&l);

    /* A file: a stream of its bytes, its size and its path. */
    ck_assert_int_eq(source_fetch(src, "a.dump", &f, &err), 0);
    ck_assert_ptr_nonnull(f.stream);
    ck_assert_int_eq(f.size, 10);
    ck_assert(f.seekable && !f.is_dir);
    ck_assert_ptr_nonnull(strstr(f.path, "/a.dump"));
    while ((n = stream_read(f.stream, buf, sizeof(buf), &err)) > 0)
        total += n;
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(total, 10);
    fetched_release(&f);
    ck_assert_ptr_null(f.stream);
    ck_assert_ptr_null(f.path);

    /* A -Fd folder: no stream, read through its path. */
    ck_assert_int_eq(source_fetch(src, "dir", &f, &err), 0);
    ck_assert_ptr_null(f.stream);
    ck_assert(f.is_dir && !f.seekable);
    ck_assert_int_eq(f.size, 5);
    fetched_release(&f);

    ck_assert_int_eq(source_fetch(src, "missing.dump", &f, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_NOT_FOUND);
    fetched_release(&f);
    ck_assert_int_eq(source_fetch(src, "../a.dump", &f, &err), -1);
    ck_assert_int_eq(err.code, RD_USAGE);
    fetched_release(&f);
    source_free(src);
}
END_TEST

START_TEST(test_choose)
{
    struct select_rule rule = {"app_*.dump", 0, 1, NULL, 100000};
    const struct archive_entry *e;
    struct rd_err err = {0};
    struct archive_list l;

    archive_list_init(&l);
    ck_assert_int_eq(archive_list_add(&l, "app_2.dump", 2000, 0), 0);
    ck_assert_int_eq(archive_list_add(&l, "app_1.dump", 1000, 50), 0);
    ck_assert_int_eq(archive_list_add(&l, "other.txt", 3000, 50), 0);
    /* The newest is empty: chosen, and failed, never skipped. */
    ck_assert_int_eq(select_choose(&l, &rule, "/b", &e, NULL, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_EMPTY);
    ck_assert_str_eq(e->name, "app_2.dump");
    ck_assert_ptr_nonnull(strstr(err.msg, "smaller than min_size"));
    /* Left sorted: the newest is the last entry. */
    ck_assert_ptr_eq(e, &l.items[l.n - 1]);
    ck_assert_uint_eq(l.n, 2);

    /* --archive: exactly that one, whatever the pattern. */
    memset(&err, 0, sizeof(err));
    rule.archive = "app_1.dump";
    ck_assert_int_eq(select_choose(&l, &rule, "/b", &e, NULL, &err), 0);
    ck_assert_str_eq(e->name, "app_1.dump");
    rule.archive = "nope.dump";
    ck_assert_int_eq(select_choose(&l, &rule, "/b", &e, NULL, &err), -1);
    ck_assert_ptr_null(e);
    ck_assert_str_eq(err.msg, "archive 'nope.dump' not found in '/b'");
    archive_list_release(&l);

    /* Nothing left: select_none_err()'s verdict. */
    rule.archive = NULL;
    archive_list_init(&l);
    ck_assert_int_eq(select_choose(&l, &rule, "/b", &e, NULL, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_NOT_FOUND);
    ck_assert_ptr_null(e);
    archive_list_release(&l);

    /* Unknown sizes pass; the age rule. */
    ck_assert_int_eq(select_check_size("x", -1, 1, &err), 0);
    ck_assert_int_eq(select_check_size("x", 1, 1, &err), 0);
    archive_list_init(&l);
    ck_assert_int_eq(archive_list_add(&l, "x", 1000, 5), 0);
    ck_assert_int_eq(select_check_age(&l.items[0], 0, 100000, &err), 0);
    ck_assert_int_eq(select_check_age(&l.items[0], 99000, 100000, &err), 0);
    ck_assert_int_eq(select_check_age(&l.items[0], 60, 100000, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TOO_OLD);
    ck_assert_ptr_nonnull(strstr(err.msg, "backups have stopped arriving"));
    archive_list_release(&l);
}
END_TEST

START_TEST(test_render)
{
    json_t *a = json_pack("{s:n, s:n, s:n, s:n, s:n, s:n}", "name", "source",
                          "created_at", "age_s", "size_bytes", "sha256");
    struct archive_info ai;

    archive_info_init(&ai);
    render_archive(a, &ai); /* nothing known: nothing changes */
    ck_assert(json_is_null(json_object_get(a, "name")));
    ck_assert(json_is_null(json_object_get(a, "size_bytes")));
    ai.name = "app.dump";
    ai.source = "/b";
    ai.created_at = 0;
    ai.age_s = 60;
    ai.size_bytes = 0;
    ai.format = "custom";
    strcpy(ai.sha256, "ab");
    render_archive(a, &ai);
    ck_assert_str_eq(json_string_value(json_object_get(a, "name")), "app.dump");
    ck_assert_str_eq(json_string_value(json_object_get(a, "created_at")),
                     "1970-01-01T00:00:00Z");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "age_s")), 60);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "size_bytes")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(a, "format")), "custom");
    ck_assert_str_eq(json_string_value(json_object_get(a, "sha256")), "ab");
    ck_assert_ptr_null(json_object_get(a, "transfer"));
    json_decref(a);
}
END_TEST

/* The AWS variables unset, the credentials file ${text} (NULL: none). */
static void
aws_env(const char *text)
{
    static char path[4200];

    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_PROFILE");
    snprintf(path, sizeof(path), "%s/credentials", testutil_tmpdir);
    if (text != NULL)
        testutil_put(path, text);
    else
        unlink(path);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
}

START_TEST(test_s3_creds)
{
    static const char file[] =
        "# comment\n[default]\naws_access_key_id = AKDEF\n"
        "aws_secret_access_key=sk/def+1=\n\n"
        "[prod]\r\n  aws_access_key_id   =  AKPROD  \r\n"
        "aws_secret_access_key = skprod\r\naws_session_token = tok\r\n"
        "[half]\naws_access_key_id = AKHALF\n";
    struct s3_creds cr;
    struct rd_err err = {0};

    aws_env(NULL); /* nothing anywhere: anonymous */
    ck_assert_int_eq(s3_creds_load(&cr, &err), 0);
    ck_assert_ptr_null(cr.key_id);
    s3_creds_release(&cr);
    aws_env(file);
    ck_assert_int_eq(s3_creds_load(&cr, &err), 0);
    ck_assert_str_eq(cr.key_id, "AKDEF");
    ck_assert_str_eq(cr.secret, "sk/def+1=");
    ck_assert_ptr_null(cr.token);
    s3_creds_release(&cr);
    setenv("AWS_PROFILE", "prod", 1);
    ck_assert_int_eq(s3_creds_load(&cr, &err), 0);
    ck_assert_str_eq(cr.key_id, "AKPROD");
    ck_assert_str_eq(cr.secret, "skprod");
    ck_assert_str_eq(cr.token, "tok");
    s3_creds_release(&cr);
    /* the environment wins over the file */
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "skenv", 1);
    ck_assert_int_eq(s3_creds_load(&cr, &err), 0);
    ck_assert_str_eq(cr.key_id, "AKENV");
    ck_assert_str_eq(cr.source, "environment");
    s3_creds_release(&cr);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    ck_assert_int_eq(s3_creds_load(&cr, &err), -1);
    ck_assert_int_eq(err.code, RD_CONFIG_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "AWS_ACCESS_KEY_ID is set but"));
    s3_creds_release(&cr);
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_PROFILE", "half", 1);
    ck_assert_int_eq(s3_creds_load(&cr, &err), -1);
    ck_assert_msg(strstr(err.msg, "has aws_access_key_id but not") != NULL,
                  "%s", err.msg);
    setenv("AWS_PROFILE", "nosuch", 1);
    ck_assert_int_eq(s3_creds_load(&cr, &err), -1);
    ck_assert_ptr_nonnull(
        strstr(err.msg, "AWS_PROFILE=nosuch: no such profile"));
    aws_env("[default]\nno equals sign\n");
    ck_assert_int_eq(s3_creds_load(&cr, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "line 2: not 'key = value'"));
    aws_env(NULL);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
}
END_TEST

Suite *
source_suite(void)
{
    Suite *s = suite_create("source");
    TCase *tc = tcase_create("source");

    testutil_dirs(tc);
    tcase_add_test(tc, test_check_schemes);
    tcase_add_test(tc, test_local_fetch);
    tcase_add_test(tc, test_choose);
    tcase_add_test(tc, test_render);
    tcase_add_test(tc, test_s3_creds);
    suite_add_tcase(s, tc);
    return s;
}
