/* render_list: the JSON of `restoredrill list --json` from the selection's
 * results (restore/source/select.h). */
#ifndef RD_RENDER_LIST_H
#define RD_RENDER_LIST_H

#include <time.h>

#include <jansson.h>

#include "restore/source/retention.h"
#include "restore/source/select.h"
#include "verifier/util/rd_err.h"

/*
 * render_list_entry(e, now): {"name", "created_at" (RFC 3339, absent when
 * unknown), "age_s" (against ${now}, null when unknown), "size_bytes" (null
 * when unknown)} for one archive.  A new reference, NULL on allocation failure.
 */
json_t *render_list_entry(const struct archive_entry *e, time_t now);

/*
 * render_list_gap(g): {"from", "to" (RFC 3339), "expected_s"} of one gap of
 * the retention audit.  A new reference, NULL on allocation failure.
 */
json_t *render_list_gap(const struct retention_gap *g);

/*
 * render_list_job(job, st, archives, newest, gaps, err): one job's document
 * {"job", "status", "archives" (${archives}, stolen), "newest" (${newest}'s
 * name or null), "gaps" (${gaps}, stolen; NULL: []), "error" ({code,
 * message} or null when ${err} is RD_OK)}.  A new reference, NULL on
 * allocation failure.
 */
json_t *render_list_job(const char *job, enum rd_status st, json_t *archives,
                        const struct archive_entry *newest, json_t *gaps,
                        const struct rd_err *err);

#endif
