/* fuzz_restic_list: `restic snapshots --json` output on arbitrary bytes,
 * with and without the tag/host/path filters. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct restic_filter none = {NULL, NULL, NULL};
    const struct restic_filter all = {"pg", "ci", "/src/pg/app.dump"};
    struct archive_list l;
    struct rd_err err = {0};

    for (int i = 0; i < 2; i++) {
        archive_list_init(&l);
        (void)toollist_restic((const char *)data, size, i ? &all : &none,
                              "fuzz", &l, &err);
        fuzz_check_list(&l);
        archive_list_release(&l);
    }
    return 0;
}
