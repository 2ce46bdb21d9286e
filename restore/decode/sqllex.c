/* sqllex: the lexer of the plain-SQL filter, after psql's psqlscan.l. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "restore/decode/sqlfilter_int.h"

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

/* Handle ${c} inside a (nested) block comment; always consumed. */
static bool
lex_comment(struct sqlfilter *f, unsigned char c)
{
    switch (f->lx) {
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
    default:
        return true;
    }
}

/*
 * Handle ${c} inside or just after a quoted string or identifier; false
 * when the quote ended without consuming ${c}.
 */
static bool
lex_quoted(struct sqlfilter *f, unsigned char c)
{
    switch (f->lx) {
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
    case LX_BLOCK_STAR:
    case LX_BLOCK_SLASH:
        return lex_comment(f, c);
    case LX_SQ:
    case LX_ESQ:
    case LX_ESQ_BSL:
    case LX_DQ:
    case LX_SQ_END:
    case LX_ESQ_END:
    case LX_DQ_END:
        return lex_quoted(f, c);
    default:
        return lex_dollar(f, c);
    }
}

/* Feed one byte of SQL text to the lexer. */
void
sqllex_byte(struct sqlfilter *f, unsigned char c)
{
    if (f->lx == LX_NORMAL) {
        lex_normal(f, c);
    } else if (!lex_other(f, c)) {
        f->lx = LX_NORMAL;
        lex_normal(f, c);
    }
}
