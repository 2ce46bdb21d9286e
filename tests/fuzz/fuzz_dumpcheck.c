/* fuzz_dumpcheck: the end-of-archive walker on arbitrary bytes: no crash,
 * the same verdict and message whatever the chunking, a reason for every
 * "truncated". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/dumpcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
walk(const uint8_t *data, size_t size, size_t chunk, char *msg, size_t len)
{
    struct dumpcheck *c = dumpcheck_new();
    int rc;

    if (c == NULL)
        abort();
    for (size_t pos = 0; pos < size; pos += chunk)
        dumpcheck_feed(c, data + pos, size - pos < chunk ? size - pos : chunk);
    msg[0] = '\0';
    rc = dumpcheck_end(c, msg, len);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 &&
        (strncmp(msg, "it ends ", 8) != 0 || dumpcheck_kind(c) == NULL))
        abort();
    dumpcheck_free(c);
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char m1[512], m2[512];
    size_t chunk;

    if (size == 0)
        return 0;
    /* The first byte picks the chunk size: 1..256. */
    chunk = (size_t)data[0] + 1;
    data++;
    size--;
    if (walk(data, size, chunk, m1, sizeof(m1)) !=
            walk(data, size, size + 1, m2, sizeof(m2)) ||
        strcmp(m1, m2) != 0)
        abort();
    return 0;
}
