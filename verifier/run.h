/* run: the commands' pipelines (verify, list, lint), one job at a time. */
#ifndef RD_RUN_H
#define RD_RUN_H

#include <stdbool.h>

#include "verifier/config.h"

struct run_opts {
    const char *only_job; /* --job, or NULL for every job */
    const char *archive;  /* --archive NAME, or NULL for the newest */
    bool json;            /* list --json */
    bool quiet;           /* -q: no human summary */
    bool dry_run;         /* verify: select, fetch, decode, preflight only */
    bool keep;            /* verify: leave the scratch database (and cluster) */
    int parallel;         /* verify: jobs run at once (default 1) */
    const char *db;       /* probe: --db CONNINFO */
    const char *config_note; /* verify: a note for every report (config) */
    /* restore --into (issue 14) */
    const char *into;   /* the database to create or replace */
    bool drop_previous; /* drop the old one after the swap */
    bool allow_remote;  /* a server that is not local */
    bool force;         /* NAME may be the dump's own database */
    bool no_progress;   /* --no-progress: no bar even on a terminal */
};

/*
 * run_verify(c, o): verify every selected job of ${c} one after another and
 * return the exit code: the worst job's status code, or 128+N when a
 * signal N stopped the run (after cleanup and the report).
 */
int run_verify(const struct config *c, const struct run_opts *o);

/*
 * run_config_error(c, o, err):
 * The configuration could not be used: when a report path is known (from
 * the flags, or from what was read of the file), write a report with
 * error ${err} at stage "config", so that a monitored report never keeps
 * showing an earlier run's result.  Returns the exit code (3).
 */
int run_config_error(const struct config *c, const struct run_opts *o,
                     const struct rd_err *err);

/*
 * run_restore(c, o): restore --into ${o}->into for the one selected job
 * (--job, or the only one): job_verify() with the swap; exit code.
 */
int run_restore(const struct config *c, const struct run_opts *o);

/*
 * run_list(c, o): list each job's archives (plain or JSON) and judge the
 * newest (archive_not_found, archive_empty, archive_too_old); exit code.
 */
int run_list(const struct config *c, const struct run_opts *o);

/*
 * run_probe(c, o): run each job's probes against ${o}->db (an existing
 * database: a replica, a dev db) without restoring anything; same report
 * and exit codes as verify (stages other than probes are skipped).
 */
int run_probe(const struct config *c, const struct run_opts *o);

/*
 * run_lint(c, o): resolve and check every job (values, source folder,
 * state dir) without fetching or restoring anything; exit 0 or 3.
 */
int run_lint(const struct config *c, const struct run_opts *o);

#endif
