/* alert: alert_exec, alert_webhook and ping_url for one job's run. */
#ifndef RD_ALERT_H
#define RD_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/report.h"
#include "verifier/util/rd_err.h"

/* What the alerts of one job need to know (filled by the pipeline from the
 * job's configuration; the strings are borrowed). */
struct alert_settings {
    const char *job;       /* the job's name */
    const char *state_dir; /* alert.json is STATE_DIR/JOB/alert.json */
    enum rd_status on;     /* alert_on: alert at this status or worse */
    bool repeat_always;    /* alert_repeat = always */
    const char *exec;      /* alert_exec command string, or NULL */
    const char *webhook;   /* alert_webhook URL, or NULL */
    bool webhook_slack;    /* webhook_format = slack: body {"text": ...} */
    const char *ping_url;  /* dead-man's switch, or NULL */
    int64_t timeout_s;     /* alert_timeout */
};

/* alert_any_channel(as): whether alert_exec or alert_webhook is set. */
bool alert_any_channel(const struct alert_settings *as);

/* What a channel does about this run. */
enum alert_action {
    ALERT_NONE,     /* below alert_on and nothing outstanding */
    ALERT_FIRE,     /* a (new) failure to tell */
    ALERT_RESOLVE,  /* below alert_on again after a delivered alert */
    ALERT_SUPPRESS, /* the same failure was already delivered */
};

/* The last alert a channel delivered (STATE_DIR/JOB/alert.json). */
struct alert_last {
    bool active;
    enum rd_status status;
    char code[256]; /* alert_cause() of the run that alerted (one code in
                       an alert.json written before errors[]) */
    char at[32];    /* RFC 3339 */
};

/*
 * alert_decide(st, code, on, repeat_always, last):
 * A run with status ${st} and cause ${code} (alert_cause()) is due when
 * ${st} is at least ${on}, and always when it is unknown.  A due run fires
 * unless ${last} holds the same status and set of codes
 * (alert_same_cause()) and ${repeat_always} is false; a run that is not due
 * resolves an outstanding ${last}.
 */
enum alert_action alert_decide(enum rd_status st, const char *code,
                               enum rd_status on, bool repeat_always,
                               const struct alert_last *last);

/*
 * alert_cause(r, buf, len): what makes this failure "the same" as another:
 * the set of codes in errors[], sorted and joined by "," ("archive_too_old,
 * probe_failed"), else the non-ok probes and stages of a warning
 * ("probe:recent_login,stage:drift"), "" for ok.  Returns ${buf}.
 */
char *alert_cause(const struct report *r, char *buf, size_t len);

/*
 * alert_same_cause(a, b): whether causes ${a} and ${b} name the same set
 * (order and repeats aside), so a state file written with one code (before
 * errors[]) still matches a run with that one cause.
 */
bool alert_same_cause(const char *a, const char *b);

/*
 * alert_summary(r, resolved, was, buf, len): the one-line text of an alert:
 *   restoredrill: job 'app' is CRITICAL: restore_errors: ... (archive 'x')
 *   ...: archive_too_old: ... (archive 'x'); also probe_failed
 *   restoredrill: job 'app' is RESOLVED: verify passed again (was CRITICAL:
 *   restore_errors)
 * Returns ${buf}.
 */
char *alert_summary(const struct report *r, bool resolved,
                    const struct alert_last *was, char *buf, size_t len);

/*
 * alert_state_read(as, channel, last): what the state file of ${as}'s job
 * (STATE_DIR/JOB/alert.json) says ${channel} ("exec", "webhook") last
 * delivered; ${last}->active is false when nothing, or when the file is
 * missing or unreadable (a warning is logged).  What alert_send() decides
 * on; exposed for the fuzz target.
 */
void alert_state_read(const struct alert_settings *as, const char *channel,
                      struct alert_last *last);

/* alert_ping_start(as, r): GET ping_url/start when ping_url is set; the
 * outcome goes into alerts[]. */
void alert_ping_start(const struct alert_settings *as, struct report *r);

/*
 * alert_send(as, r, report_path):
 * Decide per channel (alert_exec, alert_webhook) against the state file,
 * send, and remember what was delivered.  ${report_path} is the file the
 * hook is told about (RESTOREDRILL_REPORT).  Outcomes go into alerts[] (or
 * a note when a repeat was held back); they never change the run's status.
 * Runs to completion even after SIGINT/SIGTERM, bounded by alert_timeout.
 */
void alert_send(const struct alert_settings *as, struct report *r,
                const char *report_path);

/* alert_stage_status(r): the alert stage's status from alerts[]: ok when
 * every alert and ping sent was delivered, warning when one was not,
 * skipped when none was sent. */
enum rd_status alert_stage_status(const struct report *r);

/* alert_ping_end(as, r, exit_code): POST the report to ping_url/EXIT_CODE;
 * returns whether a ping was attempted (its outcome is in alerts[]). */
bool alert_ping_end(const struct alert_settings *as, struct report *r,
                    int exit_code);

#endif
