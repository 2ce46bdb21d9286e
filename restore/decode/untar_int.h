/* untar_int: what untar.c (the extraction) and untar_allow.c (the header
 * allowlist) share (private). */
#ifndef RD_UNTAR_INT_H
#define RD_UNTAR_INT_H

#include <stddef.h>

#include "restore/decode/untar.h"

#define UNTAR_COMP_MAX 255 /* bytes per path component */
#define UNTAR_N_SUFFIX 4

/* What pg_dump may append to a file name when it compresses the file:
 * "", ".gz", ".lz4", ".zst". */
extern const char *const untar_suffix[UNTAR_N_SUFFIX];

/*
 * untar_dump_stem(s): length of the name pg_dump -Fd writes that ${s}
 * starts with ("toc.dat", "<n>.dat", "blob_<n>.dat", "blobs.toc",
 * "blobs_<n>.toc"), or 0.
 */
size_t untar_dump_stem(const char *s);

#endif
