/* outputs: the files a run writes, one renderer each (the JSON report,
 * last.json, JUnit, metrics), and how a failed one is recorded.  A new
 * output (an HTML report) is one renderer file and one row of outputs[]. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "reports/junit.h"
#include "reports/metrics.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"

#include "reports/report.h"
#include "reports/report_int.h"

static int
write_junit(struct report *r, const char *path, struct rd_err *err)
{
    return junit_write(r->root, path, err);
}

static int
write_metrics(struct report *r, const char *path, struct rd_err *err)
{
    return metrics_write(r->root, path, err);
}

static int
write_report(struct report *r, const char *path, struct rd_err *err)
{
    int rc = report_write(r, path, err);

    r->report_unwritten = rc != 0;
    return rc;
}

/* STATE_DIR/JOB/last.json: its folder is made first. */
static int
write_last(struct report *r, const char *path, struct rd_err *err)
{
    char dir[4096];

    snprintf(dir, sizeof(dir), "%s", path);
    if (strrchr(dir, '/') != NULL)
        *strrchr(dir, '/') = '\0';
    return fs_mkdir_p(dir, 0700, err) != 0 ? -1 : report_write(r, path, err);
}

/* One output: what it is called in output_failed, where report_dest says
 * its path is, and how it is written (atomically). */
struct renderer {
    const char *what;
    size_t dest; /* offsetof(struct report_dest, ...) */
    int (*write)(struct report *r, const char *path, struct rd_err *err);
};

/* In the order they are written. */
static const struct renderer outputs[] = {
    {"the JUnit file", offsetof(struct report_dest, junit), write_junit},
    {"the metrics file", offsetof(struct report_dest, metrics), write_metrics},
    {"the report", offsetof(struct report_dest, report), write_report},
    {"the last report", offsetof(struct report_dest, last), write_last},
};
#define N_OUTPUTS  (sizeof(outputs) / sizeof(outputs[0]))
#define OUT_REPORT (&outputs[2])

static const char *
dest_path(const struct report_dest *d, const struct renderer *o)
{
    return *(const char *const *)(const void *)((const char *)d + o->dest);
}

bool
report_output_failed(struct report *r, const char *what,
                     const struct rd_err *err)
{
    struct rd_err e = {0};

    rd_err_set(&e, RD_OUTPUT_FAILED,
               "%s not written: %s\nHINT: check that its folder exists and "
               "is writable by this user",
               what, err->msg);
    report_stage_set(r, STAGE_REPORT, RD_ST_UNKNOWN);
    if (!report_error(r, "report", &e))
        return false;
    log_cause("%s not written: %s", what, err->msg);
    return true;
}

/* Write one output; true when it failed in a way not recorded before. */
static bool
write_one(struct report *r, const struct renderer *o, const char *path)
{
    struct rd_err err = {0};

    return o->write(r, path, &err) != 0 &&
           report_output_failed(r, o->what, &err);
}

int
report_write_all(struct report *r, const struct report_dest *d, int code)
{
    const char *rp = dest_path(d, OUT_REPORT);

    /* A new failure changes the verdict: write the others again so that
       none of them claims a run that wrote everything. */
    for (int pass = 0; pass < 2; pass++) {
        bool failed = false;

        report_finish(r, code);
        for (size_t i = 0; i < N_OUTPUTS; i++) {
            const char *path = dest_path(d, &outputs[i]);

            if (path != NULL && strcmp(path, "-") != 0 &&
                write_one(r, &outputs[i], path))
                failed = true;
        }
        if (failed && code < 128)
            code = (int)r->status;
        if (!failed)
            break;
    }
    /* Standard output is written once, last. */
    if (rp != NULL && strcmp(rp, "-") == 0 && d->to_stdout) {
        report_finish(r, code);
        if (write_one(r, OUT_REPORT, "-") && code < 128)
            code = (int)r->status;
    }
    return code;
}
