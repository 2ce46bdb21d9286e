/* summary: the human summary of a report (report_summary()). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/util/duration.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"

#include "reports/report.h"
#include "reports/report_int.h"

/* "✓"/"✗" on a terminal, else ASCII. */
static const char *
mark(enum rd_status st, bool tty)
{
    switch (st) {
    case RD_ST_OK:
        return tty ? "\u2713" : "ok  ";
    case RD_ST_WARNING:
        return tty ? "!" : "WARN";
    case RD_ST_SKIPPED:
        return tty ? "-" : "skip";
    default:
        return tty ? "\u2717" : "FAIL";
    }
}

static const char *
jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

/* Every string of the report is printed escaped (log_put_escaped()): names,
 * probe output and tool stderr may hold newlines and terminal escapes. */
static void
put(FILE *out, const char *s)
{
    log_put_escaped(out, s, strlen(s));
}

static const char *
jstr_of(json_t *s)
{
    return json_is_string(s) ? json_string_value(s) : "";
}

static const char *
upper(enum rd_status st)
{
    return st == RD_ST_OK         ? "OK"
           : st == RD_ST_WARNING  ? "WARNING"
           : st == RD_ST_CRITICAL ? "CRITICAL"
                                  : "UNKNOWN";
}

/* The first line, and the backup's own verdict when an output failed. */
static void
print_head(const struct report *r, FILE *out)
{
    fputs("restoredrill ", out);
    put(out, jstr(r->root, "command"));
    fputs(": job '", out);
    put(out, jstr(r->root, "job"));
    fprintf(out, "': %s", upper(r->status));
    if (r->verdict != r->status)
        fprintf(out, " (the backup itself: %s; an output was not written)",
                upper(r->verdict));
    fputc('\n', out);
}

static void
print_archive(const struct report *r, FILE *out)
{
    json_t *a = json_object_get(r->root, "archive");
    json_t *szj = json_object_get(a, "size_bytes");
    json_t *agej = json_object_get(a, "age_s");
    char sz[32], age[32];

    if (!json_is_string(json_object_get(a, "name")))
        return;
    fputs("  archive  ", out);
    put(out, jstr(a, "name"));
    fprintf(
        out, " (%s, %s old, ",
        json_is_integer(szj)
            ? size_human(json_integer_value(szj), sz, sizeof(sz))
            : "size unknown",
        json_is_number(agej)
            ? duration_human((int64_t)json_number_value(agej), age, sizeof(age))
            : "?");
    put(out, json_is_string(json_object_get(a, "format")) ? jstr(a, "format")
                                                          : "format unknown");
    fputs(")\n", out);
}

/* One line per stage that ran, with the codes of the errors it caused. */
static void
print_stages(const struct report *r, FILE *out, bool tty)
{
    json_t *rs = json_object_get(r->root, "restore"), *x;
    json_t *errs = json_object_get(r->root, "errors");
    size_t i;

    for (int s = 0; s < STAGE_COUNT; s++) {
        const char *sep = "  ";

        if (r->stage_status[s] == RD_ST_SKIPPED)
            continue;
        fprintf(out, "  %s %-9s %6.2fs", mark(r->stage_status[s], tty),
                stage_name((enum stage)s), r->stage_dur[s]);
        if (s == STAGE_RESTORE && json_is_string(json_object_get(rs, "tool"))) {
            json_int_t n =
                json_integer_value(json_object_get(rs, "error_count"));

            fputs("  ", out);
            put(out, jstr(rs, "tool"));
            fputs(" into ", out);
            put(out, jstr(rs, "target"));
            fprintf(out, ", %lld error%s", (long long)n, n == 1 ? "" : "s");
            sep = "; ";
        }
        json_array_foreach(errs, i, x)
        {
            if (strcmp(jstr(x, "stage"), stage_name((enum stage)s)) != 0)
                continue;
            fputs(sep, out);
            put(out, jstr(x, "code"));
            sep = ", ";
        }
        fputc('\n', out);
    }
}

static void
print_probes_alerts(const struct report *r, FILE *out, bool tty)
{
    json_t *n;
    size_t i;

    json_array_foreach(json_object_get(r->root, "probes"), i, n)
    {
        enum rd_status st = RD_ST_UNKNOWN;
        const char *ps = jstr(n, "status");

        if (strcmp(ps, "ok") == 0)
            st = RD_ST_OK;
        else if (strcmp(ps, "warning") == 0)
            st = RD_ST_WARNING;
        else if (strcmp(ps, "critical") == 0)
            st = RD_ST_CRITICAL;
        fprintf(out, "    %s probe ", mark(st, tty));
        put(out, jstr(n, "name"));
        fputs(": ", out);
        put(out, jstr(n, "message"));
        fputc('\n', out);
    }
    json_array_foreach(json_object_get(r->root, "alerts"), i, n)
    {
        const char *ch = jstr(n, "channel");
        bool ping = strcmp(ch, "ping") == 0;

        /* Named by their config keys: alert_exec, alert_webhook, ping_url. */
        fprintf(out, "    %s %s%s: ",
                mark(json_is_true(json_object_get(n, "ok")) ? RD_ST_OK
                                                            : RD_ST_WARNING,
                     tty),
                ping ? "" : "alert_", ping ? "ping_url" : ch);
        put(out, jstr(n, "message"));
        fputc('\n', out);
    }
}

/* Every error of errors[] with its hint, then the restore tool's lines. */
static void
print_errors(const struct report *r, FILE *out)
{
    json_t *errs = json_object_get(r->root, "errors"), *e;
    json_t *lines =
        json_object_get(json_object_get(r->root, "restore"), "errors");
    size_t i;

    json_array_foreach(errs, i, e)
    {
        const char *msg = jstr(e, "message");
        const char *hint = log_hint_start(msg);

        fputs("  error: ", out);
        put(out, jstr(e, "code"));
        fputs(": ", out);
        log_put_escaped(out, msg,
                        hint != NULL ? (size_t)(hint - msg) : strlen(msg));
        fputc('\n', out);
        if (hint != NULL) {
            /* Our own structure: the last "\nHINT: " only. */
            fputs("  hint: ", out);
            put(out, hint + 7);
            fputc('\n', out);
        }
    }
    if (json_array_size(errs) == 0)
        return;
    json_array_foreach(lines, i, e)
    {
        if (i >= 5) {
            fprintf(out, "    ... (%zu more in the report)\n",
                    json_array_size(lines) - 5);
            break;
        }
        fputs("    ", out);
        put(out, jstr_of(e));
        fputc('\n', out);
    }
}

void
report_summary(const struct report *r, FILE *out, const char *report_path)
{
    json_t *n;
    bool tty = isatty(fileno(out));
    size_t i;

    print_head(r, out);
    print_archive(r, out);
    print_stages(r, out, tty);
    print_probes_alerts(r, out, tty);
    json_array_foreach(json_object_get(r->root, "notes"), i, n)
    {
        fputs("  note: ", out);
        put(out, jstr_of(n));
        fputc('\n', out);
    }
    print_errors(r, out);
    if (report_path != NULL && strcmp(report_path, "-") != 0) {
        fputs("  report: ", out);
        put(out, report_path);
        fprintf(out, "%s\n", report_unwritten(r) ? " (not written)" : "");
    }
    fflush(out);
}

FILE *
report_summary_out(const char *report_path, bool quiet)
{
    FILE *out =
        report_path != NULL && strcmp(report_path, "-") == 0 ? stderr : stdout;
    struct stat a, b;

    log_summary_tty(!quiet && isatty(fileno(out)) && isatty(STDERR_FILENO) &&
                    fstat(fileno(out), &a) == 0 &&
                    fstat(STDERR_FILENO, &b) == 0 && a.st_rdev == b.st_rdev);
    return out;
}
