/* rd_err: error codes (PRODUCT.md § Decisions), run statuses, and the error
 * record. */
#ifndef RD_ERR_H
#define RD_ERR_H

#define RD_ERR_MSG_MAX 1024

/*
 * Run/stage/probe status.  The numeric values of OK..UNKNOWN are the exit
 * codes of the monitoring-plugin convention.  SKIPPED is only a stage status.
 */
enum rd_status {
    RD_ST_OK = 0,
    RD_ST_WARNING = 1,
    RD_ST_CRITICAL = 2,
    RD_ST_UNKNOWN = 3,
    RD_ST_SKIPPED = 4
};

/* Stable error codes; the report's error.code is rd_code_name(). */
enum rd_code {
    RD_OK = 0,
    /* the backup is bad or missing -> critical */
    RD_ARCHIVE_NOT_FOUND,
    RD_ARCHIVE_EMPTY,
    RD_ARCHIVE_TOO_OLD,
    RD_FORMAT_UNKNOWN,
    RD_DECOMPRESS_TRUNCATED,
    RD_DECOMPRESS_CORRUPT,
    RD_ARCHIVE_TRUNCATED,
    RD_ARCHIVE_UNSAFE_PATH,
    RD_CHECKSUM_MISMATCH,
    RD_SIDECAR_MISSING,
    RD_DECRYPT_FAILED,
    RD_RESTORE_ERRORS,
    RD_PROBE_FAILED,
    RD_PROBE_TIMEOUT,
    RD_ARCHIVE_TOO_LARGE,
    /* the check could not be made -> unknown */
    RD_CONFIG_INVALID,
    RD_PROBE_INVALID,
    RD_USAGE,
    RD_TOOL_MISSING,
    RD_TOOL_TOO_OLD,
    RD_MISSING_EXTENSION,
    RD_SOURCE_UNREACHABLE,
    RD_ACCESS_DENIED,
    RD_CLOCK_SKEW,
    RD_FETCH_STALLED,
    RD_FETCH_TRUNCATED,
    RD_LISTING_INVALID,
    RD_DB_UNREACHABLE,
    RD_DISK_FULL,
    RD_LOCKED,
    RD_INTERNAL,
    RD_MEMORY_LIMIT,
    RD_OUTPUT_FAILED,
    RD_TIMEOUT,
    RD_PROBE_ROLE_UNSAFE,
    RD_SANDBOX_UNAVAILABLE,
    RD_TARGET_SUPERUSER,
    RD_SWAP_BLOCKED,
    /* killed by a signal -> exit 128+N */
    RD_INTERRUPTED,
    RD_CODE_COUNT
};

struct rd_err {
    enum rd_code code;
    char msg[RD_ERR_MSG_MAX];
};

/*
 * rd_err_set(err, code, fmt, ...):
 * Record ${code} and the formatted message in ${err} (truncated to fit;
 * trailing newlines and spaces, as libpq adds, are removed), and return -1 so
 * callers can write "return rd_err_set(...);".  A NULL ${err} is allowed.
 */
int rd_err_set(struct rd_err *err, enum rd_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* rd_err_clear(err): reset ${err} to RD_OK with an empty message. */
void rd_err_clear(struct rd_err *err);

/* rd_code_name(code): the stable snake_case name ("archive_not_found"). */
const char *rd_code_name(enum rd_code code);

/* rd_code_status(code): the run status ${code} implies (critical/unknown). */
enum rd_status rd_code_status(enum rd_code code);

/* rd_status_name(st): "ok", "warning", "critical", "unknown" or "skipped". */
const char *rd_status_name(enum rd_status st);

/*
 * rd_status_worse(a, b): the worse of ${a} and ${b} in the order
 * critical > unknown > warning > ok > skipped.
 */
enum rd_status rd_status_worse(enum rd_status a, enum rd_status b);

/* rd_status_rank(st): the position of ${st} in that order (skipped = 0). */
int rd_status_rank(enum rd_status st);

#endif
