/* mariadb: the throwaway MariaDB server a mysqldump archive is restored
 * into (target = ephemeral, engine mariadb).  It shares the PostgreSQL
 * cluster's layout -- DIR = $TMPDIR/restoredrill-XXXXXX with owner.pid and
 * server.pid -- so cluster_stop() stops it and cluster_sweep() removes what
 * a killed run left. */
#ifndef RD_MARIADB_H
#define RD_MARIADB_H

#include <stdbool.h>
#include <stddef.h>

#include "restore/target/cluster.h"

/* The programs (Debian's mariadb-server and mariadb-client). */
#define MARIADB_SERVER  "/usr/sbin/mariadbd"
#define MARIADB_INSTALL "/usr/bin/mariadb-install-db"
#define MARIADB_CLIENT  "/usr/bin/mariadb"

/*
 * mariadb_start(c, ident, sb, keep, err):
 * cluster_make_dir(), then in the sandbox ${sb} (writable: DIR only) and as
 * ${ident}: mariadb-install-db --no-defaults into DIR/data and mariadbd
 * --no-defaults with no TCP listener (--skip-networking), its socket
 * DIR/mysqld.sock, --secure-file-priv DIR/files (INTO OUTFILE and LOAD
 * DATA INFILE reach nothing else), no LOAD DATA LOCAL, no binlog, small
 * buffers and throwaway durability; wait until it answers as root.  Writes
 * DIR/client.cnf (0600, for the mariadb client: --defaults-file).  The
 * server dies with us unless ${keep}.  On failure everything is removed
 * and -1 is returned with the error log's tail.
 */
int mariadb_start(struct cluster *c, const struct proc_ident *ident,
                  const struct sandbox *sb, bool keep, struct rd_err *err);

/* mariadb_socket(c, buf, len), mariadb_defaults(c, buf, len): the paths of
 * DIR/mysqld.sock and DIR/client.cnf; return ${buf}. */
char *mariadb_socket(const struct cluster *c, char *buf, size_t len);
char *mariadb_defaults(const struct cluster *c, char *buf, size_t len);

/* mariadb_installed(err): 0 when the server, install-db and the client are
 * there, else -1 with RD_TOOL_MISSING naming the packages. */
int mariadb_installed(struct rd_err *err);

#endif
