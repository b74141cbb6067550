/* The host device and its measured op table: timing ops and networks, the
 * table's cache file (measure once, reuse, refuse another machine's),
 * Kendall's tau, and the device's answers. */
#include "config.h"
#include <pwd.h>
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

/* HOME unset: the account's home, never a shared folder under /tmp */
START_TEST(test_cache_path_without_home)
{
	struct passwd *pw = getpwuid(getuid());
	dca_timing_opts o;
	char *path, want[1100];

	dca_timing_opts_default(&o);
	unsetenv("DCANAS_HOST_CACHE");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	path = dca_host_cache_path(&o);
	ck_assert_ptr_nonnull(path);
	if (pw && pw->pw_dir && *pw->pw_dir) {
		snprintf(want, sizeof want, "%s/.cache/dcanas/", pw->pw_dir);
		ck_assert_msg(strncmp(path, want, strlen(want)) == 0, "%s", path);
	} else {
		ck_assert_msg(strstr(path, "/dcanas-cache-") != NULL, "%s", path);
	}
	free(path);
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

/* ---- profiling a space, through the library (dcanas profile's work) ---- */

static char *fresh_path(char *path)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path);
	return path;
}

/* the overhead fit and the scores on points with a known answer */
START_TEST(test_overhead_fit_and_score)
{
	char path[] = "/tmp/dcanas-host-XXXXXX";
	dca_timing_opts o;
	dca_op_table *t;
	dca_error err = { 0 };
	double per_net, per_op;
	json_t *q;

	dca_timing_opts_default(&o);
	t = dca_op_table_open(fresh_path(path), &o, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	/* measured - Σ ops = 1 + 0.1 n exactly: (Σ ops, n_ops, measured) */
	q = json_pack("{s:s, s:[[f,i,f],[f,i,f],[f,i,f],[f,i,f]]}", "shape", "test",
		      "points", 1.0, 10, 3.0, 2.0, 20, 5.0, 3.0, 30, 7.0, 0.5, 40, 5.5);
	ck_assert_ptr_nonnull(q);
	json_object_set_new(dca_op_table_quality(t), "toy", q);
	dca_op_table_fit_overhead(t);
	dca_op_table_get_overhead(t, &per_net, &per_op);
	ck_assert_double_eq_tol(per_net, 1.0, 1e-9);
	ck_assert_double_eq_tol(per_op, 0.1, 1e-9);
	ck_assert_int_eq(dca_op_table_score(t, &err), 0);
	ck_assert_double_eq_tol(json_number_value(json_object_get(q, "kendall_tau")), 1.0, 1e-12);
	ck_assert_double_eq_tol(json_number_value(json_object_get(q, "median_rel_err")), 0, 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(q, "archs")), 4);
	dca_op_table_free(t);
	unlink(path);
}
END_TEST

/* measure a small NB201 network's ops, validate on three random networks,
 * then again: nothing measured twice; a stop request stops */
START_TEST(test_profile_space)
{
	char path[] = "/tmp/dcanas-host-XXXXXX", *log = NULL;
	dca_registry *reg = test_registry();
	const dca_space *sp = dca_registry_space(reg, "nb201", NULL);
	dca_net_shape sh = { .width = 4, .cells = 1 };
	dca_timing_opts o;
	dca_op_table *t;
	dca_error err = { 0 };
	volatile sig_atomic_t stop = 0;
	dca_profile_ctl ctl = { NULL, &stop };
	size_t n_ops, len = 0;
	json_t *q;
	FILE *f;

	ck_assert_ptr_nonnull(sp);
	dca_space_resolve_shape(sp, &sh);
	dca_timing_opts_default(&o);
	o.runs = 2;
	o.warmup = 0;
	t = dca_op_table_open(fresh_path(path), &o, &err);
	ck_assert_msg(t != NULL, "%s", err.msg);
	ck_assert_int_eq(dca_op_table_timing(t)->runs, 2);
	ck_assert_msg(dca_profile_space(t, sp, &sh, 3, 1, NULL, &ctl, &err) == 0, "%s", err.msg);
	n_ops = dca_op_table_count(t);
	ck_assert_uint_gt(n_ops, 5);
	q = json_object_get(dca_op_table_quality(t), "nb201");
	ck_assert_int_eq(json_array_size(json_object_get(q, "points")), 3);
	ck_assert(json_is_number(json_object_get(q, "kendall_tau")));
	ck_assert_int_eq(json_integer_value(json_object_get(q, "archs")), 3);

	/* again: every op is in the table already */
	f = open_memstream(&log, &len);
	ctl.progress = f;
	ck_assert_msg(dca_profile_space(t, sp, &sh, 0, 1, NULL, &ctl, &err) == 0, "%s", err.msg);
	fclose(f);
	ck_assert_msg(strstr(log, "(0 measured now"), "%s", log);
	ck_assert_uint_eq(dca_op_table_count(t), n_ops);
	free(log);
	dca_op_table_free(t);
	unlink(path);

	/* a stop request: an error that says so, what was measured kept */
	t = dca_op_table_open(path, &o, &err);
	ctl.progress = NULL;
	stop = 1;
	ck_assert_int_eq(dca_profile_space(t, sp, &sh, 2, 1, NULL, &ctl, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, "interrupted"), "%s", err.msg);
	dca_op_table_free(t);
	unlink(path);
	dca_registry_free(reg);
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
	tcase_add_test(tc, test_cache_path_without_home);
	tcase_add_test(tc, test_overhead_fit_and_score);
	tcase_add_test(tc, test_profile_space);
	suite_add_tcase(s, tc);
	return test_run(s);
}
