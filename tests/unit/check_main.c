/* check_main: runs every Check suite (the list is generated from
 * tests/unit/test_*.c). */
#include <stdlib.h>

#include <check.h>

#define SUITE(m) Suite *m##_suite(void);
#include "suites.h"
#undef SUITE

int
main(void)
{
    SRunner *sr = srunner_create(NULL);
    int failed;

#define SUITE(m) srunner_add_suite(sr, m##_suite());
#include "suites.h"
#undef SUITE

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
