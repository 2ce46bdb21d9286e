/* retention: gaps in an archive history against a deltas schedule. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/duration.h"

#include "restore/source/retention.h"

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* Newest first. */
static int
cmp_time_desc(const void *a, const void *b)
{
    time_t x = *(const time_t *)a, y = *(const time_t *)b;

    return x > y ? -1 : x < y;
}

int
retention_parse(const char *words, int64_t *deltas, size_t *n,
                struct rd_err *err)
{
    const char *p = words;
    size_t k = 0;

    *n = 0;
    while (*p != '\0') {
        char word[32];
        size_t len;
        int64_t d;

        while (isspace((unsigned char)*p))
            p++;
        len = strcspn(p, " \t\r\n");
        if (len == 0)
            break;
        if (k == RETENTION_MAX_DELTAS)
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "invalid deltas: more than %d durations",
                              RETENTION_MAX_DELTAS);
        if (len >= sizeof(word))
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "invalid deltas: '%.*s' is not a duration",
                              (int)(len > 40 ? 40 : len), p);
        memcpy(word, p, len);
        word[len] = '\0';
        p += len;
        if (duration_parse(word, &d) != 0 || d <= 0)
            return rd_err_set(
                err, RD_CONFIG_INVALID,
                "invalid deltas '%s': '%s' is not a duration above zero (use e.g. 1d 7d 30d 365d)",
                words, word);
        deltas[k++] = d;
    }
    qsort(deltas, k, sizeof(*deltas), cmp_i64);
    for (size_t i = 1; i < k; i++)
        if (deltas[i] == deltas[i - 1])
            return rd_err_set(err, RD_CONFIG_INVALID,
                              "invalid deltas '%s': the same duration twice",
                              words);
    if (k < 2)
        return rd_err_set(
            err, RD_CONFIG_INVALID,
            "invalid deltas '%s': at least two durations are needed (the last is how far back archives are kept), e.g. 1d 7d 30d 365d",
            words);
    *n = k;
    return 0;
}

/* Newest gap first. */
static int
cmp_gap_desc(const void *a, const void *b)
{
    const struct retention_gap *x = a, *y = b;

    if (x->to != y->to)
        return x->to > y->to ? -1 : 1;
    return x->from > y->from ? -1 : x->from < y->from;
}

/* Record one gap when there is room; counts it either way. */
static void
add_gap(struct retention_gap *gaps, size_t maxgaps, size_t *n, time_t from,
        time_t to, int64_t spacing)
{
    if (*n < maxgaps) {
        gaps[*n].from = from;
        gaps[*n].to = to;
        gaps[*n].expected_s = spacing;
    }
    (*n)++;
}

/* One generation: spacing ${s} over [t[0] - span, t[0]] of the ${m}
 * times ${t} (newest first). */
static void
audit_generation(const time_t *t, size_t m, int64_t s, int64_t span,
                 struct retention_gap *gaps, size_t maxgaps, size_t *n)
{
    time_t start = t[0] - (time_t)span;
    int64_t allowed = s + s / 4; /* 25% jitter */
    size_t k = 1;

    for (; k < m && t[k] >= start; k++)
        if ((int64_t)(t[k - 1] - t[k]) > allowed)
            add_gap(gaps, maxgaps, n, t[k], t[k - 1], s);
    /* t[k - 1] is the window's oldest; t[k], if any, is older than it. */
    if (k < m && (int64_t)(t[k - 1] - start) > allowed &&
        (int64_t)(t[k - 1] - t[k]) > allowed)
        add_gap(gaps, maxgaps, n, start, t[k - 1], s);
}

size_t
retention_audit(const time_t *times, size_t ntimes, const int64_t *deltas,
                size_t ndeltas, struct retention_gap *gaps, size_t maxgaps)
{
    time_t *t = ntimes > 0 ? malloc(ntimes * sizeof(*t)) : NULL;
    struct retention_gap *all = NULL;
    size_t m = 0, n = 0, cap;

    for (size_t i = 0; t != NULL && i < ntimes; i++)
        if (times[i] != (time_t)-1)
            t[m++] = times[i];
    /* at most one gap per archive and generation */
    cap = m * (ndeltas > 0 ? ndeltas : 1);
    if (m > 0 && ndeltas >= 2 && (all = calloc(cap, sizeof(*all))) != NULL) {
        qsort(t, m, sizeof(*t), cmp_time_desc);
        for (size_t g = ndeltas - 1; g-- > 0;)
            audit_generation(t, m, deltas[g], deltas[g + 1], all, cap, &n);
        qsort(all, n < cap ? n : cap, sizeof(*all), cmp_gap_desc);
        memcpy(gaps, all, (n < maxgaps ? n : maxgaps) * sizeof(*gaps));
    }
    free(all);
    free(t);
    return n;
}
