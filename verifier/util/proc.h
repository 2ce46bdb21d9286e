/* proc: run external programs by argv (never a shell), with bounded capture. */
#ifndef RD_PROC_H
#define RD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "verifier/util/rd_err.h"

/* Called once per line the child writes to stderr (newline removed). */
typedef void (*proc_line_fn)(void *ctx, const char *line);

/*
 * Produces the child's stdin: up to ${cap} bytes into ${buf}; 0 at the end
 * (stdin is then closed), -1 with ${err} set on failure (the child's process
 * group is then killed, so that a half-fed consumer cannot act on partial
 * input, e.g. psql committing a truncated script).
 */
typedef ssize_t (*proc_feed_fn)(void *ctx, void *buf, size_t cap,
                                struct rd_err *err);

struct proc_spec {
    /* (borrowed) argv[0]: absolute path or name on PATH */
    const char *const *argv;
    /* (borrowed) the whole environment, NULL-terminated */
    const char *const *env;
    const char *cwd; /* (borrowed) working directory; NULL means "/" */
    int stdin_fd;    /* -1: /dev/null */
    int stdout_fd;   /* -1: /dev/null (unless out_cap > 0) */
    int stderr_fd;   /* -1: captured through on_line */
    bool drop_privs; /* run as uid/gid (when we are root) */
    uid_t uid;
    gid_t gid;
    int death_signal; /* signal the child gets if we die; 0 = SIGKILL, -1 none
                       */
    int timeout_s;    /* 0: no limit */
    bool outlive_signal;  /* a caught signal does not stop it (the alert hook
                             of an interrupted run); the timeout still does */
    bool reap_group;      /* once it exits, SIGKILL what is left in its
                             process group (nothing outlives a hook) */
    proc_line_fn on_line; /* stderr lines; NULL: discarded */
    void *line_ctx;
    size_t out_cap;    /* > 0: capture stdout, at most out_cap bytes */
    proc_feed_fn feed; /* non-NULL: stdin is a pipe fed by feed() */
    void *feed_ctx;
};

struct proc_result {
    int status;       /* raw wait status */
    bool feed_failed; /* feed() returned -1 (its error is in err) */
    bool feed_broken; /* the child closed stdin before the feed ended */
    bool timed_out;   /* killed after timeout_s */
    char *out;        /* (owned) captured stdout, NUL-terminated, or NULL */
    size_t out_len;
    bool out_overflow; /* stdout exceeded out_cap (the rest was discarded) */
};

/*
 * proc_run(spec, res, err):
 * Start ${spec}->argv[0] in its own process group and wait for it, passing
 * stderr lines to ${spec}->on_line.  When a signal is caught (sig_pending())
 * or the timeout expires, the whole process group gets SIGTERM, then SIGKILL
 * after 5 seconds (at once after a second signal: sig_hurry()).  Returns 0 when
 * the child ran to an exit (${res} holds the wait status; the caller judges
 * it), or -1 with RD_TOOL_MISSING (cannot execute), RD_INTERRUPTED (signal; the
 * child was stopped) or RD_INTERNAL. Free ${res} with proc_result_release() in
 * every case.
 */
int proc_run(const struct proc_spec *spec, struct proc_result *res,
             struct rd_err *err);

/* proc_result_release(res): free captured output; NULL-safe. */
void proc_result_release(struct proc_result *res);

/*
 * proc_spawn(spec, pid, err):
 * Start a long-running child (e.g. a server) the same way, without waiting;
 * its stdout/stderr must be given as fds.  Returns 0 with ${pid} set, or -1.
 */
int proc_spawn(const struct proc_spec *spec, pid_t *pid, struct rd_err *err);

/*
 * proc_stop(pid, sig, grace_s):
 * Send ${sig} to ${pid}'s process group, wait up to ${grace_s} seconds for
 * ${pid} to exit, then SIGKILL the group and reap it; after a second
 * signal (sig_hurry()) the grace ends at once.  Returns the wait status, or
 * -1 if ${pid} was already gone.
 */
int proc_stop(pid_t pid, int sig, int grace_s);

/*
 * proc_exited(pid, status): non-blocking check; true when ${pid} has exited
 * (and was reaped), with its wait status in ${status}.
 */
bool proc_exited(pid_t pid, int *status);

/* proc_describe(status, buf, len): "exit code 1", "killed by SIGKILL"; returns
 * ${buf}. */
char *proc_describe(int status, char *buf, size_t len);

/* A child environment built from scratch (nothing inherited by accident). */
#define PROC_ENV_MAX 48
struct proc_env {
    char *v[PROC_ENV_MAX + 1]; /* (owned) "NAME=value", NULL-terminated */
    int n;
};

/* proc_env_init(e): an empty environment. */
void proc_env_init(struct proc_env *e);

/* proc_env_set(e, name, value): add or replace NAME; -1 when full or out of
 * memory. */
int proc_env_set(struct proc_env *e, const char *name, const char *value);

/* proc_env_release(e): free the strings; NULL-safe. */
void proc_env_release(struct proc_env *e);

/* The OS identity children run as. */
struct proc_ident {
    bool drop; /* we are root: children switch to uid/gid */
    uid_t uid;
    gid_t gid;
    char name[64];
    char home[256];
};

/*
 * proc_ident_resolve(run_as, id, err):
 * When we are root, look up user ${run_as} (which must not be root itself);
 * otherwise children simply run as we do.  Errors: RD_CONFIG_INVALID.
 */
int proc_ident_resolve(const char *run_as, struct proc_ident *id,
                       struct rd_err *err);

#endif
