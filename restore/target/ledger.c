/* ledger: the scratch databases a server target creates, recorded in
 * STATE_DIR/ledger/<database> before CREATE DATABASE and removed after the
 * drop, so a run killed in between is found and cleaned up by the next. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "verifier/util/fsutil.h"
#include "verifier/util/redact.h"

#include "restore/target/target_int.h"

void
ledger_dir(const struct target *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s/ledger", t->policy.state_dir);
}

void
ledger_host(char *buf, size_t len)
{
    if (gethostname(buf, len - 1) != 0)
        snprintf(buf, len, "?");
    buf[len - 1] = '\0';
}

int
ledger_add(struct target *t, const char *db, struct rd_err *err)
{
    char dir[PATH_MAX], host[128], body[2048];
    char *server;
    int n;

    if (t->policy.state_dir == NULL)
        return 0;
    ledger_dir(t, dir, sizeof(dir));
    if (fs_mkdir_p(dir, 0700, err) != 0)
        return -1;
    ledger_host(host, sizeof(host));
    server = redact_conninfo(t->spec);
    if (server == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    n = snprintf(
        body, sizeof(body),
        "server=%s\ndatabase=%s\nrun_id=%lld-%ld\npid=%ld\nhost=%s\n"
        "job=%s\ncreated=%lld\n",
        server, db, (long long)time(NULL), (long)getpid(), (long)getpid(), host,
        t->policy.job != NULL ? t->policy.job : "", (long long)time(NULL));
    free(server);
    snprintf(t->ledger, sizeof(t->ledger), "%s/%s", dir, db);
    if (n < 0 || (size_t)n >= sizeof(body) ||
        fs_write_atomic_mode(t->ledger, body, (size_t)n, 0600, err) != 0) {
        t->ledger[0] = '\0';
        return rd_err_set(err, RD_ACCESS_DENIED,
                          "cannot record the scratch database in the ledger "
                          "'%s' (state_dir): %s",
                          dir, err->msg);
    }
    return 0;
}

void
ledger_remove(struct target *t)
{
    if (t->ledger[0] != '\0')
        (void)unlink(t->ledger);
    t->ledger[0] = '\0';
}

/* One "key=value" line's value into ${out}. */
static void
take(const char *line, const char *key, char *out, size_t len)
{
    size_t k = strlen(key);

    if (strncmp(line, key, k) == 0 && line[k] == '=')
        snprintf(out, len, "%s", line + k + 1);
}

int
ledger_read(const char *path, struct ledger_entry *e)
{
    FILE *f = fopen(path, "re");
    char line[1200], num[32];

    memset(e, 0, sizeof(*e));
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        take(line, "server", e->server, sizeof(e->server));
        take(line, "database", e->database, sizeof(e->database));
        take(line, "run_id", e->run_id, sizeof(e->run_id));
        take(line, "host", e->host, sizeof(e->host));
        take(line, "job", e->job, sizeof(e->job));
        num[0] = '\0';
        take(line, "pid", num, sizeof(num));
        if (num[0] != '\0')
            e->pid = strtol(num, NULL, 10);
        num[0] = '\0';
        take(line, "created", num, sizeof(num));
        if (num[0] != '\0')
            e->created = strtoll(num, NULL, 10);
    }
    fclose(f);
    return e->database[0] != '\0' && e->pid > 0 ? 0 : -1;
}

bool
ledger_has(const struct target *t, const char *db)
{
    char dir[PATH_MAX], path[PATH_MAX + 80];

    if (t->policy.state_dir == NULL || strchr(db, '/') != NULL)
        return false;
    ledger_dir(t, dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, db);
    return access(path, F_OK) == 0;
}

bool
ledger_pid_alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Whether some run holds JOB's lock (STATE_DIR/locks/JOB.lock). */
static bool
job_locked(const struct target *t, const char *job)
{
    char path[PATH_MAX];
    int fd, busy;

    if (job[0] == '\0' || strchr(job, '/') != NULL)
        return false;
    /* Our own job's lock is ours: it says nothing about the dead run. */
    if (t->policy.job != NULL && strcmp(job, t->policy.job) == 0)
        return false;
    snprintf(path, sizeof(path), "%s/locks/%s.lock", t->policy.state_dir, job);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

bool
ledger_run_gone(const struct target *t, const struct ledger_entry *e)
{
    char host[128];

    ledger_host(host, sizeof(host));
    return strcmp(host, e->host) == 0 && !ledger_pid_alive(e->pid) &&
           !job_locked(t, e->job);
}
