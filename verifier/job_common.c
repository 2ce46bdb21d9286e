/* job_common: the helpers every job stage file uses (it calls none of them). */
#include <time.h>

#include "reports/render_archive.h"

#include "verifier/job_int.h"

time_t
job_now(void)
{
    return time(NULL);
}

/* Record ${err} at stage ${s}, mark the stage with the error's status. */
int
job_fail_stage(struct job_run *jr, enum stage s, const struct rd_err *err)
{
    report_stage_end(jr->r, s, rd_code_status(err->code));
    report_error(jr->r, stage_name(s), err);
    if (err->code == RD_CHECKSUM_MISMATCH) /* read whole: the hash is known */
        job_report_hash(jr);
    return -1;
}

/* The hex digest into the report, once the raw stream was read entirely. */
void
job_report_hash(struct job_run *jr)
{
    if (jr->hash != NULL && stream_hash_hex(jr->hash, jr->archive.sha256) == 0)
        render_archive(report_archive(jr->r), &jr->archive);
}

const char *
job_compression_name(enum dump_kind k)
{
    return k == DUMP_UNKNOWN ? "none" : dumpfmt_kind_name(k);
}
