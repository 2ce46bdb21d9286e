/* render_restore: the report's restore{} object. */
#include <math.h>

#include "reports/render_restore.h"

/* What the restore tool said. */
static void
render_run(json_t *rs, const struct restore_report *rp)
{
    const struct restore_result *rr = &rp->run;
    json_t *errs = json_array();

    for (int i = 0; i < rr->nerrors; i++)
        json_array_append_new(errs, report_json_text(rr->errors[i]));
    json_object_set_new(rs, "tool", json_string(rr->tool));
    json_object_set_new(rs, "jobs", json_integer(rr->jobs));
    json_object_set_new(rs, "error_count", json_integer(rr->error_count));
    json_object_set_new(rs, "errors", errs);
    json_object_set_new(rs, "stderr_tail", report_json_text(rr->tail));
    if (rp->filtered)
        json_object_set_new(rs, "filtered",
                            json_pack("{s:I, s:I}", "owner",
                                      (json_int_t)rp->filtered_owner, "acl",
                                      (json_int_t)rp->filtered_acl));
    json_object_set_new(rs, "duration_s",
                        json_real(round(rp->duration_s * 1000.0) / 1000.0));
}

void
render_restore(struct report *r, const struct restore_report *rp)
{
    json_t *rs = report_restore(r);

    json_object_set_new(rs, "target",
                        rp->target != NULL ? json_string(rp->target)
                                           : json_null());
    json_object_set_new(
        rs, "engine",
        json_string(rp->engine != NULL ? rp->engine : "postgresql"));
    if (rp->sandbox != NULL)
        json_object_set_new(rs, "sandbox", json_string(rp->sandbox));
    if (rp->sandbox_reason[0] != '\0')
        json_object_set_new(rs, "sandbox_reason",
                            report_json_text(rp->sandbox_reason));
    if (rp->server_version[0] != '\0')
        json_object_set_new(rs, "server_version",
                            json_string(rp->server_version));
    if (rp->database[0] != '\0')
        json_object_set_new(rs, "database", json_string(rp->database));
    if (rp->ran)
        render_run(rs, rp);
    if (rp->kept)
        json_object_set_new(rs, "kept", json_true());
    if (rp->scratch_dropped >= 0)
        json_object_set_new(rs, "scratch_dropped",
                            json_boolean(rp->scratch_dropped != 0));
}
