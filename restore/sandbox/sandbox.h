/* sandbox: bubblewrap around every program that reads a dump or runs what
 * it says (the scratch server, initdb, pg_restore, psql).  A dump is code:
 * whoever can write one archive must not get this host.  The programs see
 * only /usr (and the /lib, /bin symlinks), a minimal /etc, the job's inputs
 * read-only and the cluster's dir; they get their own pid, network
 * (loopback only), IPC, UTS and mount namespaces, a private /tmp, no
 * controlling terminal, and die with us.  When we are root, bwrap runs as
 * root and setpriv drops to run_as inside (no capabilities, no groups, no
 * new privileges); otherwise bwrap makes an unprivileged user namespace. */
#ifndef RD_SANDBOX_H
#define RD_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "verifier/util/proc.h"
#include "verifier/util/rd_err.h"

/* The sandbox key. */
enum sandbox_mode {
    SANDBOX_AUTO,     /* bwrap when it works, else none (said in the report) */
    SANDBOX_REQUIRED, /* bwrap, else the run is unknown */
    SANDBOX_OFF       /* none: unsafe with archives others can write */
};

struct sandbox {
    bool on;              /* programs run under bwrap */
    char reason[320];     /* why not, when !on ("" when on) */
    char bwrap[PATH_MAX]; /* the bwrap we run */
    char tools[PATH_MAX]; /* PostgreSQL's dir when not under /usr (bound
                             read-only in every sandbox), or "" */
    const struct proc_ident *ident; /* (borrowed) who the programs run as */
};

/*
 * sandbox_setup(sb, mode, ident, bindir, err):
 * ${bindir}: where the PostgreSQL programs are (its parent is bound
 * read-only when it is not under /usr: RESTOREDRILL_PG_ROOT).
 * Find bwrap on PATH and try it once (a wrapped /usr/bin/true, a few
 * milliseconds).  SANDBOX_OFF: ${sb} is off with the reason "sandbox = off".
 * When bwrap is missing or fails: SANDBOX_AUTO leaves ${sb} off with the
 * reason (returns 0); SANDBOX_REQUIRED returns -1 with
 * RD_SANDBOX_UNAVAILABLE.
 */
int sandbox_setup(struct sandbox *sb, enum sandbox_mode mode,
                  const struct proc_ident *ident, const char *bindir,
                  struct rd_err *err);

/* sandbox_mode_parse(s, mode): "auto", "required", "off"; -1 otherwise. */
int sandbox_mode_parse(const char *s, enum sandbox_mode *mode);

/* What one wrapped program may see and do. */
#define SANDBOX_RO_MAX 4
struct sandbox_req {
    const char *rw_dir; /* bound read-write at the same path, or NULL */
    const char *ro[SANDBOX_RO_MAX]; /* bound read-only at the same path
                                       (NULL-terminated) */
    const char *chdir;              /* cwd inside; NULL: "/" */
    bool keep;                      /* --keep: it outlives us */
    bool host; /* a server target's tools: the host's file system and
                  network, only a pid namespace (their workers die with
                  them); the binds above are then not needed */
};

#define SANDBOX_ARGV_MAX 160
struct sandbox_cmd {
    const char *argv[SANDBOX_ARGV_MAX]; /* strings borrowed or in buf */
    char buf[8192];
    size_t used;
};

/*
 * sandbox_apply(sb, req, spec, cmd):
 * When ${sb} is on, replace ${spec}->argv with bwrap's command line (built
 * in ${cmd}, which must live as long as ${spec}) and let setpriv, not
 * proc.c, drop privileges; ${spec}->cwd becomes "/" (bwrap's own cwd:
 * --chdir sets the program's).  When off, nothing changes.  Returns 0, or
 * -1 with ${err} (RD_INTERNAL) when the command line does not fit.
 */
int sandbox_apply(const struct sandbox *sb, const struct sandbox_req *req,
                  struct proc_spec *spec, struct sandbox_cmd *cmd,
                  struct rd_err *err);

/*
 * sandbox_inner_pid(outer): the host pid of the program bwrap ${outer}
 * runs (bwrap's child is the namespace's init; the program is its child),
 * or 0 when it cannot be found.  Signal that pid, never the one the
 * program itself sees (postmaster.pid holds the namespace's pid: 2).
 */
pid_t sandbox_inner_pid(pid_t outer);

/*
 * sandbox_kill(outer): SIGKILL the init of bwrap ${outer}'s pid namespace
 * (bwrap's child): the kernel then kills every process in the namespace,
 * also without --die-with-parent (--keep).  0 when it was signalled, -1
 * when there is none (yet, or any more).
 */
int sandbox_kill(pid_t outer);

/* sandbox_name(sb): "bwrap" or "none", for restore.sandbox. */
const char *sandbox_name(const struct sandbox *sb);

#endif
