/* myfilter: make a mysqldump / mariadb-dump script restorable into the
 * scratch MariaDB, and check that it is whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/myfilter.h"

#define CHUNK 65536

/* MySQL 8 collations MariaDB 10.11 lacks, and what they become. */
static const struct {
    const char *from, *to;
} collation_map[] = {
    {"utf8mb4_0900_ai_ci", "utf8mb4_uca1400_ai_ci"},
    {"utf8mb4_0900_as_ci", "utf8mb4_uca1400_as_ci"},
    {"utf8mb4_0900_as_cs", "utf8mb4_uca1400_as_cs"},
    {"utf8mb4_0900_bin", "utf8mb4_bin"},
};

static const char *const system_dbs[] = {"mysql", "sys", "performance_schema",
                                         "information_schema"};

struct myfilter {
    struct stream s;
    struct myfilter_counts *counts, own;
    bool header;
    bool pass;  /* the rest of this line goes through untouched */
    bool skip;  /* inside a system schema's section */
    bool eof;   /* below ended */
    char *line; /* the line being collected (MYFILTER_LINE_MAX) */
    size_t ll;
    char *out; /* bytes ready for the reader */
    size_t olen, opos;
    char *in; /* bytes read from below, not yet taken */
    size_t ilen, ipos;
    char last[24]; /* start of the last non-blank line */
    bool failed;   /* an unmapped collation: the stream fails */
};

static bool
starts(const char *l, size_t n, const char *lit)
{
    size_t k = strlen(lit);

    return n >= k && memcmp(l, lit, k) == 0;
}

/* Length of the user@host (or 'user'@'host', `user`@`host`) at ${p}. */
static size_t
account_len(const char *p, size_t n)
{
    size_t i = 0;

    for (int part = 0; part < 2; part++) {
        if (i < n && (p[i] == '`' || p[i] == '\'' || p[i] == '"')) {
            char q = p[i++];

            while (i < n && p[i] != q)
                i++;
            if (i >= n)
                return 0;
            i++;
        } else {
            size_t s = i;

            while (i < n && p[i] != '@' && p[i] != ' ' && p[i] != '*' &&
                   p[i] != '\t')
                i++;
            if (i == s)
                return 0;
        }
        if (part == 0) {
            if (i >= n || p[i] != '@')
                return 0;
            i++;
        }
    }
    return i;
}

static bool
ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_';
}

/* The first MySQL 8 collation left in a rewritten line ("_0900_" inside
 * a name): MariaDB has no equivalent of it. */
static void
note_unmapped(const char *l, size_t n, struct myfilter_counts *c)
{
    const char *p = l;

    while (c->unmapped[0] == '\0' && n >= 6 &&
           (p = memmem(p, n - (size_t)(p - l), "_0900_", 6)) != NULL) {
        const char *b = p, *e = p + 6;

        while (b > l && ident_char(b[-1]))
            b--;
        while (e < l + n && ident_char(*e))
            e++;
        if (b < p && (size_t)(e - b) < sizeof(c->unmapped)) {
            memcpy(c->unmapped, b, (size_t)(e - b));
            c->unmapped[e - b] = '\0';
        }
        p += 6;
        if ((size_t)(p - l) >= n)
            break;
    }
}

size_t
myfilter_line(const char *l, size_t n, char *out, size_t cap,
              struct myfilter_counts *c)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o + 1 < cap;) {
        if (n - i > 8 && memcmp(l + i, "DEFINER=", 8) == 0) {
            size_t a = account_len(l + i + 8, n - i - 8);

            if (a > 0) {
                i += 8 + a;
                if (i < n && l[i] == ' ')
                    i++;
                c->definer++;
                continue;
            }
        }
        if (l[i] == 'u' && n - i >= 16 &&
            memcmp(l + i, "utf8mb4_0900_", 13) == 0) {
            size_t k;

            for (k = 0; k < sizeof(collation_map) / sizeof(collation_map[0]);
                 k++) {
                size_t fl = strlen(collation_map[k].from);
                size_t tl = strlen(collation_map[k].to);

                if (n - i < fl || memcmp(l + i, collation_map[k].from, fl) != 0)
                    continue;
                if (o + tl + 1 >= cap)
                    break;
                memcpy(out + o, collation_map[k].to, tl);
                o += tl;
                i += fl;
                c->collations++;
                if (strstr(c->mapped, collation_map[k].from) == NULL) {
                    size_t ml = strlen(c->mapped);

                    snprintf(c->mapped + ml, sizeof(c->mapped) - ml,
                             "%s%s -> %s", ml > 0 ? ", " : "",
                             collation_map[k].from, collation_map[k].to);
                }
                break;
            }
            if (k < sizeof(collation_map) / sizeof(collation_map[0]))
                continue;
        }
        out[o++] = l[i++];
    }
    out[o] = '\0';
    note_unmapped(out, o, c);
    return o;
}

/* The first `name` of the line, or NULL (into ${buf}). */
static const char *
db_of(const char *l, size_t n, char *buf, size_t cap)
{
    const char *b = memchr(l, '`', n), *e;

    if (b == NULL)
        return NULL;
    e = memchr(b + 1, '`', n - (size_t)(b + 1 - l));
    if (e == NULL || (size_t)(e - b - 1) >= cap)
        return NULL;
    memcpy(buf, b + 1, (size_t)(e - b - 1));
    buf[e - b - 1] = '\0';
    return buf;
}

/* A line that enters a database: skip or stop skipping. */
static void
track_db(struct myfilter *f, const char *l, size_t n)
{
    char name[128];
    bool sys = false;

    if (!starts(l, n, "-- Current Database: `") &&
        !starts(l, n, "CREATE DATABASE ") && !starts(l, n, "USE `"))
        return;
    if (db_of(l, n, name, sizeof(name)) == NULL)
        return;
    for (size_t k = 0; k < sizeof(system_dbs) / sizeof(system_dbs[0]); k++)
        sys = sys || strcmp(name, system_dbs[k]) == 0;
    f->skip = sys;
    if (sys) {
        char *d = f->counts->skipped_dbs;
        size_t dl = strlen(d);

        if (strstr(d, name) == NULL)
            snprintf(d + dl, sizeof(f->counts->skipped_dbs) - dl, "%s%s",
                     dl > 0 ? ", " : "", name);
    }
}

/* Remember the start of a non-blank line for the trailer check. */
static void
note_last(struct myfilter *f, const char *l, size_t n)
{
    size_t k = 0;

    while (k < n && (l[k] == ' ' || l[k] == '\t' || l[k] == '\r'))
        k++;
    if (k == n)
        return;
    n = n < sizeof(f->last) - 1 ? n : sizeof(f->last) - 1;
    memcpy(f->last, l, n);
    f->last[n] = '\0';
}

/* A whole collected line (${nl}: it had its newline) into out. */
static void
emit_line(struct myfilter *f, bool nl)
{
    f->counts->lines++;
    note_last(f, f->line, f->ll);
    track_db(f, f->line, f->ll);
    if (f->skip) {
        f->counts->skipped_lines++;
        f->olen = 0; /* nothing of it goes out */
    } else {
        f->olen = myfilter_line(f->line, f->ll, f->out, 2 * MYFILTER_LINE_MAX,
                                f->counts);
        if (nl)
            f->out[f->olen++] = '\n';
        f->failed = f->counts->unmapped[0] != '\0';
    }
    f->opos = 0;
    f->ll = 0;
}

/* Move bytes of ${in} into the line or the output; returns how many were
 * taken (stops once output is pending). */
static size_t
take(struct myfilter *f, const char *in, size_t n)
{
    size_t i = 0;

    while (i < n && f->opos >= f->olen) {
        if (f->pass) {
            const char *e = memchr(in + i, '\n', n - i);
            size_t k = e != NULL ? (size_t)(e - (in + i)) + 1 : n - i;

            if (!f->skip) {
                memcpy(f->out, in + i, k);
                f->olen = k;
                f->opos = 0;
            }
            i += k;
            if (e != NULL) {
                f->pass = false;
                f->counts->lines++;
                f->counts->skipped_lines += f->skip ? 1 : 0;
            }
            continue;
        }
        char ch = in[i++];

        if (ch == '\n') {
            emit_line(f, true);
            continue;
        }
        f->line[f->ll++] = ch;
        /* Data and overlong lines go through untouched, streamed. */
        if ((f->ll == 7 && memcmp(f->line, "INSERT ", 7) == 0) ||
            f->ll == MYFILTER_LINE_MAX) {
            note_last(f, f->line, f->ll);
            if (!f->skip) {
                memcpy(f->out, f->line, f->ll);
                f->olen = f->ll;
                f->opos = 0;
            }
            f->ll = 0;
            f->pass = true;
        }
    }
    return i;
}

static int
check_end(struct myfilter *f, struct rd_err *err)
{
    f->counts->completed =
        starts(f->last, strlen(f->last), "-- Dump completed");
    if (!f->header || f->counts->completed)
        return 0;
    return rd_err_set(
        err, RD_ARCHIVE_TRUNCATED,
        "archive '%s' is cut short: its mysqldump header is there, but it does not end with '-- Dump completed' (last line starts '%s')\nHINT: the dump was interrupted or the file was cut in transfer; take a new dump",
        f->s.name != NULL ? f->s.name : "?", f->last);
}

static ssize_t
myfilter_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct myfilter *f = (struct myfilter *)s;

    for (;;) {
        ssize_t n;

        if (f->failed)
            return rd_err_set(
                err, RD_TOOL_TOO_OLD,
                "archive '%s' uses the MySQL 8 collation %s, which MariaDB has no equivalent of (restoredrill maps utf8mb4_0900_ai_ci, _as_ci, _as_cs and _bin)\nHINT: restore it into a MySQL 8 server by hand, or dump with a collation MariaDB knows",
                f->s.name != NULL ? f->s.name : "?", f->counts->unmapped);
        if (f->opos < f->olen) {
            size_t k = f->olen - f->opos < cap ? f->olen - f->opos : cap;

            memcpy(buf, f->out + f->opos, k);
            f->opos += k;
            return (ssize_t)k;
        }
        if (f->ipos < f->ilen) {
            f->ipos += take(f, f->in + f->ipos, f->ilen - f->ipos);
            continue;
        }
        if (f->eof) /* the last line is out: now the verdict */
            return check_end(f, err) != 0 ? -1 : 0;
        n = stream_read(s->below, f->in, CHUNK, err);
        if (n < 0)
            return -1;
        f->ipos = 0;
        f->ilen = (size_t)n;
        if (n == 0) {
            f->eof = true;
            if (f->ll > 0)
                emit_line(f, false);
        }
    }
}

static void
myfilter_free(struct stream *s)
{
    struct myfilter *f = (struct myfilter *)s;

    stream_free(s->below);
    free(f->line);
    free(f->out);
    free(f->in);
    free(f);
}

struct stream *
myfilter_new(struct stream *below, bool header, struct myfilter_counts *counts)
{
    struct myfilter *f;

    if (below == NULL)
        return NULL;
    f = calloc(1, sizeof(*f));
    if (f != NULL) {
        f->line = malloc(MYFILTER_LINE_MAX + 1);
        f->out = malloc(2 * MYFILTER_LINE_MAX + 2);
        f->in = malloc(CHUNK);
    }
    if (f == NULL || f->line == NULL || f->out == NULL || f->in == NULL) {
        if (f != NULL) {
            free(f->line);
            free(f->out);
            free(f->in);
        }
        free(f);
        stream_free(below);
        return NULL;
    }
    f->s.read = myfilter_read;
    f->s.free = myfilter_free;
    f->s.below = below;
    f->s.name = below->name;
    f->counts = counts != NULL ? counts : &f->own;
    memset(f->counts, 0, sizeof(*f->counts));
    f->counts->header = header;
    f->header = header;
    return &f->s;
}
