/* archive_info: the select/fetch/decode stages' result. */
#include <string.h>

#include "restore/source/archive_info.h"

void
archive_info_init(struct archive_info *ai)
{
    memset(ai, 0, sizeof(*ai));
    ai->created_at = (time_t)-1;
    ai->size_bytes = -1;
}
