/* render_archive: the report's archive{} object from the stages' result. */
#ifndef RD_RENDER_ARCHIVE_H
#define RD_RENDER_ARCHIVE_H

#include <jansson.h>

#include "restore/source/archive_info.h"

/*
 * render_archive(a, ai): set in archive{} ${a} (borrowed, e.g.
 * report_archive()) every field ${ai} knows: source, name, created_at
 * (RFC 3339) with age_s, size_bytes, format, compression, transfer, sha256,
 * dump_version, server_version.
 * Fields ${ai} does not know are left as they are (null in a new report), so
 * calling it again after a later stage only adds what that stage learned.
 */
void render_archive(json_t *a, const struct archive_info *ai);

#endif
