/* pattern: archive-name patterns with strftime fields and globs. */
#ifndef RD_PATTERN_H
#define RD_PATTERN_H

#include <stdbool.h>
#include <time.h>

/*
 * A pattern is literal text with:
 *   *        any run of characters (possibly empty)
 *   ?        exactly one character
 *   %Y       4-digit year          %m  2-digit month (01-12)
 *   %d       2-digit day (01-31)   %H  2-digit hour (00-23)
 *   %M       2-digit minute        %S  2-digit second (00-60)
 *   %j       3-digit day of year   %s  Unix seconds (1-20 digits)
 *   %%       a literal '%'
 * (tarsnapper's convention, e.g. "mail_%Y%m%d-%H%M*").  Any other %-field
 * is an error, and so is a field that appears twice or a pair of fields
 * that could disagree (%s with any other field, %j with %m or %d): use '*'
 * for a second copy of the date.  '*' also matches '/'; '?' and literal
 * text compare bytes, case-sensitively.  Times in names are UTC.
 */

/*
 * pattern_check(pat, errbuf, errlen):
 * Return 0 when ${pat} is a valid pattern of at most 4096 bytes, else -1
 * with a message such as "unknown field '%q' at offset 5" in ${errbuf}
 * (which may be NULL when ${errlen} is 0).
 */
int pattern_check(const char *pat, char *errbuf, size_t errlen);

/*
 * pattern_has_time(pat): true when ${pat} contains at least %Y (or %s), so
 * that names carry a usable timestamp.
 */
bool pattern_has_time(const char *pat);

/*
 * pattern_match(pat, name, ts):
 * Return true when ${name} matches ${pat} as a whole.  When the pattern has
 * time fields, ${ts} (if not NULL) receives the UTC time they spell (missing
 * fields default to month 1, day 1, 00:00:00); a name whose fields do not
 * form a valid date (month 13, Feb 30, hour 24) does not match.  Without
 * %Y or %s, or when there is no match, ${ts} is set to (time_t)-1.  Fields
 * are read from one alignment: each '*' as short as possible, each %s as
 * long as possible, so "*_%Y%m%d*" takes the first date in the name.
 * ${pat} must have passed pattern_check() (else false).  Matching is
 * bounded: O(pattern x name) time, no exponential backtracking; a name
 * longer than 4096 bytes never matches.
 */
bool pattern_match(const char *pat, const char *name, time_t *ts);

#endif
