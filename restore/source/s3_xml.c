/* s3_xml: ListObjectsV2 pages and <Error> answers, parsed with expat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "restore/source/s3_xml.h"

#define MAX_DEPTH 8

enum mode { MODE_LIST, MODE_ERROR };

struct xp {
    XML_Parser p;
    enum mode mode;
    int depth;
    bool in_contents;
    struct s3_object cur; /* the Contents being read */
    char text[S3_TOKEN_MAX + 1];
    size_t tlen;
    bool tlong;           /* text longer than the buffer */
    struct s3_page *page; /* MODE_LIST */
    char *code, *msg;     /* MODE_ERROR */
    size_t clen, mlen;
    bool have_code;
    char *why;
    size_t wlen;
    bool failed;
};

static void
fail(struct xp *x, const char *why)
{
    if (!x->failed)
        snprintf(x->why, x->wlen, "%s", why);
    x->failed = true;
    XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xp *x = ud;
    const char *root = x->mode == MODE_LIST ? "ListBucketResult" : "Error";

    (void)atts;
    if (x->failed)
        return;
    x->depth++;
    x->tlen = 0;
    x->tlong = false;
    if (x->depth > MAX_DEPTH) {
        fail(x, "elements nested too deep");
        return;
    }
    if (x->depth == 1 && strcmp(name, root) != 0) {
        fail(x, x->mode == MODE_LIST
                    ? "the root element is not ListBucketResult"
                    : "the root element is not Error");
        return;
    }
    if (x->mode == MODE_LIST && x->depth == 2 &&
        strcmp(name, "Contents") == 0) {
        x->in_contents = true;
        x->cur.key = NULL;
        x->cur.mtime = (time_t)-1;
        x->cur.size = -1;
    }
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
    struct xp *x = ud;
    size_t n = (size_t)len;

    if (x->failed)
        return;
    if (x->tlen + n > S3_TOKEN_MAX) {
        n = S3_TOKEN_MAX - x->tlen;
        x->tlong = true;
    }
    memcpy(x->text + x->tlen, s, n);
    x->tlen += n;
    x->text[x->tlen] = '\0';
}

/* ${s} as a non-negative decimal, or -1. */
static int64_t
parse_size(const char *s)
{
    int64_t v = 0;

    if (*s == '\0' || strlen(s) > 18)
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static void
push_object(struct xp *x)
{
    struct s3_page *pg = x->page;

    x->in_contents = false;
    if (x->cur.key == NULL) {
        fail(x, "a Contents element has no Key");
        return;
    }
    if (pg->n == pg->cap) {
        size_t cap = pg->cap == 0 ? 64 : pg->cap * 2;
        struct s3_object *v = realloc(pg->objs, cap * sizeof(*v));

        if (v == NULL) {
            free(x->cur.key);
            x->cur.key = NULL;
            {
                fail(x, "out of memory");
                return;
            }
        }
        pg->objs = v;
        pg->cap = cap;
    }
    pg->objs[pg->n++] = x->cur;
    x->cur.key = NULL;
}

static void
end_contents_field(struct xp *x, const char *name)
{
    if (strcmp(name, "Key") == 0) {
        if (x->tlong || x->tlen > S3_KEY_MAX) {
            fail(x, "a Key is longer than 1024 bytes");
            return;
        }
        if (x->tlen == 0) {
            fail(x, "a Key is empty");
            return;
        }
        free(x->cur.key);
        if ((x->cur.key = strdup(x->text)) == NULL) {
            fail(x, "out of memory");
            return;
        }
    } else if (strcmp(name, "LastModified") == 0) {
        x->cur.mtime = s3_time(x->text);
    } else if (strcmp(name, "Size") == 0) {
        if ((x->cur.size = parse_size(x->text)) < 0) {
            fail(x, "a Size is not a number of bytes");
            return;
        }
    }
}

static void
end_list(struct xp *x, const char *name)
{
    if (x->depth == 3 && x->in_contents) {
        end_contents_field(x, name);
        return;
    }
    if (x->depth != 2)
        return;
    if (strcmp(name, "Contents") == 0) {
        push_object(x);
    } else if (strcmp(name, "IsTruncated") == 0) {
        x->page->truncated = strcmp(x->text, "true") == 0;
    } else if (strcmp(name, "NextContinuationToken") == 0) {
        if (x->tlong) {
            fail(x, "the NextContinuationToken is too long");
            return;
        }
        free(x->page->next_token);
        x->page->next_token = NULL;
        if (x->tlen > 0 && (x->page->next_token = strdup(x->text)) == NULL) {
            fail(x, "out of memory");
            return;
        }
    }
}

/* ${src} into ${dst} (${cap} bytes), control characters as '?'. */
static void
copy_clean(char *dst, size_t cap, const char *src)
{
    size_t i = 0;

    if (cap == 0)
        return;
    for (; src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
    dst[i] = '\0';
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
    struct xp *x = ud;

    if (x->failed)
        return;
    if (x->mode == MODE_LIST) {
        end_list(x, name);
    } else if (x->depth == 2 && strcmp(name, "Code") == 0) {
        copy_clean(x->code, x->clen, x->text);
        x->have_code = x->tlen > 0;
    } else if (x->depth == 2 && strcmp(name, "Message") == 0) {
        copy_clean(x->msg, x->mlen, x->text);
    }
    x->depth--;
    x->tlen = 0;
    x->tlong = false;
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, "it has a DTD (refused)");
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
          int vlen, const XML_Char *base, const XML_Char *sysid,
          const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)vlen;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    fail(ud, "it declares entities (refused)");
}

/* Run ${x} over ${xml}; 0 or -1 with x->why. */
static int
run(struct xp *x, const char *xml, size_t len)
{
    enum XML_Status st;

    if (len > S3_XML_MAX_BYTES) {
        snprintf(x->why, x->wlen, "the answer is larger than %d bytes",
                 S3_XML_MAX_BYTES);
        return -1;
    }
    x->p = XML_ParserCreate("UTF-8");
    if (x->p == NULL) {
        snprintf(x->why, x->wlen, "out of memory");
        return -1;
    }
    XML_SetUserData(x->p, x);
    XML_SetElementHandler(x->p, on_start, on_end);
    XML_SetCharacterDataHandler(x->p, on_text);
    XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
    XML_SetEntityDeclHandler(x->p, on_entity);
    XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
    st = XML_Parse(x->p, xml, (int)len, XML_TRUE);
    if (st != XML_STATUS_OK && !x->failed) {
        snprintf(x->why, x->wlen, "not XML: %s at line %lu",
                 XML_ErrorString(XML_GetErrorCode(x->p)),
                 (unsigned long)XML_GetCurrentLineNumber(x->p));
        x->failed = true;
    }
    free(x->cur.key);
    x->cur.key = NULL;
    XML_ParserFree(x->p);
    return x->failed ? -1 : 0;
}

int
s3_xml_list(const char *xml, size_t len, struct s3_page *page, char *why,
            size_t wlen)
{
    struct xp x;
    char dummy[1];

    memset(&x, 0, sizeof(x));
    x.mode = MODE_LIST;
    x.page = page;
    x.why = why != NULL && wlen > 0 ? why : dummy;
    x.wlen = why != NULL && wlen > 0 ? wlen : sizeof(dummy);
    x.why[0] = '\0';
    return run(&x, xml, len);
}

void
s3_page_free(struct s3_page *page)
{
    if (page == NULL)
        return;
    for (size_t i = 0; i < page->n; i++)
        free(page->objs[i].key);
    free(page->objs);
    free(page->next_token);
    memset(page, 0, sizeof(*page));
}

int
s3_xml_error(const char *xml, size_t len, char *code, size_t clen, char *msg,
             size_t mlen)
{
    struct xp x;
    char why[128];

    memset(&x, 0, sizeof(x));
    x.mode = MODE_ERROR;
    x.code = code;
    x.clen = clen;
    x.msg = msg;
    x.mlen = mlen;
    x.why = why;
    x.wlen = sizeof(why);
    if (clen > 0)
        code[0] = '\0';
    if (mlen > 0)
        msg[0] = '\0';
    if (run(&x, xml, len) != 0 || !x.have_code) {
        if (clen > 0)
            code[0] = '\0';
        if (mlen > 0)
            msg[0] = '\0';
        return -1;
    }
    return 0;
}

/* ${n} digits of ${s} as a number, or -1. */
static int
digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

time_t
s3_time(const char *s)
{
    struct tm tm;
    const char *p;
    int y, mo, d, h, mi, se;

    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':')
        return (time_t)-1;
    y = digits(s, 4);
    mo = digits(s + 5, 2);
    d = digits(s + 8, 2);
    h = digits(s + 11, 2);
    mi = digits(s + 14, 2);
    se = digits(s + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 60)
        return (time_t)-1;
    p = s + 19;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if (*p == 'Z')
        p++;
    if (*p != '\0')
        return (time_t)-1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return timegm(&tm);
}
