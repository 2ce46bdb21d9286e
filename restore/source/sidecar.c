/* sidecar: NAME.sha256 beside an archive, read through the archive's own
 * source driver (a folder, a web server, ...). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/sidecar.h"

int
sidecar_parse(const char *text, size_t len, const char *name, char hex[65],
              char *why, size_t wlen)
{
    const char *field, *base;
    size_t flen;

    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len < 66 || memchr(text, '\n', len) != NULL ||
        memchr(text, '\0', len) != NULL || memchr(text, '\r', len) != NULL) {
        snprintf(
            why, wlen,
            len >= 66 && memchr(text, '\n', len) != NULL
                ? "it holds more than one line"
                : "it is not one sha256sum line ('<64 hex digits>  NAME')");
        return -1;
    }
    for (int i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)text[i])) {
            snprintf(why, wlen,
                     "it does not start with 64 hex digits (a sha256 digest)");
            return -1;
        }
        hex[i] = (char)tolower((unsigned char)text[i]);
    }
    hex[64] = '\0';
    if (text[64] != ' ' || (text[65] != ' ' && text[65] != '*') || len == 66) {
        snprintf(
            why, wlen,
            "the digest is not followed by '  NAME' or ' *NAME' (sha256sum format)");
        return -1;
    }
    field = text + 66;
    flen = len - 66;
    base = field;
    for (size_t i = 0; i < flen; i++)
        if (field[i] == '/')
            base = field + i + 1;
    flen -= (size_t)(base - field);
    if (flen == 0 || flen != strlen(name) || memcmp(base, name, flen) != 0) {
        snprintf(why, wlen, "it names '%.*s', not '%s'",
                 (int)(len - 66 > 200 ? 200 : len - 66), field, name);
        return -1;
    }
    return 0;
}

/* Read at most SIDECAR_MAX_BYTES + 1 of ${s} into ${buf}; the count or -1. */
static ssize_t
read_small(struct stream *s, char *buf, struct rd_err *err)
{
    size_t n = 0;
    ssize_t got;

    do {
        got = stream_read(s, buf + n, SIDECAR_MAX_BYTES + 1 - n, err);
        if (got > 0)
            n += (size_t)got;
    } while (got > 0 && n <= SIDECAR_MAX_BYTES);
    return got < 0 ? -1 : (ssize_t)n;
}

int
source_read_sidecar(struct source *src, const char *name, struct fetched *f,
                    struct rd_err *err)
{
    bool required = src->opts.checksum == SOURCE_CHECKSUM_SHA256;
    char side[1100], buf[SIDECAR_MAX_BYTES + 1], why[300];
    struct fetched sf;
    struct rd_err e = {0};
    ssize_t n;

    if (f->is_dir)
        return required
                   ? rd_err_set(
                         err, RD_SIDECAR_MISSING,
                         "checksum = sha256 cannot check '%s' in '%s': it is a pg_dump -Fd folder, not one file\nHINT: ship the folder as a tar with a .sha256 sidecar, or set checksum = optional",
                         name, src->display)
                   : 0;
    snprintf(side, sizeof(side), "%s.sha256", name);
    fetched_init(&sf);
    if (src->ops->fetch(src, side, &sf, &e) != 0) {
        fetched_release(&sf);
        if (e.code != RD_ARCHIVE_NOT_FOUND) {
            *err = e;
            return -1;
        }
        return required
                   ? rd_err_set(
                         err, RD_SIDECAR_MISSING,
                         "archive '%s' has no sidecar '%s' in '%s' (checksum = sha256)\nHINT: write one beside each dump ('sha256sum NAME > NAME.sha256'), or set checksum = optional",
                         name, side, src->display)
                   : 0;
    }
    n = sf.stream != NULL ? read_small(sf.stream, buf, &e) : 0;
    fetched_release(&sf);
    if (n < 0) {
        *err = e;
        return -1;
    }
    if (n > SIDECAR_MAX_BYTES) {
        snprintf(why, sizeof(why), "it is larger than %d bytes",
                 SIDECAR_MAX_BYTES);
    } else if (sidecar_parse(buf, (size_t)n, name, f->sha256_expect, why,
                             sizeof(why)) == 0) {
        snprintf(f->sidecar, sizeof(f->sidecar), "%s", side);
        return 0;
    }
    f->sha256_expect[0] = '\0';
    return rd_err_set(
        err, RD_SIDECAR_MISSING,
        "sidecar '%s' of archive '%s' is unusable: %s\nHINT: write it with 'sha256sum NAME > NAME.sha256' in the archive's folder",
        side, name, why);
}
