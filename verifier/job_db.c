/* job_db: restore into the scratch database, run the probes, measure drift. */
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

#include "probes/probe_exec.h"
#include "reports/render_probes.h"
#include "verifier/util/db.h"
#include "verifier/util/duration.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "verifier/job.h"
#include "verifier/job_int.h"

/* 32 random alphanumerics for our own \restrict line. */
int
job_random_key(char *out, size_t len)
{
    static const char al[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char raw[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, raw, sizeof(raw)) : -1;

    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof(raw) || len < sizeof(raw) + 1)
        return -1;
    for (size_t i = 0; i < sizeof(raw); i++)
        out[i] = al[raw[i] % (sizeof(al) - 1)];
    out[sizeof(raw)] = '\0';
    return 0;
}

/* What restore_run() reads: the file or folder by path, or the stream
 * (plain SQL behind our filter, with a fresh \restrict key). */
static int
restore_input(struct job_run *jr, struct restore_input *in, struct rd_err *err)
{
    char key[40];
    struct stream *f;

    in->format = jr->format;
    in->keep_owner = jr->jc->globals != NULL; /* the roles exist */
    if (jr->mode != MODE_STREAM) {
        in->path = jr->path;
        return 0;
    }
    in->stream = jr->top;
    if (jr->format == DUMP_MYSQL) {
        jr->top = myfilter_new(jr->top, jr->myhead.header, &jr->mycounts);
        in->stream = jr->top;
        return jr->top != NULL ? 0
                               : rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    if (jr->format != DUMP_PLAIN)
        return 0;
    if (job_random_key(key, sizeof(key)) != 0)
        return rd_err_set(err, RD_INTERNAL, "cannot read /dev/urandom");
    f = sqlfilter_new(jr->top, key, !in->keep_owner, &jr->counts);
    if (f == NULL) {
        jr->top = NULL; /* freed by sqlfilter_new */
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    jr->top = f;
    in->stream = f;
    return 0;
}

/* A failed restore; a decoder that failed at the end taints the whole
 * restore and is reported at stage decode. */
static int
restore_failed(struct job_run *jr, const struct rd_err *err)
{
    if (err->code != RD_DECOMPRESS_CORRUPT &&
        err->code != RD_DECOMPRESS_TRUNCATED && err->code != RD_MEMORY_LIMIT)
        return job_fail_stage(jr, STAGE_RESTORE, err);
    report_stage_set(jr->r, STAGE_DECODE, rd_code_status(err->code));
    report_stage_end(jr->r, STAGE_RESTORE, rd_code_status(err->code));
    report_error(jr->r, stage_name(STAGE_DECODE), err);
    return -1;
}

/* What myfilter did to a mysqldump script, as notes; its DEFINER clauses
 * count as owners (restore.filtered.owner). */
static void
job_mysql_notes(struct job_run *jr)
{
    const struct myfilter_counts *c = &jr->mycounts;

    jr->rres.filtered = true;
    jr->rres.filtered_owner = c->definer;
    if (c->definer > 0)
        report_note(
            jr->r,
            "mysqldump: %lld DEFINER= clause%s stripped (the accounts they name do not exist on the scratch server)",
            (long long)c->definer, c->definer == 1 ? "" : "s");
    if (c->collations > 0)
        report_note(
            jr->r,
            "mysqldump: MySQL 8 collations mapped for MariaDB: %s (%lld place%s)",
            c->mapped, (long long)c->collations, c->collations == 1 ? "" : "s");
    if (c->skipped_dbs[0] != '\0')
        report_note(
            jr->r,
            "mysqldump: system schema%s %s skipped (%lld lines): an --all-databases dump's server accounts and settings are not restored",
            strchr(c->skipped_dbs, ',') != NULL ? "s" : "", c->skipped_dbs,
            (long long)c->skipped_lines);
    if (!c->header)
        report_note(
            jr->r,
            "mysqldump: the dump has no comment header (--skip-comments), so its completeness ('-- Dump completed' at its end) could not be checked");
}

/* Run the tool; the result goes to jr->rres (rendered at the cleanup). */
static int
restore_into(struct job_run *jr, const struct restore_input *in,
             const struct timespec *t0, struct rd_err *err)
{
    struct restore_report *rp = &jr->rres;
    struct timespec t1;
    int rc;

    log_info("restoring '%s' into database '%s'", jr->chosen->name,
             target_dbname(jr->target));
    rc = restore_run(jr->target, in, &rp->run, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rp->ran = true;
    rp->filtered = jr->format == DUMP_PLAIN;
    rp->filtered_owner = (int64_t)jr->counts.owner;
    rp->filtered_acl = (int64_t)jr->counts.acl;
    if (jr->format == DUMP_MYSQL)
        job_mysql_notes(jr);
    if (jr->mode == MODE_STREAM) {
        char hex[65];

        /* A restore that ended before the archive did (a tool or filter
           that stopped early) still has every raw byte hashed and the
           sidecar and size judged: never an "ok" on half a check. */
        if (rc == 0 && jr->hash != NULL &&
            stream_hash_hex(jr->hash, hex) != 0 &&
            stream_drain(jr->hash, err) != 0)
            rc = -1;
        job_report_hash(jr);
    }
    rp->duration_s = (double)(t1.tv_sec - t0->tv_sec) +
                     (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
    return rc;
}

/* rto: a restore slower than the recovery-time objective is a warning. */
static enum rd_status
rto_status(struct job_run *jr)
{
    char lim[32], took[32];

    if (jr->jc->rto_s <= 0 || jr->rres.duration_s <= (double)jr->jc->rto_s)
        return RD_ST_OK;
    report_note(
        jr->r,
        "rto: the restore took %s, more than the recovery-time objective %s",
        duration_human((int64_t)jr->rres.duration_s, took, sizeof(took)),
        duration_format(jr->jc->rto_s, lim, sizeof(lim)));
    log_warn("the restore took longer than rto %s", lim);
    return RD_ST_WARNING;
}

int
job_stage_restore(struct job_run *jr)
{
    struct restore_input in = {jr->format, NULL, NULL};
    struct rd_err err = {0};
    struct timespec t0;

    report_stage_begin(jr->r, STAGE_RESTORE);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* restore_timeout bounds the restore and every query after it. */
    if (jr->jc->restore_timeout_s > 0)
        db_set_deadline(db_now_ms() + jr->jc->restore_timeout_s * 1000);
    /* The ephemeral target starts its cluster here. */
    if (target_ops(jr->target)->start(jr->target, &err) != 0)
        return job_fail_stage(jr, STAGE_RESTORE, &err);
    snprintf(jr->rres.server_version, sizeof(jr->rres.server_version), "%s",
             target_server_version(jr->target));
    if (target_create_db(jr->target, jr->jc->name, &err) != 0)
        return job_fail_stage(jr, STAGE_RESTORE, &err);
    snprintf(jr->rres.database, sizeof(jr->rres.database), "%s",
             target_dbname(jr->target));
    if (job_stage_globals(jr) != 0) {
        report_stage_end(jr->r, STAGE_RESTORE, RD_ST_SKIPPED);
        return -1;
    }
    if (restore_input(jr, &in, &err) != 0)
        return job_fail_stage(jr, STAGE_RESTORE, &err);
    if (restore_into(jr, &in, &t0, &err) != 0)
        return restore_failed(jr, &err);
    report_stage_end(jr->r, STAGE_RESTORE, rto_status(jr));
    jr->rres.kept = jr->o->keep;
    return 0;
}

/* Run every probe against ${conn}; fill probes[] and judge the stage. */
struct probe_conn *
job_run_probes(struct report *r, const struct probe_set *set,
               struct probe_conn *conn, time_t archive_time,
               int64_t default_timeout)
{
    struct probe_ctx ctx = {time(NULL), archive_time, default_timeout};
    enum rd_status worst = RD_ST_OK;
    json_t *arr = report_probes(r);

    report_stage_begin(r, STAGE_PROBES);
    for (size_t i = 0; i < set->n; i++) {
        const struct probe *p = &set->items[i];
        struct probe_outcome out;

        if (conn == NULL) {
            /* An earlier probe left the session stuck: not run. */
            memset(&out, 0, sizeof(out));
            out.status = RD_ST_UNKNOWN;
            snprintf(
                out.message, sizeof(out.message),
                "not run: the connection was dropped after an earlier probe ignored its timeout");
        } else {
            probe_exec_run(conn, p, &ctx, &out);
        }
        json_array_append_new(arr, render_probe(p, &out));
        log_info("probe '%s': %s: %s", p->name, rd_status_name(out.status),
                 out.message);
        worst = rd_status_worse(worst, out.status);
        if (out.code != RD_OK) {
            struct rd_err e = {0};

            rd_err_set(&e, out.code, "probe '%s': %s", p->name, out.message);
            report_error(r, "probes", &e);
        } else if (out.status == RD_ST_UNKNOWN) {
            struct rd_err e = {0};

            rd_err_set(&e, RD_PROBE_INVALID, "probe '%s': %s", p->name,
                       out.message);
            report_error(r, "probes", &e);
        }
        if (out.conn_lost) {
            probe_conn_close(conn);
            conn = NULL;
        }
        probe_outcome_release(&out);
    }
    report_stage_end(r, STAGE_PROBES, worst);
    return conn;
}

/* Probes against the scratch database, as a read-only, non-superuser role
 * where the target has one. */
int
job_stage_probes(struct job_run *jr)
{
    const char *ci;
    struct rd_err err = {0};
    struct probe_conn *conn = NULL;

    if (jr->probes.n == 0)
        return 0;
    ci = target_ops(jr->target)->probe_conninfo(jr->target, &err);
    if (ci == NULL ||
        (conn = probe_conn_open(ci, target_dbname(jr->target), &err)) == NULL) {
        report_stage_begin(jr->r, STAGE_PROBES);
        return job_fail_stage(jr, STAGE_PROBES, &err);
    }
    {
        /* Each probe has its own limit (probe_timeout): restore_timeout
         * must not turn a slow probe into a failed one.  Its clock runs on. */
        long long deadline = db_deadline();

        db_set_deadline(0);
        conn = job_run_probes(jr->r, &jr->probes, conn, jr->archive_time,
                              jr->jc->probe_timeout_s);
        db_set_deadline(deadline);
    }
    probe_conn_close(conn);
    return 0;
}

/* target_count_fn into the drift counts. */
static int
add_count(void *ctx, const char *name, int64_t rows)
{
    return drift_counts_add(ctx, name, rows);
}

/* Per-table counts against the last verified run's (state_dir). */
int
job_stage_drift(struct job_run *jr)
{
    struct drift_counts base = {0};
    struct rd_err err = {0};
    char path[PATH_MAX + 64];
    struct drift_diff diff;
    size_t warnings = 0;
    int loaded;

    report_stage_begin(jr->r, STAGE_DRIFT);
    if (target_ops(jr->target)
            ->count_rows(jr->target, jr->jc->drift_exact_rows, add_count,
                         &jr->drift, &err) != 0) {
        if (err.code == RD_TIMEOUT || err.code == RD_INTERRUPTED)
            return job_fail_stage(jr, STAGE_DRIFT, &err);
        log_warn("drift: %s", err.msg);
        report_note(jr->r, "drift not measured: %s", err.msg);
        report_stage_end(jr->r, STAGE_DRIFT, RD_ST_WARNING);
        return 0;
    }
    jr->drift.taken_at = time(NULL);
    jr->drift_taken = true;
    snprintf(path, sizeof(path), "%s/%s/drift.json", jr->jc->state_dir,
             jr->jc->name);
    loaded = drift_load(path, &base, &err);
    if (loaded < 0) {
        report_note(jr->r,
                    "drift baseline '%s' unreadable (%s): starting a new one",
                    path, err.msg);
        drift_counts_release(&base);
        loaded = 1;
    }
    if (loaded == 1) {
        report_note(
            jr->r,
            "drift: first verified run, nothing to compare (%zu tables recorded)",
            jr->drift.n);
        report_stage_end(jr->r, STAGE_DRIFT, RD_ST_OK);
        return 0;
    }
    /* Out of memory leaves ${diff} empty: tables [], no warning. */
    (void)drift_diff(&base, &jr->drift, jr->jc->max_shrink, &diff);
    render_drift(report_drift(jr->r), base.taken_at, &diff);
    warnings = diff.warnings;
    for (size_t i = 0; i < diff.n; i++) {
        const struct drift_row *t = &diff.rows[i];

        if (!t->warning)
            continue;
        if (t->now == NULL)
            report_note(jr->r, "drift: table '%s' vanished (had %lld rows)",
                        t->before->name,
                        (long long)(t->before->rows < 0 ? 0 : t->before->rows));
        else
            report_note(jr->r,
                        "drift: table '%s' shrank from %lld to %lld rows",
                        t->now->name, (long long)t->before->rows,
                        (long long)t->now->rows);
    }
    drift_diff_release(&diff);
    drift_counts_release(&base);
    report_stage_end(jr->r, STAGE_DRIFT,
                     warnings > 0 ? RD_ST_WARNING : RD_ST_OK);
    return 0;
}

/* A verified run (ok or warning) becomes the next run's drift baseline. */
void
job_save_drift(struct job_run *jr)
{
    struct rd_err err = {0};
    char path[PATH_MAX + 64];
    enum rd_status st = report_status(jr->r);

    if (!jr->drift_taken || (st != RD_ST_OK && st != RD_ST_WARNING))
        return;
    snprintf(path, sizeof(path), "%s/%s", jr->jc->state_dir, jr->jc->name);
    if (fs_mkdir_p(path, 0700, &err) != 0) {
        log_warn("drift baseline not saved: %s", err.msg);
        return;
    }
    snprintf(path, sizeof(path), "%s/%s/drift.json", jr->jc->state_dir,
             jr->jc->name);
    if (drift_save(path, &jr->drift, &err) != 0)
        log_warn("drift baseline not saved: %s", err.msg);
}
