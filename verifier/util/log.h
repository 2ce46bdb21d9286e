/* log: leveled messages on stderr, as text or JSON lines. */
#ifndef RD_LOG_H
#define RD_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum log_level { RD_LOG_ERROR = 0, RD_LOG_WARN, RD_LOG_INFO, RD_LOG_DEBUG };

/* log_setup(level, json): messages above ${level} are dropped; ${json} selects
 * JSON lines. */
void log_setup(enum log_level level, bool json);

/* log_enabled(level): true when a message at ${level} would be written. */
bool log_enabled(enum log_level level);

/* log_msg(level, fmt, ...): write one message line to stderr ("restoredrill:
 * warning: ..."). */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * log_summary_tty(on): ${on} when the human summary goes to the terminal
 * stderr is on too; then log_cause() messages are left to the summary, so
 * each error shows once.  JSON lines are always written.
 */
void log_summary_tty(bool on);

/* log_cause(fmt, ...): an error the summary also prints (errors[]): logged
 * like log_error() unless log_summary_tty() is on. */
void log_cause(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * log_put_escaped(out, s, n): write ${n} bytes of ${s} to ${out} with every
 * C0 control byte and DEL escaped -- "\\n", "\\r", others "\\xHH" -- so
 * untrusted text (archive names, probe output, tool stderr) can neither forge
 * a line nor send a terminal escape.  Tabs are kept (they do neither);
 * backslashes and bytes >= 0x80 (UTF-8) are kept as they are.
 */
void log_put_escaped(FILE *out, const char *s, size_t n);

/*
 * log_hint_start(s): where the hint of message ${s} starts: its last
 * "\nHINT: " (our messages end with their hint, and the untrusted parts --
 * names, tool output -- come before it, so one forged in a name is not
 * taken), or NULL.
 */
const char *log_hint_start(const char *s);

/*
 * log_put_message(out, s): write message ${s} escaped, except for the
 * newline of its hint (log_hint_start()), our own structure, which starts a
 * line of its own; every other newline is escaped.
 */
void log_put_message(FILE *out, const char *s);

#define log_error(...) log_msg(RD_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(RD_LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(RD_LOG_INFO, __VA_ARGS__)
#define log_debug(...)                          \
    do {                                        \
        if (log_enabled(RD_LOG_DEBUG))          \
            log_msg(RD_LOG_DEBUG, __VA_ARGS__); \
    } while (0)

#endif
