/* job: one verify of one job, stage by stage (select ... cleanup, report). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reports/alert.h"
#include "reports/render_archive.h"
#include "reports/report.h"
#include "restore/target/target.h"
#include "restore/decode/decode.h"
#include "restore/decode/dumpfmt.h"
#include "restore/restore.h"
#include "restore/source/select.h"
#include "restore/source/source.h"
#include "restore/decode/sqlfilter.h"
#include "restore/decode/stream.h"
#include "restore/decode/untar.h"
#include "verifier/util/duration.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/lock.h"
#include "verifier/util/log.h"
#include "verifier/util/pattern.h"
#include "verifier/util/sig.h"

#include "probes/drift.h"
#include "probes/probe.h"
#include "probes/probe_exec.h"
#include "verifier/util/db.h"

#include "verifier/job.h"
#include "verifier/job_int.h"

/* Between stages: a caught signal or the run's deadline (restore_timeout)
 * ends the pipeline (cleanup still runs). */
static int
check_signal(struct job_run *jr, enum stage next)
{
    struct rd_err err = {0};
    int sig = sig_pending();
    char lim[32];

    /* Before the cleanup only a signal counts: the work is done. */
    if (sig == 0 && (next == STAGE_CLEANUP || db_deadline() == 0 ||
                     db_now_ms() < db_deadline()))
        return 0;
    if (sig != 0) {
        rd_err_set(&err, RD_INTERRUPTED, "interrupted by %s before %s",
                   sig_name(sig), stage_name(next));
        report_error(jr->r, "signal", &err);
        return -1;
    }
    rd_err_set(&err, RD_TIMEOUT, "restore_timeout %s passed before %s",
               duration_format(jr->jc->restore_timeout_s, lim, sizeof(lim)),
               stage_name(next));
    report_error(jr->r, stage_name(next), &err);
    return -1;
}

/* Name the files min_age will skip as still being written (at most 5). */
static void
note_young(struct job_run *jr)
{
    time_t now = job_now();
    size_t shown = 0, total = 0;

    if (jr->jc->min_age_s <= 0)
        return;
    for (size_t i = 0; i < jr->list.n; i++) {
        const struct archive_entry *e = &jr->list.items[i];
        char age[32], min[32];

        if (e->mtime == (time_t)-1 || now - e->mtime >= jr->jc->min_age_s ||
            select_classify(e->name, jr->jc->pattern) != SELECT_OK)
            continue;
        if (shown++ < 5)
            report_note(
                jr->r,
                "skipped '%s': modified %s ago, less than min_age %s (still being written?)",
                e->name,
                duration_human((int64_t)(now - e->mtime), age, sizeof(age)),
                duration_format(jr->jc->min_age_s, min, sizeof(min)));
        total++;
    }
    if (total > shown)
        report_note(jr->r, "... and %zu more skipped for min_age",
                    total - shown);
}

/* Open the source and choose the archive (select_choose()); what it learns
 * goes to jr->archive. */
static int
select_archive(struct job_run *jr)
{
    struct rd_err err = {0};
    const struct job_config *jc = jr->jc;
    struct select_rule rule = {jc->pattern, jc->min_age_s, jc->min_size,
                               jr->o->archive, job_now()};
    struct source_opts so;
    int rc;

    if (jc->source == NULL) {
        rd_err_set(
            &err, RD_CONFIG_INVALID,
            "job '%s' has no source\nHINT: set source = /path/to/backups in the config or pass --source",
            jc->name);
        return job_fail_stage(jr, STAGE_SELECT, &err);
    }
    config_source_opts(jc, &so);
    jr->src = source_open(jc->source, &so, &err);
    if (jr->src == NULL)
        return job_fail_stage(jr, STAGE_SELECT, &err);
    jr->archive.source = jr->src->display;
    if (source_list(jr->src, &jr->list, &err) != 0)
        return job_fail_stage(jr, STAGE_SELECT, &err);
    if (rule.archive == NULL)
        note_young(jr);
    rc = select_choose(&jr->list, &rule, jr->src->display, &jr->chosen, NULL,
                       &err);
    if (jr->chosen != NULL) {
        jr->archive_time = archive_entry_time(jr->chosen);
        jr->archive.name = jr->chosen->name;
        jr->archive.created_at = jr->archive_time;
        jr->archive.age_s = (int64_t)(job_now() - jr->archive_time);
        jr->archive.size_bytes = jr->chosen->size;
        log_info("job '%s': newest archive '%s'", jc->name, jr->chosen->name);
    }
    /* A zero-byte or tiny newest archive is a failed dump, never skipped. */
    if (rc != 0)
        return job_fail_stage(jr, STAGE_SELECT, &err);
    report_stage_end(jr->r, STAGE_SELECT, RD_ST_OK);
    return 0;
}

static int
stage_select(struct job_run *jr)
{
    int rc;

    report_stage_begin(jr->r, STAGE_SELECT);
    archive_info_init(&jr->archive);
    rc = select_archive(jr);
    render_archive(report_archive(jr->r), &jr->archive);
    return rc;
}

/*
 * --dry-run: read a streamed archive to its end anyway (the decoder's end
 * checks and the sha256 are what a dry run is for; the other modes read it
 * already), then say what a real run would have done.
 */
static void
dry_run(struct job_run *jr)
{
    struct rd_err err = {0};
    char into[64];

    if (jr->mode == MODE_STREAM) {
        report_stage_begin(jr->r, STAGE_DECODE);
        if (stream_drain(jr->top, &err) != 0) {
            job_fail_stage(jr, STAGE_DECODE, &err);
            return;
        }
        job_report_hash(jr);
        report_stage_end(jr->r, STAGE_DECODE, RD_ST_OK);
    }
    target_ops(jr->target)->describe(jr->target, into, sizeof(into));
    report_note(
        jr->r,
        "dry run: would restore '%s' (%s, compression %s, %s) with %s into %s",
        jr->chosen->name, dumpfmt_kind_name(jr->format),
        job_compression_name(jr->compression),
        jr->mode == MODE_SPOOL ? "spooled to a temp dir" : "streamed",
        jr->format == DUMP_MYSQL   ? "mariadb"
        : jr->format == DUMP_PLAIN ? "psql"
                                   : "pg_restore",
        into);
}

/* The newest archive's age, judged after the restore (both facts are reported).
 */
static void
check_archive_age(struct job_run *jr)
{
    struct rd_err err = {0};

    if (sig_pending() != 0 || jr->chosen == NULL || jr->o->archive != NULL ||
        select_check_age(jr->chosen, jr->jc->max_archive_age_s, job_now(),
                         &err) == 0)
        return;
    report_stage_set(jr->r, STAGE_SELECT, RD_ST_CRITICAL);
    report_error(jr->r, "select", &err);
}

/* What write_reports() writes besides the report and JUnit files. */
#define WR_METRICS 1 /* the metrics file (once per run) */
#define WR_STDOUT  2 /* a report to stdout (only the final one) */
#define WR_LAST    4 /* STATE_DIR/JOB/last.json */

/* Write the report where asked and, with WR_LAST, to STATE_DIR/JOB/last.json;
 * returns the exit code, raised when an output could not be written. */
static int
write_reports(struct job_run *jr, int code, int what)
{
    char last[PATH_MAX + 16];
    struct report_dest d = {0};

    snprintf(last, sizeof(last), "%s/%s/last.json", jr->jc->state_dir,
             jr->jc->name);
    d.junit = jr->jc->junit;
    d.metrics = (what & WR_METRICS) ? jr->jc->metrics : NULL;
    d.report = jr->jc->report;
    d.last = (what & WR_LAST) ? last : NULL;
    d.to_stdout = (what & WR_STDOUT) != 0;
    return report_write_all(jr->r, &d, code);
}

/* Whether the job has an alert channel or a ping to send. */
static bool
has_alerts(const struct job_config *jc)
{
    return jc->alert_exec != NULL || jc->alert_webhook != NULL ||
           jc->ping_url != NULL;
}

/*
 * The reports are on disk; now alert, ping, and rewrite them with alerts[]
 * (the hook was told where the report is, so it had to exist first).
 */
static int
job_alert(struct job_run *jr, int code)
{
    const struct job_config *jc = jr->jc;
    char last[PATH_MAX + 16];
    const char *path = jc->report;
    struct alert_settings as;

    if (path == NULL || strcmp(path, "-") == 0 || report_unwritten(jr->r)) {
        snprintf(last, sizeof(last), "%s/%s/last.json", jc->state_dir,
                 jc->name);
        path = last;
    }
    job_alert_settings(jc, &as);
    report_stage_begin(jr->r, STAGE_ALERT);
    alert_send(&as, jr->r, path);
    report_stage_end(jr->r, STAGE_ALERT, alert_stage_status(jr->r));
    code = write_reports(jr, code,
                         WR_LAST | (jc->ping_url != NULL ? 0 : WR_STDOUT));
    if (alert_ping_end(&as, jr->r, code)) {
        report_stage_end(jr->r, STAGE_ALERT, alert_stage_status(jr->r));
        code = write_reports(jr, code, WR_LAST | WR_STDOUT);
    }
    return code;
}

/* Exit code of a finished job: status code, or 128+N after a signal. */
static int
job_exit_code(const struct job_run *jr)
{
    int sig = sig_pending();

    if (sig != 0) {
        /* Make sure the report says why, whatever stage noticed it. */
        if (!report_has_error(jr->r, RD_INTERRUPTED)) {
            struct rd_err err = {0};

            rd_err_set(&err, RD_INTERRUPTED, "interrupted by %s",
                       sig_name(sig));
            report_error(jr->r, "signal", &err);
        }
        return 128 + sig;
    }
    return (int)report_status(jr->r);
}

/* target_sweep_fn: one leftover into sweep[] (and the log). */
static void
add_swept(void *ctx, const struct target_swept *w)
{
    struct job_run *jr = ctx;
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:o, s:b, s:s}", "database", w->database,
                  "server", w->server, "run_id", w->run_id, "age_s",
                  w->age_s >= 0 ? json_integer(w->age_s) : json_null(),
                  "dropped", w->dropped, "reason", w->reason);

    if (o != NULL)
        json_array_append_new(report_sweep(jr->r), o);
    log_info("sweep: database '%s' %s: %s", w->database,
             w->dropped ? "dropped" : "kept", w->reason);
}

/* Stage sweep: what killed runs left (a server that cannot be asked now
 * is a warning; the preflight will say more). */
static void
stage_sweep(struct job_run *jr)
{
    const struct target_ops *ops = target_ops(jr->target);
    struct rd_err err = {0};

    report_stage_begin(jr->r, STAGE_SWEEP);
    if (ops->sweep(jr->target, add_swept, jr, &err) != 0) {
        log_warn("sweep: %s", err.msg);
        report_note(jr->r, "sweep of leftover scratch databases skipped: %s",
                    err.msg);
        report_stage_end(jr->r, STAGE_SWEEP, RD_ST_SKIPPED);
        return;
    }
    report_stage_end(jr->r, STAGE_SWEEP, RD_ST_OK);
}

/* Select ... drift, each after a look for a signal or the deadline; a dry
 * run stops after the preflight. */
static void
run_stages(struct job_run *jr)
{
    stage_sweep(jr);
    if (stage_select(jr) != 0 || check_signal(jr, STAGE_FETCH) != 0 ||
        job_stage_fetch(jr) != 0 || check_signal(jr, STAGE_DECODE) != 0 ||
        job_stage_decode(jr) != 0 || check_signal(jr, STAGE_PREFLIGHT) != 0 ||
        job_stage_preflight(jr) != 0)
        return;
    if (jr->o->dry_run)
        dry_run(jr);
    else if (check_signal(jr, STAGE_RESTORE) == 0 &&
             job_stage_restore(jr) == 0 &&
             check_signal(jr, STAGE_PROBES) == 0 && job_stage_probes(jr) == 0 &&
             check_signal(jr, STAGE_DRIFT) == 0 && job_stage_drift(jr) == 0 &&
             check_signal(jr, STAGE_SWAP) == 0 && job_stage_swap(jr) == 0)
        (void)check_signal(jr, STAGE_CLEANUP);
}

/* After the cleanup: the drift baseline, the report stage, the outputs, the
 * alerts and the summary; returns the exit code. */
static int
job_finish(struct job_run *jr)
{
    const struct job_config *jc = jr->jc;
    const struct run_opts *o = jr->o;
    bool alerting = !o->dry_run && has_alerts(jc);
    int code = job_exit_code(jr);

    job_save_drift(jr);
    drift_counts_release(&jr->drift);
    probe_set_release(&jr->probes);
    if (o->dry_run && has_alerts(jc))
        report_note(jr->r, "dry run: no alerts or pings were sent");
    if (o->dry_run)
        report_note(jr->r, "dry run: %s/%s/last.json%s left as %s",
                    jc->state_dir, jc->name,
                    jc->metrics != NULL ? " and the metrics file" : "",
                    jc->metrics != NULL ? "they were" : "it was");
    report_stage_begin(jr->r, STAGE_REPORT);
    report_stage_end(jr->r, STAGE_REPORT, RD_ST_OK);
    /* A dry run restores nothing: it must not look like a verified backup
     * to whoever reads last.json or the metrics. */
    code = write_reports(jr, code,
                         o->dry_run ? WR_STDOUT
                                    : WR_METRICS | WR_LAST |
                                          (alerting ? 0 : WR_STDOUT));
    if (alerting)
        code = job_alert(jr, code);
    if (!o->quiet)
        report_summary(jr->r, report_summary_out(jc->report, false),
                       jc->report);
    return code;
}

int
job_verify(const struct job_config *jc, const struct run_opts *o)
{
    struct job_run jr;
    struct rd_err err = {0};
    int lockfd, code;

    memset(&jr, 0, sizeof(jr));
    db_set_deadline(0); /* set when the restore starts */
    jr.jc = jc;
    jr.o = o;
    jr.rres.scratch_dropped = -1;
    archive_list_init(&jr.list);
    fetched_init(&jr.f);
    clock_gettime(CLOCK_MONOTONIC, &jr.t0);
    jr.r = report_new(o->into != NULL ? "restore" : "verify", jc->name);
    jr.target = jr.r != NULL ? target_new(o->into != NULL ? job_into_spec(jc)
                                                          : jc->target,
                                          &jr.tools, &jr.ident, &jr.sb, o->keep)
                             : NULL;
    if (jr.target != NULL) {
        struct target_policy pol = {jc->allow_superuser, jc->state_dir,
                                    jc->name, jc->sweep_after_s};

        target_set_policy(jr.target, &pol);
    }
    if (jr.target == NULL) {
        log_error("out of memory");
        report_free(jr.r);
        return RD_ST_UNKNOWN;
    }
    (void)report_summary_out(jc->report, o->quiet);
    if (o->config_note != NULL)
        report_note(jr.r, "%s", o->config_note);
    lockfd = lock_acquire(jc->state_dir, jc->name, &err);
    if (lockfd < 0 && err.code == RD_LOCKED) {
        /* The running job owns the report files: none is written, but a
         * holder older than restore_timeout is probably hung: alert. */
        log_error("%s", err.msg);
        job_alert_locked(&jr, &err);
        target_free(jr.target);
        report_free(jr.r);
        return RD_ST_UNKNOWN;
    }
    jr.rres.target = target_display(jr.target);
    if (lockfd >= 0 && !o->dry_run) {
        struct alert_settings as;

        job_alert_settings(jc, &as);
        alert_ping_start(&as, jr.r);
    }
    if (lockfd < 0) {
        report_error(jr.r, "lock", &err);
    } else if (jc->probes != NULL &&
               probe_load_dir(jc->probes, &jr.probes, &err) != 0) {
        /* Bad probes fail the run before anything is fetched. */
        log_cause("%s", err.msg);
        report_error(jr.r, "config", &err);
    } else {
        run_stages(&jr);
    }
    check_archive_age(&jr); /* before cleanup releases the list */
    job_cleanup(&jr);
    db_set_deadline(0);
    code = job_finish(&jr);
    restore_report_release(&jr.rres);
    target_free(jr.target);
    report_free(jr.r);
    lock_release(lockfd);
    return code;
}
