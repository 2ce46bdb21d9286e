/* listing: the files of a web server's folder listing (nginx JSON
 * autoindex; nginx or Apache HTML autoindex; any page of links). */
#ifndef RD_LISTING_H
#define RD_LISTING_H

#include <stddef.h>
#include <time.h>

#include "restore/source/select.h"
#include "verifier/util/rd_err.h"

#define LISTING_MAX_ENTRIES 200000 /* more is RD_LISTING_INVALID */
#define LISTING_NAME_MAX    1024   /* longer names are skipped */

/*
 * listing_parse(body, len, content_type, where, list, err):
 * Add to ${list} every file of the listing ${body} (${len} bytes, any
 * bytes; ${content_type} may be NULL or ""): JSON when the type says so or
 * the body starts with '[', else HTML.  Folders (names ending in '/'),
 * parent and sort links, links to other places and names holding '/' are
 * left out.  Returns 0, or -1 with RD_LISTING_INVALID (naming ${where}: not
 * a JSON array of objects with a "name", too many entries) or RD_INTERNAL.
 */
int listing_parse(const char *body, size_t len, const char *content_type,
                  const char *where, struct archive_list *list,
                  struct rd_err *err);

/* listing_parse_json(...): the nginx "autoindex_format json" form only:
 * [{"name":..., "type":"file", "mtime":"Thu, 26 Nov 2026 03:44:32 GMT",
 * "size":N}, ...]. */
int listing_parse_json(const char *body, size_t len, const char *where,
                       struct archive_list *list, struct rd_err *err);

/* listing_parse_html(...): the href of every <a> tag, percent- and
 * entity-decoded, with the time ("26-Nov-2026 03:44" nginx, "2026-11-26
 * 03:44" Apache, read as UTC) and an exact byte size when the rest of its
 * line holds them.  Never fails on content, only on too many entries. */
int listing_parse_html(const char *body, size_t len, const char *where,
                       struct archive_list *list, struct rd_err *err);

/* listing_http_date(s): an RFC 1123 date ("Thu, 26 Nov 2026 03:44:32 GMT")
 * as UTC seconds, or -1. */
time_t listing_http_date(const char *s);

#endif
