/* fuzz_http_url: the URL checker and ping_url's path append on arbitrary
 * text (no request is ever sent). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verifier/util/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const segs[] = {"start", "0", "3"};
    char *url = malloc(size + 1), why[160];
    int rc;

    if (url == NULL)
        abort();
    memcpy(url, data, size);
    url[size] = '\0'; /* an inner NUL ends the string early: fine */
    memset(why, 0, sizeof(why));
    rc = http_url_check(url, why, sizeof(why));
    if (rc != 0) {
        /* Refused: says why, in one bounded line. */
        if (rc != -1 || why[0] == '\0' || strlen(why) >= sizeof(why))
            abort();
        free(url);
        return 0;
    }
    if (strncasecmp(url, "http://", 7) != 0 &&
        strncasecmp(url, "https://", 8) != 0)
        abort();
    /* A URL the checker takes is one ping_url can extend, and the result
     * passes the checker too, with the segment in it. */
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
        char *ext = http_url_append(url, segs[i]);
        char want[8];

        if (ext == NULL)
            abort();
        snprintf(want, sizeof(want), "/%s", segs[i]);
        if (http_url_check(ext, why, sizeof(why)) != 0 ||
            strstr(ext, want) == NULL)
            abort();
        free(ext);
    }
    free(url);
    return 0;
}
