/* sqltrailer: did a plain pg_dump script end with pg_dump's closing line? */
#ifndef RD_SQLTRAILER_H
#define RD_SQLTRAILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQLTRAILER_LINE 64 /* bytes of a line kept to classify it */

/*
 * pg_dump ends every plain dump with
 *     --
 *     -- PostgreSQL database dump complete
 *     --
 *     (blank line)
 *     \unrestrict KEY        (15.14, 16.10, 17.6 and later)
 * and pg_dumpall with "-- PostgreSQL database cluster dump complete".  A
 * script is complete when its last line that is not blank, not a "--"
 * comment and not a "\unrestrict" line is that closing line, read as SQL
 * (not inside COPY data, a quoted string or a block comment).  A script
 * that starts with pg_dumpall's "-- PostgreSQL database cluster dump" line
 * must end with the cluster's closing line (a database's alone is a
 * pg_dumpall output cut between two databases).
 *
 * Fed line by line and byte by byte (any chunking gives the same verdict);
 * constant memory.
 */
struct sqltrailer {
    int state;    /* where the last significant line left us */
    bool cluster; /* pg_dumpall's opening line was seen */
    bool code;    /* the current line starts outside data/quotes */
    bool in_line;
    size_t len; /* bytes of the current line (may exceed the buffer) */
    unsigned char line[SQLTRAILER_LINE];
    int64_t lines;     /* lines seen */
    int64_t last_line; /* number of the last significant line */
};

/* sqltrailer_init(t): an empty script (not complete). */
void sqltrailer_init(struct sqltrailer *t);

/*
 * sqltrailer_line_begin(t, code): a line starts; ${code} is false when it
 * starts inside COPY data, a quoted string, a dollar quote or a block
 * comment (the line then counts as content, never as the closing line).
 */
void sqltrailer_line_begin(struct sqltrailer *t, bool code);

/* sqltrailer_byte(t, c): one byte of the line (its '\n' included or not). */
void sqltrailer_byte(struct sqltrailer *t, unsigned char c);

/* sqltrailer_line_end(t): the line ended (newline or end of input). */
void sqltrailer_line_end(struct sqltrailer *t);

/*
 * sqltrailer_verdict(t, msg, len): 0 when the script ended complete, else
 * -1 with why in ${msg} (e.g. "it ends at line 1234 without pg_dump's
 * closing line '-- PostgreSQL database dump complete'").
 */
int sqltrailer_verdict(const struct sqltrailer *t, char *msg, size_t len);

#endif
