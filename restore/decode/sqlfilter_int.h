/* sqlfilter_int: what sqlfilter.c and its lexer sqllex.c share (private). */
#ifndef RD_SQLFILTER_INT_H
#define RD_SQLFILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "restore/decode/sqlfilter.h"
#include "restore/decode/sqltrailer.h"

#define IN_CAP   65536 /* bytes read from the layer below at a time */
#define CAND_CAP 65536 /* longest candidate line held back */
#define TAG_MAX  1024  /* longest dollar-quote tag followed */
#define WORD_MAX 16    /* the keywords compared are shorter than this */
#define KEY_MIN  32
#define KEY_MAX  256

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

static inline bool
is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static inline bool
is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* psql's ident_start: letters, '_' and every non-ASCII byte. */
static inline bool
is_ident_start(unsigned char c)
{
    return is_alpha(c) || c == '_' || c >= 0x80;
}

/* psql's dolq_cont: a dollar tag never contains '$'. */
static inline bool
is_dolq_cont(unsigned char c)
{
    return is_ident_start(c) || is_digit(c);
}

static inline bool
is_ident_cont(unsigned char c)
{
    return is_dolq_cont(c) || c == '$';
}

static inline bool
tok_is(const struct tok *t, const char *word)
{
    return t->kind == TK_WORD && strcmp(t->text, word) == 0;
}

/*
 * sqllex_byte(f, c): feed one byte of SQL text (outside COPY data) to the
 * lexer: quotes, comments, statement ends as psql splits them, and the
 * tokens of a drop candidate's line (sqllex.c).
 */
void sqllex_byte(struct sqlfilter *f, unsigned char c);

#endif
