/* fuzz_pattern: pattern + name (split at the first NUL or newline). */
#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier/util/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of ${len} bytes (cut at an inner NUL). */
static char *
dup_bytes(const uint8_t *p, size_t len)
{
    char *s = malloc(len + 1);

    if (s == NULL)
        abort();
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/*
 * True when ${pat} uses only literals, '*' and '?', so fnmatch(3) must
 * agree, with few enough stars that fnmatch's backtracking stays quick.
 */
static bool
plain_glob(const char *pat)
{
    size_t stars = 0;
    const char *p;

    for (p = pat; *p != '\0'; p++)
        stars += *p == '*';
    return stars <= 6 && strpbrk(pat, "%[\\") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cut = 0;
    char *pat, *name, err[256];
    time_t ts = 12345;
    bool m;

    while (cut < size && data[cut] != '\0' && data[cut] != '\n')
        cut++;
    pat = dup_bytes(data, cut);
    name = dup_bytes(data + (cut < size ? cut + 1 : cut),
                     cut < size ? size - cut - 1 : 0);

    err[0] = '\0';
    if (pattern_check(pat, err, sizeof(err)) == -1) {
        if (err[0] == '\0')
            abort();
        /* An invalid pattern never matches. */
        if (pattern_match(pat, name, &ts) || ts != (time_t)-1)
            abort();
        goto done;
    }
    m = pattern_match(pat, name, &ts);
    if (!m && ts != (time_t)-1)
        abort();
    if (m && !pattern_has_time(pat) && ts != (time_t)-1)
        abort();
    if (pattern_match(pat, name, NULL) != m)
        abort();
    /* Plain globs: the same answer as fnmatch(3) on short inputs. */
    if (plain_glob(pat) && strlen(pat) <= 64 && strlen(name) <= 64 &&
        m != (fnmatch(pat, name, 0) == 0))
        abort();
    /* A name without special characters, as a pattern, matches itself. */
    if (strlen(name) <= 4096 && strpbrk(name, "*?%") == NULL &&
        !pattern_match(name, name, NULL))
        abort();

done:
    free(pat);
    free(name);
    return 0;
}
