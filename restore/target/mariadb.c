/* mariadb: the throwaway MariaDB server of a mysqldump archive. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "restore/target/mariadb.h"

#define START_TIMEOUT_S 60

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

static int
base_env(const struct cluster *c, struct proc_env *env)
{
    if (proc_env_set(env, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin") != 0 ||
        proc_env_set(env, "LC_ALL", "C") != 0 ||
        proc_env_set(env, "TZ", "UTC") != 0 ||
        proc_env_set(env, "HOME", c->dir) != 0)
        return -1;
    return 0;
}

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

static void
keep_last_line(void *ctx, const char *line)
{
    snprintf(ctx, 512, "%s", line);
}

static int
run_install(struct cluster *c, struct rd_err *err)
{
    char data[PATH_MAX + 16], last[512] = "", st[96];
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
    struct sandbox_req req = {.rw_dir = c->dir, .chdir = c->dir};
    struct sandbox_cmd cmd;
    struct proc_env env;
    struct proc_result res;
    int rc = -1, logfd = -1;

    memset(&res, 0, sizeof(res));
    proc_env_init(&env);
    snprintf(data, sizeof(data), "--datadir=%s/data", c->dir);
    if (make_owned(c, "install.log", false, &logfd, err) != 0)
        goto done;
    if (base_env(c, &env) != 0) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        goto done;
    }
    struct proc_spec spec = {.argv = argv,
                             .env = (const char *const *)env.v,
                             .cwd = c->dir,
                             .stdin_fd = -1,
                             .stdout_fd = logfd,
                             .stderr_fd = -1,
                             .drop_privs = c->ident->drop,
                             .uid = c->ident->uid,
                             .gid = c->ident->gid,
                             .timeout_s = 300,
                             .on_line = keep_last_line,
                             .line_ctx = last};
    if (sandbox_apply(c->sb, &req, &spec, &cmd, err) != 0 ||
        proc_run(&spec, &res, err) != 0)
        goto done;
    if (res.timed_out || !WIFEXITED(res.status) ||
        WEXITSTATUS(res.status) != 0) {
        rd_err_set(err,
                   strstr(last, "No space left") != NULL ? RD_DISK_FULL
                                                         : RD_TOOL_MISSING,
                   "mariadb-install-db failed (%s): %s",
                   proc_describe(res.status, st, sizeof(st)), last);
        goto done;
    }
    rc = 0;
done:
    if (logfd >= 0)
        close(logfd);
    proc_result_release(&res);
    proc_env_release(&env);
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
    struct sandbox_req req = {.rw_dir = c->dir, .chdir = c->dir, .keep = keep};
    struct sandbox_cmd cmd;
    struct proc_env env;
    int rc = -1;

    proc_env_init(&env);
    snprintf(data, sizeof(data), "--datadir=%s/data", c->dir);
    snprintf(sock, sizeof(sock), "--socket=%s/mysqld.sock", c->dir);
    snprintf(pid, sizeof(pid), "--pid-file=%s/mysqld.pid", c->dir);
    snprintf(files, sizeof(files), "--secure-file-priv=%s/files", c->dir);
    snprintf(tmp, sizeof(tmp), "--tmpdir=%s/tmp", c->dir);
    if (base_env(c, &env) != 0) {
        rd_err_set(err, RD_INTERNAL, "out of memory");
        goto done;
    }
    struct proc_spec spec = {.argv = argv,
                             .env = (const char *const *)env.v,
                             .cwd = c->dir,
                             .stdin_fd = -1,
                             .stdout_fd = logfd,
                             .stderr_fd = logfd,
                             .drop_privs = c->ident->drop,
                             .uid = c->ident->uid,
                             .gid = c->ident->gid,
                             .death_signal = keep ? -1 : SIGKILL};
    if (sandbox_apply(c->sb, &req, &spec, &cmd, err) == 0)
        rc = proc_spawn(&spec, &c->pid, err);
done:
    proc_env_release(&env);
    return rc;
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

static int
wait_ready(struct cluster *c, const char *logpath, struct rd_err *err)
{
    char tail[600];
    struct timespec t0, t;
    int status;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (answers(c))
            return 0;
        if (sig_pending() != 0)
            return rd_err_set(err, RD_INTERRUPTED,
                              "interrupted while the scratch server started");
        if (proc_exited(c->pid, &status)) {
            c->pid = 0;
            cluster_file_tail(logpath, tail, sizeof(tail));
            return rd_err_set(
                err,
                strstr(tail, "No space left") ? RD_DISK_FULL : RD_TOOL_MISSING,
                "the scratch MariaDB server exited at start: %s", tail);
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > START_TIMEOUT_S) {
            cluster_file_tail(logpath, tail, sizeof(tail));
            return rd_err_set(
                err, RD_TOOL_MISSING,
                "the scratch MariaDB server did not accept connections within %ds: %s",
                START_TIMEOUT_S, tail);
        }
        usleep(50 * 1000);
    }
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
    char logpath[PATH_MAX + 16];
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
    close(logfd);
    logfd = -1;
    snprintf(logpath, sizeof(logpath), "%s/server.log", c->dir);
    log_debug("scratch MariaDB pid %ld in '%s'", (long)c->pid, c->dir);
    if (wait_ready(c, logpath, err) != 0)
        goto fail;
    cluster_write_server_pid(c);
    return 0;
fail:
    if (logfd >= 0)
        close(logfd);
    cluster_stop(c);
    return -1;
}
