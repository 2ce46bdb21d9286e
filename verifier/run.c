/* run: the commands' pipelines (verify, list, lint), one job at a time. */
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

#include <openssl/evp.h>

#include "reports/report.h"
#include "restore/cluster.h"
#include "restore/dumpfmt.h"
#include "restore/restore.h"
#include "restore/select.h"
#include "restore/source.h"
#include "verifier/duration.h"
#include "verifier/fsutil.h"
#include "verifier/lock.h"
#include "verifier/pattern.h"
#include "verifier/log.h"
#include "verifier/redact.h"
#include "verifier/sig.h"

#include "verifier/run.h"

/* Everything one verify of one job holds; released by job_cleanup(). */
struct job_run {
    const struct job_config *jc;
    const struct run_opts *o;
    struct report *r;
    struct source *src;
    struct archive_list list;
    const struct archive_entry *chosen; /* (borrowed from list) */
    struct fetched f;
    struct dump_header hdr;
    struct pg_tools tools;
    struct proc_ident ident;
    struct cluster cluster;
    struct restore_ctx rctx;
    char conninfo[PATH_MAX + 128];
    time_t archive_time;
    bool ephemeral;
};

static time_t
now_utc(void)
{
    return time(NULL);
}

/* Record ${err} at stage ${s}, mark the stage with the error's status. */
static int
fail_stage(struct job_run *jr, enum stage s, const struct rd_err *err)
{
    report_stage_end(jr->r, s, rd_code_status(err->code));
    report_error(jr->r, stage_name(s), err);
    return -1;
}

/* Between stages: a caught signal ends the pipeline (cleanup still runs). */
static int
check_signal(struct job_run *jr, enum stage next)
{
    struct rd_err err = {0};
    int sig = sig_pending();

    if (sig == 0)
        return 0;
    rd_err_set(&err, RD_INTERRUPTED, "interrupted by %s before %s",
               sig_name(sig), stage_name(next));
    report_error(jr->r, "signal", &err);
    return -1;
}

/* Name the files min_age will skip as still being written (at most 5). */
static void
note_young(struct job_run *jr)
{
    time_t now = now_utc();
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

static int
stage_select(struct job_run *jr)
{
    struct rd_err err = {0};
    const struct job_config *jc = jr->jc;
    json_t *a = report_archive(jr->r);
    char ts[32];

    report_stage_begin(jr->r, STAGE_SELECT);
    if (jc->source == NULL) {
        rd_err_set(
            &err, RD_CONFIG_INVALID,
            "job '%s' has no source\nHINT: set source = /path/to/backups in the config or pass --source",
            jc->name);
        return fail_stage(jr, STAGE_SELECT, &err);
    }
    jr->src = source_open(jc->source, &err);
    if (jr->src == NULL)
        return fail_stage(jr, STAGE_SELECT, &err);
    json_object_set_new(a, "source", report_json_text(jr->src->display));
    if (source_list(jr->src, &jr->list, &err) != 0)
        return fail_stage(jr, STAGE_SELECT, &err);

    if (jr->o->archive != NULL) {
        /* --archive NAME: exactly that one, whatever its age. */
        for (size_t i = 0; i < jr->list.n; i++)
            if (strcmp(jr->list.items[i].name, jr->o->archive) == 0)
                jr->chosen = &jr->list.items[i];
        if (jr->chosen == NULL) {
            rd_err_set(&err, RD_ARCHIVE_NOT_FOUND,
                       "archive '%s' not found in '%s'", jr->o->archive,
                       jr->src->display);
            return fail_stage(jr, STAGE_SELECT, &err);
        }
        /* Named explicitly: no pattern, min_age or newest rule applies (the
           list is not filtered; chosen points into it), but a name that
           fits the pattern still dates the archive. */
        for (size_t i = 0; i < jr->list.n; i++) {
            struct archive_entry *e = &jr->list.items[i];
            time_t t;

            if (e == jr->chosen && jc->pattern != NULL &&
                pattern_match(jc->pattern, e->name, &t) && t != (time_t)-1)
                e->name_time = t;
        }
    } else {
        note_young(jr);
        select_filter(&jr->list, jc->pattern, jc->min_age_s, now_utc(), NULL);
        jr->chosen = select_newest(&jr->list);
        if (jr->chosen == NULL) {
            rd_err_set(&err, RD_ARCHIVE_NOT_FOUND, "no archive%s%s%s in '%s'",
                       jc->pattern != NULL ? " matching '" : "",
                       jc->pattern != NULL ? jc->pattern : "",
                       jc->pattern != NULL ? "'" : "", jr->src->display);
            return fail_stage(jr, STAGE_SELECT, &err);
        }
    }
    jr->archive_time = archive_entry_time(jr->chosen);
    json_object_set_new(a, "name", report_json_text(jr->chosen->name));
    if (jr->archive_time != (time_t)-1) {
        json_object_set_new(
            a, "created_at",
            json_string(report_rfc3339(ts, sizeof(ts), jr->archive_time)));
        json_object_set_new(
            a, "age_s",
            json_integer((json_int_t)(now_utc() - jr->archive_time)));
    }
    if (jr->chosen->size >= 0)
        json_object_set_new(a, "size_bytes", json_integer(jr->chosen->size));
    log_info("job '%s': newest archive '%s'", jc->name, jr->chosen->name);
    /* A zero-byte or tiny newest archive is a failed dump, never skipped. */
    if (jr->chosen->size >= 0 && jr->chosen->size < jc->min_size) {
        char s1[32], s2[32];

        rd_err_set(
            &err, RD_ARCHIVE_EMPTY,
            "newest archive '%s' is %s, smaller than min_size %s: the backup that made it probably failed",
            jr->chosen->name, size_human(jr->chosen->size, s1, sizeof(s1)),
            size_human(jc->min_size, s2, sizeof(s2)));
        return fail_stage(jr, STAGE_SELECT, &err);
    }
    report_stage_end(jr->r, STAGE_SELECT, RD_ST_OK);
    return 0;
}

/* sha256 of the open archive, then rewind; the hex goes into the report. */
static int
hash_archive(struct job_run *jr, struct rd_err *err)
{
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int64_t total = 0;
    ssize_t n;
    int rc = -1;

    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rd_err_set(err, RD_INTERNAL, "cannot initialise sha256");
        goto done;
    }
    while ((n = read(jr->f.fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR && sig_pending() == 0)
            continue;
        if (n < 0) {
            rd_err_set(
                err, errno == EINTR ? RD_INTERRUPTED : RD_SOURCE_UNREACHABLE,
                "cannot read archive '%s': %s", jr->f.path, strerror(errno));
            goto done;
        }
        EVP_DigestUpdate(ctx, buf, (size_t)n);
        total += n;
    }
    if (total != jr->f.size) {
        rd_err_set(
            err, RD_FETCH_TRUNCATED,
            "archive '%s' changed while being read (%lld bytes read, %lld expected)",
            jr->f.path, (long long)total, (long long)jr->f.size);
        goto done;
    }
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    json_object_set_new(report_archive(jr->r), "sha256", json_string(hex));
    if (lseek(jr->f.fd, 0, SEEK_SET) != 0) {
        rd_err_set(err, RD_INTERNAL, "cannot rewind '%s'", jr->f.path);
        goto done;
    }
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int
stage_fetch(struct job_run *jr)
{
    struct rd_err err = {0};

    report_stage_begin(jr->r, STAGE_FETCH);
    if (source_fetch(jr->src, jr->chosen->name, &jr->f, &err) != 0)
        return fail_stage(jr, STAGE_FETCH, &err);
    json_object_set_new(report_archive(jr->r), "transfer", json_string("file"));
    json_object_set_new(report_archive(jr->r), "size_bytes",
                        json_integer(jr->f.size));
    if (jr->f.size < jr->jc->min_size) {
        rd_err_set(&err, RD_ARCHIVE_EMPTY,
                   "archive '%s' is %lld bytes, smaller than min_size",
                   jr->chosen->name, (long long)jr->f.size);
        return fail_stage(jr, STAGE_FETCH, &err);
    }
    if (hash_archive(jr, &err) != 0)
        return fail_stage(jr, STAGE_FETCH, &err);
    report_stage_end(jr->r, STAGE_FETCH, RD_ST_OK);
    return 0;
}

static int
stage_decode(struct job_run *jr)
{
    unsigned char head[DUMPFMT_HEADER_BYTES];
    json_t *a = report_archive(jr->r);
    struct rd_err err = {0};
    enum dump_kind k;
    ssize_t n;

    report_stage_begin(jr->r, STAGE_DECODE);
    n = pread(jr->f.fd, head, sizeof(head), 0);
    if (n < 0) {
        rd_err_set(&err, RD_SOURCE_UNREACHABLE, "cannot read '%s': %s",
                   jr->f.path, strerror(errno));
        return fail_stage(jr, STAGE_DECODE, &err);
    }
    k = dumpfmt_sniff(head, (size_t)n);
    switch (k) {
    case DUMP_CUSTOM:
        json_object_set_new(a, "format", json_string("custom"));
        json_object_set_new(a, "compression", json_string("none"));
        break;
    case DUMP_UNKNOWN:
        rd_err_set(
            &err, RD_FORMAT_UNKNOWN,
            "archive '%s' is not a PostgreSQL dump: its first bytes match no known format (custom, tar, plain SQL, gzip, zstd, xz, bzip2, lz4)",
            jr->chosen->name);
        return fail_stage(jr, STAGE_DECODE, &err);
    default:
        if (k == DUMP_TAR || k == DUMP_PLAIN) {
            json_object_set_new(a, "format", json_string(dumpfmt_kind_name(k)));
            json_object_set_new(a, "compression", json_string("none"));
        } else {
            json_object_set_new(a, "compression",
                                json_string(dumpfmt_kind_name(k)));
        }
        rd_err_set(
            &err, RD_TOOL_MISSING,
            "archive '%s' is %s; restoredrill %s restores uncompressed pg_dump custom-format (-Fc) archives only, so this backup could not be checked\nHINT: verify a -Fc dump, or use a restoredrill version that decodes %s archives",
            jr->chosen->name,
            k == DUMP_PLAIN ? "a plain SQL dump"
            : k == DUMP_TAR ? "a tar archive"
                            : "compressed",
            RD_VERSION, dumpfmt_kind_name(k));
        return fail_stage(jr, STAGE_DECODE, &err);
    }
    report_stage_end(jr->r, STAGE_DECODE, RD_ST_OK);
    return 0;
}

/* The PostgreSQL major a newer archive version needs (1.15 -> 16, ...). */
static int
major_for_archive(const struct dump_header *h)
{
    int m = dumpfmt_major(h->pgdump_version);

    if (m > 0)
        return m;
    return h->vmin >= 16 ? 17 : h->vmin == 15 ? 16 : 15;
}

static int
stage_preflight(struct job_run *jr)
{
    unsigned char head[DUMPFMT_HEADER_BYTES];
    json_t *a = report_archive(jr->r);
    struct rd_err err = {0};
    char msg[256], ver[16];
    int maxmaj, maxmin, rc, srcmaj;
    ssize_t n;

    report_stage_begin(jr->r, STAGE_PREFLIGHT);
    n = pread(jr->f.fd, head, sizeof(head), 0);
    rc = dumpfmt_parse_custom(head, n > 0 ? (size_t)n : 0, &jr->hdr, msg,
                              sizeof(msg));
    if (jr->hdr.vmaj > 0) {
        snprintf(ver, sizeof(ver), "%d.%d", jr->hdr.vmaj, jr->hdr.vmin);
        json_object_set_new(a, "dump_version", json_string(ver));
    }
    if (rc == 0 && jr->hdr.server_version[0] != '\0')
        json_object_set_new(a, "server_version",
                            report_json_text(jr->hdr.server_version));
    if (rc == 1) {
        rd_err_set(&err, RD_ARCHIVE_TRUNCATED,
                   "archive '%s' ends inside its header (%zd bytes)",
                   jr->chosen->name, n);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    if (rc < 0) {
        rd_err_set(&err, RD_FORMAT_UNKNOWN,
                   "archive '%s' has an invalid custom-format header: %s",
                   jr->chosen->name, msg);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    if (pgtools_find(&jr->tools, jr->ephemeral, &err) != 0)
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    if (proc_ident_resolve(jr->jc->run_as, &jr->ident, &err) != 0)
        return fail_stage(jr, STAGE_PREFLIGHT, &err);

    /* A dump newer than our pg_restore fails halfway; say so up front. */
    dumpfmt_max_archive_version(jr->tools.major, &maxmaj, &maxmin);
    if (jr->hdr.vmaj > maxmaj ||
        (jr->hdr.vmaj == maxmaj && jr->hdr.vmin > maxmin)) {
        int need = major_for_archive(&jr->hdr);

        rd_err_set(
            &err, RD_TOOL_TOO_OLD,
            "archive '%s' was written by a newer pg_dump%s%s (archive format %d.%d); pg_restore %d reads up to %d.%d\nHINT: apt-get install postgresql-%d (PGDG packages), or restore with a server of that major",
            jr->chosen->name, jr->hdr.pgdump_version[0] ? " " : "",
            jr->hdr.pgdump_version, jr->hdr.vmaj, jr->hdr.vmin, jr->tools.major,
            maxmaj, maxmin, need);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    srcmaj = dumpfmt_major(jr->hdr.server_version);
    if (jr->ephemeral && srcmaj > jr->tools.major) {
        rd_err_set(
            &err, RD_TOOL_TOO_OLD,
            "archive '%s' was dumped from PostgreSQL %s, newer than the newest installed server (%d)\nHINT: apt-get install postgresql-%d",
            jr->chosen->name, jr->hdr.server_version, jr->tools.major, srcmaj);
        return fail_stage(jr, STAGE_PREFLIGHT, &err);
    }
    if (!jr->ephemeral) {
        jr->rctx.conninfo = jr->jc->target;
        jr->rctx.tools = &jr->tools;
        jr->rctx.ident = &jr->ident;
        jr->rctx.home = "/";
        if (restore_connect(&jr->rctx, &err) != 0)
            return fail_stage(jr, STAGE_PREFLIGHT, &err);
        if (srcmaj > jr->rctx.server_num / 10000) {
            rd_err_set(
                &err, RD_TOOL_TOO_OLD,
                "archive '%s' was dumped from PostgreSQL %s, newer than the target server (%s)\nHINT: restore into a server of major %d or newer",
                jr->chosen->name, jr->hdr.server_version,
                jr->rctx.server_version, srcmaj);
            return fail_stage(jr, STAGE_PREFLIGHT, &err);
        }
    }
    report_stage_end(jr->r, STAGE_PREFLIGHT, RD_ST_OK);
    return 0;
}

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
}

static int
stage_restore(struct job_run *jr)
{
    struct restore_result rr;
    struct rd_err err = {0};
    json_t *rs = report_restore(jr->r);
    struct timespec t0, t1;
    int rc;

    report_stage_begin(jr->r, STAGE_RESTORE);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (jr->ephemeral) {
        log_info("starting a scratch PostgreSQL %d cluster", jr->tools.major);
        if (cluster_start(&jr->cluster, &jr->tools, &jr->ident, &err) != 0)
            return fail_stage(jr, STAGE_RESTORE, &err);
        snprintf(jr->conninfo, sizeof(jr->conninfo),
                 "host='%s' port=%d user=postgres dbname=postgres",
                 jr->cluster.dir, jr->cluster.port);
        jr->rctx.conninfo = jr->conninfo;
        jr->rctx.tools = &jr->tools;
        jr->rctx.ident = &jr->ident;
        jr->rctx.home = jr->cluster.dir;
        if (restore_connect(&jr->rctx, &err) != 0)
            return fail_stage(jr, STAGE_RESTORE, &err);
    }
    json_object_set_new(rs, "server_version",
                        json_string(jr->rctx.server_version));
    if (restore_create_db(&jr->rctx, jr->jc->name, &err) != 0)
        return fail_stage(jr, STAGE_RESTORE, &err);
    json_object_set_new(rs, "database", json_string(jr->rctx.dbname));
    log_info("restoring '%s' into database '%s'", jr->chosen->name,
             jr->rctx.dbname);
    rc = restore_run(&jr->rctx, &jr->f, &rr, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    report_restore_result(jr, &rr);
    json_object_set_new(
        rs, "duration_s",
        json_real(round(((double)(t1.tv_sec - t0.tv_sec) +
                         (double)(t1.tv_nsec - t0.tv_nsec) / 1e9) *
                        1000.0) /
                  1000.0));
    restore_result_release(&rr);
    if (rc != 0)
        return fail_stage(jr, STAGE_RESTORE, &err);
    report_stage_end(jr->r, STAGE_RESTORE, RD_ST_OK);
    return 0;
}

/* Drop what we made, on every path; the report says whether it worked. */
static void
job_cleanup(struct job_run *jr)
{
    json_t *rs = report_restore(jr->r);
    struct rd_err err = {0};
    bool made = jr->rctx.created || jr->cluster.dir[0] != '\0';
    bool ok = true;

    report_stage_begin(jr->r, STAGE_CLEANUP);
    if (!jr->ephemeral && restore_drop_db(&jr->rctx, &err) != 0) {
        log_warn("%s", err.msg);
        report_note(jr->r, "scratch database '%s' was not dropped: %s",
                    jr->rctx.dbname, err.msg);
        ok = false;
    }
    restore_close(&jr->rctx);
    if (cluster_stop(&jr->cluster) != 0)
        ok = false;
    if (made)
        json_object_set_new(rs, "scratch_dropped", json_boolean(ok));
    fetched_release(&jr->f);
    source_free(jr->src);
    jr->src = NULL;
    archive_list_release(&jr->list);
    report_stage_end(jr->r, STAGE_CLEANUP, ok ? RD_ST_OK : RD_ST_WARNING);
}

/* The newest archive's age, judged after the restore (both facts are reported).
 */
static void
check_archive_age(struct job_run *jr)
{
    struct rd_err err = {0};
    char age[32], max[32];
    int64_t age_s;

    if (sig_pending() != 0 || jr->jc->max_archive_age_s <= 0 ||
        jr->chosen == NULL || jr->archive_time == (time_t)-1 ||
        jr->o->archive != NULL)
        return;
    age_s = (int64_t)(now_utc() - jr->archive_time);
    if (age_s <= jr->jc->max_archive_age_s)
        return;
    rd_err_set(
        &err, RD_ARCHIVE_TOO_OLD,
        "newest archive '%s' is %s old, older than max_archive_age %s: backups have stopped arriving",
        jr->chosen->name, duration_human(age_s, age, sizeof(age)),
        duration_format(jr->jc->max_archive_age_s, max, sizeof(max)));
    report_stage_set(jr->r, STAGE_SELECT, RD_ST_CRITICAL);
    report_error(jr->r, "select", &err);
}

/* Write the report where asked and to STATE_DIR/JOB/last.json. */
static void
write_reports(struct job_run *jr, int code)
{
    struct rd_err err = {0};
    char dir[PATH_MAX], last[PATH_MAX + 16];
    bool ok = true;

    report_stage_begin(jr->r, STAGE_REPORT);
    report_stage_end(jr->r, STAGE_REPORT, RD_ST_OK);
    report_finish(jr->r, code);
    if (jr->jc->report != NULL &&
        report_write(jr->r, jr->jc->report, &err) != 0) {
        log_error("%s", err.msg);
        ok = false;
    }
    snprintf(dir, sizeof(dir), "%s/%s", jr->jc->state_dir, jr->jc->name);
    snprintf(last, sizeof(last), "%s/last.json", dir);
    if (fs_mkdir_p(dir, 0700, &err) != 0 ||
        report_write(jr->r, last, &err) != 0) {
        log_error("%s", err.msg);
        ok = false;
    }
    if (!ok)
        log_error("job '%s': the report could not be written everywhere",
                  jr->jc->name);
}

/* Exit code of a finished job: status code, or 128+N after a signal. */
static int
job_exit_code(const struct job_run *jr)
{
    int sig = sig_pending();

    if (sig != 0) {
        /* Make sure the report says why, whatever stage noticed it. */
        if (report_error_code(jr->r) != RD_INTERRUPTED) {
            struct rd_err err = {0};

            rd_err_set(&err, RD_INTERRUPTED, "interrupted by %s",
                       sig_name(sig));
            report_error(jr->r, "signal", &err);
        }
        return 128 + sig;
    }
    return (int)report_status(jr->r);
}

/* One verify of one job; returns its exit code. */
static int
verify_job(const struct job_config *jc, const struct run_opts *o)
{
    struct job_run jr;
    struct rd_err err = {0};
    int lockfd, code;

    memset(&jr, 0, sizeof(jr));
    jr.jc = jc;
    jr.o = o;
    jr.ephemeral = strcmp(jc->target, "ephemeral") == 0;
    archive_list_init(&jr.list);
    jr.f.fd = -1;
    jr.r = report_new("verify", jc->name);
    if (jr.r == NULL) {
        log_error("out of memory");
        return RD_ST_UNKNOWN;
    }
    lockfd = lock_acquire(jc->state_dir, jc->name, &err);
    if (lockfd < 0 && err.code == RD_LOCKED) {
        /* No side effects: the running job owns the report files. */
        log_error("%s", err.msg);
        report_free(jr.r);
        return RD_ST_UNKNOWN;
    }
    {
        json_t *rs = report_restore(jr.r);
        char *t =
            jr.ephemeral ? strdup("ephemeral") : redact_conninfo(jc->target);

        json_object_set_new(rs, "target",
                            t != NULL ? json_string(t) : json_null());
        free(t);
    }
    if (lockfd < 0) {
        report_error(jr.r, "lock", &err);
    } else {
        if (jr.ephemeral)
            cluster_sweep();
        if (stage_select(&jr) == 0 && check_signal(&jr, STAGE_FETCH) == 0 &&
            stage_fetch(&jr) == 0 && check_signal(&jr, STAGE_DECODE) == 0 &&
            stage_decode(&jr) == 0 && check_signal(&jr, STAGE_PREFLIGHT) == 0 &&
            stage_preflight(&jr) == 0 &&
            check_signal(&jr, STAGE_RESTORE) == 0 && stage_restore(&jr) == 0)
            (void)check_signal(&jr, STAGE_CLEANUP);
    }
    check_archive_age(&jr); /* before cleanup releases the list */
    job_cleanup(&jr);
    code = job_exit_code(&jr);
    write_reports(&jr, code);
    if (!o->quiet) {
        bool to_stderr = jc->report != NULL && strcmp(jc->report, "-") == 0;

        report_summary(jr.r, to_stderr ? stderr : stdout, jc->report);
    }
    report_free(jr.r);
    lock_release(lockfd);
    return code;
}

/* Resolve every selected job, or fail with exit 3 naming the problem. */
static int
resolve_jobs(const struct config *c, const struct run_opts *o,
             struct job_config **out, size_t *n, bool report_errors)
{
    struct rd_err err = {0};
    const char **names = NULL;
    struct job_config *jobs;
    size_t nn;

    *out = NULL;
    *n = 0;
    if (config_job_names(c, o->only_job, &names, &nn, &err) != 0) {
        log_error("%s", err.msg);
        return -1;
    }
    if (nn > 1 && c->flags.val[CK_SOURCE] != NULL) {
        log_error("--source with a config of %zu jobs needs --job NAME", nn);
        free(names);
        return -1;
    }
    jobs = calloc(nn, sizeof(*jobs));
    if (jobs == NULL) {
        free(names);
        log_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i < nn; i++) {
        if (config_resolve(c, names[i], &jobs[i], &err) != 0) {
            log_error("%s", err.msg);
            if (report_errors) {
                struct run_opts one = *o;

                one.only_job = names[i];
                run_config_error(c, &one, &err);
            }
            goto fail;
        }
        if (nn > 1 && jobs[i].report != NULL &&
            strcmp(jobs[i].report, "-") != 0 &&
            (i > 0 && jobs[0].report != NULL &&
             strcmp(jobs[i].report, jobs[0].report) == 0)) {
            log_error(
                "with several jobs, 'report' must contain {job} (jobs '%s' and '%s' would write '%s')",
                jobs[0].name, jobs[i].name, jobs[i].report);
            goto fail;
        }
    }
    free(names);
    *out = jobs;
    *n = nn;
    return 0;
fail:
    for (size_t i = 0; i < nn; i++)
        job_config_release(&jobs[i]);
    free(jobs);
    free(names);
    return -1;
}

static void
release_jobs(struct job_config *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        job_config_release(&jobs[i]);
    free(jobs);
}

int
run_config_error(const struct config *c, const struct run_opts *o,
                 const struct rd_err *err)
{
    const char *job = o->only_job != NULL ? o->only_job : "default";
    const char *path = config_raw_value(c, job, CK_REPORT);
    struct report *r;
    char *expanded;

    if (path == NULL)
        return RD_ST_UNKNOWN;
    r = report_new("verify", job);
    expanded = config_expand_job(path, job);
    if (r != NULL && expanded != NULL) {
        struct rd_err werr = {0};

        report_error(r, "config", err);
        report_finish(r, RD_ST_UNKNOWN);
        if (report_write(r, expanded, &werr) != 0)
            log_error("%s", werr.msg);
    }
    free(expanded);
    report_free(r);
    return RD_ST_UNKNOWN;
}

int
run_verify(const struct config *c, const struct run_opts *o)
{
    struct job_config *jobs;
    size_t n;
    int worst = RD_ST_OK;

    if (resolve_jobs(c, o, &jobs, &n, true) != 0)
        return RD_ST_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        int code = verify_job(&jobs[i], o);

        if (code >= 128) {
            worst = code;
            break;
        }
        worst = rd_status_rank((enum rd_status)code) >
                        rd_status_rank((enum rd_status)worst)
                    ? code
                    : worst;
    }
    release_jobs(jobs, n);
    return worst;
}

/* List one job's archives; returns its exit code. */
static int
list_job(const struct job_config *jc, const struct run_opts *o, json_t *all)
{
    struct archive_list list;
    struct rd_err err = {0};
    struct source *src = NULL;
    const struct archive_entry *newest;
    json_t *arr = json_array(), *doc;
    time_t now = now_utc();
    size_t young = 0;
    int code = RD_ST_OK;
    char ts[32], sz[32], age[32];

    archive_list_init(&list);
    if (jc->source == NULL) {
        log_error(
            "job '%s' has no source (set source = /path or pass --source)",
            jc->name);
        code = RD_ST_UNKNOWN;
        goto done;
    }
    src = source_open(jc->source, &err);
    if (src == NULL || source_list(src, &list, &err) != 0) {
        log_error("%s", err.msg);
        code = rd_code_status(err.code);
        goto done;
    }
    select_filter(&list, jc->pattern, jc->min_age_s, now, &young);
    select_sort(&list);
    newest = select_newest(&list);
    if (!o->json)
        printf("job '%s': %zu archive%s in '%s'%s\n", jc->name, list.n,
               list.n == 1 ? "" : "s", src->display,
               young > 0 ? " (some skipped: younger than min_age)" : "");
    for (size_t i = 0; i < list.n; i++) {
        const struct archive_entry *e = &list.items[i];
        time_t t = archive_entry_time(e);

        json_array_append_new(
            arr, json_pack("{s:o, s:s?, s:o, s:o}", "name",
                           report_json_text(e->name), "created_at",
                           t != (time_t)-1 ? report_rfc3339(ts, sizeof(ts), t)
                                           : NULL,
                           "age_s",
                           t != (time_t)-1 ? json_integer((json_int_t)(now - t))
                                           : json_null(),
                           "size_bytes",
                           e->size >= 0 ? json_integer(e->size) : json_null()));
        if (!o->json)
            printf("  %-20s %10s %12s  %s%s\n",
                   t != (time_t)-1 ? report_rfc3339(ts, sizeof(ts), t) : "?",
                   duration_human((int64_t)(now - t), age, sizeof(age)),
                   size_human(e->size, sz, sizeof(sz)), e->name,
                   e == newest ? "  <- newest" : "");
    }
    if (newest == NULL) {
        rd_err_set(&err, RD_ARCHIVE_NOT_FOUND, "no archive%s%s%s in '%s'",
                   jc->pattern ? " matching '" : "",
                   jc->pattern ? jc->pattern : "", jc->pattern ? "'" : "",
                   src->display);
    } else if (newest->size >= 0 && newest->size < jc->min_size) {
        rd_err_set(&err, RD_ARCHIVE_EMPTY,
                   "newest archive '%s' is %lld bytes, smaller than min_size",
                   newest->name, (long long)newest->size);
    } else if (jc->max_archive_age_s > 0 &&
               archive_entry_time(newest) != (time_t)-1 &&
               now - archive_entry_time(newest) > jc->max_archive_age_s) {
        rd_err_set(&err, RD_ARCHIVE_TOO_OLD,
                   "newest archive '%s' is %s old, older than %s", newest->name,
                   duration_human((int64_t)(now - archive_entry_time(newest)),
                                  age, sizeof(age)),
                   duration_format(jc->max_archive_age_s, sz, sizeof(sz)));
    }
    if (err.code != RD_OK) {
        code = rd_code_status(err.code);
        if (!o->json)
            printf("  %s: %s\n", rd_code_name(err.code), err.msg);
        else
            log_error("%s", err.msg);
    }
done:
    doc = json_pack("{s:s, s:s, s:o, s:o, s:[], s:o}", "job", jc->name,
                    "status", rd_status_name((enum rd_status)code), "archives",
                    arr, "newest",
                    list.n > 0 && code != RD_ST_UNKNOWN
                        ? report_json_text(list.items[list.n - 1].name)
                        : json_null(),
                    "gaps", "error",
                    err.code != RD_OK
                        ? json_pack("{s:s, s:s}", "code",
                                    rd_code_name(err.code), "message", err.msg)
                        : json_null());
    json_array_append_new(all, doc);
    source_free(src);
    archive_list_release(&list);
    return code;
}

int
run_list(const struct config *c, const struct run_opts *o)
{
    struct job_config *jobs;
    json_t *all = json_array();
    size_t n;
    int worst = RD_ST_OK;

    if (resolve_jobs(c, o, &jobs, &n, false) != 0) {
        json_decref(all);
        return RD_ST_UNKNOWN;
    }
    for (size_t i = 0; i < n; i++) {
        int code = list_job(&jobs[i], o, all);

        if (rd_status_rank((enum rd_status)code) >
            rd_status_rank((enum rd_status)worst))
            worst = code;
    }
    if (o->json) {
        /* One job: its document ({"archives", "newest", "gaps"}); several: an
         * array. */
        json_t *out = n == 1 ? json_array_get(all, 0) : all;
        char *s = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);

        if (s == NULL) {
            log_error("cannot serialise the archive list");
            worst = RD_ST_UNKNOWN;
        } else {
            printf("%s\n", s);
        }
        free(s);
    }
    json_decref(all);
    release_jobs(jobs, n);
    return worst;
}

int
run_lint(const struct config *c, const struct run_opts *o)
{
    struct job_config *jobs;
    size_t n;
    int rc = RD_ST_OK;

    if (resolve_jobs(c, o, &jobs, &n, false) != 0)
        return RD_ST_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        const struct job_config *jc = &jobs[i];
        struct stat st;

        if (jc->source == NULL) {
            log_error("job '%s': no source (set source = /path)", jc->name);
            rc = RD_ST_UNKNOWN;
        } else if (stat(jc->source, &st) != 0 || !S_ISDIR(st.st_mode) ||
                   access(jc->source, R_OK | X_OK) != 0) {
            log_error(
                "job '%s': source folder '%s' is not a readable folder: %s",
                jc->name, jc->source,
                errno != 0 ? strerror(errno) : "not a folder");
            rc = RD_ST_UNKNOWN;
        }
        if (rc == RD_ST_OK && !o->quiet)
            printf("job '%s': ok (source '%s'%s%s%s)\n", jc->name, jc->source,
                   jc->pattern ? ", pattern '" : "",
                   jc->pattern ? jc->pattern : "", jc->pattern ? "'" : "");
    }
    if (rc == RD_ST_OK && !o->quiet)
        printf("%s: %zu job%s ok\n", c->path != NULL ? c->path : "flags", n,
               n == 1 ? "" : "s");
    release_jobs(jobs, n);
    return rc;
}
