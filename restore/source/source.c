/* source: driver dispatch. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verifier/util/redact.h"

#include "restore/source/source.h"

struct source *
source_open(const char *location, struct rd_err *err)
{
    struct source *src = calloc(1, sizeof(*src));

    if (src == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        return NULL;
    }
    /* config_resolve() only lets local paths through in this version. */
    src->ops = &source_local_ops;
    src->display = redact_url(location);
    if (src->display == NULL) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        source_free(src);
        return NULL;
    }
    if (src->ops->open(src, location, err) != 0) {
        source_free(src);
        return NULL;
    }
    return src;
}

int
source_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    return src->ops->list(src, list, err);
}

int
source_fetch(struct source *src, const char *name, struct fetched *f,
             struct rd_err *err)
{
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->size = -1;
    return src->ops->fetch(src, name, f, err);
}

void
source_free(struct source *src)
{
    if (src == NULL)
        return;
    if (src->ops != NULL)
        src->ops->close(src);
    free(src->display);
    free(src);
}

void
fetched_release(struct fetched *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    f->fd = -1;
    f->path = NULL;
}
