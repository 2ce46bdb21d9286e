/* fuzz_retention: a deltas schedule from text, and the audit of arbitrary
 * archive times against it.  Input: the schedule, a NUL byte, then the times
 * as 8-byte values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/retention.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t slen = nul != NULL ? (size_t)(nul - data) : size, nt;
    int64_t d[RETENTION_MAX_DELTAS];
    struct retention_gap g[4];
    struct rd_err err = {0};
    time_t t[256];
    char *s = malloc(slen + 1);
    size_t n = 0, total;

    if (s == NULL)
        return 0;
    memcpy(s, data, slen);
    s[slen] = '\0';
    if (retention_parse(s, d, &n, &err) == 0) {
        if (n < 2 || n > RETENTION_MAX_DELTAS)
            abort();
        for (size_t i = 1; i < n; i++)
            if (d[i] <= d[i - 1] || d[0] <= 0)
                abort();
    } else if (err.code != RD_CONFIG_INVALID) {
        abort();
    }
    free(s);
    if (n < 2)
        return 0;
    nt = nul != NULL ? (size - slen - 1) / 8 : 0;
    if (nt > sizeof(t) / sizeof(t[0]))
        nt = sizeof(t) / sizeof(t[0]);
    for (size_t i = 0; i < nt; i++) {
        int64_t v;

        memcpy(&v, nul + 1 + 8 * i, 8);
        /* times within +-2^40 s, and unknown ones (-1) */
        t[i] = v % 7 == 0 ? (time_t)-1 : (time_t)(v % ((int64_t)1 << 40));
    }
    total = retention_audit(t, nt, d, n, g, 4);
    for (size_t i = 0; i < total && i < 4; i++)
        if (g[i].to < g[i].from || g[i].expected_s <= 0 ||
            (i > 0 && g[i].to > g[i - 1].to))
            abort();
    return 0;
}
