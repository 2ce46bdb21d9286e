/* toolsrc: the plumbing of the tool source drivers around toolproc. */
#include <stdlib.h>
#include <string.h>

#include "restore/source/toollist.h"
#include "restore/source/toolsrc.h"

int
toolsrc_check(const char *location, char **out, struct rd_err *err)
{
    *out = strdup(location);
    return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

static void
spec_of(const struct source *src, const struct toolsrc_kind *k,
        const char *const *argv, const char *what, struct toolproc_spec *sp)
{
    memset(sp, 0, sizeof(*sp));
    sp->tool = k->tool != NULL ? k->tool : argv[0];
    sp->what = what;
    sp->argv = argv;
    sp->env_allow = k->env_allow;
    sp->env_set = k->env_set;
    sp->stall_timeout_s = src->opts.stall_timeout_s;
}

int
toolsrc_capture(const struct source *src, const struct toolsrc_kind *k,
                const char *const *argv, const char *what, char **out,
                size_t *len, struct rd_err *err)
{
    struct toolproc_spec sp;

    spec_of(src, k, argv, what, &sp);
    return toolproc_capture(&sp, TOOLLIST_MAX_BYTES, out, len, err);
}

int
toolsrc_fetch(struct source *src, const struct toolsrc_kind *k,
              const char *const *argv, const char *what, const char *name,
              struct fetched *f, struct rd_err *err)
{
    struct toolproc_spec sp;

    spec_of(src, k, argv, what, &sp);
    sp.tail = src->tool_stderr;
    f->stream = toolproc_open(&sp, name, err);
    if (f->stream != NULL && toolproc_ready(f->stream, err) != 0) {
        stream_free(f->stream);
        f->stream = NULL;
    }
    return f->stream != NULL ? 0 : -1;
}
