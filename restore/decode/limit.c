/* limit: a bound on the bytes an archive unpacks to. */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "restore/decode/limit.h"

void
unpack_limit_resolve(int64_t configured, const char *tmpdir,
                     struct unpack_limit *lim)
{
    struct statvfs vfs;

    if (configured > 0) {
        lim->max = configured;
        lim->code = RD_ARCHIVE_TOO_LARGE;
        return;
    }
    lim->code = RD_DISK_FULL;
    lim->max = 0;
    if (tmpdir != NULL && statvfs(tmpdir, &vfs) == 0) {
        uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;

        avail -= avail / 10;
        lim->max = avail > (uint64_t)INT64_MAX ? INT64_MAX
                   : avail > 0                 ? (int64_t)avail
                                               : 1;
    }
}

int
unpack_limit_fail(struct rd_err *err, const struct unpack_limit *lim,
                  const char *name, const char *what)
{
    if (lim->code == RD_ARCHIVE_TOO_LARGE)
        return rd_err_set(
            err, RD_ARCHIVE_TOO_LARGE,
            "archive '%s' %s to more than max_unpacked_size (%lld bytes): stopped there (%s)",
            name, what, (long long)lim->max,
            strcmp(what, "spools") == 0
                ? "the private copy pg_restore reads would pass it"
                : "a decompression bomb, or the backup grew");
    return rd_err_set(
        err, lim->code,
        "archive '%s' %s to more than the free temp space at the start minus 10%% (%lld bytes): stopped before the disk filled; give the verifier more space in TMPDIR, or set max_unpacked_size",
        name, what, (long long)lim->max);
}

struct limit_stream {
    struct stream s;
    struct unpack_limit lim;
    int64_t bytes;
};

static ssize_t
limit_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct limit_stream *l = (struct limit_stream *)s;
    ssize_t n = stream_read(s->below, buf, cap, err);

    if (n > 0) {
        if (l->lim.max > 0 && n > l->lim.max - l->bytes)
            return unpack_limit_fail(err, &l->lim, s->name, "decompresses");
        l->bytes += n;
    }
    return n;
}

static void
limit_free(struct stream *s)
{
    stream_free(s->below);
    free(s);
}

struct stream *
stream_limit_new(struct stream *below, const struct unpack_limit *lim)
{
    struct limit_stream *l;

    if (below == NULL)
        return NULL;
    if ((l = calloc(1, sizeof(*l))) == NULL) {
        stream_free(below);
        return NULL;
    }
    l->s.read = limit_read;
    l->s.free = limit_free;
    l->s.below = below;
    l->s.name = below->name;
    l->lim = *lim;
    return &l->s;
}

int64_t
stream_limit_bytes(struct stream *s)
{
    return ((struct limit_stream *)s)->bytes;
}
