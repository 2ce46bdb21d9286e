/* fsutil: private temp dirs, recursive removal, atomic file writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/util/fsutil.h"

/* Empty the directory open at ${dfd} (which is closed), depth first. */
static int
rm_dir_contents(int dfd)
{
    DIR *d = fdopendir(dfd);
    struct dirent *de;
    int rc = 0;

    if (d == NULL) {
        close(dfd);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        int sub;

        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), n, 0) == 0)
            continue;
        if (errno != EISDIR && errno != EPERM)
            rc = -1;
        sub = openat(dirfd(d), n,
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            rc = -1;
            continue;
        }
        if (rm_dir_contents(sub) != 0)
            rc = -1;
        if (unlinkat(dirfd(d), n, AT_REMOVEDIR) != 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

int
fs_rm_rf(const char *path)
{
    int fd;

    if (unlink(path) == 0 || errno == ENOENT)
        return 0;
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (rm_dir_contents(fd) != 0)
        return -1;
    if (rmdir(path) != 0 && errno != ENOENT)
        return -1;
    return 0;
}

int
fs_mkdir_p(const char *path, mode_t mode, struct rd_err *err)
{
    char buf[4096];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(buf))
        return rd_err_set(err, RD_CONFIG_INVALID, "invalid directory '%s'",
                          path);
    memcpy(buf, path, len + 1);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return rd_err_set(err, RD_ACCESS_DENIED,
                              "cannot create directory '%s': %s", buf,
                              strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, mode) != 0 && errno != EEXIST)
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot create directory '%s': %s", buf,
                          strerror(errno));
    return 0;
}

int
fs_write_atomic(const char *path, const char *data, size_t len,
                struct rd_err *err)
{
    return fs_write_atomic_mode(path, data, len, 0600, err);
}

int
fs_write_atomic_mode(const char *path, const char *data, size_t len,
                     mode_t new_mode, struct rd_err *err)
{
    char tmp[4200], dir[4096];
    struct stat st;
    mode_t mode = new_mode;
    int fd, dfd, saved;
    size_t off = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
            (int)sizeof(tmp) ||
        strlen(path) >= sizeof(dir))
        return rd_err_set(err, RD_CONFIG_INVALID, "path too long: '%s'", path);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        mode = st.st_mode & 07777;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rd_err_set(err,
                          errno == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                          "cannot write '%s': %s", tmp, strerror(errno));
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += (size_t)w;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    memcpy(dir, path, strlen(path) + 1);
    dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;

fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rd_err_set(err, saved == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                      "cannot write '%s': %s", path, strerror(saved));
}

const char *
fs_tmpdir_base(void)
{
    const char *t = getenv("TMPDIR");

    if (t != NULL && t[0] == '/')
        return t;
    return "/tmp";
}

/* chown the directory open at ${dfd} and its contents; closes ${dfd}. */
static int
chown_dir(int dfd, uid_t uid, gid_t gid)
{
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (fchown(dfd, uid, gid) != 0 || (d = fdopendir(dfd)) == NULL) {
        close(dfd);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        int sub;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -1;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            sub = openat(dirfd(d), de->d_name,
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0 || chown_dir(sub, uid, gid) != 0)
                rc = -1;
        } else if (fchownat(dirfd(d), de->d_name, uid, gid,
                            AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int
fs_chown_tree(const char *path, uid_t uid, gid_t gid, struct rd_err *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 || chown_dir(fd, uid, gid) != 0)
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot hand '%s' to uid %ld: %s", path, (long)uid,
                          strerror(errno));
    return 0;
}
