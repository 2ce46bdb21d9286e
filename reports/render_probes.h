/* render_probes: the report's probes[] entries and drift tables, from what
 * the probes and the drift comparison found. */
#ifndef RD_RENDER_PROBES_H
#define RD_RENDER_PROBES_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "probes/drift.h"
#include "probes/probe.h"
#include "probes/probe_result.h"

/*
 * render_probe(p, out): the probes[] object of ${p}'s outcome ${out} (a new
 * reference): name, file, kind, status, value, age_s (null when none),
 * thresholds {warn_after_s, error_after_s, min, max} (null when unset),
 * rows, duration_ms, message.  Texts that are not UTF-8 get U+FFFD.
 */
json_t *render_probe(const struct probe *p, const struct probe_outcome *out);

/*
 * render_drift_tables(d): the report's drift "tables" array (a new
 * reference): one {"name","rows","previous_rows","status"} per row of ${d},
 * "rows"/"previous_rows" null when the table is absent or its count is
 * unknown, "status" "warning" or "ok".  NULL on allocation failure.
 */
json_t *render_drift_tables(const struct drift_diff *d);

/*
 * render_drift(drift, baseline_at, d): fill the report's drift{} object
 * ${drift}: baseline_at (RFC 3339) and tables (render_drift_tables(${d}), an
 * empty array when out of memory).
 */
void render_drift(json_t *drift, time_t baseline_at,
                  const struct drift_diff *d);

/*
 * drift_compare(base, cur, max_shrink, warnings):
 * drift_diff() rendered by render_drift_tables(); ${warnings} receives how
 * many tables warn.  NULL (and ${warnings} 0) on allocation failure.
 */
json_t *drift_compare(const struct drift_counts *base,
                      const struct drift_counts *cur, double max_shrink,
                      size_t *warnings);

#endif
