/* log: leveled messages on stderr, as text or JSON lines. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "verifier/util/log.h"

static enum log_level max_level = RD_LOG_INFO;
static bool json_lines;
static bool summary_tty;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void
log_setup(enum log_level level, bool json)
{
    max_level = level;
    json_lines = json;
}

bool
log_enabled(enum log_level level)
{
    return level <= max_level;
}

void
log_summary_tty(bool on)
{
    summary_tty = on;
}

static void log_text(enum log_level level, const char *msg);

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_text(level, msg);
}

void
log_cause(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;

    if (!log_enabled(RD_LOG_ERROR) || (summary_tty && !json_lines))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_text(RD_LOG_ERROR, msg);
}

static void
log_text(enum log_level level, const char *msg)
{

    if (json_lines) {
        char ts[32];
        time_t now = time(NULL);
        struct tm tm;
        json_t *o;
        char *s;

        gmtime_r(&now, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        o = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level],
                      "msg", msg);
        s = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (s != NULL)
            fprintf(stderr, "%s\n", s);
        free(s);
        json_decref(o);
    } else if (level == RD_LOG_INFO) {
        fprintf(stderr, "restoredrill: %s\n", msg);
    } else {
        fprintf(stderr, "restoredrill: %s: %s\n", level_names[level], msg);
    }
    fflush(stderr);
}
