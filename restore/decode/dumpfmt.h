/* dumpfmt: recognise an archive by its first bytes and read a custom dump's
 * header. */
#ifndef RD_DUMPFMT_H
#define RD_DUMPFMT_H

#include <stdbool.h>
#include <stddef.h>

enum dump_kind {
    DUMP_UNKNOWN = 0,
    DUMP_CUSTOM, /* "PGDMP": pg_dump -Fc */
    DUMP_TAR,    /* ustar magic at 257: pg_dump -Ft (or a tar of -Fd) */
    DUMP_PLAIN,  /* text that looks like SQL */
    DUMP_GZIP,
    DUMP_ZSTD,
    DUMP_XZ,
    DUMP_BZIP2,
    DUMP_LZ4,
    DUMP_DIRECTORY, /* pg_dump -Fd: a folder with toc.dat (or a tar of one) */
    DUMP_MYSQL      /* mysqldump / mariadb-dump SQL ("mysqldump") */
};

/* Bytes dumpfmt_sniff() wants to see (fewer is fine for short files). */
#define DUMPFMT_SNIFF_BYTES 512

/*
 * dumpfmt_sniff(buf, len): classify the first ${len} bytes of an archive by
 * magic bytes only (never by name).
 */
enum dump_kind dumpfmt_sniff(const unsigned char *buf, size_t len);

/* dumpfmt_kind_name(k): "custom", "tar", "plain", "gzip", ..., "mysqldump",
 * "unknown". */
const char *dumpfmt_kind_name(enum dump_kind k);

/*
 * dumpfmt_tar_is_ft(buf, len):
 * For a tar (DUMP_TAR), true when it is a pg_dump -Ft archive: its first
 * member is "toc.dat" whose header says archive format 3 (tar) and no
 * compression -- pg_dump writes format 3 into a -Fd toc.dat too, but -Fd
 * compresses by default and -Ft never does.  False for anything else,
 * typically a tar of a -Fd folder, which is extracted first (a -Fd -Z0 tar
 * with toc.dat first is read by pg_restore's tar reader, which handles its
 * uncompressed NNNN.dat members too).  Looks at the first 528 bytes.
 */
bool dumpfmt_tar_is_ft(const unsigned char *buf, size_t len);

/*
 * dumpfmt_plain_version(buf, len, out, outlen):
 * Find "-- Dumped from database version X" in the first ${len} bytes of a
 * plain dump and copy X (up to the end of line) to ${out}; 0 when found,
 * -1 when not.
 */
int dumpfmt_plain_version(const unsigned char *buf, size_t len, char *out,
                          size_t outlen);

/*
 * dumpfmt_plain_extensions(buf, len, names, n):
 * Append to ${names} (a malloc'd array of ${n} malloc'd strings; the
 * caller frees each and the array) the NAME of every line
 * "CREATE EXTENSION IF NOT EXISTS NAME" in the first ${len} bytes of a
 * plain dump: pg_dump's unquoted lower-case name, or a "quoted" one
 * unquoted.  A name the ${len} bytes cut, longer than 63 bytes, or with a
 * '/' or a control byte is skipped (never a wrong name).  Returns 0, or -1
 * when memory ran out (${names} and ${n} hold what was found until then).
 */
int dumpfmt_plain_extensions(const unsigned char *buf, size_t len,
                             char ***names, size_t *n);

/*
 * dumpfmt_is_mysqldump(buf, len): whether text is a mysqldump/mariadb-dump
 * script: its first line is MariaDB's "/\*M!999999\- enable the sandbox
 * mode *\/" or a "-- MySQL dump " / "-- MariaDB dump " header; or (a
 * --skip-comments dump) a line in the first 4 KiB starts with a "/\*!"
 * conditional comment or "CREATE TABLE `" (backticks) and nothing in them
 * says PostgreSQL ("-- PostgreSQL database", "-- Dumped from database").
 * dumpfmt_sniff() gives DUMP_MYSQL for it, never DUMP_PLAIN.
 */
bool dumpfmt_is_mysqldump(const unsigned char *buf, size_t len);

/* What the head of a mysqldump script says. */
struct mysql_head {
    bool header;             /* a "-- MySQL dump" / "-- MariaDB dump" header:
                                the script must end with "-- Dump completed" */
    bool own_db;             /* it creates or selects its own database
                                (--databases, --all-databases) */
    char server_version[64]; /* "-- Server version\t10.11.19-MariaDB-..." */
};

/* dumpfmt_mysql_head(buf, len, h): read ${h} from the first ${len} bytes
 * (a line the ${len} bytes cut is not read). */
void dumpfmt_mysql_head(const unsigned char *buf, size_t len,
                        struct mysql_head *h);

/* What a custom-format header says. */
struct dump_header {
    int vmaj, vmin, vrev;    /* archive format version, e.g. 1.14.0 */
    int format;              /* 1 = custom, 3 = tar, ... (archFormat byte) */
    int compression;         /* < 1.15: zlib level; >= 1.15: algorithm */
    char dbname[128];        /* database the dump was taken from */
    char server_version[64]; /* "15.4 (Debian 15.4-1)" */
    char pgdump_version[64]; /* pg_dump's version string */
};

/*
 * dumpfmt_parse_custom(buf, len, h, errbuf, errlen):
 * Parse the header of a custom-format archive from its first ${len} bytes
 * (DUMPFMT_HEADER_BYTES are enough for any real header).  Returns 0 with
 * ${h} filled, 1 when ${len} is too short to hold the whole header (the
 * version fields are still filled when present), or -1 with a message
 * when the bytes are not a valid header.  Never reads past ${len}.
 */
#define DUMPFMT_HEADER_BYTES 4096
int dumpfmt_parse_custom(const unsigned char *buf, size_t len,
                         struct dump_header *h, char *errbuf, size_t errlen);

/* The newest custom archive version whose layout we know: 1.16 (PG 17). */
#define DUMPFMT_NEWEST_MINOR 16

/*
 * dumpfmt_parse_custom_len(buf, len, h, used, errbuf, errlen):
 * dumpfmt_parse_custom(), and ${used} gets the header's length in bytes
 * (where the TOC starts) when it returns 0 for a version we know (1.10 to
 * 1.DUMPFMT_NEWEST_MINOR); 0 otherwise.  A header with the magic and a
 * version newer than that (1.17+, 2.x) is taken as well formed whatever
 * follows its version bytes: it returns 0 with only the version fields
 * filled when the rest does not parse with the 1.16 layout (short or
 * not), so the caller reports tool_too_old, never a corrupt header.
 */
int dumpfmt_parse_custom_len(const unsigned char *buf, size_t len,
                             struct dump_header *h, size_t *used, char *errbuf,
                             size_t errlen);

/*
 * dumpfmt_max_archive_version(pg_major, vmaj, vmin): the newest custom
 * archive version pg_restore of PostgreSQL ${pg_major} reads (15 -> 1.14,
 * 16 -> 1.15, 17+ -> 1.16).
 */
void dumpfmt_max_archive_version(int pg_major, int *vmaj, int *vmin);

/* dumpfmt_major(version): 15 from "15.4 (Debian ...)", 9 from "9.6.2"; 0 if
 * none. */
int dumpfmt_major(const char *version);

#endif
