/* toolproc: a backup tool (restic, borg, tarsnap, an exec: command) run by
 * argv, its stdout read as a stream.  Shared by the tool source drivers. */
#ifndef RD_TOOLPROC_H
#define RD_TOOLPROC_H

#include <stddef.h>
#include <stdint.h>

#include "restore/decode/stream.h"
#include "verifier/util/rd_err.h"

#define TOOLPROC_TAIL_MAX 4096 /* stderr bytes kept (the last ones) */

/* What to run and how. */
struct toolproc_spec {
    const char *tool;        /* "restic": named in messages */
    const char *what;        /* "list the snapshots of 'R'": what failed */
    const char *const *argv; /* (borrowed) argv[0] on PATH; never a shell */
    /* (borrowed, NULL-terminated, may be NULL) variables passed on besides
     * the minimal environment (PATH HOME USER LOGNAME LANG LC_ALL LC_CTYPE
     * TMPDIR): "NAME" exactly, or "PREFIX_*" for every NAME starting so */
    const char *const *env_allow;
    /* (borrowed, NULL-terminated, may be NULL) "NAME=value" set last */
    const char *const *env_set;
    int64_t stall_timeout_s; /* no stdout byte this long: killed (0: 60) */
    /* (borrowed, may be NULL) receives the stderr tail when the child ends
     * (TOOLPROC_TAIL_MAX + 1 bytes); must outlive the stream's reads */
    char *tail;
};

/*
 * toolproc_open(spec, name, err):
 * Start ${spec}->argv in its own process group, stdin /dev/null, with the
 * minimal environment plus the allowlist, and return its stdout as a
 * stream named ${name} (borrowed, for messages).  The stream's end (0) means
 * the child exited 0; a non-zero exit or a death by signal is a failure
 * carrying the tool's last stderr lines: RD_FETCH_TRUNCATED when stdout
 * had bytes (a short stream), else RD_SOURCE_UNREACHABLE.  No stdout byte
 * for stall_timeout_s: RD_FETCH_STALLED; a caught signal: RD_INTERRUPTED;
 * in both the process group is killed.  Freeing the stream kills and reaps
 * a child still running.  Returns NULL with RD_TOOL_MISSING (cannot run
 * argv[0]) or RD_INTERNAL.
 */
struct stream *toolproc_open(const struct toolproc_spec *spec, const char *name,
                             struct rd_err *err);

/*
 * toolproc_ready(s, err): wait until stream ${s} (of toolproc_open()) has
 * its first byte or has ended, so that a tool failing before any output
 * fails here (the fetch) and not at the first read: 0 (bytes ready, or a
 * clean exit 0 with no output: the stream then just ends), or -1 with the
 * failure the read would have given.  The stream must not be read after -1.
 */
int toolproc_ready(struct stream *s, struct rd_err *err);

/*
 * toolproc_capture(spec, max, out, len, err):
 * Run ${spec} to its end and return its whole stdout in ${out} (malloc'd,
 * NUL-terminated; ${len} bytes, which may hold NULs).  More than ${max}
 * bytes: RD_LISTING_INVALID.  Other failures as toolproc_open()'s stream.
 */
int toolproc_capture(const struct toolproc_spec *spec, size_t max, char **out,
                     size_t *len, struct rd_err *err);

#endif
