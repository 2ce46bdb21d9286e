/* http: small HTTP requests for alerts and pings (libcurl), with retries. */
#ifndef RD_HTTP_H
#define RD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_req {
    const char *method; /* "GET" or "POST" */
    const char *url;    /* (borrowed) http:// or https:// */
    const char *body;   /* POST body (borrowed), may be NULL */
    size_t body_len;
    const char *content_type; /* of the body; NULL: application/json */
    int timeout_s;            /* each try; connect within min(10, this) */
    int tries;                /* attempts, >= 1 */
};

struct http_res {
    long status;    /* last HTTP status; 0 when no response came */
    int tries;      /* attempts made */
    bool delivered; /* a 2xx answer */
    char msg[512];  /* "HTTP 200", "HTTP 500 after 3 tries: ...", "timed out
                       after 2s (3 tries)"; never the URL or its credentials */
};

/* http_global_init(): once, at start-up, before any other thread exists. */
void http_global_init(void);

/*
 * http_send(rq, res):
 * Send ${rq}; TLS peers are verified, redirects are never followed (a 3xx is
 * a failure: a POST must not be replayed elsewhere), only http and https are
 * spoken.  Connection errors, timeouts, 5xx and 429 are retried after 1 s,
 * then 2 s; anything else is final.  Returns 0 when delivered, else -1.
 */
int http_send(const struct http_req *rq, struct http_res *res);

/*
 * http_url_check(url, why, len): 0 when ${url} is an absolute http(s) URL
 * with a host after "://"; else -1 with the reason in ${why}.
 */
int http_url_check(const char *url, char *why, size_t len);

/*
 * http_url_append(url, seg): ${url} with "/${seg}" added to its path (a
 * trailing '/' is not doubled; a ?query stays at the end), malloc'd; NULL
 * when ${url} cannot be parsed or memory ran out.
 */
char *http_url_append(const char *url, const char *seg);

/* http_scrub(s, cap, secret): every copy of ${secret} (NULL or "": none) in
 * ${s} replaced by "****". */
void http_scrub(char *s, size_t cap, const char *secret);

/* http_retryable(curl_code, status): whether a try that ended with CURLcode
 * ${curl_code} (and, when that is CURLE_OK, HTTP ${status}) may pass when
 * tried again: connection errors, timeouts, cut transfers, 5xx, 429. */
bool http_retryable(int curl_code, long status);

/* http_url_password(url): the decoded password of ${url}'s userinfo
 * (curl_free() it), or NULL when there is none. */
char *http_url_password(const char *url);

#endif
