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
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "verifier/job.h"
#include "verifier/job_int.h"

/* Fill restore{} from what the restore produced. */
static void
report_restore_result(struct job_run *jr, const struct restore_result *rr)
{
    json_t *rs = report_restore(jr->r), *errs = json_array();

    for (int i = 0; i < rr->nerrors; i++)
        json_array_append_new(errs, report_json_text(rr->errors[i]));
    json_object_set_new(rs, "tool", json_string(rr->tool));
    json_object_set_new(rs, "jobs", json_integer(rr->jobs));
    json_object_set_new(rs, "error_count", json_integer(rr->error_count));
    json_object_set_new(rs, "errors", errs);
    json_object_set_new(rs, "stderr_tail", report_json_text(rr->tail));
    if (jr->format == DUMP_PLAIN)
        json_object_set_new(rs, "filtered",
                            json_pack("{s:I, s:I}", "owner",
                                      (json_int_t)jr->counts.owner, "acl",
                                      (json_int_t)jr->counts.acl));
}

/* 32 random alphanumerics for our own \restrict line. */
static int
random_key(char *out, size_t len)
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

int
job_stage_restore(struct job_run *jr)
{
    struct restore_input in = {jr->format, NULL, NULL};
    struct restore_result rr;
    struct rd_err err = {0};
    json_t *rs = report_restore(jr->r);
    struct timespec t0, t1;
    char key[40];
    int rc;

    report_stage_begin(jr->r, STAGE_RESTORE);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* restore_timeout bounds the restore and every query after it. */
    if (jr->jc->restore_timeout_s > 0)
        db_set_deadline(db_now_ms() + jr->jc->restore_timeout_s * 1000);
    if (jr->ephemeral) {
        log_info("starting a scratch PostgreSQL %d cluster", jr->tools.major);
        jr->cluster.keep = jr->o->keep;
        if (cluster_start(&jr->cluster, &jr->tools, &jr->ident, jr->o->keep,
                          &err) != 0)
            return job_fail_stage(jr, STAGE_RESTORE, &err);
        snprintf(jr->conninfo, sizeof(jr->conninfo),
                 "host='%s' port=%d user=postgres dbname=postgres",
                 jr->cluster.dir, jr->cluster.port);
        jr->rctx.conninfo = jr->conninfo;
        jr->rctx.tools = &jr->tools;
        jr->rctx.ident = &jr->ident;
        jr->rctx.home = jr->cluster.dir;
        if (restore_connect(&jr->rctx, &err) != 0)
            return job_fail_stage(jr, STAGE_RESTORE, &err);
    }
    json_object_set_new(rs, "server_version",
                        json_string(jr->rctx.server_version));
    if (restore_create_db(&jr->rctx, jr->jc->name, &err) != 0)
        return job_fail_stage(jr, STAGE_RESTORE, &err);
    json_object_set_new(rs, "database", json_string(jr->rctx.dbname));
    if (jr->mode == MODE_STREAM) {
        in.stream = jr->top;
        if (jr->format == DUMP_PLAIN) {
            struct stream *f;

            if (random_key(key, sizeof(key)) != 0) {
                rd_err_set(&err, RD_INTERNAL, "cannot read /dev/urandom");
                return job_fail_stage(jr, STAGE_RESTORE, &err);
            }
            f = sqlfilter_new(jr->top, key, true, &jr->counts);
            if (f == NULL) {
                jr->top = NULL; /* freed by sqlfilter_new */
                rd_err_set(&err, RD_INTERNAL, "out of memory");
                return job_fail_stage(jr, STAGE_RESTORE, &err);
            }
            jr->top = f;
            in.stream = f;
        }
    } else {
        in.path = jr->path;
    }
    log_info("restoring '%s' into database '%s'", jr->chosen->name,
             jr->rctx.dbname);
    rc = restore_run(&jr->rctx, &in, &rr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    report_restore_result(jr, &rr);
    if (jr->mode == MODE_STREAM)
        job_report_hash(jr);
    json_object_set_new(
        rs, "duration_s",
        json_real(round(((double)(t1.tv_sec - t0.tv_sec) +
                         (double)(t1.tv_nsec - t0.tv_nsec) / 1e9) *
                        1000.0) /
                  1000.0));
    restore_result_release(&rr);
    if (rc != 0) {
        /* A decoder that failed at the end taints the whole restore. */
        enum stage s = err.code == RD_DECOMPRESS_CORRUPT ||
                               err.code == RD_DECOMPRESS_TRUNCATED ||
                               err.code == RD_MEMORY_LIMIT
                           ? STAGE_DECODE
                           : STAGE_RESTORE;

        if (s == STAGE_DECODE) {
            report_stage_set(jr->r, STAGE_DECODE, rd_code_status(err.code));
            report_stage_end(jr->r, STAGE_RESTORE, rd_code_status(err.code));
            report_error(jr->r, stage_name(STAGE_DECODE), &err);
            return -1;
        }
        return job_fail_stage(jr, STAGE_RESTORE, &err);
    }
    report_stage_end(jr->r, STAGE_RESTORE, RD_ST_OK);
    if (jr->o->keep)
        json_object_set_new(rs, "kept", json_true());
    return 0;
}

/* Run every probe against ${conn}; fill probes[] and judge the stage. */
PGconn *
job_run_probes(struct report *r, const struct probe_set *set, PGconn *conn,
               time_t archive_time, int64_t default_timeout)
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
            PQfinish(conn);
            conn = NULL;
        }
        probe_outcome_release(&out);
    }
    report_stage_end(r, STAGE_PROBES, worst);
    return conn;
}

/* Probes against the scratch database, as a read-only, non-superuser role. */
int
job_stage_probes(struct job_run *jr)
{
    char probe_ci[PATH_MAX + 128];
    struct rd_err err = {0};
    PGconn *conn;

    if (jr->probes.n == 0)
        return 0;
    if (jr->ephemeral) {
        /* pg_read_all_data (PG 14+): reads everything, owns nothing. */
        char sql[256];

        snprintf(sql, sizeof(sql),
                 "DO $$BEGIN CREATE ROLE restoredrill_probe LOGIN; "
                 "EXCEPTION WHEN duplicate_object THEN NULL; END$$");
        if (db_exec(jr->rctx.admin, sql, 0, NULL, NULL, &err) != 0 ||
            db_exec(jr->rctx.admin,
                    "GRANT pg_read_all_data TO restoredrill_probe", 0, NULL,
                    NULL, &err) != 0) {
            report_stage_begin(jr->r, STAGE_PROBES);
            return job_fail_stage(jr, STAGE_PROBES, &err);
        }
        snprintf(probe_ci, sizeof(probe_ci),
                 "host='%s' port=%d user=restoredrill_probe dbname=postgres",
                 jr->cluster.dir, jr->cluster.port);
        conn = db_connect(probe_ci, jr->rctx.dbname, &err);
    } else {
        conn = db_connect(jr->jc->target, jr->rctx.dbname, &err);
    }
    if (conn == NULL || probe_exec_session(conn, &err) != 0) {
        PQfinish(conn);
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
    PQfinish(conn);
    return 0;
}

/* Row counts of every user table of the scratch database (ANALYZE first);
 * every query is bounded by the run's deadline and stops on a signal. */
static int
count_tables(PGconn *conn, int64_t exact_below, struct drift_counts *out,
             struct rd_err *err)
{
    PGresult *res;
    int rc = 0;

    if (db_exec(conn, "ANALYZE", 0, NULL, NULL, err) != 0)
        return -1;
    res = db_query(conn,
                   "SELECT n.nspname, c.relname, c.reltuples::bigint "
                   "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                   "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND "
                   "n.nspname NOT IN ('pg_catalog', 'information_schema') AND "
                   "n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2",
                   0, NULL, NULL, err);
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        const char *ns = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        long long rows = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        char name[300];

        if (rows < exact_below) {
            char *qn = PQescapeIdentifier(conn, ns, strlen(ns));
            char *qr = PQescapeIdentifier(conn, rel, strlen(rel));
            char sql[700];
            PGresult *c;

            snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s.%s",
                     qn != NULL ? qn : "", qr != NULL ? qr : "");
            PQfreemem(qn);
            PQfreemem(qr);
            c = db_query(conn, sql, 0, NULL, NULL, err);
            if (c == NULL && (err->code == RD_TIMEOUT ||
                              err->code == RD_INTERRUPTED || db_stuck(conn))) {
                rc = -1;
                break;
            }
            rows = c != NULL ? strtoll(PQgetvalue(c, 0, 0), NULL, 10) : -1;
            PQclear(c);
        }
        snprintf(name, sizeof(name), "%s.%s", ns, rel);
        if (drift_counts_add(out, name, rows) != 0)
            rc = rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    PQclear(res);
    return rc;
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
    PGconn *conn;
    int loaded;

    report_stage_begin(jr->r, STAGE_DRIFT);
    conn = db_connect(jr->rctx.conninfo, jr->rctx.dbname, &err);
    if (conn == NULL ||
        count_tables(conn, jr->jc->drift_exact_rows, &jr->drift, &err) != 0) {
        PQfinish(conn);
        if (err.code == RD_TIMEOUT || err.code == RD_INTERRUPTED)
            return job_fail_stage(jr, STAGE_DRIFT, &err);
        log_warn("drift: %s", err.msg);
        report_note(jr->r, "drift not measured: %s", err.msg);
        report_stage_end(jr->r, STAGE_DRIFT, RD_ST_WARNING);
        return 0;
    }
    PQfinish(conn);
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
