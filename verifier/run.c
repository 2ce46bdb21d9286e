/* run: the commands' pipelines (verify, list, probe), one job at a time;
 * lint is in lint.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/render_list.h"
#include "restore/source/retention.h"
#include "reports/report.h"
#include "restore/source/select.h"
#include "restore/source/source.h"
#include "verifier/util/cmdline.h"
#include "verifier/util/duration.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "probes/probe.h"
#include "probes/probe_exec.h"
#include "verifier/util/db.h"
#include "verifier/util/redact.h"
#include "verifier/job.h"
#include "verifier/run.h"

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
        if (nn > 1 && i > 0 && jobs[i].junit != NULL && jobs[0].junit != NULL &&
            strcmp(jobs[i].junit, jobs[0].junit) == 0) {
            log_error(
                "with several jobs, 'junit' must contain {job} (jobs '%s' and '%s' would write '%s')",
                jobs[0].name, jobs[i].name, jobs[i].junit);
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

/* Fold an exit code into the worst so far (128+N wins). */
static int
worse_code(int worst, int code)
{
    if (worst >= 128 || code >= 128)
        return worst >= 128 ? worst : code;
    return rd_status_rank((enum rd_status)code) >
                   rd_status_rank((enum rd_status)worst)
               ? code
               : worst;
}

/*
 * Up to ${o}->parallel jobs at once, each in a child process; a signal we
 * receive is passed on to the running children.
 */
static int
verify_parallel(struct job_config *jobs, size_t n, const struct run_opts *o)
{
    pid_t *pids = calloc(n, sizeof(*pids));
    size_t next = 0, running = 0;
    int worst = RD_ST_OK, forwarded = 0;

    if (pids == NULL) {
        log_error("out of memory");
        return RD_ST_UNKNOWN;
    }
    fflush(NULL);
    while (next < n || running > 0) {
        int st, sig = sig_pending();
        pid_t p;

        if (sig != 0 && forwarded < sig_count()) {
            /* Each one: a second signal hurries the children's cleanup. */
            for (size_t i = 0; i < n; i++)
                if (pids[i] > 0)
                    kill(pids[i], sig);
            forwarded = sig_count();
        }
        if (next < n && running < (size_t)o->parallel && sig == 0) {
            p = fork();
            if (p == 0) {
                int code = job_verify(&jobs[next], o);

                fflush(NULL);
                _exit(code);
            }
            if (p < 0) {
                log_error("cannot fork for job '%s': %s", jobs[next].name,
                          strerror(errno));
                worst = worse_code(worst, RD_ST_UNKNOWN);
            } else {
                pids[next] = p;
                running++;
            }
            next++;
            continue;
        }
        if (sig != 0 && next < n)
            next = n; /* start nothing more */
        p = waitpid(-1, &st, 0);
        if (p < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (pids[i] != p)
                continue;
            pids[i] = 0;
            running--;
            worst = worse_code(worst, WIFEXITED(st) ? WEXITSTATUS(st)
                                                    : 128 + WTERMSIG(st));
        }
    }
    free(pids);
    if (sig_pending() != 0)
        worst = worse_code(worst, 128 + sig_pending());
    return worst;
}

int
run_verify(const struct config *c, const struct run_opts *o)
{
    struct job_config *jobs;
    size_t n;
    int worst = RD_ST_OK;

    if (resolve_jobs(c, o, &jobs, &n, true) != 0)
        return RD_ST_UNKNOWN;
    if (o->parallel > 1 && n > 1) {
        worst = verify_parallel(jobs, n, o);
    } else {
        for (size_t i = 0; i < n && worst < 128; i++)
            worst = worse_code(worst, job_verify(&jobs[i], o));
    }
    release_jobs(jobs, n);
    return worst;
}

int
run_restore(const struct config *c, const struct run_opts *o)
{
    struct job_config *jobs;
    size_t n;
    int code;

    if (resolve_jobs(c, o, &jobs, &n, true) != 0)
        return RD_ST_UNKNOWN;
    if (n != 1) {
        log_error("restore --into: the config has %zu jobs; pick one with "
                  "--job NAME",
                  n);
        release_jobs(jobs, n);
        return RD_ST_UNKNOWN;
    }
    code = job_verify(&jobs[0], o);
    release_jobs(jobs, n);
    return code;
}

/* Print (unless --json) and append to ${arr} one line per archive of the
 * filtered, sorted ${l}, after a header naming ${where}. */
static void
list_entries(const char *job, const char *where, const struct archive_list *l,
             const struct archive_entry *newest, size_t young, time_t now,
             const struct run_opts *o, json_t *arr)
{
    char ts[32], sz[32], age[32];

    if (!o->json)
        printf("job '%s': %zu archive%s in '%s'%s\n", job, l->n,
               l->n == 1 ? "" : "s", where,
               young > 0 ? " (some skipped: younger than min_age)" : "");
    for (size_t i = 0; i < l->n; i++) {
        const struct archive_entry *e = &l->items[i];
        time_t t = archive_entry_time(e);

        json_array_append_new(arr, render_list_entry(e, now));
        if (!o->json)
            printf("  %-20s %10s %12s  %s%s\n",
                   t != (time_t)-1 ? report_rfc3339(ts, sizeof(ts), t) : "?",
                   t != (time_t)-1
                       ? duration_human((int64_t)(now - t), age, sizeof(age))
                       : "?",
                   size_human(e->size, sz, sizeof(sz)), e->name,
                   e == newest ? "  <- newest" : "");
    }
}

/* The verdict ${err} under the list (its hint on a line of its own), or on
 * stderr with --json. */
static void
list_verdict(const struct rd_err *err, const struct run_opts *o)
{
    const char *hint = strstr(err->msg, "\nHINT: ");

    if (!o->json && hint != NULL)
        printf("  %s: %.*s\n  hint: %s\n", rd_code_name(err->code),
               (int)(hint - err->msg), err->msg, hint + 7);
    else if (!o->json)
        printf("  %s: %s\n", rd_code_name(err->code), err->msg);
    else
        log_error("%s", err->msg);
}

/* The retention audit of ${l} against ${jc}'s deltas: each gap printed
 * (unless --json) and appended to ${gaps}; returns how many there are. */
static size_t
list_gaps(const struct job_config *jc, const struct archive_list *l,
          const struct run_opts *o, json_t *gaps)
{
    struct retention_gap g[64];
    time_t *t = l->n > 0 ? calloc(l->n, sizeof(*t)) : NULL;
    char from[32], to[32], sp[32];
    size_t n;

    for (size_t i = 0; t != NULL && i < l->n; i++)
        t[i] = archive_entry_time(&l->items[i]);
    n = t != NULL ? retention_audit(t, l->n, jc->deltas_s, jc->ndeltas, g,
                                    sizeof(g) / sizeof(g[0]))
                  : 0;
    free(t);
    for (size_t i = 0; i < n && i < sizeof(g) / sizeof(g[0]); i++) {
        json_array_append_new(gaps, render_list_gap(&g[i]));
        if (!o->json)
            printf(
                "  gap: no archive between %s and %s (the schedule keeps one every %s there)\n",
                report_rfc3339(from, sizeof(from), g[i].from),
                report_rfc3339(to, sizeof(to), g[i].to),
                duration_human(g[i].expected_s, sp, sizeof(sp)));
    }
    if (!o->json && n > sizeof(g) / sizeof(g[0]))
        printf("  ... and %zu more gaps\n", n - sizeof(g) / sizeof(g[0]));
    if (!o->json && n == 0 && l->n > 0)
        printf("  retention: no gap against deltas '%s'\n",
               jc->deltas_words != NULL ? jc->deltas_words : "");
    return n;
}

/* List one job's archives; returns its exit code.  The verdict is verify's
 * selection rule (select_choose()) plus max_archive_age, and with deltas the
 * retention audit (a gap is a warning). */
static int
list_job(const struct job_config *jc, const struct run_opts *o, json_t *all)
{
    struct archive_list list;
    struct rd_err err = {0};
    struct source *src = NULL;
    const struct archive_entry *newest = NULL;
    struct select_rule rule = {jc->pattern, jc->min_age_s, jc->min_size, NULL,
                               time(NULL)};
    json_t *arr = json_array(), *gaps = json_array(), *doc;
    struct source_opts so;
    size_t young = 0;
    int code = RD_ST_OK;

    archive_list_init(&list);
    if (jc->source == NULL) {
        log_error(
            "job '%s' has no source (set source = /path or pass --source)",
            jc->name);
        code = RD_ST_UNKNOWN;
        goto done;
    }
    config_source_opts(jc, &so);
    src = source_open(jc->source, &so, &err);
    if (src == NULL || source_list(src, &list, &err) != 0) {
        log_error("%s", err.msg);
        code = rd_code_status(err.code);
        goto done;
    }
    if (select_choose(&list, &rule, src->display, &newest, &young, &err) == 0)
        (void)select_check_age(newest, jc->max_archive_age_s, rule.now, &err);
    list_entries(jc->name, src->display, &list, newest, young, rule.now, o,
                 arr);
    if (jc->ndeltas >= 2 && newest != NULL && list_gaps(jc, &list, o, gaps) > 0)
        code = RD_ST_WARNING;
    if (err.code != RD_OK) {
        code = rd_code_status(err.code);
        list_verdict(&err, o);
    }
done:
    doc = render_list_job(
        jc->name, (enum rd_status)code, arr,
        list.n > 0 && code != RD_ST_UNKNOWN ? &list.items[list.n - 1] : NULL,
        gaps, &err);
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

/* One job's probes against --db; returns the exit code. */
static int
probe_job(const struct job_config *jc, const struct run_opts *o)
{
    struct probe_set set = {0};
    struct rd_err err = {0};
    struct report *r = report_new("probe", jc->name);
    struct probe_conn *conn = NULL;
    int code;

    if (r == NULL) {
        log_error("out of memory");
        return RD_ST_UNKNOWN;
    }
    (void)report_summary_out(jc->report, o->quiet);
    {
        char *t = redact_conninfo(o->db);

        json_object_set_new(report_restore(r), "target",
                            t != NULL ? json_string(t) : json_null());
        free(t);
    }
    if (jc->probes == NULL) {
        rd_err_set(
            &err, RD_USAGE,
            "job '%s' has no probes\nHINT: pass --probes DIR or set probes = DIR",
            jc->name);
        log_cause("%s", err.msg);
        report_error(r, "config", &err);
    } else if (probe_load_dir(jc->probes, &set, &err) != 0) {
        log_cause("%s", err.msg);
        report_error(r, "config", &err);
    } else if ((conn = probe_conn_open(o->db, NULL, &err)) == NULL) {
        log_cause("%s", err.msg);
        report_error(r, "probes", &err);
    } else {
        conn = job_run_probes(r, &set, conn, (time_t)-1, jc->probe_timeout_s);
    }
    probe_conn_close(conn);
    probe_set_release(&set);
    code = sig_pending() != 0 ? 128 + sig_pending() : (int)report_status(r);
    report_stage_begin(r, STAGE_REPORT);
    report_stage_end(r, STAGE_REPORT, RD_ST_OK);
    {
        struct report_dest d = {jc->junit, jc->metrics, jc->report, NULL, true};

        code = report_write_all(r, &d, code);
    }
    if (!o->quiet)
        report_summary(r, report_summary_out(jc->report, false), jc->report);
    report_free(r);
    return code;
}

int
run_probe(const struct config *c, const struct run_opts *o)
{
    struct job_config *jobs;
    size_t n;
    int worst = RD_ST_OK;

    if (o->db == NULL) {
        log_error("probe needs --db CONNINFO (the database to probe)");
        return RD_ST_UNKNOWN;
    }
    if (resolve_jobs(c, o, &jobs, &n, false) != 0)
        return RD_ST_UNKNOWN;
    for (size_t i = 0; i < n && worst < 128; i++)
        worst = worse_code(worst, probe_job(&jobs[i], o));
    release_jobs(jobs, n);
    return worst;
}
