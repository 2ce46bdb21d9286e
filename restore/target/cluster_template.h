/* cluster_template: the initdb result of a first run, kept and copied into
 * every later scratch cluster (initdb is most of a cluster's start-up). */
#ifndef RD_CLUSTER_TEMPLATE_H
#define RD_CLUSTER_TEMPLATE_H

#include "restore/target/cluster.h"

/*
 * The cache: RESTOREDRILL_CACHE_DIR when set to an absolute path ("off":
 * none), else /var/cache/restoredrill as root, else
 * $XDG_CACHE_HOME/restoredrill or ~/.cache/restoredrill; made 0700, and
 * used only when it is a dir of ours that nobody else can write.  One
 * template per server binary (path, size, mtime, inode) and run_as uid:
 * CACHE/pgNN-HASH/{data/,READY}, owned by us (root as root: the account the
 * server runs as cannot change what later clusters start from).
 */

/* cluster_template_copy(c, data): copy the template for ${c}'s tools into
 * the new dir ${data}, owned by ${c}'s run_as account.  1 when done, 0 when
 * there is no usable template (then ${data} does not exist: run initdb). */
int cluster_template_copy(const struct cluster *c, const char *data);

/* cluster_template_save(c, data): keep ${data}, initdb's pristine output
 * (before any server ran on it), as the template; best effort, atomic
 * (a temp dir renamed into place; a concurrent run's copy wins). */
void cluster_template_save(const struct cluster *c, const char *data);

/* cluster_template_drop(c): remove ${c}'s template (a cluster copied from it
 * did not start). */
void cluster_template_drop(const struct cluster *c);

#endif
