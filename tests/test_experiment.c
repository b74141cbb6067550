/* Experiment configs: validation, units, positions of errors. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

#include <dirent.h>

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
		ck_assert_msg(dca_experiment_load(&e, path, reg, &err) == 0,
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
		ck_assert_msg(dca_experiment_load(&e, path, reg, &err) != 0,
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
	tcase_add_test(tc, good_config);
	tcase_add_test(tc, config_cases);
	tcase_add_test(tc, missing_file);
	suite_add_tcase(s, tc);
	return test_run(s);
}
