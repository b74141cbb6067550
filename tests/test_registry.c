/* The plugin registry: loading, listing, and every load error. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

static const char *load_err(const char *module)
{
	static dca_error err;
	char path[1024];
	dca_registry *reg = dca_registry_new();

	dca_error_clear(&err);
	snprintf(path, sizeof path, "%s/%s", getenv("DCANAS_TEST_MODULES"), module);
	ck_assert_int_ne(dca_registry_load_file(reg, path, &err), 0);
	ck_assert_msg(strstr(err.msg, path) != NULL, "message names the file: %s", err.msg);
	dca_registry_free(reg);
	return err.msg;
}

START_TEST(loads_build_tree_modules)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	const char *want[] = { "nb201", "darts" };
	size_t i;

	for (i = 0; i < 2; i++)
		ck_assert_msg(dca_registry_space(reg, want[i], &err) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "params", &err));
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "peak_memory", &err));
	ck_assert_ptr_nonnull(dca_registry_device(reg, "raspi4", &err));
	ck_assert_ptr_null(dca_registry_space(reg, "nope", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown space 'nope'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "nb201"));
	for (i = 0; i < dca_registry_count(reg); i++) {
		const dca_registry_entry *e = dca_registry_get(reg, i);
		ck_assert_ptr_nonnull(e->file);
		ck_assert_ptr_nonnull(e->version);
	}
	dca_registry_free(reg);
}
END_TEST

START_TEST(wrong_abi)
{
	const char *m = load_err("bad_abi.la");
	ck_assert_msg(strstr(m, "ABI 2.0") && strstr(m, "ABI 1.0"), "%s", m);
}
END_TEST

START_TEST(no_entry_symbol)
{
	const char *m = load_err("no_entry.la");
	ck_assert_msg(strstr(m, "dca_module_entry") != NULL, "%s", m);
}
END_TEST

START_TEST(null_descriptor)
{
	const char *m = load_err("null_info.la");
	ck_assert_msg(strstr(m, "returned NULL") != NULL, "%s", m);
}
END_TEST

START_TEST(unresolved_symbol)
{
	const char *m = load_err("unresolved.la");
	ck_assert_msg(strstr(m, "undefined symbol: dca_function_that_does_not_exist") != NULL, "%s", m);
}
END_TEST

START_TEST(not_a_module)
{
	char path[1024];
	FILE *f;
	dca_error err = { 0 };
	dca_registry *reg = dca_registry_new();

	snprintf(path, sizeof path, "/tmp/dcanas-test-%ld.so", (long)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an ELF file\n", f);
	fclose(f);
	ck_assert_int_eq(dca_registry_load_file(reg, path, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "cannot load"), "%s", err.msg);
	unlink(path);
	dca_registry_free(reg);
}
END_TEST

START_TEST(duplicate_name)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	char path[1024];
	const dca_registry_entry *orig = NULL;
	size_t i;

	for (i = 0; i < dca_registry_count(reg); i++)
		if (strcmp(dca_registry_get(reg, i)->name, "nb201") == 0)
			orig = dca_registry_get(reg, i);
	ck_assert_ptr_nonnull(orig);
	snprintf(path, sizeof path, "%s/dup_space.la", getenv("DCANAS_TEST_MODULES"));
	ck_assert_int_eq(dca_registry_load_file(reg, path, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, orig->file) &&
		      strstr(err.msg, "'nb201'"), "%s", err.msg);
	dca_registry_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, loads_build_tree_modules);
	tcase_add_test(tc, wrong_abi);
	tcase_add_test(tc, no_entry_symbol);
	tcase_add_test(tc, null_descriptor);
	tcase_add_test(tc, unresolved_symbol);
	tcase_add_test(tc, not_a_module);
	tcase_add_test(tc, duplicate_name);
	suite_add_tcase(s, tc);
	return test_run(s);
}
