/* render_restore: the report's restore{} object, from what the restore
 * stage returned (struct restore_report). */
#ifndef RD_RENDER_RESTORE_H
#define RD_RENDER_RESTORE_H

#include "reports/report.h"
#include "restore/restore.h"

/*
 * render_restore(r, rp): set ${r}'s restore{} fields from ${rp}: target,
 * server_version and database once known, the tool's findings (tool, jobs,
 * error_count, errors[], stderr_tail, duration_s rounded to ms, filtered
 * for plain SQL) once the restore ran, kept, and scratch_dropped when
 * something was made.  Fields ${rp} does not know keep their defaults.
 */
void render_restore(struct report *r, const struct restore_report *rp);

#endif
