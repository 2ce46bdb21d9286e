/* stream: pull-based byte streams, stacked: file -> sha256 -> decoder -> SQL
 * filter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "verifier/util/sig.h"

#include "restore/decode/stream.h"

ssize_t
stream_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    return s->read(s, buf, cap, err);
}

void
stream_free(struct stream *s)
{
    if (s != NULL)
        s->free(s);
}

/* --- fd --------------------------------------------------------------- */

struct fd_stream {
    struct stream s;
    int fd;
    int64_t expect, got;
};

static ssize_t
fd_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct fd_stream *f = (struct fd_stream *)s;
    ssize_t n;

    do {
        n = read(f->fd, buf, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return rd_err_set(err, RD_SOURCE_UNREACHABLE,
                          "cannot read archive '%s': %s", s->name,
                          strerror(errno));
    f->got += n;
    if (f->expect >= 0 &&
        (f->got > f->expect || (n == 0 && f->got < f->expect)))
        return rd_err_set(
            err, RD_FETCH_TRUNCATED,
            "archive '%s' changed while being read (%lld bytes, %lld expected)",
            s->name, (long long)f->got, (long long)f->expect);
    return n;
}

static void
fd_free(struct stream *s)
{
    free(s);
}

struct stream *
stream_fd_new(int fd, const char *name, int64_t expect_size)
{
    struct fd_stream *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->s.read = fd_read;
    f->s.free = fd_free;
    f->s.name = name;
    f->fd = fd;
    f->expect = expect_size;
    return &f->s;
}

/* --- sha256 ----------------------------------------------------------- */

struct hash_stream {
    struct stream s;
    EVP_MD_CTX *ctx;
    int64_t bytes;
    bool done;
    char hex[65];
    char expect[65];   /* stream_hash_expect(), or "" */
    char sidecar[256]; /* where ${expect} came from */
};

static ssize_t
hash_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct hash_stream *h = (struct hash_stream *)s;
    ssize_t n = stream_read(s->below, buf, cap, err);

    if (n > 0) {
        EVP_DigestUpdate(h->ctx, buf, (size_t)n);
        h->bytes += n;
    } else if (n == 0 && !h->done) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;

        EVP_DigestFinal_ex(h->ctx, md, &len);
        for (unsigned int i = 0; i < len && i < 32; i++)
            snprintf(h->hex + 2 * i, 3, "%02x", md[i]);
        h->done = true;
        if (h->expect[0] != '\0' && strcmp(h->expect, h->hex) != 0)
            return rd_err_set(
                err, RD_CHECKSUM_MISMATCH,
                "archive '%s' has sha256 %s, but '%s' says %s: the archive is damaged or is not the one the sidecar was written for\nHINT: fetch it again; if it still differs, the copy at the source is bad",
                s->name, h->hex, h->sidecar, h->expect);
    }
    return n;
}

static void
hash_free(struct stream *s)
{
    struct hash_stream *h = (struct hash_stream *)s;

    stream_free(s->below);
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

struct stream *
stream_hash_new(struct stream *below)
{
    struct hash_stream *h = calloc(1, sizeof(*h));

    if (h == NULL || (h->ctx = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        if (h != NULL)
            EVP_MD_CTX_free(h->ctx);
        free(h);
        stream_free(below);
        return NULL;
    }
    h->s.read = hash_read;
    h->s.free = hash_free;
    h->s.below = below;
    h->s.name = below->name;
    return &h->s;
}

int
stream_hash_hex(struct stream *s, char hex[65])
{
    struct hash_stream *h = (struct hash_stream *)s;

    if (!h->done)
        return -1;
    memcpy(hex, h->hex, 65);
    return 0;
}

void
stream_hash_expect(struct stream *s, const char *hex, const char *sidecar)
{
    struct hash_stream *h = (struct hash_stream *)s;

    snprintf(h->expect, sizeof(h->expect), "%s", hex);
    snprintf(h->sidecar, sizeof(h->sidecar), "%s", sidecar);
}

int64_t
stream_hash_bytes(struct stream *s)
{
    return ((struct hash_stream *)s)->bytes;
}

/* --- peek ------------------------------------------------------------- */

struct peek_stream {
    struct stream s;
    unsigned char *buf;
    size_t want, len, pos;
    bool filled; /* the look-ahead was filled (or reading began without it) */
    bool eof;    /* the layer below ended while filling */
};

static int
peek_fill(struct peek_stream *p, struct rd_err *err)
{
    while (!p->filled && p->len < p->want) {
        ssize_t n =
            stream_read(p->s.below, p->buf + p->len, p->want - p->len, err);

        if (n < 0)
            return -1;
        if (n == 0) {
            p->eof = true;
            break;
        }
        p->len += (size_t)n;
    }
    p->filled = true;
    return 0;
}

static ssize_t
peek_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct peek_stream *p = (struct peek_stream *)s;

    if (p->pos < p->len) {
        size_t n = p->len - p->pos < cap ? p->len - p->pos : cap;

        memcpy(buf, p->buf + p->pos, n);
        p->pos += n;
        return (ssize_t)n;
    }
    p->filled = true; /* a later peek sees only what is still buffered */
    if (p->eof)
        return 0;
    return stream_read(s->below, buf, cap, err);
}

static void
peek_free(struct stream *s)
{
    struct peek_stream *p = (struct peek_stream *)s;

    stream_free(s->below);
    free(p->buf);
    free(p);
}

struct stream *
stream_peek_new(struct stream *below, size_t n)
{
    struct peek_stream *p = calloc(1, sizeof(*p));

    if (n > 65536)
        n = 65536;
    if (p == NULL || (p->buf = malloc(n > 0 ? n : 1)) == NULL) {
        free(p);
        stream_free(below);
        return NULL;
    }
    p->s.read = peek_read;
    p->s.free = peek_free;
    p->s.below = below;
    p->s.name = below->name;
    p->want = n;
    return &p->s;
}

int
stream_peek(struct stream *s, const unsigned char **out, size_t *len,
            struct rd_err *err)
{
    struct peek_stream *p = (struct peek_stream *)s;

    if (!p->filled && peek_fill(p, err) != 0)
        return -1;
    *out = p->buf + p->pos;
    *len = p->len - p->pos;
    return 0;
}

int
stream_drain(struct stream *s, struct rd_err *err)
{
    char buf[65536];
    ssize_t n;

    while ((n = stream_read(s, buf, sizeof(buf), err)) > 0)
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED, "interrupted by %s",
                              sig_name(sig_pending()));
    return n < 0 ? -1 : 0;
}
