/* fuzz_tarsnap_list: `tarsnap --list-archives -v` output on arbitrary
 * bytes, as NUL-separated (--null-output) and as tab/newline lines. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct archive_list l;
    struct rd_err err = {0};

    for (int nul = 0; nul < 2; nul++) {
        archive_list_init(&l);
        (void)toollist_tarsnap((const char *)data, size, nul != 0, "fuzz", &l,
                               &err);
        fuzz_check_list(&l);
        archive_list_release(&l);
    }
    return 0;
}
