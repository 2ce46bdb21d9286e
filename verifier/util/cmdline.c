/* cmdline: command strings of the config split into argv, without a shell. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/cmdline.h"

/* A growing word and a growing argv. */
struct splitter {
    char **argv;
    size_t argc, cap;
    char *word;
    size_t len;
    bool in_word; /* a word was started (even "" counts) */
};

static int
word_add(struct splitter *sp, char c)
{
    /* The word never outgrows the input, which was sized in advance. */
    sp->word[sp->len++] = c;
    sp->in_word = true;
    return 0;
}

static int
word_end(struct splitter *sp)
{
    char *w;

    if (!sp->in_word)
        return 0;
    if (sp->argc + 2 > sp->cap) {
        size_t cap = sp->cap == 0 ? 8 : sp->cap * 2;
        char **n = realloc(sp->argv, cap * sizeof(*n));

        if (n == NULL)
            return -1;
        sp->argv = n;
        sp->cap = cap;
    }
    w = malloc(sp->len + 1);
    if (w == NULL)
        return -1;
    memcpy(w, sp->word, sp->len);
    w[sp->len] = '\0';
    sp->argv[sp->argc++] = w;
    sp->argv[sp->argc] = NULL;
    sp->len = 0;
    sp->in_word = false;
    return 0;
}

void
cmdline_free(char **argv)
{
    if (argv == NULL)
        return;
    for (size_t i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

/* Fail with "WHAT at character N of 'S'ADVICE". */
static int
fail(struct splitter *sp, struct rd_err *err, const char *s, const char *at,
     const char *what, const char *advice)
{
    free(sp->word);
    sp->word = NULL;
    if (sp->argv != NULL)
        cmdline_free(sp->argv);
    sp->argv = NULL;
    return rd_err_set(err, RD_CONFIG_INVALID, "%s at character %zu of '%s'%s",
                      what, (size_t)(at - s) + 1, s, advice);
}

int
cmdline_split(const char *s, char ***argv, size_t *argc, struct rd_err *err)
{
    struct splitter sp = {0};
    const char *p = s;

    *argv = NULL;
    *argc = 0;
    sp.word = malloc(strlen(s) + 1);
    if (sp.word == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    while (*p != '\0') {
        char c = *p;

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (word_end(&sp) != 0)
                goto oom;
            p++;
        } else if (c == '\'') {
            const char *q = strchr(p + 1, '\'');

            if (q == NULL)
                return fail(&sp, err, s, p, "unterminated single quote", "");
            sp.in_word = true;
            for (p++; p < q; p++)
                word_add(&sp, *p);
            p = q + 1;
        } else if (c == '"') {
            const char *start = p;

            sp.in_word = true;
            for (p++; *p != '"'; p++) {
                if (*p == '\0')
                    return fail(&sp, err, s, start, "unterminated double quote",
                                "");
                if (*p == '\\' && p[1] != '\0' && strchr("$`\"\\\n", p[1])) {
                    p++;
                    if (*p == '\n')
                        continue;
                }
                word_add(&sp, *p);
            }
            p++;
        } else if (c == '\\') {
            if (p[1] == '\0')
                return fail(&sp, err, s, p, "trailing backslash", "");
            if (p[1] != '\n')
                word_add(&sp, p[1]);
            p += 2;
        } else if (strchr("|;&<>`$()", c) != NULL) {
            char what[32];

            snprintf(what, sizeof(what), "unquoted '%c'", c);
            return fail(&sp, err, s, p, what,
                        ": the command runs without a shell, so it would be "
                        "passed as an argument; quote it if you mean that, or "
                        "put the shell code in a script");
        } else {
            word_add(&sp, c);
            p++;
        }
    }
    if (word_end(&sp) != 0)
        goto oom;
    free(sp.word);
    if (sp.argc == 0) {
        free(sp.argv);
        return rd_err_set(err, RD_CONFIG_INVALID, "empty command");
    }
    *argv = sp.argv;
    *argc = sp.argc;
    return 0;

oom:
    free(sp.word);
    cmdline_free(sp.argv);
    return rd_err_set(err, RD_INTERNAL, "out of memory");
}
