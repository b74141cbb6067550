/* Experiment configs: validation, units, positions of errors. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

#include <dirent.h>

#include <dcanas/search.h>

static dca_registry *reg;

static void setup(void) { reg = test_registry(); }
static void teardown(void) { dca_registry_free(reg); }

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

/* the parse resolves every name once; the shape follows the dataset kind */
START_TEST(resolved_plugins_and_shape)
{
	dca_experiment e;
	dca_error err = { 0 };
	const char *text =
		"{\"space\": {\"name\": \"nb201\", \"width\": 8},\n"
		" \"optimizer\": \"random\",\n"
		" \"data\": {\"dataset\": \"digits8x8\", \"path\": \"/nowhere\"},\n"
		" \"device\": \"raspi4\",\n"
		" \"constraints\": [{\"name\": \"latency\", \"max\": \"20ms\"}]}";

	ck_assert_msg(dca_experiment_parse(&e, text, "exp.json", reg, &err) == 0, "%s", err.msg);
	ck_assert_ptr_eq(e.resolved.space, dca_registry_space(reg, "nb201", NULL));
	ck_assert_ptr_eq(e.resolved.optimizer, dca_registry_optimizer(reg, "random", NULL));
	ck_assert_ptr_eq(e.resolved.device, dca_registry_device(reg, "raspi4", NULL));
	ck_assert_ptr_eq(e.budgets[0].constraint, dca_registry_constraint(reg, "latency", NULL));
	/* digits8x8 images, not the space's 3x32x32 */
	ck_assert_int_eq(e.shape.in_c, 1);
	ck_assert_int_eq(e.shape.in_h, 8);
	ck_assert_int_eq(e.shape.in_w, 8);
	ck_assert_int_eq(e.shape.classes, 10);
	ck_assert_int_eq(e.shape.width, 8);
	ck_assert_int_eq(e.shape.cells, 5);   /* the space's */
	ck_assert_int_eq(e.input_given, 0);

	/* given explicitly, the input stays; the default optimizer resolves too */
	ck_assert_msg(dca_experiment_parse(&e, "{\"space\": {\"name\": \"nb201\", "
		      "\"input\": [3, 16, 16], \"classes\": 7}, \"data\": {\"dataset\": "
		      "\"cifar100\"}}", "exp.json", reg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(e.shape.in_h, 16);
	ck_assert_int_eq(e.shape.classes, 7);
	ck_assert_ptr_eq(e.resolved.optimizer, dca_registry_optimizer(reg, "dcanas", NULL));
	/* no device named or needed: the default, host, resolved quietly */
	ck_assert_str_eq(e.device, "host");
	ck_assert_ptr_eq(e.resolved.device, dca_registry_device(reg, "host", NULL));

	/* without a registry: names only */
	ck_assert_msg(dca_experiment_parse(&e, text, "exp.json", NULL, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(e.resolved.space);
	ck_assert_ptr_null(e.resolved.optimizer);
	ck_assert_ptr_null(e.resolved.device);
	ck_assert_str_eq(e.optimizer, "random");
}
END_TEST

/* ---- overrides (command-line flags) merged before the one parse ---- */

static dca_experiment_overrides *overrides(void)
{
	dca_experiment_overrides *ov = dca_experiment_overrides_new();
	ck_assert_ptr_nonnull(ov);
	return ov;
}

#define OV(call) do { dca_error e_ = { 0 }; \
	ck_assert_msg((call) == 0, "%s", e_.msg); } while (0)

START_TEST(overrides_merged)
{
	const char *text =
		"{\"space\": \"nb201\",\n"
		" \"optimizer\": {\"name\": \"dcanas\", \"epochs\": 10, \"seed\": 7},\n"
		" \"constraints\": [{\"name\": \"params\", \"max\": \"1M\", "
		"\"max_value\": 1000000, \"unit\": \"count\"},\n"
		"   {\"name\": \"latency\", \"max\": \"20ms\"}]}";
	dca_experiment_overrides *ov = overrides();
	dca_experiment e;
	dca_error err = { 0 };

	/* without the overrides the latency budget has no device */
	ck_assert_int_ne(dca_experiment_parse(&e, text, "exp.json", reg, &err), 0);
	dca_error_clear(&err);
	OV(dca_experiment_override(ov, "space.width", "8", "--width", &e_));
	OV(dca_experiment_override(ov, "optimizer.epochs", "3", "--epochs", &e_));
	OV(dca_experiment_override(ov, "optimizer.lr", "0.5", "--lr", &e_));
	OV(dca_experiment_override(ov, "optimizer.seed", "-4", "--seed", &e_));
	OV(dca_experiment_override(ov, "space.auxiliary", "true", NULL, &e_));
	OV(dca_experiment_override(ov, "device", "toaster", "--device", &e_));
	OV(dca_experiment_override(ov, "device", "raspi4", "--device", &e_));  /* the later wins */
	OV(dca_experiment_override_budget(ov, "params=2M", "--budget", &e_));
	OV(dca_experiment_override_budget(ov, "flops=600M", "--budget", &e_));
	OV(dca_experiment_override_data(ov, "digits8x8:/no/where", "--data", &e_));
	ck_assert_msg(dca_experiment_parse_with_overrides(&e, text, "exp.json", ov, reg,
							  &err) == 0, "%s", err.msg);
	ck_assert_int_eq(e.shape.width, 8);
	ck_assert_int_eq(e.shape.auxiliary, 1);
	ck_assert_int_eq(e.shape.in_h, 8);          /* digits8x8 */
	ck_assert_str_eq(e.optimizer, "dcanas");    /* the file's, kept */
	ck_assert_int_eq(e.epochs, 3);
	ck_assert_double_eq(e.lr, 0.5);
	ck_assert_int_eq(e.seed, -4);
	ck_assert_str_eq(e.device, "raspi4");
	ck_assert_ptr_eq(e.resolved.device, dca_registry_device(reg, "raspi4", NULL));
	ck_assert_str_eq(e.dataset, "digits8x8");
	ck_assert_str_eq(e.data_path, "/no/where");
	ck_assert_int_eq(e.n_budgets, 3);           /* params replaced, flops added */
	ck_assert_str_eq(e.budgets[0].name, "params");
	ck_assert_double_eq(e.budgets[0].max, 2e6);
	ck_assert_str_eq(e.budgets[0].text, "2M");
	ck_assert_double_eq(e.budgets[1].max, 20);
	ck_assert_str_eq(e.budgets[2].name, "flops");
	ck_assert_double_eq(e.budgets[2].max, 600e6);
	ck_assert_ptr_eq(e.budgets[2].constraint, dca_registry_constraint(reg, "flops", NULL));

	/* no file: the overrides alone */
	dca_experiment_overrides_free(ov);
	ov = overrides();
	OV(dca_experiment_override(ov, "space.name", "darts", "--space", &e_));
	OV(dca_experiment_override(ov, "optimizer.epochs", "2", "--epochs", &e_));
	ck_assert_msg(dca_experiment_parse_with_overrides(&e, NULL, "(command line)", ov,
							  reg, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(e.space, "darts");
	ck_assert_str_eq(e.optimizer, "dcanas");   /* the default, named for the object */
	ck_assert_int_eq(e.epochs, 2);
	ck_assert_int_eq(e.shape.width, 36);
	dca_experiment_overrides_free(ov);
}
END_TEST

/* an error about a flag's value names the flag, one about the file's
 * value the file's line and column, as without overrides */
START_TEST(overrides_errors_name_the_flag)
{
	const char *text = "{\"space\": \"nb201\",\n \"constraints\": [\n"
			   "  {\"name\": \"params\", \"max\": \"1M\"}]}";
	static const struct {
		const char *path, *value, *want;
	} cases[] = {
		{ "optimizer.epochs", "ten", "--x ten: optimizer.epochs: expects a whole number, got 'ten'" },
		{ "optimizer.epochs", "2.5", "--x 2.5: optimizer.epochs: expects a whole number" },
		{ "optimizer.epochs", "0", "--x 0: optimizer.epochs: must be between 1 and" },
		{ "optimizer.lr", "fast", "--x fast: optimizer.lr: expects a number, got 'fast'" },
		{ "optimizer.select", "best", "--x best: optimizer.select: is 'best'" },
		{ "optimizer.name", "annealing", "--x annealing: optimizer.name: unknown optimizer 'annealing'" },
		{ "space.auxiliary", "yes", "--x yes: space.auxiliary: expects true or false" },
		{ "space.name", "darts", "--x darts: differs from the experiment's space 'nb201' (exp.json)" },
		{ "device", "toaster", "--x toaster: device: unknown device 'toaster'" },
		{ "data.dataset", "imagenet", "--x imagenet: data.dataset: unknown dataset kind 'imagenet'" },
	};
	dca_experiment e;
	dca_error err = { 0 };
	dca_experiment_overrides *ov;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ov = overrides();
		OV(dca_experiment_override(ov, cases[i].path, cases[i].value, "--x", &e_));
		dca_error_clear(&err);
		ck_assert_int_eq(dca_experiment_parse_with_overrides(&e, text, "exp.json",
				 ov, reg, &err), DCA_ERR_INVALID);
		ck_assert_msg(strstr(err.msg, cases[i].want) != NULL, "want '%s', got: %s",
			      cases[i].want, err.msg);
		dca_experiment_overrides_free(ov);
	}

	/* budgets: the whole flag */
	ov = overrides();
	OV(dca_experiment_override_budget(ov, "params=2 apples", "--budget", &e_));
	dca_error_clear(&err);
	ck_assert_int_ne(dca_experiment_parse_with_overrides(&e, text, "exp.json", ov, reg,
							     &err), 0);
	ck_assert_msg(strstr(err.msg, "--budget params=2 apples: constraints[0].max: "
			     "budget 'params'") && strstr(err.msg, "'2 apples'"), "%s", err.msg);
	dca_experiment_overrides_free(ov);
	ov = overrides();
	OV(dca_experiment_override_budget(ov, "karma=3", "--budget", &e_));
	dca_error_clear(&err);
	ck_assert_int_ne(dca_experiment_parse_with_overrides(&e, text, "exp.json", ov, reg,
							     &err), 0);
	ck_assert_msg(strstr(err.msg, "--budget karma=3: constraints[1]: unknown "
			     "constraint 'karma'"), "%s", err.msg);
	dca_experiment_overrides_free(ov);

	/* a latency budget from a flag without a device */
	ov = overrides();
	OV(dca_experiment_override_budget(ov, "latency=5ms", "--budget", &e_));
	dca_error_clear(&err);
	ck_assert_int_ne(dca_experiment_parse_with_overrides(&e, text, "exp.json", ov, reg,
							     &err), 0);
	ck_assert_msg(strstr(err.msg, "--budget latency=5ms: constraints[1]: a latency or "
			     "energy budget needs a \"device\""), "%s", err.msg);
	dca_experiment_overrides_free(ov);

	/* the file's own error keeps its place, overrides or not */
	ov = overrides();
	OV(dca_experiment_override(ov, "space.width", "8", "--width", &e_));
	dca_error_clear(&err);
	ck_assert_int_ne(dca_experiment_parse_with_overrides(&e,
			 "{\"space\": \"nope\"}", "exp.json", ov, reg, &err), 0);
	/* "space" became an object; the message still points into the file */
	ck_assert_msg(strstr(err.msg, "exp.json:1:2: space.name: unknown space 'nope'"),
		      "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_ne(dca_experiment_parse_with_overrides(&e, "{\"space\": \"nb201\",\n"
			 " \"constraints\": [{\"name\": \"flops\", \"max\": \"3,5M\"}]}",
			 "exp.json", ov, reg, &err), 0);
	ck_assert_msg(strstr(err.msg, "exp.json:2:36: constraints[0].max"), "%s", err.msg);
	dca_experiment_overrides_free(ov);

	/* what no setting is, or no NAME=MAX / KIND:PATH */
	ov = overrides();
	dca_error_clear(&err);
	ck_assert_int_eq(dca_experiment_override(ov, "optimizer.speed", "1", "--speed", &err),
			 DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "'optimizer.speed' is not a setting"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_experiment_override(ov, "constraints", "x", NULL, &err),
			 DCA_ERR_INVALID);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_experiment_override_budget(ov, "params", "--budget", &err),
			 DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "--budget params: expects NAME=MAX"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_experiment_override_data(ov, "digits8x8", "--data", &err),
			 DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "--data digits8x8: expects KIND:PATH"), "%s", err.msg);
	dca_experiment_overrides_free(ov);

	/* space.input from a flag's CxHxW (--input), checked as the array */
	dca_error_clear(&err);
	ov = overrides();
	ck_assert_int_eq(dca_experiment_override(ov, "space.input", "3x24x24", "--input", &err), 0);
	ck_assert_msg(dca_experiment_parse_with_overrides(&e, "{\"space\": \"nb201\"}",
			 "exp.json", ov, reg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(e.shape.in_h, 24);
	ck_assert(e.input_given);
	dca_experiment_overrides_free(ov);
	ov = overrides();
	dca_error_clear(&err);
	ck_assert_int_eq(dca_experiment_override(ov, "space.input", "3x24", "--input", &err), 0);
	ck_assert_int_ne(dca_experiment_parse_with_overrides(&e, "{\"space\": \"nb201\"}",
			 "exp.json", ov, reg, &err), 0);
	ck_assert_msg(strstr(err.msg, "--input") && strstr(err.msg, "CxHxW"), "%s", err.msg);
	dca_experiment_overrides_free(ov);
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

/* ---- tests/configs/{valid,invalid}/<case>/ (see tests/configs/README.md) */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	text = calloc(1, 1 << 16);
	if (text)
		n = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	if (text)
		text[n] = '\0';
	return text;
}

/* the cases of one folder, sorted, into names (at most max); how many */
static int list_cases(const char *dir, char names[][128], int max)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	int n = 0, i, j;

	ck_assert_msg(d != NULL, "%s: cannot open the test cases", dir);
	while ((ent = readdir(d)) && n < max)
		if (ent->d_name[0] != '.')
			ck_assert_int_lt(snprintf(names[n++], 128, "%s", ent->d_name), 128);
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[128];
			memcpy(t, names[j], sizeof t);
			memcpy(names[j], names[j - 1], sizeof t);
			memcpy(names[j - 1], t, sizeof t);
		}
	return n;
}

START_TEST(config_cases)
{
	static char names[256][128];
	const char *src = getenv("DCANAS_SRCDIR");
	char dir[1024], path[1400];
	int n, i, n_valid, n_invalid = 0;

	ck_assert_msg(src != NULL, "DCANAS_SRCDIR is not set (run through make check)");
	snprintf(dir, sizeof dir, "%s/tests/configs/valid", src);
	n_valid = n = list_cases(dir, names, 256);
	for (i = 0; i < n; i++) {
		dca_experiment e;
		dca_error err = { 0 };

		ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s/config.json",
					  dir, names[i]), (int)sizeof path);
		ck_assert_msg(dca_experiment_load(&e, path, reg, &err) == 0 &&
			      dca_search_check(&e, &err) == 0,
			      "valid/%s refused: %s", names[i], err.msg);
	}
	snprintf(dir, sizeof dir, "%s/tests/configs/invalid", src);
	n = list_cases(dir, names, 256);
	for (i = 0; i < n; i++) {
		dca_experiment e;
		dca_error err = { 0 };
		char *want, *line, *save = NULL;
		int lines = 0;

		ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s/error", dir,
					  names[i]), (int)sizeof path);
		want = slurp(path);
		ck_assert_msg(want != NULL, "invalid/%s has no error file", names[i]);
		ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s/config.json",
					  dir, names[i]), (int)sizeof path);
		ck_assert_msg(dca_experiment_load(&e, path, reg, &err) != 0 ||
			      dca_search_check(&e, &err) != 0,
			      "invalid/%s was accepted", names[i]);
		/* every message names the file */
		ck_assert_msg(strstr(err.msg, path) != NULL, "invalid/%s: %s", names[i],
			      err.msg);
		for (line = strtok_r(want, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			ck_assert_msg(strstr(err.msg, line) != NULL, "invalid/%s: "
				      "expected '%s' in: %s", names[i], line, err.msg);
			lines++;
		}
		ck_assert_msg(lines > 0, "invalid/%s: the error file is empty", names[i]);
		free(want);
		n_invalid++;
	}
	ck_assert_int_gt(n_valid, 0);
	ck_assert_int_gt(n_invalid, 0);
	printf("config cases: %d valid, %d invalid\n", n_valid, n_invalid);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("experiment");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* config_cases runs check-config's checks on every case: enumerating
	 * NB201's 15,625 architectures takes about a second a case, more when
	 * the machine is busy */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, good_config);
	tcase_add_test(tc, config_cases);
	tcase_add_test(tc, resolved_plugins_and_shape);
	tcase_add_test(tc, overrides_merged);
	tcase_add_test(tc, overrides_errors_name_the_flag);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	return test_run(s);
}
