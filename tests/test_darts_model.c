/* dcanas tests — the trainable DARTS network (the core's, built from
 * spaces/darts_net.c's op descriptors by dca_model_from_net): its parameter
 * count against the published figures, a forward and backward pass, the
 * auxiliary head, drop-path, and a gradient check of FactorizedReduce's
 * one-pixel shift (dca_crop_offset). The space comes from the registry (the
 * build tree's module). */
#include "config.h"
#include "check_main.h"

#include <string.h>

#include "testutil.h"
#include "gradcheck.h"

#include <dcanas/dcanas.h>
#include <dcanas/model.h>
#include <dcanas/ops.h>

#include "genotypes.h"

/* every op, 'none' and the stride-2 skip (FactorizedReduce) included */
static const char *const ALL_OPS =
	"Genotype(normal=[('none', 0), ('max_pool_3x3', 1), "
	"('avg_pool_3x3', 0), ('skip_connect', 1), ('sep_conv_3x3', 2), "
	"('sep_conv_5x5', 3), ('dil_conv_3x3', 4), ('dil_conv_5x5', 0)], "
	"normal_concat=[2, 3, 4, 5], reduce=[('skip_connect', 0), "
	"('sep_conv_5x5', 1), ('dil_conv_5x5', 0), ('none', 2), "
	"('avg_pool_3x3', 1), ('dil_conv_3x3', 3), ('skip_connect', 4), "
	"('sep_conv_3x3', 1)], reduce_concat=[2, 4, 5])";

static dca_registry *reg;
static const dca_space *S;

static void setup(void)
{
	dca_error err = { 0 };

	reg = test_registry();
	S = dca_registry_space(reg, "darts", &err);
	ck_assert_msg(S != NULL, "%s", err.msg);
	/* the space describes its network once: the core trains build_net's */
	ck_assert_ptr_null(S->build_model);
}

static void teardown(void)
{
	dca_registry_free(reg);
}

static dca_arch *parse_ok(const char *text)
{
	dca_error err = { 0 };
	dca_arch *a = S->arch_parse(text, &err);

	ck_assert_msg(a != NULL, "parse: %s", err.msg);
	return a;
}

static dca_model *build(const char *text, dca_net_shape sh, uint64_t seed)
{
	dca_error err = { 0 };
	dca_arch *a = parse_ok(text);
	dca_model *m = NULL;

	ck_assert_msg(dca_space_build_model(S, a, &sh, seed, &m, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(m);
	S->arch_free(a);
	return m;
}

static double descriptor_params(const char *text, dca_net_shape sh)
{
	dca_error err = { 0 };
	dca_arch *a = parse_ok(text);
	dca_net net;
	double p = 0;
	size_t i;

	dca_net_init(&net);
	ck_assert_msg(S->build_net(a, &sh, &net, &err) == 0, "%s", err.msg);
	for (i = 0; i < net.n_ops; i++)
		p += dca_op_params(&net.ops[i]);
	dca_net_free(&net);
	S->arch_free(a);
	return p;
}

static void expect_count(const char *text, int aux, double want)
{
	dca_net_shape sh = { 3, 32, 32, 10, 36, 20, aux };
	dca_model *m = build(text, sh, 1);
	double got = (double)dca_model_param_count(m);

	printf("# params (aux %d): model %.0f, descriptors %.0f\n", aux, got,
	       descriptor_params(text, sh));
	ck_assert_double_eq(got, want);
	ck_assert_double_eq(got, descriptor_params(text, sh));
	dca_model_free(m);
}

START_TEST(param_count_darts_v2)
{
	expect_count(DARTS_V2, 0, 3349342.0);
	expect_count(DARTS_V2, 1, 3825768.0);
}
END_TEST

START_TEST(param_count_pc_darts)
{
	expect_count(PC_DARTS, 0, 3634678.0);
}
END_TEST

START_TEST(param_count_all_ops)
{
	dca_net_shape sh = { 3, 32, 32, 10, 8, 5, 1 };
	dca_model *m = build(ALL_OPS, sh, 1);

	ck_assert_double_eq((double)dca_model_param_count(m), descriptor_params(ALL_OPS, sh));
	dca_model_free(m);
}
END_TEST

static dca_tensor *random_input(dca_graph *g, int n, uint64_t seed)
{
	dca_tensor *x = dca_tensor_new(g, n, 3, 32, 32, 0);
	dca_rng r;
	size_t i;

	ck_assert_ptr_nonnull(x);
	dca_rng_seed(&r, seed);
	for (i = 0; i < x->size; i++)
		x->data[i] = dca_rng_normal(&r);
	return x;
}

static void forward_backward(const char *text)
{
	dca_net_shape sh = { 3, 32, 32, 10, 8, 5, 1 };
	dca_model *m = build(text, sh, 3);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = random_input(g, 2, 5), *logits, *aux = NULL, *loss, *al, *wt;
	int labels[2] = { 3, 7 };
	int i, zero_params = 0;

	/* no drop-path here: a dropped op would leave its parameters without
	 * a gradient (drop-path has its own test below) */
	m->drop_path_prob = 0.0f;
	logits = m->forward(m, g, x, 1, &aux);
	ck_assert_ptr_nonnull(logits);
	ck_assert_int_eq(logits->n, 2);
	ck_assert_int_eq(logits->c, 10);
	ck_assert_int_eq(logits->h * logits->w, 1);
	ck_assert_ptr_nonnull(aux);
	ck_assert_int_eq(aux->n, 2);
	ck_assert_int_eq(aux->c, 10);
	loss = dca_cross_entropy(g, logits, labels, 0.0f);
	al = dca_cross_entropy(g, aux, labels, 0.0f);
	wt = dca_tensor_new(g, 1, 1, 1, 1, 0);
	ck_assert_ptr_nonnull(wt);
	wt->data[0] = 0.4f;
	loss = dca_add(g, loss, dca_scale(g, al, wt));
	ck_assert_ptr_nonnull(loss);
	ck_assert(isfinite(loss->data[0]));
	ck_assert_int_eq(dca_backward(g, loss), 0);
	for (i = 0; i < m->n_params; i++) {
		dca_tensor *p = m->params[i];
		size_t j, nz = 0;

		ck_assert_ptr_nonnull(p->grad);
		for (j = 0; j < p->size; j++) {
			ck_assert_msg(isfinite(p->grad[j]), "%s: gradient %zu not finite",
				      m->param_names[i], j);
			nz += p->grad[j] != 0.0f;
		}
		if (!nz) {
			printf("# %s: all-zero gradient\n", m->param_names[i]);
			zero_params++;
		}
	}
	/* every parameter is connected to the loss */
	ck_assert_int_eq(zero_params, 0);
	dca_graph_free(g);
	dca_model_free(m);
}

START_TEST(forward_backward_darts_v2)
{
	forward_backward(DARTS_V2);
}
END_TEST

START_TEST(forward_backward_all_ops)
{
	forward_backward(ALL_OPS);
}
END_TEST

START_TEST(aux_training_only)
{
	dca_net_shape sh = { 3, 32, 32, 10, 8, 5, 1 };
	dca_model *m = build(DARTS_V2, sh, 3), *m0;
	dca_graph *g = dca_graph_new();
	dca_tensor *x = random_input(g, 2, 9), *aux = x, *y;

	y = m->forward(m, g, x, 1, &aux);
	ck_assert_ptr_nonnull(y);
	ck_assert_ptr_nonnull(aux);
	ck_assert_int_eq(aux->n, 2);
	ck_assert_int_eq(aux->c, 10);
	aux = x;
	y = m->forward(m, g, x, 0, &aux);
	ck_assert_ptr_nonnull(y);
	ck_assert_ptr_null(aux);
	/* a NULL aux pointer is allowed */
	ck_assert_ptr_nonnull(m->forward(m, g, x, 1, NULL));
	dca_model_free(m);

	sh.auxiliary = 0;
	m0 = build(DARTS_V2, sh, 3);
	aux = x;
	ck_assert_ptr_nonnull(m0->forward(m0, g, x, 1, &aux));
	ck_assert_ptr_null(aux);
	dca_model_free(m0);
	dca_graph_free(g);
}
END_TEST

static int same(const dca_tensor *a, const dca_tensor *b)
{
	return a->size == b->size && memcmp(a->data, b->data, a->size * sizeof *a->data) == 0;
}

START_TEST(drop_path_training_only)
{
	dca_net_shape sh = { 3, 32, 32, 10, 8, 5, 0 };
	dca_model *m = build(DARTS_V2, sh, 3);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = random_input(g, 4, 11), *t0, *t0b, *t1, *e0, *e1;

	m->drop_path_prob = 0.0f;
	t0 = m->forward(m, g, x, 1, NULL);
	t0b = m->forward(m, g, x, 1, NULL);
	ck_assert_ptr_nonnull(t0);
	ck_assert_ptr_nonnull(t0b);
	ck_assert(same(t0, t0b)); /* training itself is deterministic */
	m->drop_path_prob = 0.5f;
	dca_rng_seed(&m->rng, 99);
	t1 = m->forward(m, g, x, 1, NULL);
	ck_assert_ptr_nonnull(t1);
	ck_assert(!same(t0, t1));

	/* eval: drop-path off, whatever the probability */
	m->drop_path_prob = 0.0f;
	e0 = m->forward(m, g, x, 0, NULL);
	m->drop_path_prob = 0.5f;
	e1 = m->forward(m, g, x, 0, NULL);
	ck_assert_ptr_nonnull(e0);
	ck_assert_ptr_nonnull(e1);
	ck_assert(same(e0, e1));
	dca_graph_free(g);
	dca_model_free(m);
}
END_TEST

static dca_tensor *shift_fn(dca_graph *g, dca_tensor **in, void *ctx)
{
	return dca_crop_offset(g, in[0], *(const int *)ctx);
}

static dca_tensor *fr_fn(dca_graph *g, dca_tensor **in, void *ctx)
{
	/* FactorizedReduce without BN: ReLU, the two branches, concat */
	dca_tensor *x = dca_relu(g, in[0]), *ab[2];

	(void)ctx;
	ab[0] = dca_conv2d(g, x, in[1], NULL, 2, 0, 1, 1);
	ab[1] = dca_conv2d(g, dca_crop_offset(g, x, 1), in[2], NULL, 2, 0, 1, 1);
	return dca_concat(g, ab, 2);
}

START_TEST(shift_values_and_gradient)
{
	dca_tensor *x = dca_param_new(2, 3, 6, 5, 1);
	dca_tensor *w1 = dca_param_new(4, 3, 1, 1, 1), *w2 = dca_param_new(4, 3, 1, 1, 1);
	dca_tensor *in[3] = { x, w1, w2 };
	dca_graph *g = dca_graph_new();
	dca_tensor *y;
	dca_rng r;
	int n, c, i, j, o;

	dca_rng_seed(&r, 21);
	gc_fill(x, &r, -1.0f, 1.0f);
	gc_fill(w1, &r, -1.0f, 1.0f);
	gc_fill(w2, &r, -1.0f, 1.0f);
	/* forward: exactly x[:, :, o:, o:] */
	for (o = 1; o <= 2; o++) {
		y = dca_crop_offset(g, x, o);
		ck_assert_ptr_nonnull(y);
		ck_assert_int_eq(y->n, 2);
		ck_assert_int_eq(y->c, 3);
		ck_assert_int_eq(y->h, 6 - o);
		ck_assert_int_eq(y->w, 5 - o);
		for (n = 0; n < 2; n++)
			for (c = 0; c < 3; c++)
				for (i = 0; i < 6 - o; i++)
					for (j = 0; j < 5 - o; j++)
						ck_assert_float_eq(
							y->data[((n * 3 + c) * (6 - o) + i) * (5 - o) + j],
							x->data[((n * 3 + c) * 6 + i + o) * 5 + j + o]);
		gradcheck("dca_crop_offset", shift_fn, in, 1, &o);
	}
	/* an offset the map cannot give is refused, naming the op */
	ck_assert_ptr_null(dca_crop_offset(g, x, 5));
	ck_assert_ptr_nonnull(strstr(dca_graph_error(g), "dca_crop_offset"));
	dca_graph_free(g);

	/* FactorizedReduce's branches on an even map: both halves 3x3 */
	dca_param_free(x);
	x = dca_param_new(2, 3, 6, 6, 1);
	gc_fill(x, &r, -1.0f, 1.0f);
	in[0] = x;
	g = dca_graph_new();
	y = fr_fn(g, in, NULL);
	ck_assert_ptr_nonnull(y);
	ck_assert_int_eq(y->c, 8);
	ck_assert_int_eq(y->h, 3);
	ck_assert_int_eq(y->w, 3);
	dca_graph_free(g);
	gradcheck("factorized_reduce", fr_fn, in, 3, NULL);
	dca_param_free(x);
	dca_param_free(w1);
	dca_param_free(w2);
}
END_TEST

START_TEST(rejects_bad_input)
{
	dca_error err = { 0 };
	dca_arch *a = parse_ok(DARTS_V2);
	dca_net_shape sh = { 3, 30, 32, 10, 8, 5, 0 };
	dca_model *m = NULL;

	ck_assert_int_eq(dca_space_build_model(S, a, &sh, 1, &m, &err), DCA_ERR_INVALID);
	ck_assert_ptr_null(m);
	printf("# rejected: %s\n", err.msg);
	sh.in_h = 32;
	sh.cells = 2;
	err.code = 0;
	ck_assert_int_eq(dca_space_build_model(S, a, &sh, 1, &m, &err), DCA_ERR_INVALID);
	sh.cells = 5;
	sh.auxiliary = 1;
	sh.in_h = sh.in_w = 16; /* 4x4 after two reductions: too small for the head */
	err.code = 0;
	ck_assert_int_eq(dca_space_build_model(S, a, &sh, 1, &m, &err), DCA_ERR_INVALID);
	printf("# rejected: %s\n", err.msg);
	S->arch_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("darts_model");
	TCase *tc = tcase_create("darts_model");

	dca_engine_init(2);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, param_count_darts_v2);
	tcase_add_test(tc, param_count_pc_darts);
	tcase_add_test(tc, param_count_all_ops);
	tcase_add_test(tc, forward_backward_darts_v2);
	tcase_add_test(tc, forward_backward_all_ops);
	tcase_add_test(tc, aux_training_only);
	tcase_add_test(tc, drop_path_training_only);
	tcase_add_test(tc, shift_values_and_gradient);
	tcase_add_test(tc, rejects_bad_input);
	suite_add_tcase(s, tc);
	return test_run(s);
}
