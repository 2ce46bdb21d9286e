/* decode: streaming decompression on the libraries themselves, with strict
 * ends. */
#ifndef RD_DECODE_H
#define RD_DECODE_H

#include <stdint.h>

#include "restore/decode/dumpfmt.h"
#include "restore/decode/stream.h"

/*
 * decode_new(below, kind, mem_limit, err):
 * A stream that decompresses ${below} as ${kind} (DUMP_GZIP, DUMP_ZSTD,
 * DUMP_XZ, DUMP_BZIP2, DUMP_LZ4; the caller sniffed the magic bytes) with
 * zlib, libzstd, liblzma, libbz2 and liblz4 directly -- never libarchive,
 * whose gzip reader skips the CRC.  Takes ownership of ${below}.
 * End rules (read() returns 0 only when all hold):
 *   gzip   every member ended with Z_STREAM_END (CRC32 and ISIZE checked by
 *          zlib); more input after a member must be another member (1f 8b),
 *          anything else is trailing garbage
 *   zstd   the last ZSTD_decompressStream() returned 0 at end of input
 *          (frames concatenate, skippable frames allowed, checksum checked)
 *   xz     LZMA_STREAM_END under LZMA_FINISH, one stream at a time (not
 *          LZMA_CONCATENATED, which reports short trailing junk as
 *          truncation); between and after streams only zero padding in
 *          multiples of 4 bytes, then another xz magic or the end
 *   bzip2  every stream ended with BZ_STREAM_END; more input must be "BZh"
 *   lz4    LZ4F_decompress() returned 0 (frame end, content checksum
 *          checked); more input must be another frame
 * Failures: RD_DECOMPRESS_TRUNCATED (input ended inside a member/frame/
 * block), RD_DECOMPRESS_CORRUPT (bad data, checksum mismatch, trailing
 * garbage, a damaged later member), RD_MEMORY_LIMIT ("needs N MiB": the
 * zstd window or xz dictionary exceeds ${mem_limit} bytes), RD_INTERNAL.
 * Frames written without a checksum (zstd --no-check, lz4 --no-frame-crc)
 * cannot be verified: corruption inside them decodes to wrong bytes; only
 * a sha256 sidecar catches that.  A valid compressed-empty input decodes
 * to 0 bytes (the caller judges emptiness).  Errors of ${below} pass
 * through unchanged.
 * Memory use stays flat: fixed buffers plus the window the input asks for
 * (capped by ${mem_limit}).  Returns NULL with ${err} set on failure (and
 * frees ${below}).
 */
struct stream *decode_new(struct stream *below, enum dump_kind kind,
                          uint64_t mem_limit, struct rd_err *err);

/* decode_is_compression(kind): true for the five kinds decode_new() takes. */
int decode_is_compression(enum dump_kind kind);

#endif
