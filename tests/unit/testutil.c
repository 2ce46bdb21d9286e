/* testutil: small file helpers shared by the unit tests (they assert on
 * failure). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "verifier/util/fsutil.h"

#include "testutil.h"

char testutil_tmpdir[PATH_MAX + 16];
static char basedir[PATH_MAX];

static void
base_setup(void)
{
    snprintf(basedir, sizeof(basedir), "%s/rd-unit.XXXXXX", fs_tmpdir_base());
    if (mkdtemp(basedir) == NULL)
        abort();
}

static void
base_teardown(void)
{
    if (fs_rm_rf(basedir) != 0)
        abort();
}

static void
dir_setup(void)
{
    snprintf(testutil_tmpdir, PATH_MAX + 16, "%s/t.XXXXXX", basedir);
    ck_assert_ptr_nonnull(mkdtemp(testutil_tmpdir));
}

static void
dir_teardown(void)
{
    ck_assert_int_eq(fs_rm_rf(testutil_tmpdir), 0);
}

void
testutil_dirs(TCase *tc)
{
    tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
}

int
testutil_count(const char *s, const char *needle)
{
    int n = 0;

    for (; (s = strstr(s, needle)) != NULL; s += strlen(needle))
        n++;
    return n;
}

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
