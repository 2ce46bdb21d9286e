/* probe: SQL smoke-probe files (the "-- key: value" header + one statement). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifier/util/duration.h"
#include "verifier/util/rd_err.h"

#include "probes/probe.h"

#define PROBE_NAME_MAX  63
#define PROBE_IDENT_MAX 63

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

static const char *const key_names[K_COUNT] = {
    "name", "kind",     "warn_after", "error_after", "relative_to", "min",
    "max",  "severity", "timeout",    "search_path", "description",
};

static const char keys_hint[] =
    "\nHINT: the header keys are name, kind, warn_after, error_after, "
    "relative_to, min, max, severity, timeout, search_path and description; "
    "other '--' comment lines must not start with 'word:'";

static const char *const kind_names[] = {"freshness", "rows", "empty", "true"};

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

static bool
is_hblank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static bool
is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* PostgreSQL's ident_start: letters, '_' and every non-ASCII byte. */
static bool
is_ident_start(char c)
{
    return is_alpha(c) || c == '_' || (unsigned char)c >= 0x80;
}

/* A dollar-quote tag never contains '$'; an identifier may. */
static bool
is_dolq_cont(char c)
{
    return is_ident_start(c) || is_digit(c);
}

/* 1 + the number of '\n' in ${s} before ${off}. */
static int
line_at(const char *s, size_t off)
{
    int line = 1;

    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n')
            line++;
    return line;
}

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

static char *
dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static int
no_memory(struct parser *ps)
{
    return rd_err_set(ps->err, RD_INTERNAL, "%s: out of memory", ps->file);
}

static const char *
value_of(const struct parser *ps, enum key k)
{
    return ps->at[k] ? ps->entries[ps->at[k] - 1].value : NULL;
}

static int
line_of(const struct parser *ps, enum key k)
{
    return ps->at[k] ? ps->entries[ps->at[k] - 1].line : 0;
}

/*
 * Read one header line ${line} (NUL-terminated, no '\n'); *is_header is
 * false when the line ends the header.  Values are copied.
 */
static int
header_line(struct parser *ps, const char *line, int lineno, bool *is_header)
{
    const char *p = line, *key, *end;
    size_t klen;
    int k;
    char *v;

    while (is_hblank(*p))
        p++;
    *is_header = *p == '\0' || (p[0] == '-' && p[1] == '-');
    if (!*is_header)
        return 0;
    for (const char *c = line; *c != '\0'; c++)
        if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: control character 0x%02x in a header line", ps->file,
                lineno, (unsigned char)*c);
    if (*p == '\0')
        return 0; /* blank line */
    p += 2;
    while (is_hblank(*p))
        p++;
    key = p;
    if (!is_alpha(*p) && *p != '_')
        return 0; /* a plain comment */
    while (is_alpha(*p) || is_digit(*p) || *p == '_')
        p++;
    klen = (size_t)(p - key);
    while (is_hblank(*p))
        p++;
    if (*p != ':')
        return 0; /* a plain comment */
    p++;
    for (k = 0; k < K_COUNT; k++)
        if (strlen(key_names[k]) == klen &&
            strncmp(key, key_names[k], klen) == 0)
            break;
    if (k == K_COUNT)
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: unknown key '%.*s'%s", ps->file, lineno,
                          (int)klen, key, keys_hint);
    if (ps->at[k])
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: key '%s' given twice (first on line %d)",
                          ps->file, lineno, key_names[k],
                          line_of(ps, (enum key)k));
    while (is_hblank(*p))
        p++;
    end = p + strlen(p);
    while (end > p && is_hblank(end[-1]))
        end--;
    if (end == p)
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: empty value for '%s'", ps->file, lineno,
                          key_names[k]);
    if ((v = malloc((size_t)(end - p) + 1)) == NULL)
        return no_memory(ps);
    memcpy(v, p, (size_t)(end - p));
    v[end - p] = '\0';
    ps->entries[ps->n].key = (enum key)k;
    ps->entries[ps->n].line = lineno;
    ps->entries[ps->n].value = v;
    ps->n++;
    ps->at[k] = (int)ps->n;
    return 0;
}

static bool
valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > PROBE_NAME_MAX)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_.-") == n;
}

/* A comma-separated list of identifiers: plain or "quoted". */
static bool
valid_search_path(const char *s)
{
    for (;;) {
        size_t n = 0;

        while (is_hblank(*s))
            s++;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0')
                    return false;
                if (*s == '"') {
                    if (s[1] != '"')
                        break;
                    s++;
                }
                s++;
                n++;
            }
            s++;
        } else {
            if (!is_alpha(*s) && *s != '_')
                return false;
            while (is_alpha(*s) || is_digit(*s) || *s == '_' || *s == '$') {
                s++;
                n++;
            }
        }
        if (n == 0 || n > PROBE_IDENT_MAX)
            return false;
        while (is_hblank(*s))
            s++;
        if (*s == '\0')
            return true;
        if (*s != ',')
            return false;
        s++;
    }
}

static bool
parse_number(const char *s, double *out)
{
    char *end;
    double v;

    if (is_space(*s))
        return false;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static int
bad_duration(struct parser *ps, const struct entry *e)
{
    return rd_err_set(
        ps->err, RD_PROBE_INVALID,
        "%s:%d: bad duration '%s' for '%s'\nHINT: write a whole number and one unit s, m, h or d: 90s, 15m, 26h, 7d",
        ps->file, e->line, e->value, key_names[e->key]);
}

/* The kind ${k} that key ${e} belongs to, checked against the probe's. */
static int
fits_kind(struct parser *ps, const struct probe *p, const struct entry *e,
          enum probe_kind k)
{
    if (p->kind == k)
        return 0;
    return rd_err_set(ps->err, RD_PROBE_INVALID,
                      "%s:%d: '%s' goes with kind %s, not %s", ps->file,
                      e->line, key_names[e->key], probe_kind_name(k),
                      probe_kind_name(p->kind));
}

/* Check and store one header value (the kind is already known). */
static int
apply_entry(struct parser *ps, struct probe *p, const struct entry *e)
{
    const char *v = e->value;
    const char *kn = key_names[e->key];

    switch (e->key) {
    case K_NAME:
        if (!valid_name(v))
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: bad probe name '%s'\nHINT: use 1 to 63 of the characters A-Z a-z 0-9 _ . -",
                ps->file, e->line, v);
        if ((p->name = dup_str(v)) == NULL)
            return no_memory(ps);
        return 0;
    case K_KIND:
        return 0;
    case K_WARN_AFTER:
    case K_ERROR_AFTER:
        if (fits_kind(ps, p, e, PROBE_FRESHNESS) != 0)
            return -1;
        if (duration_parse(v, e->key == K_WARN_AFTER ? &p->warn_after_s
                                                     : &p->error_after_s) != 0)
            return bad_duration(ps, e);
        return 0;
    case K_RELATIVE_TO:
        if (fits_kind(ps, p, e, PROBE_FRESHNESS) != 0)
            return -1;
        if (strcmp(v, "archive") == 0)
            p->relative_archive = true;
        else if (strcmp(v, "now") != 0)
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: bad value '%s' for '%s'\nHINT: relative_to is now or archive",
                ps->file, e->line, v, kn);
        return 0;
    case K_MIN:
    case K_MAX:
        if (fits_kind(ps, p, e, PROBE_ROWS) != 0)
            return -1;
        if (!parse_number(v, e->key == K_MIN ? &p->min : &p->max))
            return rd_err_set(ps->err, RD_PROBE_INVALID,
                              "%s:%d: bad number '%s' for '%s'", ps->file,
                              e->line, v, kn);
        if (e->key == K_MIN)
            p->has_min = true;
        else
            p->has_max = true;
        return 0;
    case K_SEVERITY:
        if (strcmp(v, "warning") == 0)
            p->severity_warning = true;
        else if (strcmp(v, "critical") != 0)
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: bad value '%s' for '%s'\nHINT: severity is warning or critical",
                ps->file, e->line, v, kn);
        return 0;
    case K_TIMEOUT:
        if (duration_parse(v, &p->timeout_s) != 0)
            return bad_duration(ps, e);
        if (p->timeout_s == 0)
            return rd_err_set(ps->err, RD_PROBE_INVALID,
                              "%s:%d: 'timeout' must be more than 0s", ps->file,
                              e->line);
        return 0;
    case K_SEARCH_PATH:
        if (!valid_search_path(v))
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: bad value '%s' for 'search_path'\nHINT: write schema names separated by commas, e.g. public, \"My Schema\"",
                ps->file, e->line, v);
        if ((p->search_path = dup_str(v)) == NULL)
            return no_memory(ps);
        return 0;
    case K_DESCRIPTION:
        if ((p->description = dup_str(v)) == NULL)
            return no_memory(ps);
        return 0;
    default:
        break;
    }
    return rd_err_set(ps->err, RD_INTERNAL, "%s:%d: unhandled key '%s'",
                      ps->file, e->line, kn);
}

/* Check the header as a whole once every line is read. */
static int
apply_header(struct parser *ps, struct probe *p)
{
    const char *kind = value_of(ps, K_KIND);
    size_t k;

    if (!ps->at[K_NAME])
        return rd_err_set(ps->err, RD_PROBE_INVALID, "%s: no '-- name:' line",
                          ps->file);
    if (kind == NULL)
        return rd_err_set(
            ps->err, RD_PROBE_INVALID,
            "%s: no '-- kind:' line\nHINT: kind is freshness, rows, empty or true",
            ps->file);
    for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++)
        if (strcmp(kind, kind_names[k]) == 0)
            break;
    if (k == sizeof(kind_names) / sizeof(kind_names[0]))
        return rd_err_set(
            ps->err, RD_PROBE_INVALID,
            "%s:%d: unknown kind '%s'\nHINT: kind is freshness, rows, empty or true",
            ps->file, line_of(ps, K_KIND), kind);
    p->kind = (enum probe_kind)k;
    for (size_t i = 0; i < ps->n; i++)
        if (apply_entry(ps, p, &ps->entries[i]) != 0)
            return -1;
    if (p->kind == PROBE_FRESHNESS && p->warn_after_s < 0 &&
        p->error_after_s < 0)
        return rd_err_set(
            ps->err, RD_PROBE_INVALID,
            "%s:%d: kind freshness needs 'warn_after' or 'error_after'",
            ps->file, line_of(ps, K_KIND));
    if (p->kind == PROBE_ROWS && !p->has_min && !p->has_max)
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: kind rows needs 'min' or 'max'", ps->file,
                          line_of(ps, K_KIND));
    if (p->warn_after_s >= 0 && p->error_after_s >= 0 &&
        p->warn_after_s > p->error_after_s)
        return rd_err_set(
            ps->err, RD_PROBE_INVALID,
            "%s:%d: 'warn_after' (%s) is more than 'error_after' (%s)",
            ps->file, line_of(ps, K_WARN_AFTER), value_of(ps, K_WARN_AFTER),
            value_of(ps, K_ERROR_AFTER));
    if (p->has_min && p->has_max && p->min > p->max)
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: 'min' (%s) is more than 'max' (%s)", ps->file,
                          line_of(ps, K_MIN), value_of(ps, K_MIN),
                          value_of(ps, K_MAX));
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

/*
 * Find the statement in ${s} (the body, whose first line is ${line0}):
 * the offsets of its first token and of the end of its last token.
 */
static int
lex_body(struct parser *ps, const char *s, int line0, size_t *start,
         size_t *end)
{
    size_t i = 0, tok = 0;
    bool have_tok = false, have_semi = false;

    *start = *end = 0;
    while (s[i] != '\0') {
        char c = s[i];
        size_t from = i;
        const char *what = NULL;

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
            size_t depth = 1;

            i += 2;
            while (depth > 0 && s[i] != '\0') {
                if (s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (s[i] == '*' && s[i + 1] == '/') {
                    depth--;
                    i += 2;
                } else {
                    i++;
                }
            }
            if (depth > 0)
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
        if (c == '\'') {
            if (!skip_quoted(s, &i, '\'', false))
                what = "quoted string";
        } else if (c == '"') {
            if (!skip_quoted(s, &i, '"', false))
                what = "quoted identifier";
        } else if ((c == 'E' || c == 'e') && s[i + 1] == '\'') {
            i++;
            if (!skip_quoted(s, &i, '\'', true))
                what = "quoted string";
        } else if (is_ident_start(c)) {
            while (is_dolq_cont(s[i]) || s[i] == '$')
                i++;
        } else if (is_digit(c)) {
            while (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_' ||
                   s[i] == '.')
                i++;
        } else if (c == '$' && (s[i + 1] == '$' || is_ident_start(s[i + 1]))) {
            size_t j = i + 1;

            while (is_dolq_cont(s[j]))
                j++;
            if (s[j] == '$') {
                size_t tlen = j - i + 1;
                const char *close = s + j + 1;

                /* The first later occurrence of the same $tag$ closes it
                 * (memmem is linear, so a long tag cannot stall us). */
                close = memmem(close, strlen(close), s + i, tlen);
                if (close == NULL)
                    what = "dollar-quoted string";
                else
                    i = (size_t)(close - s) + tlen;
            } else {
                i = j; /* "$x" not closed by '$': not a dollar quote */
            }
        } else {
            i++;
        }
        if (what != NULL)
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

/* Check the raw bytes and make ps->text: BOM skipped, CRLF made LF. */
static int
load_text(struct parser *ps, const char *buf, size_t len)
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

int
probe_parse_named(const char *file, const char *buf, size_t len,
                  struct probe *p, int *name_line, struct rd_err *err)
{
    struct parser ps = {file, err, NULL, {{0}}, 0, {0}};
    char *line;
    int lineno = 1, rc = -1;
    size_t start, end;

    memset(p, 0, sizeof(*p));
    p->warn_after_s = p->error_after_s = -1;
    if ((p->file = dup_str(file)) == NULL) {
        no_memory(&ps);
        goto done;
    }
    if (load_text(&ps, buf, len) != 0)
        goto done;

    /* The header: blank and "--" lines up to the first other line. */
    line = ps.text;
    for (;;) {
        char *nl = strchr(line, '\n');
        bool is_header;
        int r;

        if (nl != NULL)
            *nl = '\0';
        r = header_line(&ps, line, lineno, &is_header);
        if (nl != NULL)
            *nl = '\n';
        if (r != 0)
            goto done;
        if (!is_header)
            break;
        if (nl == NULL) {
            line += strlen(line); /* the file ends inside the header */
            break;
        }
        line = nl + 1;
        lineno++;
    }
    if (apply_header(&ps, p) != 0)
        goto done;
    if (lex_body(&ps, line, lineno, &start, &end) != 0)
        goto done;
    while (end > start && is_space(line[end - 1]))
        end--;
    if ((p->sql = malloc(end - start + 1)) == NULL) {
        no_memory(&ps);
        goto done;
    }
    memcpy(p->sql, line + start, end - start);
    p->sql[end - start] = '\0';
    p->sql_line = lineno - 1 + line_at(line, start);
    *name_line = line_of(&ps, K_NAME);
    rc = 0;
done:
    for (size_t i = 0; i < ps.n; i++)
        free(ps.entries[i].value);
    free(ps.text);
    return rc;
}

int
probe_parse(const char *file, const char *buf, size_t len, struct probe *p,
            struct rd_err *err)
{
    int name_line;

    return probe_parse_named(file, buf, len, p, &name_line, err);
}

void
probe_release(struct probe *p)
{
    /* Behave consistently with free(NULL). */
    if (p == NULL)
        return;
    free(p->name);
    free(p->file);
    free(p->search_path);
    free(p->description);
    free(p->sql);
    memset(p, 0, sizeof(*p));
}

const char *
probe_kind_name(enum probe_kind k)
{
    if ((size_t)k < sizeof(kind_names) / sizeof(kind_names[0]))
        return kind_names[k];
    return "unknown";
}
