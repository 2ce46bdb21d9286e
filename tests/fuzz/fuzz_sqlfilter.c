/* fuzz_sqlfilter: the plain-SQL filter on arbitrary bytes and chunkings. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/sqlfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY  "FuzzK3yFuzzK3yFuzzK3yFuzzK3yFuzz"
#define HEAD "\\restrict " KEY "\n"

/* The input as a stream handing out ${chunk} bytes per read. */
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

/* Filter ${data} read ${chunk} bytes at a time into buffers of ${rcap}. */
static uint8_t *
run(const uint8_t *data, size_t size, size_t chunk, size_t rcap,
    struct sqlfilter_counts *counts, size_t *outlen, int *complete)
{
    struct chunk_stream *c = calloc(1, sizeof(*c));
    struct rd_err err = {0};
    struct stream *f;
    size_t cap = size + strlen(HEAD), n = 0;
    uint8_t *out = malloc(cap + 1);
    ssize_t got;

    if (c == NULL || out == NULL)
        abort();
    c->s.read = chunk_read;
    c->s.free = chunk_free;
    c->s.name = "fuzz.sql";
    c->data = data;
    c->len = size;
    c->chunk = chunk;
    f = sqlfilter_new(&c->s, KEY, true, counts);
    if (f == NULL)
        abort();
    for (;;) {
        size_t want = cap + 1 - n < rcap ? cap + 1 - n : rcap;

        /* Never more than the input plus our line (cap + 1 catches it). */
        if (want == 0)
            abort();
        got = stream_read(f, out + n, want, &err);
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    /* The end: clean, or "cut short" (no pg_dump closing line). */
    if ((got != 0 && (got != -1 || err.code != RD_ARCHIVE_TRUNCATED ||
                      strstr(err.msg, "is cut short: it ") == NULL)) ||
        n > cap)
        abort();
    *complete = got == 0;
    stream_free(f);
    *outlen = n;
    return out;
}

/*
 * The output must be our line, then the input with whole lines removed,
 * one per counted drop.
 */
static void
check_lines(const uint8_t *in, size_t inlen, const uint8_t *out, size_t outlen,
            const struct sqlfilter_counts *c)
{
    size_t i = 0, o = strlen(HEAD);
    int64_t lines = 0, skipped = 0;

    if (outlen < o || memcmp(out, HEAD, o) != 0)
        abort();
    while (i < inlen) {
        const uint8_t *nl = memchr(in + i, '\n', inlen - i);
        size_t len = nl != NULL ? (size_t)(nl - (in + i)) + 1 : inlen - i;

        if (outlen - o >= len && memcmp(out + o, in + i, len) == 0)
            o += len;
        else
            skipped++;
        lines++;
        i += len;
    }
    if (o != outlen || lines != c->lines ||
        skipped != c->owner + c->acl + c->restrict_)
        abort();
    if (strlen(c->dumped_from) >= sizeof(c->dumped_from))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sqlfilter_counts c1, c2;
    size_t chunk, rcap, n1, n2;
    int v1, v2;
    uint8_t *o1, *o2;

    if (size == 0)
        return 0;
    /* The first byte picks the read sizes: 1..64 below, 1..16 above. */
    chunk = (size_t)(data[0] % 64) + 1;
    rcap = (size_t)(data[0] >> 6) * 5 + 1;
    data++;
    size--;
    o1 = run(data, size, chunk, rcap, &c1, &n1, &v1);
    o2 = run(data, size, 65536, 65536, &c2, &n2, &v2);
    check_lines(data, size, o1, n1, &c1);
    /* The chunking changes nothing. */
    if (n1 != n2 || memcmp(o1, o2, n1) != 0 || v1 != v2 ||
        c1.owner != c2.owner || c1.acl != c2.acl ||
        c1.restrict_ != c2.restrict_ || c1.lines != c2.lines ||
        strcmp(c1.dumped_from, c2.dumped_from) != 0)
        abort();
    free(o1);
    free(o2);
    return 0;
}
