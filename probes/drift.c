/* drift: per-table row counts of this restore against the last verified run. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "verifier/util/json.h"
#include "verifier/util/fsutil.h"
#include "verifier/util/rd_err.h"

#include "probes/drift.h"

#define DRIFT_FILE_MAX (64 * 1024 * 1024)
#define DRIFT_VERSION  1

void
drift_counts_release(struct drift_counts *c)
{
    /* Behave consistently with free(NULL). */
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].name);
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

int
drift_counts_add(struct drift_counts *c, const char *name, int64_t rows)
{
    struct drift_table *items;
    size_t len = strlen(name) + 1;
    char *copy;

    /* The capacity is 8, then doubles: it is full when n is 8, 16, 32... */
    if (c->n == 0 || (c->n >= 8 && (c->n & (c->n - 1)) == 0)) {
        size_t cap = c->n == 0 ? 8 : c->n * 2;

        items = realloc(c->items, cap * sizeof(*items));
        if (items == NULL)
            return -1;
        c->items = items;
    }
    if ((copy = malloc(len)) == NULL)
        return -1;
    memcpy(copy, name, len);
    c->items[c->n].name = copy;
    c->items[c->n].rows = rows;
    c->n++;
    return 0;
}

/* Read ${path} whole; 1 when it does not exist. */
static int
read_file(const char *path, char **buf, size_t *len, struct rd_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = 65536, n = 0;
    char *b = NULL;

    *buf = NULL;
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        return rd_err_set(err, RD_INTERNAL,
                          "cannot open drift baseline '%s': %s", path,
                          strerror(errno));
    }
    for (;;) {
        ssize_t r;

        if (n == cap || b == NULL) {
            char *nb;

            if (b != NULL)
                cap *= 2;
            if (cap > DRIFT_FILE_MAX + 1)
                cap = DRIFT_FILE_MAX + 1;
            if (n == cap) {
                rd_err_set(err, RD_INTERNAL,
                           "drift baseline '%s' is larger than 64 MiB", path);
                goto fail;
            }
            if ((nb = realloc(b, cap)) == NULL) {
                rd_err_set(err, RD_INTERNAL,
                           "out of memory reading drift baseline '%s'", path);
                goto fail;
            }
            b = nb;
        }
        r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rd_err_set(err, RD_INTERNAL, "cannot read drift baseline '%s': %s",
                       path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *buf = b;
    *len = n;
    return 0;
fail:
    close(fd);
    free(b);
    return -1;
}

/* "2026-11-26T05:03:14Z" (what jsonx_rfc3339 writes) to a time_t. */
static bool
parse_rfc3339(const char *s, time_t *out)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0' || strlen(s) != 20)
        return false;
    *out = timegm(&tm);
    return *out >= 0; /* no run was before 1970 (nor before year 1000) */
}

/* Fill ${base} from the parsed document ${doc}; a message on failure. */
static int
load_doc(json_t *doc, const char *path, struct drift_counts *base,
         struct rd_err *err)
{
    json_t *version = json_object_get(doc, "version");
    json_t *taken = json_object_get(doc, "taken_at");
    json_t *tables = json_object_get(doc, "tables");
    const char *name;
    json_t *v;

    if (!json_is_object(doc) || !json_is_integer(version) ||
        json_integer_value(version) != DRIFT_VERSION)
        return rd_err_set(err, RD_INTERNAL,
                          "drift baseline '%s' is not a version %d baseline",
                          path, DRIFT_VERSION);
    if (!json_is_string(taken) ||
        !parse_rfc3339(json_string_value(taken), &base->taken_at))
        return rd_err_set(err, RD_INTERNAL,
                          "drift baseline '%s' has no valid 'taken_at'", path);
    if (!json_is_object(tables))
        return rd_err_set(err, RD_INTERNAL,
                          "drift baseline '%s' has no 'tables' object", path);
    json_object_foreach(tables, name, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < -1)
            return rd_err_set(
                err, RD_INTERNAL,
                "drift baseline '%s' has a bad row count for table '%s'", path,
                name);
        if (drift_counts_add(base, name, (int64_t)json_integer_value(v)) != 0)
            return rd_err_set(err, RD_INTERNAL,
                              "out of memory loading drift baseline '%s'",
                              path);
    }
    return 0;
}

int
drift_load(const char *path, struct drift_counts *base, struct rd_err *err)
{
    json_error_t jerr;
    json_t *doc;
    char *buf;
    size_t len = 0;
    int rc;

    memset(base, 0, sizeof(*base));
    rc = read_file(path, &buf, &len, err);
    if (rc != 0)
        return rc;
    doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    free(buf);
    if (doc == NULL)
        return rd_err_set(err, RD_INTERNAL,
                          "drift baseline '%s' is not valid JSON: line %d: %s",
                          path, jerr.line, jerr.text);
    rc = load_doc(doc, path, base, err);
    json_decref(doc);
    if (rc != 0)
        drift_counts_release(base);
    return rc;
}

int
drift_save(const char *path, const struct drift_counts *cur, struct rd_err *err)
{
    char ts[32];
    json_t *doc, *tables;
    char *text = NULL;
    int rc = -1;

    doc = json_pack("{s:i, s:s, s:{}}", "version", DRIFT_VERSION, "taken_at",
                    jsonx_rfc3339(ts, sizeof(ts), cur->taken_at), "tables");
    if (doc == NULL)
        goto nomem;
    tables = json_object_get(doc, "tables");
    for (size_t i = 0; i < cur->n; i++) {
        const struct drift_table *t = &cur->items[i];

        /* Names come from the catalog and are stored as given. */
        if (json_object_set_new(tables, t->name, json_integer(t->rows)) != 0) {
            rd_err_set(err, RD_INTERNAL,
                       "cannot store table '%s' in drift baseline '%s'",
                       t->name, path);
            goto done;
        }
    }
    text = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));
    if (text == NULL)
        goto nomem;
    {
        size_t n = strlen(text);
        char *t2 = realloc(text, n + 2);

        if (t2 == NULL)
            goto nomem;
        text = t2;
        text[n] = '\n';
        text[n + 1] = '\0';
        rc = fs_write_atomic(path, text, n + 1, err);
    }
    goto done;
nomem:
    rd_err_set(err, RD_INTERNAL, "out of memory writing drift baseline '%s'",
               path);
done:
    free(text);
    json_decref(doc);
    return rc;
}

static int
cmp_tables(const void *a, const void *b)
{
    const struct drift_table *x = *(const struct drift_table *const *)a;
    const struct drift_table *y = *(const struct drift_table *const *)b;

    return strcmp(x->name, y->name);
}

/* Pointers to the items of ${c}, sorted by name; NULL on failure. */
static const struct drift_table **
sorted(const struct drift_counts *c)
{
    const struct drift_table **v = malloc((c->n + 1) * sizeof(*v));

    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        v[i] = &c->items[i];
    if (c->n > 1)
        qsort(v, c->n, sizeof(*v), cmp_tables);
    return v;
}

/* Whether a table warns; ${b} or ${c} may be NULL (new or vanished). */
static bool
table_warns(const struct drift_table *b, const struct drift_table *c,
            double max_shrink)
{
    if (c == NULL)
        return true;
    return b != NULL && b->rows > 0 && c->rows >= 0 && c->rows < b->rows &&
           (double)(b->rows - c->rows) > max_shrink * (double)b->rows;
}

int
drift_diff(const struct drift_counts *base, const struct drift_counts *cur,
           double max_shrink, struct drift_diff *out)
{
    const struct drift_table **bv = sorted(base), **cv = sorted(cur);
    size_t i = 0, j = 0;

    memset(out, 0, sizeof(*out));
    out->rows = malloc((base->n + cur->n + 1) * sizeof(*out->rows));
    if (bv == NULL || cv == NULL || out->rows == NULL) {
        free(bv);
        free(cv);
        drift_diff_release(out);
        return -1;
    }
    while (i < base->n || j < cur->n) {
        struct drift_row *row = &out->rows[out->n++];
        int d;

        if (i == base->n)
            d = 1;
        else if (j == cur->n)
            d = -1;
        else
            d = strcmp(bv[i]->name, cv[j]->name);
        row->before = d <= 0 ? bv[i++] : NULL;
        row->now = d >= 0 ? cv[j++] : NULL;
        row->warning = table_warns(row->before, row->now, max_shrink);
        if (row->warning)
            out->warnings++;
    }
    free(bv);
    free(cv);
    return 0;
}

void
drift_diff_release(struct drift_diff *d)
{
    if (d == NULL)
        return;
    free(d->rows);
    memset(d, 0, sizeof(*d));
}
