/* toolsrc: what the tool source drivers (restic, borg, tarsnap, exec:)
 * share around toolproc: a kind of tool (its name and environment), the
 * capture of a listing and the fetch of an archive as a stream. */
#ifndef RD_TOOLSRC_H
#define RD_TOOLSRC_H

#include <stddef.h>

#include "restore/source/source.h"
#include "restore/source/toolproc.h"

/* One tool's runs (all borrowed, static in the driver). */
struct toolsrc_kind {
    const char *tool;             /* named in messages; NULL: argv[0] */
    const char *const *env_allow; /* toolproc_spec's env_allow, may be NULL */
    const char *const *env_set;   /* toolproc_spec's env_set, may be NULL */
};

/*
 * toolsrc_check(location, out, err): the check of a driver that takes its
 * location as written: ${out} = a malloc'd copy (RD_INTERNAL when none).
 */
int toolsrc_check(const char *location, char **out, struct rd_err *err);

/*
 * toolsrc_capture(src, k, argv, what, out, len, err):
 * toolproc_capture() of ${argv} run as ${k}, with ${src}'s stall timeout,
 * ${what} naming the run in messages, at most TOOLLIST_MAX_BYTES of output
 * (no stderr tail is kept).  0 with ${out} malloc'd (the caller frees it),
 * or -1 as toolproc_capture().
 */
int toolsrc_capture(const struct source *src, const struct toolsrc_kind *k,
                    const char *const *argv, const char *what, char **out,
                    size_t *len, struct rd_err *err);

/*
 * toolsrc_fetch(src, k, argv, what, name, f, err):
 * toolproc_open() of ${argv} run as ${k} (stall timeout and what as
 * above; the stream named ${name}, its stderr tail in src->tool_stderr),
 * then toolproc_ready(): 0 with f->stream, or -1 with f->stream NULL (the
 * stream freed) and the failure in ${err}.
 */
int toolsrc_fetch(struct source *src, const struct toolsrc_kind *k,
                  const char *const *argv, const char *what, const char *name,
                  struct fetched *f, struct rd_err *err);

#endif
