/* lock: one flock per job, so overlapping runs of a job never collide. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/fsutil.h"

#include "verifier/util/lock.h"

int
lock_acquire(const char *state_dir, const char *job, struct rd_err *err)
{
    char dir[PATH_MAX], path[PATH_MAX + 64], holder[32] = "";
    int fd;

    snprintf(dir, sizeof(dir), "%s/locks", state_dir);
    if (fs_mkdir_p(dir, 0700, err) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/%s.lock", dir, job);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rd_err_set(err, RD_ACCESS_DENIED, "cannot open lock '%s': %s",
                          path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        if (e == EWOULDBLOCK)
            return rd_err_set(err, RD_LOCKED,
                              "job '%s' is already running (pid %s holds '%s')",
                              job, holder[0] != '\0' ? holder : "?", path);
        return rd_err_set(err, RD_ACCESS_DENIED, "cannot lock '%s': %s", path,
                          strerror(e));
    }
    if (ftruncate(fd, 0) == 0)
        (void)!dprintf(fd, "%ld\n", (long)getpid());
    return fd;
}

void
lock_release(int fd)
{
    if (fd < 0)
        return;
    flock(fd, LOCK_UN);
    close(fd);
}

int64_t
lock_holder_age(const char *state_dir, const char *job)
{
    char path[PATH_MAX + 64];
    struct stat st;
    time_t now = time(NULL);

    snprintf(path, sizeof(path), "%s/locks/%s.lock", state_dir, job);
    if (stat(path, &st) != 0)
        return -1;
    return st.st_mtime > now ? 0 : (int64_t)(now - st.st_mtime);
}
