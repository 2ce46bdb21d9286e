/* fuzz_exec_list: an exec: list_command's lines (NAME [TAB ISO-8601]) on
 * arbitrary bytes, and the ISO-8601 reader on its own. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct archive_list l;
    struct rd_err err = {0};
    char *s;

    archive_list_init(&l);
    (void)toollist_lines((const char *)data, size, "fuzz", &l, &err);
    fuzz_check_list(&l);
    for (size_t i = 0; i < l.n; i++)
        if (memchr(l.items[i].name, '\n', strlen(l.items[i].name)) != NULL)
            abort(); /* one name per line */
    archive_list_release(&l);

    if ((s = malloc(size + 1)) == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    (void)toollist_time(s);
    free(s);
    return 0;
}
