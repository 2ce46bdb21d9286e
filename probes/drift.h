/* drift: per-table row counts of this restore against the last verified run. */
#ifndef RD_DRIFT_H
#define RD_DRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* One table of drift_diff(): borrowed from the two sets. */
struct drift_row {
    const struct drift_table *now;    /* this run's; NULL when vanished */
    const struct drift_table *before; /* the baseline's; NULL when new */
    bool warning;
};

struct drift_diff {
    struct drift_row *rows; /* (owned) sorted by name */
    size_t n;
    size_t warnings; /* rows with warning set */
};

/*
 * drift_diff(base, cur, max_shrink, out):
 * Compare ${cur} with ${base}: one row per table in either set, sorted by
 * name (reports/render_probes.c's drift_compare() makes the report's
 * "tables" of it).  A table of ${base} missing from ${cur} or whose rows
 * fell by more than ${max_shrink} (a fraction, 0.5 = 50%) of its previous
 * count warns; tables that grew, stayed, are new or shrank less do not.  A
 * base table with 0 rows never warns for shrinking; a row count of -1
 * (unknown) never warns; a vanished table always does.  The rows point into
 * ${base} and ${cur}.  Returns 0, or -1 on allocation failure (${out}
 * empty).  Release with drift_diff_release().
 */
int drift_diff(const struct drift_counts *base, const struct drift_counts *cur,
               double max_shrink, struct drift_diff *out);

/* drift_diff_release(d): NULL-safe. */
void drift_diff_release(struct drift_diff *d);

#endif
