/* decode_codecs: the decompressor table -- zlib, libzstd, liblzma, libbz2
 * and liblz4, one row each: set up, begin a member, step, release. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <zstd_errors.h>

#include "restore/decode/decode_int.h"

#define MIB (1024 * 1024)

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

/* --- set-up, member starts and release --------------------------------- */

static int
init_gzip(struct decode_stream *d)
{
    /* 16 + 15: gzip wrapper only (CRC32, ISIZE), a 32 KiB window. */
    memset(&d->u.z, 0, sizeof(d->u.z));
    if (inflateInit2(&d->u.z, 16 + 15) != Z_OK)
        return -1;
    d->live = true;
    return 0;
}

static int
begin_gzip(struct decode_stream *d, struct rd_err *err)
{
    int r = inflateReset(&d->u.z);

    if (r != Z_OK)
        return decode_fail_lib(d, err, r);
    return 0;
}

static void
end_gzip(struct decode_stream *d)
{
    inflateEnd(&d->u.z);
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

static int
init_zstd(struct decode_stream *d)
{
    d->u.zd = ZSTD_createDCtx();
    if (d->u.zd == NULL)
        return -1;
    if (ZSTD_isError(ZSTD_DCtx_setParameter(d->u.zd, ZSTD_d_windowLogMax,
                                            zstd_window_log(d->mem_limit)))) {
        ZSTD_freeDCtx(d->u.zd);
        return -1;
    }
    d->live = true;
    return 0;
}

static int
begin_zstd(struct decode_stream *d, struct rd_err *err)
{
    ZSTD_frameHeader fh;

    (void)err;
    /* The DCtx reads the frame itself; the header is only for messages. */
    d->window = 0;
    if (ZSTD_getFrameHeader(&fh, d->in + d->pos, d->len - d->pos) == 0 &&
        fh.frameType == ZSTD_frame)
        d->window = fh.windowSize;
    return 0;
}

static void
end_zstd(struct decode_stream *d)
{
    ZSTD_freeDCtx(d->u.zd);
}

static int
init_xz(struct decode_stream *d)
{
    lzma_stream init = LZMA_STREAM_INIT;

    d->u.x = init;
    return 0; /* set up per stream, in begin_xz() */
}

static int
begin_xz(struct decode_stream *d, struct rd_err *err)
{
    /*
     * One stream per decoder (no LZMA_CONCATENATED): we see the stream
     * boundaries, so padding and trailing bytes are judged here, with
     * their offsets, rather than as "input ended early".
     */
    int r = (int)lzma_stream_decoder(&d->u.x, d->mem_limit, 0);

    if (r != LZMA_OK)
        return r == LZMA_MEM_ERROR ? decode_fail_nomem(d, err)
                                   : decode_fail_lib(d, err, r);
    d->live = true;
    return 0;
}

static void
end_xz(struct decode_stream *d)
{
    lzma_end(&d->u.x);
}

static int
init_bzip2(struct decode_stream *d)
{
    (void)d;
    return 0; /* set up per stream, in begin_bzip2() */
}

static int
begin_bzip2(struct decode_stream *d, struct rd_err *err)
{
    int r;

    memset(&d->u.bz, 0, sizeof(d->u.bz));
    r = BZ2_bzDecompressInit(&d->u.bz, 0, 0);
    if (r != BZ_OK)
        return r == BZ_MEM_ERROR ? decode_fail_nomem(d, err)
                                 : decode_fail_lib(d, err, r);
    d->live = true;
    return 0;
}

static void
end_bzip2(struct decode_stream *d)
{
    BZ2_bzDecompressEnd(&d->u.bz);
}

static int
init_lz4(struct decode_stream *d)
{
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d->u.lz, LZ4F_VERSION)))
        return -1;
    d->live = true;
    return 0;
}

/* lz4 has no begin: the context is ready again after a frame. */

static void
end_lz4(struct decode_stream *d)
{
    LZ4F_freeDecompressionContext(d->u.lz);
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
        return decode_fail_corrupt(d, err,
                                   z->msg != NULL ? z->msg : "invalid data");
    case Z_MEM_ERROR:
        return decode_fail_nomem(d, err);
    default:
        return decode_fail_lib(d, err, r);
    }
    return (ssize_t)(cap - z->avail_out);
}

/* The zstd window is too large for the memory limit. */
static int
fail_zstd_window(struct decode_stream *d, struct rd_err *err)
{
    if (d->window > d->mem_limit)
        return decode_fail(
            d, err, RD_MEMORY_LIMIT,
            "archive '%s' needs %llu MiB to decompress (zstd window), more than the limit of %llu MiB",
            dname(d), mib_up(d->window), mib_down(d->mem_limit));
    return decode_fail(
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
            return decode_fail_nomem(d, err);
        default:
            return decode_fail_corrupt(d, err, ZSTD_getErrorName(r));
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
        return decode_fail(
            d, err, RD_MEMORY_LIMIT,
            "archive '%s' needs %llu MiB to decompress (xz dictionary), more than the limit of %llu MiB",
            dname(d), mib_up(lzma_memusage(x)), mib_down(d->mem_limit));
    case LZMA_FORMAT_ERROR:
        return decode_fail_corrupt(d, err, "not in the xz format");
    case LZMA_OPTIONS_ERROR:
        return decode_fail_corrupt(d, err, "unsupported options");
    case LZMA_DATA_ERROR:
        return decode_fail_corrupt(d, err, "compressed data is corrupt");
    case LZMA_MEM_ERROR:
        return decode_fail_nomem(d, err);
    default:
        return decode_fail_lib(d, err, (int)r);
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
        return decode_fail_corrupt(d, err, "data error or CRC mismatch");
    case BZ_DATA_ERROR_MAGIC:
        return decode_fail_corrupt(d, err, "not in the bzip2 format");
    case BZ_MEM_ERROR:
        return decode_fail_nomem(d, err);
    default:
        return decode_fail_lib(d, err, r);
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
            return decode_fail_nomem(d, err);
        return decode_fail_corrupt(d, err, LZ4F_getErrorName(r));
    }
    /* 0: the frame ended (content checksum matched) and is flushed. */
    if (r == 0)
        d->state = DS_HEAD;
    return (ssize_t)out;
}

/* --- the table ---------------------------------------------------------- */

static const struct decode_codec codecs[] = {
    [DUMP_GZIP] = {"member", init_gzip, begin_gzip, step_gzip, end_gzip},
    [DUMP_ZSTD] = {"frame", init_zstd, begin_zstd, step_zstd, end_zstd},
    [DUMP_XZ] = {"stream", init_xz, begin_xz, step_xz, end_xz},
    [DUMP_BZIP2] = {"stream", init_bzip2, begin_bzip2, step_bzip2, end_bzip2},
    [DUMP_LZ4] = {"frame", init_lz4, NULL, step_lz4, end_lz4},
};

const struct decode_codec *
decode_codec(enum dump_kind kind)
{
    if ((size_t)kind >= sizeof(codecs) / sizeof(codecs[0]) ||
        codecs[kind].step == NULL)
        return NULL;
    return &codecs[kind];
}
