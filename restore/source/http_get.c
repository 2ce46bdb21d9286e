/* http_get: a streamed HTTP(S) GET as a struct stream.
 *
 * The transfer runs on a curl multi handle driven from read(): bytes go
 * into a bounded buffer, and when the reader is slower than the network the
 * transfer is paused (CURL_WRITEFUNC_PAUSE), so memory stays constant and
 * the server sees TCP backpressure.  The stall timer only runs while read()
 * waits with an empty buffer: it measures a silent server, never a busy
 * reader (libcurl's LOW_SPEED options measure both, and misfire). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "verifier/util/http.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "restore/source/http_get.h"

#define BUF_BYTES   (256 * 1024) /* what one transfer holds unread */
#define POLL_MS     200
#define MAX_BACKOFF 30

struct hget {
    struct stream s;
    CURLM *m;
    CURL *e;
    char *url, *display, *password; /* (owned) */
    struct http_get_opts o;
    struct http_meta meta;
    unsigned char *buf; /* (owned) cap bytes; len unread from off */
    size_t cap, off, len;
    bool paused, body, done, added;
    CURLcode result;
    int64_t received;  /* body bytes of this try */
    int64_t delivered; /* bytes read() returned: no retry after one */
    int64_t last_ms;   /* when the network last gave us a byte */
    char errbuf[CURL_ERROR_SIZE];
};

static int64_t
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The answer's headers into meta (once the body starts, and at the end). */
static void
take_meta(struct hget *h)
{
    curl_off_t cl = -1, ft = -1;
    char *ct = NULL;

    curl_easy_getinfo(h->e, CURLINFO_RESPONSE_CODE, &h->meta.status);
    curl_easy_getinfo(h->e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    curl_easy_getinfo(h->e, CURLINFO_FILETIME_T, &ft);
    curl_easy_getinfo(h->e, CURLINFO_CONTENT_TYPE, &ct);
    h->meta.length = (int64_t)cl;
    h->meta.last_modified = (time_t)ft;
    snprintf(h->meta.content_type, sizeof(h->meta.content_type), "%s",
             ct != NULL ? ct : "");
}

static bool
ok_status(long status)
{
    return status >= 200 && status < 300;
}

static size_t
on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct hget *h = ctx;

    (void)p;
    h->last_ms = now_ms();
    return size * n;
}

static size_t
on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct hget *h = ctx;
    size_t got = size * n;

    h->last_ms = now_ms();
    if (!h->body) {
        h->body = true;
        take_meta(h);
    }
    if (!ok_status(h->meta.status)) {
        size_t have = strlen(h->meta.error_body);
        size_t room = sizeof(h->meta.error_body) - 1 - have;

        memcpy(h->meta.error_body + have, p, got < room ? got : room);
        h->meta.error_body[have + (got < room ? got : room)] = '\0';
        return got;
    }
    if (h->off > 0 && h->cap - h->off - h->len < got) {
        memmove(h->buf, h->buf + h->off, h->len);
        h->off = 0;
    }
    if (h->cap - h->off - h->len < got) {
        if (h->len > 0) {
            h->paused = true; /* curl hands the same bytes again later */
            return CURL_WRITEFUNC_PAUSE;
        }
        unsigned char *nb = realloc(h->buf, got); /* a chunk over cap */

        if (nb == NULL)
            return 0; /* curl fails with CURLE_WRITE_ERROR */
        h->buf = nb;
        h->cap = got;
    }
    memcpy(h->buf + h->off + h->len, p, got);
    h->len += got;
    h->received += (int64_t)got;
    return got;
}

/* One try's handle; 0, or -1 with ${err}. */
static int
setup_easy(struct hget *h, struct rd_err *err)
{
    bool tls = strncasecmp(h->url, "https:", 6) == 0;
    long conn = h->o.stall_timeout_s > 0 && h->o.stall_timeout_s < 300
                    ? (long)h->o.stall_timeout_s
                    : 300L;
    CURL *e = h->e;

    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, h->url);
    /* https never falls back to http, not even by a redirect */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, tls ? "https" : "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR,
                     tls ? "https" : "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
    /* credentials go to the URL's own host only (libcurl's default, made
       explicit) */
    curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    /* CAINFO replaces the bundle file, CAPATH (/etc/ssl/certs) still holds
       the system's CAs: ca_file adds to them */
    if (h->o.ca_file != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->o.ca_file);
    curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "restoredrill/" RD_VERSION);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, conn);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 65536L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    if (h->o.setup != NULL && h->o.setup(e, h->o.setup_arg, err) != 0)
        return -1;
    return 0;
}

/* Begin a (new) try.  0, or -1 with ${err}. */
static int
start(struct hget *h, struct rd_err *err)
{
    if (h->added)
        curl_multi_remove_handle(h->m, h->e);
    h->added = false;
    h->off = h->len = 0;
    h->paused = h->body = h->done = false;
    h->received = 0;
    h->errbuf[0] = '\0';
    h->meta.status = 0;
    h->meta.length = -1;
    h->meta.last_modified = (time_t)-1;
    h->meta.content_type[0] = h->meta.error_body[0] = '\0';
    h->meta.tries++;
    if (setup_easy(h, err) != 0)
        return -1;
    if (curl_multi_add_handle(h->m, h->e) != CURLM_OK)
        return rd_err_set(err, RD_INTERNAL, "cannot start a transfer");
    h->added = true;
    h->last_ms = now_ms();
    return 0;
}

/* A one-line curl message without the URL's password. */
static const char *
curl_why(struct hget *h)
{
    size_t n;

    if (h->errbuf[0] == '\0')
        snprintf(h->errbuf, sizeof(h->errbuf), "%s",
                 curl_easy_strerror(h->result));
    n = strlen(h->errbuf);
    while (n > 0 && (h->errbuf[n - 1] == '\n' || h->errbuf[n - 1] == ' '))
        h->errbuf[--n] = '\0';
    http_scrub(h->errbuf, sizeof(h->errbuf), h->password);
    return h->errbuf;
}

/* The verdict of a non-2xx answer. */
static int
status_err(struct hget *h, struct rd_err *err)
{
    long st = h->meta.status;

    if (st == 401 || st == 403)
        return rd_err_set(
            err, RD_ACCESS_DENIED,
            "cannot fetch '%s': HTTP %ld (access denied)\nHINT: check the credentials in the URL (user:password@) and the server's access rules",
            h->display, st);
    if (st == 404 || st == 410)
        return rd_err_set(
            err, RD_ARCHIVE_NOT_FOUND,
            "cannot fetch '%s': HTTP %ld (not found)\nHINT: check the URL; 'restoredrill list' shows what the source holds",
            h->display, st);
    return rd_err_set(
        err, RD_SOURCE_UNREACHABLE,
        "cannot fetch '%s': HTTP %ld%s\nHINT: check the server; a 5xx is usually passing, run again",
        h->display, st, h->meta.tries > 1 ? " (after retries)" : "");
}

/* The verdict of a transfer that ended: 0 for a whole 2xx body. */
static int
finish(struct hget *h, struct rd_err *err)
{
    CURLcode rc = h->result;

    if (rc == CURLE_OK) {
        take_meta(h);
        if (!ok_status(h->meta.status))
            return status_err(h, err);
        if (h->meta.length >= 0 && h->received != h->meta.length)
            rc = CURLE_PARTIAL_FILE;
        else
            return 0;
    }
    if (rc == CURLE_PARTIAL_FILE ||
        (h->received > 0 &&
         (rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
          rc == CURLE_HTTP2_STREAM)))
        return rd_err_set(
            err, RD_FETCH_TRUNCATED,
            "fetch of '%s' ended after %lld of %s bytes: %s\nHINT: the connection was cut; run again, and if it keeps happening check the server and any proxy in between",
            h->display, (long long)(h->delivered + h->received),
            h->meta.length >= 0 ? "the announced" : "an unknown number of",
            curl_why(h));
    if (rc == CURLE_PEER_FAILED_VERIFICATION ||
        rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR)
        return rd_err_set(
            err, RD_SOURCE_UNREACHABLE,
            "cannot fetch '%s': TLS: %s\nHINT: a server whose certificate a private CA signed needs ca_file = /path/to/ca.pem",
            h->display, curl_why(h));
    if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_TOO_MANY_REDIRECTS)
        return rd_err_set(
            err, RD_SOURCE_UNREACHABLE,
            "cannot fetch '%s': refused redirect: %s\nHINT: https is never redirected to http; set source to the final URL",
            h->display, curl_why(h));
    return rd_err_set(err, RD_SOURCE_UNREACHABLE,
                      "cannot fetch '%s': %s\nHINT: check the URL, the network "
                      "and that the server is up",
                      h->display, curl_why(h));
}

/* Note the end of the transfer (curl's done message). */
static void
collect(struct hget *h)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(h->m, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->e) {
            h->done = true;
            h->result = msg->data.result;
        }
}

/*
 * Drive the transfer until it has unread bytes or is done.  0, or -1 with
 * RD_FETCH_STALLED (nothing arrived for stall_timeout while we waited) or
 * RD_INTERRUPTED.
 */
static int
pump(struct hget *h, struct rd_err *err)
{
    int64_t begin = now_ms(), stall = h->o.stall_timeout_s * 1000;
    int running;

    while (h->len == 0 && !h->done) {
        int64_t quiet;

        if (h->paused) {
            h->paused = false;
            curl_easy_pause(h->e, CURLPAUSE_CONT);
        }
        curl_multi_perform(h->m, &running);
        collect(h);
        if (h->len > 0 || h->done)
            break;
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED,
                              "fetch of '%s' interrupted by %s", h->display,
                              sig_name(sig_pending()));
        quiet = now_ms() - (h->last_ms > begin ? h->last_ms : begin);
        if (stall > 0 && quiet >= stall)
            return rd_err_set(
                err, RD_FETCH_STALLED,
                "fetch of '%s' stalled: no byte for %llds after %lld bytes\nHINT: the server stopped sending; run again, or raise stall_timeout for a slow link",
                h->display, (long long)h->o.stall_timeout_s,
                (long long)(h->delivered + h->received));
        curl_multi_poll(h->m, NULL, 0, POLL_MS, NULL);
    }
    return 0;
}

/* After a failed try: start another one when nothing was read yet, the
 * failure may pass and tries are left (true), else false. */
static bool
retry(struct hget *h, struct rd_err *err)
{
    bool passing;
    int wait;

    passing = err->code == RD_FETCH_STALLED ||
              err->code == RD_FETCH_TRUNCATED ||
              (err->code == RD_SOURCE_UNREACHABLE &&
               http_retryable((int)h->result, h->meta.status));
    if (h->delivered > 0 || !passing || h->meta.tries > h->o.retries ||
        sig_pending() != 0)
        return false;
    wait = 1 << (h->meta.tries - 1 < 5 ? h->meta.tries - 1 : 5);
    wait = wait > MAX_BACKOFF ? MAX_BACKOFF : wait;
    log_warn("%s: %.*s; trying again in %ds (try %d of %d)",
             rd_code_name(err->code), (int)strcspn(err->msg, "\n"), err->msg,
             wait, h->meta.tries + 1, h->o.retries + 1);
    for (int64_t end = now_ms() + wait * 1000;
         now_ms() < end && sig_pending() == 0;) {
        struct timespec t = {0, 50 * 1000000};

        nanosleep(&t, NULL);
    }
    if (sig_pending() != 0)
        return false;
    rd_err_clear(err);
    h->result = CURLE_OK;
    return start(h, err) == 0;
}

static ssize_t
hget_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct hget *h = (struct hget *)s;

    for (;;) {
        if (h->len > 0) {
            size_t n = h->len < cap ? h->len : cap;

            memcpy(buf, h->buf + h->off, n);
            h->off += n;
            h->len -= n;
            if (h->len == 0)
                h->off = 0;
            h->delivered += (int64_t)n;
            if (!h->done && h->cap - h->len >= h->cap / 2) {
                int running;

                /* keep the network busy while the reader works */
                if (h->paused) {
                    h->paused = false;
                    curl_easy_pause(h->e, CURLPAUSE_CONT);
                }
                curl_multi_perform(h->m, &running);
                collect(h);
            }
            return (ssize_t)n;
        }
        if (h->done) {
            if (finish(h, err) == 0)
                return 0; /* every byte read, and the transfer was whole */
        } else if (pump(h, err) == 0) {
            continue; /* bytes came, or the end: judged above */
        }
        if (!retry(h, err))
            return -1;
    }
}

static void
hget_free(struct stream *s)
{
    struct hget *h = (struct hget *)s;

    if (h->added)
        curl_multi_remove_handle(h->m, h->e);
    if (h->e != NULL)
        curl_easy_cleanup(h->e);
    if (h->m != NULL)
        curl_multi_cleanup(h->m);
    free(h->buf);
    free(h->url);
    free(h->display);
    curl_free(h->password);
    free(h);
}

const struct http_meta *
http_get_meta(struct stream *s)
{
    return &((struct hget *)s)->meta;
}

/* Wait for the first body byte or the end, retrying what may pass. */
static int
wait_first(struct hget *h, struct rd_err *err)
{
    for (;;) {
        int rc = pump(h, err);

        if (rc == 0 && h->len > 0)
            return 0;
        if (rc == 0 && finish(h, err) == 0)
            return 0;
        if (!retry(h, err))
            return -1;
    }
}

struct stream *
http_get_open(const char *url, const char *display,
              const struct http_get_opts *o, struct http_meta *meta,
              struct rd_err *err)
{
    struct hget *h = calloc(1, sizeof(*h));

    memset(meta, 0, sizeof(*meta));
    meta->length = -1;
    meta->last_modified = (time_t)-1;
    if (h == NULL || (h->url = strdup(url)) == NULL ||
        (h->display = strdup(display)) == NULL ||
        (h->buf = malloc(BUF_BYTES)) == NULL ||
        (h->m = curl_multi_init()) == NULL ||
        (h->e = curl_easy_init()) == NULL) {
        if (h != NULL)
            hget_free(&h->s);
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    h->cap = BUF_BYTES;
    h->o = *o;
    h->password = http_url_password(url);
    h->s.read = hget_read;
    h->s.free = hget_free;
    h->s.name = h->display;
    if (start(h, err) != 0 || wait_first(h, err) != 0) {
        *meta = h->meta;
        hget_free(&h->s);
        return NULL;
    }
    *meta = h->meta;
    return &h->s;
}

int
http_get_body(const char *url, const char *display,
              const struct http_get_opts *o, size_t max, char **body,
              size_t *len, struct http_meta *meta, struct rd_err *err)
{
    struct stream *s = http_get_open(url, display, o, meta, err);
    size_t cap = 65536, n = 0;
    char *b = NULL;
    ssize_t got;

    *body = NULL;
    *len = 0;
    if (s == NULL)
        return -1;
    do {
        if (n + 1 >= cap || b == NULL) {
            char *nb;

            if (n >= max) {
                stream_free(s);
                free(b);
                return rd_err_set(
                    err, RD_LISTING_INVALID,
                    "listing '%s' is larger than %zu bytes\nHINT: point source at a folder with fewer files",
                    display, max);
            }
            cap = b == NULL ? cap : cap * 2;
            if ((nb = realloc(b, cap + 1)) == NULL) {
                stream_free(s);
                free(b);
                return rd_err_set(err, RD_INTERNAL, "out of memory");
            }
            b = nb;
        }
        got = stream_read(s, b + n, cap - n, err);
        if (got > 0)
            n += (size_t)got;
    } while (got > 0);
    *meta = *http_get_meta(s);
    stream_free(s);
    if (got < 0) {
        free(b);
        return -1;
    }
    b[n] = '\0';
    *body = b;
    *len = n;
    return 0;
}
