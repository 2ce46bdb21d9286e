/* ini: a small strict INI reader (why not inih: see docs/config.md). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verifier/ini.h"

#define INI_MAX_FILE    (1024 * 1024) /* bytes ini_parse_file accepts */
#define HANDLER_MSG_MAX 1024

/* Write "NAME:LINE: message" into ${errbuf}; return -1. */
static int fail(char *errbuf, size_t errlen, const char *name, int lineno,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
fail(char *errbuf, size_t errlen, const char *name, int lineno, const char *fmt,
     ...)
{
    va_list ap;
    int n;

    if (errbuf == NULL || errlen == 0)
        return -1;
    n = snprintf(errbuf, errlen, "%s:%d: ", name, lineno);
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_start(ap, fmt);
    vsnprintf(errbuf + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/*
 * Check that ${s}[0..n) is UTF-8 text without NUL or control characters
 * (tab excepted); -1 with a message otherwise.
 */
static int
check_text(const unsigned char *s, size_t n, char *msg, size_t msglen)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp = s[i];
        size_t need, k;

        if (cp < 0x80) {
            need = 0;
        } else if (cp >= 0xc2 && cp < 0xe0) {
            need = 1;
            cp &= 0x1f;
        } else if (cp >= 0xe0 && cp < 0xf0) {
            need = 2;
            cp &= 0x0f;
        } else if (cp >= 0xf0 && cp < 0xf5) {
            need = 3;
            cp &= 0x07;
        } else {
            goto bad_utf8;
        }
        if (n - i - 1 < need)
            goto bad_utf8;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                goto bad_utf8;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* Overlong forms, surrogates, and beyond U+10FFFF. */
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            goto bad_utf8;
        if (cp == 0) {
            snprintf(msg, msglen, "line contains a NUL byte");
            return -1;
        }
        if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0)) {
            snprintf(msg, msglen, "line contains control character U+%04X",
                     (unsigned)cp);
            return -1;
        }
        i += need + 1;
    }
    return 0;

bad_utf8:
    snprintf(msg, msglen, "line contains invalid UTF-8 at byte %zu", i + 1);
    return -1;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
is_key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* Trim blanks from both ends of [*s, *e). */
static void
trim(char **s, char **e)
{
    while (*s < *e && is_blank(**s))
        (*s)++;
    while (*e > *s && is_blank((*e)[-1]))
        (*e)--;
}

/* The parser's state between lines. */
struct parse_state {
    char section[INI_MAX_LINE + 1];
    bool skip; /* the current section's header was refused: ignore its keys */
};

/*
 * Parse one line (NUL-terminated in ${line}, ${n} bytes, already checked
 * for length and bytes), updating ${st} and calling ${handler}.
 */
static int
parse_line(const char *name, int lineno, char *line, size_t n,
           struct parse_state *st, ini_handler handler, void *ctx, char *errbuf,
           size_t errlen)
{
    char hmsg[HANDLER_MSG_MAX];
    char *s = line, *e = line + n, *eq, *k;
    int rc;

    trim(&s, &e);
    if (s == e || *s == ';' || *s == '#')
        return 0;

    hmsg[0] = '\0';
    if (*s == '[') {
        char *close = memchr(s, ']', (size_t)(e - s));
        char *rest;

        /* Until a header is accepted, the keys below belong to none. */
        st->skip = true;
        if (close == NULL)
            return fail(errbuf, errlen, name, lineno,
                        "unterminated section header");
        rest = close + 1;
        trim(&rest, &e);
        if (rest != e && *rest != ';' && *rest != '#')
            return fail(errbuf, errlen, name, lineno,
                        "unexpected text after section header");
        s++;
        e = close;
        trim(&s, &e);
        if (s == e)
            return fail(errbuf, errlen, name, lineno, "empty section header");
        memcpy(st->section, s, (size_t)(e - s));
        st->section[e - s] = '\0';
        rc = handler(ctx, st->section, NULL, NULL, lineno, hmsg, sizeof(hmsg));
        st->skip = rc != 0;
    } else {
        eq = memchr(s, '=', (size_t)(e - s));
        if (eq == NULL)
            return fail(errbuf, errlen, name, lineno,
                        "expected 'key = value' or '[section]'");
        k = eq;
        trim(&s, &k);
        if (s == k)
            return fail(errbuf, errlen, name, lineno, "missing key before '='");
        *k = '\0';
        for (k = s; *k != '\0'; k++) {
            if (!is_key_char(*k))
                return fail(errbuf, errlen, name, lineno,
                            "invalid key '%s' (allowed: A-Z a-z 0-9 _ . -)", s);
        }
        if (st->skip)
            return 0; /* its section was refused, and said so */
        eq++;
        trim(&eq, &e);
        *e = '\0';
        rc = handler(ctx, st->section, s, eq, lineno, hmsg, sizeof(hmsg));
    }
    if (rc != 0)
        return fail(errbuf, errlen, name, lineno, "%s",
                    hmsg[0] != '\0' ? hmsg : "rejected");
    return 0;
}

int
ini_parse_buffer_each(const char *name, const char *buf, size_t len,
                      ini_handler handler, void *ctx, ini_error_fn on_error,
                      void *ectx)
{
    struct parse_state st;
    char line[INI_MAX_LINE + 1];
    char msg[128], emsg[INI_MAX_LINE + 256];
    size_t pos = 0;
    int lineno = 0, rc = 0;

    if (name == NULL)
        name = "(buffer)";
    memset(&st, 0, sizeof(st));
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
        int r;

        pos += n + (nl != NULL ? 1 : 0);
        if (lineno == INT_MAX) {
            fail(emsg, sizeof(emsg), name, lineno, "too many lines");
            (void)on_error(ectx, emsg);
            rc = -1;
            break;
        }
        lineno++;
        /* CRLF: the CR belongs to the line ending. */
        if (n > 0 && start[n - 1] == '\r')
            n--;
        if (n > INI_MAX_LINE) {
            r = fail(emsg, sizeof(emsg), name, lineno,
                     "line is longer than %d bytes", INI_MAX_LINE);
        } else if (check_text((const unsigned char *)start, n, msg,
                              sizeof(msg)) == -1) {
            r = fail(emsg, sizeof(emsg), name, lineno, "%s", msg);
        } else {
            memcpy(line, start, n);
            line[n] = '\0';
            r = parse_line(name, lineno, line, n, &st, handler, ctx, emsg,
                           sizeof(emsg));
        }
        if (r != 0) {
            rc = -1;
            if (on_error(ectx, emsg) != 0)
                break;
        }
    }
    return rc;
}

/* ini_error_fn of the stop-at-the-first-error API: keep it, stop. */
struct first_error {
    char *buf;
    size_t len;
};

static int
keep_first(void *vctx, const char *msg)
{
    struct first_error *fe = vctx;

    if (fe->buf != NULL && fe->len > 0)
        snprintf(fe->buf, fe->len, "%s", msg);
    return -1;
}

int
ini_parse_buffer(const char *name, const char *buf, size_t len,
                 ini_handler handler, void *ctx, char *errbuf, size_t errlen)
{
    struct first_error fe = {errbuf, errlen};

    return ini_parse_buffer_each(name, buf, len, handler, ctx, keep_first, &fe);
}

int
ini_parse_file_each(const char *path, ini_handler handler, void *ctx,
                    ini_error_fn on_error, void *ectx)
{
    char errbuf[PATH_MAX + 128];
    size_t len = 0, cap = 64 * 1024;
    char *buf = NULL, *nbuf;
    int fd, rc = -1, saved = 0;
    ssize_t r;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
        saved = errno;
        goto fail;
    }
    buf = malloc(cap);
    if (buf == NULL)
        goto nomem;
    for (;;) {
        /* Read one byte past the limit to tell "exactly 1 MiB" from more. */
        if (len == cap) {
            if (cap > INI_MAX_FILE)
                break;
            cap = cap * 2 > INI_MAX_FILE ? INI_MAX_FILE + 1 : cap * 2;
            nbuf = realloc(buf, cap);
            if (nbuf == NULL)
                goto nomem;
            buf = nbuf;
        }
        r = read(fd, buf + len, cap - len);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1) {
            saved = errno;
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > INI_MAX_FILE)
        goto fail; /* saved == 0: too large */
    rc = ini_parse_buffer_each(path, buf, len, handler, ctx, on_error, ectx);
    goto done;

nomem:
    saved = ENOMEM;
fail:
    if (saved != 0)
        snprintf(errbuf, sizeof(errbuf), "cannot read config '%s': %s", path,
                 strerror(saved));
    else
        snprintf(errbuf, sizeof(errbuf),
                 "cannot read config '%s': file is larger than 1 MiB", path);
    (void)on_error(ectx, errbuf);
done:
    free(buf);
    if (fd != -1)
        close(fd);
    return rc;
}

int
ini_parse_file(const char *path, ini_handler handler, void *ctx, char *errbuf,
               size_t errlen)
{
    struct first_error fe = {errbuf, errlen};

    return ini_parse_file_each(path, handler, ctx, keep_first, &fe);
}
