/* fuzz_s3_xml: S3 ListObjectsV2 pages and <Error> answers (expat, bounded)
 * on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "restore/source/s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct s3_page pg = {0};
    char why[200], code[64], msg[256];

    if (s3_xml_list((const char *)data, size, &pg, why, sizeof(why)) == 0) {
        /* accepted: every object has a key within S3's bound */
        for (size_t i = 0; i < pg.n; i++)
            if (pg.objs[i].key == NULL || pg.objs[i].key[0] == '\0' ||
                strlen(pg.objs[i].key) > S3_KEY_MAX)
                abort();
        if (pg.next_token != NULL && strlen(pg.next_token) > S3_TOKEN_MAX)
            abort();
    } else if (why[0] == '\0') {
        abort(); /* a refusal always says why */
    }
    s3_page_free(&pg);
    if (s3_xml_error((const char *)data, size, code, sizeof(code), msg,
                     sizeof(msg)) == 0 &&
        code[0] == '\0')
        abort();
    return 0;
}
