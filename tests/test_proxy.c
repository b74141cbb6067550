/* Training-free proxies (include/dcanas/proxy.h) on cases whose score is
 * known in closed form, and on NAS-Bench-201 networks: a constant network
 * (every cell edge 'none') scores -inf on naswot and 0 on synflow, and a
 * network with more convolutions on the path scores higher on both. */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include "testutil.h"

#include <dcanas/proxy.h>

/* ---- a one-layer model: y = W relu(x) + b --------------------------- */

typedef struct one_layer {
	dca_fc fc;
	int relu;
} one_layer;

static dca_tensor *one_layer_forward(dca_model *m, dca_graph *g, dca_tensor *x,
				     int training, dca_tensor **aux)
{
	one_layer *o = m->state;

	(void)training;
	if (aux)
		*aux = NULL;
	if (o->relu && !(x = dca_relu(g, x)))
		return NULL;
	return dca_fc_apply(g, &o->fc, x);
}

static dca_model *one_layer_model(int in, int out, int relu)
{
	dca_model *m = dca_model_new(3);
	one_layer *o = calloc(1, sizeof *o);

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(dca_fc_init(m, &o->fc, in, out, "fc"), 0);
	o->relu = relu;
	m->state = o;
	m->state_free = free;
	m->forward = one_layer_forward;
	return m;
}

START_TEST(log_abs_det)
{
	double a[9] = { 2, 1, 0, 1, 3, 1, 0, 1, 4 };   /* det = 18 */
	double b[4] = { 1, 2, 2, 4 };                  /* singular */
	double c[4] = { 0, 3, 2, 0 };                  /* det = -6: pivoting */
	double lb;

	ck_assert_double_eq_tol(dca_log_abs_det(a, 3), log(18.0), 1e-12);
	lb = dca_log_abs_det(b, 2);      /* the matrix is overwritten: once */
	ck_assert(isinf(lb) && lb < 0);
	ck_assert_double_eq_tol(dca_log_abs_det(c, 2), log(6.0), 1e-12);
}
END_TEST

START_TEST(naswot_closed_form)
{
	/* two inputs over 4 units, the ReLU sees them directly: signs
	 * (+,+,-,-) and (+,-,-,+) agree on 2 units, so K = [[4,2],[2,4]] and
	 * log det K = log 12 */
	dca_model *m = one_layer_model(4, 3, 1);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = dca_param_new(2, 4, 1, 1, 0);
	const float v[8] = { 1, 2, -1, -3, 0.5f, -2, -1, 4 };
	dca_error err = { 0 };
	double score = 0;

	memcpy(x->data, v, sizeof v);
	ck_assert_int_eq(dca_proxy_score(DCA_PROXY_NASWOT, m, g, x, NULL, &score, &err), 0);
	ck_assert_double_eq_tol(score, log(12.0), 1e-9);
	/* the same input twice: K is singular */
	memcpy(x->data + 4, v, 4 * sizeof *v);
	ck_assert_int_eq(dca_proxy_score(DCA_PROXY_NASWOT, m, g, x, NULL, &score, &err), 0);
	ck_assert(isinf(score) && score < 0);
	dca_param_free(x);
	dca_graph_free(g);
	dca_model_free(m);
}
END_TEST

START_TEST(synflow_closed_form)
{
	/* R = Σ_ij |W_ij| * 1 + Σ |b|: ∂R/∂W_ij = 1, so the score is Σ |W| */
	dca_model *m = one_layer_model(6, 4, 0);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = dca_param_new(2, 6, 1, 1, 0);
	dca_error err = { 0 };
	double score = 0, want = 0, before = m->params[0]->data[0];
	size_t i;

	for (i = 0; i < m->params[0]->size; i++)
		want += fabs(m->params[0]->data[i]);
	ck_assert_int_eq(dca_proxy_score(DCA_PROXY_SYNFLOW, m, g, x, NULL, &score, &err), 0);
	ck_assert_double_eq_tol(score, want, 1e-5 * want);
	/* the weights are given back as they were */
	ck_assert(m->params[0]->data[0] == before);
	dca_param_free(x);
	dca_graph_free(g);
	dca_model_free(m);
}
END_TEST

START_TEST(snip_closed_form)
{
	/* one sample, label 0: ∂L/∂W_ij = (p_i - [i == 0]) x_j */
	dca_model *m = one_layer_model(3, 2, 0);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = dca_param_new(1, 3, 1, 1, 0);
	const float v[3] = { 0.5f, -1, 2 };
	const float *w = m->params[0]->data, *b = m->params[1]->data;
	int label = 0, i, j;
	dca_error err = { 0 };
	double z[2], p0, score = 0, want = 0;

	memcpy(x->data, v, sizeof v);
	for (i = 0; i < 2; i++) {
		z[i] = b[i];
		for (j = 0; j < 3; j++)
			z[i] += w[i * 3 + j] * v[j];
	}
	p0 = 1 / (1 + exp(z[1] - z[0]));
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			want += fabs(w[i * 3 + j] * ((i == 0 ? p0 - 1 : 1 - p0) * v[j]));
	ck_assert_int_eq(dca_proxy_score(DCA_PROXY_SNIP, m, g, x, &label, &score, &err), 0);
	ck_assert_double_eq_tol(score, want, 1e-5);
	ck_assert_int_ne(dca_proxy_score(DCA_PROXY_SNIP, m, g, x, NULL, &score, &err), 0);
	dca_param_free(x);
	dca_graph_free(g);
	dca_model_free(m);
}
END_TEST

/* ---- NAS-Bench-201 networks ----------------------------------------- */

static double nb201_score(const dca_space *sp, dca_proxy p, const char *text,
			  dca_tensor *x, const int *labels)
{
	dca_net_shape shape = { 3, 16, 16, 10, 8, 1, 0 };
	dca_error err = { 0 };
	dca_arch *a = sp->arch_parse(text, &err);
	dca_graph *g = dca_graph_new();
	dca_model *m;
	double score = 0;

	ck_assert_msg(a != NULL, "%s", err.msg);
	ck_assert_int_eq(dca_space_build_model(sp, a, &shape, 1, &m, &err), 0);
	ck_assert_msg(dca_proxy_score(p, m, g, x, labels, &score, &err) == 0, "%s", err.msg);
	dca_model_free(m);
	dca_graph_free(g);
	sp->arch_free(a);
	return score;
}

START_TEST(nb201_networks)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	const dca_space *sp = dca_registry_space(reg, "nb201", &err);
	const char *none = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
	const char *one = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|skip_connect~2|";
	const char *chain = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|"
			    "nor_conv_3x3~2|";
	dca_tensor *x = dca_param_new(16, 3, 16, 16, 0);
	dca_rng rng;
	int labels[16], i;
	size_t j;

	ck_assert_msg(sp != NULL, "%s", err.msg);
	dca_rng_seed(&rng, 5);
	for (j = 0; j < x->size; j++)
		x->data[j] = dca_rng_normal(&rng);
	for (i = 0; i < 16; i++)
		labels[i] = i % 10;
	/* a constant network tells no inputs apart and has no weight on a path */
	ck_assert(isinf(nb201_score(sp, DCA_PROXY_NASWOT, none, x, NULL)));
	ck_assert_double_eq(nb201_score(sp, DCA_PROXY_SYNFLOW, none, x, NULL), 0);
	/* more convolutions on the path: higher scores */
	ck_assert(nb201_score(sp, DCA_PROXY_NASWOT, chain, x, NULL) >
		  nb201_score(sp, DCA_PROXY_NASWOT, one, x, NULL));
	ck_assert(nb201_score(sp, DCA_PROXY_SYNFLOW, chain, x, NULL) >
		  nb201_score(sp, DCA_PROXY_SYNFLOW, one, x, NULL));
	ck_assert(nb201_score(sp, DCA_PROXY_SNIP, chain, x, labels) > 0);
	/* the same network and batch: the same score (a fresh model each time) */
	ck_assert_double_eq(nb201_score(sp, DCA_PROXY_NASWOT, chain, x, NULL),
			    nb201_score(sp, DCA_PROXY_NASWOT, chain, x, NULL));
	dca_param_free(x);
	dca_registry_free(reg);
}
END_TEST

START_TEST(names)
{
	int p;

	for (p = 0; p < DCA_PROXY_COUNT; p++)
		ck_assert_int_eq(dca_proxy_from_name(dca_proxy_name(p)), p);
	ck_assert_int_eq(dca_proxy_from_name("zen"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("proxy");

	dca_engine_init(1);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, log_abs_det);
	tcase_add_test(tc, naswot_closed_form);
	tcase_add_test(tc, synflow_closed_form);
	tcase_add_test(tc, snip_closed_form);
	tcase_add_test(tc, nb201_networks);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return test_run(s);
}
