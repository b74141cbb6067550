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
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "not a shared object"),
		      "%s", err.msg);
	/* ldd cannot help with a text file */
	ck_assert_msg(strstr(err.msg, "ldd") == NULL, "%s", err.msg);
	unlink(path);
	dca_registry_free(reg);
}
END_TEST

/* The register function's own message gains the file, and what the module
 * registered before failing is dropped. */
START_TEST(register_fails)
{
	dca_error err = { 0 };
	char path[1024];
	dca_registry *reg = dca_registry_new();
	const char *m = load_err("regfail.la");

	snprintf(path, sizeof path, "%s/regfail.la", getenv("DCANAS_TEST_MODULES"));
	ck_assert_msg(strstr(m, "module 'regfail' failed to register: refusing on purpose"),
		      "%s", m);
	ck_assert_int_ne(dca_registry_load_file(reg, path, &err), 0);
	ck_assert_uint_eq(dca_registry_count(reg), 0);
	ck_assert_ptr_null(dca_registry_constraint(reg, "regfail_half", NULL));
	dca_registry_free(reg);
}
END_TEST

START_TEST(no_register_function)
{
	const char *m = load_err("no_register.la");
	ck_assert_msg(strstr(m, "'no_register' has no register function"), "%s", m);
	ck_assert_msg(strstr(m, "struct") == NULL, "%s", m);
}
END_TEST

/* The test modules folder holds one module per load error: loading it skips
 * each with a warning naming its file, and the good modules stay usable. */
static const char *const broken[] = {
	"bad_abi.la", "dup_space.la", "no_entry.la", "no_register.la",
	"null_info.la", "regfail.la", "unresolved.la",
};
#define N_BROKEN (sizeof broken / sizeof broken[0])

START_TEST(folder_skips_broken_modules)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	char log_text[16384];
	FILE *log = tmpfile();
	size_t i, j, len;

	ck_assert_ptr_nonnull(log);
	dca_registry_set_strict(reg, 0);
	dca_registry_set_log(reg, log);
	ck_assert_int_eq(dca_registry_load_dir(reg, getenv("DCANAS_TEST_MODULES"), &err), 0);
	ck_assert_int_eq(err.code, 0);
	rewind(log);
	len = fread(log_text, 1, sizeof log_text - 1, log);
	log_text[len] = '\0';
	fclose(log);
	for (i = 0; i < N_BROKEN; i++) {
		int found = 0;
		for (j = 0; j < dca_registry_skipped_count(reg); j++) {
			const dca_registry_skip *sk = dca_registry_skipped(reg, j);
			if (strstr(sk->file, broken[i])) {
				found = 1;
				ck_assert_msg(strstr(sk->reason, sk->file), "%s", sk->reason);
			}
		}
		ck_assert_msg(found, "%s not recorded as skipped", broken[i]);
		ck_assert_msg(strstr(log_text, broken[i]), "no warning for %s:\n%s",
			      broken[i], log_text);
	}
	ck_assert_ptr_nonnull(strstr(log_text, "dcanas: warning: skipping module: "));
	/* what loaded before is intact, nb201 is still the real one */
	ck_assert_ptr_nonnull(dca_registry_space(reg, "nb201", &err));
	ck_assert_ptr_nonnull(dca_registry_space(reg, "nb201", &err)->build_model);
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "params", &err));
	ck_assert_ptr_null(dca_registry_constraint(reg, "regfail_half", NULL));
	dca_registry_free(reg);
}
END_TEST

START_TEST(strict_folder_fails)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };

	ck_assert_int_eq(dca_registry_strict(reg), 1);
	ck_assert_int_eq(dca_registry_load_dir(reg, getenv("DCANAS_TEST_MODULES"), &err),
			 DCA_ERR_PLUGIN);
	/* the first broken module in name order */
	ck_assert_msg(strstr(err.msg, "bad_abi.la"), "%s", err.msg);
	ck_assert_uint_eq(dca_registry_skipped_count(reg), 0);
	dca_registry_free(reg);
}
END_TEST

static int strict_with_env(const char *value)
{
	dca_registry *reg;
	int strict;

	if (value)
		setenv("DCANAS_STRICT_PLUGINS", value, 1);
	else
		unsetenv("DCANAS_STRICT_PLUGINS");
	reg = dca_registry_new();
	strict = dca_registry_strict(reg);
	dca_registry_free(reg);
	return strict;
}

START_TEST(strict_from_environment)
{
	ck_assert_int_eq(strict_with_env("1"), 1);
	ck_assert_int_eq(strict_with_env("yes"), 1);
	ck_assert_int_eq(strict_with_env("0"), 0);
	ck_assert_int_eq(strict_with_env(""), 0);
	ck_assert_int_eq(strict_with_env(NULL), 0);
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
	/* the first one stays */
	ck_assert_ptr_nonnull(dca_registry_space(reg, "nb201", &err));
	ck_assert_str_ne(dca_registry_space(reg, "nb201", &err)->summary, "duplicate");
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
	tcase_add_test(tc, register_fails);
	tcase_add_test(tc, no_register_function);
	tcase_add_test(tc, folder_skips_broken_modules);
	tcase_add_test(tc, strict_folder_fails);
	tcase_add_test(tc, strict_from_environment);
	suite_add_tcase(s, tc);
	return test_run(s);
}
