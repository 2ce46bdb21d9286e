/* junit: the JUnit XML view of a finished report. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/rd_err.h"

#include "reports/junit.h"

/* Counts for the <testsuite> attributes. */
struct junit_counts {
    size_t tests;
    size_t failures;
    size_t errors;
    size_t skipped;
};

/* A string field of ${o}, or "" when it is missing or not a string. */
static const char *
str_field(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

/* A number field of ${o}, or 0 when it is missing or null. */
static double
num_field(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/*
 * Write ${s} escaped for XML to ${f}.  In attributes (${attr}), tab and
 * newline become character references so that attribute normalisation keeps
 * them.  Other C0 controls, DEL and U+FFFE/U+FFFF are not allowed (or not
 * wanted) in XML 1.0 and are dropped.
 */
static void
xml_escape(FILE *f, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p != '\0'; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '\t':
            fputs(attr ? "&#9;" : "\t", f);
            break;
        case '\n':
            fputs(attr ? "&#10;" : "\n", f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                break;
            /* EF BF BE / EF BF BF: the noncharacters U+FFFE and U+FFFF. */
            if (p[0] == 0xef && p[1] == 0xbf &&
                (p[2] == 0xbe || p[2] == 0xbf)) {
                p += 2;
                break;
            }
            fputc(*p, f);
            break;
        }
    }
}

/* Status name -> rd_status; anything unexpected counts as unknown. */
static enum rd_status
parse_status(const char *s)
{
    if (strcmp(s, "ok") == 0)
        return RD_ST_OK;
    if (strcmp(s, "warning") == 0)
        return RD_ST_WARNING;
    if (strcmp(s, "critical") == 0)
        return RD_ST_CRITICAL;
    if (strcmp(s, "skipped") == 0)
        return RD_ST_SKIPPED;
    return RD_ST_UNKNOWN;
}

/*
 * Write one <testcase> with status ${st}; ${message} and ${type} go into
 * the failure/error element or the system-out.
 */
static void
write_case(FILE *f, const char *job, const char *group, const char *name,
           double time_s, enum rd_status st, const char *message,
           const char *type, struct junit_counts *c)
{
    const char *elem = NULL;

    c->tests++;
    fputs("    <testcase classname=\"restoredrill.", f);
    xml_escape(f, job, 1);
    fprintf(f, ".%s\" name=\"", group);
    xml_escape(f, name, 1);
    fprintf(f, "\" time=\"%.3f\"", time_s);

    switch (st) {
    case RD_ST_OK:
        fputs("/>\n", f);
        return;
    case RD_ST_SKIPPED:
        c->skipped++;
        fputs(">\n      <skipped/>\n    </testcase>\n", f);
        return;
    case RD_ST_WARNING:
        fputs(">\n      <system-out>", f);
        xml_escape(f, message, 0);
        fputs("</system-out>\n    </testcase>\n", f);
        return;
    case RD_ST_CRITICAL:
        c->failures++;
        elem = "failure";
        break;
    case RD_ST_UNKNOWN:
        c->errors++;
        elem = "error";
        break;
    }
    fprintf(f, ">\n      <%s message=\"", elem);
    xml_escape(f, message, 1);
    fputs("\" type=\"", f);
    xml_escape(f, type, 1);
    fputs("\">", f);
    xml_escape(f, message, 0);
    fprintf(f, "</%s>\n    </testcase>\n", elem);
}

/* The first entry of errors[] at ${stage} (error{} for a report without
 * errors[]), or NULL. */
static const json_t *
error_at(const json_t *report, const char *stage)
{
    const json_t *errs = json_object_get(report, "errors");
    const json_t *e = json_object_get(report, "error");
    size_t i;
    json_t *o;

    if (!json_is_array(errs))
        return json_is_object(e) && strcmp(str_field(e, "stage"), stage) == 0
                   ? e
                   : NULL;
    json_array_foreach(errs, i, o)
    {
        if (strcmp(str_field(o, "stage"), stage) == 0)
            return o;
    }
    return NULL;
}

/* Whether ${name} is one of the report's stages. */
static bool
is_stage(const json_t *stages, const char *name)
{
    size_t i;
    json_t *o;

    json_array_foreach(stages, i, o)
    {
        if (strcmp(str_field(o, "name"), name) == 0)
            return true;
    }
    return false;
}

/* Write the testcases of ${report} to ${f}, counting them in ${c}. */
static void
write_cases(FILE *f, const json_t *report, struct junit_counts *c)
{
    const char *job = str_field(report, "job");
    json_t *errs = json_deep_copy(json_object_get(report, "errors"));
    const json_t *stages = json_object_get(report, "stages");
    const json_t *probes = json_object_get(report, "probes");
    size_t i;
    json_t *o;

    json_array_foreach(stages, i, o)
    {
        const char *name = str_field(o, "name");
        const char *status = str_field(o, "status");
        const json_t *e = error_at(report, name);

        write_case(f, job, "stages", name, num_field(o, "duration_s"),
                   parse_status(status),
                   e != NULL ? str_field(e, "message") : status,
                   e != NULL ? str_field(e, "code") : status, c);
    }

    json_array_foreach(probes, i, o)
    {
        const char *status = str_field(o, "status");

        write_case(f, job, "probes", str_field(o, "name"),
                   num_field(o, "duration_ms") / 1000.0, parse_status(status),
                   str_field(o, "message"), status, c);
    }

    /* An error outside the pipeline (config, lock, signal) gets its own case.
     */
    if (!json_is_array(errs)) {
        json_decref(errs);
        errs =
            json_pack("[o]", json_deep_copy(json_object_get(report, "error")));
    }
    json_array_foreach(errs, i, o)
    {
        const char *where = str_field(o, "stage");
        enum rd_status st = parse_status(str_field(report, "status"));

        if (!json_is_object(o) || where[0] == '\0' || is_stage(stages, where))
            continue;
        if (st != RD_ST_CRITICAL)
            st = RD_ST_UNKNOWN;
        write_case(f, job, "run", where, 0.0, st, str_field(o, "message"),
                   str_field(o, "code"), c);
    }
    json_decref(errs);
}

/* Render ${report} into a new buffer; NULL on allocation failure. */
static char *
render(const json_t *report, size_t *len)
{
    struct junit_counts c = {0};
    const char *job = str_field(report, "job");
    char *cases = NULL, *out = NULL;
    size_t cases_len = 0;
    FILE *f;
    int bad;

    /* The counts go before the cases, so render the cases first. */
    if ((f = open_memstream(&cases, &cases_len)) == NULL)
        return NULL;
    write_cases(f, report, &c);
    bad = ferror(f);
    if (fclose(f) != 0 || bad)
        goto fail;

    if ((f = open_memstream(&out, len)) == NULL)
        goto fail;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<testsuites name=\"restoredrill\" tests=\"%zu\" failures=\"%zu\""
            " errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
            c.tests, c.failures, c.errors, c.skipped,
            num_field(report, "duration_s"));
    fputs("  <testsuite name=\"restoredrill.", f);
    xml_escape(f, job, 1);
    fprintf(f,
            "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\""
            " time=\"%.3f\" timestamp=\"",
            c.tests, c.failures, c.errors, c.skipped,
            num_field(report, "duration_s"));
    xml_escape(f, str_field(report, "started_at"), 1);
    fputs("\" hostname=\"", f);
    xml_escape(f, str_field(report, "host"), 1);
    fputs("\">\n", f);
    fwrite(cases, 1, cases_len, f);
    fputs("  </testsuite>\n</testsuites>\n", f);
    bad = ferror(f);
    if (fclose(f) != 0 || bad)
        goto fail;
    free(cases);
    return out;

fail:
    free(cases);
    free(out);
    return NULL;
}

int
junit_write(const json_t *report, const char *path, struct rd_err *err)
{
    size_t len = 0;
    char *xml;
    int rc;

    if ((xml = render(report, &len)) == NULL)
        return rd_err_set(err, RD_INTERNAL,
                          "cannot build JUnit file '%s': out of memory", path);
    rc = fs_write_atomic(path, xml, len, err);
    free(xml);
    return rc;
}
