/* job_end: what a run leaves behind or finds in its way: the cleanup (with
 * --keep's instructions), the alert of a hung job's lock. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/alert.h"
#include "reports/render_restore.h"
#include "reports/report.h"
#include "verifier/util/db.h"
#include "verifier/util/duration.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/lock.h"
#include "verifier/util/log.h"

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

/* Release what the run holds besides the target (temp dir, archive, list);
 * false when the temp dir could not be removed. */
static bool
release_run(struct job_run *jr)
{
    bool ok = true;

    stream_free(jr->top);
    jr->top = NULL;
    if (jr->workdir[0] != '\0' && fs_rm_rf(jr->workdir) != 0) {
        log_warn("cannot remove '%s': %s", jr->workdir, strerror(errno));
        ok = false;
    }
    restore_names_free(jr->ext, jr->next);
    jr->ext = NULL;
    jr->next = 0;
    fetched_release(&jr->f);
    /* A backup tool's stderr, known once its stream ended (or failed). */
    if (jr->src != NULL && jr->src->tool_stderr[0] != '\0')
        json_object_set_new(report_archive(jr->r), "fetch_stderr_tail",
                            report_json_text(jr->src->tool_stderr));
    source_free(jr->src);
    jr->src = NULL;
    archive_list_release(&jr->list);
    return ok;
}

/* Drop what we made, on every path; the report says whether it worked.
 * Cleanup queries may run after a signal or the deadline (db.c's cleanup
 * phase); the target replaces a connection stuck in an abandoned query. */
void
job_cleanup(struct job_run *jr)
{
    const struct target_ops *ops = target_ops(jr->target);
    struct rd_err err = {0};
    bool made = ops->made(jr->target);
    bool ok = true, kept = jr->o->keep && report_status(jr->r) != RD_ST_UNKNOWN;

    report_stage_begin(jr->r, STAGE_CLEANUP);
    db_cleanup_phase(true);
    if (ops->cleanup_begin != NULL)
        ops->cleanup_begin(jr->target);
    if (!kept && ops->drop(jr->target, &err) != 0) {
        log_warn("%s", err.msg);
        report_note(jr->r, "scratch database '%s' was not dropped: %s",
                    target_dbname(jr->target), err.msg);
        ok = false;
    }
    if (kept && made && ops->keep != NULL)
        ops->keep(jr->target);
    if (kept && made)
        ops->print_kept(jr->target, stderr);
    target_close(jr->target);
    if (!kept && ops->stop(jr->target) != 0)
        ok = false;
    if (made)
        jr->rres.scratch_dropped = ok && !kept;
    if (!release_run(jr))
        ok = false;
    db_cleanup_phase(false);
    if (kept && made && ok)
        report_note(jr->r, "cleanup skipped (--keep): the scratch %s kept",
                    ops->kept_what);
    render_restore(jr->r, &jr->rres);
    /* Nothing was cleaned up when everything was kept: not "ok cleanup". */
    report_stage_end(jr->r, STAGE_CLEANUP,
                     !ok            ? RD_ST_WARNING
                     : kept && made ? RD_ST_SKIPPED
                                    : RD_ST_OK);
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
