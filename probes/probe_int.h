/* probe_int: what probe.c (the header) and probe_lex.c (the bytes and the
 * body) share while parsing one probe file (private). */
#ifndef RD_PROBE_INT_H
#define RD_PROBE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "verifier/util/rd_err.h"

#include "probes/probe.h"

enum key {
    K_NAME,
    K_KIND,
    K_WARN_AFTER,
    K_ERROR_AFTER,
    K_RELATIVE_TO,
    K_MIN,
    K_MAX,
    K_SEVERITY,
    K_TIMEOUT,
    K_SEARCH_PATH,
    K_DESCRIPTION,
    K_COUNT
};

/* One "-- key: value" header line. */
struct entry {
    enum key key;
    int line;
    char *value; /* (owned) trimmed */
};

struct parser {
    const char *file;
    struct rd_err *err;
    char *text; /* (owned) NUL-terminated copy, CRLF made LF */
    struct entry entries[K_COUNT];
    size_t n;
    int at[K_COUNT]; /* index + 1 into entries, 0 = not given */
};

static inline bool
is_hblank(char c)
{
    return c == ' ' || c == '\t';
}

static inline bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static inline bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* PostgreSQL's ident_start: letters, '_' and every non-ASCII byte. */
static inline bool
is_ident_start(char c)
{
    return is_alpha(c) || c == '_' || (unsigned char)c >= 0x80;
}

/* A dollar-quote tag never contains '$'; an identifier may. */
static inline bool
is_dolq_cont(char c)
{
    return is_ident_start(c) || is_digit(c);
}

/* 1 + the number of '\n' in ${s} before ${off}. */
static inline int
line_at(const char *s, size_t off)
{
    int line = 1;

    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n')
            line++;
    return line;
}

static inline int
no_memory(struct parser *ps)
{
    return rd_err_set(ps->err, RD_INTERNAL, "%s: out of memory", ps->file);
}

/*
 * probe_lex_text(ps, buf, len): check the raw bytes of the file (size, NUL,
 * UTF-8) and make ps->text: BOM skipped, CRLF made LF.
 */
int probe_lex_text(struct parser *ps, const char *buf, size_t len);

/*
 * probe_lex_body(ps, s, line0, start, end): find the one statement in
 * ${s} (the body, whose first line is ${line0}): the offsets of its first
 * token and of the end of its last token.  RD_PROBE_INVALID for no, more
 * than one or an unterminated statement.
 */
int probe_lex_body(struct parser *ps, const char *s, int line0, size_t *start,
                   size_t *end);

#endif
