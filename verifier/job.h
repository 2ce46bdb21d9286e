/* job: one verify of one job, stage by stage (select ... cleanup, report). */
#ifndef RD_JOB_H
#define RD_JOB_H

#include <time.h>

#include "probes/probe.h"
#include "probes/probe_exec.h"
#include "reports/report.h"
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

/*
 * job_run_probes(r, set, conn, archive_time, default_timeout):
 * Run every probe of ${set} on ${conn} (from probe_conn_open()), append them to
 * ${r}'s probes[], record the first critical probe as the error, and set
 * the probes stage to the worst probe status.  Returns ${conn}, or NULL
 * when a probe that ignored its cancel made it unusable (it was closed; the
 * probes after it are reported as not run).
 */
struct probe_conn *job_run_probes(struct report *r, const struct probe_set *set,
                                  struct probe_conn *conn, time_t archive_time,
                                  int64_t default_timeout);

#endif
