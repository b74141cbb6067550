/* dcanas tests — run a Check suite and turn its result into an exit code. */
#ifndef DCANAS_CHECK_MAIN_H
#define DCANAS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
