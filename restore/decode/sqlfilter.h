/* sqlfilter: make a plain pg_dump script safe and owner-neutral for psql. */
#ifndef RD_SQLFILTER_H
#define RD_SQLFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "restore/decode/stream.h"

struct sqlfilter_counts {
    /* ALTER ... OWNER TO, (RE)SET SESSION AUTHORIZATION dropped */
    int64_t owner;
    /* GRANT, REVOKE, ALTER DEFAULT PRIVILEGES dropped */
    int64_t acl;
    /* the dump's own \restrict / \unrestrict lines dropped */
    int64_t restrict_;
    /* lines read (dropped ones included) */
    int64_t lines;
    /*
     * "15.18 (Debian 15.18-0+deb12u1)" from the first line "-- Dumped from
     * database version 15.18 (Debian 15.18-0+deb12u1)" outside quotes and
     * COPY data: at most 63 bytes, trimmed, bytes outside printable ASCII
     * replaced by '?'; "" when there is none.
     */
    char dumped_from[64];
};

/*
 * sqlfilter_new(below, key, drop_owner_acl, counts):
 * A stream over a plain-SQL dump that
 *   - starts with our own line "\restrict KEY\n" (${key}: 32+ random
 *     alphanumerics), so psql refuses every meta-command the dump carries
 *     (\! and \o |cmd included);
 *   - drops the dump's own "\restrict X" and "\unrestrict X" lines (pg_dump
 *     >= 15.14 writes them; stacking ours on top would make psql refuse the
 *     dump's \unrestrict and fail every modern dump);
 *   - when ${drop_owner_acl}, drops the single-line statements pg_dump writes
 *     for ownership and privileges -- "ALTER <anything> OWNER TO ...;",
 *     "GRANT ...;", "REVOKE ...;", "ALTER DEFAULT PRIVILEGES ...;",
 *     "SET SESSION AUTHORIZATION ...;", "RESET SESSION AUTHORIZATION;" --
 *     the plain-SQL equivalent of pg_restore --no-owner --no-privileges;
 *   - passes everything else through byte for byte;
 *   - fails at the end with RD_ARCHIVE_TRUNCATED when the script does not
 *     end with pg_dump's closing line "-- PostgreSQL database dump
 *     complete" (pg_dumpall: "... cluster dump complete"), only blank
 *     lines, "--" comments and "\unrestrict" after it (see sqltrailer.h):
 *     a dump cut at a line boundary is otherwise valid SQL that restores
 *     without its indexes and constraints.  sqlfilter_check_trailer()
 *     turns that check off.
 * Only lines that start a statement are candidates: the filter tracks
 * COPY ... FROM stdin data (until a line "\."), single/double quotes,
 * dollar quotes ($$, $tag$), -- and nested block comments across lines, so
 * a "GRANT" line inside a function body or COPY data is never touched.  A
 * candidate line is dropped only when the statement ends on that same
 * line.  Lines may be of any length (streamed, constant memory except a
 * line that is a drop candidate, capped at 64 KiB before it is passed
 * through untouched).  Candidates start at column 0 of a line that starts
 * a statement (as psql splits them: BEGIN ATOMIC bodies included).  Counts
 * go to ${counts} (borrowed; zeroed here; must outlive the stream; NULL
 * allowed).  Takes ownership of ${below}, also on failure, when it frees
 * it; NULL when allocation fails, ${below} is NULL, or ${key} is not 32 to
 * 256 ASCII letters and digits.
 */
struct stream *sqlfilter_new(struct stream *below, const char *key,
                             bool drop_owner_acl,
                             struct sqlfilter_counts *counts);

/*
 * sqlfilter_check_trailer(s, on): whether ${s} (from sqlfilter_new())
 * requires pg_dump's closing line at the end (on by default).
 */
void sqlfilter_check_trailer(struct stream *s, bool on);

#endif
