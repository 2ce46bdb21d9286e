/* cluster: PostgreSQL binaries, and the throwaway cluster of target =
 * ephemeral. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/log.h"
#include "verifier/util/sig.h"

#include "restore/target/cluster.h"
#include "restore/target/cluster_template.h"
#include "restore/target/scratch_proc.h"

#define CLUSTER_PORT  5432
#define CLUSTER_SUPER "postgres"

int
cluster_conn_env(const struct cluster *c, struct proc_env *env)
{
    char port[16];

    snprintf(port, sizeof(port), "%d", c->port);
    if (proc_env_set(env, "PGHOST", c->dir) != 0 ||
        proc_env_set(env, "PGPORT", port) != 0 ||
        proc_env_set(env, "PGUSER", CLUSTER_SUPER) != 0)
        return -1;
    return 0;
}

/* The last ${max} bytes of FILE, one line, for error messages. */
void
cluster_file_tail(const char *path, char *buf, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    off_t end;
    ssize_t n;

    buf[0] = '\0';
    if (fd < 0)
        return;
    end = lseek(fd, 0, SEEK_END);
    if (end > (off_t)(max - 1))
        lseek(fd, end - (off_t)(max - 1), SEEK_SET);
    else
        lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, max - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    for (char *p = buf; *p != '\0'; p++)
        if (*p == '\n')
            *p = ' ';
}

/* PATH of every child that works on the cluster: the server's bin/ first. */
static const char *
child_path(const struct cluster *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s:/usr/bin:/bin", c->tools->bindir);
    return buf;
}

static int
run_initdb(struct cluster *c, struct rd_err *err)
{
    char initdb[PATH_MAX + 16], data[PATH_MAX + 8], path[PATH_MAX + 32];
    const char *argv[] = {initdb,
                          "-D",
                          data,
                          "-U",
                          CLUSTER_SUPER,
                          "--auth=trust",
                          "--encoding=UTF8",
                          "--locale=C",
                          "--no-sync",
                          "--no-instructions",
                          NULL};

    pgtools_path(c->tools, "initdb", initdb, sizeof(initdb));
    snprintf(data, sizeof(data), "%s/data", c->dir);
    return scratch_run(c, argv, child_path(c, path, sizeof(path)), -1, "initdb",
                       err);
}

/* DIR/data: a copy of the cached initdb template, else initdb (and its
 * output saved as the template for the next run). */
static int
init_data(struct cluster *c, bool use_template, struct rd_err *err)
{
    char data[PATH_MAX + 8];

    snprintf(data, sizeof(data), "%s/data", c->dir);
    if (use_template && cluster_template_copy(c, data) == 1) {
        c->from_template = true;
        return 0;
    }
    if (run_initdb(c, err) != 0)
        return -1;
    cluster_template_save(c, data);
    return 0;
}

/* Whether the server answers on its socket. */
static bool
pg_answers(const struct cluster *c)
{
    char port[16];
    const char *kw[] = {"host", "port", "user", "dbname", "connect_timeout",
                        NULL};
    const char *vals[] = {c->dir, port, CLUSTER_SUPER, "postgres", "2", NULL};

    snprintf(port, sizeof(port), "%d", c->port);
    return PQpingParams(kw, vals, 0) == PQPING_OK;
}

/*
 * --keep as root for a sudo user (SUDO_UID/SUDO_GID): let that user reach
 * the socket (dir 0710 and socket 0770, group = the user's group), so the
 * printed psql line works for whoever asked for the cluster.
 */
static void
share_socket(struct cluster *c)
{
    const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
    char sock[PATH_MAX + 32], *end;
    long uid, gid;

    if (geteuid() != 0 || !c->ident->drop || su == NULL || sg == NULL)
        return;
    uid = strtol(su, &end, 10);
    if (end == su || *end != '\0' || uid <= 0)
        return;
    gid = strtol(sg, &end, 10);
    if (end == sg || *end != '\0' || gid < 0)
        return;
    snprintf(sock, sizeof(sock), "%s/.s.PGSQL.%d", c->dir, c->port);
    if (chown(c->dir, c->ident->uid, (gid_t)gid) != 0 ||
        chmod(c->dir, 0710) != 0 || chown(sock, (uid_t)-1, (gid_t)gid) != 0 ||
        chmod(sock, 0770) != 0) {
        log_warn("cannot open the kept cluster's socket to uid %ld: %s", uid,
                 strerror(errno));
        return;
    }
    c->shared_uid = (uid_t)uid;
}

/* mkdtemp $TMPDIR/restoredrill-XXXXXX (or /tmp when the socket path would
 * not fit), with our pid in owner.pid (for cluster_sweep()), owned by the
 * restore user. */
int
cluster_make_dir(struct cluster *c, struct rd_err *err)
{
    const char *base = fs_tmpdir_base();
    char pidfile[PATH_MAX + 16];
    int fd;

    /* The socket path must fit in sun_path (107 bytes). */
    if (strlen(base) + strlen("/restoredrill-XXXXXX/.s.PGSQL.5432") > 100) {
        log_debug("TMPDIR '%s' is too long for a unix socket path; using /tmp",
                  base);
        base = "/tmp";
    }
    snprintf(c->dir, sizeof(c->dir), "%s/restoredrill-XXXXXX", base);
    if (mkdtemp(c->dir) == NULL) {
        int e = errno;

        c->dir[0] = '\0';
        return rd_err_set(err, e == ENOSPC ? RD_DISK_FULL : RD_ACCESS_DENIED,
                          "cannot create a temp dir in '%s': %s", base,
                          strerror(e));
    }
    snprintf(pidfile, sizeof(pidfile), "%s/owner.pid", c->dir);
    fd = open(pidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dprintf(fd, "%ld\n", (long)getpid());
        close(fd);
    }
    if (c->ident->drop && chown(c->dir, c->ident->uid, c->ident->gid) != 0)
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot chown '%s' to '%s': %s", c->dir,
                          c->ident->name, strerror(errno));
    return 0;
}

/* Start postgres on ${c}'s data dir with throwaway settings, its output in
 * ${logfd}; it dies with us unless ${keep}. */
static int
spawn_server(struct cluster *c, int logfd, bool keep, struct rd_err *err)
{
    char postgres[PATH_MAX + 16], data[PATH_MAX + 8], sockopt[PATH_MAX + 40],
        portopt[32], path[PATH_MAX + 32];

    pgtools_path(c->tools, "postgres", postgres, sizeof(postgres));
    snprintf(data, sizeof(data), "%s/data", c->dir);
    snprintf(sockopt, sizeof(sockopt), "unix_socket_directories=%s", c->dir);
    snprintf(portopt, sizeof(portopt), "port=%d", c->port);
    /* Throwaway settings: measured ~1.8x faster restores than stock. */
    const char *argv[] = {postgres,
                          "-D",
                          data,
                          "-c",
                          "listen_addresses=",
                          "-c",
                          sockopt,
                          "-c",
                          portopt,
                          "-c",
                          "unix_socket_permissions=0700",
                          "-c",
                          "fsync=off",
                          "-c",
                          "full_page_writes=off",
                          "-c",
                          "synchronous_commit=off",
                          "-c",
                          "wal_level=minimal",
                          "-c",
                          "max_wal_senders=0",
                          "-c",
                          "archive_mode=off",
                          "-c",
                          "max_wal_size=8GB",
                          "-c",
                          "checkpoint_timeout=1h",
                          "-c",
                          "maintenance_work_mem=256MB",
                          "-c",
                          "autovacuum=off",
                          "-c",
                          "lc_messages=C",
                          "-c",
                          "log_timezone=UTC",
                          "-c",
                          "TimeZone=UTC",
                          NULL};
    /* In the sandbox the signal goes to bwrap, whose death kills the whole
       pid namespace: SIGKILL (SIGQUIT would make bwrap dump core). */
    return scratch_spawn(c, argv, child_path(c, path, sizeof(path)), logfd,
                         keep, c->sb != NULL && c->sb->on ? SIGKILL : SIGQUIT,
                         err);
}

/* DIR/server.pid: the host pid the sweep judges the server by (in the
 * sandbox postmaster.pid holds the namespace's pid). */
void
cluster_write_server_pid(struct cluster *c)
{
    char path[PATH_MAX + 16];
    int fd;

    if (c->sb != NULL && c->sb->on)
        c->inner = sandbox_inner_pid(c->pid);
    snprintf(path, sizeof(path), "%s/server.pid", c->dir);
    fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    dprintf(fd, "%ld\n", (long)(c->inner > 0 ? c->inner : c->pid));
    close(fd);
}

static int
start_once(struct cluster *c, bool keep, bool use_template, struct rd_err *err)
{
    char logpath[PATH_MAX + 16];
    int logfd = -1;

    if (cluster_make_dir(c, err) != 0) {
        if (c->dir[0] == '\0')
            return -1;
        goto fail;
    }
    if (init_data(c, use_template, err) != 0)
        goto fail;
    snprintf(logpath, sizeof(logpath), "%s/server.log", c->dir);
    logfd = open(logpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (logfd < 0 ||
        (c->ident->drop && fchown(logfd, c->ident->uid, c->ident->gid) != 0)) {
        rd_err_set(err, RD_ACCESS_DENIED, "cannot create '%s': %s", logpath,
                   strerror(errno));
        goto fail;
    }
    if (spawn_server(c, logfd, keep, err) != 0)
        goto fail;
    if (scratch_serve(c, &logfd, pg_answers, "PostgreSQL", err) != 0)
        goto fail;
    if (keep)
        share_socket(c);
    return 0;

fail:
    return scratch_abort(c, logfd);
}

int
cluster_start(struct cluster *c, const struct pg_tools *tools,
              const struct proc_ident *ident, const struct sandbox *sb,
              bool keep, struct rd_err *err)
{
    for (int try = 0;; try++) {
        memset(c, 0, sizeof(*c));
        c->tools = tools;
        c->ident = ident;
        c->sb = sb;
        c->port = CLUSTER_PORT;
        if (start_once(c, keep, try == 0, err) == 0)
            return 0;
        if (!c->from_template || err->code == RD_INTERRUPTED ||
            sig_pending() != 0)
            return -1;
        /* A damaged template must not fail every later run. */
        log_warn("a scratch cluster copied from the cached initdb template "
                 "did not start (%s): the template is removed, running initdb",
                 err->msg);
        cluster_template_drop(c);
        rd_err_clear(err);
    }
}

/* Whether child ${pid} exits within ${secs} (cut short by a second
 * signal); it is left unreaped (WNOWAIT), so its pid stays ours. */
static bool
exits_within(pid_t pid, int secs)
{
    for (int i = 0; i < secs * 50 && !sig_hurry(); i++) {
        siginfo_t si;

        memset(&si, 0, sizeof(si));
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
            return true; /* not our child any more: nothing to wait for */
        if (si.si_pid == pid)
            return true;
        usleep(20 * 1000);
    }
    return false;
}

int
cluster_stop(struct cluster *c)
{
    bool sandboxed = c->sb != NULL && c->sb->on;
    int rc = 0;

    if (c->keep)
        return 0;
    if (c->pid > 0) {
        /* SIGQUIT = immediate shutdown: nothing here is worth a checkpoint.
           In the sandbox it goes to the postmaster itself (bwrap does not
           pass signals on); when the postmaster is gone, so is the pid
           namespace and whatever a dump started in it.  After the grace,
           or when there is no postmaster yet, the namespace's init gets
           SIGKILL, which ends every process in it. */
        if (sandboxed) {
            if (c->inner <= 0 || kill(c->inner, SIGQUIT) != 0 ||
                !exits_within(c->pid, 10))
                (void)sandbox_kill(c->pid); /* bwrap is not reaped yet */
            proc_stop(c->pid, SIGKILL, 2);
        } else {
            proc_stop(c->pid, SIGQUIT, 10);
        }
        c->pid = 0;
        c->inner = 0;
    }
    if (c->dir[0] != '\0') {
        if (fs_rm_rf(c->dir) != 0) {
            log_warn("cannot remove '%s': %s", c->dir, strerror(errno));
            rc = -1;
        }
        c->dir[0] = '\0';
    }
    return rc;
}

/* The pid in the first line of FILE, or 0. */
static long
read_pid(const char *path)
{
    char buf[32] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

/* Whether the leftover ${dir} may go: its owner (our pid file) is gone and
 * no server runs there. */
static bool
leftover(const char *dir, long *owner)
{
    char f[PATH_MAX + 32];
    long pm;

    snprintf(f, sizeof(f), "%s/owner.pid", dir);
    *owner = read_pid(f);
    if (*owner <= 0 || kill((pid_t)*owner, 0) == 0 || errno != ESRCH)
        return false;
    snprintf(f, sizeof(f), "%s/server.pid", dir);
    pm = read_pid(f);
    if (pm <= 0) {
        /* An older run's, or a cluster that never came up. */
        snprintf(f, sizeof(f), "%s/data/postmaster.pid", dir);
        pm = read_pid(f);
    }
    return !(pm > 0 && kill((pid_t)pm, 0) == 0); /* a kept server runs */
}

/* Sweep one temp dir; returns how many leftovers were removed. */
static int
sweep_in(const char *base)
{
    struct dirent *de;
    int removed = 0;
    DIR *d = opendir(base);

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        char dir[PATH_MAX];
        struct stat st;
        long owner;

        if (strncmp(de->d_name, "restoredrill-", 13) != 0 ||
            strlen(de->d_name) != 19)
            continue;
        snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
        if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            (geteuid() != 0 && st.st_uid != geteuid()) ||
            !leftover(dir, &owner))
            continue;
        if (fs_rm_rf(dir) == 0) {
            log_info(
                "removed '%s', left behind by an earlier run (pid %ld) that was killed",
                dir, owner);
            removed++;
        }
    }
    closedir(d);
    return removed;
}

int
cluster_sweep(void)
{
    const char *base = fs_tmpdir_base();
    int removed = sweep_in(base);

    if (strcmp(base, "/tmp") != 0)
        removed += sweep_in("/tmp");
    return removed;
}
