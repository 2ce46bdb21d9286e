/* untar_allow: the allowlist of tar headers a pg_dump -Fd dump may hold
 * (untar_member_ok()). */
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "restore/decode/untar_int.h"

const char *const untar_suffix[UNTAR_N_SUFFIX] = {"", ".gz", ".lz4", ".zst"};

/* Length of the run of 1 to 10 digits at ${s}, or 0. */
static size_t
digits(const char *s)
{
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n <= 10 ? n : 0;
}

/*
 * Length of the name pg_dump -Fd writes that ${s} starts with ("toc.dat",
 * "<n>.dat", "blob_<n>.dat", "blobs.toc", "blobs_<n>.toc"), or 0.
 */
size_t
untar_dump_stem(const char *s)
{
    size_t n;

    if (strncmp(s, "toc.dat", 7) == 0)
        return 7;
    if (strncmp(s, "blobs.toc", 9) == 0)
        return 9;
    if (strncmp(s, "blobs_", 6) == 0 && (n = digits(s + 6)) > 0 &&
        strncmp(s + 6 + n, ".toc", 4) == 0)
        return 6 + n + 4;
    if (strncmp(s, "blob_", 5) == 0 && (n = digits(s + 5)) > 0 &&
        strncmp(s + 5 + n, ".dat", 4) == 0)
        return 5 + n + 4;
    if ((n = digits(s)) > 0 && strncmp(s + n, ".dat", 4) == 0)
        return n + 4;
    return 0;
}

/* True when ${s} is a dump file name plus at most a compression suffix. */
static bool
dump_name(const char *s)
{
    size_t stem = untar_dump_stem(s);

    if (stem == 0)
        return false;
    for (size_t i = 0; i < UNTAR_N_SUFFIX; i++)
        if (strcmp(s + stem, untar_suffix[i]) == 0)
            return true;
    return false;
}

/* Why the ${len} bytes at ${c} are no path component, or NULL. */
static const char *
bad_component(const char *c, size_t len)
{
    if (len == 0)
        return "empty path component";
    if (len > UNTAR_COMP_MAX)
        return "path component longer than 255 bytes";
    if (len == 1 && c[0] == '.')
        return "'.' path component";
    return NULL;
}

/* A tar typeflag in words. */
static const char *
type_name(int type, char *buf, size_t cap)
{
    switch (type) {
    case '1':
        return "hard link";
    case '2':
        return "symbolic link";
    case '3':
        return "character device";
    case '4':
        return "block device";
    case '6':
        return "FIFO";
    case '7':
        return "contiguous file";
    default:
        if (type > 0x20 && type < 0x7f)
            snprintf(buf, cap, "member type '%c'", type);
        else
            snprintf(buf, cap, "member type 0x%02x", (unsigned)type & 0xffu);
        return buf;
    }
}

/* Write the reason into ${why} and return false. */
static bool refuse(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
refuse(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return false;
}

bool
untar_member_ok(const char *name, int type, int64_t size,
                const struct untar_limits *lim, char *why, size_t whylen)
{
    const char *p, *slash, *bad;
    char tbuf[32];
    size_t len;

    assert(lim != NULL);
    if (name == NULL || name[0] == '\0')
        return refuse(why, whylen, "empty name");
    if (type != '0' && type != '\0' && type != '5')
        return refuse(why, whylen, "%s not allowed",
                      type_name(type, tbuf, sizeof(tbuf)));
    for (p = name; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;

        if (ch < 0x20 || ch >= 0x7f)
            return refuse(why, whylen, "control or non-ASCII byte in name");
        if (ch == '\\')
            return refuse(why, whylen, "backslash in name");
    }
    if (name[0] == '/')
        return refuse(why, whylen, "absolute path");
    if (strstr(name, "..") != NULL)
        return refuse(why, whylen, "'..' in name");
    /* GNU tar writes "./", "./toc.dat", ... for "tar -C dump -cf x.tar .". */
    p = strncmp(name, "./", 2) == 0 ? name + 2 : name;

    if (type == '5') {
        if (size != 0)
            return refuse(why, whylen, "directory with data");
        if (*p == '\0')
            return true; /* "./" itself */
        len = strlen(p);
        if (p[len - 1] == '/')
            len--;
        if (memchr(p, '/', len) != NULL)
            return refuse(why, whylen, "directory below another directory");
        if ((bad = bad_component(p, len)) != NULL)
            return refuse(why, whylen, "%s", bad);
        return true;
    }

    if (size < 0)
        return refuse(why, whylen, "file without a size");
    if (size > lim->max_entry_bytes)
        return refuse(why, whylen,
                      "%lld bytes, over the cap of %lld bytes per member",
                      (long long)size, (long long)lim->max_entry_bytes);
    if ((slash = strchr(p, '/')) != NULL) {
        if ((bad = bad_component(p, (size_t)(slash - p))) != NULL)
            return refuse(why, whylen, "%s", bad);
        p = slash + 1;
        if (strchr(p, '/') != NULL)
            return refuse(why, whylen, "more than one directory level");
    }
    if ((bad = bad_component(p, strlen(p))) != NULL)
        return refuse(why, whylen, "%s", bad);
    if (!dump_name(p))
        return refuse(why, whylen, "not a file name pg_dump -Fd writes");
    return true;
}
