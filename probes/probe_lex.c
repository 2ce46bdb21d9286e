/* probe_lex: the bytes of a probe file (size, NUL, UTF-8, CRLF) and the
 * lexer that finds its one SQL statement, as PostgreSQL splits them. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probes/probe_int.h"

/*
 * Offset of the first byte of ${s} that is not part of well-formed UTF-8
 * (no overlongs, no surrogates, at most U+10FFFF), or ${len}.
 */
static size_t
utf8_bad(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            n = 1;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3;
        else
            return i;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
        else if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        if (len - i <= n)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return i;
        i += n + 1;
    }
    return len;
}

/* Check the raw bytes and make ps->text: BOM skipped, CRLF made LF. */
int
probe_lex_text(struct parser *ps, const char *buf, size_t len)
{
    const unsigned char *u = (const unsigned char *)buf;
    const char *nul;
    size_t bad, n = 0;

    if (len > PROBE_FILE_MAX)
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s: file is larger than 256 KiB (%zu bytes)",
                          ps->file, len);
    if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
        buf += 3;
        u += 3;
        len -= 3;
    }
    if ((nul = memchr(buf, '\0', len)) != NULL)
        return rd_err_set(ps->err, RD_PROBE_INVALID, "%s:%d: NUL byte",
                          ps->file, line_at(buf, (size_t)(nul - buf)));
    if ((bad = utf8_bad(u, len)) < len)
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: not valid UTF-8 (byte 0x%02x)", ps->file,
                          line_at(buf, bad), u[bad]);
    if ((ps->text = malloc(len + 1)) == NULL)
        return no_memory(ps);
    for (size_t i = 0; i < len; i++)
        if (!(buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n'))
            ps->text[n++] = buf[i];
    ps->text[n] = '\0';
    return 0;
}

/* Skip a quoted run opened at s[*i] and closed by ${q} ("" or '' doubles). */
static bool
skip_quoted(const char *s, size_t *i, char q, bool backslash)
{
    size_t j = *i + 1;

    for (;;) {
        if (s[j] == '\0')
            return false;
        if (backslash && s[j] == '\\') {
            if (s[j + 1] == '\0')
                return false;
            j += 2;
            continue;
        }
        if (s[j] == q) {
            if (s[j + 1] != q)
                break;
            j++;
        }
        j++;
    }
    *i = j + 1;
    return true;
}

/* Skip the nested block comment opened at s[*i]; false when it never ends. */
static bool
skip_block_comment(const char *s, size_t *i)
{
    size_t depth = 1, j = *i + 2;

    while (depth > 0 && s[j] != '\0') {
        if (s[j] == '/' && s[j + 1] == '*') {
            depth++;
            j += 2;
        } else if (s[j] == '*' && s[j + 1] == '/') {
            depth--;
            j += 2;
        } else {
            j++;
        }
    }
    *i = j;
    return depth == 0;
}

/*
 * Skip the $tag$ string opened at s[*i] (or "$x" not closed by '$': not a
 * dollar quote); false when the string never ends.
 */
static bool
skip_dollar(const char *s, size_t *i)
{
    size_t j = *i + 1, tlen;
    const char *close;

    while (is_dolq_cont(s[j]))
        j++;
    if (s[j] != '$') {
        *i = j;
        return true;
    }
    tlen = j - *i + 1;
    /* The first later occurrence of the same $tag$ closes it (memmem is
     * linear, so a long tag cannot stall us). */
    close = s + j + 1;
    close = memmem(close, strlen(close), s + *i, tlen);
    if (close == NULL)
        return false;
    *i = (size_t)(close - s) + tlen;
    return true;
}

/*
 * Skip the token at s[*i] (not a blank, a comment or ';'): what it leaves
 * unterminated ("quoted string", ...), or NULL.
 */
static const char *
skip_token(const char *s, size_t *i)
{
    char c = s[*i];

    if (c == '\'')
        return skip_quoted(s, i, '\'', false) ? NULL : "quoted string";
    if (c == '"')
        return skip_quoted(s, i, '"', false) ? NULL : "quoted identifier";
    if ((c == 'E' || c == 'e') && s[*i + 1] == '\'') {
        (*i)++;
        return skip_quoted(s, i, '\'', true) ? NULL : "quoted string";
    }
    if (is_ident_start(c)) {
        while (is_dolq_cont(s[*i]) || s[*i] == '$')
            (*i)++;
    } else if (is_digit(c)) {
        while (is_alpha(s[*i]) || is_digit(s[*i]) || s[*i] == '_' ||
               s[*i] == '.')
            (*i)++;
    } else if (c == '$' && (s[*i + 1] == '$' || is_ident_start(s[*i + 1]))) {
        return skip_dollar(s, i) ? NULL : "dollar-quoted string";
    } else {
        (*i)++;
    }
    return NULL;
}

int
probe_lex_body(struct parser *ps, const char *s, int line0, size_t *start,
               size_t *end)
{
    size_t i = 0, tok = 0;
    bool have_tok = false, have_semi = false;

    *start = *end = 0;
    while (s[i] != '\0') {
        char c = s[i];
        size_t from = i;
        const char *what;

        if (is_space(c)) {
            i++;
            continue;
        }
        if (c == '-' && s[i + 1] == '-') {
            while (s[i] != '\0' && s[i] != '\n')
                i++;
            continue;
        }
        if (c == '/' && s[i + 1] == '*') {
            if (!skip_block_comment(s, &i))
                return rd_err_set(ps->err, RD_PROBE_INVALID,
                                  "%s:%d: unterminated /* comment", ps->file,
                                  line0 - 1 + line_at(s, from));
            continue;
        }
        /* Anything else is a token of the statement. */
        if (have_semi)
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: more than one statement (a ';' followed by more SQL)\nHINT: a probe is exactly one statement; the trailing ';' is optional",
                ps->file, line0 - 1 + line_at(s, from));
        if (c == ';') {
            if (!have_tok)
                return rd_err_set(ps->err, RD_PROBE_INVALID,
                                  "%s:%d: empty statement before ';'", ps->file,
                                  line0 - 1 + line_at(s, from));
            have_semi = true;
            i++;
            continue;
        }
        if ((what = skip_token(s, &i)) != NULL)
            return rd_err_set(ps->err, RD_PROBE_INVALID,
                              "%s:%d: unterminated %s", ps->file,
                              line0 - 1 + line_at(s, from), what);
        if (!have_tok) {
            have_tok = true;
            tok = from;
        }
        *end = i;
    }
    if (!have_tok)
        return rd_err_set(
            ps->err, RD_PROBE_INVALID,
            "%s:%d: empty body: no SQL statement after the header", ps->file,
            line0 - 1 + line_at(s, i));
    *start = tok;
    return 0;
}
