/* probe_drv: one engine's probe sessions (probe_pg.c for PostgreSQL,
 * probe_mysql.c for MariaDB/MySQL), behind a function table; probe_exec.c
 * judges what they return, the same way for every engine.  Private to
 * probes/. */
#ifndef RD_PROBE_DRV_H
#define RD_PROBE_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "probes/probe.h"
#include "probes/probe_result.h"
#include "verifier/util/rd_err.h"

/* What the first column holds, as far as the kinds care. */
enum probe_coltype {
    PCT_OTHER,
    PCT_BOOL, /* boolean; values "t" / "f" */
    PCT_TIME  /* timestamp, timestamptz, date, datetime */
};

/* One result set, engine neutral (the driver owns what it points to). */
struct probe_res {
    int nrows, nfields;
    enum probe_coltype type; /* of column 0 */
    char type_name[48];      /* of column 0, for messages */
    /* the text of a cell, NULL for SQL NULL */
    const char *(*value)(const struct probe_res *r, int row, int field);
    const char *(*fname)(const struct probe_res *r, int field);
    void *impl;
};

struct probe_driver {
    const char *engine;
    /* connect and prepare the session (read only, UTC, ...); NULL with
       RD_DB_UNREACHABLE */
    void *(*open)(const char *conninfo, const char *dbname, struct rd_err *err);
    void (*close)(void *s);
    /* run ${p}'s statement alone in a READ ONLY transaction bounded by
       ${timeout} s: 0 with ${res} filled (a result set), or -1 with ${out}
       saying why (out->conn_lost: the session is stuck) */
    int (*run)(void *s, const struct probe *p, int64_t timeout,
               struct probe_res *res, struct probe_outcome *out);
    /* seconds since the epoch of a PCT_TIME text; -1 when unreadable */
    int (*epoch)(void *s, const char *ts, double *out);
    /* free ${res} and roll the transaction back (always called after run) */
    void (*end)(void *s, struct probe_res *res);
};

extern const struct probe_driver probe_pg_driver;
extern const struct probe_driver probe_mysql_driver;

/* probe_fail(p, out, code, fmt, ...): the probe could not be judged:
 * ${code}'s status, the message prefixed with the probe's file:line. */
void probe_fail(const struct probe *p, struct probe_outcome *out,
                enum rd_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* probe_is_mysql_uri(s): "mysql://" or "mariadb://". */
bool probe_is_mysql_uri(const char *s);

#endif
