/* progress: a one-line progress bar on a terminal for the bytes a stream
 * passes through (the archive's raw bytes, as the restore pulls them). */
#ifndef RD_PROGRESS_H
#define RD_PROGRESS_H

#include <stdint.h>

#include "restore/decode/stream.h"

/*
 * stream_progress_new(below, name, total, fd):
 * Pass ${below}'s bytes through unchanged (taken over; freed on failure
 * too), redrawing at most 4 times a second on ${fd} (a terminal: the caller
 * checks) "NAME  12.3 MiB of 45.6 MiB  27%  4.5 MiB/s  ETA 0:07" (without
 * "of", percentage and ETA when ${total} < 0; the rate and ETA once 0.2 s
 * passed, "-" before).  The line is erased at the
 * end of the stream, on failure and on free.  Returns NULL when out of
 * memory.
 */
struct stream *stream_progress_new(struct stream *below, const char *name,
                                   int64_t total, int fd);

/* progress_human(bytes, buf, cap): "512 B", "12.3 MiB", "1.0 GiB". */
char *progress_human(double bytes, char *buf, size_t cap);

#endif
