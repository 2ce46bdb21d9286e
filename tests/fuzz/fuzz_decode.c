/* fuzz_decode: the five decoders on arbitrary bytes, read to the end. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/rd_err.h"

#include "restore/decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIB       (1024 * 1024)
#define MEM_LIMIT ((uint64_t)16 * MIB)
#define MAX_OUT   ((uint64_t)64 * MIB)

struct mem_stream {
    struct stream s;
    const uint8_t *p; /* (borrowed) */
    size_t len, pos, chunk;
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    size_t n = m->len - m->pos;

    (void)err;
    if (n > cap)
        n = cap;
    if (n > m->chunk)
        n = m->chunk;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void
mem_free(struct stream *s)
{
    free(s);
}

/*
 * data[0] % 5 picks the format (gzip, zstd, xz, bzip2, lz4); the rest of
 * data[0] picks how many bytes the layer below hands out per read and how
 * large the reads of the decoder are.  The remaining bytes are the input.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum dump_kind kinds[5] = {DUMP_GZIP, DUMP_ZSTD, DUMP_XZ,
                                            DUMP_BZIP2, DUMP_LZ4};
    static unsigned char buf[65536];
    struct rd_err err = {0};
    struct mem_stream *m;
    struct stream *s;
    uint64_t total = 0, max_out = MAX_OUT;
    size_t cap = sizeof(buf);
    unsigned mode;
    ssize_t n;

    if (size < 1)
        return 0;
    mode = data[0] / 5u;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return 0;
    m->s.read = mem_read;
    m->s.free = mem_free;
    m->s.name = "fuzz";
    m->p = data + 1;
    m->len = size - 1;
    m->chunk = mode % 4 == 0 ? SIZE_MAX : 1 + mode % 7;
    if (mode >= 25) { /* tiny reads: keep the run short */
        cap = 1 + mode % 5;
        max_out = MIB;
    }
    s = decode_new(&m->s, kinds[data[0] % 5], MEM_LIMIT, &err);
    if (s == NULL)
        abort(); /* only allocation failures, which a fuzz run never has */
    while ((n = stream_read(s, buf, cap, &err)) > 0) {
        if ((size_t)n > cap)
            abort();
        total += (uint64_t)n;
        if (total >= max_out)
            break;
    }
    if (n == 0) {
        /* A clean end stays clean. */
        if (stream_read(s, buf, cap, &err) != 0)
            abort();
    } else if (n < 0) {
        /* Bad input is truncated, corrupt or too big, and says where. */
        if (err.code != RD_DECOMPRESS_TRUNCATED &&
            err.code != RD_DECOMPRESS_CORRUPT && err.code != RD_MEMORY_LIMIT)
            abort();
        if (strstr(err.msg, "'fuzz'") == NULL)
            abort();
    }
    stream_free(s);
    return 0;
}
