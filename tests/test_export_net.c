/* The export module on hand-built networks: binding weights by name and
 * the errors when they do not fit (no names, a missing array, a wrong
 * shape, an array the network lacks), batch norm folded into its conv,
 * the deployed schedule's result computed by hand (a shifted conv, average
 * pooling without the padding, a zero op), and int8 close to float. The
 * spaces' networks end to end: tests/test_export.sh. */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"

/* a one-channel 4x4 input -> conv 1x1 (weight 2, offset opt) -> BN
 * (mean 1, var 4, gamma 3, beta 0.5) -> relu -> avgpool 3x3 pad 1 -> zero
 * and add -> global pool -> linear to 2 classes */
static void build(dca_net *net, int offset, int names)
{
	int x, z, s[2];

	dca_net_init(net);
	x = dca_net_input(net, 1, 4, 4);
	x = dca_net_conv_offset(net, x, offset, 1, 1, 1, 0, 1, 1, 0);
	if (names)
		ck_assert_int_eq(dca_net_param_last(net, "c"), 0);
	x = dca_net_batchnorm(net, x, 1);
	if (names)
		dca_net_param_last(net, "bn");
	x = dca_net_relu(net, x);
	x = dca_net_pool(net, x, DCA_OP_AVGPOOL, 3, 1, 1);
	z = dca_net_zero(net, x, 1, 1);
	s[0] = x;
	s[1] = z;
	x = dca_net_add(net, s, 2);
	x = dca_net_global_avgpool(net, x);
	x = dca_net_linear(net, x, 2, 1);
	if (names)
		dca_net_param_last(net, "fc");
	net->output = x;
}

static float cw[1] = { 2 }, mean[1] = { 1 }, var[1] = { 4 }, gam[1] = { 3 }, bet[1] = { 0.5f };
static float fw[2] = { 1, -2 }, fb[2] = { 0.25f, 0 };

static void weights(dca_weights_file *f, dca_named_array *a, int n)
{
	dca_named_array all[] = {
		{ "c.weight", 1, 1, 1, 1, cw }, { "bn.running_mean", 1, 1, 1, 1, mean },
		{ "bn.running_var", 1, 1, 1, 1, var }, { "bn.weight", 1, 1, 1, 1, gam },
		{ "bn.bias", 1, 1, 1, 1, bet }, { "fc.weight", 2, 1, 1, 1, fw },
		{ "fc.bias", 1, 2, 1, 1, fb }, { "extra", 1, 1, 1, 1, cw },
	};

	memcpy(a, all, (size_t)n * sizeof *a);
	memset(f, 0, sizeof *f);
	f->arrays = a;
	f->count = n;
}

/* the network by hand on input v (4x4, row-major), normalised by mean m,
 * std sd: y = relu(BN(2 * x')) pooled, averaged, then the linear layer */
static void by_hand(const float *v, int offset, float m, float sd, double *out)
{
	double t[4][4] = { { 0 } }, sum = 0;
	int h = 4 - offset, y, x, dy, dx;

	for (y = 0; y < h; y++)
		for (x = 0; x < h; x++) {
			double xn = (v[(y + offset) * 4 + x + offset] - m) / sd;
			double c = 2 * xn, b = (c - 1) / sqrt(4 + 1e-5) * 3 + 0.5;
			t[y][x] = b > 0 ? b : 0;
		}
	for (y = 0; y < h; y++)
		for (x = 0; x < h; x++) {
			double a = 0;
			int n = 0;
			for (dy = -1; dy <= 1; dy++)
				for (dx = -1; dx <= 1; dx++)
					if (y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < h) {
						a += t[y + dy][x + dx];
						n++;
					}
			sum += a / n;     /* padding left out of the average */
		}
	sum /= h * h;
	out[0] = sum * 1 + 0.25;
	out[1] = sum * -2;
}

START_TEST(bind_and_run_by_hand)
{
	dca_net net;
	dca_named_array a[8];
	dca_weights_file f;
	dca_export_net *x;
	dca_export_info info;
	dca_error err = { 0 };
	float m[1] = { 0.5f }, sd[1] = { 0.25f }, in[16], out[2];
	double want[2];
	int i, off;

	for (i = 0; i < 16; i++)
		in[i] = (float)((i * 7) % 16) / 15.0f;
	for (off = 0; off <= 1; off++) {
		build(&net, off, 1);
		weights(&f, a, 7);
		ck_assert_msg(dca_export_bind(&net, &f, 1, m, sd, &x, &err) == 0, "%s", err.msg);
		dca_export_get_info(x, &info);
		/* the BN runs inside the conv: one step fewer than the ops */
		ck_assert_uint_eq(info.n_steps, net.n_ops - 1);
		ck_assert_int_eq(info.int8, 0);
		ck_assert_int_eq(dca_export_run(x, in, out, &err), 0);
		by_hand(in, off, 0.5f, 0.25f, want);
		ck_assert_msg(fabs(out[0] - want[0]) < 1e-5 && fabs(out[1] - want[1]) < 1e-5,
			      "offset %d: %g %g, by hand %g %g", off, out[0], out[1],
			      want[0], want[1]);
		/* int8 after calibration on the same image: within 3% of float */
		ck_assert_int_eq(dca_export_quantize(x, in, 1, &err), 0);
		dca_export_get_info(x, &info);
		ck_assert_int_eq(info.int8, 1);
		{
			/* one byte an activation: a quarter of the float arena */
			dca_net_plan p;
			ck_assert_int_eq(dca_net_plan_make(&net, &p), 0);
			ck_assert_uint_eq(info.arena_bytes * 4, p.arena_bytes);
			dca_net_plan_free(&p);
		}
		ck_assert_int_eq(dca_export_run(x, in, out, &err), 0);
		ck_assert_msg(fabs(out[0] - want[0]) < 0.03 * fabs(want[1]) + 1e-3 &&
			      fabs(out[1] - want[1]) < 0.03 * fabs(want[1]) + 1e-3,
			      "int8: %g %g, float %g %g", out[0], out[1], want[0], want[1]);
		/* the int8 network is C only */
		ck_assert_int_ne(dca_export_onnx(x, "/nonexistent/x.onnx", "", &err), 0);
		ck_assert_msg(strstr(err.msg, "int8") && strstr(err.msg, "--format c"), "%s",
			      err.msg);
		dca_error_clear(&err);
		dca_export_free(x);
		dca_net_free(&net);
	}
}
END_TEST

START_TEST(bind_errors)
{
	dca_net net;
	dca_named_array a[8];
	dca_weights_file f;
	dca_export_net *x = NULL;
	dca_error err = { 0 };
	float m[1] = { 0 }, sd[1] = { 1 }, zero_sd[1] = { 0 };

	/* a space that does not name its parameters: the op is named */
	build(&net, 0, 0);
	weights(&f, a, 7);
	ck_assert_int_ne(dca_export_bind(&net, &f, 1, m, sd, &x, &err), 0);
	ck_assert_ptr_null(x);
	ck_assert_msg(strstr(err.msg, "does not name the parameters of op 0 (conv") &&
		      strstr(err.msg, "dca_net_param_last"), "%s", err.msg);
	dca_error_clear(&err);
	dca_net_free(&net);

	build(&net, 0, 1);
	/* an array missing (the linear layer's bias) */
	weights(&f, a, 6);
	ck_assert_int_ne(dca_export_bind(&net, &f, 1, m, sd, &x, &err), 0);
	ck_assert_msg(strstr(err.msg, "no array 'fc.bias'"), "%s", err.msg);
	dca_error_clear(&err);
	/* a wrong shape */
	weights(&f, a, 7);
	a[5].n = 3;
	ck_assert_int_ne(dca_export_bind(&net, &f, 1, m, sd, &x, &err), 0);
	ck_assert_msg(strstr(err.msg, "'fc.weight' is 3x1x1x1, the network needs 2x1x1x1"),
		      "%s", err.msg);
	dca_error_clear(&err);
	/* an array the network lacks, unless not asked to check all */
	weights(&f, a, 8);
	ck_assert_int_ne(dca_export_bind(&net, &f, 1, m, sd, &x, &err), 0);
	ck_assert_msg(strstr(err.msg, "'extra' is not part of this network"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_export_bind(&net, &f, 0, m, sd, &x, &err), 0);
	dca_export_free(x);
	/* a zero standard deviation */
	ck_assert_int_ne(dca_export_bind(&net, &f, 0, m, zero_sd, &x, &err), 0);
	ck_assert_msg(strstr(err.msg, "std of channel 0"), "%s", err.msg);
	dca_net_free(&net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, bind_and_run_by_hand);
	tcase_add_test(tc, bind_errors);
	suite_add_tcase(s, tc);
	return test_run(s);
}
