/* dcanas tests — shared helpers: where the shared data lives, and how tests
 * get a registry loaded with the build tree's modules. */
#ifndef DCANAS_TESTUTIL_H
#define DCANAS_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/dcanas.h>

/* The one configurable path to ../shared/data: DCANAS_DATA_DIR, set by
 * tests/Makefile (default $(top_srcdir)/../shared/data). Returns NULL when
 * absent. */
static inline const char *test_data_dir(void)
{
	const char *d = getenv("DCANAS_DATA_DIR");
	if (d && *d && access(d, R_OK) == 0)
		return d;
	return NULL;
}

/* For the tests that need the shared data: 1 when the data is absent and
 * they should be left out of the suite, which then exits 77 (automake's
 * SKIP: test_run_skipped in check_main.h), after a message; 0 when present.
 * In CI (DCANAS_REQUIRE_DATA=1) absence is never a skip: the tests run and
 * fail naming the path. */
static inline int test_skip_without_data(void)
{
	const char *req = getenv("DCANAS_REQUIRE_DATA");
	if (test_data_dir())
		return 0;
	if (req && strcmp(req, "1") == 0)
		return 0;  /* the tests themselves fail with the path */
	fprintf(stderr, "SKIP: shared data not found at DCANAS_DATA_DIR=%s; "
		"set DCANAS_DATA_DIR to the shared/data folder to run these tests\n",
		getenv("DCANAS_DATA_DIR") ? getenv("DCANAS_DATA_DIR") : "(unset)");
	return 1;
}

/* Path of a file under the data dir in buf. Only tests added after
 * test_skip_without_data() said 0 call it, so a missing file fails the
 * test (it never passes without having looked at the data). */
static inline const char *test_data_file(const char *rel, char *buf, size_t n)
{
	const char *d = test_data_dir();
	if (!d)
		ck_abort_msg("DCANAS_DATA_DIR (%s) not found, needed for %s; set it "
			     "to the shared/data folder",
			     getenv("DCANAS_DATA_DIR") ? getenv("DCANAS_DATA_DIR") : "unset",
			     rel);
	snprintf(buf, n, "%s/%s", d, rel);
	if (access(buf, R_OK) != 0)
		ck_abort_msg("data file %s missing from DCANAS_DATA_DIR", buf);
	return buf;
}

/* A registry with the build tree's modules (DCANAS_PLUGIN_PATH is set by
 * the test harness). Strict, so a broken in-tree module fails the test
 * instead of being skipped. Aborts the test on failure. */
static inline dca_registry *test_registry(void)
{
	dca_error err = { 0 };
	dca_registry *reg = dca_registry_new();
	ck_assert_ptr_nonnull(reg);
	dca_registry_set_strict(reg, 1);
	if (dca_registry_load_default(reg, &err) != 0)
		ck_abort_msg("registry: %s", err.msg);
	return reg;
}

#endif
