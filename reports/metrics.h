/* metrics: Prometheus textfile metrics (node_exporter's textfile
 * collector) from a finished report, in a file several jobs may share. */
#ifndef RD_METRICS_H
#define RD_METRICS_H

#include <jansson.h>

#include "verifier/util/rd_err.h"

/*
 * metrics_write(report, path, err):
 * Replace the samples of job J = ${report}.job (borrowed; the finished
 * document of reports/report.h) in the Prometheus text file ${path}; every
 * sample carries job="J" (\, " and newline escaped):
 *   restoredrill_last_run_timestamp_seconds      finished_at
 *   restoredrill_last_success_timestamp_seconds  finished_at when status is
 *       ok or warning; otherwise the value of J's sample in the existing
 *       file, and no sample when there is none
 *   restoredrill_status                          0 ok .. 3 unknown (3 when
 *       exit_code >= 128)
 *   restoredrill_archive_age_seconds, restoredrill_archive_size_bytes,
 *   restoredrill_restore_duration_seconds        no sample when null
 *   restoredrill_probe_status{probe=}            0..3, per probe
 *   restoredrill_probe_age_seconds{probe=}       probes with a numeric age_s
 * A probe name seen twice keeps its first probe only (node_exporter rejects
 * duplicate series).
 *
 * The file may be shared by several jobs: the samples of other jobs (a job
 * label that differs, or none) are kept, lines that do not parse as a
 * sample are dropped, and every metric name is written as one group under
 * a single "# HELP" and "# TYPE" (the HELP/TYPE of names this module does
 * not know are kept from the file).  The read-modify-write runs under an
 * exclusive flock on "${path}.lock" (created 0600, left in place), so jobs
 * writing at once never lose each other's samples, and the file is replaced
 * atomically (fs_write_atomic), so the collector never reads half of it.
 *
 * Returns 0, or -1 with a message in ${err} (RD_ACCESS_DENIED when the lock
 * or the file cannot be opened or read, RD_INTERNAL on allocation failure,
 * else the write's code); ${path} is then left as it was.
 */
int metrics_write(const json_t *report, const char *path, struct rd_err *err);

#endif
