/* pattern: archive-name patterns with strftime fields and globs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/pattern.h"

/*
 * Matching runs in O(tokens x name length) time and bits of memory: a
 * suffix table says, for each token and name position, whether the rest of
 * the pattern can match the rest of the name; a forward walk then picks one
 * alignment (each '*' as short as possible, each %s as long as possible) and
 * reads the fields from it.  Both inputs are capped so the table stays small.
 */
#define PATTERN_MAX  4096 /* bytes of pattern */
#define NAME_MAX_LEN 4096 /* bytes of name; longer names never match */
#define EPOCH_DIGITS 20

enum field {
    F_YEAR,
    F_MON,
    F_MDAY,
    F_HOUR,
    F_MIN,
    F_SEC,
    F_YDAY,
    F_EPOCH,
    F_COUNT
};

/* Conversion letter, fixed width (0: 1-20 digits), and value range. */
static const struct {
    char conv;
    int width;
    int64_t min, max;
} fields[F_COUNT] = {
    [F_YEAR] = {'Y', 4, 0, 9999}, [F_MON] = {'m', 2, 1, 12},
    [F_MDAY] = {'d', 2, 1, 31},   [F_HOUR] = {'H', 2, 0, 23},
    [F_MIN] = {'M', 2, 0, 59},    [F_SEC] = {'S', 2, 0, 60},
    [F_YDAY] = {'j', 3, 1, 366},  [F_EPOCH] = {'s', 0, 0, INT64_MAX},
};

enum tok_kind { TOK_LIT, TOK_STAR, TOK_ONE, TOK_FIELD };

struct tok {
    enum tok_kind kind;
    enum field field; /* TOK_FIELD */
    const char *lit;  /* TOK_LIT: (borrowed) from the pattern */
    size_t len;       /* TOK_LIT */
};

/* Format a message into ${errbuf} if there is room for one; return -1. */
static int fail(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errbuf != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(errbuf, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The field whose conversion letter is ${c}, or F_COUNT. */
static enum field
field_of(char c)
{
    int f;

    for (f = 0; f < F_COUNT; f++) {
        if (fields[f].conv == c)
            return (enum field)f;
    }
    return F_COUNT;
}

/*
 * Read the token at ${pat}[*pos] into ${t} and advance ${pos}; -1 with a
 * message on an unknown or incomplete field.
 */
static int
next_tok(const char *pat, size_t *pos, struct tok *t, char *errbuf,
         size_t errlen)
{
    size_t i = *pos;
    unsigned char c;

    switch (pat[i]) {
    case '*':
        /* Consecutive stars are one star. */
        while (pat[i] == '*')
            i++;
        t->kind = TOK_STAR;
        break;
    case '?':
        t->kind = TOK_ONE;
        i++;
        break;
    case '%':
        c = (unsigned char)pat[i + 1];
        if (c == '\0')
            return fail(errbuf, errlen, "incomplete field '%%' at offset %zu",
                        i);
        if (c == '%') {
            t->kind = TOK_LIT;
            t->lit = pat + i + 1;
            t->len = 1;
        } else {
            t->kind = TOK_FIELD;
            t->field = field_of((char)c);
            if (t->field == F_COUNT) {
                if (c >= 0x20 && c < 0x7f)
                    return fail(errbuf, errlen,
                                "unknown field '%%%c' at offset %zu", c, i);
                return fail(errbuf, errlen,
                            "unknown field '%%\\x%02x' at offset %zu", c, i);
            }
        }
        i += 2;
        break;
    default:
        t->kind = TOK_LIT;
        t->lit = pat + i;
        while (pat[i] != '\0' && pat[i] != '*' && pat[i] != '?' &&
               pat[i] != '%')
            i++;
        t->len = (size_t)(pat + i - t->lit);
        break;
    }
    *pos = i;
    return 0;
}

/* True when fields ${a} and ${b} would both say which day (or time) it is. */
static bool
conflicts(enum field a, enum field b)
{
    if (a == b || a == F_EPOCH || b == F_EPOCH)
        return true;
    if (a == F_YDAY)
        return b == F_MON || b == F_MDAY;
    if (b == F_YDAY)
        return a == F_MON || a == F_MDAY;
    return false;
}

int
pattern_check(const char *pat, char *errbuf, size_t errlen)
{
    bool seen[F_COUNT] = {false};
    size_t pos = 0;
    struct tok t;
    int f;

    if (strlen(pat) > PATTERN_MAX)
        return fail(errbuf, errlen, "pattern is longer than %d bytes",
                    PATTERN_MAX);
    while (pat[pos] != '\0') {
        size_t at = pos;

        if (next_tok(pat, &pos, &t, errbuf, errlen) == -1)
            return -1;
        if (t.kind != TOK_FIELD)
            continue;
        /* Two fields that could disagree: refuse rather than pick one. */
        for (f = 0; f < F_COUNT; f++) {
            if (!seen[f] || !conflicts(t.field, (enum field)f))
                continue;
            if (t.field == (enum field)f)
                return fail(errbuf, errlen,
                            "duplicate field '%%%c' at offset %zu",
                            fields[f].conv, at);
            return fail(errbuf, errlen,
                        "field '%%%c' at offset %zu conflicts with '%%%c'",
                        fields[t.field].conv, at, fields[f].conv);
        }
        seen[t.field] = true;
    }
    return 0;
}

bool
pattern_has_time(const char *pat)
{
    size_t pos = 0;
    struct tok t;

    while (pat[pos] != '\0') {
        if (next_tok(pat, &pos, &t, NULL, 0) == -1)
            return false;
        if (t.kind == TOK_FIELD && (t.field == F_YEAR || t.field == F_EPOCH))
            return true;
    }
    return false;
}

/* Bit ${j} of row ${r}. */
static bool
bit_get(const uint64_t *r, size_t j)
{
    return (r[j / 64] >> (j % 64)) & 1;
}

static void
bit_set(uint64_t *r, size_t j)
{
    r[j / 64] |= (uint64_t)1 << (j % 64);
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The value of ${w} digits at ${s}, or -1 when they are not all digits. */
static int64_t
fixed_value(const char *s, int w)
{
    int64_t v = 0;
    int k;

    for (k = 0; k < w; k++) {
        if (!is_digit(s[k]))
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

/*
 * Fill row ${cur} for token ${t} from ${next}, the row of the token after
 * it: bit j is set when ${t} and the rest of the pattern match name[j..n).
 */
static void
fill_row(const struct tok *t, const char *name, size_t n, const uint64_t *next,
         uint64_t *cur)
{
    size_t j;

    switch (t->kind) {
    case TOK_LIT:
        for (j = 0; j + t->len <= n; j++) {
            if (bit_get(next, j + t->len) &&
                memcmp(name + j, t->lit, t->len) == 0)
                bit_set(cur, j);
        }
        break;
    case TOK_ONE:
        for (j = 0; j < n; j++) {
            if (bit_get(next, j + 1))
                bit_set(cur, j);
        }
        break;
    case TOK_STAR:
        for (j = n + 1; j-- > 0;) {
            if (bit_get(next, j) || (j < n && bit_get(cur, j + 1)))
                bit_set(cur, j);
        }
        break;
    case TOK_FIELD:
        if (t->field == F_EPOCH) {
            for (j = 0; j < n; j++) {
                int64_t v = 0;
                size_t w;

                /* 1 to 20 digits whose value fits in int64. */
                for (w = 1; w <= EPOCH_DIGITS && j + w <= n; w++) {
                    int d = name[j + w - 1] - '0';

                    if (!is_digit(name[j + w - 1]) || v > (INT64_MAX - d) / 10)
                        break;
                    v = v * 10 + d;
                    if (bit_get(next, j + w)) {
                        bit_set(cur, j);
                        break;
                    }
                }
            }
        } else {
            size_t w = (size_t)fields[t->field].width;

            for (j = 0; j + w <= n; j++) {
                int64_t v;

                if (!bit_get(next, j + w))
                    continue;
                v = fixed_value(name + j, (int)w);
                if (v >= fields[t->field].min && v <= fields[t->field].max)
                    bit_set(cur, j);
            }
        }
        break;
    }
}

static bool
is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int mon, bool leap)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};

    return mon == 2 && leap ? 29 : mdays[mon - 1];
}

/*
 * Check the fields read from one alignment form a real date and convert
 * them: ${ts} gets the UTC time, or -1 when there is no %Y or %s.
 */
static bool
fields_to_time(const int64_t *val, const bool *seen, time_t *ts)
{
    /* Without a year, allow Feb 29: some year has it. */
    bool leap = seen[F_YEAR] ? is_leap(val[F_YEAR]) : true;
    int mon = seen[F_MON] ? (int)val[F_MON] : 1;
    int mday = seen[F_MDAY] ? (int)val[F_MDAY] : 1;
    struct tm tm;

    if (seen[F_YDAY]) {
        int yday = (int)val[F_YDAY], m = 1;

        if (yday > (leap ? 366 : 365))
            return false;
        while (yday > days_in_month(m, leap))
            yday -= days_in_month(m++, leap);
        mon = m;
        mday = yday;
    }
    if (mday > days_in_month(mon, leap))
        return false;

    *ts = (time_t)-1;
    if (seen[F_EPOCH]) {
        *ts = (time_t)val[F_EPOCH];
    } else if (seen[F_YEAR]) {
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = (int)val[F_YEAR] - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = mday;
        tm.tm_hour = seen[F_HOUR] ? (int)val[F_HOUR] : 0;
        tm.tm_min = seen[F_MIN] ? (int)val[F_MIN] : 0;
        tm.tm_sec = seen[F_SEC] ? (int)val[F_SEC] : 0;
        *ts = timegm(&tm);
    }
    return true;
}

/*
 * Walk the table from token 0 at position 0 (which must be set), choosing
 * one alignment, and record each field's value.
 */
static void
walk(const struct tok *toks, size_t ntok, const char *name, size_t n,
     const uint64_t *table, size_t words, int64_t *val, bool *seen)
{
    size_t i, j = 0;

    for (i = 0; i < ntok; i++) {
        const uint64_t *next = table + (i + 1) * words;
        const struct tok *t = &toks[i];
        int64_t v = 0;
        size_t w = 0;

        switch (t->kind) {
        case TOK_LIT:
            j += t->len;
            continue;
        case TOK_ONE:
            j++;
            continue;
        case TOK_STAR:
            while (!bit_get(next, j))
                j++;
            continue;
        case TOK_FIELD:
            break;
        }
        if (t->field == F_EPOCH) {
            size_t best = 0;
            int64_t best_v = 0;

            /* The longest run of digits that lets the rest match. */
            for (w = 1; w <= EPOCH_DIGITS && j + w <= n; w++) {
                int d = name[j + w - 1] - '0';

                if (!is_digit(name[j + w - 1]) || v > (INT64_MAX - d) / 10)
                    break;
                v = v * 10 + d;
                if (bit_get(next, j + w)) {
                    best = w;
                    best_v = v;
                }
            }
            w = best;
            v = best_v;
        } else {
            w = (size_t)fields[t->field].width;
            v = fixed_value(name + j, (int)w);
        }
        seen[t->field] = true;
        val[t->field] = v;
        j += w;
    }
}

bool
pattern_match(const char *pat, const char *name, time_t *ts)
{
    int64_t val[F_COUNT] = {0};
    bool seen[F_COUNT] = {false};
    size_t n = strlen(name), ntok = 0, words, pos, i;
    struct tok *toks = NULL;
    uint64_t *table = NULL;
    bool ok = false;
    time_t t;

    if (ts != NULL)
        *ts = (time_t)-1;
    if (n > NAME_MAX_LEN || pattern_check(pat, NULL, 0) == -1)
        return false;

    /* One token per pattern byte at most. */
    toks = malloc((strlen(pat) + 1) * sizeof(*toks));
    if (toks == NULL)
        return false;
    for (pos = 0; pat[pos] != '\0'; ntok++) {
        if (next_tok(pat, &pos, &toks[ntok], NULL, 0) == -1)
            goto done;
    }

    /* Row i is token i; row ntok (the end) matches only at position n. */
    words = (n + 1 + 63) / 64;
    table = calloc((ntok + 1) * words, sizeof(*table));
    if (table == NULL)
        goto done;
    bit_set(table + ntok * words, n);
    for (i = ntok; i-- > 0;)
        fill_row(&toks[i], name, n, table + (i + 1) * words, table + i * words);
    if (!bit_get(table, 0))
        goto done;

    walk(toks, ntok, name, n, table, words, val, seen);
    ok = fields_to_time(val, seen, &t);
    if (ok && ts != NULL)
        *ts = t;

done:
    free(table);
    free(toks);
    return ok;
}
