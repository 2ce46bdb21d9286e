/* drift: per-table row counts of this restore against the last verified run. */
#ifndef RD_DRIFT_H
#define RD_DRIFT_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "verifier/util/rd_err.h"

struct drift_table {
    char *name;   /* (owned) "schema.table" */
    int64_t rows; /* this run; -1 unknown */
};

struct drift_counts {
    struct drift_table *items; /* (owned) */
    size_t n;
    time_t taken_at;
};

/* drift_counts_release(c): NULL-safe. */
void drift_counts_release(struct drift_counts *c);

/*
 * drift_counts_add(c, name, rows): append a copy of ${name}; -1 on allocation
 * failure (${c} unchanged).  ${c} must be empty ({0}) or built by this
 * function: the capacity is derived from ${c}->n.
 */
int drift_counts_add(struct drift_counts *c, const char *name, int64_t rows);

/*
 * drift_load(path, base, err):
 * Read a baseline written by drift_save().  A missing file is not an error:
 * returns 1 with ${base} empty (first run).  A file that is not a valid
 * baseline is RD_INTERNAL naming the path (the caller treats it as absent,
 * with a note).  Returns 0 when loaded.  ${base} is overwritten first (not
 * released) and is left empty on error.
 */
int drift_load(const char *path, struct drift_counts *base, struct rd_err *err);

/*
 * drift_save(path, cur, err):
 * Write ${cur} as the new baseline atomically (temp file + rename):
 * {"version":1,"taken_at":"RFC3339","tables":{"schema.table":rows,...}}
 * (rows -1 when unknown; names must be UTF-8).  -1 with RD_INTERNAL or
 * fs_write_atomic()'s error on failure.
 */
int drift_save(const char *path, const struct drift_counts *cur,
               struct rd_err *err);

/*
 * drift_compare(base, cur, max_shrink, warnings):
 * Return the report's "tables" array (a new JSON array, sorted by
 * name): one {"name","rows","previous_rows","status"} per table in either
 * set.  A table of ${base} missing from ${cur} ("rows": null) or whose rows
 * fell by more than ${max_shrink} (a fraction, 0.5 = 50%) of its previous
 * count is "warning"; tables that grew, stayed, are new ("previous_rows":
 * null) or shrank less are "ok".  ${warnings} receives how many warnings
 * there are.  A base table with previous_rows 0 never warns for shrinking.
 * A row count of -1 (unknown) is null and never warns; a vanished table
 * always does.  Names that are not UTF-8 get U+FFFD.  NULL (and
 * ${warnings} 0) on allocation failure.
 */
json_t *drift_compare(const struct drift_counts *base,
                      const struct drift_counts *cur, double max_shrink,
                      size_t *warnings);

#endif
