/* decode_int: what decode.c (the stream glue) and decode_codecs.c (one
 * table row per decompressor) share (private). */
#ifndef RD_DECODE_INT_H
#define RD_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <bzlib.h>
#define LZ4F_STATIC_LINKING_ONLY
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "verifier/util/rd_err.h"

#include "restore/decode/decode.h"

#define IN_SIZE 65536

enum decode_state {
    DS_HEAD,  /* expecting a member's magic (or, after one, the end) */
    DS_BODY,  /* inside a member: the library has the input */
    DS_DONE,  /* clean end: every check passed */
    DS_FAILED /* an error was reported; read() must not be called again */
};

struct decode_stream {
    struct stream s;
    enum dump_kind kind;
    const struct decode_codec *codec; /* (borrowed) the table row */
    const char *fmt;                  /* "gzip", ... */
    const char *unit;                 /* "member", "frame" or "stream" */
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

/*
 * One decompressor family.  Each function gets the stream with its
 * library state in d->u:
 *   init(d)   set up the state that lives for the whole stream (d->live
 *             when there is some); -1 when the library cannot (no message:
 *             the caller words it)
 *   begin(d, err)  get ready for the member at the current offset (NULL:
 *             nothing to do); -1 with ${err} set
 *   step(d, buf, cap, err)  hand the unread input and ${cap} bytes of
 *             ${buf} to the library once, advance pos, return the bytes
 *             produced (-1 on error); at the end of a member set the state
 *             to DS_HEAD
 *   end(d)    release the state (called only when d->live)
 */
struct decode_codec {
    const char *unit; /* "member", "frame" or "stream" */
    int (*init)(struct decode_stream *d);
    int (*begin)(struct decode_stream *d, struct rd_err *err);
    ssize_t (*step)(struct decode_stream *d, unsigned char *buf, size_t cap,
                    struct rd_err *err);
    void (*end)(struct decode_stream *d);
};

/* decode_codec(kind): the table row of ${kind}, NULL for no compression. */
const struct decode_codec *decode_codec(enum dump_kind kind);

/* The archive name for messages. */
static inline const char *
dname(const struct decode_stream *d)
{
    return d->s.name != NULL ? d->s.name : "(unnamed)";
}

/* Compressed offset of the next unread input byte. */
static inline unsigned long long
doff(const struct decode_stream *d)
{
    return (unsigned long long)(d->base + d->pos);
}

/* decode_fail(d, err, code, fmt, ...): record the error, mark the stream
 * failed and return -1. */
int decode_fail(struct decode_stream *d, struct rd_err *err, enum rd_code code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Bad data at the current offset, with the library's words in ${why}. */
int decode_fail_corrupt(struct decode_stream *d, struct rd_err *err,
                        const char *why);

/* The library could not allocate memory. */
int decode_fail_nomem(struct decode_stream *d, struct rd_err *err);

/* The library returned ${code}, which it documents as a caller's mistake. */
int decode_fail_lib(struct decode_stream *d, struct rd_err *err, int code);

#endif
