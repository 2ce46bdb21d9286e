/* rd_err: error codes, statuses and the error record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "verifier/util/rd_err.h"

static const struct {
    const char *name;
    enum rd_status status;
} codes[RD_CODE_COUNT] = {
    [RD_OK] = {"ok", RD_ST_OK},
    [RD_ARCHIVE_NOT_FOUND] = {"archive_not_found", RD_ST_CRITICAL},
    [RD_ARCHIVE_EMPTY] = {"archive_empty", RD_ST_CRITICAL},
    [RD_ARCHIVE_TOO_OLD] = {"archive_too_old", RD_ST_CRITICAL},
    [RD_FORMAT_UNKNOWN] = {"format_unknown", RD_ST_CRITICAL},
    [RD_DECOMPRESS_TRUNCATED] = {"decompress_truncated", RD_ST_CRITICAL},
    [RD_DECOMPRESS_CORRUPT] = {"decompress_corrupt", RD_ST_CRITICAL},
    [RD_ARCHIVE_TRUNCATED] = {"archive_truncated", RD_ST_CRITICAL},
    [RD_ARCHIVE_UNSAFE_PATH] = {"archive_unsafe_path", RD_ST_CRITICAL},
    [RD_CHECKSUM_MISMATCH] = {"checksum_mismatch", RD_ST_CRITICAL},
    [RD_SIDECAR_MISSING] = {"sidecar_missing", RD_ST_CRITICAL},
    [RD_DECRYPT_FAILED] = {"decrypt_failed", RD_ST_CRITICAL},
    [RD_RESTORE_ERRORS] = {"restore_errors", RD_ST_CRITICAL},
    [RD_PROBE_FAILED] = {"probe_failed", RD_ST_CRITICAL},
    [RD_PROBE_TIMEOUT] = {"probe_timeout", RD_ST_CRITICAL},
    [RD_ARCHIVE_TOO_LARGE] = {"archive_too_large", RD_ST_CRITICAL},
    [RD_CONFIG_INVALID] = {"config_invalid", RD_ST_UNKNOWN},
    [RD_PROBE_INVALID] = {"probe_invalid", RD_ST_UNKNOWN},
    [RD_USAGE] = {"usage", RD_ST_UNKNOWN},
    [RD_TOOL_MISSING] = {"tool_missing", RD_ST_UNKNOWN},
    [RD_TOOL_TOO_OLD] = {"tool_too_old", RD_ST_UNKNOWN},
    [RD_MISSING_EXTENSION] = {"missing_extension", RD_ST_UNKNOWN},
    [RD_SOURCE_UNREACHABLE] = {"source_unreachable", RD_ST_UNKNOWN},
    [RD_ACCESS_DENIED] = {"access_denied", RD_ST_UNKNOWN},
    [RD_CLOCK_SKEW] = {"clock_skew", RD_ST_UNKNOWN},
    [RD_FETCH_STALLED] = {"fetch_stalled", RD_ST_UNKNOWN},
    [RD_FETCH_TRUNCATED] = {"fetch_truncated", RD_ST_UNKNOWN},
    [RD_LISTING_INVALID] = {"listing_invalid", RD_ST_UNKNOWN},
    [RD_DB_UNREACHABLE] = {"db_unreachable", RD_ST_UNKNOWN},
    [RD_DISK_FULL] = {"disk_full", RD_ST_UNKNOWN},
    [RD_LOCKED] = {"locked", RD_ST_UNKNOWN},
    [RD_INTERNAL] = {"internal", RD_ST_UNKNOWN},
    [RD_MEMORY_LIMIT] = {"memory_limit", RD_ST_UNKNOWN},
    [RD_OUTPUT_FAILED] = {"output_failed", RD_ST_UNKNOWN},
    [RD_TIMEOUT] = {"timeout", RD_ST_UNKNOWN},
    [RD_PROBE_ROLE_UNSAFE] = {"probe_role_unsafe", RD_ST_UNKNOWN},
    [RD_SANDBOX_UNAVAILABLE] = {"sandbox_unavailable", RD_ST_UNKNOWN},
    [RD_TARGET_SUPERUSER] = {"target_superuser", RD_ST_UNKNOWN},
    [RD_SWAP_BLOCKED] = {"swap_blocked", RD_ST_UNKNOWN},
    [RD_INTERRUPTED] = {"interrupted", RD_ST_UNKNOWN},
};

int
rd_err_set(struct rd_err *err, enum rd_code code, const char *fmt, ...)
{
    va_list ap;
    size_t n;
    char msg[sizeof(err->msg)];

    if (err == NULL)
        return -1;
    err->code = code;
    /* Through a copy: callers may pass err->msg itself as an argument
       ("%s: %s", what, err->msg), which vsnprintf must not overlap. */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memcpy(err->msg, msg, sizeof(msg));
    /* libpq messages end with a newline; ours never do. */
    n = strlen(err->msg);
    while (n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == ' '))
        err->msg[--n] = '\0';
    return -1;
}

void
rd_err_clear(struct rd_err *err)
{
    if (err == NULL)
        return;
    err->code = RD_OK;
    err->msg[0] = '\0';
}

const char *
rd_code_name(enum rd_code code)
{
    if ((int)code < 0 || code >= RD_CODE_COUNT)
        return "internal";
    return codes[code].name;
}

enum rd_status
rd_code_status(enum rd_code code)
{
    if ((int)code < 0 || code >= RD_CODE_COUNT)
        return RD_ST_UNKNOWN;
    return codes[code].status;
}

const char *
rd_status_name(enum rd_status st)
{
    switch (st) {
    case RD_ST_OK:
        return "ok";
    case RD_ST_WARNING:
        return "warning";
    case RD_ST_CRITICAL:
        return "critical";
    case RD_ST_UNKNOWN:
        return "unknown";
    case RD_ST_SKIPPED:
        return "skipped";
    }
    return "unknown";
}

int
rd_status_rank(enum rd_status st)
{
    switch (st) {
    case RD_ST_SKIPPED:
        return 0;
    case RD_ST_OK:
        return 1;
    case RD_ST_WARNING:
        return 2;
    case RD_ST_UNKNOWN:
        return 3;
    case RD_ST_CRITICAL:
        return 4;
    }
    return 3;
}

enum rd_status
rd_status_worse(enum rd_status a, enum rd_status b)
{
    return rd_status_rank(a) >= rd_status_rank(b) ? a : b;
}
