/* decode: streaming decompression on the libraries, with strict ends. */
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#define LZ4F_STATIC_LINKING_ONLY
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include "verifier/util/rd_err.h"

#include "restore/decode/decode.h"

#define IN_SIZE    65536
#define MIB        (1024 * 1024)
#define MAX_CHUNK  (1u << 30) /* fits uInt, unsigned int and ssize_t */
#define MAX_STALLS 4

enum decode_state {
    DS_HEAD,  /* expecting a member's magic (or, after one, the end) */
    DS_BODY,  /* inside a member: the library has the input */
    DS_DONE,  /* clean end: every check passed */
    DS_FAILED /* an error was reported; read() must not be called again */
};

struct decode_stream {
    struct stream s;
    enum dump_kind kind;
    const char *fmt;  /* "gzip", ... */
    const char *unit; /* "member", "frame" or "stream" */
    uint64_t mem_limit;
    enum decode_state state;
    unsigned char *in; /* (owned) IN_SIZE bytes; unread input is in[pos, len) */
    size_t pos, len;
    uint64_t base;       /* compressed offset of in[0] */
    uint64_t unit_start; /* compressed offset where the current member began */
    uint64_t units;      /* members begun so far */
    uint64_t window;     /* zstd: window of the current frame, 0 if unknown */
    bool eof;            /* below returned 0: all remaining input is in in[] */
    bool live;           /* the library state in u is initialised */
    int stalls;          /* consecutive steps without progress */
    union {
        z_stream z;
        ZSTD_DCtx *zd;
        lzma_stream x;
        bz_stream bz;
        LZ4F_dctx *lz;
    } u;
};

/* The archive name for messages. */
static const char *
dname(const struct decode_stream *d)
{
    return d->s.name != NULL ? d->s.name : "(unnamed)";
}

/* Compressed offset of the next unread input byte. */
static unsigned long long
doff(const struct decode_stream *d)
{
    return (unsigned long long)(d->base + d->pos);
}

/* Megabytes rounded up (what is needed) or down (what is allowed). */
static unsigned long long
mib_up(uint64_t b)
{
    return (unsigned long long)(b / MIB + (b % MIB != 0));
}

static unsigned long long
mib_down(uint64_t b)
{
    return (unsigned long long)(b / MIB);
}

/* Record the error, mark the stream failed and return -1. */
static int fail(struct decode_stream *d, struct rd_err *err, enum rd_code code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
fail(struct decode_stream *d, struct rd_err *err, enum rd_code code,
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
static int
fail_corrupt(struct decode_stream *d, struct rd_err *err, const char *why)
{
    return fail(d, err, RD_DECOMPRESS_CORRUPT,
                "archive '%s' is corrupt: bad %s data at byte %llu (%s)",
                dname(d), d->fmt, doff(d), why);
}

/* The library could not allocate memory. */
static int
fail_nomem(struct decode_stream *d, struct rd_err *err)
{
    return fail(d, err, RD_INTERNAL,
                "cannot decompress archive '%s': out of memory (%s)", dname(d),
                d->fmt);
}

/* The library returned ${code}, which it documents as a caller's mistake. */
static int
fail_lib(struct decode_stream *d, struct rd_err *err, int code)
{
    return fail(d, err, RD_INTERNAL,
                "cannot decompress archive '%s': %s library error %d", dname(d),
                d->fmt, code);
}

/* The input ended inside the current member. */
static int
fail_truncated(struct decode_stream *d, struct rd_err *err)
{
    return fail(
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
            return fail(
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

/* --- per-format steps ------------------------------------------------- */

/*
 * Each step hands the unread input and ${cap} bytes of ${buf} to the
 * library once, advances pos, and returns the bytes produced (-1 on error).
 * At the end of a member it sets the state to DS_HEAD.
 */

static ssize_t
step_gzip(struct decode_stream *d, unsigned char *buf, size_t cap,
          struct rd_err *err)
{
    z_stream *z = &d->u.z;
    int r;

    z->next_in = d->in + d->pos;
    z->avail_in = (uInt)(d->len - d->pos);
    z->next_out = buf;
    z->avail_out = (uInt)cap;
    r = inflate(z, Z_NO_FLUSH);
    d->pos = d->len - z->avail_in;
    switch (r) {
    case Z_STREAM_END: /* CRC32 and ISIZE matched */
        d->state = DS_HEAD;
        break;
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible now */
        break;
    case Z_DATA_ERROR:
    case Z_NEED_DICT:
        return fail_corrupt(d, err, z->msg != NULL ? z->msg : "invalid data");
    case Z_MEM_ERROR:
        return fail_nomem(d, err);
    default:
        return fail_lib(d, err, r);
    }
    return (ssize_t)(cap - z->avail_out);
}

/* The zstd window is too large for the memory limit. */
static int
fail_zstd_window(struct decode_stream *d, struct rd_err *err)
{
    if (d->window > d->mem_limit)
        return fail(
            d, err, RD_MEMORY_LIMIT,
            "archive '%s' needs %llu MiB to decompress (zstd window), more than the limit of %llu MiB",
            dname(d), mib_up(d->window), mib_down(d->mem_limit));
    return fail(
        d, err, RD_MEMORY_LIMIT,
        "archive '%s' needs a zstd window larger than the limit of %llu MiB to decompress",
        dname(d), mib_down(d->mem_limit));
}

static ssize_t
step_zstd(struct decode_stream *d, unsigned char *buf, size_t cap,
          struct rd_err *err)
{
    ZSTD_inBuffer in = {d->in, d->len, d->pos};
    ZSTD_outBuffer out = {buf, cap, 0};
    size_t r = ZSTD_decompressStream(d->u.zd, &out, &in);

    d->pos = in.pos;
    if (ZSTD_isError(r)) {
        switch (ZSTD_getErrorCode(r)) {
        case ZSTD_error_frameParameter_windowTooLarge:
            return fail_zstd_window(d, err);
        case ZSTD_error_memory_allocation:
            return fail_nomem(d, err);
        default:
            return fail_corrupt(d, err, ZSTD_getErrorName(r));
        }
    }
    /* 0: the frame is complete, its checksum matched, all output flushed. */
    if (r == 0)
        d->state = DS_HEAD;
    return (ssize_t)out.pos;
}

static ssize_t
step_xz(struct decode_stream *d, unsigned char *buf, size_t cap,
        struct rd_err *err)
{
    lzma_stream *x = &d->u.x;
    lzma_ret r;

    x->next_in = d->in + d->pos;
    x->avail_in = d->len - d->pos;
    x->next_out = buf;
    x->avail_out = cap;
    /* eof means every remaining input byte is in the buffer. */
    r = lzma_code(x, d->eof ? LZMA_FINISH : LZMA_RUN);
    d->pos = d->len - x->avail_in;
    switch (r) {
    case LZMA_STREAM_END: /* index, footer and check all verified */
        d->state = DS_HEAD;
        break;
    case LZMA_OK:
    case LZMA_BUF_ERROR: /* no progress possible now */
        break;
    case LZMA_MEMLIMIT_ERROR:
        return fail(
            d, err, RD_MEMORY_LIMIT,
            "archive '%s' needs %llu MiB to decompress (xz dictionary), more than the limit of %llu MiB",
            dname(d), mib_up(lzma_memusage(x)), mib_down(d->mem_limit));
    case LZMA_FORMAT_ERROR:
        return fail_corrupt(d, err, "not in the xz format");
    case LZMA_OPTIONS_ERROR:
        return fail_corrupt(d, err, "unsupported options");
    case LZMA_DATA_ERROR:
        return fail_corrupt(d, err, "compressed data is corrupt");
    case LZMA_MEM_ERROR:
        return fail_nomem(d, err);
    default:
        return fail_lib(d, err, (int)r);
    }
    return (ssize_t)(cap - x->avail_out);
}

static ssize_t
step_bzip2(struct decode_stream *d, unsigned char *buf, size_t cap,
           struct rd_err *err)
{
    bz_stream *bz = &d->u.bz;
    int r;

    bz->next_in = (char *)(d->in + d->pos);
    bz->avail_in = (unsigned int)(d->len - d->pos);
    bz->next_out = (char *)buf;
    bz->avail_out = (unsigned int)cap;
    r = BZ2_bzDecompress(bz);
    d->pos = d->len - bz->avail_in;
    switch (r) {
    case BZ_STREAM_END: /* block and stream CRCs matched */
        BZ2_bzDecompressEnd(bz);
        d->live = false;
        d->state = DS_HEAD;
        break;
    case BZ_OK:
        break;
    case BZ_DATA_ERROR:
        return fail_corrupt(d, err, "data error or CRC mismatch");
    case BZ_DATA_ERROR_MAGIC:
        return fail_corrupt(d, err, "not in the bzip2 format");
    case BZ_MEM_ERROR:
        return fail_nomem(d, err);
    default:
        return fail_lib(d, err, r);
    }
    return (ssize_t)(cap - bz->avail_out);
}

static ssize_t
step_lz4(struct decode_stream *d, unsigned char *buf, size_t cap,
         struct rd_err *err)
{
    size_t out = cap, in = d->len - d->pos;
    size_t r = LZ4F_decompress(d->u.lz, buf, &out, d->in + d->pos, &in, NULL);

    d->pos += in;
    if (LZ4F_isError(r)) {
        if (LZ4F_getErrorCode(r) == LZ4F_ERROR_allocation_failed)
            return fail_nomem(d, err);
        return fail_corrupt(d, err, LZ4F_getErrorName(r));
    }
    /* 0: the frame ended (content checksum matched) and is flushed. */
    if (r == 0)
        d->state = DS_HEAD;
    return (ssize_t)out;
}

/* --- member boundaries ------------------------------------------------ */

/* Get the library ready for the member that starts at the current offset. */
static int
begin_member(struct decode_stream *d, struct rd_err *err)
{
    int r;

    switch (d->kind) {
    case DUMP_GZIP:
        r = inflateReset(&d->u.z);
        if (r != Z_OK)
            return fail_lib(d, err, r);
        break;
    case DUMP_ZSTD: {
        ZSTD_frameHeader fh;

        /* The DCtx reads the frame itself; the header is only for messages. */
        d->window = 0;
        if (ZSTD_getFrameHeader(&fh, d->in + d->pos, d->len - d->pos) == 0 &&
            fh.frameType == ZSTD_frame)
            d->window = fh.windowSize;
        break;
    }
    case DUMP_BZIP2:
        memset(&d->u.bz, 0, sizeof(d->u.bz));
        r = BZ2_bzDecompressInit(&d->u.bz, 0, 0);
        if (r != BZ_OK)
            return r == BZ_MEM_ERROR ? fail_nomem(d, err) : fail_lib(d, err, r);
        d->live = true;
        break;
    case DUMP_XZ:
        /*
         * One stream per decoder (no LZMA_CONCATENATED): we see the stream
         * boundaries, so padding and trailing bytes are judged here, with
         * their offsets, rather than as "input ended early".
         */
        r = (int)lzma_stream_decoder(&d->u.x, d->mem_limit, 0);
        if (r != LZMA_OK)
            return r == LZMA_MEM_ERROR ? fail_nomem(d, err)
                                       : fail_lib(d, err, r);
        d->live = true;
        break;
    default: /* lz4: the context is ready again after a frame */
        break;
    }
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
        return fail(
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
        return fail(d, err, RD_DECOMPRESS_TRUNCATED,
                    "archive '%s' is truncated: no %s data (0 bytes)", dname(d),
                    d->fmt);
    }
    m = magic_match(d->kind, p, avail);
    if (m == 0) {
        /* Fewer bytes than a magic, and they begin one. */
        d->unit_start = d->base + d->pos;
        d->pos = d->len;
        return fail_truncated(d, err);
    }
    if (m < 0) {
        if (d->units > 0)
            return fail(
                d, err, RD_DECOMPRESS_CORRUPT,
                "archive '%s' is corrupt: trailing garbage after the last %s %s at byte %llu",
                dname(d), d->fmt, d->unit, doff(d));
        return fail(d, err, RD_DECOMPRESS_CORRUPT,
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
        switch (d->kind) {
        case DUMP_GZIP:
            n = step_gzip(d, buf, cap, err);
            break;
        case DUMP_ZSTD:
            n = step_zstd(d, buf, cap, err);
            break;
        case DUMP_XZ:
            n = step_xz(d, buf, cap, err);
            break;
        case DUMP_BZIP2:
            n = step_bzip2(d, buf, cap, err);
            break;
        default:
            n = step_lz4(d, buf, cap, err);
            break;
        }
        if (n != 0)
            return n; /* bytes, or -1 */
        if (d->state != DS_BODY || d->base + d->pos != before) {
            d->stalls = 0;
            continue;
        }
        /* Nothing in, nothing out: the member wants bytes that never come. */
        if (d->eof && d->pos == d->len)
            return fail_truncated(d, err);
        if (++d->stalls >= MAX_STALLS)
            return fail(
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

    if (d->live) {
        switch (d->kind) {
        case DUMP_GZIP:
            inflateEnd(&d->u.z);
            break;
        case DUMP_ZSTD:
            ZSTD_freeDCtx(d->u.zd);
            break;
        case DUMP_XZ:
            lzma_end(&d->u.x);
            break;
        case DUMP_BZIP2:
            BZ2_bzDecompressEnd(&d->u.bz);
            break;
        default:
            LZ4F_freeDecompressionContext(d->u.lz);
            break;
        }
    }
    stream_free(s->below);
    free(d->in);
    free(d);
}

/* The largest zstd windowLog whose window fits ${limit}, within the bounds. */
static int
zstd_window_log(uint64_t limit)
{
    ZSTD_bounds b = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
    int wl = 10;

    if (ZSTD_isError(b.error)) {
        b.lowerBound = 10;
        b.upperBound = 27;
    }
    while (wl < b.upperBound && wl < 63 && ((uint64_t)1 << (wl + 1)) <= limit)
        wl++;
    return wl < b.lowerBound ? b.lowerBound : wl;
}

/* Set up the library state that lives for the whole stream. */
static int
decode_init(struct decode_stream *d, struct rd_err *err)
{
    switch (d->kind) {
    case DUMP_GZIP:
        /* 16 + 15: gzip wrapper only (CRC32, ISIZE), a 32 KiB window. */
        memset(&d->u.z, 0, sizeof(d->u.z));
        if (inflateInit2(&d->u.z, 16 + 15) != Z_OK)
            goto fail;
        break;
    case DUMP_ZSTD:
        d->u.zd = ZSTD_createDCtx();
        if (d->u.zd == NULL)
            goto fail;
        if (ZSTD_isError(ZSTD_DCtx_setParameter(
                d->u.zd, ZSTD_d_windowLogMax, zstd_window_log(d->mem_limit)))) {
            ZSTD_freeDCtx(d->u.zd);
            goto fail;
        }
        break;
    case DUMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;

        d->u.x = init;
        return 0; /* set up per stream, in begin_member() */
    }
    case DUMP_BZIP2:
        return 0; /* set up per stream, in begin_member() */
    default:
        if (LZ4F_isError(
                LZ4F_createDecompressionContext(&d->u.lz, LZ4F_VERSION)))
            goto fail;
        break;
    }
    d->live = true;
    return 0;

fail:
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
    static const char *const units[] = {[DUMP_GZIP] = "member",
                                        [DUMP_ZSTD] = "frame",
                                        [DUMP_XZ] = "stream",
                                        [DUMP_BZIP2] = "stream",
                                        [DUMP_LZ4] = "frame"};
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
    d->unit = units[kind];
    d->mem_limit = mem_limit;
    d->state = DS_HEAD;
    if (decode_init(d, err) != 0) {
        decode_free(&d->s);
        return NULL;
    }
    return &d->s;
}
