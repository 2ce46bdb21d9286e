/* test_dumpfmt: magic bytes and custom-format archive headers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "restore/decode/dumpfmt.h"

Suite *dumpfmt_suite(void);

/* ---- sniffing ---------------------------------------------------------- */

/* Sniff ${n} bytes at ${b} padded to 512 with ${pad}, and unpadded. */
static void
check_sniff(const void *b, size_t n, enum dump_kind want)
{
    unsigned char buf[DUMPFMT_SNIFF_BYTES];

    ck_assert_uint_le(n, sizeof(buf));
    ck_assert_int_eq(dumpfmt_sniff(b, n), want);
    /* More bytes after the magic change nothing (binary padding). */
    memset(buf, 0xaa, sizeof(buf));
    memcpy(buf, b, n);
    if (want != DUMP_PLAIN && want != DUMP_UNKNOWN)
        ck_assert_int_eq(dumpfmt_sniff(buf, sizeof(buf)), want);
}

START_TEST(test_sniff_magics)
{
    check_sniff("\x1f\x8b\x08\x00", 4, DUMP_GZIP);
    check_sniff("\x1f\x8b", 2, DUMP_GZIP);
    check_sniff("\x28\xb5\x2f\xfd\x04\x58", 6, DUMP_ZSTD);
    check_sniff("\xfd\x37\x7a\x58\x5a\x00\x00\x04", 8, DUMP_XZ);
    check_sniff("BZh9\x31\x41\x59\x26", 8, DUMP_BZIP2);
    check_sniff("BZh1", 4, DUMP_BZIP2);
    check_sniff("\x04\x22\x4d\x18\x64\x40", 6, DUMP_LZ4);
    check_sniff("PGDMP\x01\x0e\x00", 8, DUMP_CUSTOM);
    check_sniff("PGDMP", 5, DUMP_CUSTOM);

    /* One byte short of each magic. */
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"\x1f", 1),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"\x28\xb5\x2f", 3),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(
        dumpfmt_sniff((const unsigned char *)"\xfd\x37\x7a\x58\x5a", 5),
        DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"BZh", 3),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"\x04\x22\x4d", 3),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"PGDM", 4),
                     DUMP_UNKNOWN);
    /* Near misses. */
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"BZh0xxxx", 8),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"BZ\x68:", 4),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(
        dumpfmt_sniff((const unsigned char *)"\xfd\x37\x7a\x58\x5a\x01", 6),
        DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"pgdmp\x01", 6),
                     DUMP_UNKNOWN);
}
END_TEST

START_TEST(test_sniff_tar)
{
    unsigned char b[DUMPFMT_SNIFF_BYTES];

    memset(b, 0, sizeof(b));
    strcpy((char *)b, "toc.dat");
    memcpy(b + 257,
           "ustar\0"
           "00",
           8); /* POSIX */
    ck_assert_int_eq(dumpfmt_sniff(b, sizeof(b)), DUMP_TAR);
    ck_assert_int_eq(dumpfmt_sniff(b, 262), DUMP_TAR);
    ck_assert_int_eq(dumpfmt_sniff(b, 261), DUMP_UNKNOWN);
    memcpy(b + 257, "ustar  \0", 8); /* GNU */
    ck_assert_int_eq(dumpfmt_sniff(b, sizeof(b)), DUMP_TAR);
    /* The magic at another offset is not a tar. */
    memset(b + 257, 0, 8);
    memcpy(b + 256, "ustar", 5);
    ck_assert_int_eq(dumpfmt_sniff(b, sizeof(b)), DUMP_UNKNOWN);
}
END_TEST

START_TEST(test_sniff_plain)
{
    static const char *const sql[] = {
        "--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n",
        "SET client_encoding = 'UTF8';\n",
        "\n\n  \t--\n",
        "CREATE TABLE t (id int);\n",
        "BEGIN;\n",
        "\\connect app\n",
        "SELECT pg_catalog.set_config('search_path', '', false);\n",
        "\xef\xbb\xbf--\n-- PostgreSQL database dump\n",
        "\xef\xbb\xbfSET x = 1;\n",
        "--",
        "-- caf\xc3\xa9\r\n",
    };
    static const char *const not_sql[] = {
        "hello world\n",
        "set x = 1;\n", /* pg_dump writes keywords in upper case */
        "SET",          /* "SET " needs its blank */
        "-",
        "\xef\xbb\xbf",
        " ",
        "-- has a \x01 control byte\n",
        "-- bell\a\n",
        "{\"json\": true}\n",
    };
    size_t i;

    for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        ck_assert_msg(dumpfmt_sniff((const unsigned char *)sql[i],
                                    strlen(sql[i])) == DUMP_PLAIN,
                      "not plain: '%s'", sql[i]);
    for (i = 0; i < sizeof(not_sql) / sizeof(not_sql[0]); i++)
        ck_assert_msg(dumpfmt_sniff((const unsigned char *)not_sql[i],
                                    strlen(not_sql[i])) == DUMP_UNKNOWN,
                      "not unknown: '%s'", not_sql[i]);
    /* A NUL inside the first 512 bytes makes it binary. */
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"-- x\0y\n", 7),
                     DUMP_UNKNOWN);
}
END_TEST

START_TEST(test_sniff_other)
{
    unsigned char b[DUMPFMT_SNIFF_BYTES];
    unsigned int x = 12345;
    size_t i;

    /* Empty. */
    memset(b, 0, sizeof(b));
    ck_assert_int_eq(dumpfmt_sniff(b, 0), DUMP_UNKNOWN);
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"", 0), DUMP_UNKNOWN);
    /* All zeroes (e.g. a preallocated file). */
    memset(b, 0, sizeof(b));
    ck_assert_int_eq(dumpfmt_sniff(b, sizeof(b)), DUMP_UNKNOWN);
    /* Pseudo-random bytes that start with no magic. */
    for (i = 0; i < sizeof(b); i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (unsigned char)(x >> 16);
    }
    b[0] = 0x80;
    ck_assert_int_eq(dumpfmt_sniff(b, sizeof(b)), DUMP_UNKNOWN);
    /* ZIP and 7z are not archives we restore. */
    ck_assert_int_eq(dumpfmt_sniff((const unsigned char *)"PK\x03\x04", 4),
                     DUMP_UNKNOWN);
    ck_assert_int_eq(
        dumpfmt_sniff((const unsigned char *)"7z\xbc\xaf\x27\x1c", 6),
        DUMP_UNKNOWN);
}
END_TEST

START_TEST(test_kind_names)
{
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_UNKNOWN), "unknown");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_CUSTOM), "custom");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_TAR), "tar");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_PLAIN), "plain");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_GZIP), "gzip");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_ZSTD), "zstd");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_XZ), "xz");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_BZIP2), "bzip2");
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_LZ4), "lz4");
    ck_assert_str_eq(dumpfmt_kind_name((enum dump_kind)99), "unknown");
    ck_assert_str_eq(dumpfmt_kind_name((enum dump_kind) - 1), "unknown");
}
END_TEST

/* ---- the head of a plain dump ------------------------------------------ */

/* What pg_dump 15 writes for pg_trgm, "uuid-ossp" and hstore. */
static const char plain_head[] =
    "--\n-- PostgreSQL database dump\n--\n\n"
    "-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n"
    "-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)\n\n"
    "SET statement_timeout = 0;\n\n"
    "CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA pg_catalog;\n\n"
    "COMMENT ON EXTENSION hstore IS 'data type for storing sets of (key, "
    "value) pairs';\n\n"
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\n\n"
    "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA public;\n";

/* The names dumpfmt_plain_extensions() finds in ${b}, comma-joined. */
static void
check_exts(const char *b, size_t n, const char *want)
{
    char **names = NULL, got[512] = "";
    size_t count = 0;

    ck_assert_int_eq(
        dumpfmt_plain_extensions((const unsigned char *)b, n, &names, &count),
        0);
    for (size_t i = 0; i < count; i++) {
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
                 i > 0 ? "," : "", names[i]);
        free(names[i]);
    }
    free(names);
    ck_assert_str_eq(got, want);
}

START_TEST(test_plain_version)
{
    char v[64];

    ck_assert_int_eq(dumpfmt_plain_version((const unsigned char *)plain_head,
                                           strlen(plain_head), v, sizeof(v)),
                     0);
    ck_assert_str_eq(v, "15.18 (Debian 15.18-0+deb12u1)");
    /* Cut to the room, and only at a line start. */
    ck_assert_int_eq(dumpfmt_plain_version((const unsigned char *)plain_head,
                                           strlen(plain_head), v, 3),
                     0);
    ck_assert_str_eq(v, "15");
    ck_assert_int_eq(dumpfmt_plain_version(
                         (const unsigned char *)"x -- Dumped from database "
                                                "version 9\n",
                         36, v, sizeof(v)),
                     -1);
}
END_TEST

START_TEST(test_plain_extensions)
{
    check_exts(plain_head, strlen(plain_head), "hstore,pg_trgm,uuid-ossp");
    /* A quoted name is taken whole, "" is a quote (it used to be cut at
     * the first capital: "" or "Tr", then a false missing_extension). */
    check_exts("CREATE EXTENSION IF NOT EXISTS \"Trgm\"\"X\" WITH SCHEMA a;\n",
               56, "Trgm\"X");
    /* Not at a line start, or no name: nothing. */
    check_exts("-- CREATE EXTENSION IF NOT EXISTS x;\n"
               "CREATE EXTENSION IF NOT EXISTS ;\n"
               "CREATE EXTENSION IF NOT EXISTS \"\" WITH SCHEMA a;\n"
               "CREATE EXTENSION IF NOT EXISTS \"a/b\" WITH SCHEMA a;\n",
               171, "");
}
END_TEST

START_TEST(test_plain_extensions_cut)
{
    size_t at = (size_t)(strstr(plain_head, "\"uuid-ossp\"") - plain_head);

    /* The peek window may end inside a name: that name is not known yet
     * (it used to be found as "pg_tr" or "uuid-o" and reported missing). */
    for (size_t cut = at; cut <= at + 11; cut++)
        check_exts(plain_head, cut, "hstore,pg_trgm");
    check_exts(plain_head, at + 12, "hstore,pg_trgm,uuid-ossp");
    check_exts(plain_head, strstr(plain_head, "pg_trgm") + 5 - plain_head,
               "hstore");
    check_exts("CREATE EXTENSION IF NOT EXISTS \"Tr\"", 35, "");
    check_exts("CREATE EXTENSION IF NOT EXISTS \"Tr\"\"", 36, "");
    check_exts("CREATE EXTENSION IF NOT EXISTS \"Tr\" ", 36, "Tr");
}
END_TEST

/* ---- custom-format headers (pg_dump's WriteHead) ----------------------- */

struct hdr {
    unsigned char b[DUMPFMT_HEADER_BYTES * 2];
    size_t len;
    int int_size;
};

static void
put_byte(struct hdr *h, int v)
{
    ck_assert_uint_lt(h->len, sizeof(h->b));
    h->b[h->len++] = (unsigned char)v;
}

/* pg_dump's WriteInt: a sign byte, then |v| in int_size bytes, LE. */
static void
put_int(struct hdr *h, long long v)
{
    unsigned long long u =
        v < 0 ? (unsigned long long)-v : (unsigned long long)v;

    put_byte(h, v < 0 ? 1 : 0);
    for (int i = 0; i < h->int_size; i++)
        put_byte(h, (int)((u >> (8 * i)) & 0xff));
}

/* pg_dump's WriteStr: WriteInt(len) and the bytes, or WriteInt(-1). */
static void
put_str(struct hdr *h, const char *s)
{
    if (s == NULL) {
        put_int(h, -1);
        return;
    }
    put_int(h, (long long)strlen(s));
    for (const char *p = s; *p != '\0'; p++)
        put_byte(h, (unsigned char)*p);
}

/* A header as pg_dump ${vmin} writes it (1.14: int compression; 1.15+: one
 * compression byte). */
static void
make_header(struct hdr *h, int vmin, int int_size, int compression,
            const char *db, const char *server, const char *pgdump)
{
    static const int tm[7] = {14, 3, 5, 26, 10, 126, 0}; /* 2026-11-26 */

    memset(h, 0, sizeof(*h));
    h->int_size = int_size;
    memcpy(h->b, "PGDMP", 5);
    h->len = 5;
    put_byte(h, 1);    /* vmaj */
    put_byte(h, vmin); /* vmin */
    put_byte(h, 0);    /* vrev */
    put_byte(h, int_size);
    put_byte(h, 8); /* offSize */
    put_byte(h, 1); /* archCustom */
    if (vmin >= 15)
        put_byte(h, compression);
    else
        put_int(h, compression);
    for (int i = 0; i < 7; i++)
        put_int(h, tm[i]);
    put_str(h, db);
    put_str(h, server);
    put_str(h, pgdump);
}

static int
parse(const struct hdr *h, size_t len, struct dump_header *out, char *err)
{
    err[0] = '\0';
    return dumpfmt_parse_custom(h->b, len, out, err, 256);
}

/* The first bytes of `pg_dump -Fc` from PostgreSQL 15.18 (Debian 12). */
static const unsigned char real_pg15[] = {
    0x50, 0x47, 0x44, 0x4d, 0x50, 0x01, 0x0e, 0x00, 0x04, 0x08, 0x01, 0x01,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00, 0x00, 0x29, 0x00,
    0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x00, 0x00,
    0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x7e, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x70, 0x6f, 0x73, 0x74,
    0x67, 0x72, 0x65, 0x73, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x31, 0x35, 0x2e,
    0x31, 0x38, 0x20, 0x28, 0x44, 0x65, 0x62, 0x69, 0x61, 0x6e, 0x20, 0x31,
    0x35, 0x2e, 0x31, 0x38, 0x2d, 0x30, 0x2b, 0x64, 0x65, 0x62, 0x31, 0x32,
    0x75, 0x31, 0x29, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x31, 0x35, 0x2e, 0x31,
    0x38, 0x20, 0x28, 0x44, 0x65, 0x62, 0x69, 0x61, 0x6e, 0x20, 0x31, 0x35,
    0x2e, 0x31, 0x38, 0x2d, 0x30, 0x2b, 0x64, 0x65, 0x62, 0x31, 0x32, 0x75,
    0x31, 0x29};

START_TEST(test_header_real_pg15)
{
    struct dump_header d;
    char err[256] = "";

    ck_assert_uint_eq(sizeof(real_pg15), 134);
    ck_assert_int_eq(dumpfmt_sniff(real_pg15, sizeof(real_pg15)), DUMP_CUSTOM);
    ck_assert_int_eq(dumpfmt_parse_custom(real_pg15, sizeof(real_pg15), &d, err,
                                          sizeof(err)),
                     0);
    ck_assert_int_eq(d.vmaj, 1);
    ck_assert_int_eq(d.vmin, 14);
    ck_assert_int_eq(d.vrev, 0);
    ck_assert_int_eq(d.format, 1);
    ck_assert_int_eq(d.compression, -1);
    ck_assert_str_eq(d.dbname, "postgres");
    ck_assert_str_eq(d.server_version, "15.18 (Debian 15.18-0+deb12u1)");
    ck_assert_str_eq(d.pgdump_version, "15.18 (Debian 15.18-0+deb12u1)");
    ck_assert_int_eq(dumpfmt_major(d.pgdump_version), 15);
    /* One byte less is "too short". */
    ck_assert_int_eq(dumpfmt_parse_custom(real_pg15, sizeof(real_pg15) - 1, &d,
                                          err, sizeof(err)),
                     1);
}
END_TEST

START_TEST(test_header_1_14)
{
    struct hdr h;
    struct dump_header d;
    char err[256];

    make_header(&h, 14, 4, -1, "app", "15.4 (Debian 15.4-1.pgdg120+1)",
                "15.4 (Debian 15.4-1.pgdg120+1)");
    /* 5 magic + 6 bytes + 5 compression + 7*5 time + 3 strings */
    ck_assert_uint_eq(h.len, 5 + 6 + 5 + 35 + (5 + 3) + 2 * (5 + 30));
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmaj, 1);
    ck_assert_int_eq(d.vmin, 14);
    ck_assert_int_eq(d.vrev, 0);
    ck_assert_int_eq(d.format, 1);
    ck_assert_int_eq(d.compression, -1); /* Z_DEFAULT_COMPRESSION */
    ck_assert_str_eq(d.dbname, "app");
    ck_assert_str_eq(d.server_version, "15.4 (Debian 15.4-1.pgdg120+1)");
    ck_assert_str_eq(d.pgdump_version, "15.4 (Debian 15.4-1.pgdg120+1)");
    ck_assert_str_eq(err, "");

    /* Extra bytes after the header (the TOC) are ignored. */
    ck_assert_int_eq(parse(&h, sizeof(h.b), &d, err), 0);
    ck_assert_str_eq(d.dbname, "app");

    make_header(&h, 14, 4, 9, "x", "12.1", "13.2");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.compression, 9);
    ck_assert_str_eq(d.server_version, "12.1");
    ck_assert_str_eq(d.pgdump_version, "13.2");
}
END_TEST

START_TEST(test_header_1_15)
{
    struct hdr h;
    struct dump_header d;
    char err[256];

    make_header(&h, 15, 4, 3, "shop", "16.2", "16.2 (Ubuntu 16.2-1)");
    ck_assert_uint_eq(h.len, 5 + 6 + 1 + 35 + (5 + 4) + (5 + 4) + (5 + 20));
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmaj, 1);
    ck_assert_int_eq(d.vmin, 15);
    ck_assert_int_eq(d.format, 1);
    ck_assert_int_eq(d.compression, 3); /* PG_COMPRESSION_ZSTD */
    ck_assert_str_eq(d.dbname, "shop");
    ck_assert_str_eq(d.server_version, "16.2");
    ck_assert_str_eq(d.pgdump_version, "16.2 (Ubuntu 16.2-1)");

    /* 1.16 (PostgreSQL 17) has the same header layout. */
    make_header(&h, 16, 4, 0, "db", "17.0", "17.0");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmin, 16);
    ck_assert_int_eq(d.compression, 0);
    ck_assert_str_eq(d.pgdump_version, "17.0");
}
END_TEST

START_TEST(test_header_int_sizes)
{
    struct hdr h;
    struct dump_header d;
    char err[256];

    make_header(&h, 14, 8, 5, "wide", "10.1", "10.1");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.compression, 5);
    ck_assert_str_eq(d.dbname, "wide");

    /* int sizes outside 4..8 are refused. */
    make_header(&h, 14, 4, 0, "a", "b", "c");
    h.b[8] = 3;
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "invalid int/offset size 3/8");
    h.b[8] = 9;
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "invalid int/offset size 9/8");
    h.b[8] = 4;
    h.b[9] = 2;
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "invalid int/offset size 4/2");
}
END_TEST

START_TEST(test_header_strings)
{
    struct hdr h;
    struct dump_header d;
    char err[256], big[300];

    /* NULL strings (length -1) read as empty. */
    make_header(&h, 15, 4, 0, NULL, "16.1", NULL);
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_str_eq(d.dbname, "");
    ck_assert_str_eq(d.server_version, "16.1");
    ck_assert_str_eq(d.pgdump_version, "");

    /* Empty strings. */
    make_header(&h, 15, 4, 0, "", "", "");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_str_eq(d.dbname, "");

    /* Long strings are cut to the field; the rest is still skipped. */
    memset(big, 'd', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    make_header(&h, 14, 4, 0, big, big, "16.0");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_uint_eq(strlen(d.dbname), sizeof(d.dbname) - 1);
    ck_assert_uint_eq(strlen(d.server_version), sizeof(d.server_version) - 1);
    ck_assert_str_eq(d.pgdump_version, "16.0");

    /* Control characters become '?'. */
    make_header(&h, 15, 4, 0, "a\nb\x1b[31m", "16\x7f", "ok");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_str_eq(d.dbname, "a?b?[31m");
    ck_assert_str_eq(d.server_version, "16?");
}
END_TEST

/* Replace the first string's length int (after the time ints) with ${v}. */
static void
patch_dbname_len(struct hdr *h, int vmin, int sign, unsigned long long v)
{
    size_t off = 11 + (vmin >= 15 ? 1 : 5) + 7 * 5;

    h->b[off] = (unsigned char)sign;
    for (int i = 0; i < 4; i++)
        h->b[off + 1 + i] = (unsigned char)(v >> (8 * i));
}

START_TEST(test_header_bad_lengths)
{
    struct hdr h;
    struct dump_header d;
    char err[256];

    /* Longer than any real string: corrupt, not "truncated". */
    make_header(&h, 15, 4, 0, "app", "16.1", "16.1");
    patch_dbname_len(&h, 15, 0, 0xffffffffu);
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "corrupt header at byte 52");
    ck_assert_int_eq(parse(&h, DUMPFMT_HEADER_BYTES, &d, err), -1);

    make_header(&h, 15, 4, 0, "app", "16.1", "16.1");
    patch_dbname_len(&h, 15, 0, 4097);
    ck_assert_int_eq(parse(&h, sizeof(h.b), &d, err), -1);
    ck_assert_str_eq(err, "corrupt header at byte 52");

    /* Negative lengths other than -1. */
    make_header(&h, 14, 4, 0, "app", "16.1", "16.1");
    patch_dbname_len(&h, 14, 1, 2);
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "corrupt header at byte 56");

    /* A length that runs past the buffer is a short read. */
    make_header(&h, 15, 4, 0, "app", "16.1", "16.1");
    patch_dbname_len(&h, 15, 0, 4000);
    ck_assert_int_eq(parse(&h, h.len, &d, err), 1);

    /* 8-byte ints with huge values. */
    make_header(&h, 14, 8, 0, "a", "b", "c");
    memset(h.b + 12, 0xff, 8); /* compression int */
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "corrupt header at byte 20");
}
END_TEST

START_TEST(test_header_versions)
{
    struct hdr h;
    struct dump_header d;
    char err[256];

    /* Not a custom archive. */
    ck_assert_int_eq(
        dumpfmt_parse_custom((const unsigned char *)"PGDMQ\x01\x0e", 7, &d, err,
                             sizeof(err)),
        -1);
    ck_assert_str_eq(err, "no 'PGDMP' magic");
    ck_assert_int_eq(dumpfmt_parse_custom((const unsigned char *)"", 0, &d, err,
                                          sizeof(err)),
                     -1);

    /* Too old for us. */
    make_header(&h, 9, 4, 0, "a", "b", "c");
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_str_eq(err, "unsupported archive version 1.9");
    h.b[5] = 0;
    ck_assert_int_eq(parse(&h, h.len, &d, err), -1);
    ck_assert_int_eq(d.vmaj, 0);
    ck_assert_str_eq(err, "unsupported archive version 0.9");

    /* A newer major: the version is reported (the caller says tool_too_old). */
    make_header(&h, 0, 4, 0, "a", "b", "c");
    h.b[5] = 2;
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmaj, 2);
    ck_assert_int_eq(d.vmin, 0);

    /* The oldest supported, 1.10 (int compression). */
    make_header(&h, 10, 4, 6, "a", "9.0.1", "9.0.1");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmin, 10);
    ck_assert_int_eq(d.compression, 6);

    /*
     * A newer 1.x whose fields do not follow the 1.15 layout (a 1.14
     * header with its version bytes set to 1.99): still well formed, the
     * version is all that is reported (the caller says tool_too_old).
     */
    make_header(&h, 14, 4, 9, "a", "15.4", "15.4");
    h.b[6] = 99;
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmaj, 1);
    ck_assert_int_eq(d.vmin, 99);
    ck_assert_str_eq(d.server_version, "");
    ck_assert_int_eq(parse(&h, 8, &d, err), 0);
    ck_assert_int_eq(parse(&h, 7, &d, err), 1);
    {
        size_t used = 1;

        ck_assert_int_eq(
            dumpfmt_parse_custom_len(h.b, h.len, &d, &used, err, sizeof(err)),
            0);
        ck_assert_uint_eq(used, 0);
        make_header(&h, 14, 4, 9, "a", "15.4", "15.4");
        ck_assert_int_eq(dumpfmt_parse_custom_len(h.b, h.len + 10, &d, &used,
                                                  err, sizeof(err)),
                         0);
        ck_assert_uint_eq(used, h.len);
    }

    /* A later 1.x is read with the 1.15 layout. */
    make_header(&h, 17, 4, 1, "a", "18.0", "18.0");
    ck_assert_int_eq(parse(&h, h.len, &d, err), 0);
    ck_assert_int_eq(d.vmin, 17);
    ck_assert_str_eq(d.pgdump_version, "18.0");
}
END_TEST

/* Every prefix of a valid header is "too short" (1) or invalid (-1). */
static void
check_prefixes(const struct hdr *h)
{
    struct dump_header d;
    char err[256];
    unsigned char *copy;

    for (size_t n = 0; n < h->len; n++) {
        int rc;

        /* An exact-size heap copy, so reading past it is caught by ASan. */
        copy = malloc(n > 0 ? n : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, h->b, n);
        rc = dumpfmt_parse_custom(copy, n, &d, err, sizeof(err));
        free(copy);
        ck_assert_msg(rc == 1 || rc == -1, "prefix %zu of %zu: rc %d", n,
                      h->len, rc);
        /* Once the magic is there, a short header is "too short". */
        if (n >= 5)
            ck_assert_msg(rc == 1, "prefix %zu of %zu: rc %d (%s)", n, h->len,
                          rc, err);
        /* The version is known as soon as its bytes are. */
        if (n >= 8) {
            ck_assert_int_eq(d.vmaj, 1);
            ck_assert_int_eq(d.vmin, h->b[6]);
        }
    }
    ck_assert_int_eq(dumpfmt_parse_custom(h->b, h->len, &d, err, sizeof(err)),
                     0);
}

START_TEST(test_header_truncated)
{
    struct hdr h;

    make_header(&h, 14, 4, -1, "app", "15.4", "15.4");
    check_prefixes(&h);
    make_header(&h, 15, 4, 2, "app", "16.1 (Debian 16.1-1)", "16.1");
    check_prefixes(&h);
    make_header(&h, 16, 8, 0, NULL, "17.2", NULL);
    check_prefixes(&h);
}
END_TEST

START_TEST(test_max_archive_version)
{
    int maj = -1, min = -1;

    dumpfmt_max_archive_version(15, &maj, &min);
    ck_assert_int_eq(maj, 1);
    ck_assert_int_eq(min, 14);
    dumpfmt_max_archive_version(16, &maj, &min);
    ck_assert_int_eq(maj, 1);
    ck_assert_int_eq(min, 15);
    dumpfmt_max_archive_version(17, &maj, &min);
    ck_assert_int_eq(maj, 1);
    ck_assert_int_eq(min, 16);
    dumpfmt_max_archive_version(18, &maj, &min);
    ck_assert_int_eq(maj, 1);
    ck_assert_int_eq(min, 16);
    /* 1.14 since PostgreSQL 12. */
    dumpfmt_max_archive_version(12, &maj, &min);
    ck_assert_int_eq(maj, 1);
    ck_assert_int_eq(min, 14);
}
END_TEST

START_TEST(test_major)
{
    ck_assert_int_eq(dumpfmt_major("15.4 (Debian 15.4-1.pgdg120+1)"), 15);
    ck_assert_int_eq(dumpfmt_major("9.6.2"), 9);
    ck_assert_int_eq(dumpfmt_major("17devel"), 17);
    ck_assert_int_eq(dumpfmt_major("16beta2"), 16);
    ck_assert_int_eq(dumpfmt_major("10"), 10);
    ck_assert_int_eq(dumpfmt_major(""), 0);
    ck_assert_int_eq(dumpfmt_major("devel"), 0);
    ck_assert_int_eq(dumpfmt_major("0.1"), 0);
    ck_assert_int_eq(dumpfmt_major("-3"), 0);
    ck_assert_int_eq(dumpfmt_major("99999999999999999999999"), 0);
}
END_TEST

/* ---- mysqldump ----------------------------------------------------------- */

#define U(s) ((const unsigned char *)(s))

START_TEST(test_sniff_mysqldump)
{
    static const char mariadb[] =
        "/*M!999999\\- enable the sandbox mode */ \n"
        "-- MariaDB dump 10.19-10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n"
        "--\n-- Host: localhost    Database: shop\n"
        "-- ------------------------------------------------------\n"
        "-- Server version\t10.11.19-MariaDB-0+deb12u1\n\n"
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n";
    static const char mysql[] =
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n"
        "-- Server version\t8.0.36\n";
    static const char skip[] =
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
        "DROP TABLE IF EXISTS `t`;\n";
    static const char backtick[] =
        "DROP TABLE IF EXISTS `t`;\nCREATE TABLE `t` (\n  `id` int\n);\n";
    static const char pg[] =
        "--\n-- PostgreSQL database dump\n--\n\n"
        "-- Dumped from database version 15.4\n/*!40101 x */\n";
    struct mysql_head h;

    ck_assert_int_eq(dumpfmt_sniff(U(mariadb), strlen(mariadb)), DUMP_MYSQL);
    ck_assert_int_eq(dumpfmt_sniff(U(mysql), strlen(mysql)), DUMP_MYSQL);
    ck_assert_int_eq(dumpfmt_sniff(U(skip), strlen(skip)), DUMP_MYSQL);
    ck_assert_int_eq(dumpfmt_sniff(U(backtick), strlen(backtick)), DUMP_MYSQL);
    ck_assert_int_eq(dumpfmt_sniff(U(pg), strlen(pg)), DUMP_PLAIN);
    ck_assert_int_eq(dumpfmt_sniff(U("SET x = 1;\n"), 11), DUMP_PLAIN);
    ck_assert_int_eq(dumpfmt_sniff(U("CREATE TABLE t (a int);\n"), 24),
                     DUMP_PLAIN);
    ck_assert_str_eq(dumpfmt_kind_name(DUMP_MYSQL), "mysqldump");

    dumpfmt_mysql_head(U(mariadb), strlen(mariadb), &h);
    ck_assert(h.header);
    ck_assert(!h.own_db);
    ck_assert_str_eq(h.server_version, "10.11.19-MariaDB-0+deb12u1");
    dumpfmt_mysql_head(U(skip), strlen(skip), &h);
    ck_assert(!h.header);
    ck_assert_str_eq(h.server_version, "");
    dumpfmt_mysql_head(U("CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`;\n"),
                       49, &h);
    ck_assert(h.own_db);
    /* A line the bytes cut is not read. */
    dumpfmt_mysql_head(U("-- Server version\t10.1"), 22, &h);
    ck_assert_str_eq(h.server_version, "");
}
END_TEST

Suite *
dumpfmt_suite(void)
{
    Suite *s = suite_create("dumpfmt");
    TCase *ts = tcase_create("sniff");
    TCase *th = tcase_create("header");

    tcase_add_test(ts, test_sniff_magics);
    tcase_add_test(ts, test_sniff_tar);
    tcase_add_test(ts, test_sniff_plain);
    tcase_add_test(ts, test_sniff_mysqldump);
    tcase_add_test(ts, test_sniff_other);
    tcase_add_test(ts, test_kind_names);
    tcase_add_test(ts, test_plain_version);
    tcase_add_test(ts, test_plain_extensions);
    tcase_add_test(ts, test_plain_extensions_cut);
    suite_add_tcase(s, ts);
    tcase_add_test(th, test_header_real_pg15);
    tcase_add_test(th, test_header_1_14);
    tcase_add_test(th, test_header_1_15);
    tcase_add_test(th, test_header_int_sizes);
    tcase_add_test(th, test_header_strings);
    tcase_add_test(th, test_header_bad_lengths);
    tcase_add_test(th, test_header_versions);
    tcase_add_test(th, test_header_truncated);
    tcase_add_test(th, test_max_archive_version);
    tcase_add_test(th, test_major);
    suite_add_tcase(s, th);
    return s;
}
