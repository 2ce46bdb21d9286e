/* myfilter: make a mysqldump / mariadb-dump script restorable into the
 * scratch MariaDB, and check that it is whole. */
#ifndef RD_MYFILTER_H
#define RD_MYFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "restore/decode/stream.h"

/* Longest line the filter looks into; longer ones pass through untouched. */
#define MYFILTER_LINE_MAX (1u << 20)

struct myfilter_counts {
    int64_t definer;       /* DEFINER=user@host clauses stripped */
    int64_t collations;    /* MySQL 8 collation names mapped */
    char mapped[256];      /* "utf8mb4_0900_ai_ci -> utf8mb4_uca1400_ai_ci" */
    char unmapped[64];     /* the first MySQL 8 (_0900_) collation with no
                              MariaDB equivalent, or "" */
    int64_t skipped_lines; /* lines of system schemas dropped */
    char skipped_dbs[128]; /* "mysql, sys" */
    int64_t lines;         /* lines read */
    bool header;           /* the script has the "-- ... dump" header */
    bool completed;        /* it ends with "-- Dump completed" */
};

/*
 * myfilter_new(below, header, counts):
 * A stream over a mysqldump script that
 *   - strips every DEFINER=user@host clause (views, triggers, routines,
 *     events name accounts the scratch server lacks) outside INSERT lines;
 *   - maps MySQL 8 collations MariaDB 10.11 lacks (utf8mb4_0900_ai_ci ->
 *     utf8mb4_uca1400_ai_ci, _as_ci, _as_cs likewise, utf8mb4_0900_bin ->
 *     utf8mb4_bin) outside INSERT lines;
 *   - fails with RD_TOOL_TOO_OLD (unknown, never critical), naming it, at
 *     the first other MySQL 8 collation (a name holding "_0900_", e.g.
 *     utf8mb4_ja_0900_as_cs) outside INSERT lines;
 *   - drops the sections of the system schemas mysql, sys,
 *     performance_schema and information_schema (an --all-databases dump),
 *     from the line that enters one ("-- Current Database: `mysql`",
 *     "CREATE DATABASE ... `mysql`", "USE `mysql`;") to the line that
 *     enters another database;
 *   - when ${header} (the script starts with mysqldump's comment header),
 *     fails at its end with RD_ARCHIVE_TRUNCATED unless its last non-blank
 *     line starts with "-- Dump completed".
 * Lines of INSERT data and lines longer than MYFILTER_LINE_MAX pass
 * through byte for byte (streamed, constant memory).  ${counts} (borrowed,
 * zeroed here, NULL allowed) must outlive the stream.  Takes ownership of
 * ${below}, also on failure (NULL: out of memory).
 */
struct stream *myfilter_new(struct stream *below, bool header,
                            struct myfilter_counts *counts);

/*
 * myfilter_line(line, len, out, cap, counts):
 * One line (without its newline) as the filter rewrites it, into ${out}
 * (${cap} >= 2 * ${len} + 1: a mapped collation is longer); returns the new
 * length.  What myfilter_new() does to every line it looks into, without
 * the schema skipping; exposed for the tests.
 */
size_t myfilter_line(const char *line, size_t len, char *out, size_t cap,
                     struct myfilter_counts *counts);

#endif
