/* test_redact: credentials kept out of URLs and conninfo strings. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "verifier/util/redact.h"

Suite *redact_suite(void);

static const struct {
    const char *in, *want;
} urls[] = {
    /* userinfo with a password */
    {"https://user:pass@host/p", "https://user:****@host/p"},
    {"https://alice:s3cr%40t@example.com:8443/a/b?x=1",
     "https://alice:****@example.com:8443/a/b?x=1"},
    {"s3://AKIAXX:wJalrXUtnFEMI@bucket/prefix/",
     "s3://AKIAXX:****@bucket/prefix/"},
    /* the last '@' of the authority ends the userinfo */
    {"https://u:p@ss@host/x", "https://u:****@host/x"},
    /* the first ':' of the userinfo starts the password */
    {"https://u:p:q@host", "https://u:****@host"},
    {"https://u:@h/", "https://u:****@h/"},
    {"https://:secret@h", "https://:****@h"},
    /* a nested scheme, as restic's rest: backend writes it */
    {"rest:https://u:p4ss@host:8000/repo",
     "rest:https://u:****@host:8000/repo"},
    /* only a user: nothing to hide */
    {"sftp://user@host/dir", "sftp://user@host/dir"},
    {"https://user@host/p?x=1", "https://user@host/p?x=1"},
    /* no userinfo; '@' and ':' after the authority are data */
    {"https://example.com/b.dump", "https://example.com/b.dump"},
    {"https://host/a@b:c", "https://host/a@b:c"},
    {"https://host?q=a:b@c", "https://host?q=a:b@c"},
    {"https://host#u:p@x", "https://host#u:p@x"},
    /* query secrets, names compared case-insensitively */
    {"https://b.s3.amazonaws.com/k.dump?X-Amz-Algorithm=AWS4-HMAC-SHA256"
     "&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request"
     "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600"
     "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FQoGZXIvYXdzE"
     "&X-Amz-Signature=deadbeef00",
     "https://b.s3.amazonaws.com/k.dump?X-Amz-Algorithm=AWS4-HMAC-SHA256"
     "&X-Amz-Credential=****&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600"
     "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=****"
     "&X-Amz-Signature=****"},
    {"https://h/k?x-amz-signature=abc&X-AMZ-SIGNATURE=def&x-AmZ-cReDeNtIaL=g",
     "https://h/k?x-amz-signature=****&X-AMZ-SIGNATURE=****&x-AmZ-cReDeNtIaL=****"},
    {"https://h/?Password=x&TOKEN=y&sig=z&ok=1",
     "https://h/?Password=****&TOKEN=****&sig=****&ok=1"},
    /* names that merely contain a secret name are kept */
    {"https://h/?signature=a&passwords=b&xsig=c&my_token=d&X-Amz-Date=e",
     "https://h/?signature=a&passwords=b&xsig=c&my_token=d&X-Amz-Date=e"},
    /* no '=': nothing to hide; an empty value is still masked */
    {"https://h/?password&x", "https://h/?password&x"},
    {"https://h/?password=&x=1", "https://h/?password=****&x=1"},
    /* both at once */
    {"https://u:p@h/k?X-Amz-Signature=abc&a=b",
     "https://u:****@h/k?X-Amz-Signature=****&a=b"},
    /* fragments are copied as they are */
    {"https://h/p?sig=abc#sig=keep", "https://h/p?sig=****#sig=keep"},
    {"https://h/p?a=1&sig=abc&b=2#frag", "https://h/p?a=1&sig=****&b=2#frag"},
    {"https://u:p@h/p#frag", "https://u:****@h/p#frag"},
    {"https://u:p@h#", "https://u:****@h#"},
    /* no scheme: no userinfo, but query secrets still go */
    {"/var/backups/pg_%Y%m%d.dump", "/var/backups/pg_%Y%m%d.dump"},
    {"backups/x?password=abc&y=2", "backups/x?password=****&y=2"},
    {"", ""},
    {"?", "?"},
    {"https://", "https://"},
    {"https://@", "https://@"},
};

START_TEST(test_url)
{
    char *out = redact_url(urls[_i].in);

    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, urls[_i].want);
    free(out);
}
END_TEST

/* A long URL keeps everything but the secrets. */
START_TEST(test_url_long)
{
    size_t n = 20000;
    char *in = malloc(n + 64), *want = malloc(n + 64), *out;

    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(want);
    strcpy(in, "https://u:verysecret@h/");
    strcpy(want, "https://u:****@h/");
    memset(in + strlen(in), 'a', n);
    memset(want + strlen(want), 'a', n);
    in[23 + n] = '\0';
    want[17 + n] = '\0';
    strcat(in, "?sig=1");
    strcat(want, "?sig=****");
    out = redact_url(in);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, want);
    free(out);
    free(in);
    free(want);
}
END_TEST

/*
 * A "://" later in the string (inside a query value) is not this URL's
 * scheme: the query secrets before it are still masked.
 */
START_TEST(test_url_nested_scheme_in_query)
{
    static const char *const in[] = {
        "backups?password=s3cr3t&next=x://u:p@h",
        "?password=s3cr3t&u=a://b:c@d",
        "https://h/p?password=s3cr3t&next=https://u:p@h2",
    };

    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        char *out = redact_url(in[i]);

        ck_assert_ptr_nonnull(out);
        ck_assert_msg(strstr(out, "s3cr3t") == NULL, "'%s' -> '%s'", in[i],
                      out);
        ck_assert_ptr_nonnull(strstr(out, "password=****&"));
        free(out);
    }
}
END_TEST

/*
 * Each empty secret value grows the string by 4 bytes: many of them must
 * still fit the output buffer (under valgrind/ASan an overflow is an error;
 * in a plain build it corrupts the heap).
 */
START_TEST(test_url_many_empty_secrets)
{
    enum { N = 200 };
    char in[16 + N * 5], want[16 + N * 9], *out;
    size_t i;

    strcpy(in, "https://h/?");
    strcpy(want, "https://h/?");
    for (i = 0; i < N; i++) {
        strcat(in, i > 0 ? "&sig=" : "sig=");
        strcat(want, i > 0 ? "&sig=****" : "sig=****");
    }
    out = redact_url(in);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(strlen(out), strlen(want));
    ck_assert_str_eq(out, want);
    free(out);
}
END_TEST

static const struct {
    const char *in, *want;
} conninfos[] = {
    /* libpq's option order: user password dbname host port ... */
    {"host=db1 port=5432 dbname=app user=u password=secret",
     "user=u password=**** dbname=app host=db1 port=5432"},
    {"postgresql://u:secret@db1:5432/app?sslmode=require",
     "user=u password=**** dbname=app host=db1 port=5432 sslmode=require"},
    {"postgres://u@db1/app?password=secret",
     "user=u password=**** dbname=app host=db1"},
    {"host=/run/postgresql dbname=app", "dbname=app host=/run/postgresql"},
    {"sslpassword=secret host=x", "host=x sslpassword=****"},
    {"password='se cret' host=x", "password=**** host=x"},
    /* an empty value is left out */
    {"password='' host=x", "host=x"},
    {"", ""},
    /* unparsable */
    {"host", "(invalid conninfo)"},
    {"host=x nosuchoption=1", "(invalid conninfo)"},
    {"dbname='unterminated password=secret", "(invalid conninfo)"},
    {"postgresql://u:secret@[::1", "(invalid conninfo)"},
    {"https://u:secret@example.com/", "(invalid conninfo)"},
};

START_TEST(test_conninfo)
{
    char *out = redact_conninfo(conninfos[_i].in);

    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, conninfos[_i].want);
    ck_assert_ptr_null(strstr(out, "secret"));
    free(out);
}
END_TEST

Suite *
redact_suite(void)
{
    Suite *s = suite_create("redact");
    TCase *tu = tcase_create("url");
    TCase *tc = tcase_create("conninfo");

    tcase_add_loop_test(tu, test_url, 0, (int)(sizeof(urls) / sizeof(urls[0])));
    tcase_add_test(tu, test_url_long);
    tcase_add_test(tu, test_url_nested_scheme_in_query);
    tcase_add_test(tu, test_url_many_empty_secrets);
    suite_add_tcase(s, tu);
    tcase_add_loop_test(tc, test_conninfo, 0,
                        (int)(sizeof(conninfos) / sizeof(conninfos[0])));
    suite_add_tcase(s, tc);
    return s;
}
