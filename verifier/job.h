/* job: one verify of one job, stage by stage (select ... cleanup, report). */
#ifndef RD_JOB_H
#define RD_JOB_H

#include "verifier/config.h"
#include "verifier/run.h"

/*
 * job_verify(jc, o):
 * Select, fetch, decode, preflight and restore the job's archive, clean up
 * on every path, write the report(s) and the summary.  Returns the exit
 * code: the status code, or 128+N when signal N stopped it.  A job whose
 * lock is held returns 3 without writing anything.
 */
int job_verify(const struct job_config *jc, const struct run_opts *o);

#endif
