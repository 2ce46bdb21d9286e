/* cluster: PostgreSQL binaries, and the throwaway cluster of target =
 * ephemeral. */
#ifndef RD_CLUSTER_H
#define RD_CLUSTER_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "restore/sandbox/sandbox.h"
#include "verifier/util/proc.h"
#include "verifier/util/rd_err.h"

/* An installed PostgreSQL: /usr/lib/postgresql/N/bin. */
struct pg_tools {
    char bindir[PATH_MAX];
    int major;
    char restore_version[64]; /* "pg_restore (PostgreSQL) 15.20" -> "15.20" */
};

/*
 * pgtools_find(t, server, want, err):
 * An installed major under $RESTOREDRILL_PG_ROOT (default
 * /usr/lib/postgresql) whose bin/ has pg_restore, and initdb and postgres
 * too when ${server} (target = ephemeral): major ${want} when installed,
 * else the newest newer one, else the newest (${want} 0: the newest).
 * RD_TOOL_MISSING (naming the Debian package to install) when none has.
 */
int pgtools_find(struct pg_tools *t, bool server, int want, struct rd_err *err);

/* pgtools_path(t, prog, buf, len): "BINDIR/prog" in ${buf}; returns ${buf}. */
char *pgtools_path(const struct pg_tools *t, const char *prog, char *buf,
                   size_t len);

struct cluster {
    char dir[PATH_MAX]; /* private temp dir: data/, socket, server.log */
    int port;
    pid_t pid;          /* postmaster, or bwrap around it; 0 when not running */
    pid_t inner;        /* in the sandbox: the postmaster's host pid, or 0 */
    bool keep;          /* leave it running on cluster_stop() */
    uid_t shared_uid;   /* kept for this sudo user (its socket opened), or 0 */
    bool from_template; /* data/ is a copy of the cached initdb template */
    const struct pg_tools *tools;   /* (borrowed) */
    const struct proc_ident *ident; /* (borrowed) */
    const struct sandbox *sb;       /* (borrowed) */
};

/*
 * cluster_start(c, tools, ident, sb, keep, err):
 * mkdtemp $TMPDIR/restoredrill-XXXXXX (0700, owned by ${ident}), initdb
 * with trust auth for the unix socket only, start postgres as our child
 * with no TCP listener and throwaway-restore settings (fsync off,
 * wal_level minimal, autovacuum off, ...), and wait until it accepts
 * connections.  The server dies with us (PR_SET_PDEATHSIG) unless ${keep}
 * (--keep leaves it running for the user; when we are root for a sudo user,
 * SUDO_UID/SUDO_GID, its socket is opened to that user's group).  A second
 * signal (sig_hurry()) cuts every wait short.  On failure everything made so
 * far is removed and -1 is returned with the server log's tail in the message.
 * initdb and the server run in the sandbox ${sb} when it is on (writable:
 * the cluster's dir only); the host pid to judge the server by is written
 * to DIR/server.pid next to DIR/owner.pid (ours).
 */
int cluster_start(struct cluster *c, const struct pg_tools *tools,
                  const struct proc_ident *ident, const struct sandbox *sb,
                  bool keep, struct rd_err *err);

/*
 * cluster_conn_env(c, env): PGHOST/PGPORT/PGUSER for clients of ${c}.
 */
int cluster_conn_env(const struct cluster *c, struct proc_env *env);

/*
 * cluster_stop(c): stop the server (immediate shutdown, SIGKILL after 10 s,
 * at once after a second signal)
 * and remove its directory.  Idempotent; does nothing to a never-started
 * ${c}.  Returns 0, or -1 when something could not be removed.
 */
int cluster_stop(struct cluster *c);

/*
 * cluster_sweep(): remove leftovers of earlier runs that were killed with
 * SIGKILL: restoredrill-* dirs in $TMPDIR and in /tmp (the fallback of a
 * long TMPDIR) whose owner pid is gone and whose server (server.pid; an
 * older run's postmaster.pid) is not running (a --keep cluster stays).
 * Returns how many were removed.
 */
int cluster_sweep(void);

/* For the other engines' throwaway servers (mariadb.c), which share the
 * cluster's layout (and so cluster_sweep() and cluster_stop()):
 * cluster_make_dir(c, err): mkdtemp $TMPDIR/restoredrill-XXXXXX (or /tmp
 * when a socket path would not fit) with owner.pid, owned by c->ident;
 * cluster_write_server_pid(c): DIR/server.pid (and c->inner in the
 * sandbox) once the server runs; cluster_file_tail(path, buf, max): the
 * last bytes of a log as one line, for messages.  scratch_proc.h has
 * the process plumbing both engines share. */
int cluster_make_dir(struct cluster *c, struct rd_err *err);
void cluster_write_server_pid(struct cluster *c);
void cluster_file_tail(const char *path, char *buf, size_t max);

#endif
