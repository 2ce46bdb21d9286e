/* decode: streaming decompression with strict ends -- the stream glue
 * (input buffer, magic bytes, member boundaries, progress checks) around
 * the decompressor table of decode_codecs.c. */
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/rd_err.h"

#include "restore/decode/decode_int.h"

#define MAX_CHUNK  (1u << 30) /* fits uInt, unsigned int and ssize_t */
#define MAX_STALLS 4

int
decode_fail(struct decode_stream *d, struct rd_err *err, enum rd_code code,
            const char *fmt, ...)
{
    char msg[RD_ERR_MSG_MAX];
    va_list ap;

    d->state = DS_FAILED;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return rd_err_set(err, code, "%s", msg);
}

/* Bad data at the current offset, with the library's words in ${why}. */
int
decode_fail_corrupt(struct decode_stream *d, struct rd_err *err,
                    const char *why)
{
    return decode_fail(d, err, RD_DECOMPRESS_CORRUPT,
                       "archive '%s' is corrupt: bad %s data at byte %llu (%s)",
                       dname(d), d->fmt, doff(d), why);
}

/* The library could not allocate memory. */
int
decode_fail_nomem(struct decode_stream *d, struct rd_err *err)
{
    return decode_fail(d, err, RD_INTERNAL,
                       "cannot decompress archive '%s': out of memory (%s)",
                       dname(d), d->fmt);
}

/* The library returned ${code}, which it documents as a caller's mistake. */
int
decode_fail_lib(struct decode_stream *d, struct rd_err *err, int code)
{
    return decode_fail(d, err, RD_INTERNAL,
                       "cannot decompress archive '%s': %s library error %d",
                       dname(d), d->fmt, code);
}

/* The input ended inside the current member. */
static int
decode_fail_truncated(struct decode_stream *d, struct rd_err *err)
{
    return decode_fail(
        d, err, RD_DECOMPRESS_TRUNCATED,
        "archive '%s' is truncated: the %s %s that starts at byte %llu ends early at byte %llu",
        dname(d), d->fmt, d->unit, (unsigned long long)d->unit_start, doff(d));
}

/*
 * Make at least ${want} unread bytes available unless the input ends first;
 * the unread bytes move to the start of the buffer when more must be read.
 */
static int
fill(struct decode_stream *d, size_t want, struct rd_err *err)
{
    assert(want <= IN_SIZE);
    while (d->len - d->pos < want && !d->eof) {
        ssize_t n;

        if (d->pos > 0) {
            memmove(d->in, d->in + d->pos, d->len - d->pos);
            d->base += d->pos;
            d->len -= d->pos;
            d->pos = 0;
        }
        n = stream_read(d->s.below, d->in + d->len, IN_SIZE - d->len, err);
        if (n < 0) {
            d->state = DS_FAILED;
            return -1;
        }
        if ((size_t)n > IN_SIZE - d->len)
            return decode_fail(
                d, err, RD_INTERNAL,
                "cannot decompress archive '%s': the layer below returned more bytes than asked for",
                dname(d));
        if (n == 0)
            d->eof = true;
        d->len += (size_t)n;
    }
    return 0;
}

/* --- magic bytes ------------------------------------------------------ */

/* Bytes of magic that identify a member of ${kind}. */
static size_t
magic_len(enum dump_kind kind)
{
    return kind == DUMP_GZIP ? 2 : kind == DUMP_XZ ? 6 : 4;
}

/* A zstd or lz4 skippable frame: 50..5f 2a 4d 18 (0x184D2A50..5F LE). */
static bool
skippable_byte(const unsigned char *p, size_t i)
{
    static const unsigned char tail[4] = {0x50, 0x2a, 0x4d, 0x18};

    return i == 0 ? (p[0] & 0xf0) == 0x50 : p[i] == tail[i];
}

/*
 * Compare the ${n} bytes at ${p} with the magic of ${kind}: 1 when they
 * hold a whole magic, 0 when they are a proper prefix of one, -1 otherwise.
 */
static int
magic_match(enum dump_kind kind, const unsigned char *p, size_t n)
{
    static const unsigned char gz[] = {0x1f, 0x8b};
    static const unsigned char zs[] = {0x28, 0xb5, 0x2f, 0xfd};
    static const unsigned char xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    static const unsigned char bz[] = {'B', 'Z', 'h'};
    static const unsigned char l4[] = {0x04, 0x22, 0x4d, 0x18};
    size_t want = magic_len(kind), m = n < want ? n : want;
    bool ok = true, skip = true;

    for (size_t i = 0; i < m; i++) {
        switch (kind) {
        case DUMP_GZIP:
            ok = ok && p[i] == gz[i];
            break;
        case DUMP_ZSTD:
            ok = ok && p[i] == zs[i];
            skip = skip && skippable_byte(p, i);
            break;
        case DUMP_XZ:
            ok = ok && p[i] == xz[i];
            break;
        case DUMP_BZIP2:
            ok = ok && (i < 3 ? p[i] == bz[i] : p[i] >= '1' && p[i] <= '9');
            break;
        case DUMP_LZ4:
            ok = ok && p[i] == l4[i];
            skip = skip && skippable_byte(p, i);
            break;
        default:
            return -1;
        }
    }
    if (kind == DUMP_ZSTD || kind == DUMP_LZ4)
        ok = ok || skip;
    if (!ok)
        return -1;
    return m == want ? 1 : 0;
}

/* --- member boundaries ------------------------------------------------ */

/* Get the library ready for the member that starts at the current offset. */
static int
begin_member(struct decode_stream *d, struct rd_err *err)
{
    if (d->codec->begin != NULL && d->codec->begin(d, err) != 0)
        return -1;
    d->unit_start = d->base + d->pos;
    d->units++;
    d->state = DS_BODY;
    return 0;
}

/* Skip xz stream padding: zero bytes, a multiple of 4, after a stream. */
static int
skip_xz_padding(struct decode_stream *d, struct rd_err *err)
{
    uint64_t start = d->base + d->pos, pad = 0;

    for (;;) {
        if (fill(d, 1, err) != 0)
            return -1;
        if (d->pos == d->len || d->in[d->pos] != 0)
            break;
        while (d->pos < d->len && d->in[d->pos] == 0) {
            d->pos++;
            pad++;
        }
    }
    if (pad % 4 != 0)
        return decode_fail(
            d, err, RD_DECOMPRESS_CORRUPT,
            "archive '%s' is corrupt: xz stream padding at byte %llu is %llu bytes, not a multiple of 4",
            dname(d), (unsigned long long)start, (unsigned long long)pad);
    return 0;
}

/*
 * At a member boundary: the input must end (after at least one member) or
 * hold the magic of another member.
 */
static int
head(struct decode_stream *d, struct rd_err *err)
{
    size_t want = magic_len(d->kind), avail;
    const unsigned char *p;
    int m;

    if (d->kind == DUMP_XZ && d->units > 0 && skip_xz_padding(d, err) != 0)
        return -1;
    if (d->kind == DUMP_ZSTD)
        want = ZSTD_FRAMEHEADERSIZE_MAX; /* to learn the window */
    if (fill(d, want, err) != 0)
        return -1;
    p = d->in + d->pos;
    avail = d->len - d->pos;
    if (avail == 0) {
        if (d->units > 0) {
            d->state = DS_DONE;
            return 0;
        }
        return decode_fail(d, err, RD_DECOMPRESS_TRUNCATED,
                           "archive '%s' is truncated: no %s data (0 bytes)",
                           dname(d), d->fmt);
    }
    m = magic_match(d->kind, p, avail);
    if (m == 0) {
        /* Fewer bytes than a magic, and they begin one. */
        d->unit_start = d->base + d->pos;
        d->pos = d->len;
        return decode_fail_truncated(d, err);
    }
    if (m < 0) {
        if (d->units > 0)
            return decode_fail(
                d, err, RD_DECOMPRESS_CORRUPT,
                "archive '%s' is corrupt: trailing garbage after the last %s %s at byte %llu",
                dname(d), d->fmt, d->unit, doff(d));
        return decode_fail(d, err, RD_DECOMPRESS_CORRUPT,
                           "archive '%s' is corrupt: no %s magic at byte %llu",
                           dname(d), d->fmt, doff(d));
    }
    return begin_member(d, err);
}

/* --- stream interface ------------------------------------------------- */

/* Pull input until the library yields output or a verdict. */
static ssize_t
decode_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct decode_stream *d = (struct decode_stream *)s;

    if (cap == 0)
        return rd_err_set(
            err, RD_INTERNAL,
            "cannot decompress archive '%s': read into an empty buffer",
            dname(d));
    if (cap > MAX_CHUNK)
        cap = MAX_CHUNK;
    for (;;) {
        uint64_t before;
        ssize_t n = 0;

        switch (d->state) {
        case DS_DONE:
            return 0;
        case DS_FAILED:
            return rd_err_set(
                err, RD_INTERNAL,
                "cannot decompress archive '%s': read again after an error",
                dname(d));
        case DS_HEAD:
            if (head(d, err) != 0)
                return -1;
            continue;
        case DS_BODY:
            break;
        }
        if (d->pos == d->len && fill(d, 1, err) != 0)
            return -1;
        before = d->base + d->pos;
        n = d->codec->step(d, buf, cap, err);
        if (n != 0)
            return n; /* bytes, or -1 */
        if (d->state != DS_BODY || d->base + d->pos != before) {
            d->stalls = 0;
            continue;
        }
        /* Nothing in, nothing out: the member wants bytes that never come. */
        if (d->eof && d->pos == d->len)
            return decode_fail_truncated(d, err);
        if (++d->stalls >= MAX_STALLS)
            return decode_fail(
                d, err, RD_INTERNAL,
                "cannot decompress archive '%s': the %s decoder makes no progress at byte %llu",
                dname(d), d->fmt, doff(d));
    }
}

/* Release the library state, the buffer and the stream below. */
static void
decode_free(struct stream *s)
{
    struct decode_stream *d = (struct decode_stream *)s;

    if (d->live)
        d->codec->end(d);
    stream_free(s->below);
    free(d->in);
    free(d);
}

/* Set up the library state that lives for the whole stream. */
static int
decode_init(struct decode_stream *d, struct rd_err *err)
{
    if (d->codec->init(d) == 0)
        return 0;
    return rd_err_set(
        err, RD_INTERNAL,
        "cannot decompress archive '%s': cannot set up the %s decoder",
        dname(d), d->fmt);
}

int
decode_is_compression(enum dump_kind kind)
{
    return kind == DUMP_GZIP || kind == DUMP_ZSTD || kind == DUMP_XZ ||
           kind == DUMP_BZIP2 || kind == DUMP_LZ4;
}

struct stream *
decode_new(struct stream *below, enum dump_kind kind, uint64_t mem_limit,
           struct rd_err *err)
{
    struct decode_stream *d;

    assert(below != NULL);
    if (!decode_is_compression(kind)) {
        rd_err_set(
            err, RD_INTERNAL,
            "cannot decompress archive '%s': '%s' is not a compression format",
            below->name != NULL ? below->name : "(unnamed)",
            dumpfmt_kind_name(kind));
        stream_free(below);
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL || (d->in = malloc(IN_SIZE)) == NULL) {
        rd_err_set(err, RD_INTERNAL,
                   "cannot decompress archive '%s': out of memory",
                   below->name != NULL ? below->name : "(unnamed)");
        free(d);
        stream_free(below);
        return NULL;
    }
    d->s.read = decode_read;
    d->s.free = decode_free;
    d->s.below = below;
    d->s.name = below->name;
    d->kind = kind;
    d->fmt = dumpfmt_kind_name(kind);
    d->codec = decode_codec(kind);
    d->unit = d->codec->unit;
    d->mem_limit = mem_limit;
    d->state = DS_HEAD;
    if (decode_init(d, err) != 0) {
        decode_free(&d->s);
        return NULL;
    }
    return &d->s;
}
