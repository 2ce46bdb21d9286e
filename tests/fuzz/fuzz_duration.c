/* fuzz_duration: parsers on arbitrary text, formatters on arbitrary values. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/util/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when ${s} is digits followed by exactly one of ${units}. */
static int
is_digits_unit(const char *s, const char *units)
{
    size_t d = strspn(s, "0123456789");

    return d > 0 && s[d] != '\0' && s[d + 1] == '\0' &&
           strchr(units, s[d]) != NULL;
}

/* parse(format(v)) == v for every non-negative v. */
static void
round_trip(int64_t v)
{
    char buf[32];
    int64_t back = -1;

    duration_format(v, buf, sizeof(buf));
    if (v >= 0) {
        if (duration_parse(buf, &back) != 0 || back != v)
            abort();
    } else if (buf[0] != '-') {
        abort();
    }
    duration_human(v, buf, sizeof(buf));
    if (buf[0] == '\0' || (v < 0) != (buf[0] == '-'))
        abort();
    size_human(v, buf, sizeof(buf));
    if (buf[0] == '\0' || (v < 0) != (buf[0] == '-'))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64], small[4];
    int64_t v = -7, x = 0;

    /* The text, as a string. */
    if (size < sizeof(s)) {
        memcpy(s, data, size);
        s[size] = '\0';
        if (duration_parse(s, &v) == 0) {
            if (v < 0 || !is_digits_unit(s, "smhd"))
                abort();
            round_trip(v);
        } else if (v != -7) {
            abort();
        }
        v = -7;
        if (size_parse(s, &v) == 0) {
            if (v < 0 || strspn(s, "0123456789") == 0)
                abort();
            round_trip(v);
        } else if (v != -7) {
            abort();
        }
    }
    /* The first 8 bytes, as a value. */
    if (size >= sizeof(x)) {
        memcpy(&x, data, sizeof(x));
        round_trip(x);
        /* Tiny buffers: truncated, terminated, never overrun. */
        duration_format(x, small, sizeof(small));
        duration_human(x, small, sizeof(small));
        size_human(x, small, sizeof(small));
        if (strlen(small) >= sizeof(small))
            abort();
    }
    return 0;
}
