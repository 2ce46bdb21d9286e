/* dumpcheck: is a custom or tar pg_dump archive whole?  Walked as it
 * streams by. */
#ifndef RD_DUMPCHECK_H
#define RD_DUMPCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "restore/decode/stream.h"

/*
 * What the walker knows of the archive so far.  It recognises, from the
 * first bytes fed:
 *   custom  "PGDMP" with a header we know (archive 1.10 to 1.16): the header
 *           (its length), the TOC (every entry read to its end: strings,
 *           dependencies, the data offset flag and offset), then the data
 *           blocks to the end of the input -- a block type byte (1 data,
 *           3 large objects), the dump id, then length-prefixed chunks up to
 *           a zero length (large objects: an oid before each object's
 *           chunks, a zero oid after the last).  Complete when the input
 *           ends at a block boundary and every TOC entry that has data (its
 *           offset set, or not set but written by a dumper) had its block.
 *   tar     a pg_dump -Ft archive (dumpfmt_tar_is_ft()): each 512-byte
 *           header, its member's size (octal or base-256) rounded up to
 *           512 bytes of data, up to the two zero blocks that end a tar.
 *           Complete when both end-of-archive blocks are there (anything
 *           after them is not looked at).
 * Anything else -- plain SQL, a tar of a -Fd folder (untar checks it), a
 * newer archive version, or bytes that do not follow the layout (damage
 * for pg_restore to report) -- is not judged: the walker stops and says
 * "complete".  Only an input that ends where the layout says more must
 * follow is "truncated".
 */
struct dumpcheck;

/* dumpcheck_new(): a walker before any byte; NULL when out of memory. */
struct dumpcheck *dumpcheck_new(void);

/* dumpcheck_feed(c, buf, n): the next ${n} bytes of the archive. */
void dumpcheck_feed(struct dumpcheck *c, const unsigned char *buf, size_t n);

/*
 * dumpcheck_end(c, msg, len): the input ended.  0 when the archive is
 * complete (or not judged), -1 when it is truncated, with where and why
 * in ${msg} ("it ends inside the data of TOC entry 3419 (byte 1999872)").
 */
int dumpcheck_end(struct dumpcheck *c, char *msg, size_t len);

/* dumpcheck_kind(c): "custom", "tar" or NULL (not judged / not yet). */
const char *dumpcheck_kind(const struct dumpcheck *c);

/* dumpcheck_free(c): NULL-safe. */
void dumpcheck_free(struct dumpcheck *c);

/*
 * stream_dumpcheck_new(below): pass ${below}'s bytes through unchanged
 * while walking them; at the end of ${below} a truncated archive fails
 * with RD_ARCHIVE_TRUNCATED naming the archive, instead of a clean end.
 * Takes ownership of ${below} (also on failure: NULL, ${below} freed).
 */
struct stream *stream_dumpcheck_new(struct stream *below);

#endif
