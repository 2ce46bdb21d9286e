/* stream: pull-based byte streams, stacked: file -> sha256 -> decoder -> SQL
 * filter. */
#ifndef RD_STREAM_H
#define RD_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "verifier/util/rd_err.h"

/*
 * A stream yields bytes on demand.  Every layer owns the layer below it
 * (${below}) and frees it in its own free().  Contract of read():
 *   > 0   that many bytes were written to ${buf} (at most ${cap});
 *   0     clean end of stream: every check of this layer (and, since it read
 *         the layer below to its end, of every layer below) has passed;
 *   -1    failure, with the code and a message naming the archive in ${err}
 *         (the stream must not be read again).
 * A layer that needs the whole input to judge it (a decoder's checksum)
 * reports its verdict only at the end: bytes it already returned may have
 * been garbage, so a consumer must treat everything it consumed as tainted
 * when read() finally fails.
 */
struct stream {
    ssize_t (*read)(struct stream *s, void *buf, size_t cap,
                    struct rd_err *err);
    void (*free)(struct stream *s); /* frees ${below} too */
    struct stream *below;           /* (owned) or NULL */
    const char *name;               /* (borrowed) archive name for messages */
};

/* stream_read(s, buf, cap, err): s->read(...). */
ssize_t stream_read(struct stream *s, void *buf, size_t cap,
                    struct rd_err *err);

/* stream_free(s): NULL-safe. */
void stream_free(struct stream *s);

/*
 * stream_fd_new(fd, name, expect_size):
 * Read ${fd} (borrowed, not closed).  When ${expect_size} >= 0, a stream
 * that ends before or after that many bytes fails with RD_FETCH_TRUNCATED.
 * Returns NULL on allocation failure.
 */
struct stream *stream_fd_new(int fd, const char *name, int64_t expect_size);

/*
 * stream_hash_new(below): pass bytes through unchanged while computing
 * their sha256; stream_hash_hex() gives the digest once read() returned 0.
 * Takes ownership of ${below} (also on failure, when it frees it).
 */
struct stream *stream_hash_new(struct stream *below);

/* stream_hash_hex(s, hex): the 64-char hex digest (+NUL) once complete; -1
 * before. */
int stream_hash_hex(struct stream *s, char hex[65]);

/* stream_hash_expect(s, hex, sidecar): the digest must be ${hex} (64
 * lowercase hex digits): else the read that ends the stream fails with
 * RD_CHECKSUM_MISMATCH, naming ${sidecar} (where ${hex} came from). */
void stream_hash_expect(struct stream *s, const char *hex, const char *sidecar);

/* stream_hash_bytes(s): bytes passed through so far. */
int64_t stream_hash_bytes(struct stream *s);

/*
 * stream_peek_new(below, n): a stream that can look at its first ${n}
 * bytes (n <= 65536) before anyone reads them; takes ownership of ${below}.
 */
struct stream *stream_peek_new(struct stream *below, size_t n);

/*
 * stream_peek(s, out, len, err):
 * Fill the look-ahead (reading below until ${n} bytes or the end) and point
 * ${out} at it; ${len} gets how many bytes there are (less than n only when
 * the stream is shorter).  Returns 0, or -1 when the layer below failed.
 * Later reads return the peeked bytes first.
 */
int stream_peek(struct stream *s, const unsigned char **out, size_t *len,
                struct rd_err *err);

/*
 * stream_drain(s, err):
 * Read ${s} to its end and discard the bytes, so that every layer gives its
 * end-of-stream verdict (decoder checksums, sha256, size).  Stops with
 * RD_INTERRUPTED when a signal was caught.  Returns 0 at a clean end, -1
 * with the failing layer's error.
 */
int stream_drain(struct stream *s, struct rd_err *err);

#endif
