/* probe_result: what one probe found, as data (reports/render_probes.c turns
 * it into the report's probes[] entry). */
#ifndef RD_PROBE_RESULT_H
#define RD_PROBE_RESULT_H

#include <stdbool.h>

#include "verifier/util/rd_err.h"

#define PROBE_ROWS_KEPT 5 /* rows[] keeps the first failing rows */

/* The value a probe read: null, a text (a time), a number, a row count or a
 * truth value. */
enum probe_value_kind { PV_NULL, PV_TEXT, PV_NUMBER, PV_COUNT, PV_BOOL };

struct probe_value {
    enum probe_value_kind kind;
    char *text; /* (owned) PV_TEXT, as read: not necessarily UTF-8 */
    double number;
    long long count;
    bool truth;
};

/* The first rows of an empty probe that returned rows. */
struct probe_rows {
    int n;        /* rows kept (at most PROBE_ROWS_KEPT) */
    int nfields;  /* columns */
    char **names; /* (owned) nfields column names */
    char **cells; /* (owned) n * nfields values, row by row; NULL = NULL */
};

struct probe_outcome {
    enum rd_status status;
    enum rd_code
        code; /* RD_OK, RD_PROBE_FAILED, RD_PROBE_TIMEOUT, RD_CLOCK_SKEW */
    struct probe_value value; /* what was read (PV_NULL: nothing) */
    struct probe_rows rows;   /* first failing rows (kind empty) */
    double age_s;             /* freshness: age against relative_to */
    bool has_age;
    double duration_ms;
    bool conn_lost; /* the probe ignored its cancel: the connection is unusable
                     */
    char message[768];
};

/* probe_value_text(v, s): ${v} becomes the text ${s} (copied; PV_NULL when
 * out of memory). */
void probe_value_text(struct probe_value *v, const char *s);

/* probe_outcome_release(out): NULL-safe; ${out} is left with no value and
 * no rows. */
void probe_outcome_release(struct probe_outcome *out);

#endif
