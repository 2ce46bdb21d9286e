/* duration: "90s", "15m", "26h", "7d" durations and "10k"/"5M" byte sizes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "verifier/util/duration.h"

static const struct {
    char unit;
    int64_t secs;
} time_units[] = {
    {'d', 86400},
    {'h', 3600},
    {'m', 60},
    {'s', 1},
};

#define KIB ((int64_t)1 << 10)
#define MIB ((int64_t)1 << 20)
#define GIB ((int64_t)1 << 30)
#define TIB ((int64_t)1 << 40)

/* Every accepted size suffix; all are powers of 1024, case as written. */
static const struct {
    const char *suffix;
    int64_t mult;
} size_units[] = {
    {"", 1},      {"B", 1},     {"k", KIB},   {"K", KIB},
    {"kB", KIB},  {"KB", KIB},  {"KiB", KIB}, {"M", MIB},
    {"MB", MIB},  {"MiB", MIB}, {"G", GIB},   {"GB", GIB},
    {"GiB", GIB}, {"T", TIB},   {"TB", TIB},  {"TiB", TIB},
};

/* Parse the leading run of decimal digits of ${s}; -1 if none or overflow. */
static int
parse_digits(const char *s, int64_t *out, const char **end)
{
    int64_t v = 0;
    const char *p = s;

    while (*p >= '0' && *p <= '9') {
        int d = *p - '0';

        if (v > (INT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        p++;
    }
    if (p == s)
        return -1;
    *out = v;
    *end = p;
    return 0;
}

int
duration_parse(const char *s, int64_t *out)
{
    const char *end;
    int64_t v;
    size_t i;

    if (s == NULL || parse_digits(s, &v, &end) == -1)
        return -1;
    if (end[0] == '\0' || end[1] != '\0')
        return -1;
    for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++) {
        if (time_units[i].unit != end[0])
            continue;
        if (v > INT64_MAX / time_units[i].secs)
            return -1;
        *out = v * time_units[i].secs;
        return 0;
    }
    return -1;
}

char *
duration_format(int64_t secs, char *buf, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++) {
        /* "0s", never "0d". */
        if (secs == 0 && time_units[i].secs != 1)
            continue;
        if (secs % time_units[i].secs == 0)
            break;
    }
    snprintf(buf, len, "%" PRId64 "%c", secs / time_units[i].secs,
             time_units[i].unit);
    return buf;
}

char *
duration_human(int64_t secs, char *buf, size_t len)
{
    /* The magnitude as unsigned, so INT64_MIN has one too. */
    uint64_t mag = secs < 0 ? 0 - (uint64_t)secs : (uint64_t)secs;
    const char *sign = secs < 0 ? "-" : "";
    uint64_t big, small, big_unit, small_unit;
    size_t i;

    for (i = 0; i < sizeof(time_units) / sizeof(time_units[0]) - 1; i++) {
        if (mag >= (uint64_t)time_units[i].secs)
            break;
    }
    if (time_units[i].secs == 1) {
        snprintf(buf, len, "%s%" PRIu64 "s", sign, mag);
        return buf;
    }
    /* Two units at most, the smaller one truncated: "3h 12m", "2d 4h". */
    big_unit = (uint64_t)time_units[i].secs;
    small_unit = (uint64_t)time_units[i + 1].secs;
    big = mag / big_unit;
    small = (mag % big_unit) / small_unit;
    if (small == 0)
        snprintf(buf, len, "%s%" PRIu64 "%c", sign, big, time_units[i].unit);
    else
        snprintf(buf, len, "%s%" PRIu64 "%c %" PRIu64 "%c", sign, big,
                 time_units[i].unit, small, time_units[i + 1].unit);
    return buf;
}

int
size_parse(const char *s, int64_t *out)
{
    const char *end;
    int64_t v;
    size_t i;

    if (s == NULL || parse_digits(s, &v, &end) == -1)
        return -1;
    for (i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
        if (strcmp(end, size_units[i].suffix) != 0)
            continue;
        if (v > INT64_MAX / size_units[i].mult)
            return -1;
        *out = v * size_units[i].mult;
        return 0;
    }
    return -1;
}

char *
size_human(int64_t bytes, char *buf, size_t len)
{
    static const char *const names[] = {"B",   "KiB", "MiB", "GiB",
                                        "TiB", "PiB", "EiB"};
    uint64_t mag = bytes < 0 ? 0 - (uint64_t)bytes : (uint64_t)bytes;
    const char *sign = bytes < 0 ? "-" : "";
    uint64_t unit = 1024, whole, tenths;
    size_t idx = 1;

    if (mag < 1024) {
        snprintf(buf, len, "%s%" PRIu64 " B", sign, mag);
        return buf;
    }
    while (mag / unit >= 1024 && idx < sizeof(names) / sizeof(names[0]) - 1) {
        unit *= 1024;
        idx++;
    }
    /* One decimal, rounded half up; unit <= 2^60, so rem * 10 fits. */
    whole = mag / unit;
    tenths = ((mag % unit) * 10 + unit / 2) / unit;
    if (tenths == 10) {
        whole++;
        tenths = 0;
        if (whole == 1024 && idx < sizeof(names) / sizeof(names[0]) - 1) {
            whole = 1;
            idx++;
        }
    }
    snprintf(buf, len, "%s%" PRIu64 ".%" PRIu64 " %s", sign, whole, tenths,
             names[idx]);
    return buf;
}
