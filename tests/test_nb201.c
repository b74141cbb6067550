/* NAS-Bench-201: arch strings, and params/FLOPs of all 15,625 architectures
 * against the benchmark's table (../shared/data/nb201). */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"

static dca_registry *reg;
static const dca_space *space;
static const dca_constraint *params, *flops;

static void setup(void)
{
	dca_error err = { 0 };
	reg = test_registry();
	space = dca_registry_space(reg, "nb201", &err);
	ck_assert_msg(space != NULL, "%s", err.msg);
	params = dca_registry_constraint(reg, "params", &err);
	flops = dca_registry_constraint(reg, "flops", &err);
	ck_assert_ptr_nonnull(params);
	ck_assert_ptr_nonnull(flops);
}

static void teardown(void) { dca_registry_free(reg); }

START_TEST(round_trip)
{
	const char *s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";
	dca_error err = { 0 };
	dca_arch *a = space->arch_parse(s, &err);
	char *t;
	int choice[6];

	ck_assert_msg(a != NULL, "%s", err.msg);
	t = space->arch_format(a);
	ck_assert_str_eq(t, s);
	ck_assert_int_eq(space->arch_choices(a, choice), 0);
	ck_assert_int_eq(choice[0], 3);
	ck_assert_int_eq(choice[3], 1);
	ck_assert_int_eq(choice[5], 2);
	free(t);
	space->arch_free(a);
}
END_TEST

static void reject(const char *s, const char *what)
{
	dca_error err = { 0 };
	ck_assert_ptr_null(space->arch_parse(s, &err));
	ck_assert_msg(strstr(err.msg, what) != NULL, "'%s' -> %s", s, err.msg);
}

START_TEST(bad_strings)
{
	reject("|nor_conv_7x7~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'nor_conv_7x7'");
	reject("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "from node 0");
	reject("|none~0|+|none~0|none~1|", "expected '+'");
	reject("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|x", "unexpected text");
	reject("", "malformed");
	reject("garbage", "malformed");
}
END_TEST

static double cost_of(const dca_constraint *c, const dca_arch *a)
{
	dca_net net;
	dca_net_shape shape = { 0 };
	dca_error err = { 0 };
	double v;

	dca_net_init(&net);
	dca_space_resolve_shape(space, &shape);
	ck_assert_msg(space->build_net(a, &shape, &net, &err) == 0, "%s", err.msg);
	ck_assert_msg(c->exact(&net, space, a, NULL, &v, &err) == 0, "%s", err.msg);
	dca_net_free(&net);
	return v;
}

START_TEST(all_archs_match_table)
{
	char buf[1024];
	const char *path = test_data_file("nb201/nb201_metrics.json.gz", buf, sizeof buf);
	dca_error err = { 0 };
	json_t *root, *archs, *v;
	const char *key;
	size_t n = 0;
	double worst_p = 0, worst_f = 0;

	root = dca_json_load_file(path, &err);
	ck_assert_msg(root != NULL, "%s", err.msg);
	archs = json_object_get(root, "archs");
	ck_assert_ptr_nonnull(archs);
	json_object_foreach(archs, key, v) {
		json_t *c10 = json_object_get(v, "cifar10");
		double want_p = json_number_value(json_object_get(c10, "params_M"));
		double want_f = json_number_value(json_object_get(c10, "flops_M"));
		dca_arch *a = space->arch_parse(key, &err);
		double p, f;
		ck_assert_msg(a != NULL, "%s", err.msg);
		p = cost_of(params, a) / 1e6;
		f = cost_of(flops, a) / 1e6;
		/* the table has 6 decimals for params (M), 5 for FLOPs (M) */
		ck_assert_msg(fabs(p - want_p) <= 0.5e-6 + 1e-12,
			      "%s params %.7f vs table %.6f", key, p, want_p);
		ck_assert_msg(fabs(f - want_f) <= 0.5e-5 + 1e-12,
			      "%s flops %.7f vs table %.5f", key, f, want_f);
		worst_p = fmax(worst_p, fabs(p - want_p));
		worst_f = fmax(worst_f, fabs(f - want_f));
		space->arch_free(a);
		n++;
	}
	ck_assert_int_eq(n, 15625);
	printf("nb201: %zu archs match the table; worst |diff| params %.2g M, "
	       "flops %.2g M\n", n, worst_p, worst_f);
	json_decref(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nb201");
	TCase *tc = tcase_create("space");
	int skipped;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, bad_strings);
	skipped = test_skip_without_data();
	if (!skipped)
		tcase_add_test(tc, all_archs_match_table);
	suite_add_tcase(s, tc);
	return test_run_skipped(s, skipped);
}
