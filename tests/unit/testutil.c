/* testutil: small file helpers shared by the unit tests (they assert on
 * failure). */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "testutil.h"

char *
testutil_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s = NULL;
    size_t len = 0;
    FILE *m;
    int c;

    ck_assert_ptr_nonnull(f);
    m = open_memstream(&s, &len);
    ck_assert_ptr_nonnull(m);
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    return s;
}

void
testutil_put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}
