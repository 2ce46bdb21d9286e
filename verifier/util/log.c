/* log: leveled messages on stderr, as text or JSON lines. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
log_put_escaped(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '\n')
            fputs("\\n", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

const char *
log_hint_start(const char *s)
{
    const char *hint = NULL;

    for (const char *p = s; (p = strstr(p, "\nHINT: ")) != NULL; p++)
        hint = p;
    return hint;
}

void
log_put_message(FILE *out, const char *s)
{
    const char *hint = log_hint_start(s);

    if (hint == NULL) {
        log_put_escaped(out, s, strlen(s));
        return;
    }
    log_put_escaped(out, s, (size_t)(hint - s));
    fputc('\n', out);
    log_put_escaped(out, hint + 1, strlen(hint + 1));
}

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
    } else {
        /* Escaped here, once, at the output: see log_put_message(). */
        if (level == RD_LOG_INFO)
            fputs("restoredrill: ", stderr);
        else
            fprintf(stderr, "restoredrill: %s: ", level_names[level]);
        log_put_message(stderr, msg);
        fputc('\n', stderr);
    }
    fflush(stderr);
}
