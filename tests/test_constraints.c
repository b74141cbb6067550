/* Constraint models: per-op params/MACs by hand, the peak-memory schedule
 * on a hand-built network, and latency through a device. */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"

static dca_registry *reg;

static void setup(void) { reg = test_registry(); }
static void teardown(void) { dca_registry_free(reg); }

START_TEST(op_counts_by_hand)
{
	dca_net net;
	int x;

	dca_net_init(&net);
	x = dca_net_input(&net, 8, 10, 10);
	x = dca_net_conv(&net, x, 16, 3, 2, 1, 1, 1, 0);      /* 16x5x5 */
	ck_assert_int_eq(net.ops[0].oh, 5);
	ck_assert_double_eq(dca_op_params(&net.ops[0]), 16 * 8 * 9);
	ck_assert_double_eq(dca_op_macs(&net.ops[0]), 16 * 25 * 8 * 9);
	x = dca_net_conv(&net, x, 16, 3, 1, 2, 2, 16, 0);     /* depthwise, dilation 2 */
	ck_assert_int_eq(net.ops[1].oh, 5);
	ck_assert_double_eq(dca_op_params(&net.ops[1]), 16 * 9);
	ck_assert_double_eq(dca_op_macs(&net.ops[1]), 16 * 25 * 9);
	x = dca_net_batchnorm(&net, x, 1);
	ck_assert_double_eq(dca_op_params(&net.ops[2]), 32);
	x = dca_net_global_avgpool(&net, x);
	x = dca_net_linear(&net, x, 10, 1);
	ck_assert_double_eq(dca_op_params(&net.ops[4]), 170);
	ck_assert_double_eq(dca_op_macs(&net.ops[4]), 170);
	ck_assert_int_ge(x, 0);
	dca_net_free(&net);
}
END_TEST

START_TEST(peak_memory_by_hand)
{
	const dca_constraint *pm;
	dca_error err = { 0 };
	dca_net net;
	int x, a, b, s[2];
	double v;

	pm = dca_registry_constraint(reg, "peak_memory", &err);
	ck_assert_ptr_nonnull(pm);
	dca_net_init(&net);
	/* input 1x4x4 (64 B); a = conv -> 2x4x4 (128 B); b = relu(a) (128 B);
	 * add(a, b) (128 B): while add runs, a, b and its output are alive, the
	 * input is dead: 384 B. While b runs: input? freed after a -> a + b = 256. */
	x = dca_net_input(&net, 1, 4, 4);
	a = dca_net_conv(&net, x, 2, 3, 1, 1, 1, 1, 0);
	b = dca_net_relu(&net, a);
	s[0] = a;
	s[1] = b;
	dca_net_add(&net, s, 2);
	ck_assert_int_eq(pm->exact(&net, NULL, NULL, NULL, &v, &err), 0);
	ck_assert_double_eq(v, 384);
	/* a skip from the input to the end keeps the input alive throughout */
	x = net.input;
	s[0] = net.output;
	s[1] = dca_net_conv(&net, x, 2, 1, 1, 0, 1, 1, 0);
	dca_net_add(&net, s, 2);
	ck_assert_int_eq(pm->exact(&net, NULL, NULL, NULL, &v, &err), 0);
	ck_assert_double_eq(v, 64 + 384);
	dca_net_free(&net);
}
END_TEST

START_TEST(latency_from_device_table)
{
	dca_error err = { 0 };
	const dca_space *sp = dca_registry_space(reg, "nb201", &err);
	const dca_constraint *lat = dca_registry_constraint(reg, "latency", &err);
	const dca_device *dev = dca_registry_device(reg, "raspi4", &err);
	dca_arch *a;
	dca_net net;
	dca_net_shape shape = { 0 };
	double v;

	ck_assert_msg(sp && lat && dev, "%s", err.msg);
	/* NAS-Bench-201 index 0 on raspi4: 10.48 ms (HW-NAS-Bench, shared/data README) */
	a = sp->arch_parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", &err);
	ck_assert_ptr_nonnull(a);
	dca_net_init(&net);
	dca_space_resolve_shape(sp, &shape);
	ck_assert_int_eq(sp->build_net(a, &shape, &net, &err), 0);
	ck_assert_msg(lat->exact(&net, sp, a, dev, &v, &err) == 0, "%s", err.msg);
	ck_assert_msg(fabs(v - 10.48) < 0.005, "latency %g", v);
	/* without a device: a clear error */
	dca_error_clear(&err);
	ck_assert_int_ne(lat->exact(&net, sp, a, NULL, &v, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs a device"));
	dca_net_free(&net);
	sp->arch_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("constraints");
	TCase *tc = tcase_create("costs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, op_counts_by_hand);
	tcase_add_test(tc, peak_memory_by_hand);
	tcase_add_test(tc, latency_from_device_table);
	suite_add_tcase(s, tc);
	return test_run(s);
}
