/* source_s3: archives in S3 or S3-compatible storage (MinIO, Ceph, Garage,
 * Backblaze, Wasabi...).  s3://bucket/prefix is a folder: the objects right
 * under prefix/ (ListObjectsV2 with delimiter '/', every page), fetched by
 * GetObject through http_get.c.  Requests are signed with libcurl's SigV4
 * (CURLOPT_AWS_SIGV4), which in libcurl 7.88 neither adds
 * x-amz-content-sha256 nor sorts or encodes the query: we add the header
 * and build every query sorted by name, RFC 3986 encoded. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "verifier/util/http.h"
#include "verifier/util/log.h"

#include "restore/source/http_get.h"
#include "restore/source/s3_creds.h"
#include "restore/source/s3_xml.h"
#include "restore/source/source.h"

#define MAX_PAGES 100000

/* sha256 of the empty body: what every GET signs as its payload */
#define EMPTY_SHA256 \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3_ctx {
    char *bucket, *prefix; /* (owned) prefix "" or ending in '/' */
    char *base;            /* (owned) the bucket's URL, no trailing '/' */
    bool host_style;
    char sigv4[96]; /* "aws:amz:REGION:s3" */
    struct s3_creds cr;
    struct curl_slist *headers;
    struct http_get_opts o;
    const char *display; /* (borrowed) src->display */
};

/* A bucket name S3 or a compatible store may hold (lenient: MinIO and Ceph
 * allow more than AWS). */
static bool
bucket_ok(const char *b, size_t n)
{
    if (n < 1 || n > 255 || (n == 1 && b[0] == '.') ||
        (n == 2 && b[0] == '.' && b[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)b[i]) && b[i] != '.' && b[i] != '-' &&
            b[i] != '_')
            return false;
    return true;
}

static int
s3_check(const char *location, char **out, struct rd_err *err)
{
    const char *b = location + 5, *slash = strchr(b, '/');
    size_t bl = slash != NULL ? (size_t)(slash - b) : strlen(b);
    const char *prefix = slash != NULL ? slash + 1 : "";
    size_t pl = strlen(prefix), n;

    if (!bucket_ok(b, bl))
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "invalid source '%s': no bucket name after s3:// (use s3://bucket/prefix/)",
            location);
    for (const char *p = prefix; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "invalid source '%s': a control character in the prefix",
                location);
    if (pl >= S3_KEY_MAX)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "invalid source '%s': the prefix is too long",
                          location);
    n = 5 + bl + 1 + pl + 2;
    if ((*out = malloc(n)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    /* the prefix is a folder: it ends in '/' */
    snprintf(*out, n, "s3://%.*s/%s%s", (int)bl, b, prefix,
             pl > 0 && prefix[pl - 1] != '/' ? "/" : "");
    return 0;
}

/* ${s} percent-encoded as RFC 3986 (unreserved kept; '/' kept when
 * ${keep_slash}), appended to ${out} (${cap} bytes, NUL-terminated);
 * false when it does not fit. */
static bool
enc_append(char *out, size_t cap, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(out);

    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;

        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
            (keep_slash && ch == '/')) {
            if (n + 1 >= cap)
                return false;
            out[n++] = (char)ch;
        } else {
            if (n + 3 >= cap)
                return false;
            out[n++] = '%';
            out[n++] = hex[ch >> 4];
            out[n++] = hex[ch & 15];
        }
    }
    out[n] = '\0';
    return true;
}

/* The endpoint's scheme and host[:port] from s3_endpoint (or AWS's), into
 * ${scheme} and ${host}; 0, or -1 with RD_CONFIG_INVALID. */
static int
endpoint_parts(const char *ep, const char *region, char *scheme, char *host,
               size_t hcap, struct rd_err *err)
{
    const char *h = ep, *sep;
    char why[160], url[600];
    size_t n;

    if (ep == NULL) {
        snprintf(scheme, 8, "https");
        snprintf(host, hcap, "s3.%s.amazonaws.com", region);
        return 0;
    }
    sep = strstr(ep, "://");
    if (sep != NULL) {
        if (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0)
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "s3_endpoint '%s': use http:// or https://", ep);
        snprintf(scheme, 8, "%.*s", (int)(sep - ep), ep);
        h = sep + 3;
    } else {
        snprintf(scheme, 8, "https");
    }
    n = strlen(h);
    while (n > 0 && h[n - 1] == '/')
        n--;
    snprintf(url, sizeof(url), "%s://%.*s/", scheme, (int)n, h);
    if (n == 0 || n >= hcap || memchr(h, '/', n) != NULL ||
        memchr(h, '@', n) != NULL || memchr(h, '?', n) != NULL ||
        http_url_check(url, why, sizeof(why)) != 0)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "s3_endpoint '%s' is not an endpoint URL (use e.g. https://minio.example.com:9000, no path, no credentials)",
            ep);
    snprintf(host, hcap, "%.*s", (int)n, h);
    return 0;
}

/* The region signed for: s3_region, $AWS_REGION, $AWS_DEFAULT_REGION or
 * us-east-1; NULL with ${err} when it is not a region name. */
static const char *
pick_region(const char *configured, struct rd_err *err)
{
    const char *r = configured;

    if (r == NULL || *r == '\0')
        r = getenv("AWS_REGION");
    if (r == NULL || *r == '\0')
        r = getenv("AWS_DEFAULT_REGION");
    if (r == NULL || *r == '\0')
        r = "us-east-1";
    if (strlen(r) > 40 ||
        strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(r)) {
        rd_err_set(err, RD_CONFIG_INVALID,
                   "s3 region '%s' is not a region name (e.g. eu-west-1)", r);
        return NULL;
    }
    return r;
}

/* Each try's signing: curl computes x-amz-date and the signature anew. */
static int
s3_setup(void *curl, void *arg, struct rd_err *err)
{
    struct s3_ctx *c = arg;

    (void)err;
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, c->headers);
    if (c->cr.key_id != NULL) {
        curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, c->sigv4);
        curl_easy_setopt(curl, CURLOPT_USERNAME, c->cr.key_id);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, c->cr.secret);
    }
    return 0;
}

/* The bucket's base URL and the signed headers; 0 or -1 with ${err}. */
static int
build_base(struct source *src, struct s3_ctx *c, struct rd_err *err)
{
    const struct source_opts *so = &src->opts;
    const char *region = pick_region(so->s3_region, err);
    char scheme[8], host[512], hdr[S3_TOKEN_MAX + 64];
    struct curl_slist *l;
    size_t n;

    if (region == NULL || endpoint_parts(so->s3_endpoint, region, scheme, host,
                                         sizeof(host), err) != 0)
        return -1;
    snprintf(c->sigv4, sizeof(c->sigv4), "aws:amz:%s:s3", region);
    c->host_style = so->s3_uri_style == 2 ||
                    (so->s3_uri_style == 0 && so->s3_endpoint == NULL);
    if (c->host_style && strchr(c->bucket, '_') != NULL)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "bucket '%s' cannot be addressed host-style (an '_' is not allowed in a host name)\nHINT: set s3_uri_style = path",
            c->bucket);
    n = strlen(scheme) + strlen(host) + strlen(c->bucket) + 8;
    if ((c->base = malloc(n)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (c->host_style)
        snprintf(c->base, n, "%s://%s.%s", scheme, c->bucket, host);
    else
        snprintf(c->base, n, "%s://%s/%s", scheme, host, c->bucket);
    l = curl_slist_append(NULL, "x-amz-content-sha256: " EMPTY_SHA256);
    if (l != NULL && c->cr.token != NULL) {
        struct curl_slist *t;

        if ((size_t)snprintf(hdr, sizeof(hdr), "x-amz-security-token: %s",
                             c->cr.token) >= sizeof(hdr)) {
            explicit_bzero(hdr, sizeof(hdr));
            curl_slist_free_all(l);
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "AWS_SESSION_TOKEN is longer than restoredrill takes (%zu bytes)",
                sizeof(hdr) - 23);
        }
        if ((t = curl_slist_append(l, hdr)) == NULL) {
            curl_slist_free_all(l);
            l = NULL;
        } else {
            l = t;
        }
        explicit_bzero(hdr, sizeof(hdr));
    }
    if (l == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    c->headers = l;
    return 0;
}

static int
s3_open(struct source *src, const char *location, struct rd_err *err)
{
    struct s3_ctx *c = calloc(1, sizeof(*c));
    const char *b = location + 5, *slash = strchr(b, '/');

    if (c == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    src->ctx = c;
    c->display = src->display;
    if (slash == NULL)
        return rd_err_set(err, RD_CONFIG_INVALID, "invalid source '%s'",
                          location);
    if ((c->bucket = strndup(b, (size_t)(slash - b))) == NULL ||
        (c->prefix = strdup(slash + 1)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (s3_creds_load(&c->cr, err) != 0 || build_base(src, c, err) != 0)
        return -1;
    c->o.stall_timeout_s = src->opts.stall_timeout_s;
    c->o.retries = src->opts.fetch_retries;
    c->o.ca_file = src->opts.ca_file;
    c->o.setup = s3_setup;
    c->o.setup_arg = c;
    if (c->cr.key_id == NULL)
        log_msg(RD_LOG_INFO,
                "%s: no AWS credentials found; requests are anonymous",
                src->display);
    return 0;
}

/*
 * A failed request's S3 <Error> into our code: the message names the S3
 * code and what to do.  ${what} is the object's key, NULL for a listing.
 * Always -1.
 */
static int
s3_verdict(struct s3_ctx *c, const struct http_meta *m, const char *what,
           struct rd_err *err)
{
    char code[64], msg[256];
    const char *hint;
    enum rd_code rc;

    if (m->status < 300 ||
        s3_xml_error(m->error_body, strlen(m->error_body), code, sizeof(code),
                     msg, sizeof(msg)) != 0)
        return -1; /* http_get's own verdict stands */
    if (strcmp(code, "RequestTimeTooSkewed") == 0) {
        rc = RD_CLOCK_SKEW;
        hint =
            "this machine's clock is off by more than 15 minutes: run NTP (timedatectl set-ntp true)";
    } else if (strcmp(code, "NoSuchKey") == 0) {
        rc = RD_ARCHIVE_NOT_FOUND;
        hint = "'restoredrill list' shows what the source holds";
    } else if (strcmp(code, "NoSuchBucket") == 0) {
        rc = RD_SOURCE_UNREACHABLE;
        hint = "check the bucket name in source, and s3_endpoint";
    } else if (strcmp(code, "SlowDown") == 0 ||
               strcmp(code, "ServiceUnavailable") == 0 ||
               strcmp(code, "InternalError") == 0) {
        rc = RD_SOURCE_UNREACHABLE;
        hint =
            "the storage is throttling or failing; run again later, or raise fetch_retries";
    } else if (strcmp(code, "PermanentRedirect") == 0 ||
               strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
               strcmp(code, "IllegalLocationConstraintException") == 0) {
        rc = RD_CONFIG_INVALID;
        hint = "the bucket lives in another region: set s3_region";
    } else if (m->status == 401 || m->status == 403) {
        rc = RD_ACCESS_DENIED;
        hint =
            c->cr.key_id == NULL
                ? "no credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
                : "check the access key and secret (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE) and that they may s3:ListBucket and s3:GetObject here";
    } else {
        rc = err->code != RD_OK ? err->code : RD_SOURCE_UNREACHABLE;
        hint = "check the storage service and s3_endpoint";
    }
    if (what == NULL)
        return rd_err_set(
            err, rc, "cannot list '%s': HTTP %ld, S3 says %s: %s%s\nHINT: %s",
            c->display, m->status, code, msg,
            m->tries > 1 ? " (after retries)" : "", hint);
    return rd_err_set(
        err, rc,
        "cannot fetch '%s' from '%s': HTTP %ld, S3 says %s: %s%s\nHINT: %s",
        what, c->display, m->status, code, msg,
        m->tries > 1 ? " (after retries)" : "", hint);
}

/* The URL of one ListObjectsV2 page, malloc'd; NULL when out of memory. */
static char *
list_url(struct s3_ctx *c, const char *token)
{
    size_t cap = strlen(c->base) + 3 * strlen(c->prefix) +
                 (token != NULL ? 3 * strlen(token) : 0) + 96;
    char *u = malloc(cap);

    if (u == NULL)
        return NULL;
    /* parameters sorted by name, values RFC 3986 encoded: what SigV4
       signs, and libcurl 7.88 signs the query as given */
    snprintf(u, cap, "%s%s?", c->base, c->host_style ? "/" : "");
    if (token != NULL) {
        strcat(u, "continuation-token=");
        enc_append(u, cap, token, false);
        strcat(u, "&");
    }
    strcat(u, "delimiter=%2F&list-type=2&prefix=");
    enc_append(u, cap, c->prefix, false);
    return u;
}

/* Add ${pg}'s objects right under the prefix to ${list}. */
static int
add_page(struct s3_ctx *c, const struct s3_page *pg, struct archive_list *list,
         struct rd_err *err)
{
    size_t pl = strlen(c->prefix);

    for (size_t i = 0; i < pg->n; i++) {
        const char *k = pg->objs[i].key, *name = k + pl;

        if (strncmp(k, c->prefix, pl) != 0 || name[0] == '\0' ||
            strchr(name, '/') != NULL)
            continue; /* the folder's own marker, or not ours */
        if (archive_list_add(list, name, pg->objs[i].mtime, pg->objs[i].size) !=
            0)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    return 0;
}

/* GET and parse one page into ${pg}; 0 or -1. */
static int
get_page(struct s3_ctx *c, const char *token, struct s3_page *pg, int page,
         struct rd_err *err)
{
    struct http_meta meta;
    char *url = list_url(c, token), *body = NULL, why[200];
    size_t len;
    int rc;

    if (url == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    rc = http_get_body(url, c->display, &c->o, S3_XML_MAX_BYTES, &body, &len,
                       &meta, err);
    free(url);
    if (rc != 0) {
        s3_verdict(c, &meta, NULL, err);
        return -1;
    }
    rc = s3_xml_list(body, len, pg, why, sizeof(why));
    free(body);
    if (rc != 0)
        return rd_err_set(
            err, RD_LISTING_INVALID,
            "listing of '%s' (page %d) is not a ListObjectsV2 answer: %s\nHINT: check that s3_endpoint is an S3 API endpoint",
            c->display, page, why);
    return 0;
}

static int
s3_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    struct s3_ctx *c = src->ctx;
    char *token = NULL;
    int page = 0;
    size_t objects = 0;

    for (;;) {
        struct s3_page pg = {0};

        if (++page > MAX_PAGES) {
            free(token);
            return rd_err_set(err, RD_LISTING_INVALID,
                              "listing of '%s' has more than %d pages",
                              c->display, MAX_PAGES);
        }
        if (get_page(c, token, &pg, page, err) != 0 ||
            add_page(c, &pg, list, err) != 0) {
            s3_page_free(&pg);
            free(token);
            return -1;
        }
        objects += pg.n;
        if (!pg.truncated) {
            s3_page_free(&pg);
            free(token);
            break;
        }
        if (pg.next_token == NULL ||
            (token != NULL && strcmp(token, pg.next_token) == 0)) {
            s3_page_free(&pg);
            free(token);
            return rd_err_set(
                err, RD_LISTING_INVALID,
                "listing of '%s': page %d is truncated but gives %s continuation token\nHINT: the storage does not paginate ListObjectsV2 correctly; check s3_endpoint",
                c->display, page, pg.next_token == NULL ? "no" : "the same");
        }
        free(token);
        token = pg.next_token;
        pg.next_token = NULL;
        s3_page_free(&pg);
    }
    log_msg(RD_LOG_INFO, "%s: listed %zu objects in %d page%s", c->display,
            objects, page, page == 1 ? "" : "s");
    return 0;
}

static int
s3_fetch(struct source *src, const char *name, struct fetched *f,
         struct rd_err *err)
{
    struct s3_ctx *c = src->ctx;
    struct http_meta meta;
    size_t cap;
    char *url;

    if (name[0] == '\0' || strchr(name, '/') != NULL ||
        strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
        strlen(c->prefix) + strlen(name) > S3_KEY_MAX)
        return rd_err_set(
            err, RD_USAGE,
            "invalid archive name '%s' (an object name right under the source's prefix)",
            name);
    cap = strlen(c->base) + 3 * (strlen(c->prefix) + strlen(name)) + 4;
    if ((url = malloc(cap)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    snprintf(url, cap, "%s/", c->base);
    enc_append(url, cap, c->prefix, true);
    enc_append(url, cap, name, true);
    f->stream = http_get_open(url, c->display, &c->o, &meta, err);
    free(url);
    if (f->stream == NULL) {
        char key[S3_KEY_MAX + 2];

        snprintf(key, sizeof(key), "%s%s", c->prefix, name);
        s3_verdict(c, &meta, key, err);
        return -1;
    }
    f->size = meta.length;
    f->mtime = meta.last_modified;
    f->seekable = false;
    return 0;
}

static void
s3_close(struct source *src)
{
    struct s3_ctx *c = src->ctx;

    if (c == NULL)
        return;
    s3_creds_release(&c->cr);
    curl_slist_free_all(c->headers);
    free(c->bucket);
    free(c->prefix);
    free(c->base);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_s3_ops = {
    "s3", s3_check, s3_open, s3_list, s3_fetch, s3_close,
};
