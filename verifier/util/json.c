/* json: the jansson idioms the renderers share. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/json.h"

json_t *
jsonx_text(const char *s)
{
    json_t *j = json_string(s);
    size_t n, i = 0, o = 0;
    char *buf;

    if (j != NULL)
        return j;
    n = strlen(s);
    buf = malloc(3 * n + 1);
    if (buf == NULL)
        return NULL;
    while (i < n) {
        const unsigned char *u = (const unsigned char *)s + i;
        size_t k = u[0] < 0x80                    ? 1
                   : u[0] >= 0xc2 && u[0] <= 0xdf ? 2
                   : u[0] >= 0xe0 && u[0] <= 0xef ? 3
                   : u[0] >= 0xf0 && u[0] <= 0xf4 ? 4
                                                  : 0;
        bool ok = k > 0 && i + k <= n;

        for (size_t m = 1; ok && m < k; m++)
            ok = (u[m] & 0xc0) == 0x80;
        /* Overlong forms, surrogates, beyond U+10FFFF. */
        if (ok && k == 3)
            ok = !(u[0] == 0xe0 && u[1] < 0xa0) &&
                 !(u[0] == 0xed && u[1] >= 0xa0);
        if (ok && k == 4)
            ok = !(u[0] == 0xf0 && u[1] < 0x90) &&
                 !(u[0] == 0xf4 && u[1] >= 0x90);
        if (!ok) {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(buf + o, u, k);
        o += k;
        i += k;
    }
    buf[o] = '\0';
    j = json_string(buf);
    free(buf);
    return j;
}

json_t *
jsonx_text_or_null(const char *s)
{
    return s != NULL ? jsonx_text(s) : json_null();
}

json_t *
jsonx_real_or_null(bool has, double v)
{
    return has ? json_real(v) : json_null();
}

json_t *
jsonx_round3(double v)
{
    return json_real(round(v * 1000.0) / 1000.0);
}

char *
jsonx_rfc3339(char *buf, size_t len, time_t t)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

json_t *
jsonx_time(time_t t)
{
    char ts[32];

    return json_string(jsonx_rfc3339(ts, sizeof(ts), t));
}

char *
jsonx_dumps(const json_t *j, size_t flags)
{
    return json_dumps(j, flags | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
}
