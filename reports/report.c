/* report: the JSON report (schema_version 1), its atomic write and the human
 * summary. */
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/duration.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/json.h"
#include "verifier/util/log.h"

#include "reports/report.h"
#include "reports/report_int.h"

static const char *const stage_names[STAGE_COUNT] = {
    "sweep",   "select", "fetch", "checksum", "decode", "preflight", "globals",
    "restore", "probes", "drift", "swap",     "report", "alert",     "cleanup"};

const char *
stage_name(enum stage s)
{
    return stage_names[s];
}

char *
report_rfc3339(char *buf, size_t len, time_t t)
{
    return jsonx_rfc3339(buf, len, t);
}

static double
elapsed_s(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

json_t *
report_json_text(const char *s)
{
    return jsonx_text(s);
}

struct report *
report_new(const char *command, const char *job)
{
    struct report *r = calloc(1, sizeof(*r));
    char ts[32], host[256] = "";

    if (r == NULL)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &r->started);
    gethostname(host, sizeof(host) - 1);
    r->status = RD_ST_OK;
    r->verdict = RD_ST_OK;
    for (int s = 0; s < STAGE_COUNT; s++)
        r->stage_status[s] = RD_ST_SKIPPED;
    r->root = json_pack(
        "{s:i, s:{s:s, s:s}, s:s, s:s, s:s, s:i, s:s, s:s, s:f, s:s,"
        " s:{s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n, s:n},"
        " s:{s:n, s:n, s:n, s:n, s:n, s:n, s:i, s:[], s:s, s:{s:i, s:i},"
        " s:n, s:b, s:n, s:n, s:n},"
        " s:[], s:{s:n, s:[]}, s:[], s:[], s:[], s:n, s:[]}",
        "schema_version", 1, "tool", "name", "restoredrill", "version",
        RD_VERSION, "command", command, "job", job, "status", "ok", "exit_code",
        0, "started_at", report_rfc3339(ts, sizeof(ts), time(NULL)),
        "finished_at", ts, "duration_s", 0.0, "host", host, "archive", "name",
        "source", "created_at", "age_s", "size_bytes", "sha256", "format",
        "compression", "transfer", "dump_version", "server_version", "restore",
        "target", "database", "tool", "server_version", "jobs", "duration_s",
        "error_count", 0, "errors", "stderr_tail", "", "filtered", "owner", 0,
        "acl", 0, "scratch_dropped", "kept", 0, "engine", "sandbox",
        "sandbox_reason", "probes", "drift", "baseline_at", "tables", "stages",
        "alerts", "notes", "error", "errors");
    if (r->root == NULL ||
        json_object_set_new(r->root, "sweep", json_array()) != 0) {
        json_decref(r->root);
        free(r);
        return NULL;
    }
    return r;
}

json_t *
report_sweep(struct report *r)
{
    return json_object_get(r->root, "sweep");
}

void
report_free(struct report *r)
{
    if (r == NULL)
        return;
    json_decref(r->root);
    free(r);
}

json_t *
report_archive(struct report *r)
{
    return json_object_get(r->root, "archive");
}

json_t *
report_restore(struct report *r)
{
    return json_object_get(r->root, "restore");
}

json_t *
report_probes(struct report *r)
{
    return json_object_get(r->root, "probes");
}

json_t *
report_drift(struct report *r)
{
    return json_object_get(r->root, "drift");
}

void
report_stage_begin(struct report *r, enum stage s)
{
    clock_gettime(CLOCK_MONOTONIC, &r->stage_t0[s]);
}

void
report_stage_end(struct report *r, enum stage s, enum rd_status st)
{
    r->stage_dur[s] = elapsed_s(&r->stage_t0[s]);
    report_stage_set(r, s, st);
}

void
report_stage_set(struct report *r, enum stage s, enum rd_status st)
{
    r->stage_status[s] = st;
    /* An alert's outcome never turns a pass into a failure, or back. */
    if (st != RD_ST_SKIPPED && s != STAGE_ALERT)
        r->status = rd_status_worse(r->status, st);
    if (st != RD_ST_SKIPPED && s != STAGE_ALERT && s != STAGE_REPORT)
        r->verdict = rd_status_worse(r->verdict, st);
}

/* The code named ${name} (RD_INTERNAL for a name we do not know). */
static enum rd_code
code_by_name(const char *name)
{
    for (int c = 1; c < RD_CODE_COUNT; c++)
        if (strcmp(rd_code_name((enum rd_code)c), name) == 0)
            return (enum rd_code)c;
    return RD_INTERNAL;
}

/*
 * Set report.error from errors[]: the first entry whose status is the run's,
 * else (the status was raised without an error) the first of the worst.
 */
static void
pick_error(struct report *r)
{
    json_t *errs = json_object_get(r->root, "errors"), *x, *pick = NULL;
    enum rd_status best = RD_ST_SKIPPED;
    size_t i;

    json_array_foreach(errs, i, x)
    {
        enum rd_status st = rd_code_status(
            code_by_name(json_string_value(json_object_get(x, "code"))));

        if (st == r->status) {
            pick = x;
            break;
        }
        if (pick == NULL || rd_status_rank(st) > rd_status_rank(best)) {
            pick = x;
            best = st;
        }
    }
    if (pick == NULL)
        return;
    r->error_code =
        code_by_name(json_string_value(json_object_get(pick, "code")));
    json_object_set_new(r->root, "error", json_deep_copy(pick));
}

bool
report_error(struct report *r, const char *where, const struct rd_err *err)
{
    enum rd_status st = rd_code_status(err->code);
    json_t *errs = json_object_get(r->root, "errors"), *x, *msg;
    size_t i;

    r->status = rd_status_worse(r->status, st);
    if (err->code != RD_OUTPUT_FAILED)
        r->verdict = rd_status_worse(r->verdict, st);
    msg = report_json_text(err->msg);
    json_array_foreach(errs, i, x)
    {
        /* The same cause noticed twice (a rewrite, a re-check) is one. */
        if (strcmp(json_string_value(json_object_get(x, "code")),
                   rd_code_name(err->code)) == 0 &&
            strcmp(json_string_value(json_object_get(x, "stage")), where) ==
                0 &&
            json_equal(json_object_get(x, "message"), msg)) {
            json_decref(msg);
            pick_error(r);
            return false;
        }
    }
    json_array_append_new(errs,
                          json_pack("{s:s, s:s, s:o}", "stage", where, "code",
                                    rd_code_name(err->code), "message", msg));
    pick_error(r);
    return true;
}

bool
report_has_error(const struct report *r, enum rd_code code)
{
    json_t *x;
    size_t i;

    json_array_foreach(json_object_get(r->root, "errors"), i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "code")),
                   rd_code_name(code)) == 0)
            return true;
    }
    return false;
}

bool
report_unwritten(const struct report *r)
{
    return r->report_unwritten;
}

enum rd_status
report_verdict(const struct report *r)
{
    return r->verdict;
}

void
report_note(struct report *r, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(json_object_get(r->root, "notes"),
                          report_json_text(buf));
}

enum rd_status
report_status(const struct report *r)
{
    return r->status;
}

enum rd_code
report_error_code(const struct report *r)
{
    return r->error_code;
}

void
report_finish(struct report *r, int exit_code)
{
    json_t *stages = json_array();

    pick_error(r);

    for (int s = 0; s < STAGE_COUNT; s++)
        json_array_append_new(
            stages, json_pack("{s:s, s:s, s:o}", "name", stage_names[s],
                              "status", rd_status_name(r->stage_status[s]),
                              "duration_s", jsonx_round3(r->stage_dur[s])));
    json_object_set_new(r->root, "stages", stages);
    json_object_set_new(r->root, "finished_at", jsonx_time(time(NULL)));
    json_object_set_new(r->root, "duration_s",
                        jsonx_round3(elapsed_s(&r->started)));
    json_object_set_new(r->root, "status",
                        json_string(rd_status_name(r->status)));
    json_object_set_new(r->root, "exit_code", json_integer(exit_code));
}

json_t *
report_json(const struct report *r)
{
    return r->root;
}

void
report_alert(struct report *r, const char *channel, bool ok, const char *msg)
{
    json_array_append_new(json_object_get(r->root, "alerts"),
                          json_pack("{s:s, s:b, s:o}", "channel", channel, "ok",
                                    ok, "message", report_json_text(msg)));
}

char *
report_text(const struct report *r)
{
    return jsonx_dumps(r->root, JSON_INDENT(2));
}

int
report_write(struct report *r, const char *path, struct rd_err *err)
{
    char *s = report_text(r);
    int rc;

    if (s == NULL)
        return rd_err_set(err, RD_INTERNAL, "cannot serialise the report");
    if (strcmp(path, "-") == 0) {
        rc = (fputs(s, stdout) < 0 || fputc('\n', stdout) < 0 ||
              fflush(stdout) != 0)
                 ? rd_err_set(err, RD_INTERNAL,
                              "cannot write the report to stdout")
                 : 0;
    } else {
        size_t len = strlen(s);

        s[len] = '\n'; /* json_dumps leaves room only for the NUL: re-add it */
        char *withnl = realloc(s, len + 2);
        if (withnl == NULL) {
            free(s);
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        }
        s = withnl;
        s[len + 1] = '\0';
        rc = fs_write_atomic(path, s, len + 1, err);
    }
    free(s);
    return rc;
}
