/* alert_cause: when an alert is due, what makes two failures "the same",
 * and the one-line text of an alert (declared in alert.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reports/alert.h"

enum alert_action
alert_decide(enum rd_status st, const char *code, enum rd_status on,
             bool repeat_always, const struct alert_last *last)
{
    bool due =
        st != RD_ST_SKIPPED && st != RD_ST_OK &&
        (st == RD_ST_UNKNOWN || rd_status_rank(st) >= rd_status_rank(on));

    if (!due)
        return last->active ? ALERT_RESOLVE : ALERT_NONE;
    if (last->active && !repeat_always && last->status == st &&
        alert_same_cause(last->code, code))
        return ALERT_SUPPRESS;
    return ALERT_FIRE;
}

static const char *
upper_status(enum rd_status st)
{
    switch (st) {
    case RD_ST_OK:
        return "OK";
    case RD_ST_WARNING:
        return "WARNING";
    case RD_ST_CRITICAL:
        return "CRITICAL";
    default:
        return "UNKNOWN";
    }
}

static const char *
jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

/* What made a run without error{} not ok: its first non-ok probe or stage. */
static void
first_trouble(json_t *root, char *buf, size_t len)
{
    json_t *x;
    size_t i;

    json_array_foreach(json_object_get(root, "probes"), i, x)
    {
        if (strcmp(jstr(x, "status"), "ok") != 0) {
            snprintf(buf, len, "probe '%s' %s: %s", jstr(x, "name"),
                     jstr(x, "status"), jstr(x, "message"));
            return;
        }
    }
    json_array_foreach(json_object_get(root, "stages"), i, x)
    {
        const char *st = jstr(x, "status");

        if (strcmp(st, "ok") != 0 && strcmp(st, "skipped") != 0) {
            snprintf(buf, len, "stage '%s' is %s", jstr(x, "name"), st);
            return;
        }
    }
    snprintf(buf, len, "see the report");
}

/* "; also CODE, CODE" for the other causes; the backup's own verdict when
 * an output failed. */
static void
also_causes(const struct report *r, char *buf, size_t len)
{
    json_t *root = report_json(r), *x;
    const char *first = jstr(json_object_get(root, "error"), "code");
    const char *sep = "; also ";
    size_t i;

    json_array_foreach(json_object_get(root, "errors"), i, x)
    {
        const char *c = jstr(x, "code");

        if (strcmp(c, first) == 0 || strstr(buf, c) != NULL)
            continue;
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", sep, c);
        sep = ", ";
    }
    if (report_verdict(r) != report_status(r))
        snprintf(buf + strlen(buf), len - strlen(buf),
                 "; the backup itself is %s", upper_status(report_verdict(r)));
}

char *
alert_summary(const struct report *r, bool resolved,
              const struct alert_last *was, char *buf, size_t len)
{
    json_t *root = report_json(r), *e = json_object_get(root, "error");
    const char *archive = jstr(json_object_get(root, "archive"), "name");
    enum rd_status st = report_status(r);
    char what[600], where[PATH_MAX + 32] = "";

    if (resolved) {
        snprintf(buf, len,
                 "restoredrill: job '%s' is RESOLVED: %s (was %s%s%s)",
                 jstr(root, "job"),
                 st == RD_ST_OK ? "verify passed again"
                                : "the run is below alert_on again",
                 upper_status(was->status), was->code[0] != '\0' ? ": " : "",
                 was->code);
        return buf;
    }
    if (json_is_object(e)) {
        const char *msg = jstr(e, "message");

        snprintf(what, sizeof(what), "%s: %.*s", jstr(e, "code"),
                 (int)strcspn(msg, "\n"), msg);
    } else {
        first_trouble(root, what, sizeof(what));
    }
    if (archive[0] != '\0' && strstr(what, archive) == NULL)
        snprintf(where, sizeof(where), " (archive '%s')", archive);
    snprintf(buf, len, "restoredrill: job '%s' is %s: %s%s", jstr(root, "job"),
             upper_status(st), what, where);
    also_causes(r, buf, len);
    /* One line of no control characters, whatever the message held. */
    for (char *p = buf; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return buf;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ${n} names sorted, without repeats, joined by "," into ${buf}. */
static void
join_set(const char **names, size_t n, char *buf, size_t len)
{
    buf[0] = '\0';
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
            snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
                     buf[0] != '\0' ? "," : "", names[i]);
}

char *
alert_cause(const struct report *r, char *buf, size_t len)
{
    json_t *root = report_json(r), *x;
    json_t *errs = json_object_get(root, "errors");
    const char *code = jstr(json_object_get(root, "error"), "code");
    size_t i, n = 0;

    buf[0] = '\0';
    if (json_array_size(errs) > 0) {
        const char **names = calloc(json_array_size(errs), sizeof(*names));

        if (names != NULL) {
            json_array_foreach(errs, i, x) names[n++] = jstr(x, "code");
            join_set(names, n, buf, len);
            free(names);
            return buf;
        }
    }
    if (code[0] != '\0') {
        snprintf(buf, len, "%s", code);
        return buf;
    }
    json_array_foreach(json_object_get(root, "probes"), i, x)
    {
        if (strcmp(jstr(x, "status"), "ok") != 0)
            snprintf(buf + strlen(buf), len - strlen(buf), "%sprobe:%s",
                     buf[0] != '\0' ? "," : "", jstr(x, "name"));
    }
    json_array_foreach(json_object_get(root, "stages"), i, x)
    {
        const char *st = jstr(x, "status"), *name = jstr(x, "name");

        if (strcmp(st, "ok") != 0 && strcmp(st, "skipped") != 0 &&
            strcmp(name, "alert") != 0)
            snprintf(buf + strlen(buf), len - strlen(buf), "%sstage:%s",
                     buf[0] != '\0' ? "," : "", name);
    }
    return buf;
}

bool
alert_same_cause(const char *a, const char *b)
{
    char ca[256], cb[256], sa[256], sb[256];
    const char *na[64], *nb[64];
    size_t n = 0, m = 0;

    snprintf(ca, sizeof(ca), "%s", a);
    snprintf(cb, sizeof(cb), "%s", b);
    for (char *t = strtok(ca, ","); t != NULL && n < 64; t = strtok(NULL, ","))
        na[n++] = t;
    for (char *t = strtok(cb, ","); t != NULL && m < 64; t = strtok(NULL, ","))
        nb[m++] = t;
    join_set(na, n, sa, sizeof(sa));
    join_set(nb, m, sb, sizeof(sb));
    return strcmp(sa, sb) == 0;
}
