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
 * ini_error_fn(ectx, msg):
 * Called once per error, in file order, with the complete message
 * ("NAME:LINE: message", or "cannot read config ..."). Return 0 to go on
 * with the next line, -1 to stop.
 */
typedef int (*ini_error_fn)(void *ectx, const char *msg);

/*
 * ini_parse_buffer_each(name, buf, len, handler, ctx, on_error, ectx):
 * Parse as ini_parse_buffer does, but report each error to ${on_error} and
 * go on with the next line (for lint, which reports them all).  After a
 * refused section header (bad syntax, or its handler returned -1) the keys
 * up to the next header are skipped silently, as they belong to no section.
 * Returns 0 when there was no error, else -1.
 */
int ini_parse_buffer_each(const char *name, const char *buf, size_t len,
                          ini_handler handler, void *ctx, ini_error_fn on_error,
                          void *ectx);

/*
 * ini_parse_file_each(path, handler, ctx, on_error, ectx):
 * Read ${path} as ini_parse_file does and parse it with
 * ini_parse_buffer_each(); a file that cannot be read is one error.
 */
int ini_parse_file_each(const char *path, ini_handler handler, void *ctx,
                        ini_error_fn on_error, void *ectx);

/*
 * ini_parse_file(path, handler, ctx, errbuf, errlen):
 * Read ${path} (at most 1 MiB) and parse it as ini_parse_buffer does.
 * Returns 0, or -1 with "cannot read config 'PATH': ..." or a parse message.
 */
int ini_parse_file(const char *path, ini_handler handler, void *ctx,
                   char *errbuf, size_t errlen);

#endif
