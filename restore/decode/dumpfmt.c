/* dumpfmt: recognise an archive by its first bytes and read a custom dump's
 * header. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/dumpfmt.h"

static const char *const kind_names[] = {
    [DUMP_UNKNOWN] = "unknown", [DUMP_CUSTOM] = "custom",
    [DUMP_TAR] = "tar",         [DUMP_PLAIN] = "plain",
    [DUMP_GZIP] = "gzip",       [DUMP_ZSTD] = "zstd",
    [DUMP_XZ] = "xz",           [DUMP_BZIP2] = "bzip2",
    [DUMP_LZ4] = "lz4",         [DUMP_DIRECTORY] = "directory",
    [DUMP_MYSQL] = "mysqldump"};

const char *
dumpfmt_kind_name(enum dump_kind k)
{
    if ((int)k < 0 || (size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
        return "unknown";
    return kind_names[k];
}

/* Plain SQL: printable UTF-8/ASCII text that starts like a pg_dump script. */
static bool
looks_like_sql(const unsigned char *b, size_t len)
{
    size_t i, n = len < 512 ? len : 512;

    for (i = 0; i < n; i++) {
        unsigned char c = b[i];

        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t'))
            return false;
    }
    i = 0;
    if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        i = 3;
    while (i < n &&
           (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
        i++;
    if (i + 2 <= n && b[i] == '-' && b[i + 1] == '-')
        return true;
    static const char *const starts[] = {"SET ", "CREATE ", "BEGIN",
                                         "\\",   "SELECT ", NULL};
    for (int k = 0; starts[k] != NULL; k++) {
        size_t sl = strlen(starts[k]);

        if (i + sl <= n && memcmp(b + i, starts[k], sl) == 0)
            return true;
    }
    return false;
}

enum dump_kind
dumpfmt_sniff(const unsigned char *b, size_t len)
{
    if (len >= 5 && memcmp(b, "PGDMP", 5) == 0)
        return DUMP_CUSTOM;
    if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
        return DUMP_GZIP;
    if (len >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f &&
        b[3] == 0xfd)
        return DUMP_ZSTD;
    if (len >= 6 && memcmp(b,
                           "\xfd"
                           "7zXZ\0",
                           6) == 0)
        return DUMP_XZ;
    if (len >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' &&
        b[3] <= '9')
        return DUMP_BZIP2;
    if (len >= 4 && b[0] == 0x04 && b[1] == 0x22 && b[2] == 0x4d &&
        b[3] == 0x18)
        return DUMP_LZ4;
    if (len >= 262 && memcmp(b + 257, "ustar", 5) == 0)
        return DUMP_TAR;
    /* Only the first DUMPFMT_SNIFF_BYTES count. */
    if (len > DUMPFMT_SNIFF_BYTES)
        len = DUMPFMT_SNIFF_BYTES;
    if (len > 0 && dumpfmt_is_mysqldump(b, len))
        return DUMP_MYSQL;
    if (len > 0 && looks_like_sql(b, len))
        return DUMP_PLAIN;
    return DUMP_UNKNOWN;
}

/* Bounded reader over the header bytes. */
struct hdr_reader {
    const unsigned char *b;
    size_t len, pos;
    int int_size;
    bool short_input;
};

/* pg_dump's ReadInt: a sign byte, then int_size bytes little-endian. */
static bool
read_int(struct hdr_reader *r, long long *out)
{
    unsigned long long v = 0;
    int sign;

    if (r->pos + 1 + (size_t)r->int_size > r->len) {
        r->short_input = true;
        return false;
    }
    sign = r->b[r->pos++];
    for (int i = 0; i < r->int_size; i++)
        v |= (unsigned long long)r->b[r->pos++] << (8 * i);
    if (v > (unsigned long long)1 << 40)
        return false;
    *out = sign ? -(long long)v : (long long)v;
    return true;
}

/* pg_dump's ReadStr: an int length (-1: NULL), then the bytes. */
static bool
read_str(struct hdr_reader *r, char *dst, size_t cap)
{
    long long n;

    if (!read_int(r, &n))
        return false;
    if (n < 0) {
        dst[0] = '\0';
        return n == -1;
    }
    if (n > 4096)
        return false;
    if (r->pos + (size_t)n > r->len) {
        r->short_input = true;
        return false;
    }
    size_t keep = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = r->b[r->pos + i];
        dst[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    dst[keep] = '\0';
    r->pos += (size_t)n;
    return true;
}

int
dumpfmt_parse_custom(const unsigned char *buf, size_t len,
                     struct dump_header *h, char *errbuf, size_t errlen)
{
    size_t used;

    return dumpfmt_parse_custom_len(buf, len, h, &used, errbuf, errlen);
}

/* The header of a version we know the layout of (1.10 to 1.16). */
static int
parse_known(const unsigned char *buf, size_t len, struct dump_header *h,
            size_t *used, char *errbuf, size_t errlen)
{
    struct hdr_reader r = {buf, len, 0, 4, false};
    long long v;

    memset(h, 0, sizeof(*h));
    if (len < 5 || memcmp(buf, "PGDMP", 5) != 0) {
        snprintf(errbuf, errlen, "no 'PGDMP' magic");
        return -1;
    }
    if (len < 8)
        return 1;
    h->vmaj = buf[5];
    h->vmin = buf[6];
    h->vrev = buf[7];
    if (h->vmaj != 1 || h->vmin < 10) {
        snprintf(errbuf, errlen, "unsupported archive version %d.%d", h->vmaj,
                 h->vmin);
        return h->vmaj > 1 ? 0 : -1;
    }
    if (len < 11)
        return 1;
    r.int_size = buf[8];
    if (buf[9] < 4 || buf[9] > 8 || r.int_size < 4 || r.int_size > 8) {
        snprintf(errbuf, errlen, "invalid int/offset size %d/%d", buf[8],
                 buf[9]);
        return -1;
    }
    h->format = buf[10];
    r.pos = 11;
    if (h->vmin >= 15) {
        if (r.pos >= len)
            return 1;
        h->compression = buf[r.pos++];
    } else {
        if (!read_int(&r, &v))
            goto bad;
        h->compression = (int)v;
    }
    for (int i = 0; i < 7;
         i++) /* creation time: sec min hour mday mon year isdst */
        if (!read_int(&r, &v))
            goto bad;
    if (!read_str(&r, h->dbname, sizeof(h->dbname)) ||
        !read_str(&r, h->server_version, sizeof(h->server_version)) ||
        !read_str(&r, h->pgdump_version, sizeof(h->pgdump_version)))
        goto bad;
    *used = r.pos;
    return 0;
bad:
    if (r.short_input)
        return 1;
    snprintf(errbuf, errlen, "corrupt header at byte %zu", r.pos);
    return -1;
}

int
dumpfmt_parse_custom_len(const unsigned char *buf, size_t len,
                         struct dump_header *h, size_t *used, char *errbuf,
                         size_t errlen)
{
    int rc;

    *used = 0;
    rc = parse_known(buf, len, h, used, errbuf, errlen);
    /*
     * A version newer than any we know may lay its header out differently:
     * the magic and the version bytes are all that is sure, and they are
     * enough for the caller to say tool_too_old (never "corrupt header").
     */
    if (rc != 0 && len >= 8 && memcmp(buf, "PGDMP", 5) == 0 &&
        (buf[5] > 1 || (buf[5] == 1 && buf[6] > DUMPFMT_NEWEST_MINOR))) {
        int vmaj = buf[5], vmin = buf[6], vrev = buf[7];

        memset(h, 0, sizeof(*h));
        h->vmaj = vmaj;
        h->vmin = vmin;
        h->vrev = vrev;
        *used = 0;
        snprintf(errbuf, errlen, "archive version %d.%d", vmaj, vmin);
        return 0;
    }
    return rc;
}

void
dumpfmt_max_archive_version(int pg_major, int *vmaj, int *vmin)
{
    *vmaj = 1;
    if (pg_major >= 17)
        *vmin = 16;
    else if (pg_major == 16)
        *vmin = 15;
    else
        *vmin = 14;
}

int
dumpfmt_major(const char *version)
{
    char *end;
    long m = strtol(version, &end, 10);

    if (end == version || m <= 0 || m > 1000)
        return 0;
    return (int)m;
}

bool
dumpfmt_tar_is_ft(const unsigned char *buf, size_t len)
{
    const unsigned char *h = buf + 512;

    /* ustar header: name at 0 (NUL-padded to 100), data from 512. */
    if (len < 512 + 16 || memcmp(buf, "toc.dat", 8) != 0 ||
        memcmp(h, "PGDMP", 5) != 0 || h[10] != 3)
        return false;
    /*
     * pg_dump writes format 3 (tar) into a -Fd toc.dat as well, so the
     * compression field decides: -Ft never compresses, -Fd does by default
     * (1.15+: one algorithm byte; before: WriteInt = sign byte + int).
     */
    if (h[6] >= 15)
        return h[11] == 0;
    for (int i = 11; i < 11 + 1 + h[8] && i < 16; i++)
        if (h[i] != 0)
            return false;
    return true;
}

int
dumpfmt_plain_version(const unsigned char *buf, size_t len, char *out,
                      size_t outlen)
{
    static const char tag[] = "-- Dumped from database version ";
    const size_t tl = sizeof(tag) - 1;

    for (size_t i = 0; i + tl <= len; i++) {
        size_t j = 0;

        if ((i > 0 && buf[i - 1] != '\n') || memcmp(buf + i, tag, tl) != 0)
            continue;
        i += tl;
        while (i + j < len && buf[i + j] != '\n' && buf[i + j] != '\r' &&
               j + 1 < outlen) {
            out[j] = (char)buf[i + j];
            j++;
        }
        out[j] = '\0';
        return 0;
    }
    return -1;
}

/*
 * The extension name at ${b} (${n} bytes) into ${out} (${cap} bytes):
 * unquoted [a-z0-9_$-]+ or a "quoted" identifier ("" is a quote).  0 when
 * there is none, it does not end inside the ${n} bytes (a blank, ';' or
 * the line's end must follow), it does not fit, or it holds a '/' or a
 * control byte (the name becomes SHAREDIR/extension/NAME.control).
 */
static size_t
ext_name(const unsigned char *b, size_t n, char *out, size_t cap)
{
    size_t i = 0, j = 0;

    if (n > 0 && b[0] == '"') {
        for (i = 1;; i++) {
            unsigned char c = i < n ? b[i] : 0;

            if (i >= n || (c == '"' && i + 1 >= n))
                return 0; /* cut: an end quote or a doubled one? */
            if (c == '"' && b[i + 1] != '"')
                break;
            if (c == '"')
                i++;
            if (c < 0x20 || c == 0x7f || c == '/' || j + 1 >= cap)
                return 0;
            out[j++] = (char)c;
        }
        i++;
    } else {
        for (; i < n &&
               (b[i] == '_' || b[i] == '$' || b[i] == '-' ||
                (b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9'));
             i++) {
            if (j + 1 >= cap)
                return 0;
            out[j++] = (char)b[i];
        }
    }
    if (j == 0 || i >= n ||
        (b[i] != ' ' && b[i] != ';' && b[i] != '\n' && b[i] != '\r' &&
         b[i] != '\t'))
        return 0;
    out[j] = '\0';
    return j;
}

int
dumpfmt_plain_extensions(const unsigned char *b, size_t n, char ***names,
                         size_t *count)
{
    static const char tag[] = "CREATE EXTENSION IF NOT EXISTS ";
    const size_t tl = sizeof(tag) - 1;

    for (size_t i = 0; i + tl < n; i++) {
        char name[64], *copy, **nn;

        if ((i > 0 && b[i - 1] != '\n') || memcmp(b + i, tag, tl) != 0 ||
            ext_name(b + i + tl, n - i - tl, name, sizeof(name)) == 0)
            continue;
        if ((copy = strdup(name)) == NULL)
            return -1;
        if ((nn = realloc(*names, (*count + 1) * sizeof(*nn))) == NULL) {
            free(copy);
            return -1;
        }
        *names = nn;
        (*names)[(*count)++] = copy;
    }
    return 0;
}

/* Whether the ${n} bytes at ${b} start with ${lit}. */
static bool
starts(const unsigned char *b, size_t n, const char *lit)
{
    size_t l = strlen(lit);

    return n >= l && memcmp(b, lit, l) == 0;
}

/* Whether the first ${n} bytes hold a line that starts with ${lit}. */
static bool
has_line(const unsigned char *b, size_t n, const char *lit)
{
    for (size_t i = 0; i < n; i++)
        if ((i == 0 || b[i - 1] == '\n') && starts(b + i, n - i, lit))
            return true;
    return false;
}

bool
dumpfmt_is_mysqldump(const unsigned char *b, size_t len)
{
    size_t i = 0, n = len < 4096 ? len : 4096;

    for (size_t k = 0; k < n; k++)
        if (b[k] == 0)
            return false;
    if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        i = 3;
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r'))
        i++;
    if (starts(b + i, n - i, "/*M!999999\\- enable the sandbox mode */") ||
        starts(b + i, n - i, "-- MySQL dump ") ||
        starts(b + i, n - i, "-- MariaDB dump "))
        return true;
    if (has_line(b, n, "-- PostgreSQL database") ||
        has_line(b, n, "-- Dumped from database"))
        return false;
    return has_line(b + i, n - i, "/*!") ||
           has_line(b + i, n - i, "CREATE TABLE `");
}

void
dumpfmt_mysql_head(const unsigned char *b, size_t n, struct mysql_head *h)
{
    static const char ver[] = "-- Server version";

    memset(h, 0, sizeof(*h));
    for (size_t i = 0; i < n; i++) {
        const unsigned char *l = b + i;
        size_t left = n - i, ll = 0;

        if (i > 0 && b[i - 1] != '\n')
            continue;
        while (ll < left && l[ll] != '\n')
            ll++;
        if (ll == left)
            break; /* cut by ${n} */
        if (i < 1024 && (starts(l, ll, "-- MySQL dump ") ||
                         starts(l, ll, "-- MariaDB dump ")))
            h->header = true;
        if (starts(l, ll, "CREATE DATABASE ") || starts(l, ll, "USE `"))
            h->own_db = true;
        if (h->server_version[0] == '\0' && starts(l, ll, ver)) {
            size_t s = sizeof(ver) - 1, j = 0;

            while (s < ll && (l[s] == ' ' || l[s] == '\t' || l[s] == ':'))
                s++;
            while (s < ll && l[s] != '\r' &&
                   j + 1 < sizeof(h->server_version)) {
                h->server_version[j++] =
                    (char)(l[s] < 0x20 || l[s] >= 0x7f ? '?' : l[s]);
                s++;
            }
            h->server_version[j] = '\0';
        }
    }
}
