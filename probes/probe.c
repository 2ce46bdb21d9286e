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

#include "probes/probe_int.h"

#define PROBE_NAME_MAX  63
#define PROBE_IDENT_MAX 63

static const char *const key_names[K_COUNT] = {
    "name", "kind",     "warn_after", "error_after", "relative_to", "min",
    "max",  "severity", "timeout",    "search_path", "description",
};

static const char keys_hint[] =
    "\nHINT: the header keys are name, kind, warn_after, error_after, "
    "relative_to, min, max, severity, timeout, search_path and description; "
    "other '--' comment lines must not start with 'word:'";

static const char *const kind_names[] = {"freshness", "rows", "empty", "true"};

static char *
dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
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

/* Check and store a freshness key: warn_after, error_after, relative_to. */
static int
apply_freshness(struct parser *ps, struct probe *p, const struct entry *e)
{
    const char *v = e->value;

    if (fits_kind(ps, p, e, PROBE_FRESHNESS) != 0)
        return -1;
    if (e->key == K_RELATIVE_TO) {
        if (strcmp(v, "archive") == 0)
            p->relative_archive = true;
        else if (strcmp(v, "now") != 0)
            return rd_err_set(
                ps->err, RD_PROBE_INVALID,
                "%s:%d: bad value '%s' for '%s'\nHINT: relative_to is now or archive",
                ps->file, e->line, v, key_names[e->key]);
        return 0;
    }
    if (duration_parse(v, e->key == K_WARN_AFTER ? &p->warn_after_s
                                                 : &p->error_after_s) != 0)
        return bad_duration(ps, e);
    return 0;
}

/* Check and store a rows key: min, max. */
static int
apply_rows(struct parser *ps, struct probe *p, const struct entry *e)
{
    if (fits_kind(ps, p, e, PROBE_ROWS) != 0)
        return -1;
    if (!parse_number(e->value, e->key == K_MIN ? &p->min : &p->max))
        return rd_err_set(ps->err, RD_PROBE_INVALID,
                          "%s:%d: bad number '%s' for '%s'", ps->file, e->line,
                          e->value, key_names[e->key]);
    if (e->key == K_MIN)
        p->has_min = true;
    else
        p->has_max = true;
    return 0;
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
    case K_RELATIVE_TO:
        return apply_freshness(ps, p, e);
    case K_MIN:
    case K_MAX:
        return apply_rows(ps, p, e);
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
    if (probe_lex_text(&ps, buf, len) != 0)
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
    if (probe_lex_body(&ps, line, lineno, &start, &end) != 0)
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
