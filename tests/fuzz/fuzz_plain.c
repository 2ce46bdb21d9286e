/* fuzz_plain: what is read from the head of a plain SQL dump (the server
 * version line and the CREATE EXTENSION lines) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/dumpfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define VTAG "-- Dumped from database version "
#define ETAG "CREATE EXTENSION IF NOT EXISTS "

/* How many lines of ${b} start with ${tag}. */
static size_t
count_lines(const uint8_t *b, size_t len, const char *tag)
{
    size_t tl = strlen(tag), n = 0;

    for (size_t i = 0; i + tl <= len; i++)
        if ((i == 0 || b[i - 1] == '\n') && memcmp(b + i, tag, tl) == 0)
            n++;
    return n;
}

/* The version line: found exactly when a line starts with the tag, and
 * then a NUL-terminated copy of the rest of that line, cut to ${cap}. */
static void
check_version(const uint8_t *b, size_t len, size_t cap)
{
    char out[64];
    const uint8_t *at = NULL;
    int rc;

    memset(out, 'X', sizeof(out));
    rc = dumpfmt_plain_version(b, len, out, cap);
    for (size_t i = 0; at == NULL && i + strlen(VTAG) <= len; i++)
        if ((i == 0 || b[i - 1] == '\n') &&
            memcmp(b + i, VTAG, strlen(VTAG)) == 0)
            at = b + i + strlen(VTAG);
    if ((rc == 0) != (at != NULL) || (rc != 0 && rc != -1))
        abort();
    if (rc != 0)
        return;
    if (strnlen(out, cap) >= cap || strchr(out, '\n') != NULL ||
        strchr(out, '\r') != NULL || memcmp(out, at, strlen(out)) != 0)
        abort();
}

static void
names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **full = NULL, **part = NULL;
    size_t nfull = 0, npart = 0, cut;
    uint8_t *copy;

    check_version(data, size, 64);
    check_version(data, size, 8);
    check_version(data, size, 1);

    if (dumpfmt_plain_extensions(data, size, &full, &nfull) != 0)
        abort();
    if (nfull > count_lines(data, size, ETAG))
        abort();
    /* Each name is one an extension can have: not empty, at most 63
     * bytes (NAMEDATALEN - 1), no '/' and no control bytes (it becomes
     * part of a file name: SHAREDIR/extension/NAME.control). */
    for (size_t i = 0; i < nfull; i++) {
        size_t len = strlen(full[i]);

        if (len == 0 || len > 63 || strchr(full[i], '/') != NULL)
            abort();
        for (size_t j = 0; j < len; j++)
            if ((unsigned char)full[i][j] < 0x20 || full[i][j] == 0x7f)
                abort();
    }

    /* A head cut anywhere (the peek buffer ends somewhere) finds the same
     * names as the whole, minus those the cut reaches: never a shortened
     * one.  Exact-size copy, so an over-read is caught. */
    cut = size > 0 ? (size_t)data[0] * size / 256 : 0;
    copy = malloc(cut > 0 ? cut : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, data, cut);
    if (dumpfmt_plain_extensions(copy, cut, &part, &npart) != 0)
        abort();
    free(copy);
    if (npart > nfull)
        abort();
    for (size_t i = 0; i < npart; i++)
        if (strcmp(part[i], full[i]) != 0)
            abort();
    names_free(part, npart);
    names_free(full, nfull);
    return 0;
}
