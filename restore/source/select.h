/* select: archive candidates and the choice of the newest one. */
#ifndef RD_SELECT_H
#define RD_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "verifier/util/rd_err.h"

/* One archive a source listed. */
struct archive_entry {
    char *name;   /* (owned) name as listed, relative to the source */
    time_t mtime; /* listing's own time (file mtime, object time), -1 unknown */
    time_t name_time; /* time parsed from the name by the pattern, -1 if none */
    int64_t size;     /* bytes, -1 unknown */
};

struct archive_list {
    struct archive_entry *items; /* (owned) */
    size_t n, cap;
    /* What select_filter() dropped, for "no archive" messages: */
    size_t listed;   /* entries before it */
    size_t no_match; /* dropped because the pattern did not match */
    char *unmatched; /* (owned) the newest such name, or NULL */
};

/* archive_list_init(l): make ${l} empty. */
void archive_list_init(struct archive_list *l);

/*
 * archive_list_add(l, name, mtime, size):
 * Append a copy of ${name}.  Returns 0, or -1 on allocation failure.
 */
int archive_list_add(struct archive_list *l, const char *name, time_t mtime,
                     int64_t size);

/* archive_list_release(l): free every entry; ${l} is empty afterwards. */
void archive_list_release(struct archive_list *l);

/* archive_entry_time(e): name_time when known, else mtime. */
time_t archive_entry_time(const struct archive_entry *e);

/* Why a listed name is not a candidate. */
enum select_skip {
    SELECT_OK = 0,
    SELECT_NO_MATCH, /* does not match the pattern */
    /* Ends in .part .tmp .partial .inprogress .filepart .crdownload (any
     * case), or its last path component starts with '.'. */
    SELECT_IN_PROGRESS,
    SELECT_SIDECAR,  /* ends in .sha256 .md5 .sig .asc (any case) */
    SELECT_TOO_YOUNG /* modified less than min_age ago */
};

/*
 * select_filter(l, pattern, min_age_s, now, skipped_young):
 * Keep in ${l} only the candidates: names that match ${pattern} (NULL or ""
 * means every name; else it must have passed pattern_check()), are not
 * in-progress or sidecar files, and (when ${min_age_s} > 0) whose mtime is
 * at least ${min_age_s} before ${now}; an entry without an mtime is judged
 * by its name_time, and one with neither is kept.  Fills name_time from
 * the pattern.  Dropped entries are freed; how many there were, and the
 * newest name the pattern did not match, are kept in ${l}.  ${skipped_young}
 * (may be NULL) receives how many were dropped for being too young.  The order
 * of the kept entries is preserved.
 */
void select_filter(struct archive_list *l, const char *pattern,
                   int64_t min_age_s, time_t now, size_t *skipped_young);

/*
 * select_classify(name, pattern): why ${name} would be skipped, or
 * SELECT_OK (min_age is not considered here).  In-progress and sidecar
 * names are reported as such even when ${pattern} would not match them;
 * an empty name (or one ending in '/') is SELECT_NO_MATCH.
 */
enum select_skip select_classify(const char *name, const char *pattern);

/*
 * select_none_err(l, pattern, where, err):
 * Record in ${err} (RD_ARCHIVE_NOT_FOUND, returns -1) that ${l}, filtered
 * by select_filter(), holds no candidate in ${where}, saying what was there:
 * an empty folder, how many names the pattern did not match with one of
 * them (and a hint: a pattern matches the whole name, '*' is needed for a
 * suffix), or that every file was skipped (in progress, checksum, min_age).
 */
int select_none_err(const struct archive_list *l, const char *pattern,
                    const char *where, struct rd_err *err);

/*
 * select_pattern_hint(pattern, archive): when no ${pattern} is set and no
 * ${archive} was named (so the newest file of the folder was taken,
 * whatever it is), a "\nHINT: set pattern ..." to append to a message
 * saying the chosen file is no dump; else "".
 */
const char *select_pattern_hint(const char *pattern, const char *archive);

/*
 * select_sort(l): order ${l} oldest first by archive_entry_time(), ties by
 * name (byte order), so the newest is the last entry.  Unknown times (-1)
 * sort as the oldest.
 */
void select_sort(struct archive_list *l);

/*
 * select_newest(l): the newest entry (by archive_entry_time(), ties broken by
 * the greater name), or NULL when ${l} is empty.
 */
const struct archive_entry *select_newest(const struct archive_list *l);

/* What select_choose() applies: the one selection rule of verify and list. */
struct select_rule {
    const char *pattern; /* NULL or "": every name (passed pattern_check()) */
    int64_t min_age_s;   /* <= 0: off */
    int64_t min_size;    /* bytes; a smaller chosen archive fails */
    const char *archive; /* --archive NAME: exactly that one, or NULL */
    time_t now;
};

/*
 * select_choose(l, rule, where, chosen, skipped_young, err):
 * Pick the archive to verify from ${l} (as the source listed it, in
 * ${where}, the source's display name).  With ${rule}->archive: exactly
 * that name, whatever its age or the pattern ("archive 'X' not found in
 * 'W'" else), dated by the pattern when its name fits; ${l} is not
 * filtered.  Else: select_filter() by pattern and min_age (how many were
 * too young goes to ${skipped_young}, may be NULL) and the newest
 * candidate, or select_none_err().  ${l} is left sorted (select_sort()).
 * ${chosen} receives the choice (borrowed from ${l}), NULL when there is
 * none.  Then the chosen archive's listed size is judged by
 * select_check_size().  Returns 0, or -1 with the verdict in ${err}
 * (RD_ARCHIVE_NOT_FOUND, RD_ARCHIVE_EMPTY: ${chosen} is still set).
 */
int select_choose(struct archive_list *l, const struct select_rule *rule,
                  const char *where, const struct archive_entry **chosen,
                  size_t *skipped_young, struct rd_err *err);

/*
 * select_check_size(name, size, min_size, err): RD_ARCHIVE_EMPTY (-1) when
 * archive ${name}'s ${size} is known (>= 0) and below ${min_size}: a failed
 * dump, never skipped in favour of an older one.  0 otherwise.  Judge a size
 * once, where it is first known (the listing, else the fetch).
 */
int select_check_size(const char *name, int64_t size, int64_t min_size,
                      struct rd_err *err);

/*
 * select_check_age(e, max_age_s, now, err): RD_ARCHIVE_TOO_OLD (-1) when
 * ${max_age_s} > 0 and entry ${e}'s time is known and more than that before
 * ${now}: backups have stopped arriving.  0 otherwise.
 */
int select_check_age(const struct archive_entry *e, int64_t max_age_s,
                     time_t now, struct rd_err *err);

#endif
