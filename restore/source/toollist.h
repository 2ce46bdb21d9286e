/* toollist: the archive listings of backup tools, parsed into an
 * archive_list (restic and borg JSON, tarsnap --list-archives -v, the lines
 * of an exec: list_command).  Every parser takes any bytes. */
#ifndef RD_TOOLLIST_H
#define RD_TOOLLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "restore/source/select.h"
#include "verifier/util/rd_err.h"

#define TOOLLIST_MAX_ENTRIES 200000             /* more is RD_LISTING_INVALID */
#define TOOLLIST_NAME_MAX    4096               /* longer names are skipped */
#define TOOLLIST_MAX_BYTES   (64 * 1024 * 1024) /* a listing's output */

/* What of a restic snapshot list is kept (each NULL: any). */
struct restic_filter {
    const char *tag;  /* restic_tag: among the snapshot's tags */
    const char *host; /* restic_host: its hostname */
    const char *path; /* path: the snapshot backed it up (or a folder above) */
};

/*
 * toollist_restic(json, len, f, where, list, err):
 * `restic snapshots --json` (an array of {"id", "time", "hostname",
 * "paths", "tags"}): each snapshot ${f} keeps, named by its id and dated
 * by its time.  -1 with RD_LISTING_INVALID naming ${where} when it is no
 * such array.
 */
int toollist_restic(const char *json, size_t len, const struct restic_filter *f,
                    const char *where, struct archive_list *list,
                    struct rd_err *err);

/*
 * toollist_borg(json, len, where, list, err):
 * `borg list --json` ({"archives": [{"name", "time"}]}, times in UTC as
 * borg prints them under TZ=UTC): each archive.  -1 with RD_LISTING_INVALID.
 */
int toollist_borg(const char *json, size_t len, const char *where,
                  struct archive_list *list, struct rd_err *err);

/*
 * toollist_tarsnap(buf, len, nul, where, list, err):
 * `tarsnap --list-archives -v`: with ${nul} (--null-output) each archive
 * is NAME, two NULs, "YYYY-MM-DD HH:MM:SS", one NUL (the time and its NULs
 * missing when tarsnap knows none); else NAME TAB TIME NEWLINE.  Times are
 * read as UTC (tarsnap prints local time: run it with TZ=UTC).  Never fails
 * on content, only on too many entries.
 */
int toollist_tarsnap(const char *buf, size_t len, bool nul, const char *where,
                     struct archive_list *list, struct rd_err *err);

/*
 * toollist_lines(buf, len, where, list, err):
 * An exec: list_command's output: one archive per line, optionally a TAB
 * and an ISO-8601 time (toollist_time()); empty lines and names longer than
 * TOOLLIST_NAME_MAX are skipped, a final line without a newline counts,
 * a CR before the newline is dropped.  -1 with RD_LISTING_INVALID when a
 * time is given but unreadable (naming the line) or on too many entries.
 */
int toollist_lines(const char *buf, size_t len, const char *where,
                   struct archive_list *list, struct rd_err *err);

/*
 * toollist_time(s): "YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|+HH:MM|+HHMM]"
 * (no zone: UTC) as UTC seconds, or -1.
 */
time_t toollist_time(const char *s);

#endif
