/* toollist: backup tools' archive listings parsed into an archive_list. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "restore/source/toollist.h"

/* Add ${name} (${n} bytes, no NUL inside) unless it is empty or too long. */
static int
add(struct archive_list *l, const char *name, size_t n, time_t t,
    const char *where, struct rd_err *err)
{
    char *s;
    int rc;

    if (n == 0 || n > TOOLLIST_NAME_MAX || memchr(name, '\0', n) != NULL)
        return 0;
    if (l->n >= TOOLLIST_MAX_ENTRIES)
        return rd_err_set(err, RD_LISTING_INVALID,
                          "the listing of '%s' has more than %d archives",
                          where, TOOLLIST_MAX_ENTRIES);
    if ((s = strndup(name, n)) == NULL)
        return rd_err_set(err, RD_INTERNAL, "out of memory");
    rc = archive_list_add(l, s, t, -1);
    free(s);
    return rc != 0 ? rd_err_set(err, RD_INTERNAL, "out of memory") : 0;
}

/* ${n} digits at ${s} as a number, or -1. */
static int
digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

time_t
toollist_time(const char *s)
{
    struct tm tm;
    int y, mo, d, h, mi, sec = 0, off = 0;
    time_t t;

    if (strlen(s) < 16 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
        return -1;
    y = digits(s, 4);
    mo = digits(s + 5, 2);
    d = digits(s + 8, 2);
    h = digits(s + 11, 2);
    mi = digits(s + 14, 2);
    s += 16;
    if (*s == ':') {
        if ((sec = digits(s + 1, 2)) < 0)
            return -1;
        s += 3;
        if (*s == '.' || *s == ',') {
            s++;
            while (isdigit((unsigned char)*s))
                s++;
        }
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return -1;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int oh = digits(s + 1, 2), om;
        const char *m;

        if (oh < 0 || oh > 23)
            return -1;
        m = s + 3 + (s[3] == ':');
        om = digits(m, 2);
        if (om < 0 || om > 59)
            return -1;
        off = (oh * 3600 + om * 60) * (*s == '-' ? -1 : 1);
        s = m + 2;
    }
    if (*s != '\0')
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    return t == (time_t)-1 ? t : t - off;
}

/* The JSON document at ${json}, or NULL with RD_LISTING_INVALID. */
static json_t *
load(const char *json, size_t len, const char *tool, const char *where,
     struct rd_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);

    if (root == NULL)
        rd_err_set(err, RD_LISTING_INVALID,
                   "%s listed '%s' as invalid JSON (line %d: %s)", tool, where,
                   je.line, je.text);
    return root;
}

/* Whether the JSON array ${a} holds the string ${s}. */
static bool
has_string(const json_t *a, const char *s)
{
    size_t i;
    const json_t *v;

    json_array_foreach(a, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Whether one of ${paths} is ${path} or a folder above it. */
static bool
covers(const json_t *paths, const char *path)
{
    size_t i;
    const json_t *v;

    json_array_foreach(paths, i, v)
    {
        const char *p = json_string_value(v);
        size_t n = p != NULL ? strlen(p) : 0;

        while (n > 0 && p[n - 1] == '/')
            n--;
        if (p != NULL && strncmp(path, p, n) == 0 &&
            (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
}

static bool
restic_keep(const json_t *snap, const struct restic_filter *f)
{
    const char *host = json_string_value(json_object_get(snap, "hostname"));

    if (f->tag != NULL && !has_string(json_object_get(snap, "tags"), f->tag))
        return false;
    if (f->host != NULL && (host == NULL || strcmp(host, f->host) != 0))
        return false;
    return f->path == NULL || covers(json_object_get(snap, "paths"), f->path);
}

int
toollist_restic(const char *json, size_t len, const struct restic_filter *f,
                const char *where, struct archive_list *list,
                struct rd_err *err)
{
    json_t *root = load(json, len, "restic", where, err), *snap;
    size_t i;
    int rc = 0;

    if (root == NULL)
        return -1;
    if (!json_is_array(root)) {
        json_decref(root);
        return rd_err_set(
            err, RD_LISTING_INVALID,
            "restic listed '%s' as JSON that is no array of snapshots", where);
    }
    json_array_foreach(root, i, snap)
    {
        const char *id = json_string_value(json_object_get(snap, "id"));
        const char *tm = json_string_value(json_object_get(snap, "time"));

        if (id == NULL || !restic_keep(snap, f))
            continue;
        if ((rc = add(list, id, strlen(id), tm != NULL ? toollist_time(tm) : -1,
                      where, err)) != 0)
            break;
    }
    json_decref(root);
    return rc;
}

int
toollist_borg(const char *json, size_t len, const char *where,
              struct archive_list *list, struct rd_err *err)
{
    json_t *root = load(json, len, "borg", where, err), *arcs, *a;
    size_t i;
    int rc = 0;

    if (root == NULL)
        return -1;
    arcs = json_object_get(root, "archives");
    if (!json_is_array(arcs)) {
        json_decref(root);
        return rd_err_set(
            err, RD_LISTING_INVALID,
            "borg listed '%s' as JSON without an \"archives\" array", where);
    }
    json_array_foreach(arcs, i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *tm = json_string_value(json_object_get(a, "time"));

        if (name == NULL)
            continue;
        if (tm == NULL)
            tm = json_string_value(json_object_get(a, "start"));
        if ((rc = add(list, name, strlen(name),
                      tm != NULL ? toollist_time(tm) : -1, where, err)) != 0)
            break;
    }
    json_decref(root);
    return rc;
}

/* The time of a field of ${n} bytes at ${p}, or -1. */
static time_t
field_time(const char *p, size_t n)
{
    char b[64];

    if (n == 0 || n >= sizeof(b))
        return -1;
    memcpy(b, p, n);
    b[n] = '\0';
    return toollist_time(b);
}

int
toollist_tarsnap(const char *buf, size_t len, bool nul, const char *where,
                 struct archive_list *list, struct rd_err *err)
{
    const char *p = buf, *end = buf + len;

    while (p < end) {
        const char *rec_end, *name_end, *t = NULL;
        size_t tn = 0;

        if (nul) {
            /* NAME \0\0 TIME \0, or NAME \0 */
            name_end = memchr(p, '\0', (size_t)(end - p));
            if (name_end == NULL)
                name_end = end;
            rec_end = name_end;
            if (name_end + 1 < end && name_end[1] == '\0') {
                const char *te;

                t = name_end + 2;
                te = memchr(t, '\0', (size_t)(end - t));
                if (te == NULL)
                    te = end;
                tn = (size_t)(te - t);
                rec_end = te;
            }
        } else {
            rec_end = memchr(p, '\n', (size_t)(end - p));
            if (rec_end == NULL)
                rec_end = end;
            name_end = memchr(p, '\t', (size_t)(rec_end - p));
            if (name_end == NULL) {
                name_end = rec_end;
            } else {
                const char *te;

                t = name_end + 1;
                te = memchr(t, '\t', (size_t)(rec_end - t));
                tn = (size_t)((te != NULL ? te : rec_end) - t);
            }
        }
        if (add(list, p, (size_t)(name_end - p),
                t != NULL ? field_time(t, tn) : -1, where, err) != 0)
            return -1;
        p = rec_end + 1;
    }
    return 0;
}

int
toollist_lines(const char *buf, size_t len, const char *where,
               struct archive_list *list, struct rd_err *err)
{
    const char *p = buf, *end = buf + len;
    size_t line = 0;

    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p)), *tab;
        size_t n;
        time_t t = -1;

        if (e == NULL)
            e = end;
        line++;
        n = (size_t)(e - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        tab = memchr(p, '\t', n);
        if (tab != NULL) {
            size_t tn = n - (size_t)(tab + 1 - p);

            t = field_time(tab + 1, tn);
            if (t == (time_t)-1)
                return rd_err_set(
                    err, RD_LISTING_INVALID,
                    "line %zu of the listing of '%s': the time after the tab is not ISO 8601 (e.g. 2026-11-26T03:50:00Z)",
                    line, where);
            n = (size_t)(tab - p);
        }
        if (add(list, p, n, t, where, err) != 0)
            return -1;
        p = e + 1;
    }
    return 0;
}
