/* fuzz_list: the invariants of an archive_list a listing parser filled,
 * shared by the backup-tool listing targets (header-only). */
#ifndef RD_FUZZ_LIST_H
#define RD_FUZZ_LIST_H

#include <stdlib.h>
#include <string.h>

#include "restore/source/toollist.h"

/* Every name non-empty and bounded, at most the entry limit, sizes sane. */
static inline void
fuzz_check_list(const struct archive_list *l)
{
    if (l->n > TOOLLIST_MAX_ENTRIES)
        abort();
    for (size_t i = 0; i < l->n; i++) {
        size_t len = strlen(l->items[i].name);

        if (len == 0 || len > TOOLLIST_NAME_MAX || l->items[i].size < -1)
            abort();
    }
}

#endif
