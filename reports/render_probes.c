/* render_probes: the report's probes[] entries and drift tables. */
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "verifier/util/json.h"

#include "reports/render_probes.h"

static json_t *
value_json(const struct probe_value *v)
{
    switch (v->kind) {
    case PV_TEXT:
        return jsonx_text(v->text);
    case PV_NUMBER:
        return json_real(v->number);
    case PV_COUNT:
        return json_integer(v->count);
    case PV_BOOL:
        return json_boolean(v->truth);
    case PV_NULL:
        break;
    }
    return json_null();
}

/* rows[]: one object per row kept, column name to text (or null). */
static json_t *
rows_json(const struct probe_rows *rows)
{
    json_t *arr = json_array();

    for (int i = 0; i < rows->n; i++) {
        json_t *row = json_object();

        for (int f = 0; f < rows->nfields; f++) {
            const char *cell = rows->cells[i * rows->nfields + f];

            if (rows->names[f] == NULL)
                continue;
            json_object_set_new(row, rows->names[f],
                                cell == NULL ? json_null() : jsonx_text(cell));
        }
        json_array_append_new(arr, row);
    }
    return arr;
}

/* A threshold for the report: null when unset. */
static json_t *
thr_secs(int64_t s)
{
    return s >= 0 ? json_integer(s) : json_null();
}

json_t *
render_probe(const struct probe *p, const struct probe_outcome *out)
{
    return json_pack(
        "{s:o, s:o, s:s, s:s, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:o}",
        "name", jsonx_text(p->name), "file", jsonx_text(p->file), "kind",
        probe_kind_name(p->kind), "status", rd_status_name(out->status),
        "value", value_json(&out->value), "age_s",
        out->has_age ? jsonx_round3(out->age_s) : json_null(), "thresholds",
        "warn_after_s", thr_secs(p->warn_after_s), "error_after_s",
        thr_secs(p->error_after_s), "min",
        jsonx_real_or_null(p->has_min, p->min), "max",
        jsonx_real_or_null(p->has_max, p->max), "rows", rows_json(&out->rows),
        "duration_ms", jsonx_round3(out->duration_ms), "message",
        jsonx_text(out->message));
}

/* A row count for the report: null when unknown. */
static json_t *
count_json(const struct drift_table *t)
{
    return t == NULL || t->rows < 0 ? json_null() : json_integer(t->rows);
}

/* One table's entry. */
static json_t *
table_entry(const struct drift_row *row)
{
    const struct drift_table *b = row->before, *c = row->now;
    json_t *o = json_object();

    if (o == NULL ||
        json_object_set_new(o, "name",
                            jsonx_text(c != NULL ? c->name : b->name)) != 0 ||
        json_object_set_new(o, "rows", count_json(c)) != 0 ||
        json_object_set_new(o, "previous_rows", count_json(b)) != 0 ||
        json_object_set_new(
            o, "status", json_string(row->warning ? "warning" : "ok")) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *
render_drift_tables(const struct drift_diff *d)
{
    json_t *out = json_array();

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < d->n; i++) {
        json_t *o = table_entry(&d->rows[i]);

        if (o == NULL || json_array_append_new(out, o) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

void
render_drift(json_t *drift, time_t baseline_at, const struct drift_diff *d)
{
    json_t *tables = render_drift_tables(d);

    json_object_set_new(drift, "baseline_at", jsonx_time(baseline_at));
    json_object_set_new(drift, "tables",
                        tables != NULL ? tables : json_array());
}

json_t *
drift_compare(const struct drift_counts *base, const struct drift_counts *cur,
              double max_shrink, size_t *warnings)
{
    struct drift_diff d;
    json_t *out;

    *warnings = 0;
    if (drift_diff(base, cur, max_shrink, &d) != 0)
        return NULL;
    out = render_drift_tables(&d);
    if (out != NULL)
        *warnings = d.warnings;
    drift_diff_release(&d);
    return out;
}
