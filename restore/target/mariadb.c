/* mariadb: the throwaway MariaDB server of a mysqldump archive. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>

#include "verifier/util/log.h"

#include "restore/target/mariadb.h"
#include "restore/target/scratch_proc.h"

char *
mariadb_socket(const struct cluster *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s/mysqld.sock", c->dir);
    return buf;
}

char *
mariadb_defaults(const struct cluster *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s/client.cnf", c->dir);
    return buf;
}

int
mariadb_installed(struct rd_err *err)
{
    const char *const progs[] = {MARIADB_SERVER, MARIADB_INSTALL,
                                 MARIADB_CLIENT};

    for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
        if (access(progs[i], X_OK) != 0)
            return rd_err_set(
                err, RD_TOOL_MISSING,
                "'%s' is missing: a mysqldump archive is restored into a scratch MariaDB\nHINT: apt-get install mariadb-server mariadb-client",
                progs[i]);
    return 0;
}

/* PATH of the server's children. */
#define CHILD_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

/* A 0600 file or 0700 dir in DIR, owned by the server's user. */
static int
make_owned(const struct cluster *c, const char *name, bool dir, int *fdp,
           struct rd_err *err)
{
    char path[PATH_MAX + 32];
    int fd = -1;

    snprintf(path, sizeof(path), "%s/%s", c->dir, name);
    if (dir ? mkdir(path, 0700) != 0
            : (fd = open(path,
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                         0600)) < 0)
        return rd_err_set(err,
                          errno == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                          "cannot create '%s': %s", path, strerror(errno));
    if (c->ident->drop &&
        (dir ? chown(path, c->ident->uid, c->ident->gid)
             : fchown(fd, c->ident->uid, c->ident->gid)) != 0) {
        if (fd >= 0)
            close(fd);
        return rd_err_set(err, RD_ACCESS_DENIED, "cannot chown '%s': %s", path,
                          strerror(errno));
    }
    if (fdp != NULL)
        *fdp = fd;
    else if (fd >= 0)
        close(fd);
    return 0;
}

static int
run_install(struct cluster *c, struct rd_err *err)
{
    char data[PATH_MAX + 16];
    const char *argv[] = {MARIADB_INSTALL,
                          "--no-defaults",
                          data,
                          "--auth-root-authentication-method=normal",
                          "--skip-test-db",
                          "--skip-name-resolve",
                          "--force", /* no /etc/hosts in the sandbox */
                          "--innodb-log-file-size=16M",
                          "--innodb-buffer-pool-size=32M",
                          NULL};
    int rc, logfd = -1;

    snprintf(data, sizeof(data), "--datadir=%s/data", c->dir);
    if (make_owned(c, "install.log", false, &logfd, err) != 0)
        return -1;
    rc = scratch_run(c, argv, CHILD_PATH, logfd, "mariadb-install-db", err);
    close(logfd);
    return rc;
}

static int
spawn_server(struct cluster *c, int logfd, bool keep, struct rd_err *err)
{
    char data[PATH_MAX + 16], sock[PATH_MAX + 24], pid[PATH_MAX + 24],
        files[PATH_MAX + 32], tmp[PATH_MAX + 16];
    const char *argv[] = {MARIADB_SERVER,
                          "--no-defaults",
                          data,
                          sock,
                          pid,
                          files,
                          tmp,
                          "--skip-networking",
                          "--skip-name-resolve",
                          "--local-infile=0",
                          "--skip-log-bin",
                          "--sync-binlog=0",
                          "--innodb-flush-log-at-trx-commit=0",
                          "--innodb-doublewrite=0",
                          "--innodb-buffer-pool-size=64M",
                          "--innodb-log-file-size=16M",
                          "--innodb-buffer-pool-load-at-startup=0",
                          "--innodb-buffer-pool-dump-at-shutdown=0",
                          "--performance-schema=0",
                          "--skip-slave-start",
                          "--event-scheduler=DISABLED",
                          "--character-set-server=utf8mb4",
                          "--default-time-zone=+00:00",
                          NULL};

    snprintf(data, sizeof(data), "--datadir=%s/data", c->dir);
    snprintf(sock, sizeof(sock), "--socket=%s/mysqld.sock", c->dir);
    snprintf(pid, sizeof(pid), "--pid-file=%s/mysqld.pid", c->dir);
    snprintf(files, sizeof(files), "--secure-file-priv=%s/files", c->dir);
    snprintf(tmp, sizeof(tmp), "--tmpdir=%s/tmp", c->dir);
    return scratch_spawn(c, argv, CHILD_PATH, logfd, keep, SIGKILL, err);
}

/* Whether the server answers as root over its socket. */
static bool
answers(const struct cluster *c)
{
    char sock[PATH_MAX + 24];
    unsigned int tmo = 2;
    MYSQL *m = mysql_init(NULL);
    bool ok;

    if (m == NULL)
        return false;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &tmo);
    ok = mysql_real_connect(m, "localhost", "root", NULL, NULL, 0,
                            mariadb_socket(c, sock, sizeof(sock)), 0) != NULL;
    mysql_close(m);
    return ok;
}

/* DIR/client.cnf: what the mariadb client reads (--defaults-file, first). */
static int
write_defaults(struct cluster *c, struct rd_err *err)
{
    char sock[PATH_MAX + 24];
    int fd;

    if (make_owned(c, "client.cnf", false, &fd, err) != 0)
        return -1;
    dprintf(fd, "[client]\nuser=root\nsocket=%s\n",
            mariadb_socket(c, sock, sizeof(sock)));
    close(fd);
    return 0;
}

int
mariadb_start(struct cluster *c, const struct proc_ident *ident,
              const struct sandbox *sb, bool keep, struct rd_err *err)
{
    int logfd = -1;

    memset(c, 0, sizeof(*c));
    c->ident = ident;
    c->sb = sb;
    if (cluster_make_dir(c, err) != 0) {
        if (c->dir[0] == '\0')
            return -1;
        goto fail;
    }
    if (make_owned(c, "files", true, NULL, err) != 0 ||
        make_owned(c, "tmp", true, NULL, err) != 0 ||
        make_owned(c, "server.log", false, &logfd, err) != 0 ||
        write_defaults(c, err) != 0 || run_install(c, err) != 0 ||
        spawn_server(c, logfd, keep, err) != 0)
        goto fail;
    if (scratch_serve(c, &logfd, answers, "MariaDB", err) != 0)
        goto fail;
    return 0;
fail:
    return scratch_abort(c, logfd);
}
