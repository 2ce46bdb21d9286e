/* fuzz_borg_list: `borg list --json` output on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct archive_list l;
    struct rd_err err = {0};

    archive_list_init(&l);
    (void)toollist_borg((const char *)data, size, "fuzz", &l, &err);
    fuzz_check_list(&l);
    archive_list_release(&l);
    return 0;
}
