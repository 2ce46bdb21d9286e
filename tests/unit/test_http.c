/* test_http: the URL checker's edge cases (the rest is in test_alert). */
#include <check.h>

#include "verifier/util/http.h"

Suite *http_suite(void);

/* curl reads "http:/h/x" as host "h"; RFC 3986 reads no host there, and
 * neither does the checker any more (found by fuzz_http_url). */
START_TEST(test_url_check_slashes)
{
    char why[160];

    ck_assert_int_eq(
        http_url_check("http:/-user:p%40ss@[::1]:8080/ping/", why, sizeof(why)),
        -1);
    ck_assert_str_eq(why, "the URL has no host");
    ck_assert_int_eq(
        http_url_check("https:/hooks.example.com/x", why, sizeof(why)), -1);
    ck_assert_str_eq(why, "the URL has no host");
    ck_assert_int_eq(
        http_url_check("https:hooks.example.com/x", why, sizeof(why)), -1);
    ck_assert_int_eq(
        http_url_check("http://user:p%40ss@[::1]:8080/ping/", why, sizeof(why)),
        0);
    ck_assert_int_eq(http_url_check("HTTPS://hooks.example.com:443/x?a=b#c",
                                    why, sizeof(why)),
                     0);
}
END_TEST

Suite *
http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("url");

    tcase_add_test(tc, test_url_check_slashes);
    suite_add_tcase(s, tc);
    return s;
}
