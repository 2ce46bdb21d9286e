/* testutil: small file helpers shared by the unit tests (they assert on
 * failure). */
#ifndef RD_TESTUTIL_H
#define RD_TESTUTIL_H

#include <check.h>

/* testutil_slurp(path): the whole content of ${path}, NUL-terminated (free()).
 */
char *testutil_slurp(const char *path);

/* testutil_put(path, text): write ${text} to ${path} as is (truncating). */
void testutil_put(const char *path, const char *text);

/* testutil_count(s, needle): occurrences of ${needle} in ${s}. */
int testutil_count(const char *s, const char *needle);

/*
 * testutil_tmpdir: the running test's private, empty dir.  testutil_dirs(tc)
 * gives each test of ${tc} one: a base dir per test case, made and removed
 * in the runner process (an unchecked fixture, so a failed test's files go
 * too), and a fresh dir inside it per test (a checked fixture).  A file's
 * own checked fixtures added after it run with the dir already there.
 */
extern char testutil_tmpdir[];
void testutil_dirs(TCase *tc);

#endif
