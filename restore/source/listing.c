/* listing: web server folder listings into archive lists.
 *
 * HTML is read by a small hand parser rather than a library (libxml2's HTML
 * parser, gumbo): autoindex pages are machine-written with one fixed shape,
 * only <a href> and the text after each link matter, and a bounded scanner
 * of a few dozen lines is easier to fuzz and to trust than a general HTML
 * parser pulled in as a dependency for this one use. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "restore/source/listing.h"

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int
month_index(const char *s)
{
    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, months[i], 3) == 0)
            return i;
    return -1;
}

/* Seconds of a broken-down UTC time, or -1 when a field is out of range. */
static time_t
utc(int y, int mon, int d, int h, int mi, int s)
{
    struct tm tm = {0};

    if (y < 1970 || y > 9999 || mon < 0 || mon > 11 || d < 1 || d > 31 ||
        h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
        return (time_t)-1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

time_t
listing_http_date(const char *s)
{
    int d, y, h, mi, sec, n = 0;
    char wd[4], mon[4], zone[4];

    if (s == NULL ||
        sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wd,
               &d, mon, &y, &h, &mi, &sec, zone, &n) != 8 ||
        s[n] != '\0' || strcmp(zone, "GMT") != 0)
        return (time_t)-1;
    return utc(y, month_index(mon), d, h, mi, sec);
}

static int
too_many(const char *where, struct rd_err *err)
{
    return rd_err_set(
        err, RD_LISTING_INVALID,
        "listing of '%s' holds more than %d entries\nHINT: point source at a folder with fewer files (a pattern does not shorten the listing)",
        where, LISTING_MAX_ENTRIES);
}

/* A listed name we can fetch: no '/', not "." or "..", bounded, no NUL. */
static bool
plain_name(const char *n, size_t len)
{
    return len > 0 && len <= LISTING_NAME_MAX && memchr(n, '/', len) == NULL &&
           memchr(n, '\0', len) == NULL && !(len == 1 && n[0] == '.') &&
           !(len == 2 && n[0] == '.' && n[1] == '.');
}

int
listing_parse_json(const char *body, size_t len, const char *where,
                   struct archive_list *list, struct rd_err *err)
{
    json_error_t je;
    json_t *a = json_loadb(body, len, 0, &je);
    size_t i;
    json_t *e;

    if (a == NULL || !json_is_array(a)) {
        json_decref(a);
        return rd_err_set(
            err, RD_LISTING_INVALID,
            "listing of '%s' is not a JSON array (%s)\nHINT: nginx needs 'autoindex on; autoindex_format json;' (or html) for the folder",
            where, a == NULL ? je.text : "another JSON value");
    }
    if (json_array_size(a) > LISTING_MAX_ENTRIES) {
        json_decref(a);
        return too_many(where, err);
    }
    json_array_foreach(a, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *type = json_string_value(json_object_get(e, "type"));
        json_t *size = json_object_get(e, "size");

        if (!json_is_object(e) || name == NULL) {
            json_decref(a);
            return rd_err_set(
                err, RD_LISTING_INVALID,
                "listing of '%s': entry %zu has no \"name\" (not an nginx JSON autoindex)",
                where, i + 1);
        }
        if (type == NULL || strcmp(type, "file") != 0 ||
            !plain_name(name, json_string_length(json_object_get(e, "name"))))
            continue;
        if (archive_list_add(
                list, name,
                listing_http_date(
                    json_string_value(json_object_get(e, "mtime"))),
                json_is_integer(size) && json_integer_value(size) >= 0
                    ? (int64_t)json_integer_value(size)
                    : -1) != 0) {
            json_decref(a);
            return rd_err_set(err, RD_INTERNAL, "out of memory");
        }
    }
    json_decref(a);
    return 0;
}

/* --- HTML ------------------------------------------------------------- */

static int
hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* ${href} (${n} bytes) entity- then percent-decoded into ${out} (cap
 * LISTING_NAME_MAX + 1); its length, or -1 when it is no plain file name of
 * this folder (a query, a fragment, a folder, a path, another site). */
static long
href_name(const char *href, size_t n, char *out)
{
    size_t o = 0, k = 0;

    if (n >= 2 && href[0] == '.' && href[1] == '/') { /* nginx: "./a:b" */
        href += 2;
        n -= 2;
    } else {
        /* "scheme:...": another place */
        while (k < n && (isalnum((unsigned char)href[k]) || href[k] == '+' ||
                         href[k] == '-' || href[k] == '.'))
            k++;
        if (k > 0 && k < n && href[k] == ':' && isalpha((unsigned char)href[0]))
            return -1;
    }
    if (n == 0 || href[0] == '?' || href[0] == '#' || href[0] == '/')
        return -1;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)href[i];

        if (c == '?' || c == '#')
            break;
        if (c == '&') {
            static const struct {
                const char *ent;
                char ch;
            } ents[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                        {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
            size_t j;

            for (j = 0; j < sizeof(ents) / sizeof(ents[0]); j++) {
                size_t el = strlen(ents[j].ent);

                if (n - i >= el && strncmp(href + i, ents[j].ent, el) == 0) {
                    c = ents[j].ch;
                    i += el - 1;
                    break;
                }
            }
        }
        if (c == '%' && i + 2 < n && hexval(href[i + 1]) >= 0 &&
            hexval(href[i + 2]) >= 0) {
            c = hexval(href[i + 1]) * 16 + hexval(href[i + 2]);
            i += 2;
        }
        if (o >= LISTING_NAME_MAX)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return plain_name(out, o) ? (long)o : -1;
}

/* The text of [p, end) with tags blanked out, into ${out} (cap ${cap}). */
static void
strip_tags(const char *p, const char *end, char *out, size_t cap)
{
    size_t o = 0;
    bool tag = false;

    for (; p < end && o + 1 < cap; p++) {
        if (*p == '<')
            tag = true;
        out[o++] = tag || (unsigned char)*p < 0x20 ? ' ' : *p;
        if (*p == '>')
            tag = false;
    }
    out[o] = '\0';
}

/* The time and the exact size in the text after a link: nginx writes
 * "26-Nov-2026 03:44    1234", Apache "2026-11-26 03:44  1.2K". */
static void
line_facts(const char *text, time_t *mtime, int64_t *size)
{
    int d, y, mon, h, mi, n = 0;
    char ms[4];
    const char *p = text;

    *mtime = (time_t)-1;
    *size = -1;
    for (; *p != '\0'; p++) {
        n = 0;
        if (sscanf(p, "%2d-%3[A-Za-z]-%4d %2d:%2d%n", &d, ms, &y, &h, &mi,
                   &n) == 5 &&
            n > 0) {
            *mtime = utc(y, month_index(ms), d, h, mi, 0);
            break;
        }
        n = 0;
        if (isdigit((unsigned char)*p) &&
            sscanf(p, "%4d-%2d-%2d %2d:%2d%n", &y, &mon, &d, &h, &mi, &n) ==
                5 &&
            n > 0) {
            *mtime = utc(y, mon - 1, d, h, mi, 0);
            break;
        }
    }
    if (*mtime == (time_t)-1)
        return;
    p += n;
    while (*p == ':' || isdigit((unsigned char)*p)) /* seconds */
        p++;
    while (*p == ' ')
        p++;
    if (isdigit((unsigned char)*p)) {
        char *end;
        long long v = strtoll(p, &end, 10);

        if ((*end == '\0' || *end == ' ') && v >= 0)
            *size = (int64_t)v;
    }
}

/* One <a ...> tag starting at ${p}: its href in [*h, *h + *hn), and where
 * the tag ends; NULL when there is no href or the tag does not close. */
static const char *
a_href(const char *p, const char *end, const char **h, size_t *hn)
{
    const char *gt = memchr(p, '>', (size_t)(end - p));

    *h = NULL;
    if (gt == NULL)
        return NULL;
    for (const char *q = p; q + 5 < gt; q++) {
        if (strncasecmp(q, "href=", 5) != 0 || !isspace((unsigned char)q[-1]))
            continue;
        q += 5;
        if (*q == '"' || *q == '\'') {
            const char *close = memchr(q + 1, *q, (size_t)(end - q - 1));

            if (close == NULL)
                return NULL;
            *h = q + 1;
            *hn = (size_t)(close - q - 1);
            gt = close > gt ? memchr(close, '>', (size_t)(end - close)) : gt;
            return gt;
        }
        *h = q;
        while (q < gt && !isspace((unsigned char)*q))
            q++;
        *hn = (size_t)(q - *h);
        return gt;
    }
    return gt;
}

int
listing_parse_html(const char *body, size_t len, const char *where,
                   struct archive_list *list, struct rd_err *err)
{
    const char *p = body, *end = body + len;
    char name[LISTING_NAME_MAX + 1], text[512];

    while (p + 3 < end) {
        const char *a = p, *h, *gt, *eol;
        size_t hn = 0;
        time_t mtime;
        int64_t size;

        while (a + 3 < end && !(a[0] == '<' && (a[1] == 'a' || a[1] == 'A') &&
                                isspace((unsigned char)a[2])))
            a++;
        if (a + 3 >= end)
            break;
        gt = a_href(a + 2, end, &h, &hn);
        if (gt == NULL)
            break;
        p = gt + 1;
        if (h == NULL || href_name(h, hn, name) < 0)
            continue;
        /* the facts on the rest of the line (up to the next link) */
        eol = p;
        while (eol < end && *eol != '\n' &&
               !(eol + 2 < end && eol[0] == '<' &&
                 (eol[1] == 'a' || eol[1] == 'A') &&
                 isspace((unsigned char)eol[2])))
            eol++;
        strip_tags(p, eol, text, sizeof(text));
        line_facts(text, &mtime, &size);
        if (list->n >= LISTING_MAX_ENTRIES)
            return too_many(where, err);
        if (archive_list_add(list, name, mtime, size) != 0)
            return rd_err_set(err, RD_INTERNAL, "out of memory");
    }
    return 0;
}

int
listing_parse(const char *body, size_t len, const char *content_type,
              const char *where, struct archive_list *list, struct rd_err *err)
{
    size_t i = 0;

    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if ((content_type != NULL &&
         strncasecmp(content_type, "application/json", 16) == 0) ||
        (i < len && body[i] == '['))
        return listing_parse_json(body, len, where, list, err);
    return listing_parse_html(body, len, where, list, err);
}
