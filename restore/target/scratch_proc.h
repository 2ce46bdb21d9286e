/* scratch_proc: the process plumbing of the throwaway servers of target =
 * ephemeral (cluster.c's PostgreSQL, mariadb.c's MariaDB), which share the
 * cluster's layout (struct cluster: DIR, c->ident, c->sb, c->pid): their
 * children's environment, a setup program run to its end, the server
 * spawned with its log, and the wait until it answers. */
#ifndef RD_SCRATCH_PROC_H
#define RD_SCRATCH_PROC_H

#include <stdbool.h>

#include "restore/target/cluster.h"

/* scratch_env(c, path, env): PATH=${path} LC_ALL=C TZ=UTC HOME=DIR, the
 * base environment of every child working on ${c}; -1 when out of memory. */
int scratch_env(const struct cluster *c, const char *path,
                struct proc_env *env);

/*
 * scratch_run(c, argv, path, out_fd, name, err):
 * Run ${argv} (initdb, mariadb-install-db) to its end, at most 300 s, in
 * the sandbox c->sb (writable and cwd: DIR), as c->ident, with
 * scratch_env(${path}), stdout to ${out_fd} (-1: /dev/null), stderr read
 * for its last line.  0 when it exits 0; else -1 with "${name} failed
 * (STATUS): LAST LINE", RD_DISK_FULL when that line says "No space left",
 * else RD_TOOL_MISSING (or proc_run()'s and sandbox_apply()'s errors).
 */
int scratch_run(struct cluster *c, const char *const *argv, const char *path,
                int out_fd, const char *name, struct rd_err *err);

/*
 * scratch_spawn(c, argv, path, logfd, keep, death_signal, err):
 * Start the server ${argv} as scratch_run() runs its programs, but in the
 * background (c->pid), stdout and stderr to ${logfd}; unless ${keep} it
 * gets ${death_signal} when we die (with ${keep} the sandbox lets it
 * outlive us).  0, or -1 with ${err}.
 */
int scratch_spawn(struct cluster *c, const char *const *argv, const char *path,
                  int logfd, bool keep, int death_signal, struct rd_err *err);

/*
 * scratch_serve(c, logfd, answers, engine, err):
 * Once the server is spawned: close *${logfd} (set to -1; the server has
 * its copy), poll ${answers}(c) every 50 ms until it is true, watching
 * c->pid, then write DIR/server.pid (cluster_write_server_pid()): 0.  A
 * caught signal is RD_INTERRUPTED; the server exiting (c->pid then 0) is
 * RD_DISK_FULL when DIR/server.log's tail says "No space left", else
 * RD_TOOL_MISSING; no answer within 60 s is RD_TOOL_MISSING.  The messages
 * name "the scratch ${engine} server" and quote the log's tail.
 */
int scratch_serve(struct cluster *c, int *logfd,
                  bool (*answers)(const struct cluster *c), const char *engine,
                  struct rd_err *err);

/* scratch_abort(c, logfd): a failed start: close ${logfd} (unless -1),
 * cluster_stop(c) (which removes DIR); returns -1. */
int scratch_abort(struct cluster *c, int logfd);

#endif
