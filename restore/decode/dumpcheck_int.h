/* dumpcheck_int: what dumpcheck.c (sniffing, the tar walker, the stream
 * layer) and dumpcheck_custom.c (the custom walker) share (private). */
#ifndef RD_DUMPCHECK_INT_H
#define RD_DUMPCHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "restore/decode/dumpcheck.h"

#define HEAD_CAP 16384 /* the custom header: 3 strings of <= 4096 bytes */

enum kind { K_SNIFF, K_CUSTOM, K_TAR, K_OFF };

/* Fields of a custom TOC entry, in the order pg_dump's WriteToc() writes. */
enum op { OP_ID, OP_HAD, OP_INT, OP_STR, OP_DEPS, OP_OFF };

enum phase { P_COUNT, P_ENTRY, P_DATA };

/* Where a data block is. */
enum block { B_TYPE, B_ID, B_LEN, B_OID };

/* A TOC entry with data, and whether its block went by. */
struct expect {
    int64_t id;
    int64_t off; /* -1 when the TOC has no offset */
    bool seen;
};

struct dumpcheck {
    enum kind kind;
    unsigned char head[HEAD_CAP];
    size_t head_len;
    int64_t pos;  /* bytes of the archive walked */
    int64_t skip; /* bytes to pass over before the next field */
    unsigned char unit[16];
    int ulen, uwant;

    /* custom */
    int int_size, off_size;
    enum op ops[24];
    int nops, op;
    enum phase phase;
    int64_t toc_count, toc_i, e_id, e_had;
    struct expect *exp;
    size_t nexp, cexp;
    enum block block;
    int btype;
    int64_t bid, bstart, blocks;

    /* tar */
    unsigned char th[512];
    size_t thlen;
    bool zero; /* one end-of-archive block went by */
    bool done;
    char member[101];
    int64_t msize, mstart;
};

/* Stop judging: the archive is left to pg_restore. */
static inline void
give_up(struct dumpcheck *c)
{
    c->kind = K_OFF;
}

/*
 * dumpcheck_custom_setup(c, vmin): the TOC entry layout of archive version
 * 1.${vmin}, before the first byte after the header is fed.
 */
void dumpcheck_custom_setup(struct dumpcheck *c, int vmin);

/* dumpcheck_custom_feed(c, b, n): walk ${n} more bytes of a custom archive. */
void dumpcheck_custom_feed(struct dumpcheck *c, const unsigned char *b,
                           size_t n);

/*
 * dumpcheck_custom_end(c, msg, len): at the end of the input, -1 with why
 * in ${msg} when the custom archive is not whole, else 0.
 */
int dumpcheck_custom_end(const struct dumpcheck *c, char *msg, size_t len);

#endif
