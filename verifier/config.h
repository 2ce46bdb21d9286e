/* config: the key table, INI files and flags layered into per-job settings. */
#ifndef RD_CONFIG_H
#define RD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "restore/sandbox/sandbox.h"
#include "verifier/util/rd_err.h"

/* Every key of PRODUCT.md; each is also a flag --key-with-dashes. */
enum config_key {
    CK_TARGET,
    CK_STATE_DIR,
    CK_RUN_AS,
    CK_SOURCE,
    CK_PATTERN,
    CK_MAX_ARCHIVE_AGE,
    CK_MIN_SIZE,
    CK_MIN_AGE,
    CK_REPORT,
    CK_DECODE_MEMORY_LIMIT,
    CK_PROBES,
    CK_PROBE_TIMEOUT,
    CK_MAX_SHRINK,
    CK_DRIFT_EXACT_ROWS,
    CK_RESTORE_TIMEOUT,
    CK_MAX_UNPACKED_SIZE,
    CK_SANDBOX,
    CK_DELTAS,
    /* server targets, restore --into (issue 14) */
    CK_ALLOW_SUPERUSER,
    CK_SWEEP_AFTER,
    /* keys of later features: known, refused while unimplemented */
    CK_PATH,
    CK_CHECKSUM,
    CK_STALL_TIMEOUT,
    CK_FETCH_RETRIES,
    CK_CA_FILE,
    CK_DECRYPT_COMMAND,
    CK_GLOBALS,
    CK_RTO,
    CK_DEEP_CHECK,
    CK_JUNIT,
    CK_METRICS,
    CK_ALERT_ON,
    CK_ALERT_EXEC,
    CK_ALERT_WEBHOOK,
    CK_WEBHOOK_FORMAT,
    CK_ALERT_TIMEOUT,
    CK_ALERT_REPEAT,
    CK_PING_URL,
    CK_S3_ENDPOINT,
    CK_S3_REGION,
    CK_S3_URI_STYLE,
    CK_TARSNAP_KEYFILE,
    CK_TARSNAP_CACHEDIR,
    CK_RESTIC_TAG,
    CK_RESTIC_HOST,
    CK_LIST_COMMAND,
    CK_FETCH_COMMAND,
    /* MySQL binlogs (issue 15): known, refused while unimplemented */
    CK_BINLOGS,
    CK_BINLOG_PATTERN,
    CK_MAX_BINLOG_AGE,
    CK_BINLOG_REPLAY,
    CK_COUNT
};

enum config_type {
    CT_STRING,
    CT_DURATION,
    CT_SIZE,
    CT_PATH,
    CT_PERCENT,
    CT_COUNT
};

struct config_key_info {
    const char *name; /* "max_archive_age" */
    enum config_type type;
    bool implemented; /* false: accepted by the grammar, refused as not yet
                         supported */
    const char *help; /* one line for --help and docs */
};

/* config_key_info(k): the table entry for ${k}. */
const struct config_key_info *config_key_info(enum config_key k);

/* config_key_lookup(name): the key named ${name} ("max_archive_age" or
 * "max-archive-age"), or -1. */
int config_key_lookup(const char *name);

/* One job's effective settings after layering. */
struct job_config {
    char *name;      /* (owned) "default" for a job built from flags alone */
    char *target;    /* (owned) "ephemeral" or a conninfo / URI */
    char *state_dir; /* (owned) */
    char *run_as;    /* (owned) */
    char *source;    /* (owned) NULL when unset */
    char *pattern;   /* (owned) NULL when unset */
    char *report;    /* (owned) with {job} expanded; NULL when unset */
    int64_t max_archive_age_s;   /* 0: off */
    int64_t min_size;            /* bytes */
    int64_t min_age_s;           /* 0: off */
    int64_t decode_memory_limit; /* zstd window / xz dictionary cap, bytes */
    char *probes;                /* (owned) probe folder, NULL when unset */
    char *junit;                 /* (owned) JUnit XML path, {job} expanded */
    char *metrics;               /* (owned) Prometheus textfile path */
    int64_t probe_timeout_s;     /* default 60 */
    int64_t restore_timeout_s;   /* default 6h; 0: off */
    int64_t max_unpacked_size;   /* bytes; 0: unset (free temp space - 10%) */
    enum sandbox_mode sandbox;   /* default SANDBOX_AUTO */
    int64_t deltas_s[16];        /* list --deltas: ascending, seconds */
    size_t ndeltas;              /* 0: no retention audit */
    char *deltas_words;          /* (owned) as given, NULL when unset */
    double max_shrink;           /* drift: fraction, default 0.5 */
    int64_t drift_exact_rows;    /* drift: exact count(*) below this */
    enum rd_status alert_on;     /* alert at this status or worse */
    char *alert_exec;            /* (owned) command string, or NULL */
    char *alert_webhook;         /* (owned) http(s) URL, or NULL */
    bool webhook_slack;          /* body {"text": ...} instead of json */
    int64_t alert_timeout_s;     /* default 30 */
    bool alert_repeat_always;    /* re-send the same failure every run */
    char *ping_url;              /* (owned) dead-man's switch, or NULL */
    int checksum;            /* enum source_checksum: off, sha256, optional */
    int64_t stall_timeout_s; /* remote fetch: no byte this long (default 60) */
    int64_t fetch_retries;   /* remote fetch: more tries (default 2) */
    char *ca_file;           /* (owned) https: more CAs to trust, or NULL */
    /* backup-tool sources (config_tools.c; each owned, NULL when unset) */
    char *path; /* restic/borg/tarsnap: the dump file */
    char *restic_tag, *restic_host;
    char *tarsnap_keyfile, *tarsnap_cachedir;
    char *list_command, *fetch_command; /* exec: */
    /* server targets, restore --into (issue 14) */
    bool allow_superuser;  /* a superuser target role is accepted */
    int64_t sweep_after_s; /* unledgered marked leftovers: default 1h */
    int64_t rto_s;         /* restore slower than this: warning; 0: off */
    char *globals;         /* (owned) pg_dumpall --globals-only file */
    char *s3_endpoint;     /* (owned) s3: endpoint URL, or NULL (AWS) */
    char *s3_region;       /* (owned) s3: region, or NULL */
    int s3_uri_style;      /* s3: 0 default, 1 path, 2 host */
    char *decrypt_command; /* (owned) command string, or NULL */
};

/* Raw values of one scope (a section or the command line), with origins. */
struct config_scope {
    char *name;             /* (owned) job name; NULL for [defaults]/flags */
    char *val[CK_COUNT];    /* (owned) */
    char *origin[CK_COUNT]; /* (owned) "FILE:LINE" or "--flag" */
};

/* A list of errors, each message once (lint reports them all). */
struct config_errs {
    struct rd_err *v; /* (owned) */
    size_t n;
};

/*
 * config_errs_add(l, e): append a copy of ${e} unless ${l} already holds
 * the same message.  Returns 0, or -1 when out of memory.
 */
int config_errs_add(struct config_errs *l, const struct rd_err *e);

/* config_errs_release(l): free what ${l} owns; NULL-safe. */
void config_errs_release(struct config_errs *l);

struct config {
    char *path; /* (owned) config file read, or NULL */
    /* every error config_load_file() found, in file order */
    struct config_errs load_errors;
    struct config_scope defaults;
    struct config_scope *jobs; /* (owned) in file order */
    size_t njobs;
    struct config_scope flags; /* command-line overrides */
    /* (owned) "config 'P' is readable by ... and holds secrets ...", set
     * by config_load_file() when the file is group/other-readable and holds
     * a webhook/ping URL or a target password; else NULL */
    char *exposed;
};

/* config_init(c): an empty configuration (no file, no flags). */
void config_init(struct config *c);

/* config_release(c): free everything ${c} owns; NULL-safe. */
void config_release(struct config *c);

/*
 * config_load_file(c, path, err):
 * Read the INI file at ${path} into ${c}: sections [defaults] and
 * [job NAME] only, keys from the table only, no key twice in a section, no
 * section twice.  Errors are RD_CONFIG_INVALID "PATH:LINE: ...".  It reads
 * the whole file: ${err} is the first error, ${c}->load_errors holds every
 * one (the first included), and what could be read is kept in ${c}.
 */
int config_load_file(struct config *c, const char *path, struct rd_err *err);

/*
 * config_find_default_file(): "./restoredrill.conf" if it exists, else
 * "/etc/restoredrill.conf" if it exists, else NULL (static storage).
 */
const char *config_find_default_file(void);

/*
 * config_set_flag(c, key, value, err):
 * Record a command-line override of ${key} (origin "--key-with-dashes").
 */
int config_set_flag(struct config *c, enum config_key key, const char *value,
                    struct rd_err *err);

/*
 * config_resolve(c, job_name, out, err):
 * Layer built-in defaults < [defaults] < [job ${job_name}] < flags into
 * ${out} and validate every value (durations, sizes, the pattern, source
 * scheme, keys not yet implemented).  ${job_name} may name a job with no
 * section only when it is "default".  Errors name the origin of the bad
 * value: "restoredrill.conf:12: invalid duration '26 hours' for
 * 'max_archive_age' (use e.g. 90s, 15m, 26h, 7d)".  Release ${out} with
 * job_config_release() in every case.
 */
int config_resolve(const struct config *c, const char *job_name,
                   struct job_config *out, struct rd_err *err);

/*
 * config_resolve_all(c, job_name, out, errs):
 * As config_resolve(), but go on after a bad value: every error is added
 * to ${errs} (each message once).  Returns 0 when there was none, else -1.
 */
int config_resolve_all(const struct config *c, const char *job_name,
                       struct job_config *out, struct config_errs *errs);

/*
 * config_check_jobs(c, err):
 * A config file was read that has no [job] section, and no source is set
 * ([defaults] or --source): the implicit job 'default' has nothing to
 * check.  Then RD_CONFIG_INVALID "no jobs in FILE" with a hint; else 0.
 */
int config_check_jobs(const struct config *c, struct rd_err *err);

/*
 * config_raw_value(c, job, key): the unvalidated value of ${key} for ${job}
 * (flags > [job] > [defaults]), or NULL; borrowed from ${c}.  For reporting
 * when the configuration itself is broken.
 */
const char *config_raw_value(const struct config *c, const char *job,
                             enum config_key key);

/* config_expand_job(tmpl, job): ${tmpl} with every "{job}" replaced (malloc'd).
 */
char *config_expand_job(const char *tmpl, const char *job);

struct source_opts;
/* config_source_opts(j, o): what the source of ${j} fetches with (${o}
 * borrows from ${j}). */
void config_source_opts(const struct job_config *j, struct source_opts *o);

/* job_config_release(j): free what ${j} owns; NULL-safe. */
void job_config_release(struct job_config *j);

/*
 * config_job_names(c, only, names, n, err):
 * The jobs a command runs: ${only} when given (it must exist, or be
 * "default" with no job sections), else every [job] section in file order,
 * else "default".  ${names} is an array of borrowed strings the caller frees
 * with free() (the array only).
 */
int config_job_names(const struct config *c, const char *only,
                     const char ***names, size_t *n, struct rd_err *err);

/* config_default_state_dir(buf, len): /var/lib/restoredrill for root, else XDG.
 */
char *config_default_state_dir(char *buf, size_t len);

#endif
