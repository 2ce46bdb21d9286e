/* fuzz_myfilter: the mysqldump filter on arbitrary bytes and chunkings: it
 * ends cleanly or with archive_truncated, its output is the same whatever
 * the chunking, and without DEFINER=, collations or system schemas in the
 * input it is the input byte for byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/myfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct chunk_stream {
    struct stream s;
    const uint8_t *data;
    size_t len, pos, chunk;
};

static ssize_t
chunk_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct chunk_stream *c = (struct chunk_stream *)s;
    size_t n = c->chunk < cap ? c->chunk : cap;

    (void)err;
    if (n > c->len - c->pos)
        n = c->len - c->pos;
    memcpy(buf, c->data + c->pos, n);
    c->pos += n;
    return (ssize_t)n;
}

static void
chunk_free(struct stream *s)
{
    free(s);
}

static uint8_t *
run(const uint8_t *data, size_t size, size_t chunk, size_t rcap, bool header,
    struct myfilter_counts *counts, size_t *outlen)
{
    struct chunk_stream *c = calloc(1, sizeof(*c));
    struct rd_err err = {0};
    struct stream *f;
    size_t cap = 2 * size + 16, n = 0;
    uint8_t *out = malloc(cap);
    ssize_t got;

    if (c == NULL || out == NULL)
        abort();
    c->s.read = chunk_read;
    c->s.free = chunk_free;
    c->s.name = "fuzz.sql";
    c->data = data;
    c->len = size;
    c->chunk = chunk;
    f = myfilter_new(&c->s, header, counts);
    if (f == NULL)
        abort();
    for (;;) {
        size_t want = cap - n < rcap ? cap - n : rcap;

        if (want == 0)
            abort(); /* the output grew past twice the input */
        got = stream_read(f, out + n, want, &err);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    if (got != 0 &&
        (got != -1 ||
         !((err.code == RD_ARCHIVE_TRUNCATED && header) ||
           (err.code == RD_TOOL_TOO_OLD && counts->unmapped[0] != '\0'))))
        abort();
    stream_free(f);
    *outlen = n;
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct myfilter_counts c1, c2;
    size_t n1, n2;
    uint8_t *o1, *o2;

    if (size > (1u << 16))
        return 0;
    o1 = run(data, size, 65536, 65536, true, &c1, &n1);
    o2 = run(data, size, 1 + size % 7, 3, false, &c2, &n2);
    if (n1 != n2 || memcmp(o1, o2, n1) != 0 || c1.definer != c2.definer ||
        c1.collations != c2.collations || c1.lines != c2.lines)
        abort();
    if (c1.definer == 0 && c1.collations == 0 && c1.skipped_lines == 0 &&
        c1.skipped_dbs[0] == '\0' && c1.unmapped[0] == '\0' &&
        (n1 != size || memcmp(o1, data, size)))
        abort();
    free(o1);
    free(o2);
    return 0;
}
