/* The host device and its measured op table: timing ops and networks, the
 * table's cache file (measure once, reuse, refuse another machine's),
 * Kendall's tau, and the device's answers. */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"

static dca_op_desc conv_op(void)
{
	dca_net net;
	dca_op_desc op;
	int x;

	dca_net_init(&net);
	x = dca_net_input(&net, 8, 12, 12);
	dca_net_conv(&net, x, 16, 3, 1, 1, 1, 1, 0);
	op = net.ops[0];
	dca_net_free(&net);
	return op;
}

START_TEST(test_time_op)
{
	dca_timing_opts o;
	dca_timing t;
	dca_op_desc op = conv_op(), id = op;
	dca_error err = { 0 };

	dca_timing_opts_default(&o);
	o.runs = 5;
	ck_assert_int_eq(dca_time_op(&op, &o, &t, &err), 0);
	ck_assert(t.median_ms > 0 && t.median_ms < 1000);
	ck_assert(t.spread_ms >= 0);
	id.kind = DCA_OP_IDENTITY;
	ck_assert_int_eq(dca_time_op(&id, &o, &t, &err), 0);
	ck_assert(t.median_ms == 0);
}
END_TEST

START_TEST(test_kendall)
{
	const double a[] = { 1, 2, 3, 4 }, b[] = { 1, 3, 2, 4 }, r[] = { 4, 3, 2, 1 };

	ck_assert_double_eq_tol(dca_kendall_tau(a, a, 4), 1, 1e-12);
	ck_assert_double_eq_tol(dca_kendall_tau(a, r, 4), -1, 1e-12);
	ck_assert_double_eq_tol(dca_kendall_tau(a, b, 4), 4.0 / 6.0, 1e-12);
}
END_TEST

START_TEST(test_op_table_cache)
{
	char path[] = "/tmp/dcanas-host-XXXXXX";
	dca_timing_opts o;
	dca_op_table *t;
	dca_error err = { 0 };
	dca_op_desc op = conv_op();
	double ms1, ms2, net_ms;
	int measured, fd = mkstemp(path);
	dca_net net;

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	dca_timing_opts_default(&o);
	o.runs = 3;
	t = dca_op_table_open(path, &o, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_int_eq(dca_op_table_cost(t, &op, &ms1, &measured, &err), 0);
	ck_assert_int_eq(measured, 1);
	ck_assert_int_eq(dca_op_table_cost(t, &op, &ms2, &measured, &err), 0);
	ck_assert_int_eq(measured, 0);
	ck_assert(ms1 == ms2);
	/* a network: the sum of its ops plus the overhead model */
	dca_op_table_set_overhead(t, 0.5, 0.25);
	dca_net_init(&net);
	dca_net_conv(&net, dca_net_input(&net, 8, 12, 12), 16, 3, 1, 1, 1, 1, 0);
	ck_assert_int_eq(dca_op_table_net_cost(t, &net, &net_ms, &err), 0);
	ck_assert_double_eq_tol(net_ms, ms1 + 0.5 + 0.25, 1e-9);
	dca_net_free(&net);
	dca_op_table_free(t);      /* saves */

	/* reopened: the measurement is reused */
	t = dca_op_table_open(path, &o, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_uint_eq(dca_op_table_count(t), 1);
	ck_assert_int_eq(dca_op_table_cost(t, &op, &ms2, &measured, &err), 0);
	ck_assert_int_eq(measured, 0);
	ck_assert(ms1 == ms2);
	dca_op_table_free(t);

	/* other settings: refused, naming both */
	o.batch = 4;
	ck_assert_ptr_null(dca_op_table_open(path, &o, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "batch 1"));
	ck_assert_ptr_nonnull(strstr(err.msg, "batch 4"));
	unlink(path);
}
END_TEST

START_TEST(test_host_device)
{
	char path[] = "/tmp/dcanas-host-XXXXXX";
	dca_registry *reg;
	const dca_device *host;
	dca_error err = { 0 };
	dca_op_desc op = conv_op();
	double ms;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	setenv("DCANAS_HOST_CACHE", path, 1);
	reg = test_registry();
	host = dca_registry_device(reg, "host", &err);
	ck_assert_msg(host != NULL, "%s", err.msg);
	ck_assert(host->runs_here);
	ck_assert_int_eq(host->op_cost(host, DCA_METRIC_LATENCY, &op, &ms, &err), 0);
	ck_assert(ms > 0);
	ck_assert_int_eq(host->op_cost(host, DCA_METRIC_ENERGY, &op, &ms, &err),
			 DCA_ERR_UNSUPPORTED);
	dca_registry_free(reg);         /* releases the device: saves its table */
	ck_assert_int_eq(access(path, R_OK), 0);
	unlink(path);
	unsetenv("DCANAS_HOST_CACHE");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("host");

	dca_engine_init(1);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_time_op);
	tcase_add_test(tc, test_kendall);
	tcase_add_test(tc, test_op_table_cache);
	tcase_add_test(tc, test_host_device);
	suite_add_tcase(s, tc);
	return test_run(s);
}
