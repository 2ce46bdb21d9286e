/* report: the JSON report (schema_version 1), its atomic write and the human
 * summary. */
#ifndef RD_REPORT_H
#define RD_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "verifier/util/rd_err.h"

enum stage {
    STAGE_SWEEP,
    STAGE_SELECT,
    STAGE_FETCH,
    STAGE_CHECKSUM,
    STAGE_DECODE,
    STAGE_PREFLIGHT,
    STAGE_GLOBALS,
    STAGE_RESTORE,
    STAGE_PROBES,
    STAGE_DRIFT,
    STAGE_SWAP,
    STAGE_REPORT,
    STAGE_ALERT,
    STAGE_CLEANUP,
    STAGE_COUNT
};

/* stage_name(s): "select", "fetch", ... */
const char *stage_name(enum stage s);

struct report;

/*
 * report_new(command, job): a report with every field present (null or
 * empty), every stage "skipped", started_at = now.  NULL on allocation
 * failure.
 */
struct report *report_new(const char *command, const char *job);

/* report_free(r): NULL-safe. */
void report_free(struct report *r);

/* report_archive(r), report_restore(r): the objects to fill (borrowed). */
json_t *report_archive(struct report *r);
json_t *report_restore(struct report *r);

/* report_probes(r): the probes[] array; report_drift(r): drift{} (borrowed). */
json_t *report_probes(struct report *r);
json_t *report_drift(struct report *r);
/* report_sweep(r): the sweep[] array (borrowed). */
json_t *report_sweep(struct report *r);

/* report_stage_begin(r, s): start timing stage ${s} (monotonic clock). */
void report_stage_begin(struct report *r, enum stage s);

/*
 * report_stage_end(r, s, st): record ${s}'s status and the time since
 * report_stage_begin(); the run status becomes the worst seen.
 */
void report_stage_end(struct report *r, enum stage s, enum rd_status st);

/* report_stage_set(r, s, st): change ${s}'s status without timing it.  The
 * alert stage never changes the run's status. */
void report_stage_set(struct report *r, enum stage s, enum rd_status st);

/*
 * report_error(r, where, err): record ${err} at ${where} (a stage name,
 * "config", "lock", "signal"; "report" for an output) in errors[], unless
 * the same code, stage and message is there already (then false).  The run
 * status is raised to the error's status; report.error becomes the first
 * entry of errors[] whose status is the run's.
 */
bool report_error(struct report *r, const char *where,
                  const struct rd_err *err);

/* report_has_error(r, code): whether errors[] holds ${code}. */
bool report_has_error(const struct report *r, enum rd_code code);

/*
 * report_verdict(r): the backup's own status: the run's status leaving out
 * the outputs (output_failed and the report stage) and the alerts.
 */
enum rd_status report_verdict(const struct report *r);

/* report_note(r, fmt, ...): append a line to notes[]. */
void report_note(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* report_status(r): the worst status so far (ok when nothing went wrong). */
enum rd_status report_status(const struct report *r);

/* report_error_code(r): the code of report.error, RD_OK when none. */
enum rd_code report_error_code(const struct report *r);

/*
 * report_finish(r, exit_code): set finished_at, duration_s, status and
 * exit_code, and the stages[] array, before writing; called again after
 * the alerts to refresh stages[] and the times.
 */
void report_finish(struct report *r, int exit_code);

/* report_json(r): the report's root object (borrowed). */
json_t *report_json(const struct report *r);

/* report_alert(r, channel, ok, msg): append {channel, ok, message} to
 * alerts[]. */
void report_alert(struct report *r, const char *channel, bool ok,
                  const char *msg);

/* report_text(r): the report as indented JSON text (malloc'd, no final
 * newline), or NULL on allocation failure. */
char *report_text(const struct report *r);

/*
 * report_write(r, path, err): write the report to ${path} atomically (temp
 * file + fsync + rename), or to stdout when ${path} is "-".
 */
int report_write(struct report *r, const char *path, struct rd_err *err);

/*
 * report_output_failed(r, what, err): output ${what} ("the JUnit file")
 * was asked for and not written: record output_failed at stage "report"
 * (unknown) and log it, once.  Returns whether it was new.
 */
bool report_output_failed(struct report *r, const char *what,
                          const struct rd_err *err);

/* report_unwritten(r): whether the last attempt to write the report file
 * (report_dest.report) failed. */
bool report_unwritten(const struct report *r);

/* The outputs of one run; NULL = not asked for.  A report of "-" goes to
 * stdout, and only when ${to_stdout}. */
struct report_dest {
    const char *junit, *metrics, *report, *last;
    bool to_stdout;
};

/*
 * report_write_all(r, d, code): finish the report with exit code ${code}
 * and write it to each output of ${d} (${last} gets its folder made).  An
 * output that cannot be written is recorded (report_output_failed()) and
 * the others are written again, so none of them says the run wrote
 * everything.  Returns the exit code: ${code}, or the raised status when an
 * output failed (128+N stays).
 */
int report_write_all(struct report *r, const struct report_dest *d, int code);

/*
 * report_summary(r, out, report_path): the human summary: one line per
 * stage that ran with the codes of its errors, the archive, the restore,
 * every error of errors[] with its HINT, the backup's own verdict when an
 * output failed, and where the report is.  ASCII unless ${out} is a
 * terminal.
 */
void report_summary(const struct report *r, FILE *out, const char *report_path);

/*
 * report_summary_out(report_path, quiet): where the summary goes: stdout,
 * or stderr when ${report_path} is "-".  Tells log_summary_tty() whether
 * that is the terminal stderr is on (never when ${quiet}: no summary), so
 * an error is printed once there.
 */
FILE *report_summary_out(const char *report_path, bool quiet);

/*
 * report_json_text(s): a new JSON string of ${s}, which need not be UTF-8
 * (file names, tool output): each byte that does not start a valid UTF-8
 * sequence becomes U+FFFD.  NULL on allocation failure.
 */
json_t *report_json_text(const char *s);

/* report_now_rfc3339(buf, len, t): "2026-11-26T05:03:14Z" for ${t}. */
char *report_rfc3339(char *buf, size_t len, time_t t);

#endif
