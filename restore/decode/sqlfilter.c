/* sqlfilter: make a plain pg_dump script safe and owner-neutral for psql. */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/sqlfilter_int.h"

static const char dumped_prefix[] = "-- Dumped from database version ";
#define DUMPED_PREFIX_LEN (sizeof(dumped_prefix) - 1)

/* Track "\.", alone on a line, which ends COPY data. */
static void
copy_byte(struct sqlfilter *f, unsigned char c)
{
    switch (f->copy_match) {
    case 0:
        f->copy_match = c == '\\' ? 1 : -1;
        break;
    case 1:
        f->copy_match = c == '.' ? 2 : -1;
        break;
    case 2:
        f->copy_match = c == '\r' ? 3 : c == '\n' ? 4 : -1;
        break;
    case 3:
        f->copy_match = c == '\n' ? 4 : -1;
        break;
    default:
        break;
    }
}

static void
dumped_byte(struct sqlfilter *f, unsigned char c)
{
    if (f->dump_match < 0)
        return;
    if ((size_t)f->dump_match < DUMPED_PREFIX_LEN) {
        if (c == (unsigned char)dumped_prefix[f->dump_match])
            f->dump_match++;
        else
            f->dump_match = -1;
    } else if (c != '\n' && f->dump_len < sizeof(f->dump_buf) - 1) {
        f->dump_buf[f->dump_len++] = (char)c;
    }
}

/* Keep the first version line's value, trimmed, as printable ASCII. */
static void
dumped_end(struct sqlfilter *f)
{
    char *v = f->dump_buf;
    size_t len = f->dump_len;

    if (f->dump_match == (int)DUMPED_PREFIX_LEN &&
        f->counts->dumped_from[0] == '\0') {
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
                v[i] = is_blank((unsigned char)v[i]) ? ' ' : '?';
        while (len > 0 && v[len - 1] == ' ')
            len--;
        while (len > 0 && v[0] == ' ') {
            v++;
            len--;
        }
        memcpy(f->counts->dumped_from, v, len);
        f->counts->dumped_from[len] = '\0';
    }
    f->dump_match = -1;
    f->dump_len = 0;
}

static const char *const keywords[] = {"alter", "grant", "revoke", "set",
                                       "reset"};

/*
 * While a candidate's first word is read: can it still be a keyword?  Once
 * the word ends, it must be one, followed by a byte outside identifiers.
 */
static bool
cand_prefix_ok(struct cand *k)
{
    size_t n = k->len - 1; /* letters before the newest byte */
    unsigned char c = k->buf[n];

    if (!is_alpha(c))
        k->prefix = false;
    if (!k->prefix && is_ident_cont(c))
        return false;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        size_t kl = strlen(keywords[i]);
        size_t j = 0;

        if (k->prefix ? kl <= n : kl != n)
            continue;
        while (j < n + (k->prefix ? 1 : 0) &&
               (k->buf[j] | 0x20) == (unsigned char)keywords[i][j])
            j++;
        if (j == n + (k->prefix ? 1 : 0))
            return true;
    }
    return false;
}

/* Does the held-back meta-command line run psql command ${name}? */
static bool
meta_is(const struct cand *k, const char *name)
{
    size_t n = strlen(name);

    return k->len >= n && memcmp(k->buf, name, n) == 0 &&
           (k->len == n || k->buf[n] == ' ' || k->buf[n] == '\t' ||
            k->buf[n] == '\r' || k->buf[n] == '\n');
}

/* ALTER <kind> <name> OWNER TO <role>: the four tokens before the ';'. */
static bool
owner_tail(const struct tok *last)
{
    /* Words that put a column, constraint or setting named "owner" there. */
    static const char *const not_name[] = {"rename",    "column", "constraint",
                                           "attribute", "on",     "set",
                                           "value",     "to"};

    if (!tok_is(&last[1], "owner") || !tok_is(&last[2], "to") ||
        (last[3].kind != TK_WORD && last[3].kind != TK_QIDENT))
        return false;
    for (size_t i = 0; i < sizeof(not_name) / sizeof(not_name[0]); i++)
        if (tok_is(&last[0], not_name[i]))
            return false;
    return true;
}

/* Decide on the complete candidate line; true (and counted) to drop it. */
static bool
cand_verdict(struct sqlfilter *f)
{
    const struct cand *k = &f->cand;
    const struct tok *t = k->first;

    if (k->meta) {
        if (!meta_is(k, "\\restrict") && !meta_is(k, "\\unrestrict"))
            return false;
        f->counts->restrict_++;
        return true;
    }
    /* Exactly one statement, from the line start to its end. */
    if (k->semis != 1 || !k->clean || !f->stmt_start || f->lx != LX_NORMAL ||
        f->lost)
        return false;
    if (tok_is(&t[0], "grant") || tok_is(&t[0], "revoke") ||
        (k->ntok >= 3 && tok_is(&t[0], "alter") && tok_is(&t[1], "default") &&
         tok_is(&t[2], "privileges"))) {
        f->counts->acl++;
        return true;
    }
    if ((k->ntok >= 4 && tok_is(&t[0], "set") && tok_is(&t[1], "session") &&
         tok_is(&t[2], "authorization")) ||
        (k->ntok == 3 && tok_is(&t[0], "reset") && tok_is(&t[1], "session") &&
         tok_is(&t[2], "authorization")) ||
        (k->ntok >= 6 && tok_is(&t[0], "alter") && owner_tail(k->last))) {
        f->counts->owner++;
        return true;
    }
    return false;
}

/* Pass the held-back bytes through; the rest of the line follows them. */
static void
cand_flush(struct sqlfilter *f)
{
    f->cand.active = false;
    f->flush_pos = 0;
    f->flush_len = f->cand.len;
}

/* The candidate line ended (newline or end of input). */
static void
cand_finish(struct sqlfilter *f)
{
    if (cand_verdict(f)) {
        f->cand.active = false;
        f->cand.len = 0;
    } else {
        cand_flush(f);
    }
}

static void
cand_byte(struct sqlfilter *f, unsigned char c)
{
    struct cand *k = &f->cand;

    k->buf[k->len++] = c;
    if (k->prefix && !cand_prefix_ok(k))
        cand_flush(f);
    else if (c == '\n')
        cand_finish(f);
    else if (k->len == CAND_CAP)
        cand_flush(f);
}

/* The first byte ${c} of a line: is the line COPY data, a candidate? */
static void
line_begin(struct sqlfilter *f, unsigned char c)
{
    struct cand *k = &f->cand;

    f->bol = false;
    f->line_used = true;
    sqltrailer_line_begin(&f->trailer,
                          !f->in_copy && (f->lost || f->lx == LX_NORMAL));
    if (f->in_copy) {
        f->copy_match = 0;
        return;
    }
    if (f->lost || f->lx != LX_NORMAL)
        return;
    f->dump_match = 0;
    if (!f->stmt_start || !(c == '\\' || (f->drop && is_alpha(c))))
        return;
    memset(k, 0, offsetof(struct cand, buf));
    k->active = true;
    k->meta = c == '\\';
    k->prefix = !k->meta;
}

static void
line_end(struct sqlfilter *f)
{
    f->counts->lines++;
    f->bol = true;
    f->line_used = false;
    dumped_end(f);
    sqltrailer_line_end(&f->trailer);
    if (f->in_copy) {
        if (f->copy_match == 4)
            f->in_copy = false;
    } else if (f->copy_pending) {
        f->copy_pending = false;
        f->in_copy = true;
    }
}

/* The end of input ends the last line, newline or not. */
static void
input_end(struct sqlfilter *f)
{
    if (!f->line_used)
        return;
    if (!f->in_copy && !f->lost)
        sqllex_byte(f, '\n');
    f->counts->lines++;
    f->line_used = false;
    dumped_end(f);
    sqltrailer_line_end(&f->trailer);
    if (f->cand.active)
        cand_finish(f);
}

/* Filter buffered input into ${out}; stop early when bytes were held back
 * and must be flushed first. */
static size_t
filter_bytes(struct sqlfilter *f, unsigned char *out, size_t room)
{
    size_t n = 0;

    while (f->in_pos < f->in_len && n < room && f->flush_len == 0) {
        unsigned char c = f->in[f->in_pos++];

        if (f->bol)
            line_begin(f, c);
        if (f->in_copy)
            copy_byte(f, c);
        else if (!f->lost)
            sqllex_byte(f, c);
        dumped_byte(f, c);
        sqltrailer_byte(&f->trailer, c);
        if (f->cand.active)
            cand_byte(f, c);
        else
            out[n++] = c;
        if (c == '\n')
            line_end(f);
    }
    return n;
}

static size_t
take(unsigned char *out, size_t room, const void *src, size_t *pos, size_t len)
{
    size_t n = len - *pos < room ? len - *pos : room;

    memcpy(out, (const unsigned char *)src + *pos, n);
    *pos += n;
    return n;
}

static ssize_t
sqlfilter_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct sqlfilter *f = (struct sqlfilter *)s;
    unsigned char *out = buf;
    size_t n = 0;

    assert(cap > 0);
    while (n < cap) {
        if (f->head_pos < f->head_len) {
            n += take(out + n, cap - n, f->head, &f->head_pos, f->head_len);
        } else if (f->flush_pos < f->flush_len) {
            n += take(out + n, cap - n, f->cand.buf, &f->flush_pos,
                      f->flush_len);
            if (f->flush_pos == f->flush_len)
                f->flush_pos = f->flush_len = f->cand.len = 0;
        } else if (f->in_pos < f->in_len) {
            n += filter_bytes(f, out + n, cap - n);
        } else if (f->eof || n > 0) {
            break;
        } else {
            ssize_t got = stream_read(s->below, f->in, sizeof(f->in), err);

            if (got < 0)
                return -1;
            f->in_pos = 0;
            f->in_len = (size_t)got;
            if (got == 0) {
                f->eof = true;
                input_end(f);
            }
        }
    }
    if (n == 0 && f->check_trailer) {
        char why[256];

        if (sqltrailer_verdict(&f->trailer, why, sizeof(why)) != 0)
            return rd_err_set(err, RD_ARCHIVE_TRUNCATED,
                              "archive '%s' is cut short: %s", s->name, why);
    }
    return (ssize_t)n;
}

void
sqlfilter_check_trailer(struct stream *s, bool on)
{
    ((struct sqlfilter *)s)->check_trailer = on;
}

static void
sqlfilter_free(struct stream *s)
{
    stream_free(s->below);
    free(s);
}

/* ${key} goes into a psql command line: only alphanumerics, long enough. */
static bool
key_ok(const char *key)
{
    size_t n = key != NULL ? strlen(key) : 0;

    if (n < KEY_MIN || n > KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alpha((unsigned char)key[i]) &&
            !is_digit((unsigned char)key[i]))
            return false;
    return true;
}

struct stream *
sqlfilter_new(struct stream *below, const char *key, bool drop_owner_acl,
              struct sqlfilter_counts *counts)
{
    struct sqlfilter *f;

    if (below == NULL)
        return NULL;
    if (!key_ok(key) || (f = calloc(1, sizeof(*f))) == NULL) {
        stream_free(below);
        return NULL;
    }
    f->s.read = sqlfilter_read;
    f->s.free = sqlfilter_free;
    f->s.below = below;
    f->s.name = below->name;
    f->drop = drop_owner_acl;
    f->counts = counts != NULL ? counts : &f->own_counts;
    memset(f->counts, 0, sizeof(*f->counts));
    f->head_len =
        (size_t)snprintf(f->head, sizeof(f->head), "\\restrict %s\n", key);
    f->lx = LX_NORMAL;
    f->stmt_start = f->stmt_empty = true;
    f->bol = true;
    f->copy_match = f->dump_match = -1;
    sqltrailer_init(&f->trailer);
    f->check_trailer = true;
    return &f->s;
}
