/* http: small HTTP requests for alerts and pings (libcurl), with retries. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "verifier/util/http.h"

#ifndef RD_VERSION
#define RD_VERSION "0"
#endif

#define BODY_KEEP 200 /* bytes of an error answer kept for the message */

void
http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The first BODY_KEEP bytes of the answer; the rest is discarded. */
struct answer {
    char text[BODY_KEEP + 1];
    size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct answer *a = ctx;
    size_t got = size * n, take = BODY_KEEP - a->len;

    if (take > got)
        take = got;
    memcpy(a->text + a->len, p, take);
    a->len += take;
    a->text[a->len] = '\0';
    return got;
}

/* Sleep ${s} seconds, resuming after signal interruptions. */
static void
pause_s(int s)
{
    struct timespec t = {.tv_sec = s, .tv_nsec = 0};

    while (nanosleep(&t, &t) != 0)
        ;
}

/* The answer as one printable line (control bytes become spaces). */
static void
tidy(char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = ' ';
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
}

/* Replace every copy of ${secret} in ${s} by "****". */
void
http_scrub(char *s, size_t cap, const char *secret)
{
    char *p;

    if (secret == NULL || strlen(secret) < 1)
        return;
    while ((p = strstr(s, secret)) != NULL) {
        size_t sl = strlen(secret), rest = strlen(p + sl);

        if ((size_t)(p - s) + 4 + rest + 1 > cap)
            break;
        memmove(p + 4, p + sl, rest + 1);
        memcpy(p, "****", 4);
    }
}

/* Whether a failed try deserves another one. */
bool
http_retryable(int curl_code, long status)
{
    CURLcode rc = (CURLcode)curl_code;

    if (rc == CURLE_OK)
        return status >= 500 || status == 429;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false; /* TLS trust, bad URL, ...: the same next time */
    }
}

/* The password of ${url} (curl_free() it), to keep it out of curl's
 * messages; NULL when none. */
char *
http_url_password(const char *url)
{
    char *password = NULL;
    CURLU *u = curl_url();

    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
        (void)curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE);
    curl_url_cleanup(u);
    return password;
}

/* What ${h} sends: http(s) only, verified TLS, no redirects, ${rq}'s
 * timeouts and body. */
static void
set_options(CURL *h, const struct http_req *rq, struct curl_slist *hdr,
            struct answer *ans, char *errbuf)
{
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "restoredrill/" RD_VERSION);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT,
                     (long)(rq->timeout_s < 10 ? rq->timeout_s : 10));
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)rq->timeout_s);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
    if (strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS,
                         rq->body != NULL ? rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(rq->body != NULL ? rq->body_len : 0));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
}

/* Try up to ${tries} times; the last try's outcome. */
static CURLcode
perform(CURL *h, int tries, struct http_res *res, struct answer *ans,
        char *errbuf)
{
    CURLcode rc;

    for (res->tries = 1;; res->tries++) {
        errbuf[0] = '\0';
        memset(ans, 0, sizeof(*ans));
        res->status = 0;
        rc = curl_easy_perform(h);
        if (rc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
        if (rc == CURLE_OK && res->status >= 200 && res->status < 300) {
            res->delivered = true;
            break;
        }
        if (res->tries >= tries || !http_retryable((int)rc, res->status))
            break;
        pause_s(res->tries); /* 1 s, then 2 s */
    }
    return rc;
}

/* res->msg for the last try's ${rc}, without ${password}. */
static void
describe(const struct http_req *rq, struct http_res *res, CURLcode rc,
         struct answer *ans, char *errbuf, const char *password)
{
    char after[32] = "";

    if (res->tries > 1)
        snprintf(after, sizeof(after), " after %d tries", res->tries);
    if (res->delivered) {
        snprintf(res->msg, sizeof(res->msg), "HTTP %ld%s", res->status, after);
    } else if (rc == CURLE_OK && res->status >= 300 && res->status < 400) {
        snprintf(res->msg, sizeof(res->msg),
                 "HTTP %ld: redirects are not followed; configure the "
                 "final URL",
                 res->status);
    } else if (rc == CURLE_OK) {
        tidy(ans->text);
        snprintf(res->msg, sizeof(res->msg), "HTTP %ld%s%s%s", res->status,
                 after, ans->text[0] != '\0' ? ": " : "", ans->text);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(res->msg, sizeof(res->msg), "timed out after %ds (%d %s)",
                 rq->timeout_s, res->tries, res->tries == 1 ? "try" : "tries");
    } else {
        tidy(errbuf);
        snprintf(res->msg, sizeof(res->msg), "%s%s",
                 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), after);
    }
    http_scrub(res->msg, sizeof(res->msg), password);
}

int
http_send(const struct http_req *rq, struct http_res *res)
{
    char errbuf[CURL_ERROR_SIZE];
    char *password;
    struct curl_slist *hdr = NULL;
    char ctype[128];
    CURL *h;
    CURLcode rc;
    struct answer ans;

    memset(res, 0, sizeof(*res));
    password = http_url_password(rq->url);
    h = curl_easy_init();
    snprintf(ctype, sizeof(ctype), "Content-Type: %s",
             rq->content_type != NULL ? rq->content_type : "application/json");
    hdr = curl_slist_append(hdr, ctype);
    if (hdr != NULL)
        hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue wait */
    if (h == NULL || hdr == NULL) {
        snprintf(res->msg, sizeof(res->msg), "out of memory");
    } else {
        set_options(h, rq, hdr, &ans, errbuf);
        rc = perform(h, rq->tries < 1 ? 1 : rq->tries, res, &ans, errbuf);
        describe(rq, res, rc, &ans, errbuf, password);
    }
    curl_slist_free_all(hdr);
    if (h != NULL)
        curl_easy_cleanup(h);
    curl_free(password);
    return res->delivered ? 0 : -1;
}

int
http_url_check(const char *url, char *why, size_t len)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;

    if (u == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    /* curl reads "http:///x" as host "x": the host must follow "//". */
    if (strstr(url, "://") != NULL && strstr(url, "://")[3] == '/') {
        snprintf(why, len, "the URL has no host");
        curl_url_cleanup(u);
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
        CURLUE_OK) {
        snprintf(why, len,
                 "not a valid URL (use http://host/path or https://host/path)");
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcasecmp(scheme, "http") != 0 &&
                strcasecmp(scheme, "https") != 0)) {
        snprintf(why, len, "only http:// and https:// URLs are supported");
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
               host[0] == '\0' ||
               strncmp(url + strlen(scheme), "://", 3) != 0) {
        /* curl also reads "http:/x" as host "x" */
        snprintf(why, len, "the URL has no host");
    } else {
        rc = 0;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

char *
http_url_append(const char *url, const char *seg)
{
    CURLU *u = curl_url();
    char *path = NULL, *out = NULL, *joined = NULL;
    size_t n;

    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        goto done;
    n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    joined = malloc(n + strlen(seg) + 2);
    if (joined == NULL)
        goto done;
    snprintf(joined, n + strlen(seg) + 2, "%.*s/%s", (int)n, path, seg);
    if (curl_url_set(u, CURLUPART_PATH, joined, 0) == CURLUE_OK) {
        char *full = NULL;

        if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK) {
            out = strdup(full);
            curl_free(full);
        }
    }
done:
    free(joined);
    curl_free(path);
    curl_url_cleanup(u);
    return out;
}
