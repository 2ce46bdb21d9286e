/* job_end: what a run leaves behind or finds in its way: --keep's
 * instructions, the cleanup's connection, the alert of a hung job's lock. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/alert.h"
#include "reports/report.h"
#include "verifier/util/db.h"
#include "verifier/util/duration.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/lock.h"
#include "verifier/util/log.h"
#include "verifier/util/redact.h"

#include "verifier/job.h"
#include "verifier/job_int.h"

void
job_alert_settings(const struct job_config *jc, struct alert_settings *as)
{
    memset(as, 0, sizeof(*as));
    as->job = jc->name;
    as->state_dir = jc->state_dir;
    as->on = jc->alert_on;
    as->repeat_always = jc->alert_repeat_always;
    as->exec = jc->alert_exec;
    as->webhook = jc->alert_webhook;
    as->webhook_slack = jc->webhook_slack;
    as->ping_url = jc->ping_url;
    as->timeout_s = jc->alert_timeout_s;
}

/* --keep: say what was kept, how to connect as the invoking user, and how
 * to get rid of it. */
void
job_print_kept(const struct job_run *jr)
{
    FILE *out = stderr;

    if (jr->ephemeral) {
        fprintf(
            out,
            "kept: the scratch cluster (PostgreSQL %d) and database '%s' are still running (--keep); nothing was cleaned up\n"
            "  connect: psql \"host=%s port=%d user=postgres dbname=%s\"\n"
            "  stop:    kill -INT %ld && rm -rf '%s'\n"
            "  (or: %s%s%s%s/pg_ctl -D '%s/data' stop -m fast && rm -rf '%s')\n",
            jr->tools.major, jr->rctx.dbname, jr->cluster.dir, jr->cluster.port,
            jr->rctx.dbname, (long)jr->cluster.pid, jr->cluster.dir,
            jr->ident.drop ? "runuser -u " : "",
            jr->ident.drop ? jr->ident.name : "", jr->ident.drop ? " -- " : "",
            jr->tools.bindir, jr->cluster.dir, jr->cluster.dir);
        if (jr->cluster.shared_uid != 0)
            fprintf(
                out,
                "  connect works for uid %ld (who ran sudo) and root; stopping it needs root (sudo)\n",
                (long)jr->cluster.shared_uid);
    } else {
        char *t = redact_conninfo(jr->jc->target);
        bool uri = t == NULL || strstr(t, "://") != NULL;

        fprintf(
            out,
            "kept: database '%s' on the target (--keep); it was not dropped\n"
            "  connect: psql \"%s%s%s\"%s\n"
            "  drop it with: DROP DATABASE \"%s\";\n",
            jr->rctx.dbname, uri ? "" : t,
            uri ? "" : " dbname=", jr->rctx.dbname,
            uri ? " (with the job's target settings)" : "", jr->rctx.dbname);
        free(t);
    }
}

/* Cleanup queries may run after a signal or the deadline; a maintenance
 * connection left inside an abandoned query is replaced first. */
void
job_cleanup_connection(struct job_run *jr)
{
    struct rd_err err = {0};

    db_cleanup_phase(true);
    if (jr->ephemeral || !jr->rctx.created || !db_stuck(jr->rctx.admin))
        return;
    restore_close(&jr->rctx);
    if (restore_connect(&jr->rctx, &err) != 0)
        log_warn("cannot reconnect to drop the scratch database: %s", err.msg);
}

/*
 * A locked run whose holder is older than restore_timeout: tell the alert
 * channels (deduplicated like any failure, so once), with a report in
 * STATE_DIR/JOB/locked.json for the hook; last.json, the report and
 * metrics files stay the running job's.
 */
void
job_alert_locked(struct job_run *jr, const struct rd_err *lerr)
{
    const struct job_config *jc = jr->jc;
    int64_t age = lock_holder_age(jc->state_dir, jc->name);
    char dir[PATH_MAX], path[PATH_MAX + 16], a[32], lim[32];
    struct rd_err e = {0};
    struct alert_settings as;

    job_alert_settings(jc, &as);
    if (jr->o->dry_run || jc->restore_timeout_s <= 0 ||
        age <= jc->restore_timeout_s || !alert_any_channel(&as))
        return;
    rd_err_set(
        &e, RD_LOCKED,
        "%s for %s, longer than restore_timeout %s: that run is probably hung",
        lerr->msg, duration_human(age, a, sizeof(a)),
        duration_format(jc->restore_timeout_s, lim, sizeof(lim)));
    log_error("%s", e.msg);
    report_error(jr->r, "lock", &e);
    snprintf(dir, sizeof(dir), "%s/%s", jc->state_dir, jc->name);
    snprintf(path, sizeof(path), "%s/locked.json", dir);
    report_finish(jr->r, RD_ST_UNKNOWN);
    if (fs_mkdir_p(dir, 0700, &e) != 0 || report_write(jr->r, path, &e) != 0)
        log_error("%s", e.msg);
    report_stage_begin(jr->r, STAGE_ALERT);
    alert_send(&as, jr->r, path);
    report_stage_end(jr->r, STAGE_ALERT, alert_stage_status(jr->r));
    report_finish(jr->r, RD_ST_UNKNOWN);
    if (report_write(jr->r, path, &e) != 0)
        log_error("%s", e.msg);
}
