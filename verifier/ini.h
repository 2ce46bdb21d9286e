/* ini: a small strict INI reader (why not inih: see docs/config.md). */
#ifndef RD_INI_H
#define RD_INI_H

#include <stddef.h>

#define INI_MAX_LINE 4096 /* bytes per physical line, newline excluded */

/*
 * ini_handler(ctx, section, key, value, lineno, errbuf, errlen):
 * Called once per "key = value" line, in file order.  ${section} is the
 * trimmed text between '[' and ']' ("" before the first section header),
 * ${key} the trimmed text before the first '=', ${value} the trimmed rest
 * (may be ""; kept verbatim otherwise: ';' and '#' inside a value are data,
 * quotes are not removed).  Also called with ${key} == NULL when a section
 * header is read (so empty sections can be validated).  Return 0 to go on,
 * or -1 after writing a message into ${errbuf} to stop parsing; the parser
 * then fails with "FILE:LINE: message".
 */
typedef int (*ini_handler)(void *ctx, const char *section, const char *key,
                           const char *value, int lineno, char *errbuf,
                           size_t errlen);

/*
 * ini_parse_buffer(name, buf, len, handler, ctx, errbuf, errlen):
 * Parse ${len} bytes at ${buf} (need not be NUL-terminated; ${name} is used
 * in messages, e.g. the file path).  Grammar, one construct per physical line:
 *   blank line, or a line whose first non-blank char is ';' or '#': comment
 *   [section name]   optional blanks around; nothing but a comment may follow
 *   key = value      key: [A-Za-z0-9_.-]+ ; value: the rest of the line
 * Line endings LF or CRLF; a UTF-8 BOM at the start is skipped.
 * Rejected, with "NAME:LINE: ...": a line longer than INI_MAX_LINE, a NUL
 * byte, a line with no '=', an empty or invalid key, an unterminated or
 * empty section header, invalid UTF-8, control characters other than tab.
 * Returns 0, or -1 with the message in ${errbuf}.
 */
int ini_parse_buffer(const char *name, const char *buf, size_t len,
                     ini_handler handler, void *ctx, char *errbuf,
                     size_t errlen);

/*
 * ini_parse_file(path, handler, ctx, errbuf, errlen):
 * Read ${path} (at most 1 MiB) and parse it as ini_parse_buffer does.
 * Returns 0, or -1 with "cannot read config 'PATH': ..." or a parse message.
 */
int ini_parse_file(const char *path, ini_handler handler, void *ctx,
                   char *errbuf, size_t errlen);

#endif
