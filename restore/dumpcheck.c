/* dumpcheck: is a custom or tar pg_dump archive whole?  Walked as it
 * streams by. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/dumpcheck.h"
#include "restore/dumpfmt.h"

#define HEAD_CAP   16384 /* the custom header: 3 strings of <= 4096 bytes */
#define SNIFF_TAR  528   /* dumpfmt_tar_is_ft() looks at this much */
#define MAX_TOC    (50 * 1000 * 1000)
#define MAX_STRING ((int64_t)1 << 31)
#define MAX_CHUNK  ((int64_t)1 << 40)

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

struct dumpcheck *
dumpcheck_new(void)
{
    return calloc(1, sizeof(struct dumpcheck));
}

void
dumpcheck_free(struct dumpcheck *c)
{
    if (c != NULL)
        free(c->exp);
    free(c);
}

const char *
dumpcheck_kind(const struct dumpcheck *c)
{
    return c->kind == K_CUSTOM ? "custom" : c->kind == K_TAR ? "tar" : NULL;
}

/* --- custom ------------------------------------------------------------ */

/* The TOC entry layout of archive version 1.${vmin} (pg_backup_archiver.c,
 * ReadToc(), then pg_backup_custom.c's _ReadExtraToc()). */
static void
custom_setup(struct dumpcheck *c, int vmin)
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

static void
give_up(struct dumpcheck *c)
{
    c->kind = K_OFF;
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

static void
custom_feed(struct dumpcheck *c, const unsigned char *b, size_t n)
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

static int
custom_end(const struct dumpcheck *c, char *msg, size_t len)
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

/* --- tar --------------------------------------------------------------- */

static bool
all_zero(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

/* A numeric header field: octal digits (NUL/space padded) or base-256. */
static bool
tar_number(const unsigned char *f, size_t n, int64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (f[0] & 0x80) {
        for (i = 1; i < n; i++) {
            if (v >> 55)
                return false;
            v = (v << 8) | f[i];
        }
        *out = (int64_t)v;
        return (f[0] & 0x7f) == 0;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 58)
            return false;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return false;
    *out = (int64_t)v;
    return true;
}

/* A whole 512-byte block in c->th at a header position. */
static void
tar_block(struct dumpcheck *c)
{
    const unsigned char *h = c->th;
    int64_t size, sum, want = 0;
    int type = h[156];

    if (all_zero(h, 512)) {
        if (c->zero)
            c->done = true; /* both end-of-archive blocks */
        c->zero = true;
        return;
    }
    if (c->zero)
        return give_up(c); /* one zero block, then more: not judged */
    for (int i = 0; i < 512; i++)
        want += i >= 148 && i < 156 ? ' ' : h[i];
    if (!tar_number(h + 148, 8, &sum) || sum != want ||
        !tar_number(h + 124, 12, &size))
        return give_up(c); /* damage: pg_restore (or untar) says what */
    memcpy(c->member, h, 100);
    c->member[100] = '\0';
    for (char *p = c->member; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    c->msize = type >= '1' && type <= '6' ? 0 : size;
    c->mstart = c->pos;
    c->skip = (c->msize + 511) / 512 * 512;
}

static void
tar_feed(struct dumpcheck *c, const unsigned char *b, size_t n)
{
    while (n > 0 && c->kind == K_TAR && !c->done) {
        size_t k;

        if (c->skip > 0) {
            k = (uint64_t)c->skip < n ? (size_t)c->skip : n;
            c->skip -= (int64_t)k;
        } else {
            k = 512 - c->thlen < n ? 512 - c->thlen : n;
            memcpy(c->th + c->thlen, b, k);
            c->thlen += k;
        }
        c->pos += (int64_t)k;
        b += k;
        n -= k;
        if (c->thlen == 512) {
            c->thlen = 0;
            tar_block(c);
        }
    }
}

static int
tar_end(const struct dumpcheck *c, char *msg, size_t len)
{
    const char *m = c->member[0] != '\0' ? c->member : NULL;

    if (c->done)
        return 0;
    if (c->skip > 0)
        snprintf(msg, len,
                 "it ends inside member '%s': %lld of its %lld bytes are "
                 "there",
                 c->member, (long long)(c->pos - c->mstart),
                 (long long)c->msize);
    else if (c->thlen > 0)
        snprintf(msg, len, "it ends inside a tar header (at byte %lld)%s%s%s",
                 (long long)c->pos, m ? ", after member '" : "", m ? m : "",
                 m ? "'" : "");
    else
        snprintf(msg, len,
                 "it ends %s%s%s without %s end-of-archive blocks (%lld "
                 "bytes)",
                 m ? "after member '" : "at a member boundary", m ? m : "",
                 m ? "'" : "", c->zero ? "the second of its two" : "its two",
                 (long long)c->pos);
    return -1;
}

/* --- sniffing ------------------------------------------------------------ */

/* Decide the kind from c->head; false while more bytes are needed. */
static bool
sniff(struct dumpcheck *c, bool final)
{
    const unsigned char *b = c->head;
    size_t n = c->head_len, used = 0;

    if (n >= 5 && memcmp(b, "PGDMP", 5) == 0) {
        struct dump_header h;
        char err[256];
        int rc = dumpfmt_parse_custom_len(b, n, &h, &used, err, sizeof(err));

        if (rc == 1 && !final && n < sizeof(c->head))
            return false;
        if (rc != 0 || used == 0 || h.vmaj != 1 || h.vmin < 10 ||
            h.vmin > DUMPFMT_NEWEST_MINOR || h.format != 1) {
            /* Cut inside the header: truncated; anything else: not ours. */
            c->kind = rc == 1 && final ? K_CUSTOM : K_OFF;
            c->phase = P_COUNT;
            c->pos = (int64_t)n;
            c->toc_count = -1;
            return true;
        }
        c->int_size = b[8];
        c->off_size = b[9];
        custom_setup(c, h.vmin);
        c->kind = K_CUSTOM;
        c->pos = (int64_t)used;
        c->head_len = 0;
        custom_feed(c, b + used, n - used);
        return true;
    }
    if (n < SNIFF_TAR && !final)
        return false;
    if (n < SNIFF_TAR || !dumpfmt_tar_is_ft(b, n)) {
        c->kind = K_OFF;
        return true;
    }
    c->kind = K_TAR;
    tar_feed(c, b, n);
    return true;
}

void
dumpcheck_feed(struct dumpcheck *c, const unsigned char *b, size_t n)
{
    if (c->kind == K_SNIFF) {
        size_t room = sizeof(c->head) - c->head_len;
        size_t k = n < room ? n : room;

        memcpy(c->head + c->head_len, b, k);
        c->head_len += k;
        b += k;
        n -= k;
        if (!sniff(c, false))
            return;
    }
    if (c->kind == K_CUSTOM)
        custom_feed(c, b, n);
    else if (c->kind == K_TAR)
        tar_feed(c, b, n);
}

int
dumpcheck_end(struct dumpcheck *c, char *msg, size_t len)
{
    if (c->kind == K_SNIFF)
        (void)sniff(c, true);
    if (c->kind == K_CUSTOM && c->toc_count < 0) {
        snprintf(msg, len, "it ends inside its header (%lld bytes)",
                 (long long)c->pos);
        return -1;
    }
    if (c->kind == K_CUSTOM)
        return custom_end(c, msg, len);
    if (c->kind == K_TAR)
        return tar_end(c, msg, len);
    return 0;
}

/* --- the stream layer ---------------------------------------------------- */

struct check_stream {
    struct stream s;
    struct dumpcheck *c;
};

static ssize_t
check_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct check_stream *k = (struct check_stream *)s;
    ssize_t n = stream_read(s->below, buf, cap, err);
    char why[512];

    if (n > 0)
        dumpcheck_feed(k->c, buf, (size_t)n);
    else if (n == 0 && dumpcheck_end(k->c, why, sizeof(why)) != 0)
        return rd_err_set(
            err, RD_ARCHIVE_TRUNCATED,
            "archive '%s' is truncated: %s\nHINT: the %s archive was cut short (a full disk or an interrupted copy?); pg_restore would have restored only part of it",
            s->name, why, dumpcheck_kind(k->c));
    return n;
}

static void
check_free(struct stream *s)
{
    struct check_stream *k = (struct check_stream *)s;

    stream_free(s->below);
    dumpcheck_free(k->c);
    free(k);
}

struct stream *
stream_dumpcheck_new(struct stream *below)
{
    struct check_stream *k;

    if (below == NULL)
        return NULL;
    k = calloc(1, sizeof(*k));
    if (k == NULL || (k->c = dumpcheck_new()) == NULL) {
        free(k);
        stream_free(below);
        return NULL;
    }
    k->s.read = check_read;
    k->s.free = check_free;
    k->s.below = below;
    k->s.name = below->name;
    return &k->s;
}
