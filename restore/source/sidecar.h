/* sidecar: NAME.sha256 files (sha256sum format) beside an archive. */
#ifndef RD_SIDECAR_H
#define RD_SIDECAR_H

#include <stddef.h>

#include "restore/source/source.h"

#define SIDECAR_MAX_BYTES 4096 /* a longer sidecar is refused */

/*
 * sidecar_parse(text, len, name, hex, why, wlen): the digest of archive
 * ${name} in ${text} (${len} bytes, any bytes), which must be one sha256sum
 * line: "<64 hex digits>  NAME" or "<64 hex digits> *NAME" (NAME may carry a
 * directory part; its last component must be ${name}), with an optional
 * final newline.  Returns 0 with ${hex} (lowercase), or -1 with the reason
 * in ${why}.
 */
int sidecar_parse(const char *text, size_t len, const char *name, char hex[65],
                  char *why, size_t wlen);

/*
 * source_read_sidecar(src, name, f, err): for fetched archive ${name} (in
 * ${f}), fetch NAME.sha256 from ${src} and put its digest in
 * ${f}->sha256_expect, as ${src}->opts.checksum asks.  Returns 0 (also for
 * a missing sidecar under SOURCE_CHECKSUM_OPTIONAL), or -1:
 * RD_SIDECAR_MISSING (none, unusable, or ${f} is a folder), or the source's
 * error fetching it (RD_SOURCE_UNREACHABLE, RD_ACCESS_DENIED, ...).
 */
int source_read_sidecar(struct source *src, const char *name, struct fetched *f,
                        struct rd_err *err);

#endif
