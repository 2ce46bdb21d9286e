/* sqlfilter: make a plain pg_dump script safe and owner-neutral for psql. */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/sqlfilter.h"
#include "restore/sqltrailer.h"

#define IN_CAP   65536 /* bytes read from the layer below at a time */
#define CAND_CAP 65536 /* longest candidate line held back */
#define TAG_MAX  1024  /* longest dollar-quote tag followed */
#define WORD_MAX 16    /* the keywords compared are shorter than this */
#define KEY_MIN  32
#define KEY_MAX  256

static const char dumped_prefix[] = "-- Dumped from database version ";
#define DUMPED_PREFIX_LEN (sizeof(dumped_prefix) - 1)

/*
 * Lexer states, after psql's own scanner (psqlscan.l): what matters is
 * where quotes, comments and statements end, not the tokens themselves.
 */
enum lex {
    LX_NORMAL,
    LX_WORD,         /* unquoted identifier or keyword */
    LX_NUMBER,       /* numeric literal */
    LX_DASH,         /* '-': an operator or the start of "--" */
    LX_SLASH,        /* '/': an operator or the start of a block comment */
    LX_BSLASH,       /* '\' outside quotes: a meta-command, or \; \: */
    LX_META,         /* a psql meta-command: the rest of the line */
    LX_LINE_COMMENT, /* -- ... end of line */
    LX_BLOCK,        /* inside (nested) block comments */
    LX_BLOCK_STAR,   /* ... after '*' */
    LX_BLOCK_SLASH,  /* ... after '/' */
    LX_SQ,           /* '...' (standard: only '' escapes) */
    LX_SQ_END,       /* ... after a quote: the end or '' */
    LX_ESQ,          /* E'...' (backslash escapes too) */
    LX_ESQ_BSL,      /* ... after a backslash */
    LX_ESQ_END,      /* ... after a quote */
    LX_DQ,           /* "..." */
    LX_DQ_END,       /* ... after a quote: the end or "" */
    LX_DOLLAR,       /* '$' outside quotes: maybe $tag$ */
    LX_DOLQ,         /* inside $tag$ ... */
    LX_DOLQ_CLOSE    /* ... matching a possible closing $tag$ */
};

enum tok_kind { TK_NONE, TK_WORD, TK_QIDENT, TK_OTHER };

struct tok {
    enum tok_kind kind;
    char text[WORD_MAX]; /* a word, lowercased; "" when it did not fit */
};

/* The line held back because dropping it is still possible. */
struct cand {
    bool active;  /* bytes go to buf instead of the output */
    bool prefix;  /* still reading the first word */
    bool meta;    /* the line starts with a backslash */
    bool clean;   /* only blanks and -- comments after the statement end */
    int semis;    /* statement ends seen on the line (1 or more stops) */
    int64_t ntok; /* tokens before the statement end */
    struct tok first[3];
    struct tok last[4];
    size_t len;
    unsigned char buf[CAND_CAP];
};

struct sqlfilter {
    struct stream s;
    bool drop;
    struct sqlfilter_counts *counts; /* (borrowed) or &own_counts */
    struct sqlfilter_counts own_counts;

    char head[KEY_MAX + 16]; /* "\restrict KEY\n" */
    size_t head_len, head_pos;
    unsigned char in[IN_CAP];
    size_t in_len, in_pos;
    bool eof;
    size_t flush_pos, flush_len; /* cand.buf being passed through */

    /* lexer */
    enum lex lx;
    bool lost; /* a dollar tag too long to follow: filter nothing more */
    char word[WORD_MAX];
    size_t word_len;
    unsigned char tag[TAG_MAX];
    size_t tag_len, tag_match;
    int64_t comment_depth;

    /* the current statement as psql splits them */
    bool stmt_start; /* the last content ended a statement */
    bool stmt_empty; /* no token yet */
    int64_t paren, begin_depth;
    int64_t idents;
    char ident_first[4];
    bool stmt_copy, prev_from, copy_stdin, copy_pending;

    /* lines */
    bool bol, line_used;
    bool in_copy;
    int copy_match; /* progress on "\.\r?\n" at a data line start; -1 none */
    int dump_match; /* progress on dumped_prefix at a line start; -1 none */
    size_t dump_len;
    char dump_buf[sizeof(((struct sqlfilter_counts *)0)->dumped_from)];

    struct sqltrailer trailer;
    bool check_trailer;

    struct cand cand;
};

static bool
is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static bool
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* psql's ident_start: letters, '_' and every non-ASCII byte. */
static bool
is_ident_start(unsigned char c)
{
    return is_alpha(c) || c == '_' || c >= 0x80;
}

/* psql's dolq_cont: a dollar tag never contains '$'. */
static bool
is_dolq_cont(unsigned char c)
{
    return is_ident_start(c) || is_digit(c);
}

static bool
is_ident_cont(unsigned char c)
{
    return is_dolq_cont(c) || c == '$';
}

static bool
tok_is(const struct tok *t, const char *word)
{
    return t->kind == TK_WORD && strcmp(t->text, word) == 0;
}

/* A drop candidate's line gets one of its tokens. */
static void
cand_tok(struct cand *k, const struct tok *t)
{
    if (!k->active)
        return;
    if (k->semis > 0) {
        k->clean = false;
        return;
    }
    if (k->ntok < 3)
        k->first[k->ntok] = *t;
    memmove(k->last, k->last + 1, sizeof(k->last) - sizeof(k->last[0]));
    k->last[3] = *t;
    k->ntok++;
}

/* Something other than a -- comment follows a candidate's statement end. */
static void
cand_dirty(struct cand *k)
{
    if (k->active && k->semis > 0)
        k->clean = false;
}

/*
 * psql's heuristic for CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN
 * ATOMIC ... END, whose inner semicolons do not end the statement.
 */
static void
stmt_ident(struct sqlfilter *f, const struct tok *t)
{
    const char *w = t->text;
    const char *c = f->ident_first;

    if (f->idents == 0)
        memset(f->ident_first, 0, sizeof(f->ident_first));
    if (f->idents < (int64_t)sizeof(f->ident_first) &&
        (strcmp(w, "create") == 0 || strcmp(w, "function") == 0 ||
         strcmp(w, "procedure") == 0 || strcmp(w, "or") == 0 ||
         strcmp(w, "replace") == 0))
        f->ident_first[f->idents] = w[0];
    f->idents++;
    if (c[0] == 'c' &&
        (c[1] == 'f' || c[1] == 'p' ||
         (c[1] == 'o' && c[2] == 'r' && (c[3] == 'f' || c[3] == 'p'))) &&
        f->paren == 0) {
        if (strcmp(w, "begin") == 0)
            f->begin_depth++;
        else if (strcmp(w, "case") == 0 && f->begin_depth >= 1)
            f->begin_depth++;
        else if (strcmp(w, "end") == 0 && f->begin_depth > 0)
            f->begin_depth--;
    }
}

/* A token of the current statement ends (a word's text is in f->word). */
static void
tok_emit(struct sqlfilter *f, enum tok_kind kind)
{
    struct tok t = {kind, ""};

    if (kind == TK_WORD && f->word_len < WORD_MAX) {
        memcpy(t.text, f->word, f->word_len);
        t.text[f->word_len] = '\0';
    }
    f->stmt_start = false;
    /* COPY <table> ... FROM STDIN (at depth 0: not a query's FROM). */
    if (f->stmt_empty)
        f->stmt_copy = tok_is(&t, "copy");
    else if (f->paren == 0 && f->prev_from && tok_is(&t, "stdin"))
        f->copy_stdin = true;
    f->prev_from = f->paren == 0 && tok_is(&t, "from");
    f->stmt_empty = false;
    if (kind == TK_WORD)
        stmt_ident(f, &t);
    cand_tok(&f->cand, &t);
}

/* A ';' at depth 0 ends the statement, as psql sends it. */
static void
stmt_end(struct sqlfilter *f)
{
    if (f->stmt_copy && f->copy_stdin)
        f->copy_pending = true;
    f->stmt_start = true;
    f->stmt_empty = true;
    f->stmt_copy = f->prev_from = f->copy_stdin = false;
    f->idents = 0;
    if (f->cand.active && f->cand.semis < 2 && ++f->cand.semis == 1)
        f->cand.clean = true;
}

static void
word_add(struct sqlfilter *f, unsigned char c)
{
    if (f->word_len < WORD_MAX - 1)
        f->word[f->word_len] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    if (f->word_len < WORD_MAX)
        f->word_len++;
}

static void
lex_normal(struct sqlfilter *f, unsigned char c)
{
    if (is_blank(c))
        return;
    switch (c) {
    case '\'':
        f->lx = LX_SQ;
        return;
    case '"':
        f->lx = LX_DQ;
        return;
    case '$':
        f->lx = LX_DOLLAR;
        f->tag_len = 0;
        return;
    case '-':
        f->lx = LX_DASH;
        return;
    case '/':
        f->lx = LX_SLASH;
        return;
    case '\\':
        f->lx = LX_BSLASH;
        return;
    case ';':
        if (f->paren == 0 && f->begin_depth == 0)
            stmt_end(f);
        else
            tok_emit(f, TK_OTHER);
        return;
    case '(':
        tok_emit(f, TK_OTHER);
        f->paren++;
        return;
    case ')':
        if (f->paren > 0)
            f->paren--;
        tok_emit(f, TK_OTHER);
        return;
    default:
        break;
    }
    if (is_ident_start(c)) {
        f->lx = LX_WORD;
        f->word_len = 0;
        word_add(f, c);
    } else if (is_digit(c)) {
        f->lx = LX_NUMBER;
    } else {
        tok_emit(f, TK_OTHER);
    }
}

/* Dollar quotes: the closing $tag$ may be preceded by other $x$ text. */
static bool
lex_dollar(struct sqlfilter *f, unsigned char c)
{
    switch (f->lx) {
    case LX_DOLLAR:
        if (c == '$') {
            f->lx = LX_DOLQ;
            return true;
        }
        if (f->tag_len == 0 ? is_ident_start(c) : is_dolq_cont(c)) {
            if (f->tag_len == TAG_MAX)
                f->lost = true;
            else
                f->tag[f->tag_len++] = c;
            return true;
        }
        tok_emit(f, TK_OTHER); /* "$1" or a stray '$' */
        return false;
    case LX_DOLQ:
        if (c == '$') {
            f->lx = LX_DOLQ_CLOSE;
            f->tag_match = 0;
        }
        return true;
    default: /* LX_DOLQ_CLOSE */
        if (f->tag_match == f->tag_len) {
            if (c == '$') {
                tok_emit(f, TK_OTHER);
                f->lx = LX_NORMAL;
            } else {
                f->lx = LX_DOLQ;
            }
        } else if (c == f->tag[f->tag_match]) {
            f->tag_match++;
        } else if (c == '$') {
            f->tag_match = 0;
        } else {
            f->lx = LX_DOLQ;
        }
        return true;
    }
}

/*
 * Handle ${c} in a state that is neither normal nor a dollar quote; false
 * when the state ended without consuming ${c}, which the normal state
 * must then see.
 */
static bool
lex_other(struct sqlfilter *f, unsigned char c)
{
    switch (f->lx) {
    case LX_WORD:
        if (is_ident_cont(c)) {
            word_add(f, c);
            return true;
        }
        if (c == '\'' && f->word_len == 1 && f->word[0] == 'e') {
            f->lx = LX_ESQ;
            return true;
        }
        tok_emit(f, TK_WORD);
        return false;
    case LX_NUMBER:
        if (is_alpha(c) || is_digit(c) || c == '_' || c == '.')
            return true;
        tok_emit(f, TK_OTHER);
        return false;
    case LX_DASH:
        if (c == '-') {
            f->lx = LX_LINE_COMMENT;
            return true;
        }
        tok_emit(f, TK_OTHER);
        return false;
    case LX_SLASH:
        if (c == '*') {
            cand_dirty(&f->cand);
            f->lx = LX_BLOCK;
            f->comment_depth = 1;
            return true;
        }
        tok_emit(f, TK_OTHER);
        return false;
    case LX_BSLASH:
        if (c == ';' || c == ':') {
            /* \; and \: put a plain ';' or ':' in the query buffer. */
            if (c == ';')
                f->idents = 0;
            tok_emit(f, TK_OTHER);
            f->lx = LX_NORMAL;
            return true;
        }
        f->idents = 0;
        cand_dirty(&f->cand);
        if (c == '\n')
            return false;
        f->lx = LX_META;
        return true;
    case LX_META:
    case LX_LINE_COMMENT:
        return c != '\n';
    case LX_BLOCK:
        if (c == '*')
            f->lx = LX_BLOCK_STAR;
        else if (c == '/')
            f->lx = LX_BLOCK_SLASH;
        return true;
    case LX_BLOCK_STAR:
        if (c == '/') {
            f->comment_depth--;
            f->lx = f->comment_depth == 0 ? LX_NORMAL : LX_BLOCK;
        } else if (c != '*') {
            f->lx = LX_BLOCK;
        }
        return true;
    case LX_BLOCK_SLASH:
        if (c == '*') {
            f->comment_depth++;
            f->lx = LX_BLOCK;
        } else if (c != '/') {
            f->lx = LX_BLOCK;
        }
        return true;
    case LX_SQ:
        if (c == '\'')
            f->lx = LX_SQ_END;
        return true;
    case LX_ESQ:
        if (c == '\\')
            f->lx = LX_ESQ_BSL;
        else if (c == '\'')
            f->lx = LX_ESQ_END;
        return true;
    case LX_ESQ_BSL:
        f->lx = LX_ESQ;
        return true;
    case LX_DQ:
        if (c == '"')
            f->lx = LX_DQ_END;
        return true;
    case LX_SQ_END:
    case LX_ESQ_END:
    case LX_DQ_END:
        if (c == (f->lx == LX_DQ_END ? '"' : '\'')) {
            f->lx = f->lx == LX_SQ_END    ? LX_SQ
                    : f->lx == LX_ESQ_END ? LX_ESQ
                                          : LX_DQ;
            return true;
        }
        tok_emit(f, f->lx == LX_DQ_END ? TK_QIDENT : TK_OTHER);
        return false;
    default:
        return lex_dollar(f, c);
    }
}

/* Feed one byte of SQL text to the lexer. */
static void
lex_byte(struct sqlfilter *f, unsigned char c)
{
    if (f->lx == LX_NORMAL) {
        lex_normal(f, c);
    } else if (!lex_other(f, c)) {
        f->lx = LX_NORMAL;
        lex_normal(f, c);
    }
}

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
        lex_byte(f, '\n');
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
            lex_byte(f, c);
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
