/* spool: private copies made from the bytes that were read, never by name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/util/sig.h"

#include "restore/decode/spool.h"

#define SPOOL_BUF   65536
#define SPOOL_CHUNK ((size_t)1 << 20) /* copy_file_range() at a time */

/* What a failed write of the spool of ${name} (or of its ${member}) means. */
static int
write_failed(struct rd_err *err, const char *name, const char *member, int e)
{
    return rd_err_set(
        err, e == ENOSPC || e == EDQUOT ? RD_DISK_FULL : RD_ACCESS_DENIED,
        "cannot spool archive '%s'%s%s%s into the temp dir: %s", name,
        member != NULL ? " (member '" : "", member != NULL ? member : "",
        member != NULL ? "')" : "", strerror(e));
}

/* Write all ${n} bytes of ${buf} to ${fd}; 0, or -1 with errno. */
static int
write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Whether ${n} more bytes fit the bound after ${*total}; counts them. */
static int
count(int64_t *total, int64_t n, const struct unpack_limit *lim,
      const char *name, struct rd_err *err)
{
    if (lim->max > 0 && n > lim->max - *total)
        return unpack_limit_fail(err, lim, name, "spools");
    *total += n;
    return 0;
}

int
stream_spool(struct stream *s, int fd, const struct unpack_limit *lim,
             struct rd_err *err)
{
    char buf[SPOOL_BUF];
    int64_t total = 0;
    ssize_t n;

    while ((n = stream_read(s, buf, sizeof(buf), err)) > 0) {
        if (count(&total, n, lim, s->name, err) != 0)
            return -1;
        if (write_all(fd, buf, (size_t)n) != 0)
            return write_failed(err, s->name, NULL, errno);
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED, "interrupted by %s",
                              sig_name(sig_pending()));
    }
    return n < 0 ? -1 : 0;
}

const char *
spool_member_kind(unsigned int mode)
{
    if (S_ISREG(mode))
        return NULL;
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISDIR(mode))
        return "a subdirectory";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* RD_ARCHIVE_UNSAFE_PATH for member ${member} of ${name}, being ${kind}. */
static int
refuse(struct rd_err *err, const char *name, const char *member,
       const char *kind)
{
    return rd_err_set(
        err, RD_ARCHIVE_UNSAFE_PATH,
        "archive '%s': member '%s' is %s, not a regular file: refused (a pg_dump -Fd folder holds only regular files; treat the folder as hostile or broken)",
        name, member, kind);
}

/* Copy open member ${in} to ${out}, bytes counted against ${lim}. */
static int
copy_member(int in, int out, int64_t *total, const struct unpack_limit *lim,
            const char *name, const char *member, struct rd_err *err)
{
    bool kernel = true;
    char buf[SPOOL_BUF];
    ssize_t n;

    for (;;) {
        if (kernel) {
            n = copy_file_range(in, NULL, out, NULL, SPOOL_CHUNK, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL ||
                          errno == ENOSYS || errno == EOPNOTSUPP)) {
                kernel = false; /* an older kernel or file system */
                continue;
            }
        } else {
            n = read(in, buf, sizeof(buf));
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == ENOSPC || errno == EDQUOT))
            return write_failed(err, name, member, errno);
        if (n < 0)
            return rd_err_set(err, RD_ACCESS_DENIED,
                              "cannot read member '%s' of archive '%s': %s",
                              member, name, strerror(errno));
        if (n == 0)
            return 0;
        if (count(total, n, lim, name, err) != 0)
            return -1;
        if (!kernel && write_all(out, buf, (size_t)n) != 0)
            return write_failed(err, name, member, errno);
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED, "interrupted by %s",
                              sig_name(sig_pending()));
    }
}

/* Check member ${m} of the folder open at ${sfd} and copy it into ${dfd}. */
static int
spool_member(int sfd, int dfd, const char *m, int64_t *total,
             const struct unpack_limit *lim, const char *name,
             struct rd_err *err)
{
    struct stat st;
    int in, out, rc;

    /* Looked at first, so that a device is never opened at all... */
    if (fstatat(sfd, m, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot stat member '%s' of archive '%s': %s", m,
                          name, strerror(errno));
    if (spool_member_kind(st.st_mode) != NULL)
        return refuse(err, name, m, spool_member_kind(st.st_mode));
    /* ...then opened without following and judged by what was opened. */
    in = openat(sfd, m,
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (in < 0)
        return errno == ELOOP
                   ? refuse(err, name, m, "a symbolic link")
                   : rd_err_set(err, RD_ACCESS_DENIED,
                                "cannot open member '%s' of archive '%s': %s",
                                m, name, strerror(errno));
    if (fstat(in, &st) != 0 || spool_member_kind(st.st_mode) != NULL) {
        rc = refuse(err, name, m,
                    spool_member_kind(st.st_mode) != NULL
                        ? spool_member_kind(st.st_mode)
                        : "not a regular file");
        close(in);
        return rc;
    }
    out = openat(dfd, m, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 0600);
    if (out < 0) {
        rc = write_failed(err, name, m, errno);
        close(in);
        return rc;
    }
    rc = copy_member(in, out, total, lim, name, m, err);
    close(in);
    if (close(out) != 0 && rc == 0)
        rc = write_failed(err, name, m, errno);
    return rc;
}

int
spool_dir_flat(const char *src, const char *name, const char *dst,
               const struct unpack_limit *lim, struct rd_err *err)
{
    int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct dirent *de;
    int64_t total = 0;
    DIR *d = NULL;
    int rc = -1;

    if (sfd < 0 || dfd < 0 || (d = fdopendir(sfd)) == NULL) {
        rd_err_set(err, RD_ACCESS_DENIED, "cannot copy '%s': %s", src,
                   strerror(errno));
        goto done;
    }
    sfd = -1; /* owned by d */
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (spool_member(dirfd(d), dfd, de->d_name, &total, lim, name, err) !=
            0)
            goto done;
        errno = 0;
    }
    if (errno != 0) {
        rd_err_set(err, RD_ACCESS_DENIED, "cannot read folder '%s': %s", src,
                   strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (d != NULL)
        closedir(d);
    if (sfd >= 0)
        close(sfd);
    if (dfd >= 0)
        close(dfd);
    return rc;
}
