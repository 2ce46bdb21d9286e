/* config_int: what config_resolve.c and config_values.c share (private to
 * verifier/config*.c): one resolution in progress and the checks of single
 * values. */
#ifndef RD_CONFIG_INT_H
#define RD_CONFIG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "verifier/config.h"

#define KEY(k) (config_key_info(k))

/*
 * One resolution: the layered values and their origins, and the errors so
 * far.  Every check records its error and the next check runs; only running
 * out of memory stops.
 */
struct resolve {
    const char *val[CK_COUNT], *org[CK_COUNT];
    struct config_errs *errs;
    bool failed, stop;
};

/* keep(rs, e): keep the error of a failed check; false when resolving must
 * stop.  no_memory(rs): keep an out-of-memory error; always false. */
bool keep(struct resolve *rs, struct rd_err *e);
bool no_memory(struct resolve *rs);

/* number_value(k, val, org, def, out, err): key ${k} (a duration, size or
 * count) into ${out}, or ${def} when unset. */
int number_value(enum config_key k, const char *const *val,
                 const char *const *org, int64_t def, int64_t *out,
                 struct rd_err *err);

/* one_of(k, val, org, allowed, idx, err): ${val}[k] must be one of the
 * NULL-terminated ${allowed}; its index in ${idx}. */
int one_of(enum config_key k, const char *const *val, const char *const *org,
           const char *const *allowed, int *idx, struct rd_err *err);

/* url_value(k, val, org, out, err): an http(s) URL of key ${k}, copied into
 * ${out} (left alone when unset). */
int url_value(enum config_key k, const char *const *val, const char *const *org,
              char **out, struct rd_err *err);

/* alert_values(rs, out): alert_on, alert_exec, alert_webhook,
 * webhook_format, alert_timeout, alert_repeat and ping_url.
 * fetch_values(rs, out): checksum, ca_file and the bounds of stall_timeout
 * and fetch_retries (after number_values()). */
void alert_values(struct resolve *rs, struct job_config *out);
void fetch_values(struct resolve *rs, struct job_config *out);
/* target_values(rs, out): allow_superuser, sweep_after, rto, globals. */
void target_values(struct resolve *rs, struct job_config *out);

/* tool_values(rs, out): path, restic_tag, restic_host, tarsnap_keyfile,
 * tarsnap_cachedir, list_command, fetch_command: each only with its tool's
 * source, and what that tool needs (config_tools.c). */
void tool_values(struct resolve *rs, struct job_config *out);

#endif
