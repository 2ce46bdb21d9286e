/* testutil: small file helpers shared by the unit tests (they assert on
 * failure). */
#ifndef RD_TESTUTIL_H
#define RD_TESTUTIL_H

/* testutil_slurp(path): the whole content of ${path}, NUL-terminated (free()).
 */
char *testutil_slurp(const char *path);

/* testutil_put(path, text): write ${text} to ${path} as is (truncating). */
void testutil_put(const char *path, const char *text);

#endif
