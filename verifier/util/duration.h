/* duration: "90s", "15m", "26h", "7d" durations and "10k"/"5M" byte sizes. */
#ifndef RD_DURATION_H
#define RD_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * duration_parse(s, out):
 * Parse ${s}, a non-negative decimal integer followed by exactly one unit
 * s, m, h or d (no spaces, no sign, no fraction), into seconds in ${out}.
 * Return 0, or -1 (${out} untouched) when ${s} is not of that form or the
 * value overflows int64 seconds.
 */
int duration_parse(const char *s, int64_t *out);

/*
 * duration_format(secs, buf, len):
 * Write ${secs} in the largest unit that divides it exactly ("26h", "90s",
 * "0s") into ${buf}; return ${buf}.
 */
char *duration_format(int64_t secs, char *buf, size_t len);

/*
 * duration_human(secs, buf, len):
 * Write an approximate human form ("3h 12m", "2d 4h", "45s") into ${buf};
 * negative values get a leading '-'.  Return ${buf}.
 */
char *duration_human(int64_t secs, char *buf, size_t len);

/*
 * size_parse(s, out):
 * Parse a byte size: a non-negative decimal integer with an optional unit
 * k, M, G or T (powers of 1024; "kB"/"KiB" style suffixes are also accepted
 * as k, "MB"/"MiB" as M, ...).  Return 0, or -1 on a malformed value or
 * overflow.
 */
int size_parse(const char *s, int64_t *out);

/* size_human(bytes, buf, len): "512 B", "2.1 KiB", "3.4 MiB"; return ${buf}. */
char *size_human(int64_t bytes, char *buf, size_t len);

#endif
