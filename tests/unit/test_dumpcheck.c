/* test_dumpcheck: the end-of-archive walker on custom and -Ft archives,
 * whole and cut at every byte, fed in several chunkings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "restore/dumpcheck.h"

Suite *dumpcheck_suite(void);

/* A growing byte buffer. */
struct buf {
    unsigned char *b;
    size_t len, cap;
};

static void
put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->b = realloc(b->b, b->cap);
        ck_assert_ptr_nonnull(b->b);
    }
    memcpy(b->b + b->len, p, n);
    b->len += n;
}

static void
put_byte(struct buf *b, int c)
{
    unsigned char x = (unsigned char)c;

    put(b, &x, 1);
}

/* pg_dump's WriteInt with 4-byte ints. */
static void
put_int(struct buf *b, long long v)
{
    unsigned long long u = (unsigned long long)(v < 0 ? -v : v);

    put_byte(b, v < 0);
    for (int i = 0; i < 4; i++)
        put_byte(b, (int)((u >> (8 * i)) & 0xff));
}

static void
put_str(struct buf *b, const char *s)
{
    if (s == NULL) {
        put_int(b, -1);
        return;
    }
    put_int(b, (long long)strlen(s));
    put(b, s, strlen(s));
}

/* WriteOffset with 8-byte offsets. */
static void
put_off(struct buf *b, int flag, unsigned long long off)
{
    put_byte(b, flag);
    for (int i = 0; i < 8; i++)
        put_byte(b, (int)((off >> (8 * i)) & 0xff));
}

/* The custom header of archive version 1.${vmin}, format ${fmt}. */
static void
put_header(struct buf *b, int vmin, int fmt)
{
    put(b, "PGDMP", 5);
    put_byte(b, 1);
    put_byte(b, vmin);
    put_byte(b, 0);
    put_byte(b, 4); /* int size */
    put_byte(b, 8); /* offset size */
    put_byte(b, fmt);
    if (vmin >= 15)
        put_byte(b, 0); /* compression algorithm: none */
    else
        put_int(b, 0); /* zlib level */
    for (int i = 0; i < 7; i++)
        put_int(b, i);
    put_str(b, "app");
    put_str(b, "15.4");
    put_str(b, "15.4");
}

struct entry {
    int id;
    int had;  /* hadDumper */
    int flag; /* 1 not set, 2 set, 3 no data */
    int blob; /* its data is a large-object block */
    int chunks;
};

/* Where make_custom() put the last data block. */
static size_t last_block;

/* A custom archive of version 1.${vmin} with these TOC entries and, for
 * each that has data, its block (at the offset the TOC says, when set). */
static void
make_custom(struct buf *b, int vmin, const struct entry *e, int n)
{
    size_t offpos[16];
    unsigned long long at[16];

    b->len = 0;
    put_header(b, vmin, 1);
    put_int(b, n);
    for (int i = 0; i < n; i++) {
        put_int(b, e[i].id);
        put_int(b, e[i].had);
        put_str(b, "1259");
        put_str(b, "16384");
        put_str(b, "t");
        put_str(b, e[i].had ? "TABLE DATA" : "TABLE");
        if (vmin >= 11)
            put_int(b, 2);
        put_str(b, "CREATE TABLE t (a int);\n");
        put_str(b, "");
        put_str(b, e[i].had ? "COPY t (a) FROM stdin;\n" : NULL);
        put_str(b, "public");
        put_str(b, "");
        if (vmin >= 14)
            put_str(b, "heap");
        if (vmin >= 16)
            put_int(b, 'r');
        put_str(b, "app");
        put_str(b, "false");
        put_str(b, "1");
        put_str(b, "2");
        put_str(b, NULL);
        offpos[i] = b->len;
        put_off(b, e[i].flag, 0);
    }
    for (int i = 0; i < n; i++) {
        if (e[i].flag == 3 || (e[i].flag == 1 && !e[i].had))
            continue;
        at[i] = last_block = b->len;
        put_byte(b, e[i].blob ? 3 : 1);
        put_int(b, e[i].id);
        for (int o = 0; o < (e[i].blob ? 2 : 1); o++) {
            if (e[i].blob)
                put_int(b, 16400 + o); /* the object's oid */
            for (int c = 0; c < e[i].chunks; c++) {
                char chunk[64];

                snprintf(chunk, sizeof(chunk), "%d\trow %d of entry %d\n", c, c,
                         e[i].id);
                put_str(b, chunk);
            }
            put_int(b, 0);
        }
        if (e[i].blob)
            put_int(b, 0); /* end of the objects */
    }
    /* Offsets set: patch them in, as pg_dump does at the end. */
    for (int i = 0; i < n; i++)
        if (e[i].flag == 2)
            for (int k = 0; k < 8; k++)
                b->b[offpos[i] + 1 + (size_t)k] =
                    (unsigned char)((at[i] >> (8 * k)) & 0xff);
}

/* The walker's verdict on the first ${len} bytes fed in chunks from
 * ${seed} (0: one byte at a time; 1: all at once). */
static int
verdict_seed(const unsigned char *b, size_t len, unsigned seed, char *msg,
             size_t mlen)
{
    struct dumpcheck *c = dumpcheck_new();
    size_t pos = 0;
    int rc;

    ck_assert_ptr_nonnull(c);
    while (pos < len) {
        size_t n = seed == 0 ? 1
                   : seed == 1
                       ? len
                       : 1 + (seed = seed * 1103515245u + 12345u) % 1500;

        if (n > len - pos)
            n = len - pos;
        dumpcheck_feed(c, b + pos, n);
        pos += n;
    }
    msg[0] = '\0';
    rc = dumpcheck_end(c, msg, mlen);
    dumpcheck_free(c);
    return rc;
}

/* The same verdict with every chunking. */
static int
verdict(const unsigned char *b, size_t len, char *msg, size_t mlen)
{
    static const unsigned seeds[] = {0, 1, 7, 4242};
    int rc = verdict_seed(b, len, seeds[0], msg, mlen);

    for (size_t i = 1; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        char m2[512];

        ck_assert_int_eq(verdict_seed(b, len, seeds[i], m2, sizeof(m2)), rc);
        ck_assert_str_eq(m2, msg);
    }
    return rc;
}

/*
 * Whole: complete; every shorter prefix from ${from} bytes on: truncated
 * (with a reason).  Shorter ones are too short to tell what they are: not
 * judged here (the header parser and untar say "truncated" for them).
 */
static void
check_every_cut(const struct buf *b, size_t from)
{
    char msg[512];

    ck_assert_int_eq(verdict(b->b, b->len, msg, sizeof(msg)), 0);
    for (size_t n = 0; n + 1 < b->len; n++) {
        int rc = verdict_seed(b->b, n, n % 3 == 0 ? 0 : 5 + (unsigned)n, msg,
                              sizeof(msg));

        if (n < from) {
            ck_assert_int_eq(rc, 0); /* not judged */
            continue;
        }
        ck_assert_msg(rc == -1, "a cut at byte %zu of %zu passed", n, b->len);
        ck_assert_msg(strncmp(msg, "it ends ", 8) == 0, "%s", msg);
    }
    ck_assert_int_eq(verdict(b->b, b->len - 1, msg, sizeof(msg)), -1);
}

START_TEST(test_custom_offsets_set)
{
    const struct entry e[] = {{10, 0, 3, 0, 0},
                              {11, 1, 2, 0, 3},
                              {12, 0, 3, 0, 0},
                              {13, 1, 2, 1, 2},
                              {14, 1, 2, 0, 1}};
    struct buf b = {0};

    for (int v = 10; v <= 16; v++) {
        make_custom(&b, v, e, 5);
        check_every_cut(&b, 5);
    }
    free(b.b);
}
END_TEST

/* pg_dump -Fc to a pipe: no offsets; the blocks are walked to the end. */
START_TEST(test_custom_no_offsets)
{
    const struct entry e[] = {
        {5, 0, 3, 0, 0}, {7, 1, 1, 0, 2}, {6, 1, 1, 0, 1}, {9, 1, 1, 1, 1}};
    struct buf b = {0};
    char msg[512];
    size_t cut;

    make_custom(&b, 14, e, 4);
    check_every_cut(&b, 5);
    /* Cut at the last block's start: the TOC says it is missing. */
    cut = last_block;
    ck_assert_int_eq(b.b[cut], 3);
    ck_assert_int_eq(verdict(b.b, cut, msg, sizeof(msg)), -1);
    ck_assert_msg(strstr(msg, "it ends after 2 data blocks: the data of TOC "
                              "entry 9 is not there (") == msg,
                  "%s", msg);
    free(b.b);
}
END_TEST

START_TEST(test_custom_messages)
{
    const struct entry e[] = {{1, 1, 2, 0, 2}, {2, 1, 2, 0, 2}};
    struct buf b = {0};
    char msg[512];

    make_custom(&b, 14, e, 2);
    ck_assert_int_eq(verdict(b.b, 20, msg, sizeof(msg)), -1);
    ck_assert_str_eq(msg, "it ends inside its header (20 bytes)");
    ck_assert_int_eq(verdict(b.b, b.len - 3, msg, sizeof(msg)), -1);
    ck_assert_msg(strstr(msg, "it ends inside the data of TOC entry 2 (its "
                              "block starts at byte ") == msg,
                  "%s", msg);
    free(b.b);
}
END_TEST

/* What the walker does not judge passes: no crying wolf. */
START_TEST(test_not_judged)
{
    const struct entry e[] = {{1, 1, 2, 0, 2}, {2, 1, 2, 0, 2}};
    struct buf b = {0};
    char msg[512];
    size_t half;

    /* A newer version than we know (tool_too_old is said elsewhere). */
    make_custom(&b, 16, e, 2);
    b.b[6] = 17;
    ck_assert_int_eq(verdict(b.b, b.len / 2, msg, sizeof(msg)), 0);
    b.b[6] = 99;
    ck_assert_int_eq(verdict(b.b, b.len / 2, msg, sizeof(msg)), 0);
    /* A bad block type: damage, for pg_restore to name. */
    make_custom(&b, 14, e, 2);
    half = last_block;
    ck_assert_int_eq(b.b[half], 1);
    b.b[half] = 9;
    ck_assert_int_eq(verdict(b.b, b.len - 2, msg, sizeof(msg)), 0);
    /* Plain SQL, short inputs, a tar that is not -Ft, random bytes. */
    ck_assert_int_eq(
        verdict((const unsigned char *)"SELECT 1;\n", 10, msg, sizeof(msg)), 0);
    ck_assert_int_eq(
        verdict((const unsigned char *)"PGDM", 4, msg, sizeof(msg)), 0);
    {
        unsigned char junk[3000];

        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (unsigned char)(i * 7 + 3);
        memcpy(junk + 257, "ustar", 5);
        ck_assert_int_eq(verdict(junk, sizeof(junk), msg, sizeof(msg)), 0);
    }
    free(b.b);
}
END_TEST

/* --- tar ---------------------------------------------------------------- */

static void
put_member(struct buf *b, const char *name, const void *data, size_t n,
           int type)
{
    unsigned char h[512] = {0};
    unsigned sum = 0;

    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0600);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011zo", n);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (unsigned char)type;
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    put(b, h, 512);
    put(b, data, n);
    while (b->len % 512 != 0)
        put_byte(b, 0);
}

/* A pg_dump -Ft archive: toc.dat (a format-3 header), data, restore.sql,
 * two zero blocks. */
static void
make_tar(struct buf *b, size_t datalen)
{
    struct buf toc = {0};
    char *data = malloc(datalen + 1);

    ck_assert_ptr_nonnull(data);
    memset(data, 'x', datalen);
    put_header(&toc, 14, 3);
    b->len = 0;
    put_member(b, "toc.dat", toc.b, toc.len, '0');
    put_member(b, "3001.dat", data, datalen, '0');
    put_member(b, "3002.dat", "", 0, '0');
    put_member(b, "restore.sql", "SELECT 1;\n", 10, '0');
    for (int i = 0; i < 1024; i++)
        put_byte(b, 0);
    free(toc.b);
    free(data);
}

START_TEST(test_tar_every_cut)
{
    struct buf b = {0};

    make_tar(&b, 1000);
    check_every_cut(&b, 528);
    make_tar(&b, 1024);
    check_every_cut(&b, 528);
    free(b.b);
}
END_TEST

START_TEST(test_tar_messages)
{
    struct buf b = {0};
    char msg[512];

    make_tar(&b, 3000);
    ck_assert_int_eq(verdict(b.b, 1024 + 512 + 100, msg, sizeof(msg)), -1);
    ck_assert_str_eq(msg,
                     "it ends inside member '3001.dat': 100 of its 3000 bytes "
                     "are there");
    ck_assert_int_eq(verdict(b.b, b.len - 1024, msg, sizeof(msg)), -1);
    ck_assert_msg(strstr(msg, "it ends after member 'restore.sql' without its "
                              "two end-of-archive blocks") == msg,
                  "%s", msg);
    ck_assert_int_eq(verdict(b.b, b.len - 512, msg, sizeof(msg)), -1);
    ck_assert_msg(strstr(msg, "the second of its two") != NULL, "%s", msg);
    ck_assert_int_eq(verdict(b.b, b.len - 1024 + 200, msg, sizeof(msg)), -1);
    /* Padding after the end blocks (GNU tar's records) is fine. */
    for (int i = 0; i < 8192; i++)
        put_byte(&b, 0);
    ck_assert_int_eq(verdict(b.b, b.len, msg, sizeof(msg)), 0);
    struct dumpcheck *fresh = dumpcheck_new();
    ck_assert_ptr_nonnull(fresh);
    ck_assert_ptr_null(dumpcheck_kind(fresh)); /* nothing seen yet */
    dumpcheck_free(fresh);
    free(b.b);
}
END_TEST

/* --- the stream layer ----------------------------------------------------- */

struct mem {
    struct stream s;
    const unsigned char *b;
    size_t len, pos;
};

static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem *m = (struct mem *)s;
    size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;

    (void)err;
    if (n > 333)
        n = 333;
    memcpy(buf, m->b + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void
mem_free(struct stream *s)
{
    free(s);
}

/* Read ${len} bytes through the layer: the bytes come out unchanged; the
 * last read's result. */
static ssize_t
through(const unsigned char *b, size_t len, struct rd_err *err)
{
    struct mem *m = calloc(1, sizeof(*m));
    struct stream *s;
    unsigned char out[1000];
    size_t got = 0;
    ssize_t n;

    ck_assert_ptr_nonnull(m);
    m->s.read = mem_read;
    m->s.free = mem_free;
    m->s.name = "x.dump";
    m->b = b;
    m->len = len;
    s = stream_dumpcheck_new(&m->s);
    ck_assert_ptr_nonnull(s);
    rd_err_clear(err);
    while ((n = stream_read(s, out, sizeof(out), err)) > 0) {
        ck_assert_mem_eq(out, b + got, (size_t)n);
        got += (size_t)n;
    }
    if (n == 0)
        ck_assert_uint_eq(got, len);
    stream_free(s);
    return n;
}

START_TEST(test_stream_layer)
{
    const struct entry e[] = {{1, 1, 2, 0, 40}, {2, 1, 2, 1, 30}};
    struct buf b = {0};
    struct rd_err err;

    make_custom(&b, 15, e, 2);
    ck_assert_int_eq(through(b.b, b.len, &err), 0);
    ck_assert_int_eq(through(b.b, b.len - 7, &err), -1);
    ck_assert_int_eq(err.code, RD_ARCHIVE_TRUNCATED);
    ck_assert_msg(strstr(err.msg, "archive 'x.dump' is truncated: it ends "
                                  "inside the data of TOC entry 2") == err.msg,
                  "%s", err.msg);
    make_tar(&b, 5000);
    ck_assert_int_eq(through(b.b, b.len, &err), 0);
    ck_assert_int_eq(through(b.b, 4000, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "the tar archive was cut short"));
    free(b.b);
}
END_TEST

Suite *
dumpcheck_suite(void)
{
    Suite *s = suite_create("dumpcheck");
    TCase *tc = tcase_create("walk");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_custom_offsets_set);
    tcase_add_test(tc, test_custom_no_offsets);
    tcase_add_test(tc, test_custom_messages);
    tcase_add_test(tc, test_not_judged);
    tcase_add_test(tc, test_tar_every_cut);
    tcase_add_test(tc, test_tar_messages);
    tcase_add_test(tc, test_stream_layer);
    suite_add_tcase(s, tc);
    return s;
}
