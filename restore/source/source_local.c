/* source_local: archives in a local folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore/source/source.h"

#define FILE_PREFIX "file://"

struct local_ctx {
    char *dir; /* (owned) */
    int dfd;
};

/* A local source is "/path", "relative/path" or "file:///absolute/path". */
static int
local_check(const char *location, char **out, struct rd_err *err)
{
    size_t plen = strlen(FILE_PREFIX);

    if (strncmp(location, FILE_PREFIX, plen) == 0) {
        if (location[plen] != '/')
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "invalid source '%s' (use file:///absolute/path)",
                              location);
        location += plen;
    } else if (location[0] == '\0') {
        return rd_err_set(err, RD_CONFIG_INVALID, "empty source");
    }
    *out = strdup(location);
    return *out == NULL ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

static int
local_open(struct source *src, const char *location, struct rd_err *err)
{
    struct local_ctx *c = calloc(1, sizeof(*c));
    struct stat st;

    if (c == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    if (strncmp(location, FILE_PREFIX, strlen(FILE_PREFIX)) == 0)
        location += strlen(FILE_PREFIX);
    c->dfd = -1;
    src->ctx = c;
    /* Absolute: the restore tools run from '/', not from our cwd. */
    c->dir = realpath(location, NULL);
    if (c->dir == NULL && errno != ENOMEM)
        c->dir = strdup(location); /* open() below says what is wrong */
    if (c->dir == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    c->dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dfd < 0) {
        int e = errno;

        if (e == ENOTDIR && stat(location, &st) == 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "source '%s' is a file, not a folder\nHINT: set source to the folder and pattern (or --archive) to the file name",
                location);
        return rd_err_set(
            err, e == EACCES ? RD_ACCESS_DENIED : RD_SOURCE_UNREACHABLE,
            "cannot open source folder '%s': %s", location, strerror(e));
    }
    return 0;
}

/*
 * A folder is a directory-format dump when it holds a regular toc.dat; its
 * time is toc.dat's (pg_dump writes it last) and its size the sum of its
 * regular files.  Returns 0 for a dump folder, -1 for any other folder.
 */
static int
dir_dump(int dfd, const char *name, struct stat *st)
{
    struct stat ts, fs;
    struct dirent *de;
    int fd;
    DIR *d;

    fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstatat(fd, "toc.dat", &ts, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(ts.st_mode) || (d = fdopendir(fd)) == NULL) {
        close(fd);
        return -1;
    }
    st->st_mtime = ts.st_mtime;
    st->st_size = 0;
    while ((de = readdir(d)) != NULL)
        if (fstatat(dirfd(d), de->d_name, &fs, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(fs.st_mode))
            st->st_size += fs.st_size;
    closedir(d);
    return 0;
}

static int
local_list(struct source *src, struct archive_list *list, struct rd_err *err)
{
    struct local_ctx *c = src->ctx;
    int fd = dup(c->dfd);
    struct dirent *de;
    DIR *d;

    if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return rd_err_set(err, RD_SOURCE_UNREACHABLE,
                          "cannot list source folder '%s': %s", c->dir,
                          strerror(errno));
    }
    rewinddir(d);
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        struct stat st;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* Regular files, and -Fd folders; a symlink is not followed. */
        if (fstatat(c->dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && dir_dump(c->dfd, de->d_name, &st) != 0)
            continue;
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
            continue;
        if (archive_list_add(list, de->d_name, st.st_mtime,
                             (int64_t)st.st_size) != 0) {
            closedir(d);
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        }
    }
    closedir(d);
    return 0;
}

/* The fd stream of an open archive file, owning the fd and a copy of the
 * name its messages use. */
struct file_stream {
    struct stream s;
    int fd;
    char *name;
};

static ssize_t
file_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    return stream_read(s->below, buf, cap, err);
}

static void
file_free(struct stream *s)
{
    struct file_stream *f = (struct file_stream *)s;

    stream_free(s->below);
    close(f->fd);
    free(f->name);
    free(f);
}

/* A stream of ${fd} (taken over, closed also on failure) expecting ${size}
 * bytes, or NULL when out of memory. */
static struct stream *
file_stream_new(int fd, const char *name, int64_t size)
{
    struct file_stream *f = calloc(1, sizeof(*f));

    if (f == NULL || (f->name = strdup(name)) == NULL ||
        (f->s.below = stream_fd_new(fd, f->name, size)) == NULL) {
        if (f != NULL)
            free(f->name);
        free(f);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->s.read = file_read;
    f->s.free = file_free;
    f->s.name = f->name;
    return &f->s;
}

static int
local_fetch(struct source *src, const char *name, struct fetched *f,
            struct rd_err *err)
{
    struct local_ctx *c = src->ctx;
    struct stat st;
    size_t len;
    int fd;

    if (strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
        strcmp(name, ".") == 0 || name[0] == '\0')
        return rd_err_set(
            err, RD_USAGE,
            "invalid archive name '%s' (a file name inside the source folder)",
            name);
    /* O_NONBLOCK: a FIFO must not block us; O_NOFOLLOW: no symlinks. */
    fd = openat(c->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;

        return rd_err_set(err,
                          e == ENOENT   ? RD_ARCHIVE_NOT_FOUND
                          : e == EACCES ? RD_ACCESS_DENIED
                                        : RD_SOURCE_UNREACHABLE,
                          "cannot open archive '%s/%s': %s", c->dir, name,
                          e == ELOOP ? "it is a symbolic link" : strerror(e));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
        dir_dump(c->dfd, name, &st) == 0) {
        f->is_dir = true;
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rd_err_set(err, RD_FORMAT_UNKNOWN,
                          "archive '%s/%s' is not a regular file", c->dir,
                          name);
    }
    f->size = (int64_t)st.st_size;
    f->mtime = st.st_mtime;
    f->seekable = !f->is_dir;
    if (f->is_dir) {
        close(fd); /* read through the path */
    } else {
        /* Back to blocking reads now that we know it is a regular file. */
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        f->stream = file_stream_new(fd, name, f->size);
        if (f->stream == NULL)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    len = strlen(c->dir) + strlen(name) + 2;
    f->path = malloc(len);
    if (f->path == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    snprintf(f->path, len, "%s/%s", c->dir, name);
    return 0;
}

static void
local_close(struct source *src)
{
    struct local_ctx *c = src->ctx;

    if (c == NULL)
        return;
    if (c->dfd >= 0)
        close(c->dfd);
    free(c->dir);
    free(c);
    src->ctx = NULL;
}

const struct source_ops source_local_ops = {
    "file", local_check, local_open, local_list, local_fetch, local_close,
};
