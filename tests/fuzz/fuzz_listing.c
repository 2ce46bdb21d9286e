/* fuzz_listing: web server folder listings (nginx JSON autoindex, nginx and
 * Apache HTML autoindex, pages of links) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every listed name must be one a folder can hold: no '/', not "." or
 * "..", not empty, bounded. */
static void
check(const struct archive_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *n = l->items[i].name;
        size_t len = strlen(n);

        if (len == 0 || len > LISTING_NAME_MAX || strchr(n, '/') != NULL ||
            strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
            l->items[i].size < -1)
            abort();
    }
    if (l->n > LISTING_MAX_ENTRIES)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *b = (const char *)data;
    struct archive_list l;
    struct rd_err err = {0};
    char *s;

    archive_list_init(&l);
    (void)listing_parse(b, size, NULL, "fuzz", &l, &err);
    check(&l);
    archive_list_release(&l);

    archive_list_init(&l);
    (void)listing_parse_html(b, size, "fuzz", &l, &err);
    check(&l);
    archive_list_release(&l);

    archive_list_init(&l);
    (void)listing_parse_json(b, size, "fuzz", &l, &err);
    check(&l);
    archive_list_release(&l);

    s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    (void)listing_http_date(s);
    free(s);
    return 0;
}
