/* junit: the JUnit XML view of a finished report, for CI systems. */
#ifndef RD_JUNIT_H
#define RD_JUNIT_H

#include <jansson.h>

#include "verifier/util/rd_err.h"

/*
 * junit_write(report, path, err):
 * Write the finished report ${report} (borrowed; the document of
 * reports/report.h) to ${path} as JUnit XML: one <testsuites> holding one
 * <testsuite name="restoredrill.JOB"> with one testcase per stage
 * (classname "restoredrill.JOB.stages", time = duration_s) and one per probe
 * (classname "restoredrill.JOB.probes", time = duration_ms / 1000).  Each
 * entry of report.errors[] that names no stage ("config", "lock",
 * "signal") gets one more testcase (classname "restoredrill.JOB.run", name
 * = its stage), so a run that failed before any stage ran still fails in
 * CI.
 *
 * Mapping (PRODUCT.md): critical -> <failure message= type=>, unknown ->
 * <error message= type=>, warning -> a pass with <system-out>, skipped
 * stage -> <skipped/>.  A stage's message is that of the first entry of
 * errors[] at that stage (type = its code; report.error for a report
 * without errors[]), else its status name (type = the status name); a probe's
 * is its message (type = its status name). Text is XML-escaped, and control
 * characters other than tab and newline are dropped.
 *
 * The file is replaced atomically (fs_write_atomic).  Returns 0, or -1 with
 * a message in ${err} (RD_INTERNAL on allocation failure, else the write's
 * code); ${path} is then left as it was.
 */
int junit_write(const json_t *report, const char *path, struct rd_err *err);

#endif
