/* test_decode: the five decoders on library-made and CLI-made inputs, with
 * strict ends (truncation, corruption, trailing bytes, memory caps). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <check.h>

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "verifier/util/rd_err.h"

#include "restore/decode/decode.h"

Suite *decode_suite(void);

#define NKINDS     5
#define MIB        (1024 * 1024)
#define BIG_LIMIT  ((uint64_t)256 * MIB)
#define OUT_CAP    ((size_t)64 * MIB)
#define DATA_LEN   ((size_t)1000 * 1000)
#define DATA2_LEN  ((size_t)100 * 1000)
#define CHUNKY_IN  1 /* the stream below returns 1..7 bytes at a time */
#define CHUNKY_OUT 2 /* read() is asked for 1..7 bytes at a time */

static const enum dump_kind kinds[NKINDS] = {DUMP_GZIP, DUMP_ZSTD, DUMP_XZ,
                                             DUMP_BZIP2, DUMP_LZ4};
static const char *const kind_names[NKINDS] = {"gzip", "zstd", "xz", "bzip2",
                                               "lz4"};
static const char *const unit_names[NKINDS] = {"member", "frame", "stream",
                                               "stream", "frame"};

struct buf {
    unsigned char *p;
    size_t len;
};

/* --- data and compressors --------------------------------------------- */

/* xorshift32: repeatable pseudo-random numbers. */
static uint32_t
rng_next(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* Append ${n} bytes to ${b} (test code: growth is fine here). */
static void
buf_append(struct buf *b, const void *p, size_t n)
{
    b->p = realloc(b->p, b->len + n + 1);
    ck_assert_ptr_nonnull(b->p);
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* Free ${b} and leave it empty. */
static void
buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
}

/* A new copy of ${b}. */
static struct buf
buf_copy(const struct buf *b)
{
    struct buf c = {NULL, 0};

    buf_append(&c, b->p, b->len);
    return c;
}

/* ${len} bytes of SQL-like lines with runs and stretches of noise. */
static void
make_data(struct buf *b, size_t len, uint32_t seed)
{
    uint32_t s = seed;

    b->p = malloc(len + 1);
    ck_assert_ptr_nonnull(b->p);
    b->len = 0;
    while (b->len < len) {
        unsigned char chunk[4096];
        uint32_t r = rng_next(&s), pick = r % 16;
        size_t n;

        if (pick == 0) { /* noise */
            n = 1 + rng_next(&s) % sizeof(chunk);
            for (size_t i = 0; i < n; i++)
                chunk[i] = (unsigned char)rng_next(&s);
        } else if (pick == 1) { /* a run */
            n = 1 + rng_next(&s) % sizeof(chunk);
            memset(chunk, (int)(rng_next(&s) & 0xff), n);
        } else {
            int k = snprintf(
                (char *)chunk, sizeof(chunk),
                "INSERT INTO public.orders VALUES (%u, 'customer-%u', %u.%02u, '2024-%02u-%02u');\n",
                rng_next(&s) % 1000000, rng_next(&s) % 5000,
                rng_next(&s) % 1000, rng_next(&s) % 100, 1 + rng_next(&s) % 12,
                1 + rng_next(&s) % 28);
            n = (size_t)k;
        }
        if (n > len - b->len)
            n = len - b->len;
        memcpy(b->p + b->len, chunk, n);
        b->len += n;
    }
}

/* One gzip member (deflateInit2 with 16 + 15). */
static void
gzip_compress(const unsigned char *src, size_t len, struct buf *out)
{
    z_stream z;

    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(
        deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    out->len = deflateBound(&z, (uLong)len) + 64;
    out->p = malloc(out->len);
    ck_assert_ptr_nonnull(out->p);
    z.next_in = (unsigned char *)(uintptr_t)src;
    z.avail_in = (uInt)len;
    z.next_out = out->p;
    z.avail_out = (uInt)out->len;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len = z.total_out;
    deflateEnd(&z);
}

/*
 * zstd with a checksum; window_log > 0 forces that window through the
 * streaming API (a one-shot call would shrink it to the input's size).
 */
static void
zstd_compress_wl(const unsigned char *src, size_t len, int window_log,
                 struct buf *out)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_inBuffer in = {src, len, 0};
    ZSTD_outBuffer o;
    size_t r;

    ck_assert_ptr_nonnull(c);
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
    out->len = ZSTD_compressBound(len) + 64;
    out->p = malloc(out->len);
    ck_assert_ptr_nonnull(out->p);
    if (window_log == 0) {
        r = ZSTD_compress2(c, out->p, out->len, src, len);
        ck_assert_msg(!ZSTD_isError(r), "%s", ZSTD_getErrorName(r));
        out->len = r;
    } else {
        ck_assert(!ZSTD_isError(
            ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log)));
        ck_assert(!ZSTD_isError(
            ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, 1)));
        o.dst = out->p;
        o.size = out->len;
        o.pos = 0;
        r = ZSTD_compressStream2(c, &o, &in, ZSTD_e_continue);
        ck_assert(!ZSTD_isError(r));
        do {
            r = ZSTD_compressStream2(c, &o, &in, ZSTD_e_end);
            ck_assert(!ZSTD_isError(r));
        } while (r != 0);
        out->len = o.pos;
    }
    ZSTD_freeCCtx(c);
}

/* One xz stream with a CRC64 check. */
static void
xz_compress_preset(const unsigned char *src, size_t len, uint32_t preset,
                   struct buf *out)
{
    size_t pos = 0, size = lzma_stream_buffer_bound(len);

    out->p = malloc(size);
    ck_assert_ptr_nonnull(out->p);
    ck_assert_int_eq(lzma_easy_buffer_encode(preset, LZMA_CHECK_CRC64, NULL,
                                             src, len, out->p, &pos, size),
                     LZMA_OK);
    out->len = pos;
}

/* One bzip2 stream, 900k blocks. */
static void
bzip2_compress(const unsigned char *src, size_t len, struct buf *out)
{
    unsigned int n = (unsigned int)(len + len / 100 + 700);

    out->p = malloc(n);
    ck_assert_ptr_nonnull(out->p);
    ck_assert_int_eq(BZ2_bzBuffToBuffCompress((char *)out->p, &n,
                                              (char *)(uintptr_t)src,
                                              (unsigned int)len, 9, 0, 0),
                     BZ_OK);
    out->len = n;
}

/* One lz4 frame with a content checksum. */
static void
lz4_compress(const unsigned char *src, size_t len, struct buf *out)
{
    LZ4F_preferences_t prefs;
    size_t r;

    memset(&prefs, 0, sizeof(prefs));
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    out->len = LZ4F_compressFrameBound(len, &prefs);
    out->p = malloc(out->len);
    ck_assert_ptr_nonnull(out->p);
    r = LZ4F_compressFrame(out->p, out->len, src, len, &prefs);
    ck_assert_msg(!LZ4F_isError(r), "%s", LZ4F_getErrorName(r));
    out->len = r;
}

/* Compress ${len} bytes at ${src} as kinds[${k}] into a new ${out}. */
static void
compress_kind(int k, const unsigned char *src, size_t len, struct buf *out)
{
    switch (kinds[k]) {
    case DUMP_GZIP:
        gzip_compress(src, len, out);
        break;
    case DUMP_ZSTD:
        zstd_compress_wl(src, len, 0, out);
        break;
    case DUMP_XZ:
        xz_compress_preset(src, len, 1, out);
        break;
    case DUMP_BZIP2:
        bzip2_compress(src, len, out);
        break;
    default:
        lz4_compress(src, len, out);
        break;
    }
}

/* --- fixtures (made once, in the parent, before the tests fork) -------- */

static struct buf plain1, plain2, packed1[NKINDS], packed2[NKINDS];

/* Two inputs (1 MB and 100 KB) compressed in every format. */
static void
fixtures_setup(void)
{
    make_data(&plain1, DATA_LEN, 42);
    make_data(&plain2, DATA2_LEN, 7);
    for (int k = 0; k < NKINDS; k++) {
        compress_kind(k, plain1.p, plain1.len, &packed1[k]);
        compress_kind(k, plain2.p, plain2.len, &packed2[k]);
    }
}

/* Free what fixtures_setup() made. */
static void
fixtures_teardown(void)
{
    buf_free(&plain1);
    buf_free(&plain2);
    for (int k = 0; k < NKINDS; k++) {
        buf_free(&packed1[k]);
        buf_free(&packed2[k]);
    }
}

/* --- a memory-backed stream ------------------------------------------- */

struct mem_stream {
    struct stream s;
    const unsigned char *p; /* (borrowed) */
    size_t len, pos;
    size_t fail_at; /* fail once this many bytes were returned */
    int chunky;
    uint32_t rng;
    int *freed; /* (borrowed) set to 1 by free(), or NULL */
};

/* Hand out the next bytes (1..7 when chunky); fail at fail_at. */
static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    size_t n = m->len - m->pos;

    if (m->pos >= m->fail_at)
        return rd_err_set(err, RD_SOURCE_UNREACHABLE,
                          "cannot read archive '%s': connection reset",
                          s->name);
    if (n > cap)
        n = cap;
    if (m->chunky && n > 0) {
        size_t c = 1 + rng_next(&m->rng) % 7;

        if (n > c)
            n = c;
    }
    if (n > m->fail_at - m->pos)
        n = m->fail_at - m->pos;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

/* Free the stream and note that it was freed. */
static void
mem_free(struct stream *s)
{
    struct mem_stream *m = (struct mem_stream *)s;

    if (m->freed != NULL)
        *m->freed = 1;
    free(m);
}

/* A stream over ${len} bytes at ${p} (borrowed), named 'db.dump'. */
static struct stream *
mem_new(const unsigned char *p, size_t len, int chunky)
{
    struct mem_stream *m = calloc(1, sizeof(*m));

    ck_assert_ptr_nonnull(m);
    m->s.read = mem_read;
    m->s.free = mem_free;
    m->s.name = "db.dump";
    m->p = p;
    m->len = len;
    m->fail_at = SIZE_MAX;
    m->chunky = chunky;
    m->rng = 0x9e3779b9u ^ (uint32_t)len;
    return &m->s;
}

/*
 * Decode ${s} to its end into ${out} (grown as needed, capped at OUT_CAP);
 * returns read()'s verdict, 0 or -1.  Checks that the verdict sticks.
 */
static int
drain(struct stream *s, int mode, struct buf *out, struct rd_err *err)
{
    static unsigned char chunk[65536];
    uint32_t rng = 12345;
    size_t alloc = 0;
    int rc;

    out->p = NULL;
    out->len = 0;
    for (;;) {
        size_t cap = sizeof(chunk);
        ssize_t n;

        if (mode & CHUNKY_OUT)
            cap = 1 + rng_next(&rng) % 7;
        n = stream_read(s, chunk, cap, err);
        if (n <= 0) {
            rc = (int)n;
            break;
        }
        ck_assert_uint_le((size_t)n, cap);
        ck_assert_uint_le(out->len + (size_t)n, OUT_CAP);
        if (out->len + (size_t)n > alloc) {
            alloc = (out->len + (size_t)n) * 2;
            out->p = realloc(out->p, alloc);
            ck_assert_ptr_nonnull(out->p);
        }
        memcpy(out->p + out->len, chunk, (size_t)n);
        out->len += (size_t)n;
    }
    /* The verdict sticks: 0 stays 0; after -1 the stream refuses. */
    {
        struct rd_err again = {0};

        ck_assert_int_eq(stream_read(s, chunk, sizeof(chunk), &again), rc);
    }
    return rc;
}

/* Decode ${len} bytes at ${p} as kinds[${k}]. */
static int
decode_buf(int k, const unsigned char *p, size_t len, int mode,
           uint64_t mem_limit, struct buf *out, struct rd_err *err)
{
    struct stream *s;
    int rc;

    s = decode_new(mem_new(p, len, mode & CHUNKY_IN), kinds[k], mem_limit, err);
    ck_assert_msg(s != NULL, "decode_new: %s", err->msg);
    rc = drain(s, mode, out, err);
    stream_free(s);
    if (rc != 0) {
        ck_assert_msg(strstr(err->msg, "'db.dump'") != NULL,
                      "message does not name the archive: %s", err->msg);
    }
    return rc;
}

/* ${got} holds exactly the ${len} bytes at ${want}. */
static void
assert_same(const struct buf *got, const unsigned char *want, size_t len)
{
    ck_assert_uint_eq(got->len, len);
    ck_assert_msg(len == 0 || memcmp(got->p, want, len) == 0,
                  "decoded bytes differ");
}

/* Decoding must fail with ${code}; the message must name the format. */
static void
expect_fail(int k, const unsigned char *p, size_t len, int mode,
            enum rd_code code, const char *what)
{
    struct rd_err err = {0};
    struct buf out;
    int rc = decode_buf(k, p, len, mode, BIG_LIMIT, &out, &err);

    buf_free(&out);
    ck_assert_msg(rc == -1, "%s %s: decoded without error", kind_names[k],
                  what);
    ck_assert_msg(err.code == code, "%s %s: got %s (%s), want %s",
                  kind_names[k], what, rd_code_name(err.code), err.msg,
                  rd_code_name(code));
    ck_assert_msg(strstr(err.msg, kind_names[k]) != NULL,
                  "message does not name the format: %s", err.msg);
}

/* Decoding must fail (truncated or corrupt) or give exactly ${want}. */
static void
expect_fail_or_same(int k, const unsigned char *p, size_t len,
                    const struct buf *want, const char *what)
{
    struct rd_err err = {0};
    struct buf out;
    int rc = decode_buf(k, p, len, 0, BIG_LIMIT, &out, &err);

    if (rc == 0) {
        ck_assert_msg(
            out.len == want->len && memcmp(out.p, want->p, want->len) == 0,
            "%s %s: accepted with different bytes", kind_names[k], what);
    } else {
        ck_assert_msg(err.code == RD_DECOMPRESS_CORRUPT ||
                          err.code == RD_DECOMPRESS_TRUNCATED,
                      "%s %s: unexpected %s (%s)", kind_names[k], what,
                      rd_code_name(err.code), err.msg);
    }
    buf_free(&out);
}

/* Decoding must fail as truncated or corrupt. */
static void
expect_error(int k, const unsigned char *p, size_t len, const char *what)
{
    struct rd_err err = {0};
    struct buf out;
    int rc = decode_buf(k, p, len, 0, BIG_LIMIT, &out, &err);

    buf_free(&out);
    ck_assert_msg(rc == -1, "%s %s: decoded without error", kind_names[k],
                  what);
    ck_assert_msg(err.code == RD_DECOMPRESS_CORRUPT ||
                      err.code == RD_DECOMPRESS_TRUNCATED,
                  "%s %s: unexpected %s (%s)", kind_names[k], what,
                  rd_code_name(err.code), err.msg);
}

/* --- per-format tests (loop index = format) ---------------------------- */

START_TEST(test_round_trip)
{
    static const int modes[] = {0, CHUNKY_IN | CHUNKY_OUT, CHUNKY_IN,
                                CHUNKY_OUT};

    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        /* The 1 MB input in big and in tiny steps, the small one in both. */
        const struct buf *in = m < 2 ? &packed1[_i] : &packed2[_i];
        const struct buf *want = m < 2 ? &plain1 : &plain2;
        struct rd_err err = {0};
        struct buf out;

        ck_assert_msg(decode_buf(_i, in->p, in->len, modes[m], BIG_LIMIT, &out,
                                 &err) == 0,
                      "%s mode %d: %s", kind_names[_i], modes[m], err.msg);
        assert_same(&out, want->p, want->len);
        buf_free(&out);
    }
}
END_TEST

START_TEST(test_concatenated)
{
    struct buf in = buf_copy(&packed1[_i]), want = buf_copy(&plain1), empty;
    struct rd_err err = {0};
    struct buf out;

    /* a + compressed-empty + b decodes to a + b. */
    compress_kind(_i, (const unsigned char *)"", 0, &empty);
    buf_append(&in, empty.p, empty.len);
    buf_append(&in, packed2[_i].p, packed2[_i].len);
    buf_append(&want, plain2.p, plain2.len);
    for (int mode = 0; mode <= CHUNKY_IN; mode++) {
        ck_assert_msg(
            decode_buf(_i, in.p, in.len, mode, BIG_LIMIT, &out, &err) == 0,
            "%s: %s", kind_names[_i], err.msg);
        assert_same(&out, want.p, want.len);
        buf_free(&out);
    }
    buf_free(&empty);
    buf_free(&in);
    buf_free(&want);
}
END_TEST

START_TEST(test_compressed_empty)
{
    struct rd_err err = {0};
    struct buf empty, out;

    compress_kind(_i, (const unsigned char *)"", 0, &empty);
    ck_assert_msg(
        decode_buf(_i, empty.p, empty.len, 0, BIG_LIMIT, &out, &err) == 0, "%s",
        err.msg);
    ck_assert_uint_eq(out.len, 0);
    buf_free(&out);
    buf_free(&empty);
}
END_TEST

START_TEST(test_truncated)
{
    const struct buf *in = &packed1[_i];
    struct rd_err err = {0};
    struct buf out;
    char what[64];

    expect_fail(_i, in->p, in->len - 1, 0, RD_DECOMPRESS_TRUNCATED,
                "minus 1 byte");
    expect_fail(_i, in->p, in->len - 1, CHUNKY_IN, RD_DECOMPRESS_TRUNCATED,
                "minus 1 byte, chunky");
    expect_fail(_i, in->p, in->len / 2, 0, RD_DECOMPRESS_TRUNCATED, "half");
    for (size_t len = 0; len <= 64 && len < in->len; len++) {
        snprintf(what, sizeof(what), "cut at %zu", len);
        expect_fail(_i, in->p, len, 0, RD_DECOMPRESS_TRUNCATED, what);
        expect_fail(_i, in->p, len, CHUNKY_IN, RD_DECOMPRESS_TRUNCATED, what);
    }
    /* Cuts in the last 64 bytes, too. */
    for (size_t cut = 2; cut <= 64; cut += cut < 12 ? 1 : 13) {
        snprintf(what, sizeof(what), "minus %zu", cut);
        expect_fail(_i, in->p, in->len - cut, 0, RD_DECOMPRESS_TRUNCATED, what);
    }
    /* The message names the member and where the input ended. */
    ck_assert_int_eq(
        decode_buf(_i, in->p, in->len / 2, 0, BIG_LIMIT, &out, &err), -1);
    buf_free(&out);
    snprintf(what, sizeof(what), "ends early at byte %zu", in->len / 2);
    ck_assert_msg(strstr(err.msg, what) != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, unit_names[_i]) != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_empty_input)
{
    struct rd_err err = {0};
    struct buf out;

    ck_assert_int_eq(
        decode_buf(_i, (const unsigned char *)"", 0, 0, BIG_LIMIT, &out, &err),
        -1);
    ck_assert_int_eq(err.code, RD_DECOMPRESS_TRUNCATED);
    ck_assert_msg(strstr(err.msg, "0 bytes") != NULL, "%s", err.msg);
    ck_assert_uint_eq(out.len, 0);
    buf_free(&out);
}
END_TEST

START_TEST(test_bit_flips)
{
    struct buf in = buf_copy(&packed1[_i]), small = buf_copy(&packed2[_i]);
    uint32_t rng = 99;
    char what[64];

    /* The middle: compressed data under a checksum -> always an error. */
    for (int bit = 0; bit < 8; bit++) {
        size_t at = in.len / 2 + (size_t)bit * 37;

        in.p[at] ^= (unsigned char)(1u << bit);
        snprintf(what, sizeof(what), "bit %d of byte %zu", bit, at);
        expect_error(_i, in.p, in.len, what);
        in.p[at] ^= (unsigned char)(1u << bit);
    }
    /* The last 8 bytes (trailers, checksums, end marks). */
    for (size_t at = in.len - 8; at < in.len; at++) {
        for (int bit = 0; bit < 8; bit += 7) {
            in.p[at] ^= (unsigned char)(1u << bit);
            snprintf(what, sizeof(what), "bit %d of byte %zu", bit, at);
            expect_fail_or_same(_i, in.p, in.len, &plain1, what);
            in.p[at] ^= (unsigned char)(1u << bit);
        }
    }
    /* Every bit of the last 8 bytes of the small input. */
    for (size_t at = small.len - 8; at < small.len; at++) {
        for (int bit = 0; bit < 8; bit++) {
            small.p[at] ^= (unsigned char)(1u << bit);
            snprintf(what, sizeof(what), "bit %d of byte %zu", bit, at);
            expect_fail_or_same(_i, small.p, small.len, &plain2, what);
            small.p[at] ^= (unsigned char)(1u << bit);
        }
    }
    /* Random single bits anywhere, headers included. */
    for (int i = 0; i < 32; i++) {
        size_t at = i < 8 ? i * 3u : rng_next(&rng) % small.len;
        int bit = (int)(rng_next(&rng) % 8);

        small.p[at] ^= (unsigned char)(1u << bit);
        snprintf(what, sizeof(what), "bit %d of byte %zu", bit, at);
        expect_fail_or_same(_i, small.p, small.len, &plain2, what);
        small.p[at] ^= (unsigned char)(1u << bit);
    }
    buf_free(&in);
    buf_free(&small);
}
END_TEST

START_TEST(test_trailing_garbage)
{
    static const struct {
        const char *bytes;
        size_t len;
        int xz_ok; /* legal xz stream padding */
    } junk[] = {{"junk\n", 5, 0},      {"\0", 1, 0},     {NULL, 512, 1},
                {"\0\0\0\0", 4, 1},    {"\0\0\0", 3, 0}, {"\0\0\0\0\0", 5, 0},
                {"\0\0\0\0junk", 8, 0}};
    static const unsigned char zeros[512];

    for (size_t j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
        struct buf in = buf_copy(&packed2[_i]);
        const void *bytes =
            junk[j].bytes != NULL ? (const void *)junk[j].bytes : zeros;
        struct rd_err err = {0};
        struct buf out;
        int rc;

        buf_append(&in, bytes, junk[j].len);
        for (int mode = 0; mode <= CHUNKY_IN; mode++) {
            rc = decode_buf(_i, in.p, in.len, mode, BIG_LIMIT, &out, &err);
            if (kinds[_i] == DUMP_XZ && junk[j].xz_ok) {
                ck_assert_msg(rc == 0, "xz padding %zu: %s", junk[j].len,
                              err.msg);
                assert_same(&out, plain2.p, plain2.len);
            } else {
                char want[128];

                ck_assert_msg(rc == -1 && err.code == RD_DECOMPRESS_CORRUPT,
                              "%s + %zu junk bytes: rc %d %s", kind_names[_i],
                              junk[j].len, rc, err.msg);
                snprintf(want, sizeof(want),
                         "trailing garbage after the last %s %s at byte %zu",
                         kind_names[_i], unit_names[_i], packed2[_i].len);
                if (kinds[_i] != DUMP_XZ)
                    ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
            }
            buf_free(&out);
        }
        buf_free(&in);
    }
}
END_TEST

/* A complete member followed by the start of another one is truncated. */
START_TEST(test_trailing_magic_prefix)
{
    struct buf in = buf_copy(&packed2[_i]);
    size_t keep = kinds[_i] == DUMP_GZIP ? 1 : 3;

    buf_append(&in, packed2[_i].p, keep);
    expect_fail(_i, in.p, in.len, 0, RD_DECOMPRESS_TRUNCATED, "magic prefix");
    expect_fail(_i, in.p, in.len, CHUNKY_IN, RD_DECOMPRESS_TRUNCATED,
                "magic prefix");
    /* ... and so is a second member cut anywhere in its first 64 bytes. */
    for (size_t cut = keep + 1; cut <= 64; cut++) {
        in.len = packed2[_i].len;
        buf_append(&in, packed2[_i].p, cut);
        expect_fail(_i, in.p, in.len, 0, RD_DECOMPRESS_TRUNCATED,
                    "second member cut");
    }
    buf_free(&in);
}
END_TEST

START_TEST(test_damaged_second_magic)
{
    for (size_t at = 0; at < (kinds[_i] == DUMP_GZIP ? 2u : 4u); at++) {
        struct buf in = buf_copy(&packed2[_i]);
        size_t second = in.len;

        buf_append(&in, packed2[_i].p, packed2[_i].len);
        in.p[second + at] ^= 0x80;
        expect_fail(_i, in.p, in.len, 0, RD_DECOMPRESS_CORRUPT,
                    "damaged second magic");
        expect_fail(_i, in.p, in.len, CHUNKY_IN, RD_DECOMPRESS_CORRUPT,
                    "damaged second magic");
        /* A damaged second member (not its magic) fails too. */
        in.p[second + at] ^= 0x80;
        in.p[second + packed2[_i].len / 2 + at] ^= 0x10;
        expect_error(_i, in.p, in.len, "damaged second member");
        buf_free(&in);
    }
}
END_TEST

/* Data of another format is rejected at byte 0. */
START_TEST(test_wrong_format)
{
    int other = (_i + 1) % NKINDS;

    expect_fail(_i, packed1[other].p, packed1[other].len, 0,
                RD_DECOMPRESS_CORRUPT, "other format");
    expect_fail(_i, (const unsigned char *)"-- PostgreSQL database dump\n", 28,
                0, RD_DECOMPRESS_CORRUPT, "plain text");
}
END_TEST

START_TEST(test_below_fails)
{
    struct rd_err err = {0};
    struct mem_stream *m;
    struct stream *s;
    struct buf out;

    m = (struct mem_stream *)mem_new(packed1[_i].p, packed1[_i].len, 0);
    m->fail_at = packed1[_i].len / 3;
    s = decode_new(&m->s, kinds[_i], BIG_LIMIT, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(drain(s, 0, &out, &err), -1);
    ck_assert_int_eq(err.code, RD_SOURCE_UNREACHABLE);
    ck_assert_str_eq(err.msg,
                     "cannot read archive 'db.dump': connection reset");
    buf_free(&out);
    stream_free(s);
}
END_TEST

/* --- format-specific tests -------------------------------------------- */

/* A skippable frame: magic 0x184D2A5X, little-endian length, payload. */
static void
append_skippable(struct buf *b, unsigned char nibble, const char *payload)
{
    unsigned char h[8] = {(unsigned char)(0x50 | nibble), 0x2a, 0x4d, 0x18};
    size_t n = strlen(payload);

    h[4] = (unsigned char)n;
    buf_append(b, h, sizeof(h));
    buf_append(b, payload, n);
}

START_TEST(test_skippable_frames)
{
    int k = _i == 0 ? 1 : 4; /* zstd, lz4 */
    struct buf in = {NULL, 0}, want = buf_copy(&plain1), out;
    struct rd_err err = {0};

    append_skippable(&in, 0x0, "pzstd index");
    buf_append(&in, packed1[k].p, packed1[k].len);
    append_skippable(&in, 0xe, "");
    buf_append(&in, packed2[k].p, packed2[k].len);
    append_skippable(&in, 0xf, "trailer");
    buf_append(&want, plain2.p, plain2.len);
    for (int mode = 0; mode <= CHUNKY_IN; mode++) {
        ck_assert_msg(
            decode_buf(k, in.p, in.len, mode, BIG_LIMIT, &out, &err) == 0,
            "%s: %s", kind_names[k], err.msg);
        assert_same(&out, want.p, want.len);
        buf_free(&out);
    }
    /* A skippable frame cut short is truncated. */
    expect_fail(k, in.p, in.len - 2, 0, RD_DECOMPRESS_TRUNCATED,
                "cut skippable frame");
    buf_free(&in);
    buf_free(&want);
}
END_TEST

START_TEST(test_zstd_window_limit)
{
    struct buf in, out;
    struct rd_err err = {0};
    ZSTD_frameHeader fh;
    int k = 1;

    zstd_compress_wl(plain1.p, 200 * 1000, 24, &in);
    ck_assert_uint_eq(ZSTD_getFrameHeader(&fh, in.p, in.len), 0);
    ck_assert_uint_eq(fh.windowSize, 16 * MIB);

    ck_assert_int_eq(decode_buf(k, in.p, in.len, 0, 1 * MIB, &out, &err), -1);
    buf_free(&out);
    ck_assert_int_eq(err.code, RD_MEMORY_LIMIT);
    ck_assert_str_eq(
        err.msg,
        "archive 'db.dump' needs 16 MiB to decompress (zstd window), more than the limit of 1 MiB");
    /* One byte short of the window is still too little. */
    ck_assert_int_eq(
        decode_buf(k, in.p, in.len, CHUNKY_IN, 16 * MIB - 1, &out, &err), -1);
    buf_free(&out);
    ck_assert_int_eq(err.code, RD_MEMORY_LIMIT);
    /* A limit that holds the window decodes. */
    ck_assert_msg(decode_buf(k, in.p, in.len, 0, 16 * MIB, &out, &err) == 0,
                  "%s", err.msg);
    assert_same(&out, plain1.p, 200 * 1000);
    buf_free(&out);
    /* The limit applies to every frame, not just the first. */
    {
        struct buf two = buf_copy(&packed2[k]);

        buf_append(&two, in.p, in.len);
        ck_assert_int_eq(decode_buf(k, two.p, two.len, 0, 1 * MIB, &out, &err),
                         -1);
        ck_assert_int_eq(err.code, RD_MEMORY_LIMIT);
        ck_assert_msg(strstr(err.msg, "needs 16 MiB") != NULL, "%s", err.msg);
        buf_free(&out);
        buf_free(&two);
    }
    buf_free(&in);
}
END_TEST

START_TEST(test_xz_memory_limit)
{
    struct buf in, out;
    struct rd_err err = {0};
    int k = 2;

    xz_compress_preset(plain1.p, 64 * 1024, 9, &in);
    ck_assert_int_eq(decode_buf(k, in.p, in.len, 0, 8 * MIB, &out, &err), -1);
    buf_free(&out);
    ck_assert_int_eq(err.code, RD_MEMORY_LIMIT);
    ck_assert_msg(
        strstr(
            err.msg,
            "archive 'db.dump' needs 65 MiB to decompress (xz dictionary), more than the limit of 8 MiB") !=
            NULL,
        "%s", err.msg);
    ck_assert_msg(decode_buf(k, in.p, in.len, 0, 128 * MIB, &out, &err) == 0,
                  "%s", err.msg);
    assert_same(&out, plain1.p, 64 * 1024);
    buf_free(&out);
    buf_free(&in);
}
END_TEST

START_TEST(test_not_compression)
{
    static const enum dump_kind others[] = {DUMP_UNKNOWN, DUMP_CUSTOM, DUMP_TAR,
                                            DUMP_PLAIN};
    struct rd_err err = {0};

    for (int k = 0; k < NKINDS; k++)
        ck_assert(decode_is_compression(kinds[k]));
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        int freed = 0;
        struct mem_stream *m =
            (struct mem_stream *)mem_new((const unsigned char *)"x", 1, 0);

        m->freed = &freed;
        ck_assert(!decode_is_compression(others[i]));
        ck_assert_ptr_null(decode_new(&m->s, others[i], BIG_LIMIT, &err));
        ck_assert_int_eq(err.code, RD_INTERNAL);
        ck_assert_int_eq(freed, 1);
    }
}
END_TEST

START_TEST(test_free_midway)
{
    struct rd_err err = {0};
    unsigned char chunk[100];
    int freed = 0;
    struct mem_stream *m =
        (struct mem_stream *)mem_new(packed1[_i].p, packed1[_i].len, 0);
    struct stream *s;

    m->freed = &freed;
    s = decode_new(&m->s, kinds[_i], BIG_LIMIT, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_gt(stream_read(s, chunk, sizeof(chunk), &err), 0);
    stream_free(s);
    ck_assert_int_eq(freed, 1);
    stream_free(NULL);
}
END_TEST

/* --- the real command-line compressors ---------------------------------- */

static char tmpdir[64];

/* A fresh temp dir per test. */
static void
tmpdir_setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rd-test-decode.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove the temp dir. */
static void
tmpdir_teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Write ${len} bytes at ${p} to ${path}. */
static void
write_file(const char *path, const unsigned char *p, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Read all of ${path} into a new ${b}. */
static void
read_file(const char *path, struct buf *b)
{
    FILE *f = fopen(path, "rb");
    unsigned char chunk[65536];
    size_t n;

    ck_assert_ptr_nonnull(f);
    b->p = NULL;
    b->len = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(b, chunk, n);
    ck_assert_int_eq(ferror(f), 0);
    fclose(f);
}

/* Run ${cmd} through the shell; a missing program (127) fails the test. */
static void
run(const char *cmd)
{
    int st = system(cmd);

    ck_assert_msg(st != -1 && WIFEXITED(st), "cannot run: %s", cmd);
    ck_assert_msg(WEXITSTATUS(st) != 127, "compressor missing: %s", cmd);
    ck_assert_msg(WEXITSTATUS(st) == 0, "'%s' exited %d", cmd, WEXITSTATUS(st));
}

START_TEST(test_cli_compressors)
{
    static const struct {
        int k;
        const char *cmd; /* run in the temp dir on data.sql */
        uint64_t limit;
    } cases[] = {
        {0, "gzip -c < data.sql > data.out", 8 * MIB},
        {0,
         "gzip -9 -c < data.sql > data.out && gzip -1 -c < data.sql >> data.out",
         8 * MIB},
        {1, "zstd -q -c < data.sql > data.out", 8 * MIB},
        {1, "zstd -q -19 --long=24 -c < data.sql > data.out", 16 * MIB},
        {1, "zstd -q -c data.sql data.sql > data.out", 8 * MIB},
        {2, "xz -c < data.sql > data.out", 16 * MIB},
        {2, "xz -T2 --block-size=100000 -c < data.sql > data.out", 16 * MIB},
        {3, "bzip2 -c < data.sql > data.out", 8 * MIB},
        {3,
         "bzip2 -1 -c < data.sql > data.out && bzip2 -c < data.sql >> data.out",
         8 * MIB},
        {4, "lz4 -q -c < data.sql > data.out", 8 * MIB},
        {4, "lz4 -q -B4 -BD --content-size -c < data.sql > data.out", 8 * MIB},
    };
    char in[128], out[128], cmd[512];

    snprintf(in, sizeof(in), "%s/data.sql", tmpdir);
    snprintf(out, sizeof(out), "%s/data.out", tmpdir);
    write_file(in, plain1.p, plain1.len);
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int k = cases[c].k, twice = strstr(cases[c].cmd, ">>") != NULL ||
                                    strstr(cases[c].cmd, "data.sql data.sql");
        struct rd_err err = {0};
        struct buf packed, got, want = buf_copy(&plain1);

        snprintf(cmd, sizeof(cmd), "cd '%s' && %s", tmpdir, cases[c].cmd);
        run(cmd);
        read_file(out, &packed);
        ck_assert_uint_gt(packed.len, 0);
        if (twice)
            buf_append(&want, plain1.p, plain1.len);
        ck_assert_msg(decode_buf(k, packed.p, packed.len, c % 2 ? CHUNKY_IN : 0,
                                 cases[c].limit, &got, &err) == 0,
                      "%s: %s", cases[c].cmd, err.msg);
        assert_same(&got, want.p, want.len);
        buf_free(&got);
        /* The same file cut by one byte fails. */
        expect_fail(k, packed.p, packed.len - 1, 0, RD_DECOMPRESS_TRUNCATED,
                    cases[c].cmd);
        buf_free(&packed);
        buf_free(&want);
    }
}
END_TEST

Suite *
decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("formats");
    TCase *cli = tcase_create("cli");

    /* The fixtures are made once in the parent, before each test forks. */
    tcase_add_unchecked_fixture(tc, fixtures_setup, fixtures_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_round_trip, 0, NKINDS);
    tcase_add_loop_test(tc, test_concatenated, 0, NKINDS);
    tcase_add_loop_test(tc, test_compressed_empty, 0, NKINDS);
    tcase_add_loop_test(tc, test_truncated, 0, NKINDS);
    tcase_add_loop_test(tc, test_empty_input, 0, NKINDS);
    tcase_add_loop_test(tc, test_bit_flips, 0, NKINDS);
    tcase_add_loop_test(tc, test_trailing_garbage, 0, NKINDS);
    tcase_add_loop_test(tc, test_trailing_magic_prefix, 0, NKINDS);
    tcase_add_loop_test(tc, test_damaged_second_magic, 0, NKINDS);
    tcase_add_loop_test(tc, test_wrong_format, 0, NKINDS);
    tcase_add_loop_test(tc, test_below_fails, 0, NKINDS);
    tcase_add_loop_test(tc, test_free_midway, 0, NKINDS);
    tcase_add_loop_test(tc, test_skippable_frames, 0, 2);
    tcase_add_test(tc, test_zstd_window_limit);
    tcase_add_test(tc, test_xz_memory_limit);
    tcase_add_test(tc, test_not_compression);
    suite_add_tcase(s, tc);

    tcase_add_unchecked_fixture(cli, fixtures_setup, fixtures_teardown);
    tcase_add_checked_fixture(cli, tmpdir_setup, tmpdir_teardown);
    tcase_set_timeout(cli, 300);
    tcase_add_test(cli, test_cli_compressors);
    suite_add_tcase(s, cli);
    return s;
}
