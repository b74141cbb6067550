/* dcanas tests — the core's fit of a device's whole-network table
 * (core/search/network_fit.c), and asking a device for a metric by name
 * (core/device.c, core/search/estimate.c).
 *
 * Synthetic tables are built for the real nb201 space (every arch string
 * from its own arch_format) and handed over by a mock device; the shipped
 * profiles come from DCANAS_PROFILE_PATH, which the harness points at the
 * source tree (no shared data needed). */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"

#define E 6
#define O 5
#define N_ALL 15625

static dca_registry *reg;
static const dca_space *nb;

static void setup(void)
{
	dca_error err = { 0 };
	reg = test_registry();
	nb = dca_registry_space(reg, "nb201", &err);
	ck_assert_msg(nb != NULL, "%s", err.msg);
	ck_assert_int_eq(nb->n_edges, E);
	ck_assert_int_eq(nb->n_ops, O);
}

static void teardown(void) { dca_registry_free(reg); }

/* ------------------------------------------------------------------ */
/* A mock device holding tables built here                            */

static dca_network_table mock_tables[4];
static size_t mock_n;

static int mock_network_tables(const dca_device *dev, const dca_network_table **t,
			       size_t *n, dca_error *err)
{
	(void)dev; (void)err;
	*t = mock_tables;
	*n = mock_n;
	return 0;
}

static int mock_network_value(const dca_device *dev, const char *space,
			      const char *metric, const char *arch, double *out,
			      dca_error *err)
{
	size_t i, a;

	for (i = 0; i < mock_n; i++)
		if (!strcmp(mock_tables[i].space, space) &&
		    !strcmp(mock_tables[i].metric, metric)) {
			for (a = 0; a < mock_tables[i].n; a++)
				if (!strcmp(mock_tables[i].archs[a], arch)) {
					*out = mock_tables[i].values[a];
					return 0;
				}
			return dca_error_set(err, DCA_ERR_NOTFOUND, "%s not in mock", arch);
		}
	return dca_error_set(err, DCA_ERR_UNSUPPORTED, "mock: no %s table for %s",
			     metric, space);
	(void)dev;
}

static const dca_device mock = {
	DCA_DEVICE_INIT,
	.name = "mock",
	.summary = "tables built by the test",
	.source = "test_network_fit.c",
	.network_tables = mock_network_tables,
	.network_value = mock_network_value,
};

/* choice of NB201 arch index i (base-5 digits) */
static void arch_choice(int i, int *c)
{
	int e;
	for (e = 0; e < E; e++, i /= O)
		c[e] = i % O;
}

/* The nb201 arch string of choice c (new string). */
static char *arch_text(const int *c)
{
	dca_error err = { 0 };
	dca_arch *a = nb->arch_from_choices(c, &err);
	char *s;

	ck_assert_msg(a != NULL, "%s", err.msg);
	s = nb->arch_format(a);
	nb->arch_free(a);
	return s;
}

/* A table of archs idx[0..n) valued by f(choice); owned by the caller
 * through table_free. */
static dca_network_table make_table(const char *metric, const int *idx, size_t n,
				    double (*f)(const int *c))
{
	dca_network_table t;
	char **archs = calloc(n, sizeof *archs);
	double *values = calloc(n, sizeof *values);
	size_t a;

	memset(&t, 0, sizeof t);
	for (a = 0; a < n; a++) {
		int c[E];
		arch_choice(idx ? idx[a] : (int)a, c);
		archs[a] = arch_text(c);
		values[a] = f(c);
	}
	t.space = "nb201";
	t.metric = metric;
	t.unit = "ms";
	t.source = "synthetic table";
	t.n = n;
	t.archs = (const char *const *)archs;
	t.values = values;
	return t;
}

static void table_free(dca_network_table *t)
{
	size_t a;
	for (a = 0; a < t->n; a++)
		free((char *)t->archs[a]);
	free((void *)t->archs);
	free((void *)t->values);
}

/* A known additive model: none is 0 on every edge, the rest > 0 */
static const double true_bias = 1.25;
static double true_w(int e, int o)
{
	return o == 0 ? 0.0 : 0.5 * o + 0.1 * e + 0.03 * e * o;
}

static double additive(const int *c)
{
	double v = true_bias;
	int e;
	for (e = 0; e < E; e++)
		v += true_w(e, c[e]);
	return v;
}

/* ------------------------------------------------------------------ */
/* The fit                                                             */

static void check_recovers(const dca_network_table *t)
{
	dca_network_fit fit;
	dca_error err = { 0 };
	int e, o;

	ck_assert_msg(dca_network_fit_init(&fit, nb, t, &err) == 0, "%s", err.msg);
	ck_assert_int_eq((int)fit.n_archs, (int)t->n);
	ck_assert_int_eq(fit.n_unknowns, 1 + E * (O - 1));
	ck_assert_msg(fabs(fit.bias - true_bias) < 1e-9, "bias %.12g", fit.bias);
	for (e = 0; e < E; e++)
		for (o = 0; o < O; o++)
			ck_assert_msg(fabs(fit.w[e * O + o] - true_w(e, o)) < 1e-9,
				      "w[%d][%d] %.12g, true %.12g", e, o,
				      fit.w[e * O + o], true_w(e, o));
	ck_assert(fit.r2 > 1 - 1e-12);
	ck_assert(fit.rmse < 1e-9);
	ck_assert(fit.ls_min >= true_bias - 1e-9);   /* the bound did nothing */
	dca_network_fit_free(&fit);
}

START_TEST(test_fit_recovers_additive_model)
{
	dca_network_table t = make_table("latency", NULL, N_ALL, additive);
	int idx[60], i;
	dca_rng r;

	check_recovers(&t);
	table_free(&t);
	/* a random sample of 60 archs (more than the 25 unknowns) suffices */
	dca_rng_seed(&r, 7);
	for (i = 0; i < 60; i++)
		idx[i] = (int)(dca_rng_next(&r) % N_ALL);
	t = make_table("latency", idx, 60, additive);
	check_recovers(&t);
	table_free(&t);
}
END_TEST

/* The space's op order decides the encoding: the fit keys on the space's
 * choices, so what the device's strings mean is never guessed. Keys the
 * space would print otherwise are refused (exact lookups would miss them). */
START_TEST(test_fit_uses_the_space_parser)
{
	dca_network_table t = make_table("latency", NULL, 40, additive);
	dca_network_fit fit;
	dca_error err = { 0 };
	const char *saved = t.archs[3];

	((const char **)t.archs)[3] = "|nor_conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|";
	ck_assert_int_eq(dca_network_fit_init(&fit, nb, &t, &err), DCA_ERR_INVALID);
	fprintf(stderr, "bad arch: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "synthetic table"));
	ck_assert_ptr_nonnull(strstr(err.msg, "nor_conv_9x9"));   /* the parser's word */
	/* the parser reads "~00" as 0, but the space never writes it so */
	((const char **)t.archs)[3] = "|none~00|+|none~0|none~1|+|none~0|none~1|none~2|";
	dca_error_clear(&err);
	ck_assert_int_eq(dca_network_fit_init(&fit, nb, &t, &err), DCA_ERR_INVALID);
	fprintf(stderr, "non-canonical arch: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "is written \"|none~0|+"));
	((const char **)t.archs)[3] = saved;
	table_free(&t);
}
END_TEST

static double noisy(const int *c)
{
	/* additive plus a deterministic wobble, so a residual exists */
	return additive(c) + 0.01 * ((c[0] * 7 + c[3] * 3 + c[5]) % 5);
}

START_TEST(test_fit_refuses_underdetermined)
{
	int idx[200], i, c[E];
	dca_network_fit fit;
	dca_error err = { 0 };
	dca_network_table t;
	dca_rng r;

	/* 10 archs, 25 unknowns: a fit would match exactly (R^2 1.0000) */
	for (i = 0; i < 10; i++)
		idx[i] = i * 1543;
	t = make_table("latency", idx, 10, noisy);
	ck_assert_int_eq(dca_network_fit_init(&fit, nb, &t, &err), DCA_ERR_UNSUPPORTED);
	fprintf(stderr, "10 archs: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "10 archs, fewer than the 25 unknowns"));
	ck_assert_ptr_nonnull(strstr(err.msg, "synthetic table"));
	table_free(&t);

	/* enough archs, but avg_pool_3x3 never on edge 3 */
	dca_rng_seed(&r, 3);
	for (i = 0; i < 200; i++) {
		int k;
		do {
			k = (int)(dca_rng_next(&r) % N_ALL);
			arch_choice(k, c);
		} while (c[3] == 4);
		idx[i] = k;
	}
	t = make_table("latency", idx, 200, noisy);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_network_fit_init(&fit, nb, &t, &err), DCA_ERR_UNSUPPORTED);
	fprintf(stderr, "op never seen: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "op avg_pool_3x3 never occurs on edge 3"));
	table_free(&t);

	/* every op seen, but edges 0 and 1 always carry the same op: their
	 * costs cannot be told apart */
	for (i = 0; i < 200; i++) {
		int k;
		do {
			k = (int)(dca_rng_next(&r) % N_ALL);
			arch_choice(k, c);
		} while (c[0] != c[1]);
		idx[i] = k;
	}
	t = make_table("latency", idx, 200, noisy);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_network_fit_init(&fit, nb, &t, &err), DCA_ERR_UNSUPPORTED);
	fprintf(stderr, "dependent edges: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "do not separate"));
	table_free(&t);
}
END_TEST

/* KKT conditions of min ||model - y||^2 over terms >= 0: a positive term
 * has zero gradient, a zero term a gradient that would only raise the
 * residual. grad(term) = sum over the archs using it of the residual. */
static void check_kkt(const dca_network_fit *fit, const dca_network_table *t)
{
	double g[1 + E * O] = { 0 }, scale = 0;
	int c[E], e, j;
	size_t a;

	for (a = 0; a < t->n; a++) {
		dca_error err = { 0 };
		dca_arch *arch = nb->arch_parse(t->archs[a], &err);
		double r;
		ck_assert_ptr_nonnull(arch);
		nb->arch_choices(arch, c);
		nb->arch_free(arch);
		r = dca_network_fit_predict(fit, c) - t->values[a];
		g[0] += r;
		for (e = 0; e < E; e++)
			g[1 + e * O + c[e]] += r;
		scale += fabs(t->values[a]);
	}
	for (j = 0; j < 1 + E * O; j++) {
		double x = j ? fit->w[j - 1] : fit->bias;
		ck_assert_msg(x >= 0, "term %d = %g", j, x);
		if (x > 1e-9)
			ck_assert_msg(fabs(g[j]) < 1e-8 * scale, "term %d = %g, gradient %g",
				      j, x, g[j]);
		else
			ck_assert_msg(g[j] > -1e-8 * scale, "term %d at 0, gradient %g "
				      "(raising it would help)", j, g[j]);
	}
}

/* The cell the issue found: an all-'none' NB201 cell got -5.04 ms from
 * plain least squares on raspi4. The model never goes below 0 on any
 * arch, and it is the best model that does (KKT). */
START_TEST(test_fit_nonnegative_raspi4)
{
	const dca_device *dev = dca_registry_device(reg, "raspi4", NULL);
	const dca_network_table *t;
	dca_network_fit fit;
	dca_error err = { 0 };
	int c[E], i;
	double lo = INFINITY;

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(dca_device_network_table(dev, "nb201", "latency", &t, &err), 0);
	ck_assert_msg(dca_network_fit_init(&fit, nb, t, &err) == 0, "%s", err.msg);
	fprintf(stderr, "raspi4: plain LS R^2 %.4f, lowest %.3f ms at %s; "
		"non-negative fit R^2 %.4f RMSE %.3f ms, bias %.4f\n", fit.ls_r2,
		fit.ls_min, t->archs[fit.ls_min_at], fit.r2, fit.rmse, fit.bias);
	ck_assert_msg(fit.ls_min < -4.0, "plain least squares went to %g", fit.ls_min);
	ck_assert_msg(fabs(fit.ls_r2 - 0.9048) < 1e-4, "plain R^2 %.5f (the device's "
		      "own fit gave 0.9048)", fit.ls_r2);
	for (i = 0; i < N_ALL; i++) {      /* every arch of the space */
		double v;
		arch_choice(i, c);
		v = dca_network_fit_predict(&fit, c);
		if (v < lo)
			lo = v;
	}
	ck_assert_msg(lo >= 0, "lowest model cost %g", lo);
	ck_assert(fit.r2 > 0.85 && fit.r2 <= fit.ls_r2 + 1e-12);
	check_kkt(&fit, t);
	dca_network_fit_free(&fit);
}
END_TEST

/* A table plain least squares cannot fit without going negative: the cost
 * grows faster than the work (k ops that are not 'none' cost k^2 / 2), so
 * the best line through it undershoots the lightest cells below zero. */
static double superlinear(const int *c)
{
	int e, k = 0;
	for (e = 0; e < E; e++)
		k += c[e] != 0;
	return 0.01 + 0.5 * k * k;
}

START_TEST(test_fit_nonnegative_synthetic)
{
	dca_network_table t = make_table("latency", NULL, N_ALL, superlinear);
	dca_network_fit fit;
	dca_error err = { 0 };
	int c[E], i;

	ck_assert_msg(dca_network_fit_init(&fit, nb, &t, &err) == 0, "%s", err.msg);
	ck_assert_msg(fit.ls_min < -1, "plain least squares lowest %g", fit.ls_min);
	fprintf(stderr, "superlinear: plain LS lowest %.3f ms; non-negative fit "
		"R^2 %.4f (plain %.4f), bias %.4f\n", fit.ls_min, fit.r2, fit.ls_r2,
		fit.bias);
	for (i = 0; i < N_ALL; i++) {
		arch_choice(i, c);
		ck_assert(dca_network_fit_predict(&fit, c) >= 0);
	}
	check_kkt(&fit, &t);
	dca_network_fit_free(&fit);
	table_free(&t);
}
END_TEST

/* The search's estimate Ĉ from that fit is >= 0 at any α (every softmax
 * mixture of non-negative terms). */
START_TEST(test_estimate_nonnegative)
{
	const dca_device *dev = dca_registry_device(reg, "raspi4", NULL);
	dca_budget b;
	dca_cost_model cm;
	dca_net_shape sh = { 0 };
	dca_error err = { 0 };
	float alpha[E * O], beta[E] = { 0 };
	dca_rng r;
	int k, j;

	memset(&b, 0, sizeof b);
	snprintf(b.name, sizeof b.name, "latency");
	b.max = 20;
	b.constraint = dca_registry_constraint(reg, "latency", &err);
	ck_assert_ptr_nonnull(b.constraint);
	ck_assert_str_eq(b.constraint->device_metric, "latency");
	dca_space_resolve_shape(nb, &sh);
	ck_assert_msg(dca_cost_model_init(&cm, nb, &sh, dev, &b, &err) == 0, "%s", err.msg);
	ck_assert(cm.additive);
	ck_assert_ptr_nonnull(strstr(cm.source, "edge model"));
	ck_assert(cm.fixed >= 0);
	for (j = 0; j < E * O; j++)
		ck_assert(cm.table[j] >= 0);
	dca_rng_seed(&r, 11);
	for (k = 0; k < 200; k++) {
		for (j = 0; j < E * O; j++)   /* strongly peaked logits, any op */
			alpha[j] = (float)((double)(dca_rng_next(&r) % 2001) / 100.0 - 10.0);
		ck_assert(dca_cost_estimate(nb, &cm, alpha, beta, 0, NULL) >= 0);
		ck_assert(dca_cost_derived(nb, &cm, alpha, beta) >= 0);
	}
	dca_cost_model_free(&cm);
}
END_TEST

/* Every shipped profile fits; the exactly additive tables exactly. */
START_TEST(test_fit_shipped_profiles)
{
	static const char *const names[] = {
		"raspi4", "pixel3", "eyeriss", "fpga", "1080ti_1", "1080ti_32",
		"1080ti_256", "gold_6226", "silver_4210r", "samsung_s7", "titanx_1",
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		const dca_device *dev = dca_registry_device(reg, names[i], NULL);
		const dca_network_table *t;
		dca_network_fit fit;
		dca_error err = { 0 };

		ck_assert_msg(dev != NULL, "%s not registered", names[i]);
		ck_assert_int_eq(dca_device_network_table(dev, "nb201", "latency", &t, &err), 0);
		ck_assert_msg(dca_network_fit_init(&fit, nb, t, &err) == 0, "%s: %s",
			      names[i], err.msg);
		fprintf(stderr, "fit %-12s R^2 %.4f (plain %.4f) RMSE %8.4f ms  worst abs "
			"%8.3f ms  worst rel %8.1f%%  plain lowest %8.3f ms\n", names[i],
			fit.r2, fit.ls_r2, fit.rmse, fit.worst_abs, 100 * fit.worst_rel,
			fit.ls_min);
		ck_assert(fit.bias >= 0);
		if (!strcmp(names[i], "eyeriss") || !strcmp(names[i], "fpga"))
			ck_assert_msg(fit.r2 > 1 - 1e-9 && fit.worst_rel < 1e-6,
				      "%s is a sum of per-layer costs: R^2 %.12f", names[i],
				      fit.r2);
		if (!strcmp(names[i], "pixel3"))
			ck_assert_msg(fabs(fit.ls_r2 - 0.8943) < 1e-4, "pixel3 plain R^2 %.5f",
				      fit.ls_r2);
		dca_network_fit_free(&fit);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reporting                                                           */

static char *read_back(FILE *f)
{
	long n = ftell(f);
	char *s = calloc(1, (size_t)n + 1);

	rewind(f);
	if (n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
		ck_abort_msg("reading back");
	fclose(f);
	return s;
}

/* A profile with a table for a space no module provides is reported and
 * skipped, never fitted; a table too small to fit says so, never R^2 1. */
START_TEST(test_describe_unknown_space_and_small_table)
{
	char dir[] = "/tmp/dcanas-fit-XXXXXX", path[600], env[5000], cmd[700];
	const char *old = getenv("DCANAS_PROFILE_PATH");
	const dca_device *dev;
	dca_registry *r2;
	dca_error err = { 0 };
	FILE *out = tmpfile(), *warn = tmpfile(), *f;
	char *o, *w;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/odd.json", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"dcanas_profile\": 1, \"name\": \"odd\", \"network_tables\": ["
	      "{\"space\": \"resnet\", \"metric\": \"latency\", \"unit\": \"ms\","
	      " \"archs\": {\"resnet18\": 4.0, \"resnet34\": 7.5}},"
	      "{\"space\": \"nb201\", \"metric\": \"latency\", \"unit\": \"ms\","
	      " \"archs\": {\"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\": 1,"
	      " \"|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|\": 2}}]}\n", f);
	fclose(f);
	snprintf(env, sizeof env, "%s:%s", dir, old ? old : "");
	setenv("DCANAS_PROFILE_PATH", env, 1);
	r2 = test_registry();
	dev = dca_registry_device(r2, "odd", &err);
	ck_assert_msg(dev != NULL, "%s", err.msg);
	ck_assert_int_eq(dca_network_tables_describe(dev, r2, out, warn, &err), 0);
	o = read_back(out);
	w = read_back(warn);
	fprintf(stderr, "--- out\n%s--- warn\n%s", o, w);
	ck_assert_ptr_nonnull(strstr(w, path));
	ck_assert_ptr_nonnull(strstr(w, "'resnet'"));
	ck_assert_ptr_nonnull(strstr(w, "not fitted"));
	ck_assert_ptr_nonnull(strstr(o, "not fitted: no loaded module provides space 'resnet'"));
	ck_assert_ptr_nonnull(strstr(o, "2 archs, fewer than the 25 unknowns"));
	ck_assert_ptr_null(strstr(o, "R^2"));
	free(o);
	free(w);
	dca_registry_free(r2);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A device module may hand over a table with no archs: described without
 * statistics (they read past the end of an empty array) and not fitted. */
START_TEST(test_describe_empty_table)
{
	FILE *out = tmpfile();
	dca_error err = { 0 };
	char *o;

	mock_tables[0] = (dca_network_table){ .space = "nb201", .metric = "latency",
					      .unit = "ms", .source = "empty-test", .n = 0 };
	mock_n = 1;
	ck_assert_int_eq(dca_network_tables_describe(&mock, reg, out, NULL, &err), 0);
	mock_n = 0;
	o = read_back(out);
	fprintf(stderr, "--- out\n%s", o);
	ck_assert_ptr_nonnull(strstr(o, "0 archs"));
	ck_assert_ptr_null(strstr(o, "median"));
	ck_assert_ptr_nonnull(strstr(o, "additive fit: not available"));
	free(o);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A constraint names its device metric                                */

static int p99_exact(const dca_net *net, const dca_space *space,
		     const dca_arch *arch, const dca_device *dev, double *out,
		     dca_error *err)
{
	return dca_device_cost(dev, "latency_p99", space, arch, net, out, err);
}

/* a third-party tail-latency budget: same unit as latency, own metric */
static const dca_constraint p99 = {
	DCA_CONSTRAINT_INIT,
	.name = "latency_p99", .summary = "99th percentile latency",
	.unit = DCA_UNIT_SECONDS, .needs_device = 1, .exact = p99_exact,
	.device_metric = "latency_p99",
};

static dca_budget budget_of(const dca_constraint *c, double max)
{
	dca_budget b;
	memset(&b, 0, sizeof b);
	snprintf(b.name, sizeof b.name, "%s", c->name);
	b.max = max;
	b.constraint = c;
	return b;
}

START_TEST(test_metric_by_name)
{
	const dca_device *raspi4 = dca_registry_device(reg, "raspi4", NULL);
	const dca_network_table *lat;
	dca_budget b = budget_of(&p99, 20), bl;
	dca_cost_model cm, cl;
	dca_net_shape sh = { 0 };
	dca_error err = { 0 };
	dca_metric m;
	dca_arch *a;
	dca_net net;
	double v, vl, *scaled;
	size_t i;
	int j;

	ck_assert_int_eq(dca_metric_from_name("energy", &m), 0);
	ck_assert_int_eq(m, DCA_METRIC_ENERGY);
	ck_assert_int_eq(dca_metric_from_name("latency_p99", &m), DCA_ERR_NOTFOUND);
	dca_space_resolve_shape(nb, &sh);

	/* raspi4 has latency only: asking for latency_p99 is an error that
	 * names it, never the latency table */
	a = nb->arch_parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", &err);
	ck_assert_ptr_nonnull(a);
	dca_net_init(&net);
	ck_assert_int_eq(nb->build_net(a, &sh, &net, &err), 0);
	ck_assert_int_eq(dca_device_cost(raspi4, "latency_p99", nb, a, &net, &v, &err),
			 DCA_ERR_UNSUPPORTED);
	fprintf(stderr, "p99 exact: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "'latency_p99'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "latency for nb201"));
	dca_error_clear(&err);
	ck_assert_int_eq(dca_cost_model_init(&cm, nb, &sh, raspi4, &b, &err),
			 DCA_ERR_UNSUPPORTED);
	fprintf(stderr, "p99 budget: %s\n", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "budget 'latency_p99'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "'latency_p99'"));
	/* a model that failed holds nothing (dca_search_open never frees it:
	 * its table leaked) */
	ck_assert_ptr_null(cm.table);

	/* a device that has both tables: each metric gets its own. The p99
	 * table is 1.3 x raspi4's latencies, so its model is 1.3 x too */
	ck_assert_int_eq(dca_device_network_table(raspi4, "nb201", "latency", &lat, &err), 0);
	scaled = malloc(lat->n * sizeof *scaled);
	for (i = 0; i < lat->n; i++)
		scaled[i] = 1.3 * lat->values[i];
	mock_tables[0] = *lat;
	mock_tables[1] = *lat;
	mock_tables[1].metric = "latency_p99";
	mock_tables[1].values = scaled;
	mock_n = 2;
	ck_assert_msg(dca_cost_model_init(&cm, nb, &sh, &mock, &b, &err) == 0, "%s", err.msg);
	bl = budget_of(dca_registry_constraint(reg, "latency", NULL), 20);
	ck_assert_msg(dca_cost_model_init(&cl, nb, &sh, &mock, &bl, &err) == 0, "%s", err.msg);
	ck_assert(cm.additive && cl.additive);
	ck_assert(fabs(cm.fixed - 1.3 * cl.fixed) < 1e-9);
	for (j = 0; j < E * O; j++)
		ck_assert_msg(fabs(cm.table[j] - 1.3 * cl.table[j]) < 1e-7 * (1 + cl.table[j]),
			      "term %d: %g vs 1.3 x %g", j, cm.table[j], cl.table[j]);
	ck_assert_int_eq(p99_exact(&net, nb, a, &mock, &v, &err), 0);
	ck_assert_int_eq(dca_device_network_value(raspi4, "latency", nb, a, &vl, &err), 0);
	ck_assert(fabs(v - 1.3 * vl) < 1e-9);
	dca_cost_model_free(&cm);
	dca_cost_model_free(&cl);

	/* a constraint that names no metric gets no table, whatever its unit */
	{
		dca_constraint anon = p99;
		anon.device_metric = NULL;
		b = budget_of(&anon, 20);
		ck_assert_int_eq(dca_cost_model_init(&cm, nb, &sh, raspi4, &b, &err), 0);
		ck_assert(!cm.additive);
		dca_cost_model_free(&cm);
	}
	free(scaled);
	dca_net_free(&net);
	nb->arch_free(a);
	mock_n = 0;
}
END_TEST

static Suite *network_fit_suite(void)
{
	Suite *s = suite_create("network_fit");
	TCase *tc = tcase_create("fit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fit_recovers_additive_model);
	tcase_add_test(tc, test_fit_uses_the_space_parser);
	tcase_add_test(tc, test_fit_refuses_underdetermined);
	tcase_add_test(tc, test_fit_nonnegative_raspi4);
	tcase_add_test(tc, test_fit_nonnegative_synthetic);
	tcase_add_test(tc, test_estimate_nonnegative);
	tcase_add_test(tc, test_fit_shipped_profiles);
	tcase_add_test(tc, test_describe_unknown_space_and_small_table);
	tcase_add_test(tc, test_describe_empty_table);
	tcase_add_test(tc, test_metric_by_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(network_fit_suite());
}
