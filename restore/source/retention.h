/* retention: the archive list against a tarsnapper-style retention
 * schedule (list --deltas 1d 7d 30d 365d): is there an archive wherever the
 * schedule promises one? */
#ifndef RD_RETENTION_H
#define RD_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "verifier/util/rd_err.h"

#define RETENTION_MAX_DELTAS 16

/* A stretch of time without the archive the schedule promises. */
struct retention_gap {
    time_t from;        /* the archive before the gap, or the window's start */
    time_t to;          /* the archive after it */
    int64_t expected_s; /* the generation's spacing */
};

/*
 * retention_parse(words, deltas, n, err):
 * "1d 7d 30d 365d" (durations separated by blanks, any order) into
 * ascending, distinct ${deltas} (at most RETENTION_MAX_DELTAS, each > 0),
 * ${n} of them; at least two (tarsnapper's rule: the last one is how far
 * back anything is kept, not a spacing).  RD_CONFIG_INVALID naming the bad
 * word otherwise.
 */
int retention_parse(const char *words, int64_t *deltas, size_t *n,
                    struct rd_err *err);

/*
 * retention_audit(times, ntimes, deltas, ndeltas, gaps, maxgaps):
 * The gaps of the archive times ${times} (any order; -1 = unknown, left
 * out) against the schedule ${deltas} (ascending, ndeltas >= 2), newest
 * first, at most ${maxgaps} of them in ${gaps}; returns how many there are
 * in all.  Tarsnapper's meaning: generation g keeps one archive every
 * deltas[g] over the last deltas[g + 1] before the newest archive.  Here
 * two archives of that window further apart than 1.25 x deltas[g] (25%
 * jitter allowed) are a gap, and so is a window start that far from its
 * oldest archive -- but only when some archive is older than the window
 * (a history that does not reach back that far yet is no gap).
 */
size_t retention_audit(const time_t *times, size_t ntimes,
                       const int64_t *deltas, size_t ndeltas,
                       struct retention_gap *gaps, size_t maxgaps);

#endif
