/* test_sqlfilter: the plain-SQL filter, fed in random small chunks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "restore/decode/sqlfilter.h"

Suite *sqlfilter_suite(void);

#define KEY  "Fix3dK3yForTheSqlfilterUnitTest0123"
#define HEAD "\\restrict " KEY "\n"

/* A stream over a memory buffer that returns 1..13 bytes per read. */
struct mem_stream {
    struct stream s;
    const char *data; /* (borrowed) */
    size_t len, pos;
    unsigned int rng; /* 0: always one byte */
    bool fail;        /* fail instead of ending */
};

static unsigned int
rng_next(unsigned int *r)
{
    *r = *r * 1103515245u + 12345u;
    return (*r >> 16) & 0x7fff;
}

static ssize_t
mem_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    size_t n = m->rng == 0 ? 1 : 1 + rng_next(&m->rng) % 13;

    if (m->pos == m->len) {
        if (m->fail)
            return rd_err_set(err, RD_DECOMPRESS_CORRUPT,
                              "archive '%s' is corrupt", s->name);
        return 0;
    }
    if (n > cap)
        n = cap;
    if (n > m->len - m->pos)
        n = m->len - m->pos;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void
mem_free(struct stream *s)
{
    free(s);
}

static struct stream *
mem_new(const char *data, size_t len, unsigned int seed)
{
    struct mem_stream *m = calloc(1, sizeof(*m));

    ck_assert_ptr_nonnull(m);
    m->s.read = mem_read;
    m->s.free = mem_free;
    m->s.name = "t.sql";
    m->data = data;
    m->len = len;
    m->rng = seed;
    return &m->s;
}

/* Filter ${len} bytes of ${in} read with ${seed}; NUL-terminated result. */
static char *
filter_seed(const char *in, size_t len, bool drop, unsigned int seed,
            struct sqlfilter_counts *counts, size_t *outlen)
{
    struct rd_err err = {0};
    struct stream *f = sqlfilter_new(mem_new(in, len, seed), KEY, drop, counts);
    size_t cap = len + 4096, n = 0;
    char *out = malloc(cap + 1);
    unsigned int r = seed + 7;
    ssize_t got;

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(out);
    sqlfilter_check_trailer(f, false); /* the trailer tests are below */
    /* Read with small, varying buffers too. */
    while ((got = stream_read(f, out + n, 1 + rng_next(&r) % 97, &err)) > 0) {
        n += (size_t)got;
        ck_assert_uint_le(n, cap - 97);
    }
    ck_assert_int_eq(got, 0);
    stream_free(f);
    out[n] = '\0';
    *outlen = n;
    return out;
}

/*
 * Filter ${in} with several chunkings, assert the output is exactly HEAD +
 * ${want}, and leave the counts in ${counts}.
 */
static void
expect_n(const char *in, size_t len, const char *want, size_t wantlen,
         bool drop, struct sqlfilter_counts *counts)
{
    static const unsigned int seeds[] = {0, 1, 42, 4242, 99991};

    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        struct sqlfilter_counts c;
        size_t n;
        char *out = filter_seed(in, len, drop, seeds[i], &c, &n);

        ck_assert_uint_eq(n, strlen(HEAD) + wantlen);
        ck_assert_mem_eq(out, HEAD, strlen(HEAD));
        if (memcmp(out + strlen(HEAD), want, wantlen) != 0)
            ck_assert_str_eq(out + strlen(HEAD), want);
        if (i > 0) {
            ck_assert_int_eq(c.owner, counts->owner);
            ck_assert_int_eq(c.acl, counts->acl);
            ck_assert_int_eq(c.restrict_, counts->restrict_);
            ck_assert_int_eq(c.lines, counts->lines);
            ck_assert_str_eq(c.dumped_from, counts->dumped_from);
        }
        *counts = c;
        free(out);
    }
}

static struct sqlfilter_counts
expect(const char *in, const char *want)
{
    struct sqlfilter_counts c;

    expect_n(in, strlen(in), want, strlen(want), true, &c);
    return c;
}

START_TEST(test_drop_forms)
{
    struct sqlfilter_counts c = expect(
        "ALTER TABLE public.t OWNER TO app;\n"
        "ALTER SEQUENCE public.t_id_seq OWNER TO app;\n"
        "ALTER FUNCTION public.f(integer, text) OWNER TO app;\n"
        "ALTER PROCEDURE public.p() OWNER TO app;\n"
        "ALTER AGGREGATE public.agg(integer) OWNER TO app;\n"
        "ALTER SCHEMA s OWNER TO app;\n"
        "ALTER TYPE public.mood OWNER TO app;\n"
        "ALTER DOMAIN public.d OWNER TO app;\n"
        "ALTER VIEW public.v OWNER TO app;\n"
        "ALTER MATERIALIZED VIEW public.mv OWNER TO app;\n"
        "ALTER LARGE OBJECT 123 OWNER TO app;\n"
        "ALTER EVENT TRIGGER et OWNER TO app;\n"
        "ALTER FOREIGN TABLE public.ft OWNER TO app;\n"
        "ALTER FOREIGN DATA WRAPPER w OWNER TO app;\n"
        "ALTER SERVER srv OWNER TO app;\n"
        "ALTER PUBLICATION pub OWNER TO app;\n"
        "ALTER SUBSCRIPTION sub OWNER TO app;\n"
        "ALTER OPERATOR CLASS public.oc USING btree OWNER TO app;\n"
        "ALTER OPERATOR public.=== (integer, integer) OWNER TO app;\n"
        "ALTER TEXT SEARCH CONFIGURATION public.cfg OWNER TO \"App Role\";\n"
        "ALTER TABLE \"OWNER TO\" OWNER TO \"OWNER TO\";\n"
        "ALTER TABLE public.t OWNER TO CURRENT_USER;\n"
        "SET SESSION AUTHORIZATION app;\n"
        "SET SESSION AUTHORIZATION DEFAULT;\n"
        "RESET SESSION AUTHORIZATION;\n"
        "GRANT ALL ON TABLE public.t TO app;\n"
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;\n"
        "GRANT app TO other;\n"
        "ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA public GRANT SELECT "
        "ON TABLES TO ro;\n"
        "GRANT SELECT ON TABLE public.t TO ro; -- trailing comment\n"
        "GRANT SELECT ON TABLE public.t TO ro;  \t\n"
        "CREATE TABLE public.kept (id int);\n",
        "CREATE TABLE public.kept (id int);\n");

    ck_assert_int_eq(c.owner, 25);
    ck_assert_int_eq(c.acl, 6);
    ck_assert_int_eq(c.restrict_, 0);
    ck_assert_int_eq(c.lines, 32);
    ck_assert_str_eq(c.dumped_from, "");
}
END_TEST

START_TEST(test_lowercase)
{
    struct sqlfilter_counts c =
        expect("grant select on t to r;\n"
               "alter table t owner to r;\n"
               "set session authorization r;\n"
               "reset session authorization;\n"
               "revoke all on t from r;\n"
               "AlTeR dEfAuLt PrIvIlEgEs GRANT ALL ON TABLES TO r;\n"
               "select 1;\n",
               "select 1;\n");

    ck_assert_int_eq(c.owner, 3);
    ck_assert_int_eq(c.acl, 3);
}
END_TEST

/* A GRANT line inside a body, string or comment is not a statement. */
START_TEST(test_quoted_contexts)
{
    const char *in =
        "CREATE FUNCTION public.f() RETURNS void\n"
        "    LANGUAGE plpgsql\n"
        "    AS $$\n"
        "BEGIN\n"
        "GRANT SELECT ON t TO r;\n"
        "ALTER TABLE t OWNER TO r;\n"
        "END;\n"
        "$$;\n"
        "GRANT SELECT ON t TO r;\n"
        "CREATE FUNCTION public.g() RETURNS void LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n"
        "  PERFORM '$$', $f$, $fnx$;\n"
        "GRANT SELECT ON t TO r;\n"
        "END $fn$;\n"
        "INSERT INTO t VALUES ('first line\n"
        "GRANT SELECT ON t TO r;\n"
        "it''s;\n"
        "GRANT SELECT ON t TO r;\n"
        "last line');\n"
        "INSERT INTO t VALUES (E'it\\'s\n"
        "GRANT SELECT ON t TO r;\n"
        "\\\\');\n"
        "SELECT 1 AS \"a\n"
        "GRANT SELECT ON t TO r;\n"
        "\";\n"
        "/* a comment /* nested */\n"
        "GRANT SELECT ON t TO r;\n"
        "*/\n"
        "SELECT 2;\n"
        "-- GRANT SELECT ON t TO r;\n"
        "GRANT SELECT ON t TO r;\n";
    const char *want =
        "CREATE FUNCTION public.f() RETURNS void\n"
        "    LANGUAGE plpgsql\n"
        "    AS $$\n"
        "BEGIN\n"
        "GRANT SELECT ON t TO r;\n"
        "ALTER TABLE t OWNER TO r;\n"
        "END;\n"
        "$$;\n"
        "CREATE FUNCTION public.g() RETURNS void LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n"
        "  PERFORM '$$', $f$, $fnx$;\n"
        "GRANT SELECT ON t TO r;\n"
        "END $fn$;\n"
        "INSERT INTO t VALUES ('first line\n"
        "GRANT SELECT ON t TO r;\n"
        "it''s;\n"
        "GRANT SELECT ON t TO r;\n"
        "last line');\n"
        "INSERT INTO t VALUES (E'it\\'s\n"
        "GRANT SELECT ON t TO r;\n"
        "\\\\');\n"
        "SELECT 1 AS \"a\n"
        "GRANT SELECT ON t TO r;\n"
        "\";\n"
        "/* a comment /* nested */\n"
        "GRANT SELECT ON t TO r;\n"
        "*/\n"
        "SELECT 2;\n"
        "-- GRANT SELECT ON t TO r;\n";
    struct sqlfilter_counts c = expect(in, want);

    ck_assert_int_eq(c.acl, 2);
    ck_assert_int_eq(c.owner, 0);
}
END_TEST

/* Semicolons inside BEGIN ATOMIC ... END do not end the statement (psql). */
START_TEST(test_begin_atomic)
{
    const char *body = "CREATE FUNCTION public.f() RETURNS integer\n"
                       "    LANGUAGE sql\n"
                       "    BEGIN ATOMIC\n"
                       " SELECT CASE WHEN true THEN 1 END;\n"
                       "GRANT a TO b;\n"
                       "END;\n";
    char in[512];
    struct sqlfilter_counts c;

    snprintf(in, sizeof(in), "%sGRANT a TO b;\n", body);
    c = expect(in, body);
    ck_assert_int_eq(c.acl, 1);
}
END_TEST

START_TEST(test_copy)
{
    const char *in = "COPY public.t (id, note) FROM stdin;\n"
                     "1\tGRANT x;\n"
                     "GRANT x;\n"
                     "\\restrict zzz\n"
                     "ALTER TABLE t OWNER TO r;\n"
                     "\\.x\n"
                     " \\.\n"
                     "$$\n"
                     "\\.\n"
                     "GRANT SELECT ON t TO r;\n"
                     "copy public.u FROM STDIN WITH (FORMAT csv);\n"
                     "a,\"b\n"
                     "GRANT y;\n"
                     "\\.\n"
                     "ALTER TABLE u OWNER TO r;\n"
                     "COPY (SELECT * FROM stdin) TO STDOUT;\n"
                     "GRANT a TO b;\n"
                     "COPY t FROM 'stdin';\n"
                     "GRANT a TO b;\n";
    const char *want = "COPY public.t (id, note) FROM stdin;\n"
                       "1\tGRANT x;\n"
                       "GRANT x;\n"
                       "\\restrict zzz\n"
                       "ALTER TABLE t OWNER TO r;\n"
                       "\\.x\n"
                       " \\.\n"
                       "$$\n"
                       "\\.\n"
                       "copy public.u FROM STDIN WITH (FORMAT csv);\n"
                       "a,\"b\n"
                       "GRANT y;\n"
                       "\\.\n"
                       "COPY (SELECT * FROM stdin) TO STDOUT;\n"
                       "COPY t FROM 'stdin';\n";
    struct sqlfilter_counts c = expect(in, want);

    ck_assert_int_eq(c.acl, 3);
    ck_assert_int_eq(c.owner, 1);
    ck_assert_int_eq(c.restrict_, 0);
}
END_TEST

/* Only a statement that starts and ends on the line is dropped. */
START_TEST(test_kept)
{
    const char *in = "GRANT SELECT\n"
                     "    ON t TO r;\n"
                     "ALTER TABLE ONLY public.t\n"
                     "    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n"
                     "ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT "
                     "nextval('public.t_id_seq'::regclass);\n"
                     "ALTER TABLE x ADD COLUMN owner_to int;\n"
                     "ALTER TABLE x RENAME owner TO y;\n"
                     "ALTER TABLE x RENAME COLUMN owner TO y;\n"
                     "ALTER TABLE t RENAME TO \"x OWNER TO y\";\n"
                     "ALTER TABLE \"a OWNER TO b\" ADD COLUMN c int;\n"
                     "ALTER ROLE r SET owner TO x;\n"
                     "ALTER POLICY p ON owner TO r;\n"
                     "ALTER TABLE x OWNER TO 'y';\n"
                     "ALTER TABLE x OWNER TO y; SELECT 1;\n"
                     "GRANT a TO b; /* c */\n"
                     "GRANT a TO b; \\! id\n"
                     "ALTER TABLE x OWNER TO y\n"
                     ";\n"
                     "SELECT 'a'; GRANT x TO y;\n"
                     "GRANTED x;\n"
                     "GRANT_x;\n"
                     "ALTERNATE x;\n"
                     " GRANT a TO b;\n"
                     "GRANT a TO b; 'x\n"
                     "';\n"
                     "SET search_path = public;\n"
                     "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;\n"
                     "RESET SESSION AUTHORIZATION x;\n"
                     "ALTER DEFAULT x;\n";
    struct sqlfilter_counts c = expect(in, in);

    ck_assert_int_eq(c.owner + c.acl + c.restrict_, 0);
    ck_assert_int_eq(c.lines, 29);
}
END_TEST

START_TEST(test_crlf)
{
    struct sqlfilter_counts c = expect("SET x = 1;\r\n"
                                       "GRANT a TO b;\r\n"
                                       "ALTER TABLE t OWNER TO r; -- c\r\n"
                                       "COPY t FROM stdin;\r\n"
                                       "GRANT a;\r\n"
                                       "\\.\r\n"
                                       "GRANT a TO b;\r\n"
                                       "\\unrestrict abc\r\n"
                                       "SELECT 1;\r\n",
                                       "SET x = 1;\r\n"
                                       "COPY t FROM stdin;\r\n"
                                       "GRANT a;\r\n"
                                       "\\.\r\n"
                                       "SELECT 1;\r\n");

    ck_assert_int_eq(c.acl, 2);
    ck_assert_int_eq(c.owner, 1);
    ck_assert_int_eq(c.restrict_, 1);
    ck_assert_int_eq(c.lines, 9);
}
END_TEST

START_TEST(test_no_final_newline)
{
    struct sqlfilter_counts c;

    c = expect("SELECT 1;\nGRANT a TO b;", "SELECT 1;\n");
    ck_assert_int_eq(c.acl, 1);
    ck_assert_int_eq(c.lines, 2);
    c = expect("GRANT a TO b;\nSELECT 1;", "SELECT 1;");
    ck_assert_int_eq(c.lines, 2);
    c = expect("SELECT 1;\n\\unrestrict abc", "SELECT 1;\n");
    ck_assert_int_eq(c.restrict_, 1);
    c = expect("SELECT 1;\nGRANT a TO b; -- done", "SELECT 1;\n");
    ck_assert_int_eq(c.acl, 1);
    c = expect("SELECT 1;\nGRANT a", "SELECT 1;\nGRANT a");
    ck_assert_int_eq(c.acl, 0);
    c = expect("SELECT 1;\nGRANT a TO b; -", "SELECT 1;\nGRANT a TO b; -");
    ck_assert_int_eq(c.acl, 0);
    c = expect("GR", "GR");
    ck_assert_int_eq(c.lines, 1);
    c = expect("", "");
    ck_assert_int_eq(c.lines, 0);
    c = expect("\n", "\n");
    ck_assert_int_eq(c.lines, 1);
}
END_TEST

/* Build "GRANT SELECT ON a, a, ... TO r;\n" of exactly ${len} bytes. */
static char *
long_grant(size_t len)
{
    const char *head = "GRANT SELECT ON TABLE a", *tail = " TO r;\n";
    char *s = malloc(len + 1);
    size_t n = strlen(head);

    ck_assert_ptr_nonnull(s);
    memcpy(s, head, n);
    while (n < len - strlen(tail)) {
        s[n] = (n % 3 == 0) ? ',' : (n % 3 == 1) ? ' ' : 'a';
        n++;
    }
    s[n - 1] = 'a'; /* no dangling comma or blank before TO */
    memcpy(s + n, tail, strlen(tail) + 1);
    ck_assert_uint_eq(strlen(s), len);
    return s;
}

START_TEST(test_long_lines)
{
    struct sqlfilter_counts c;
    char *fits = long_grant(65536), *over = long_grant(65537),
         *huge = long_grant(200 * 1024);
    size_t big = 5 * (200 * 1024) + 4096;
    char *in = malloc(big), *want = malloc(big);
    size_t n = 0, w = 0;

    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(want);
#define ADD(buf, len, s)                       \
    do {                                       \
        memcpy((buf) + (len), (s), strlen(s)); \
        (len) += strlen(s);                    \
    } while (0)
    ADD(in, n, fits);
    ADD(in, n, over);
    ADD(want, w, over);
    ADD(in, n, huge);
    ADD(want, w, huge);
    /* A 200 KiB statement line that is no candidate, and COPY data. */
    ADD(in, n, "INSERT INTO t VALUES ('");
    ADD(want, w, "INSERT INTO t VALUES ('");
    for (int i = 0; i < 200 * 1024; i++) {
        in[n++] = (char)('a' + i % 26);
        want[w++] = (char)('a' + i % 26);
    }
    ADD(in, n, "');\nCOPY t FROM stdin;\n");
    ADD(want, w, "');\nCOPY t FROM stdin;\n");
    for (int i = 0; i < 200 * 1024; i++) {
        in[n++] = (char)(i % 7 == 0 ? '\t' : 'x');
        want[w++] = (char)(i % 7 == 0 ? '\t' : 'x');
    }
    ADD(in, n, "\n\\.\nGRANT a TO b;\nSELECT 1;\n");
    ADD(want, w, "\n\\.\nSELECT 1;\n");
#undef ADD
    expect_n(in, n, want, w, true, &c);
    ck_assert_int_eq(c.acl, 2);
    ck_assert_int_eq(c.lines, 9);
    free(fits);
    free(over);
    free(huge);
    free(in);
    free(want);
}
END_TEST

START_TEST(test_restrict)
{
    const char *in = "--\n"
                     "-- PostgreSQL database dump\n"
                     "--\n"
                     "\n"
                     "\\restrict abc\n"
                     "\n"
                     "-- Dumped from database version 15.18 (Debian "
                     "15.18-0+deb12u1)  \n"
                     "-- Dumped by pg_dump version 15.18\n"
                     "\\! rm -rf /\n"
                     "\\restricted x\n"
                     "\\o |cat\n"
                     "SELECT '\n"
                     "\\restrict abc\n"
                     "';\n"
                     "SELECT 1\n"
                     "\\restrict abc\n"
                     ";\n"
                     "\\unrestrict\tabc\n"
                     "\\unrestrict abc\n";
    const char *want = "--\n"
                       "-- PostgreSQL database dump\n"
                       "--\n"
                       "\n"
                       "\n"
                       "-- Dumped from database version 15.18 (Debian "
                       "15.18-0+deb12u1)  \n"
                       "-- Dumped by pg_dump version 15.18\n"
                       "\\! rm -rf /\n"
                       "\\restricted x\n"
                       "\\o |cat\n"
                       "SELECT '\n"
                       "\\restrict abc\n"
                       "';\n"
                       "SELECT 1\n"
                       "\\restrict abc\n"
                       ";\n";
    struct sqlfilter_counts c = expect(in, want);

    ck_assert_int_eq(c.restrict_, 3);
    ck_assert_int_eq(c.owner + c.acl, 0);
    ck_assert_str_eq(c.dumped_from, "15.18 (Debian 15.18-0+deb12u1)");
}
END_TEST

START_TEST(test_keep_owner_acl)
{
    const char *in = "\\restrict abc\n"
                     "ALTER TABLE t OWNER TO r;\n"
                     "GRANT a TO b;\n"
                     "SET SESSION AUTHORIZATION r;\n"
                     "\\! id\n"
                     "\\unrestrict abc\n";
    const char *want = "ALTER TABLE t OWNER TO r;\n"
                       "GRANT a TO b;\n"
                       "SET SESSION AUTHORIZATION r;\n"
                       "\\! id\n";
    struct sqlfilter_counts c;

    expect_n(in, strlen(in), want, strlen(want), false, &c);
    ck_assert_int_eq(c.restrict_, 2);
    ck_assert_int_eq(c.owner + c.acl, 0);
    ck_assert_int_eq(c.lines, 6);
}
END_TEST

START_TEST(test_dumped_from)
{
    struct sqlfilter_counts c;

    c = expect("COPY t FROM stdin;\n"
               "-- Dumped from database version 9.6\n"
               "\\.\n"
               "SELECT '\n"
               "-- Dumped from database version 10\n"
               "';\n"
               "-- Dumped from database version \t 16.4 \x01\xc3\xa9\r\n"
               "-- Dumped from database version 17.0\n",
               "COPY t FROM stdin;\n"
               "-- Dumped from database version 9.6\n"
               "\\.\n"
               "SELECT '\n"
               "-- Dumped from database version 10\n"
               "';\n"
               "-- Dumped from database version \t 16.4 \x01\xc3\xa9\r\n"
               "-- Dumped from database version 17.0\n");
    ck_assert_str_eq(c.dumped_from, "16.4 ???");

    c = expect("-- Dumped from database version "
               "0123456789012345678901234567890123456789012345678901234567"
               "89ABCDEFGHIJ\n",
               "-- Dumped from database version "
               "0123456789012345678901234567890123456789012345678901234567"
               "89ABCDEFGHIJ\n");
    ck_assert_str_eq(c.dumped_from, "012345678901234567890123456789012345678"
                                    "901234567890123456789ABC");
    c = expect("-- Dumped from database version 16.1",
               "-- Dumped from database version 16.1");
    ck_assert_str_eq(c.dumped_from, "16.1");
}
END_TEST

START_TEST(test_bad_key)
{
    struct sqlfilter_counts c;

    /* The layer below is freed either way (valgrind checks). */
    ck_assert_ptr_null(sqlfilter_new(mem_new("", 0, 1), "short", true, &c));
    ck_assert_ptr_null(sqlfilter_new(
        mem_new("", 0, 1), "K3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK3y0\n", true, &c));
    ck_assert_ptr_null(sqlfilter_new(
        mem_new("", 0, 1), "K3yK3yK3yK3yK3yK3yK3y K3yK3yK3yK3y0", true, &c));
    ck_assert_ptr_null(sqlfilter_new(mem_new("", 0, 1), NULL, true, &c));
    ck_assert_ptr_null(sqlfilter_new(NULL, KEY, true, &c));
}
END_TEST

START_TEST(test_below_fails)
{
    struct rd_err err = {0};
    struct mem_stream *m;
    struct stream *s = mem_new("SELECT 1;\nGRANT a TO b;\n", 24, 3);
    char buf[256];
    ssize_t got, n = 0;

    m = (struct mem_stream *)s;
    m->fail = true;
    s = sqlfilter_new(s, KEY, true, NULL);
    ck_assert_ptr_nonnull(s);
    while ((got = stream_read(s, buf + n, sizeof(buf) - (size_t)n, &err)) > 0)
        n += got;
    ck_assert_int_eq(got, -1);
    ck_assert_int_eq(err.code, RD_DECOMPRESS_CORRUPT);
    ck_assert_str_eq(err.msg, "archive 't.sql' is corrupt");
    buf[n] = '\0';
    ck_assert_str_eq(buf, HEAD "SELECT 1;\n");
    stream_free(s);
}
END_TEST

/* Read ${name} from the fixtures folder next to this file. */
static char *
read_fixture(const char *name, size_t *len)
{
    char path[4096];
    const char *slash = strrchr(__FILE__, '/');
    FILE *fp;
    char *buf;
    long size;

    snprintf(path, sizeof(path), "%.*s/fixtures/%s",
             slash != NULL ? (int)(slash - __FILE__) : 1,
             slash != NULL ? __FILE__ : ".", name);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open '%s'", path);
    ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
    size = ftell(fp);
    ck_assert_int_ge(size, 0);
    rewind(fp);
    buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    buf[size] = '\0';
    *len = (size_t)size;
    return buf;
}

/*
 * A real pg_dump 15.18 plain dump (roles app and ro, grants, default
 * privileges, a large object, plpgsql bodies holding GRANT text, BEGIN
 * ATOMIC, COPY rows reading "GRANT x;" and "\\."), filtered; psql restored
 * the filtered file into a cluster without those roles.
 */
START_TEST(test_real_dump)
{
    size_t inlen, wantlen;
    char *in = read_fixture("plain_dump.sql", &inlen);
    char *want = read_fixture("plain_dump.filtered.sql", &wantlen);
    struct sqlfilter_counts c;

    ck_assert_uint_ge(wantlen, strlen(HEAD));
    ck_assert_mem_eq(want, HEAD, strlen(HEAD));
    expect_n(in, inlen, want + strlen(HEAD), wantlen - strlen(HEAD), true, &c);
    ck_assert_int_eq(c.restrict_, 2);
    ck_assert_int_eq(c.owner, 10);
    ck_assert_int_eq(c.acl, 6);
    ck_assert_int_eq(c.lines, 281);
    ck_assert_str_eq(c.dumped_from, "15.18 (Debian 15.18-0+deb12u1)");
    free(in);
    free(want);
}
END_TEST

/*
 * Read ${len} bytes of ${in} through a filter that checks pg_dump's closing
 * line, with every chunking of expect_n(); the verdict of the last read (0,
 * or -1 with ${err}), the same for all of them.
 */
static int
trailer_n(const char *in, size_t len, struct rd_err *err)
{
    static const unsigned int seeds[] = {0, 1, 42, 4242, 99991};
    int verdict = 0;

    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        struct stream *f =
            sqlfilter_new(mem_new(in, len, seeds[i]), KEY, true, NULL);
        unsigned int r = seeds[i] + 3;
        char buf[128];
        ssize_t got;

        ck_assert_ptr_nonnull(f);
        rd_err_clear(err);
        while ((got = stream_read(f, buf, 1 + rng_next(&r) % 97, err)) > 0)
            ;
        stream_free(f);
        if (i > 0)
            ck_assert_int_eq((int)got, verdict);
        verdict = (int)got;
        ck_assert(got == 0 || err->code == RD_ARCHIVE_TRUNCATED);
    }
    return verdict;
}

static int
trailer(const char *in, struct rd_err *err)
{
    return trailer_n(in, strlen(in), err);
}

#define DONE    "-- PostgreSQL database dump complete"
#define CLDONE  "-- PostgreSQL database cluster dump complete"
#define ENDING  "--\n" DONE "\n--\n\n"
#define UNRESTR "\\unrestrict Xy12\n\n"

START_TEST(test_trailer_complete)
{
    struct rd_err err;

    ck_assert_int_eq(trailer("SELECT 1;\n" ENDING UNRESTR, &err), 0);
    ck_assert_int_eq(trailer("SELECT 1;\n" ENDING, &err), 0);
    ck_assert_int_eq(trailer("SELECT 1;\n" DONE, &err), 0);
    ck_assert_int_eq(trailer("SELECT 1;\n" DONE "\r\n", &err), 0);
    ck_assert_int_eq(trailer("SELECT 1;\r\n--\r\n" DONE "\r\n--\r\n\r\n"
                             "\\unrestrict k\r\n\r\n",
                             &err),
                     0);
    /* Blank lines, spaces and tabs after it. */
    ck_assert_int_eq(
        trailer("SELECT 1;\n" ENDING UNRESTR "\n  \n\t\n \t \n\n", &err), 0);
    ck_assert_int_eq(trailer("SELECT 1;\n" DONE "   \t\n   ", &err), 0);
    /* More comments after it, long ones too. */
    ck_assert_int_eq(
        trailer("SELECT 1;\n" ENDING "-- "
                "a long comment after the closing line, longer than the 64 "
                "bytes a line is classified by\n",
                &err),
        0);
    /* pg_dumpall's closing line. */
    ck_assert_int_eq(trailer("SELECT 1;\n--\n" CLDONE "\n--\n\n", &err), 0);
    ck_assert_int_eq(trailer("--\n-- PostgreSQL database cluster dump\n--\n\n"
                             "\\connect db\n" ENDING "\n--\n" CLDONE "\n--\n\n",
                             &err),
                     0);
    /* After COPY data that ended. */
    ck_assert_int_eq(
        trailer("COPY t (a) FROM stdin;\n1\n\\.\n\n" ENDING UNRESTR, &err), 0);
}
END_TEST

START_TEST(test_trailer_missing)
{
    struct rd_err err;

    ck_assert_int_eq(trailer("", &err), -1);
    ck_assert_str_eq(err.msg,
                     "archive 't.sql' is cut short: it holds no lines");
    ck_assert_int_eq(trailer("SELECT 1;\nSELECT 2;\n", &err), -1);
    ck_assert_str_eq(err.msg, "archive 't.sql' is cut short: it ends at line 2 "
                              "without pg_dump's closing line '" DONE "'");
    /* Something after it. */
    ck_assert_int_eq(trailer("SELECT 1;\n" ENDING UNRESTR "SELECT 2;\n", &err),
                     -1);
    ck_assert_int_eq(trailer("SELECT 1;\n" ENDING "\\connect x\n", &err), -1);
    ck_assert_int_eq(trailer("SELECT 1;\n" ENDING "\\unrestrictX\n", &err), -1);
    ck_assert_int_eq(trailer("SELECT 1;\n" ENDING
                             "SELECT 'a long statement after the closing line, "
                             "longer than 64 bytes';\n",
                             &err),
                     -1);
    /* Lookalikes. */
    ck_assert_int_eq(trailer("SELECT 1;\n" DONE "!\n", &err), -1);
    ck_assert_int_eq(trailer("SELECT 1;\n-- PostgreSQL database dump\n", &err),
                     -1);
    ck_assert_int_eq(trailer("SELECT 1;\n" DONE " complete\n", &err), -1);
    /* Not SQL: COPY data, quotes, dollar quotes, block comments. */
    ck_assert_int_eq(trailer("COPY t (a) FROM stdin;\n" DONE "\n", &err), -1);
    ck_assert_int_eq(trailer("COPY t (a) FROM stdin;\n1\n" DONE "\n\n", &err),
                     -1);
    ck_assert_int_eq(trailer("SELECT 'x\n" DONE "\n", &err), -1);
    ck_assert_int_eq(
        trailer("CREATE FUNCTION f() RETURNS int AS $f$\n" DONE "\n", &err),
        -1);
    ck_assert_int_eq(trailer("/* a\n" DONE "\n", &err), -1);
    /* pg_dumpall cut between two databases. */
    ck_assert_int_eq(trailer("--\n-- PostgreSQL database cluster dump\n--\n\n"
                             "\\connect db\n" ENDING,
                             &err),
                     -1);
    ck_assert_str_eq(err.msg, "archive 't.sql' is cut short: it ends at line 9 "
                              "without pg_dumpall's closing line '" CLDONE "'");
}
END_TEST

/* A real dump cut at each line boundary: complete only from its closing
 * line on. */
START_TEST(test_trailer_real_dump_cuts)
{
    size_t len, lines = 0, done_at;
    char *in = read_fixture("plain_dump.sql", &len);
    const char *p = strstr(in, "\n" DONE "\n");
    struct rd_err err;

    ck_assert_ptr_nonnull(p);
    done_at = (size_t)(p - in) + 1 + strlen(DONE);
    ck_assert_int_eq(trailer_n(in, len, &err), 0);
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '\n')
            continue;
        lines++;
        ck_assert_int_eq(trailer_n(in, i + 1, &err), i >= done_at ? 0 : -1);
    }
    ck_assert_uint_gt(lines, 200);
    /* Cut inside the closing line itself. */
    ck_assert_int_eq(trailer_n(in, done_at - 1, &err), -1);
    free(in);
}
END_TEST

START_TEST(test_trailer_off)
{
    struct rd_err err = {0};
    struct stream *f =
        sqlfilter_new(mem_new("SELECT 1;\n", 10, 1), KEY, true, NULL);
    char buf[64];

    sqlfilter_check_trailer(f, false);
    while (stream_read(f, buf, sizeof(buf), &err) > 0)
        ;
    ck_assert_int_eq(stream_read(f, buf, sizeof(buf), &err), 0);
    stream_free(f);
}
END_TEST

Suite *
sqlfilter_suite(void)
{
    Suite *s = suite_create("sqlfilter");
    TCase *tc = tcase_create("filter");

    tcase_add_test(tc, test_drop_forms);
    tcase_add_test(tc, test_lowercase);
    tcase_add_test(tc, test_quoted_contexts);
    tcase_add_test(tc, test_begin_atomic);
    tcase_add_test(tc, test_copy);
    tcase_add_test(tc, test_kept);
    tcase_add_test(tc, test_crlf);
    tcase_add_test(tc, test_no_final_newline);
    tcase_add_test(tc, test_long_lines);
    tcase_add_test(tc, test_restrict);
    tcase_add_test(tc, test_keep_owner_acl);
    tcase_add_test(tc, test_dumped_from);
    tcase_add_test(tc, test_bad_key);
    tcase_add_test(tc, test_below_fails);
    tcase_add_test(tc, test_real_dump);
    tcase_add_test(tc, test_trailer_complete);
    tcase_add_test(tc, test_trailer_missing);
    tcase_add_test(tc, test_trailer_real_dump_cuts);
    tcase_add_test(tc, test_trailer_off);
    suite_add_tcase(s, tc);
    return s;
}
