/* source_http: archives on a web server.  A URL whose path ends in '/' is a
 * folder, listed from its autoindex (listing.c); any other URL names one
 * archive (a fixed latest.dump link, a presigned S3/GCS URL), dated by its
 * Last-Modified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "verifier/util/http.h"
#include "verifier/util/redact.h"

#include "restore/source/http_get.h"
#include "restore/source/listing.h"
#include "restore/source/source.h"

#define LISTING_MAX_BYTES (16 * 1024 * 1024)

struct http_ctx {
    char *url;   /* (owned) as configured */
    bool folder; /* the path ends in '/' */
    char *name;  /* (owned) one-file URL: its last path segment, decoded */
    struct stream *held; /* (owned) one-file URL: the GET list() began */
    struct http_get_opts o;
};

static int
http_check(const char *location, char **out, struct rd_err *err)
{
    char why[160];
    const char *p;
    bool root;

    if (http_url_check(location, why, sizeof(why)) != 0)
        return rd_err_set(err, RD_CONFIG_INVALID, "invalid source: %s", why);
    if (strchr(location, '#') != NULL)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "invalid source: a URL with a #fragment");
    /* "http://host" is the server's root folder, "http://host/" */
    p = strstr(location, "://") + 3;
    root = p[strcspn(p, "/?")] != '/';
    *out = malloc(strlen(location) + 2);
    if (*out == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    snprintf(*out, strlen(location) + 2, "%.*s%s%s",
             (int)(p - location + strcspn(p, "/?")), location, root ? "/" : "",
             p + strcspn(p, "/?"));
    return 0;
}

/* The length of ${url} before its ?query. */
static size_t
before_query(const char *url)
{
    return strcspn(url, "?");
}

/* ${url} with ${add} put at the end of its path (before any ?query), and
 * ${add} percent-escaped when ${escape}; malloc'd, NULL when out of memory. */
static char *
url_with(const char *url, const char *add, bool escape)
{
    size_t q = before_query(url);
    char *enc = escape ? curl_easy_escape(NULL, add, 0) : NULL;
    const char *a = escape ? enc : add;
    char *out;
    size_t n;

    if (a == NULL)
        return NULL;
    n = strlen(url) + strlen(a) + 1;
    out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%.*s%s%s", (int)q, url, a, url + q);
    curl_free(enc);
    return out;
}

static int
http_open(struct source *src, const char *location, struct rd_err *err)
{
    struct http_ctx *c = calloc(1, sizeof(*c));
    size_t q = before_query(location), b = q;
    int dl = 0;
    char *dec;

    if (c == NULL || (c->url = strdup(location)) == NULL) {
        free(c);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    src->ctx = c;
    c->o.stall_timeout_s = src->opts.stall_timeout_s;
    c->o.retries = src->opts.fetch_retries;
    c->o.ca_file = src->opts.ca_file;
    while (b > 0 && location[b - 1] != '/')
        b--;
    c->folder = b == q; /* http_check() gave "http://host" its '/' */
    if (c->folder)
        return 0;
    dec = curl_easy_unescape(NULL, location + b, (int)(q - b), &dl);
    if (dec == NULL || (c->name = strdup(dec)) == NULL) {
        curl_free(dec);
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    curl_free(dec);
    if (c->name[0] == '\0' || strchr(c->name, '/') != NULL ||
        strlen(c->name) != (size_t)dl)
        return rd_err_set(err, RD_CONFIG_INVALID,
                          "source '%s' does not end in a file name",
                          src->display);
    return 0;
}

/* GET ${url} (its redacted form in messages) into ${s}; 0 or -1. */
static int
get(struct http_ctx *c, const char *url, struct stream **s,
    struct http_meta *meta, struct rd_err *err)
{
    char *shown = redact_url(url);

    if (shown == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    *s = http_get_open(url, shown, &c->o, meta, err);
    free(shown);
    return *s == NULL ? -1 : 0;
}

static int
list_folder(struct source *src, struct http_ctx *c, struct archive_list *list,
            struct rd_err *err)
{
    struct http_meta meta;
    char *body;
    size_t len;
    int rc;

    if (http_get_body(c->url, src->display, &c->o, LISTING_MAX_BYTES, &body,
                      &len, &meta, err) != 0) {
        if (err->code == RD_ARCHIVE_NOT_FOUND)
            return rd_err_set(
                err, RD_SOURCE_UNREACHABLE,
                "cannot list '%s': HTTP %ld, no such folder on the server\nHINT: check the URL; a folder URL ends in '/' and the server must list it (nginx: autoindex on)",
                src->display, meta.status);
        return -1;
    }
    rc = listing_parse(body, len, meta.content_type, src->display, list, err);
    free(body);
    return rc;
}

static int
http_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    struct http_ctx *c = src->ctx;
    struct http_meta meta;

    if (c->folder)
        return list_folder(src, c, list, err);
    /* One file: its GET starts now (a presigned URL allows GET only, no
     * HEAD), and fetch() takes it over. */
    stream_free(c->held);
    c->held = NULL;
    if (get(c, c->url, &c->held, &meta, err) != 0)
        return -1;
    if (archive_list_add(list, c->name, meta.last_modified, meta.length) != 0)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    return 0;
}

/* The URL archive ${name} is fetched from, malloc'd; NULL with ${err}. */
static char *
name_url(struct source *src, struct http_ctx *c, const char *name,
         struct rd_err *err)
{
    size_t nl = c->name != NULL ? strlen(c->name) : 0;
    char *url;

    if (c->folder) {
        if (name[0] == '\0' || strchr(name, '/') != NULL ||
            strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            rd_err_set(
                err, RD_USAGE,
                "invalid archive name '%s' (a file name inside the source folder)",
                name);
            return NULL;
        }
        url = url_with(c->url, name, true);
    } else if (strcmp(name, c->name) == 0) {
        url = strdup(c->url);
    } else if (strncmp(name, c->name, nl) == 0 &&
               strcmp(name + nl, ".sha256") == 0) {
        url = url_with(c->url, ".sha256", false);
    } else {
        rd_err_set(err, RD_USAGE,
                   "source '%s' names one archive, '%s'; it has no '%s'",
                   src->display, c->name, name);
        return NULL;
    }
    if (url == NULL)
        rd_err_set(err, RD_INTERNAL, "out of memory");
    return url;
}

static int
http_fetch(struct source *src, const char *name, struct fetched *f,
           struct rd_err *err)
{
    struct http_ctx *c = src->ctx;
    struct http_meta meta;
    const struct http_meta *m = &meta;
    char *url;

    if (!c->folder && c->held != NULL && strcmp(name, c->name) == 0) {
        f->stream = c->held; /* the GET list() began */
        c->held = NULL;
        m = http_get_meta(f->stream);
    } else {
        int rc;

        if ((url = name_url(src, c, name, err)) == NULL)
            return -1;
        rc = get(c, url, &f->stream, &meta, err);
        free(url);
        if (rc != 0)
            return -1;
    }
    f->size = m->length;
    f->mtime = m->last_modified;
    f->seekable = false;
    return 0;
}

static void
http_close(struct source *src)
{
    struct http_ctx *c = src->ctx;

    if (c == NULL)
        return;
    stream_free(c->held);
    free(c->url);
    free(c->name);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_http_ops = {
    "http", http_check, http_open, http_list, http_fetch, http_close,
};
