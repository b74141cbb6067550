/* dcanas tests — run a Check suite and turn its result into an exit code. */
#ifndef DCANAS_CHECK_MAIN_H
#define DCANAS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* automake's exit status for a skipped test */
#define TEST_EXIT_SKIP 77

/* Run s; skipped says that tests were left out of it because what they
 * need is absent (test_skip_without_data): then a run with no failure
 * exits 77, a skip, never a pass that did not test everything. */
static inline int test_run_skipped(Suite *s, int skipped)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : skipped ? TEST_EXIT_SKIP : EXIT_SUCCESS;
}

static inline int test_run(Suite *s)
{
	return test_run_skipped(s, 0);
}

#endif
