/* http_get: a streamed HTTP(S) GET as a struct stream (libcurl), for every
 * remote source driver (http, s3): TLS verified, redirects that never carry
 * credentials to another host nor go from https to http, our own stall
 * timer, truncation checks, retries while nothing was read yet. */
#ifndef RD_HTTP_GET_H
#define RD_HTTP_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "restore/decode/stream.h"
#include "verifier/util/rd_err.h"

/* How every GET of a source behaves. */
struct http_get_opts {
    /* No byte for this long while we wait for one: RD_FETCH_STALLED.  Time
       the reader spends elsewhere (a busy restore) does not count. */
    int64_t stall_timeout_s;
    int retries;         /* more tries after a failure before any byte was
                            read from the stream (backoff 1 s, 2 s, 4 s...) */
    const char *ca_file; /* (borrowed) PEM CAs trusted besides the system's,
                            or NULL */
    /* Extra setup of each try's curl handle (an S3 driver signs here:
       CURLOPT_AWS_SIGV4, CURLOPT_USERPWD, CURLOPT_HTTPHEADER), called after
       curl_easy_reset() before every try, so a signature is always fresh;
       NULL for none.  ${curl} is a CURL *; what it hands to curl (a header
       slist) must outlive the stream.  Returns 0, or -1 with ${err}. */
    int (*setup)(void *curl, void *arg, struct rd_err *err);
    void *setup_arg;
};

/* What the answer said (filled once its headers came). */
struct http_meta {
    long status;          /* last HTTP status, 0 when none came */
    int64_t length;       /* Content-Length, -1 unknown */
    time_t last_modified; /* Last-Modified, -1 unknown */
    char content_type[128];
    char error_body[2048]; /* start of a non-2xx answer's body (S3 <Error>:
                              a driver may map it to its own code) */
    int tries;             /* attempts made */
};

/*
 * http_get_open(url, display, o, meta, err):
 * Start GET ${url} and wait for its first body byte (or its end).  ${display}
 * (the URL redacted, copied) names it in messages, which never hold ${url}
 * itself.  Returns the stream of the body, whose reads fail with
 * RD_FETCH_STALLED, RD_FETCH_TRUNCATED (fewer bytes than Content-Length,
 * a connection cut mid-body), RD_SOURCE_UNREACHABLE or RD_INTERRUPTED; or
 * NULL with ${err}: RD_ACCESS_DENIED (401, 403), RD_ARCHIVE_NOT_FOUND (404,
 * 410), RD_SOURCE_UNREACHABLE (connection, TLS, 5xx, a refused redirect, any
 * other status), RD_FETCH_STALLED.  ${meta} is filled either way.
 */
struct stream *http_get_open(const char *url, const char *display,
                             const struct http_get_opts *o,
                             struct http_meta *meta, struct rd_err *err);

/* http_get_meta(s): what the answer of stream ${s} (of http_get_open()) said.
 */
const struct http_meta *http_get_meta(struct stream *s);

/*
 * http_get_body(url, display, o, max, body, len, meta, err):
 * GET ${url} whole into ${body} (malloc'd, NUL-terminated, ${len} bytes);
 * more than ${max} bytes is RD_LISTING_INVALID.  Errors as http_get_open()
 * and its reads.  Returns 0 or -1.
 */
int http_get_body(const char *url, const char *display,
                  const struct http_get_opts *o, size_t max, char **body,
                  size_t *len, struct http_meta *meta, struct rd_err *err);

#endif
