/* passfile: the target's password for the restore tools, in a 0600 libpq
 * passfile (PGPASSFILE) in a private 0700 directory instead of PGPASSWORD
 * in their environment (readable in /proc/PID/environ by the same uid). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "restore/target/target_int.h"

/* One .pgpass line matching any host, port, database and user, with ':'
 * and '\' escaped; -1 when ${pw} cannot be written so (a newline). */
int
passfile_line(const char *pw, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "*:*:*:*:");

    if (strchr(pw, '\n') != NULL || strchr(pw, '\r') != NULL)
        return -1;
    for (const char *p = pw; *p != '\0'; p++) {
        if (used + 3 >= len)
            return -1;
        if (*p == ':' || *p == '\\')
            buf[used++] = '\\';
        buf[used++] = *p;
    }
    buf[used++] = '\n';
    buf[used] = '\0';
    return 0;
}

int
passfile_write(struct target *t, const char *pw, struct rd_err *err)
{
    const char *tmp = getenv("TMPDIR");
    char line[1200];
    int fd;
    ssize_t n;
    size_t len;

    if (pw == NULL || pw[0] == '\0' || passfile_line(pw, line, sizeof(line)))
        return 0; /* nothing to hide, or PGPASSWORD it is */
    snprintf(t->passdir, sizeof(t->passdir), "%s/restoredrill-XXXXXX",
             tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    if (mkdtemp(t->passdir) == NULL) {
        t->passdir[0] = '\0';
        return rd_err_set(err, RD_INTERNAL, "mkdtemp: %s", strerror(errno));
    }
    /* owner.pid: the leftovers sweep removes it after a SIGKILL. */
    snprintf(t->passfile, sizeof(t->passfile), "%s/owner.pid", t->passdir);
    fd = open(t->passfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%ld\n", (long)getpid());
        close(fd);
    }
    snprintf(t->passfile, sizeof(t->passfile), "%s/pgpass", t->passdir);
    fd = open(t->passfile, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0) {
        int e = errno;

        passfile_remove(t);
        return rd_err_set(err, RD_INTERNAL, "cannot write a passfile: %s",
                          strerror(e));
    }
    len = strlen(line);
    n = write(fd, line, len);
    explicit_bzero(line, sizeof(line));
    /* The tools run as run_as when we are root: theirs, still 0600. */
    if (n != (ssize_t)len) {
        if (n >= 0)
            errno = EIO;
        n = -1;
    }
    if (n < 0 || (t->ident != NULL && t->ident->drop &&
                  (fchown(fd, t->ident->uid, t->ident->gid) != 0 ||
                   chown(t->passdir, t->ident->uid, t->ident->gid) != 0))) {
        int e = errno;

        close(fd);
        passfile_remove(t);
        return rd_err_set(err, RD_INTERNAL, "cannot write a passfile: %s",
                          strerror(e));
    }
    close(fd);
    return 0;
}

void
passfile_remove(struct target *t)
{
    if (t->passfile[0] != '\0')
        (void)unlink(t->passfile);
    if (t->passdir[0] != '\0') {
        char pid[PATH_MAX + 16];

        snprintf(pid, sizeof(pid), "%s/owner.pid", t->passdir);
        (void)unlink(pid);
        (void)rmdir(t->passdir);
    }
    t->passfile[0] = t->passdir[0] = '\0';
}
