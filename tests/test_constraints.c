/* Constraint models: per-op params/MACs by hand, the peak-memory schedule
 * on a hand-built network, and latency through a device. */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"
#include "genotypes.h"

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

/* tensor t's lifetime in plan p: from the op that writes it to its last
 * reader (-1: the input, before the first op; n_ops: the output); 0 when
 * the plan never stores it */
static int alive(const dca_net *net, const dca_net_plan *p, int t, long *s, long *e)
{
	size_t k;
	int j;

	if (p->offset[t] < 0)
		return 0;
	*s = *e = -1;
	for (k = 0; k < net->n_ops; k++) {
		if (p->writes[k] == t)
			*s = *e = (long)k;
		for (j = 0; j < net->ops[k].n_in && p->writes[k] >= 0; j++)
			if (net->ops[k].in[j] == t)
				*e = (long)k;
	}
	if (t == net->output)
		*e = (long)net->n_ops;
	return 1;
}

/* the deployed schedule: a BN after a conv runs inside it (no tensor of
 * its own), and the arena never puts two tensors alive together in the
 * same bytes, and holds at least what is alive at once */
static void check_plan(const dca_net *net)
{
	dca_net_plan p;
	size_t i;
	int a, b;
	long sa, ea, sb, eb;
	double load, most = 0;

	ck_assert_int_eq(dca_net_plan_make(net, &p), 0);
	for (i = 0; i < net->n_ops; i++) {
		load = 0;
		for (a = 0; a < (int)net->n_tensors; a++) {
			if (!alive(net, &p, a, &sa, &ea) || sa > (long)i || (long)i > ea)
				continue;
			load += dca_tensor_bytes(net, a);
			for (b = 0; b < a; b++)
				if (alive(net, &p, b, &sb, &eb) && sb <= (long)i && (long)i <= eb)
					ck_assert(p.offset[a] + dca_tensor_bytes(net, a) <= p.offset[b] ||
						  p.offset[b] + dca_tensor_bytes(net, b) <= p.offset[a]);
		}
		if (load > most)
			most = load;
	}
	ck_assert_double_ge((double)p.arena_bytes, most);
	ck_assert_double_le((double)p.arena_bytes, 1.25 * most);
	dca_net_plan_free(&p);
}

START_TEST(plan_folds_batchnorm)
{
	dca_net net;
	dca_net_plan p;
	int x, c;

	/* input 1x4x4 (64 B) -> conv 2x4x4 -> BN -> relu: the BN runs in the
	 * conv, so the most alive at once is input + BN output = 192 B */
	dca_net_init(&net);
	x = dca_net_input(&net, 1, 4, 4);
	c = dca_net_conv(&net, x, 2, 3, 1, 1, 1, 1, 0);
	x = dca_net_batchnorm(&net, c, 1);
	dca_net_relu(&net, x);
	ck_assert_int_eq(dca_net_plan_make(&net, &p), 0);
	ck_assert_int_eq(p.writes[0], x);
	ck_assert_int_eq(p.writes[1], -1);
	ck_assert_int_eq(p.offset[c], -1);
	ck_assert_uint_eq(p.arena_bytes, 256);   /* BN output + relu output */
	dca_net_plan_free(&p);
	check_plan(&net);
	/* a second reader of the conv's output: the BN cannot fold */
	dca_net_relu(&net, c);
	ck_assert_int_eq(dca_net_plan_make(&net, &p), 0);
	ck_assert_int_eq(p.writes[1], x);
	ck_assert_int_ge(p.offset[c], 0);
	dca_net_plan_free(&p);
	check_plan(&net);
	dca_net_free(&net);
}
END_TEST

START_TEST(plan_of_real_networks)
{
	static const char *const archs[][2] = {
		{ "nb201", "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|" },
		{ "nb201", "|none~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|" },
		{ "darts", NULL },
		{ "darts", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof archs / sizeof *archs; i++) {
		dca_error err = { 0 };
		const dca_space *sp = dca_registry_space(reg, archs[i][0], &err);
		dca_net_shape shape = { .width = 8, .cells = 5 };
		dca_arch *a;
		dca_net net;

		ck_assert_ptr_nonnull(sp);
		a = sp->arch_parse(archs[i][1] ? archs[i][1] : i == 2 ? DARTS_V2 : PC_DARTS, &err);
		ck_assert_msg(a != NULL, "%s", err.msg);
		dca_space_resolve_shape(sp, &shape);
		dca_net_init(&net);
		ck_assert_int_eq(sp->build_net(a, &shape, &net, &err), 0);
		check_plan(&net);
		dca_net_free(&net);
		sp->arch_free(a);
	}
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
	tcase_add_test(tc, plan_folds_batchnorm);
	tcase_add_test(tc, plan_of_real_networks);
	tcase_add_test(tc, latency_from_device_table);
	suite_add_tcase(s, tc);
	return test_run(s);
}
