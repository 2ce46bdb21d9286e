/* select: archive candidates and the choice of the newest one. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "verifier/util/duration.h"
#include "verifier/util/pattern.h"

#include "restore/source/select.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Suffixes of files a writer has not finished (compared ignoring case). */
static const char *const in_progress_suffixes[] = {
    ".part", ".tmp", ".partial", ".inprogress", ".filepart", ".crdownload",
};

/* Suffixes of checksum and signature files that sit next to an archive. */
static const char *const sidecar_suffixes[] = {
    ".sha256",
    ".md5",
    ".sig",
    ".asc",
};

void
archive_list_init(struct archive_list *l)
{
    l->items = NULL;
    l->n = 0;
    l->cap = 0;
    l->listed = 0;
    l->no_match = 0;
    l->unmatched = NULL;
}

int
archive_list_add(struct archive_list *l, const char *name, time_t mtime,
                 int64_t size)
{
    struct archive_entry *e;
    char *copy;

    if (l->n == l->cap) {
        size_t ncap = l->cap == 0 ? 16 : l->cap * 2;
        struct archive_entry *items;

        if (ncap > SIZE_MAX / sizeof(*items))
            return -1;
        items = realloc(l->items, ncap * sizeof(*items));
        if (items == NULL)
            return -1;
        l->items = items;
        l->cap = ncap;
    }
    assert(name != NULL);
    copy = strdup(name);
    if (copy == NULL)
        return -1;
    e = &l->items[l->n++];
    e->name = copy;
    e->mtime = mtime;
    e->name_time = (time_t)-1;
    e->size = size;
    return 0;
}

void
archive_list_release(struct archive_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
    free(l->unmatched);
    archive_list_init(l);
}

time_t
archive_entry_time(const struct archive_entry *e)
{
    return e->name_time != (time_t)-1 ? e->name_time : e->mtime;
}

/* True when ${name} ends with one of the ${n} ${suffixes}, ignoring case. */
static bool
has_suffix(const char *name, const char *const *suffixes, size_t n)
{
    size_t len = strlen(name), i;

    for (i = 0; i < n; i++) {
        size_t sl = strlen(suffixes[i]);

        if (len >= sl && strcasecmp(name + len - sl, suffixes[i]) == 0)
            return true;
    }
    return false;
}

/* Classify ${name}; a match's time goes to ${ts} (-1 when none). */
static enum select_skip
classify(const char *name, const char *pattern, time_t *ts)
{
    const char *base = strrchr(name, '/');

    *ts = (time_t)-1;
    base = base != NULL ? base + 1 : name;
    if (base[0] == '.' ||
        has_suffix(name, in_progress_suffixes, NELEMS(in_progress_suffixes)))
        return SELECT_IN_PROGRESS;
    if (has_suffix(name, sidecar_suffixes, NELEMS(sidecar_suffixes)))
        return SELECT_SIDECAR;
    if (base[0] == '\0')
        return SELECT_NO_MATCH;
    if (pattern != NULL && pattern[0] != '\0' &&
        !pattern_match(pattern, name, ts))
        return SELECT_NO_MATCH;
    return SELECT_OK;
}

enum select_skip
select_classify(const char *name, const char *pattern)
{
    time_t ts;

    return classify(name, pattern, &ts);
}

/* True when ${t} is less than ${min_age_s} before ${now}. */
static bool
too_young(time_t t, int64_t min_age_s, time_t now)
{
    int64_t limit;

    /* now - min_age_s below INT64_MIN: nothing can be that young. */
    if (__builtin_sub_overflow((int64_t)now, min_age_s, &limit))
        return false;
    return (int64_t)t > limit;
}

void
select_filter(struct archive_list *l, const char *pattern, int64_t min_age_s,
              time_t now, size_t *skipped_young)
{
    size_t i, kept = 0, young = 0;
    time_t unmatched_t = (time_t)-1;

    l->listed = l->n;
    l->no_match = 0;
    free(l->unmatched);
    l->unmatched = NULL;
    for (i = 0; i < l->n; i++) {
        struct archive_entry *e = &l->items[i];
        time_t ts, t;
        enum select_skip why = classify(e->name, pattern, &ts);

        if (why == SELECT_NO_MATCH && e->name[0] != '\0') {
            /* Keep the newest name the pattern missed, as an example. */
            l->no_match++;
            if (l->unmatched == NULL || e->mtime > unmatched_t) {
                free(l->unmatched);
                l->unmatched = e->name;
                unmatched_t = e->mtime;
                continue;
            }
        }
        if (why != SELECT_OK) {
            free(e->name);
            continue;
        }
        e->name_time = ts;
        /* Judge age by the listing's time, else the name's; keep unknowns. */
        t = e->mtime != (time_t)-1 ? e->mtime : e->name_time;
        if (min_age_s > 0 && t != (time_t)-1 && too_young(t, min_age_s, now)) {
            free(e->name);
            young++;
            continue;
        }
        l->items[kept++] = *e;
    }
    l->n = kept;
    if (skipped_young != NULL)
        *skipped_young = young;
}

int
select_none_err(const struct archive_list *l, const char *pattern,
                const char *where, struct rd_err *err)
{
    bool pat = pattern != NULL && pattern[0] != '\0';
    size_t plen = pat ? strlen(pattern) : 0;

    if (l->listed == 0)
        return rd_err_set(err, RD_ARCHIVE_NOT_FOUND,
                          "no archive%s%s%s in '%s': the folder is empty",
                          pat ? " matching '" : "", pat ? pattern : "",
                          pat ? "'" : "", where);
    if (pat && l->unmatched != NULL)
        return rd_err_set(
            err, RD_ARCHIVE_NOT_FOUND,
            "no archive matching '%s' in '%s': %zu file%s there, %zu not matching, e.g. '%s'\nHINT: a pattern matches the whole name, so a suffix needs '*'%s%s%s",
            pattern, where, l->listed, l->listed == 1 ? "" : "s", l->no_match,
            l->unmatched, pattern[plen - 1] != '*' ? " (e.g. '" : "",
            pattern[plen - 1] != '*' ? pattern : "",
            pattern[plen - 1] != '*' ? "*')" : "");
    return rd_err_set(
        err, RD_ARCHIVE_NOT_FOUND,
        "no archive%s%s%s in '%s': all %zu file%s skipped (still being written, checksum files, or younger than min_age)",
        pat ? " matching '" : "", pat ? pattern : "", pat ? "'" : "", where,
        l->listed, l->listed == 1 ? "" : "s");
}

const char *
select_pattern_hint(const char *pattern, const char *archive)
{
    if ((pattern != NULL && pattern[0] != '\0') || archive != NULL)
        return "";
    return "\nHINT: set pattern (e.g. pattern = app_*.dump, or --pattern): "
           "without one the newest file in the folder is taken, whatever it "
           "is (a log, a checksum list)";
}

/* Order by archive_entry_time(), then by name, oldest first. */
static int
cmp_entry(const struct archive_entry *a, const struct archive_entry *b)
{
    time_t ta = archive_entry_time(a), tb = archive_entry_time(b);

    if (ta != tb)
        return ta < tb ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int
cmp_entry_qsort(const void *a, const void *b)
{
    return cmp_entry(a, b);
}

void
select_sort(struct archive_list *l)
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof(l->items[0]), cmp_entry_qsort);
}

const struct archive_entry *
select_newest(const struct archive_list *l)
{
    const struct archive_entry *best = NULL;
    size_t i;

    for (i = 0; i < l->n; i++) {
        if (best == NULL || cmp_entry(&l->items[i], best) > 0)
            best = &l->items[i];
    }
    return best;
}

/* --archive NAME: that entry of ${l}, dated by ${pattern} when it fits. */
static struct archive_entry *
find_named(struct archive_list *l, const char *name, const char *pattern)
{
    struct archive_entry *found = NULL;
    time_t t;

    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].name, name) == 0)
            found = &l->items[i];
    if (found != NULL && pattern != NULL &&
        pattern_match(pattern, found->name, &t) && t != (time_t)-1)
        found->name_time = t;
    return found;
}

int
select_choose(struct archive_list *l, const struct select_rule *rule,
              const char *where, const struct archive_entry **chosen,
              size_t *skipped_young, struct rd_err *err)
{
    const struct archive_entry *e;

    *chosen = NULL;
    if (skipped_young != NULL)
        *skipped_young = 0;
    if (rule->archive != NULL) {
        /* Named explicitly: no pattern, min_age or newest rule applies. */
        struct archive_entry *named =
            find_named(l, rule->archive, rule->pattern);

        if (named == NULL)
            return rd_err_set(err, RD_ARCHIVE_NOT_FOUND,
                              "archive '%s' not found in '%s'", rule->archive,
                              where);
        e = named;
    } else {
        select_filter(l, rule->pattern, rule->min_age_s, rule->now,
                      skipped_young);
        select_sort(l);
        e = select_newest(l);
        if (e == NULL)
            return select_none_err(l, rule->pattern, where, err);
    }
    *chosen = e;
    return select_check_size(e->name, e->size, rule->min_size, err);
}

int
select_check_size(const char *name, int64_t size, int64_t min_size,
                  struct rd_err *err)
{
    char s1[32], s2[32];

    if (size < 0 || size >= min_size)
        return 0;
    return rd_err_set(
        err, RD_ARCHIVE_EMPTY,
        "newest archive '%s' is %s, smaller than min_size %s: the backup that made it probably failed",
        name, size_human(size, s1, sizeof(s1)),
        size_human(min_size, s2, sizeof(s2)));
}

int
select_check_age(const struct archive_entry *e, int64_t max_age_s, time_t now,
                 struct rd_err *err)
{
    time_t t = archive_entry_time(e);
    char age[32], max[32];
    int64_t age_s;

    if (max_age_s <= 0 || t == (time_t)-1)
        return 0;
    age_s = (int64_t)(now - t);
    if (age_s <= max_age_s)
        return 0;
    return rd_err_set(
        err, RD_ARCHIVE_TOO_OLD,
        "newest archive '%s' is %s old, older than max_archive_age %s: backups have stopped arriving",
        e->name, duration_human(age_s, age, sizeof(age)),
        duration_format(max_age_s, max, sizeof(max)));
}
