/* dumpcheck: is a custom or tar pg_dump archive whole?  Walked as it
 * streams by: the sniffing, the tar walker and the stream layer here, the
 * custom walker in dumpcheck_custom.c. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/dumpcheck_int.h"
#include "restore/decode/dumpfmt.h"

#define SNIFF_TAR 528 /* dumpfmt_tar_is_ft() looks at this much */

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
        dumpcheck_custom_setup(c, h.vmin);
        c->kind = K_CUSTOM;
        c->pos = (int64_t)used;
        c->head_len = 0;
        dumpcheck_custom_feed(c, b + used, n - used);
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
        dumpcheck_custom_feed(c, b, n);
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
        return dumpcheck_custom_end(c, msg, len);
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
