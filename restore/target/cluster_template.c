/* cluster_template: a cached initdb result, copied into each new scratch
 * cluster instead of running initdb again (cluster start is most of the
 * fixed cost of a verify; docs/performance.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"

#include "restore/target/cluster.h"
#include "restore/target/cluster_template.h"

#define TEMPLATE_FORMAT 1 /* bump when initdb's arguments change */
#define MAX_DEPTH       8 /* a data dir is 3 deep */

/* The cache dir, made 0700 when missing: NULL when there is none to use
 * (disabled, no home, or not a private dir of ours). */
static const char *
cache_dir(char *buf, size_t len)
{
    const char *env = getenv("RESTOREDRILL_CACHE_DIR"), *home;
    struct stat st;
    struct rd_err err = {0};

    if (env != NULL && strcmp(env, "off") == 0)
        return NULL;
    if (env != NULL && env[0] == '/')
        snprintf(buf, len, "%s", env);
    else if (geteuid() == 0)
        snprintf(buf, len, "/var/cache/restoredrill");
    else if ((home = getenv("XDG_CACHE_HOME")) != NULL && home[0] == '/')
        snprintf(buf, len, "%s/restoredrill", home);
    else if ((home = getenv("HOME")) != NULL && home[0] == '/')
        snprintf(buf, len, "%s/.cache/restoredrill", home);
    else
        return NULL;
    if (fs_mkdir_p(buf, 0700, &err) != 0 || lstat(buf, &st) != 0 ||
        !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        log_debug("no initdb template cache: '%s' is not a private dir of "
                  "ours",
                  buf);
        return NULL;
    }
    return buf;
}

/* CACHE/pgNN-HASH: one template per server binary (path, size, mtime,
 * inode) and owner. */
static int
template_path(const struct cluster *c, char *buf, size_t len)
{
    char cache[PATH_MAX], bin[PATH_MAX + 16], key[PATH_MAX + 128];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    struct stat st;
    int n;

    if (cache_dir(cache, sizeof(cache)) == NULL)
        return -1;
    pgtools_path(c->tools, "postgres", bin, sizeof(bin));
    if (stat(bin, &st) != 0)
        return -1;
    n = snprintf(key, sizeof(key), "%d|%s|%lld|%lld|%llu|%ld", TEMPLATE_FORMAT,
                 bin, (long long)st.st_size, (long long)st.st_mtime,
                 (unsigned long long)st.st_ino,
                 (long)(c->ident->drop ? c->ident->uid : geteuid()));
    if (n < 0 || (size_t)n >= sizeof(key) ||
        EVP_Digest(key, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1)
        return -1;
    n = snprintf(buf, len, "%s/pg%d-%02x%02x%02x%02x%02x%02x%02x%02x", cache,
                 c->tools->major, md[0], md[1], md[2], md[3], md[4], md[5],
                 md[6], md[7]);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static int
copy_file(int sfd, int dfd)
{
    char buf[64 * 1024];
    ssize_t n;

    for (;;) {
        n = copy_file_range(sfd, NULL, dfd, NULL, 1 << 30, 0);
        if (n == 0)
            return 0;
        if (n < 0)
            break;
    }
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS)
        return -1;
    while ((n = read(sfd, buf, sizeof(buf))) > 0)
        if (write(dfd, buf, (size_t)n) != n)
            return -1;
    return n == 0 ? 0 : -1;
}

/* Copy the entries of dir ${sdir} into the (empty) dir ${ddir}: regular
 * files and dirs only, modes kept, owned by ${uid}:${gid} (-1: ours). */
static int
copy_tree(int sdir, int ddir, uid_t uid, gid_t gid, int depth)
{
    DIR *d;
    struct dirent *e;
    int rc = 0;

    if (depth > MAX_DEPTH || (d = fdopendir(dup(sdir))) == NULL)
        return -1;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        struct stat st;
        int s, t;

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(sdir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            rc = -1;
        else if (S_ISDIR(st.st_mode)) {
            if (mkdirat(ddir, e->d_name, st.st_mode & 0700) != 0 ||
                (s = openat(sdir, e->d_name,
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
                    0)
                rc = -1;
            else {
                t = openat(ddir, e->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                rc = t < 0 || fchown(t, uid, gid) != 0 ||
                             copy_tree(s, t, uid, gid, depth + 1) != 0
                         ? -1
                         : 0;
                if (t >= 0)
                    close(t);
                close(s);
            }
        } else if (S_ISREG(st.st_mode)) {
            s = openat(sdir, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            t = s < 0 ? -1
                      : openat(ddir, e->d_name,
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                   O_CLOEXEC,
                               st.st_mode & 0600);
            rc = t < 0 || fchown(t, uid, gid) != 0 || copy_file(s, t) != 0 ? -1
                                                                           : 0;
            if (t >= 0)
                close(t);
            if (s >= 0)
                close(s);
        } else
            rc = -1; /* initdb makes no links, FIFOs or devices */
    }
    closedir(d);
    return rc;
}

/* Copy dir ${src} to the new dir ${dst} (mode 0700) owned as copy_tree(). */
static int
copy_dir(const char *src, const char *dst, uid_t uid, gid_t gid)
{
    int s, t, rc = -1;

    s = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0)
        return -1;
    if (mkdir(dst, 0700) == 0 &&
        (t = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
        rc = fchown(t, uid, gid) == 0 ? copy_tree(s, t, uid, gid, 0) : -1;
        close(t);
    }
    close(s);
    return rc;
}

int
cluster_template_copy(const struct cluster *c, const char *data)
{
    char tpl[PATH_MAX], src[PATH_MAX + 16], ready[PATH_MAX + 16];
    uid_t uid = c->ident->drop ? c->ident->uid : (uid_t)-1;
    gid_t gid = c->ident->drop ? c->ident->gid : (gid_t)-1;
    struct stat st;

    if (template_path(c, tpl, sizeof(tpl)) != 0)
        return 0;
    snprintf(ready, sizeof(ready), "%s/READY", tpl);
    snprintf(src, sizeof(src), "%s/data", tpl);
    if (lstat(tpl, &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
        access(ready, F_OK) != 0)
        return 0;
    if (copy_dir(src, data, uid, gid) != 0) {
        log_debug("cannot copy the initdb template '%s' (%s): running initdb",
                  tpl, strerror(errno));
        fs_rm_rf(data);
        return 0;
    }
    log_debug("scratch cluster copied from the initdb template '%s'", tpl);
    return 1;
}

/* Remove the templates of other binaries of ${c}'s major (an upgraded
 * package): each is a whole data dir. */
static void
prune_others(const struct cluster *c, const char *keep)
{
    char cache[PATH_MAX], prefix[16], path[PATH_MAX + 300];
    const char *base = strrchr(keep, '/') + 1;
    DIR *d;
    struct dirent *e;

    if (cache_dir(cache, sizeof(cache)) == NULL || (d = opendir(cache)) == NULL)
        return;
    snprintf(prefix, sizeof(prefix), "pg%d-", c->tools->major);
    while ((e = readdir(d)) != NULL) {
        const char *tmp = strstr(e->d_name, ".tmp");

        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
            strcmp(e->d_name, base) == 0)
            continue;
        /* a half-made one: only when the run making it is gone */
        if (tmp != NULL &&
            (kill((pid_t)atol(tmp + 4), 0) == 0 || errno != ESRCH))
            continue;
        snprintf(path, sizeof(path), "%s/%s", cache, e->d_name);
        fs_rm_rf(path);
    }
    closedir(d);
}

void
cluster_template_drop(const struct cluster *c)
{
    char tpl[PATH_MAX];

    if (template_path(c, tpl, sizeof(tpl)) == 0)
        fs_rm_rf(tpl);
}

void
cluster_template_save(const struct cluster *c, const char *data)
{
    char tpl[PATH_MAX], tmp[PATH_MAX + 32], dst[PATH_MAX + 48];
    int fd;

    if (template_path(c, tpl, sizeof(tpl)) != 0 || access(tpl, F_OK) == 0)
        return;
    prune_others(c, tpl);
    snprintf(tmp, sizeof(tmp), "%s.tmp%ld", tpl, (long)getpid());
    fs_rm_rf(tmp);
    if (mkdir(tmp, 0700) != 0)
        return;
    snprintf(dst, sizeof(dst), "%s/data", tmp);
    if (copy_dir(data, dst, (uid_t)-1, (gid_t)-1) == 0) {
        snprintf(dst, sizeof(dst), "%s/READY", tmp);
        fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0 && close(fd) == 0 && rename(tmp, tpl) == 0) {
            log_debug("saved the initdb template '%s'", tpl);
            return;
        }
    }
    fs_rm_rf(tmp); /* a concurrent run saved it first, or no space */
}
