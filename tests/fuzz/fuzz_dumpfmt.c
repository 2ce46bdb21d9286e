/* fuzz_dumpfmt: magic-byte sniffing and custom-format headers on arbitrary
 * bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/decode/dumpfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ${s} is NUL-terminated inside its ${cap} bytes and has no control bytes. */
static void
check_field(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);

    if (n == cap)
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            abort();
}

static int
parse(const uint8_t *data, size_t size, struct dump_header *h)
{
    char err[256];
    int rc;

    err[0] = '\0';
    rc = dumpfmt_parse_custom(data, size, h, err, sizeof(err));
    if (rc != 0 && rc != 1 && rc != -1)
        abort();
    /* Every failure says why. */
    if (rc == -1 && err[0] == '\0')
        abort();
    check_field(h->dbname, sizeof(h->dbname));
    check_field(h->server_version, sizeof(h->server_version));
    check_field(h->pgdump_version, sizeof(h->pgdump_version));
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dump_header h, p;
    enum dump_kind k = dumpfmt_sniff(data, size);
    size_t cuts[5];
    int rc;

    if ((int)k < DUMP_UNKNOWN || (k > DUMP_LZ4 && k != DUMP_MYSQL))
        abort();
    {
        struct mysql_head mh;

        dumpfmt_mysql_head(data, size, &mh);
        check_field(mh.server_version, sizeof(mh.server_version));
    }
    if (strcmp(dumpfmt_kind_name(k), "unknown") == 0 && k != DUMP_UNKNOWN)
        abort();
    /* Only the first DUMPFMT_SNIFF_BYTES count. */
    if (size > DUMPFMT_SNIFF_BYTES &&
        dumpfmt_sniff(data, DUMPFMT_SNIFF_BYTES) != k)
        abort();

    rc = parse(data, size, &h);
    /* A parsed header has a version, and the magic the sniffer knows. */
    if (rc == 0 && h.vmaj == 0)
        abort();
    if (rc == 0 && k != DUMP_CUSTOM)
        abort();
    /* A version newer than we know is well formed whatever follows. */
    if (size >= 8 && k == DUMP_CUSTOM &&
        (data[5] > 1 || (data[5] == 1 && data[6] > DUMPFMT_NEWEST_MINOR)) &&
        rc != 0)
        abort();
    if (rc != 0 || h.vmaj != 1)
        return 0;

    /* Every prefix of a whole 1.x header is "too short" or whole, never
     * invalid, and tells the same version once it holds it. */
    cuts[0] = 5;
    cuts[1] = 8;
    cuts[2] = 11;
    cuts[3] = size / 2;
    cuts[4] = size - 1;
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        uint8_t *copy;
        int prc;

        if (cuts[i] >= size || cuts[i] < 5)
            continue;
        /* Exact-size copy, so an over-read is caught. */
        copy = malloc(cuts[i] > 0 ? cuts[i] : 1);
        if (copy == NULL)
            abort();
        memcpy(copy, data, cuts[i]);
        prc = parse(copy, cuts[i], &p);
        free(copy);
        if (prc == -1)
            abort();
        if (cuts[i] >= 8 && (p.vmaj != h.vmaj || p.vmin != h.vmin))
            abort();
    }
    return 0;
}
