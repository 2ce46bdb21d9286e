/* render_list: `list --json` documents from the selection's results. */
#include "reports/report.h"

#include "reports/render_list.h"

json_t *
render_list_entry(const struct archive_entry *e, time_t now)
{
    time_t t = archive_entry_time(e);
    char ts[32];

    return json_pack(
        "{s:o, s:s?, s:o, s:o}", "name", report_json_text(e->name),
        "created_at",
        t != (time_t)-1 ? report_rfc3339(ts, sizeof(ts), t) : NULL, "age_s",
        t != (time_t)-1 ? json_integer((json_int_t)(now - t)) : json_null(),
        "size_bytes", e->size >= 0 ? json_integer(e->size) : json_null());
}

json_t *
render_list_gap(const struct retention_gap *g)
{
    char from[32], to[32];

    return json_pack("{s:s, s:s, s:I}", "from",
                     report_rfc3339(from, sizeof(from), g->from), "to",
                     report_rfc3339(to, sizeof(to), g->to), "expected_s",
                     (json_int_t)g->expected_s);
}

json_t *
render_list_job(const char *job, enum rd_status st, json_t *archives,
                const struct archive_entry *newest, json_t *gaps,
                const struct rd_err *err)
{
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o}", "job", job, "status",
        rd_status_name(st), "archives", archives, "newest",
        newest != NULL ? report_json_text(newest->name) : json_null(), "gaps",
        gaps != NULL ? gaps : json_array(), "error",
        err->code != RD_OK
            ? json_pack("{s:s, s:s}", "code", rd_code_name(err->code),
                        "message", err->msg)
            : json_null());
}
