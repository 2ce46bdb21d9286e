/* dumpcheck_custom: walk a custom (-Fc) pg_dump archive as it streams by:
 * the TOC, then every data block it promises. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/dumpcheck_int.h"

#define MAX_TOC    (50 * 1000 * 1000)
#define MAX_STRING ((int64_t)1 << 31)
#define MAX_CHUNK  ((int64_t)1 << 40)

/* The TOC entry layout of archive version 1.${vmin} (pg_backup_archiver.c,
 * ReadToc(), then pg_backup_custom.c's _ReadExtraToc()). */
void
dumpcheck_custom_setup(struct dumpcheck *c, int vmin)
{
    int n = 0;

    c->ops[n++] = OP_ID;
    c->ops[n++] = OP_HAD;
    c->ops[n++] = OP_STR; /* catalog tableoid */
    c->ops[n++] = OP_STR; /* catalog oid */
    c->ops[n++] = OP_STR; /* tag */
    c->ops[n++] = OP_STR; /* desc */
    if (vmin >= 11)
        c->ops[n++] = OP_INT; /* section */
    c->ops[n++] = OP_STR;     /* defn */
    c->ops[n++] = OP_STR;     /* dropStmt */
    c->ops[n++] = OP_STR;     /* copyStmt */
    c->ops[n++] = OP_STR;     /* namespace */
    c->ops[n++] = OP_STR;     /* tablespace */
    if (vmin >= 14)
        c->ops[n++] = OP_STR; /* tableam */
    if (vmin >= 16)
        c->ops[n++] = OP_INT; /* relkind */
    c->ops[n++] = OP_STR;     /* owner */
    c->ops[n++] = OP_STR;     /* "true"/"false": WITH OIDS */
    c->ops[n++] = OP_DEPS;    /* dependency ids, up to a NULL string */
    c->ops[n++] = OP_OFF;     /* data offset: flag byte + off_size bytes */
    c->nops = n;
    c->phase = P_COUNT;
    c->uwant = 1 + c->int_size;
}

/* pg_dump's ReadInt() of the unit: sign byte, then little-endian bytes. */
static bool
unit_int(const struct dumpcheck *c, int64_t *out)
{
    uint64_t v = 0;

    for (int i = 0; i < c->int_size; i++)
        v |= (uint64_t)c->unit[1 + i] << (8 * i);
    if (v > ((uint64_t)1 << 62))
        return false;
    *out = c->unit[0] ? -(int64_t)v : (int64_t)v;
    return true;
}

static bool
expect_add(struct dumpcheck *c, int64_t id, int64_t off)
{
    if (c->nexp == c->cexp) {
        size_t cap = c->cexp ? 2 * c->cexp : 64;
        struct expect *e = realloc(c->exp, cap * sizeof(*e));

        if (e == NULL)
            return false;
        c->exp = e;
        c->cexp = cap;
    }
    c->exp[c->nexp++] = (struct expect){id, off, false};
    return true;
}

static int
expect_cmp(const void *a, const void *b)
{
    const struct expect *x = a, *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static void
expect_seen(struct dumpcheck *c, int64_t id)
{
    struct expect key = {id, 0, false}, *e;

    e = c->nexp > 0 ? bsearch(&key, c->exp, c->nexp, sizeof(key), expect_cmp)
                    : NULL;
    if (e != NULL)
        e->seen = true;
}

static void
next_op(struct dumpcheck *c)
{
    if (++c->op == c->nops) {
        c->op = 0;
        if (++c->toc_i == c->toc_count) {
            if (c->nexp > 1)
                qsort(c->exp, c->nexp, sizeof(*c->exp), expect_cmp);
            c->phase = P_DATA;
            c->block = B_TYPE;
            c->uwant = 1;
            return;
        }
    }
    c->uwant = c->ops[c->op] == OP_OFF ? 1 + c->off_size : 1 + c->int_size;
}

/* An offset unit: flag (1 not set, 2 set, 3 no data), then the offset. */
static void
toc_offset(struct dumpcheck *c)
{
    uint64_t off = 0;
    int flag = c->unit[0];

    for (int i = 0; i < c->off_size; i++)
        off |= (uint64_t)c->unit[1 + i] << (8 * i);
    if (flag < 1 || flag > 3 || off > ((uint64_t)1 << 62))
        return give_up(c);
    if ((flag == 2 || (flag == 1 && c->e_had != 0)) &&
        !expect_add(c, c->e_id, flag == 2 ? (int64_t)off : -1))
        return give_up(c);
    next_op(c);
}

/* One TOC field was read whole. */
static void
toc_unit(struct dumpcheck *c)
{
    int64_t v;

    if (c->ops[c->op] == OP_OFF)
        return toc_offset(c);
    if (!unit_int(c, &v))
        return give_up(c);
    switch (c->ops[c->op]) {
    case OP_ID:
        if (v <= 0)
            return give_up(c);
        c->e_id = v;
        break;
    case OP_HAD:
        c->e_had = v;
        break;
    case OP_STR:
    case OP_DEPS:
        if (v < -1 || v > MAX_STRING)
            return give_up(c);
        if (v >= 0) {
            c->skip = v;
            if (c->ops[c->op] == OP_DEPS)
                return; /* another dependency */
        }
        break;
    default:
        break;
    }
    next_op(c);
}

/* One data-section unit (block type byte or an int) was read whole. */
static void
data_unit(struct dumpcheck *c)
{
    int64_t v = 0;

    if (c->block == B_TYPE) {
        c->btype = c->unit[0];
        if (c->btype != 1 && c->btype != 3)
            return give_up(c); /* damage: pg_restore says what */
        c->bstart = c->pos - 1;
        c->block = B_ID;
        c->uwant = 1 + c->int_size;
        return;
    }
    if (!unit_int(c, &v))
        return give_up(c);
    switch (c->block) {
    case B_ID:
        c->bid = v;
        c->blocks++;
        expect_seen(c, v);
        c->block = c->btype == 1 ? B_LEN : B_OID;
        break;
    case B_LEN:
        if (v < 0 || v > MAX_CHUNK)
            return give_up(c);
        if (v > 0)
            c->skip = v;
        else if (c->btype == 1)
            c->block = B_TYPE;
        else
            c->block = B_OID;
        break;
    case B_OID:
        c->block = v == 0 ? B_TYPE : B_LEN;
        break;
    default:
        break;
    }
    c->uwant = c->block == B_TYPE ? 1 : 1 + c->int_size;
}

void
dumpcheck_custom_feed(struct dumpcheck *c, const unsigned char *b, size_t n)
{
    while (n > 0 && c->kind == K_CUSTOM) {
        if (c->skip > 0) {
            size_t k = (uint64_t)c->skip < n ? (size_t)c->skip : n;

            c->skip -= (int64_t)k;
            c->pos += (int64_t)k;
            b += k;
            n -= k;
            continue;
        }
        c->unit[c->ulen++] = *b++;
        n--;
        c->pos++;
        if (c->ulen < c->uwant)
            continue;
        c->ulen = 0;
        if (c->phase == P_COUNT) {
            if (!unit_int(c, &c->toc_count) || c->toc_count < 0 ||
                c->toc_count > MAX_TOC)
                give_up(c);
            c->phase = c->toc_count > 0 ? P_ENTRY : P_DATA;
            c->uwant = c->toc_count > 0 ? 1 + c->int_size : 1;
        } else if (c->phase == P_ENTRY) {
            toc_unit(c);
        } else {
            data_unit(c);
        }
    }
}

int
dumpcheck_custom_end(const struct dumpcheck *c, char *msg, size_t len)
{
    if (c->phase != P_DATA) {
        snprintf(msg, len,
                 "it ends inside its table of contents (entry %lld of %lld, "
                 "byte %lld)",
                 (long long)c->toc_i + 1, (long long)c->toc_count,
                 (long long)c->pos);
        return -1;
    }
    if (c->block != B_TYPE || c->skip > 0 || c->ulen > 0) {
        snprintf(msg, len,
                 "it ends inside the data of TOC entry %lld (its block starts "
                 "at byte %lld; %lld bytes are there)",
                 (long long)c->bid, (long long)c->bstart, (long long)c->pos);
        return -1;
    }
    for (size_t i = 0; i < c->nexp; i++) {
        const struct expect *e = &c->exp[i];

        if (e->seen)
            continue;
        if (e->off >= 0)
            snprintf(msg, len,
                     "it ends after %lld data block%s: the data of TOC entry "
                     "%lld, at byte %lld, is not there (%lld bytes are)",
                     (long long)c->blocks, c->blocks == 1 ? "" : "s",
                     (long long)e->id, (long long)e->off, (long long)c->pos);
        else
            snprintf(msg, len,
                     "it ends after %lld data block%s: the data of TOC entry "
                     "%lld is not there (%lld bytes are)",
                     (long long)c->blocks, c->blocks == 1 ? "" : "s",
                     (long long)e->id, (long long)c->pos);
        return -1;
    }
    return 0;
}
