/* probe: SQL smoke-probe files (the "-- key: value" header + one statement). */
#ifndef RD_PROBE_H
#define RD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verifier/util/rd_err.h"

#define PROBE_FILE_MAX (256 * 1024) /* bytes of one probe file */

enum probe_kind { PROBE_FRESHNESS, PROBE_ROWS, PROBE_EMPTY, PROBE_TRUE };

struct probe {
    /* (owned) -- name: [A-Za-z0-9_.-]{1,63}, unique in the folder */
    char *name;
    char *file; /* (owned) path of the .sql file */
    enum probe_kind kind;
    int64_t warn_after_s;  /* freshness: -1 when unset */
    int64_t error_after_s; /* freshness: -1 when unset */
    bool relative_archive; /* relative_to: archive (default now) */
    bool has_min, has_max; /* rows */
    double min, max;
    bool severity_warning; /* severity: warning (default critical) */
    int64_t timeout_s;     /* -- timeout:, 0 = the job's probe_timeout */
    char *search_path;     /* (owned) -- search_path:, NULL = '' (empty) */
    char *description;     /* (owned) or NULL */
    /*
     * (owned) the statement from its first to its last token: the header,
     * comments and blanks around it and the trailing ';' removed, CRLF made
     * LF.
     */
    char *sql;
    int sql_line; /* line of the file where ${sql} starts */
};

/*
 * probe_parse(file, buf, len, p, err):
 * Parse one probe file's bytes.  Grammar (fail-closed):
 *   - the header is the leading run of lines "-- key: value" (blank lines
 *     and plain "--" comment lines without a "key:" may be mixed in; a
 *     "-- word:" line is always read as a key, so "-- Note: x" is an
 *     unknown key; the header ends at the first line that is neither blank
 *     nor a "--" line; control characters other than tab are refused in
 *     header lines);
 *   - keys: name (required), kind (required: freshness|rows|empty|true),
 *     warn_after, error_after (durations, freshness only; at least one of
 *     them for freshness), relative_to (now|archive; freshness only),
 *     min, max (numbers; rows only; at least one for rows), severity
 *     (warning|critical), timeout (duration > 0), search_path (schema
 *     names, comma-separated identifiers), description (free text);
 *   - unknown key, a key twice, a bad value, a key that does not fit the
 *     kind, warn_after > error_after, min > max -> error;
 *   - the body: exactly one SQL statement (one optional trailing ';'; a ';'
 *     outside quotes, dollar quotes and comments followed by more SQL is an
 *     error reported at the line of that SQL; ";;" is two statements); an
 *     empty body (nothing but blanks and comments) and an unterminated
 *     quote, dollar quote or comment are errors;
 *   - the file must be valid UTF-8 without NUL bytes, at most 256 KiB; a
 *     UTF-8 BOM is skipped; CRLF line ends are accepted.
 * Errors are RD_PROBE_INVALID "FILE:LINE: message" (lowercase, the key or
 * value quoted, maybe a "\nHINT: ..." line; "FILE: message" when no line
 * applies), or RD_INTERNAL when out of memory.  ${p} is overwritten first
 * (not released).  On success ${p} owns its strings; release with
 * probe_release() in every case.
 */
int probe_parse(const char *file, const char *buf, size_t len, struct probe *p,
                struct rd_err *err);

/*
 * probe_parse_named(file, buf, len, p, name_line, err):
 * probe_parse(), also giving the line of the "-- name:" key in ${name_line}
 * (for messages about the name).
 */
int probe_parse_named(const char *file, const char *buf, size_t len,
                      struct probe *p, int *name_line, struct rd_err *err);

/* probe_release(p): free what ${p} owns; NULL-safe; ${p} is zeroed. */
void probe_release(struct probe *p);

/* A folder's probes, in file-name order. */
struct probe_set {
    struct probe *items; /* (owned) */
    size_t n;
};

/*
 * probe_load_dir(dir, set, err):
 * Parse every "*.sql" regular file of ${dir} (not recursive; dotfiles and
 * other names ignored; a "*.sql" symlink, directory or other non-regular
 * file refused), sorted by file name (byte order).  Each probe's file is
 * "${dir}/NAME".  A missing or unreadable folder, a folder without any .sql
 * file, any file that does not parse, or two files with the same probe name
 * ("FILE:LINE: probe name 'x' is also used by OTHER", LINE being the later
 * file's name line) is RD_PROBE_INVALID naming the file (and line).
 * ${set} is overwritten first; on failure it is left empty.  Release with
 * probe_set_release() in every case.
 */
int probe_load_dir(const char *dir, struct probe_set *set, struct rd_err *err);

/*
 * probe_error_fn(ctx, err): one error of a probe folder, in file order;
 * return 0 to go on with the next file, -1 to stop.
 */
typedef int (*probe_error_fn)(void *ctx, const struct rd_err *err);

/*
 * probe_load_dir_each(dir, set, on_error, ctx):
 * As probe_load_dir(), but report each error (one per bad file: its first)
 * to ${on_error} and go on with the next file, for lint.  Out of memory
 * stops.  Returns 0 when there was no error, else -1 with ${set} empty.
 */
int probe_load_dir_each(const char *dir, struct probe_set *set,
                        probe_error_fn on_error, void *ctx);

/* probe_set_release(set): NULL-safe. */
void probe_set_release(struct probe_set *set);

/* probe_kind_name(k): "freshness", "rows", "empty", "true" ("unknown" else). */
const char *probe_kind_name(enum probe_kind k);

#endif
