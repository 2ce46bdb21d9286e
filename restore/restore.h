/* restore: pg_restore or psql into the target's scratch database, and what
 * the restore stage reports (rendered by reports/render_restore). */
#ifndef RD_RESTORE_H
#define RD_RESTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "restore/target/cluster.h"
#include "restore/target/target.h"
#include "restore/decode/dumpfmt.h"
#include "restore/source/source.h"
#include "restore/decode/stream.h"
#include "verifier/util/proc.h"
#include "verifier/util/rd_err.h"

#define RESTORE_MAX_ERRORS 20
#define RESTORE_TAIL_BYTES 4096

/* What to restore and how it arrives. */
struct restore_input {
    enum dump_kind
        format; /* DUMP_CUSTOM, DUMP_TAR, DUMP_DIRECTORY, DUMP_PLAIN */
    const char
        *path; /* (borrowed) file or folder pg_restore reads itself, or NULL */
    struct stream
        *stream;     /* (borrowed) else: read to its end and fed on stdin */
    bool keep_owner; /* globals were restored: no --no-owner/--no-privileges */
};

/* What restore_run() saw of the tool. */
struct restore_result {
    char tool[96]; /* "pg_restore 15.20" / "psql 15.20" */
    int jobs;
    int error_count;
    char *errors[RESTORE_MAX_ERRORS]; /* (owned) first error lines */
    int nerrors;
    char tail[RESTORE_TAIL_BYTES]; /* last stderr bytes */
    size_t tail_len;
};

/*
 * What the restore stage reports (restore{} of the report): filled by the
 * pipeline as the run goes, rendered once at its end by render_restore().
 */
struct restore_report {
    char *target;             /* (owned) "ephemeral" or the redacted conninfo */
    const char *engine;       /* (static) "mariadb"; NULL: "postgresql" */
    char server_version[32];  /* "" until the target is connected */
    const char *sandbox;      /* (static) "bwrap" / "none"; NULL before the
                                 preflight */
    char sandbox_reason[384]; /* why "none" */
    char database[64];        /* "" until the scratch database exists */
    bool ran;                 /* restore_run() ran: run and duration_s hold */
    struct restore_result run; /* (owned) */
    double duration_s;
    bool filtered; /* plain SQL: what sqlfilter removed */
    int64_t filtered_owner, filtered_acl;
    bool kept;           /* restored and kept (--keep) */
    int scratch_dropped; /* -1: nothing made (null), else 0 or 1 */
};

/* restore_report_release(rp): free what ${rp} owns; NULL-safe. */
void restore_report_release(struct restore_report *rp);

/*
 * restore_run(t, in, rr, err):
 * Restore ${in} into ${t}'s scratch database (target_create_db() made it)
 * as the restore's OS user (target_ident()), with target_tool_env():
 * custom/tar/directory with pg_restore --no-owner --no-privileges (--jobs =
 * online CPUs for a custom file or a folder read by path), plain SQL with
 * psql -X -v ON_ERROR_STOP=1 --single-transaction (the stream must already
 * be behind sqlfilter).  A stream is fed on stdin and, once the tool exits,
 * read to its end so that every check below it (decoder, sha256) gives its
 * verdict.  Any failure is -1: the stream's own error when the stream
 * failed (the tool was killed first), else RD_RESTORE_ERRORS (${rr} has
 * the count, the first error lines and the stderr tail),
 * RD_ARCHIVE_TRUNCATED, RD_DISK_FULL, RD_DB_UNREACHABLE, RD_TOOL_TOO_OLD,
 * RD_MISSING_EXTENSION or RD_INTERRUPTED.  Release ${rr} with
 * restore_result_release().
 */
int restore_run(const struct target *t, const struct restore_input *in,
                struct restore_result *rr, struct rd_err *err);

/*
 * restore_list_extensions(tools, ident, sb, home, in, names, n, err):
 * The extensions a custom/tar/directory archive creates, from
 * "pg_restore --list" (a stream is fed on stdin; pg_restore stops after
 * the TOC, so only its beginning is read).  ${names} is a malloc'd array of
 * malloc'd strings; free with restore_names_free().  Returns 0 (an archive
 * pg_restore cannot list gives 0 names: the restore will say why), or -1
 * on RD_INTERRUPTED / RD_TOOL_MISSING.  pg_restore runs in the sandbox ${sb}
 * (when on), seeing only the file it lists.
 */
int restore_list_extensions(const struct pg_tools *tools,
                            const struct proc_ident *ident,
                            const struct sandbox *sb, const char *home,
                            const struct restore_input *in, char ***names,
                            size_t *n, struct rd_err *err);

/*
 * restore_readable_by(ident, path): true when ${ident} (the restore's OS
 * user) can open ${path} (file or folder) for reading; checked in a child
 * that switches to that user.
 */
bool restore_readable_by(const struct proc_ident *ident, const char *path);

/*
 * restore_stderr_line(rr, line): take one line of pg_restore's or psql's
 * stderr into ${rr} (memset to 0 before the first line): an error line is
 * counted and the first RESTORE_MAX_ERRORS are kept (malloc'd copies), "errors
 * ignored on restore: N" raises the count to N, and the line joins the
 * NUL-terminated tail (the oldest bytes go first).  What restore_run() does
 * with every line; exposed for the fuzz target.
 */
void restore_stderr_line(struct restore_result *rr, const char *line);

/* restore_classify(rr): the error code a failed restore with the stderr in
 * ${rr} gets (RD_RESTORE_ERRORS when nothing more specific matches). */
enum rd_code restore_classify(const struct restore_result *rr);

/* restore_toc_extension(line): the extension a "pg_restore --list" line
 * creates ("3; 3079 16385 EXTENSION - hstore " -> "hstore", malloc'd), else
 * NULL. */
char *restore_toc_extension(const char *line);

/* restore_names_free(names, n): free a list from restore_list_extensions(). */
void restore_names_free(char **names, size_t n);

/* restore_result_release(rr): free the error lines; NULL-safe. */
void restore_result_release(struct restore_result *rr);

#endif
