/* json: the jansson idioms the renderers share: text that may not be UTF-8,
 * null for what is unknown, RFC 3339 times, rounded reals, the report's
 * serialisation flags.  A utility: it knows no report field. */
#ifndef RD_JSON_H
#define RD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

/*
 * jsonx_text(s): a new JSON string of ${s}, which need not be UTF-8 (file
 * names, tool output): each byte that does not start a valid UTF-8 sequence
 * becomes U+FFFD.  NULL on allocation failure.
 */
json_t *jsonx_text(const char *s);

/* jsonx_text_or_null(s): jsonx_text(s), or null when ${s} is NULL. */
json_t *jsonx_text_or_null(const char *s);

/* jsonx_real_or_null(has, v): ${v} as a real when ${has}, else null. */
json_t *jsonx_real_or_null(bool has, double v);

/* jsonx_round3(v): ${v} rounded to 3 decimals (seconds to the millisecond),
 * so reports stay readable. */
json_t *jsonx_round3(double v);

/* jsonx_rfc3339(buf, len, t): "2026-11-26T05:03:14Z" for ${t} (UTC);
 * returns ${buf}. */
char *jsonx_rfc3339(char *buf, size_t len, time_t t);

/* jsonx_time(t): a new JSON string of jsonx_rfc3339(t). */
json_t *jsonx_time(time_t t);

/* jsonx_dumps(j, flags): json_dumps() with sorted keys and reals to 12
 * significant digits, as every output of a report is written (malloc'd). */
char *jsonx_dumps(const json_t *j, size_t flags);

#endif
