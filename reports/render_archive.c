/* render_archive: the report's archive{} object from the stages' result. */
#include "reports/report.h"

#include "reports/render_archive.h"

/* Set ${key} of ${a} to the static string ${v} when known. */
static void
set_string(json_t *a, const char *key, const char *v)
{
    if (v != NULL)
        json_object_set_new(a, key, json_string(v));
}

void
render_archive(json_t *a, const struct archive_info *ai)
{
    char ts[32];

    if (a == NULL)
        return;
    if (ai->source != NULL)
        json_object_set_new(a, "source", report_json_text(ai->source));
    if (ai->name != NULL)
        json_object_set_new(a, "name", report_json_text(ai->name));
    if (ai->created_at != (time_t)-1) {
        json_object_set_new(
            a, "created_at",
            json_string(report_rfc3339(ts, sizeof(ts), ai->created_at)));
        json_object_set_new(a, "age_s", json_integer((json_int_t)ai->age_s));
    }
    if (ai->size_bytes >= 0)
        json_object_set_new(a, "size_bytes", json_integer(ai->size_bytes));
    set_string(a, "format", ai->format);
    set_string(a, "compression", ai->compression);
    set_string(a, "transfer", ai->transfer);
    if (ai->sha256[0] != '\0')
        json_object_set_new(a, "sha256", json_string(ai->sha256));
    if (ai->dump_version[0] != '\0')
        json_object_set_new(a, "dump_version", json_string(ai->dump_version));
    if (ai->server_version != NULL && ai->server_version[0] != '\0')
        json_object_set_new(a, "server_version",
                            report_json_text(ai->server_version));
    json_object_set_new(a, "decrypt_stderr_tail",
                        ai->decrypted
                            ? report_json_text(ai->decrypt_stderr_tail)
                            : json_null());
}
