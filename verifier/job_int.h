/* job_int: what the job_*.c files share about one verify of one job (private).
 * Call graph: job.c runs the stages of job_archive.c, job_db.c and job_end.c;
 * all of them use the helpers of job_common.c, which calls none of them. */
#ifndef RD_JOB_INT_H
#define RD_JOB_INT_H

#include <limits.h>
#include <stdbool.h>
#include <time.h>

#include "probes/drift.h"
#include "probes/probe.h"
#include "reports/report.h"
#include "restore/target/cluster.h"
#include "restore/target/target.h"
#include "restore/decode/dumpfmt.h"
#include "restore/restore.h"
#include "restore/source/archive_info.h"
#include "restore/source/select.h"
#include "restore/source/source.h"
#include "restore/decode/myfilter.h"
#include "restore/decode/sqlfilter.h"
#include "restore/decode/stream.h"
#include "verifier/config.h"
#include "verifier/util/proc.h"
#include "verifier/run.h"

#define PEEK_BYTES 65536

/* How the archive reaches the restore tool. */
enum transfer_mode {
    MODE_STREAM, /* decoded on the fly and fed on stdin */
    MODE_SPOOL   /* read to its end into workdir first (an uncompressed custom
                    file, a tarred -Fd folder extracted, a -Fd folder copied);
                    the tool reads that private copy by path (--jobs) */
};

/* Everything one verify of one job holds; released by job_cleanup(). */
struct job_run {
    const struct job_config *jc;
    const struct run_opts *o;
    struct report *r;
    struct source *src;
    struct archive_list list;
    const struct archive_entry *chosen; /* (borrowed from list) */
    struct fetched f;
    struct archive_info archive; /* what select/fetch/decode learned */
    struct stream *top;          /* (owned) decoded bytes behind a peek layer */
    struct stream *hash; /* (borrowed, inside top) sha256 of the raw bytes */
    enum dump_kind compression; /* DUMP_UNKNOWN: none */
    enum dump_kind format;
    enum transfer_mode mode;
    const char *path;       /* (borrowed) what MODE_SPOOL restores */
    char workdir[PATH_MAX]; /* private temp dir (owner.pid + dump/) */
    char dumpdir[PATH_MAX +
                 8]; /* workdir/dump: the extracted or copied folder */
    char spoolfile[PATH_MAX + 24]; /* workdir/dump/archive.dump: a spooled
                                      custom or tar file */
    struct dump_header hdr;
    int hdr_rc; /* dumpfmt_parse_custom(): 0, 1 short, -1 bad, 2 n/a */
    char hdr_msg[256];
    char plain_version[64];
    char **ext; /* (owned) extensions the dump creates */
    size_t next;
    struct sqlfilter_counts counts;
    struct mysql_head myhead;        /* DUMP_MYSQL: what its head says */
    struct myfilter_counts mycounts; /* DUMP_MYSQL: what myfilter did */
    struct pg_tools tools;
    struct proc_ident ident;
    struct sandbox sb;          /* set up at the preflight */
    struct target *target;      /* (owned) where the restore goes */
    struct restore_report rres; /* (owned) restore{} of the report */
    time_t archive_time;
    struct probe_set probes;   /* (owned) loaded before anything is fetched */
    struct drift_counts drift; /* (owned) this restore's row counts */
    bool drift_taken;
    struct timespec t0; /* when the run started (monotonic) */
};

/* Of job_common.c, used by every stage file. */

/* job_now(): this host's clock, UTC seconds (one place to read it). */
time_t job_now(void);

/* job_fail_stage(jr, s, err): end stage ${s} with ${err}'s status, record
 * ${err}; returns -1. */
int job_fail_stage(struct job_run *jr, enum stage s, const struct rd_err *err);

/* job_report_hash(jr): archive.sha256, once the raw stream was read to its end.
 */
void job_report_hash(struct job_run *jr);

/* job_compression_name(k): "none" for DUMP_UNKNOWN, else the kind's name. */
const char *job_compression_name(enum dump_kind k);

/* Stages of job_decode.c: open, decode (sniff, decompress, extract); of
 * job_archive.c: preflight. */
int job_stage_fetch(struct job_run *jr);
int job_stage_decode(struct job_run *jr);
int job_stage_preflight(struct job_run *jr);

/* job_build_stack(jr, f, hash, compression, err): the decoded stream of
 * fetched archive ${f} (its stream taken over) behind a peek layer, with
 * ${hash} (may be NULL) pointing at its sha256 layer and ${compression} the
 * decoder's kind (DUMP_UNKNOWN: none); NULL with ${err}. */
struct stream *job_build_stack(struct job_run *jr, struct fetched *f,
                               struct stream **hash,
                               enum dump_kind *compression, struct rd_err *err);

/* job_decoder_failed(jr): whether the decoder of a still unread stream fails
 * when read to its end (then recorded at stage decode): its verdict beats
 * any drawn from decoded bytes. */
bool job_decoder_failed(struct job_run *jr);

/* Stages of job_db.c: restore, probes, drift; job_save_drift() after the
 * verdict. */
int job_stage_restore(struct job_run *jr);
int job_stage_probes(struct job_run *jr);
int job_stage_drift(struct job_run *jr);
void job_save_drift(struct job_run *jr);

/* Of job_into.c (restore --into): the target spec (libpq's defaults when
 * the job's target is ephemeral); the preflight's refusals (a remote
 * server without --allow-remote, NAME = the dump's own database without
 * --force); the swap stage (nothing unless --into). */
const char *job_into_spec(const struct job_config *jc);
int job_into_check(struct job_run *jr, struct rd_err *err);
int job_stage_swap(struct job_run *jr);

/* Of job_globals.c: globals = FILE (pg_dumpall --globals-only): the
 * preflight's check (a server target needs allow_superuser = yes) and the
 * globals stage (roles first, existing ones left alone), run by the restore
 * stage once the scratch database exists; job_random_key() (job_db.c): a
 * \restrict key. */
int job_globals_check(struct job_run *jr, struct rd_err *err);
int job_stage_globals(struct job_run *jr);
int job_random_key(char *out, size_t len);

/* Of job_end.c: the cleanup (drop what was made, on every path; --keep
 * prints how to reach what it kept) and a locked run's alert when the
 * holder is older than restore_timeout. */
void job_cleanup(struct job_run *jr);
void job_alert_locked(struct job_run *jr, const struct rd_err *lerr);
struct alert_settings;
/* job_alert_settings(jc, as): what the alerts of ${jc} need (borrowed). */
void job_alert_settings(const struct job_config *jc, struct alert_settings *as);

#endif
