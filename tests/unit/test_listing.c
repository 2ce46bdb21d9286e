/* test_listing: folder listings (JSON, nginx and Apache HTML, links) and
 * sha256 sidecar lines. */
#include <check.h>
#include <string.h>

#include "restore/source/listing.h"
#include "restore/source/s3_xml.h"
#include "restore/source/sidecar.h"

Suite *listing_suite(void);

static const struct archive_entry *
find(const struct archive_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

START_TEST(test_json)
{
    static const char body[] =
        "[\n{ \"name\":\"pg\", \"type\":\"directory\", \"mtime\":\"Thu, 26 Nov 2026 03:44:32 GMT\" },\n"
        "{ \"name\":\"a.dump\", \"type\":\"file\", \"mtime\":\"Thu, 26 Nov 2026 03:44:32 GMT\", \"size\":8 },\n"
        "{ \"name\":\"we ird \\\"q\\\" \\u00fc&x.txt\", \"type\":\"file\", \"mtime\":\"bad\" }\n]";
    struct archive_list l;
    struct rd_err err = {0};
    const struct archive_entry *e;

    archive_list_init(&l);
    ck_assert_int_eq(
        listing_parse(body, strlen(body), "application/json", "u", &l, &err),
        0);
    ck_assert_uint_eq(l.n, 2);
    e = find(&l, "a.dump");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->size, 8);
    ck_assert_int_eq((long long)e->mtime, 1795664672LL);
    e = find(&l, "we ird \"q\" \xc3\xbc&x.txt");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->size, -1);
    ck_assert_int_eq((long long)e->mtime, -1);
    archive_list_release(&l);

    ck_assert_int_eq(
        listing_parse("{\"x\":1}", 7, "application/json", "U/", &l, &err), -1);
    ck_assert_int_eq(err.code, RD_LISTING_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "'U/'"));
    ck_assert_int_eq(listing_parse("[{\"size\":1}]", 12, NULL, "U/", &l, &err),
                     -1);
    ck_assert_int_eq(err.code, RD_LISTING_INVALID);
    archive_list_release(&l);
}
END_TEST

START_TEST(test_html_nginx)
{
    static const char body[] =
        "<html><body><pre><a href=\"../\">../</a>\n"
        "<a href=\"sub/\">sub/</a>            04-Dec-2026 21:22         -\n"
        "<a href=\"./a:b.dump\">a:b.dump</a>   04-Dec-2026 21:22      1234\n"
        "<a href=\"app%20x%26y.sql\">app x&amp;y.sql</a>  26-Nov-2026 03:44   10\n"
        "</pre></body></html>";
    struct archive_list l;
    struct rd_err err = {0};
    const struct archive_entry *e;

    archive_list_init(&l);
    ck_assert_int_eq(
        listing_parse(body, strlen(body), "text/html", "u", &l, &err), 0);
    ck_assert_uint_eq(l.n, 2);
    e = find(&l, "a:b.dump");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->size, 1234);
    e = find(&l, "app x&y.sql");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->size, 10);
    ck_assert_int_eq((long long)e->mtime, 1795664640LL); /* minutes only */
    archive_list_release(&l);
}
END_TEST

START_TEST(test_html_apache_links)
{
    static const char apache[] =
        "<tr><td><a href=\"?C=N;O=D\">Name</a></td></tr>\n"
        "<tr><td><a href=\"/\">Parent Directory</a></td></tr>\n"
        "<tr><td><img src=\"x.gif\"></td><td><a href=\"big.dump\">big.dump</a></td><td align=\"right\">2026-11-26 03:44  </td><td align=\"right\">131M</td></tr>\n"
        "<tr><td><a href='small.sql'>small.sql</a></td><td align=\"right\">2026-11-26 03:44  </td><td align=\"right\">512 </td></tr>\n";
    static const char links[] =
        "<p><a href=\"https://elsewhere.example/x.dump\">x</a> "
        "<A HREF=latest.dump>latest</A> <a class=x href=\"b.dump?sig=1#f\">b</a>"
        " <a href=\"javascript:alert(1)\">j</a> <a href=\"//h/c.dump\">c</a>";
    struct archive_list l;
    struct rd_err err = {0};
    const struct archive_entry *e;

    archive_list_init(&l);
    ck_assert_int_eq(listing_parse_html(apache, strlen(apache), "u", &l, &err),
                     0);
    ck_assert_uint_eq(l.n, 2);
    e = find(&l, "big.dump");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->size, -1); /* "131M" is not exact */
    ck_assert_int_eq((long long)e->mtime, 1795664640LL);
    e = find(&l, "small.sql");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->size, 512);
    archive_list_release(&l);

    ck_assert_int_eq(listing_parse_html(links, strlen(links), "u", &l, &err),
                     0);
    ck_assert_uint_eq(l.n, 2);
    ck_assert_ptr_nonnull(find(&l, "latest.dump"));
    ck_assert_ptr_nonnull(find(&l, "b.dump"));
    ck_assert_int_eq((long long)find(&l, "b.dump")->mtime, -1);
    archive_list_release(&l);
}
END_TEST

START_TEST(test_http_date)
{
    ck_assert_int_eq(
        (long long)listing_http_date("Thu, 26 Nov 2026 03:44:32 GMT"),
        1795664672LL);
    ck_assert_int_eq((long long)listing_http_date("Thu, 26 Nov 2026 03:44:32"),
                     -1);
    ck_assert_int_eq(
        (long long)listing_http_date("Thu, 26 Foo 2026 03:44:32 GMT"), -1);
    ck_assert_int_eq(
        (long long)listing_http_date("Thu, 26 Nov 2026 25:44:32 GMT"), -1);
    ck_assert_int_eq((long long)listing_http_date(NULL), -1);
}
END_TEST

#define SL(s) s, strlen(s)
#define H64   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST(test_sidecar)
{
    char hex[65], why[300];

    ck_assert_int_eq(sidecar_parse(SL(H64 "  app.dump\n"), "app.dump", hex, why,
                                   sizeof(why)),
                     0);
    ck_assert_str_eq(hex, H64);
    ck_assert_int_eq(
        sidecar_parse(
            SL("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef *x/app.dump"),
            "app.dump", hex, why, sizeof(why)),
        0);
    ck_assert_str_eq(hex, H64);
    ck_assert_int_eq(sidecar_parse(SL(H64 "  other.dump\n"), "app.dump", hex,
                                   why, sizeof(why)),
                     -1);
    ck_assert_str_eq(why, "it names 'other.dump', not 'app.dump'");
    ck_assert_int_eq(
        sidecar_parse(SL(H64 "  a\n" H64 "  b\n"), "a", hex, why, sizeof(why)),
        -1);
    ck_assert_str_eq(why, "it holds more than one line");
    ck_assert_int_eq(sidecar_parse(SL(H64 "  app.dump\r\n"), "app.dump", hex,
                                   why, sizeof(why)),
                     -1);
    ck_assert_int_eq(
        sidecar_parse(SL(H64 " app.dump"), "app.dump", hex, why, sizeof(why)),
        -1);
    ck_assert_int_eq(
        sidecar_parse(
            SL("z123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  a"),
            "a", hex, why, sizeof(why)),
        -1);
    ck_assert_int_eq(sidecar_parse(SL(H64), "a", hex, why, sizeof(why)), -1);
}
END_TEST

#define S3HEAD                                                       \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult " \
    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"

START_TEST(test_s3_list)
{
    const char *x =
        S3HEAD "<Name>b</Name><Prefix>pg/</Prefix><KeyCount>2</KeyCount>"
               "<IsTruncated>true</IsTruncated>"
               "<NextContinuationToken>a+b/c==</NextContinuationToken>"
               "<Contents><Key>pg/app 1 &amp; \xc3\xa9.sql</Key>"
               "<LastModified>2026-11-26T03:43:32.000Z</LastModified>"
               "<ETag>&quot;8a01&quot;</ETag><Size>3000000</Size></Contents>"
               "<Contents><Key>pg/b</Key><Size>0</Size></Contents>"
               "<CommonPrefixes><Prefix>pg/sub/</Prefix></CommonPrefixes>"
               "</ListBucketResult>";
    struct s3_page pg = {0};
    char why[200];

    ck_assert_int_eq(s3_xml_list(x, strlen(x), &pg, why, sizeof(why)), 0);
    ck_assert_uint_eq(pg.n, 2);
    ck_assert_str_eq(pg.objs[0].key, "pg/app 1 & \xc3\xa9.sql");
    ck_assert_int_eq(pg.objs[0].size, 3000000);
    ck_assert_int_eq((long)pg.objs[0].mtime, 1795664612L);
    ck_assert_str_eq(pg.objs[1].key, "pg/b");
    ck_assert_int_eq((long)pg.objs[1].mtime, -1);
    ck_assert(pg.truncated);
    ck_assert_str_eq(pg.next_token, "a+b/c==");
    s3_page_free(&pg);
}
END_TEST

START_TEST(test_s3_list_refused)
{
    static const char *const bad[] = {
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]>"
        "<ListBucketResult><Contents><Key>&a;</Key></Contents>"
        "</ListBucketResult>",
        "<ListBucketResult><Contents><Key>&nope;</Key></Contents>"
        "</ListBucketResult>",
        "<Error><Code>AccessDenied</Code></Error>",
        "<ListBucketResult><Contents><Size>1</Size></Contents>"
        "</ListBucketResult>",
        "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
        "</ListBucketResult>",
        "<ListBucketResult><a><b><c><d><e><f><g><h><i></i></h></g></f></e>"
        "</d></c></b></a></ListBucketResult>",
        "<ListBucketResult>",
        "not xml",
    };
    char why[200];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct s3_page pg = {0};

        ck_assert_msg(
            s3_xml_list(bad[i], strlen(bad[i]), &pg, why, sizeof(why)) == -1,
            "accepted #%zu", i);
        ck_assert(why[0] != '\0');
        s3_page_free(&pg);
    }
    ck_assert_int_eq(s3_time("2026-11-26T03:43:32Z"), 1795664612L);
    ck_assert_int_eq(s3_time("2026-11-26 03:43:32"), -1);
}
END_TEST

START_TEST(test_s3_error)
{
    const char *x = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code>"
                    "<Message>Please\nreduce</Message><RequestId>1"
                    "</RequestId></Error>";
    char code[64], msg[256];

    ck_assert_int_eq(
        s3_xml_error(x, strlen(x), code, sizeof(code), msg, sizeof(msg)), 0);
    ck_assert_str_eq(code, "SlowDown");
    ck_assert_str_eq(msg, "Please?reduce");
    ck_assert_int_eq(s3_xml_error(SL("<Error><Message>m</Message></Error>"),
                                  code, sizeof(code), msg, sizeof(msg)),
                     -1);
    ck_assert_int_eq(s3_xml_error(SL("<html>503</html>"), code, sizeof(code),
                                  msg, sizeof(msg)),
                     -1);
    ck_assert_str_eq(code, "");
}
END_TEST

Suite *
listing_suite(void)
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_html_nginx);
    tcase_add_test(tc, test_html_apache_links);
    tcase_add_test(tc, test_http_date);
    tcase_add_test(tc, test_sidecar);
    tcase_add_test(tc, test_s3_list);
    tcase_add_test(tc, test_s3_list_refused);
    tcase_add_test(tc, test_s3_error);
    suite_add_tcase(s, tc);
    return s;
}
