/* fuzz_sidecar: sha256 sidecar files (sha256sum format) on arbitrary bytes. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"app.dump", "a", ""};
    char hex[65], why[300];

    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (sidecar_parse((const char *)data, size, names[k], hex, why,
                          sizeof(why)) != 0)
            continue;
        /* accepted: 64 lowercase hex digits, and the name is in the text */
        if (strlen(hex) != 64 || size < 66 + strlen(names[k]) ||
            names[k][0] == '\0')
            abort();
        for (int i = 0; i < 64; i++)
            if (!isxdigit((unsigned char)hex[i]) ||
                isupper((unsigned char)hex[i]))
                abort();
    }
    return 0;
}
