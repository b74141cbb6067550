/* Experiment configs: validation, units, positions of errors. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

static dca_registry *reg;

static void setup(void) { reg = test_registry(); }
static void teardown(void) { dca_registry_free(reg); }

static const char *bad(const char *text)
{
	static dca_error err;
	dca_experiment e;
	dca_error_clear(&err);
	ck_assert_int_ne(dca_experiment_parse(&e, text, "exp.json", reg, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "exp.json"));
	return err.msg;
}

START_TEST(good_config)
{
	dca_experiment e;
	dca_error err = { 0 };
	const char *text =
		"{\"space\": {\"name\": \"nb201\", \"width\": 16, \"cells\": 5},\n"
		" \"optimizer\": {\"name\": \"dcanas\", \"epochs\": 10, \"seed\": 7},\n"
		" \"data\": {\"dataset\": \"cifar10\", \"path\": \"/tmp/x\"},\n"
		" \"device\": \"raspi4\",\n"
		" \"constraints\": [{\"name\": \"params\", \"max\": \"3.5M\"},\n"
		"   {\"name\": \"flops\", \"max\": \"600M\"},\n"
		"   {\"name\": \"latency\", \"max\": \"20ms\"},\n"
		"   {\"name\": \"peak_memory\", \"max\": \"256KiB\"}]}";
	ck_assert_msg(dca_experiment_parse(&e, text, "exp.json", reg, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(e.space, "nb201");
	ck_assert_int_eq(e.shape.in_h, 32);
	ck_assert_int_eq(e.shape.classes, 10);
	ck_assert_int_eq(e.epochs, 10);
	ck_assert_int_eq(e.seed, 7);
	ck_assert_int_eq(e.n_budgets, 4);
	ck_assert_double_eq(e.budgets[0].max, 3.5e6);
	ck_assert_double_eq(e.budgets[1].max, 600e6);
	ck_assert_double_eq(e.budgets[2].max, 20);
	ck_assert_double_eq(e.budgets[3].max, 262144);
	ck_assert_str_eq(e.device, "raspi4");

	/* the resolved form (a run's config.json) reads back to the same */
	{
		json_t *j = dca_experiment_to_json(&e);
		char *dump = json_dumps(j, JSON_INDENT(2));
		dca_experiment e2;

		ck_assert_msg(dca_experiment_parse(&e2, dump, "config.json", reg, &err) == 0,
			      "%s", err.msg);
		ck_assert_str_eq(e2.space, e.space);
		ck_assert_int_eq(e2.epochs, e.epochs);
		ck_assert_int_eq(e2.seed, e.seed);
		ck_assert_int_eq(e2.n_budgets, 4);
		ck_assert_double_eq(e2.budgets[3].max, e.budgets[3].max);
		ck_assert_double_eq(e2.arch_lr, e.arch_lr);
		ck_assert_int_eq(e2.shape.width, e.shape.width);
		free(dump);
		json_decref(j);
	}
}
END_TEST

START_TEST(unknown_key_with_position)
{
	const char *m = bad("{\"space\": \"nb201\",\n  \"constraints\": [\n"
			    "    {\"name\": \"params\", \"maximum\": \"3M\"}]}");
	ck_assert_msg(strstr(m, "exp.json:3:24") != NULL, "%s", m);
	ck_assert_ptr_nonnull(strstr(m, "constraints[0].maximum"));
	ck_assert_ptr_nonnull(strstr(m, "unknown key"));
}
END_TEST

START_TEST(bad_unit_with_position)
{
	const char *m = bad("{\"space\": \"nb201\",\n \"constraints\": [\n"
			    "  {\"name\": \"params\", \"max\": \"1M\"},\n"
			    "  {\"name\": \"flops\", \"max\": \"3,5M\"}]}");
	ck_assert_msg(strstr(m, "exp.json:4:21: constraints[1].max") != NULL, "%s", m);
	ck_assert_ptr_nonnull(strstr(m, "'3,5M'"));
}
END_TEST

START_TEST(other_errors)
{
	const char *m;
	m = bad("{\"space\": \"nb201\", \"constraints\": [{\"name\": \"latency\", \"max\": \"5ms\"}]}");
	ck_assert_ptr_nonnull(strstr(m, "needs a \"device\""));
	m = bad("{\"space\": \"nb201\", \"device\": \"raspi4\", \"constraints\": [{\"name\": \"latency\", \"max\": 5}]}");
	ck_assert_ptr_nonnull(strstr(m, "needs a unit"));
	m = bad("{\"space\": \"nope\"}");
	ck_assert_ptr_nonnull(strstr(m, "unknown space 'nope'"));
	m = bad("{\"space\": \"nb201\", \"constraints\": [{\"name\": \"karma\", \"max\": \"1\"}]}");
	ck_assert_ptr_nonnull(strstr(m, "unknown constraint 'karma'"));
	m = bad("{\"space\": \"nb201\", \"device\": \"toaster\"}");
	ck_assert_ptr_nonnull(strstr(m, "unknown device 'toaster'"));
	m = bad("{\"space\": \"nb201\", \"optimizer\": {\"name\": \"dcanas\", \"epochs\": \"ten\"}}");
	ck_assert_ptr_nonnull(strstr(m, "optimizer.epochs"));
	m = bad("{\"space\": \"nb201\",\n \"constraints\": [}");
	ck_assert_ptr_nonnull(strstr(m, "exp.json:2:"));
	ck_assert_ptr_nonnull(strstr(m, "invalid JSON"));
	m = bad("{\"constraints\": []}");
	ck_assert_ptr_nonnull(strstr(m, "space"));
	m = bad("{\"space\": \"nb201\", \"space\": \"darts\"}");
	ck_assert_ptr_nonnull(strstr(m, "duplicate"));
	m = bad("{\"space\": \"nb201\", \"constraints\": [{\"name\": \"params\", \"max\": \"1M\"}, {\"name\": \"params\", \"max\": \"2M\"}]}");
	ck_assert_ptr_nonnull(strstr(m, "twice"));
	m = bad("{\"space\": \"nb201\", \"data\": {\"dataset\": \"imagenet\"}}");
	ck_assert_ptr_nonnull(strstr(m, "data.dataset"));
}
END_TEST

START_TEST(missing_file)
{
	dca_experiment e;
	dca_error err = { 0 };
	ck_assert_int_eq(dca_experiment_load(&e, "/nonexistent/exp.json", reg, &err), DCA_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/exp.json"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("experiment");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_config);
	tcase_add_test(tc, unknown_key_with_position);
	tcase_add_test(tc, bad_unit_with_position);
	tcase_add_test(tc, other_errors);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	return test_run(s);
}
