/* limit: a bound on the bytes an archive unpacks to (decompressed or
 * extracted), so that a small "bomb" cannot fill the disk. */
#ifndef RD_LIMIT_H
#define RD_LIMIT_H

#include <stdint.h>

#include "restore/decode/stream.h"
#include "verifier/util/rd_err.h"

/* How many bytes an archive may unpack to, and what passing it means. */
struct unpack_limit {
    int64_t max;       /* bytes; 0: no bound */
    enum rd_code code; /* RD_ARCHIVE_TOO_LARGE or RD_DISK_FULL */
};

/*
 * unpack_limit_resolve(configured, tmpdir, lim):
 * ${configured} > 0 (max_unpacked_size): that, RD_ARCHIVE_TOO_LARGE.
 * Else the free space of the file system holding ${tmpdir} now, minus 10%,
 * RD_DISK_FULL (the verifier is too small, not the backup bad); no bound
 * (max 0) when statvfs() fails.
 */
void unpack_limit_resolve(int64_t configured, const char *tmpdir,
                          struct unpack_limit *lim);

/*
 * unpack_limit_fail(err, lim, name, what):
 * Record that archive ${name} unpacks to more than ${lim}->max bytes
 * (${what}: "decompresses", "extracts", "spools"), with ${lim}->code;
 * returns -1.
 */
int unpack_limit_fail(struct rd_err *err, const struct unpack_limit *lim,
                      const char *name, const char *what);

/*
 * stream_limit_new(below, lim):
 * Pass the bytes of ${below} through unchanged, counting them; a read that
 * would take the count past ${lim}->max (when > 0) fails with
 * unpack_limit_fail() instead (constant memory, no buffering).  Takes
 * ownership of ${below} (also on failure, when it frees it).
 */
struct stream *stream_limit_new(struct stream *below,
                                const struct unpack_limit *lim);

/* stream_limit_bytes(s): bytes passed through so far. */
int64_t stream_limit_bytes(struct stream *s);

#endif
