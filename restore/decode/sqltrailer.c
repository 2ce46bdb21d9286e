/* sqltrailer: did a plain pg_dump script end with pg_dump's closing line? */
#include <stdio.h>
#include <string.h>

#include "restore/decode/sqltrailer.h"

enum { TR_NONE, TR_DB, TR_CLUSTER };

static const char db_done[] = "-- PostgreSQL database dump complete";
static const char cluster_done[] =
    "-- PostgreSQL database cluster dump complete";
static const char cluster_head[] = "-- PostgreSQL database cluster dump";

void
sqltrailer_init(struct sqltrailer *t)
{
    memset(t, 0, sizeof(*t));
    t->state = TR_NONE;
}

void
sqltrailer_line_begin(struct sqltrailer *t, bool code)
{
    t->in_line = true;
    t->code = code;
    t->len = 0;
}

void
sqltrailer_byte(struct sqltrailer *t, unsigned char c)
{
    if (c == '\n')
        return;
    if (t->len < sizeof(t->line))
        t->line[t->len] = c;
    t->len++;
}

static bool
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The kept bytes equal ${s} exactly (after trimming), and the line is
 * no longer than they are. */
static bool
line_is(const unsigned char *b, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(b, s, n) == 0;
}

static bool
line_starts(const unsigned char *b, size_t n, const char *s)
{
    size_t sl = strlen(s);

    return n >= sl && memcmp(b, s, sl) == 0;
}

void
sqltrailer_line_end(struct sqltrailer *t)
{
    const unsigned char *b = t->line;
    size_t n = t->len < sizeof(t->line) ? t->len : sizeof(t->line);
    bool whole = t->len <= sizeof(t->line);

    if (!t->in_line)
        return;
    t->in_line = false;
    t->lines++;
    if (!t->code) {
        t->state = TR_NONE;
        t->last_line = t->lines;
        return;
    }
    while (n > 0 && is_space(b[0])) {
        b++;
        n--;
    }
    if (whole)
        while (n > 0 && is_space(b[n - 1]))
            n--;
    if (n == 0 && whole)
        return; /* blank */
    if (whole && line_is(b, n, db_done)) {
        t->state = TR_DB;
    } else if (whole && line_is(b, n, cluster_done)) {
        t->state = TR_CLUSTER;
    } else if (whole && line_is(b, n, cluster_head) && t->lines <= 16) {
        t->cluster = true;
        t->state = TR_NONE;
    } else if (line_starts(b, n, "--") || (line_starts(b, n, "\\unrestrict") &&
                                           (n == 11 || is_space(b[11])))) {
        return; /* a comment or pg_dump's own \unrestrict: no content */
    } else {
        t->state = TR_NONE;
    }
    t->last_line = t->lines;
}

int
sqltrailer_verdict(const struct sqltrailer *t, char *msg, size_t len)
{
    if (t->state == TR_CLUSTER || (t->state == TR_DB && !t->cluster))
        return 0;
    if (t->lines == 0)
        snprintf(msg, len, "it holds no lines");
    else if (t->cluster)
        snprintf(msg, len,
                 "it ends at line %lld without pg_dumpall's closing line '%s'",
                 (long long)t->lines, cluster_done);
    else
        snprintf(msg, len,
                 "it ends at line %lld without pg_dump's closing line '%s'",
                 (long long)t->lines, db_done);
    return -1;
}
