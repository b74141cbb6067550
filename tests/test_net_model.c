/* dcanas tests — the trainable network built from op descriptors
 * (dca_model_from_net, core/engine/net_model.c) on hand-built nets: its
 * parameters (names, shapes, order, count), a forward pass against the same
 * engine ops called by hand (every op kind, a fused ReLU, a shifted conv, a
 * zero op of another width, a three-input sum), the gradient by central
 * differences, the auxiliary output, drop-path, and the errors. The spaces'
 * networks: test_darts_model, test_train, tests/test_export.sh. */
#include "config.h"
#include "check_main.h"

#include <string.h>

#include "testutil.h"
#include "gradcheck.h"

#include <dcanas/model.h>
#include <dcanas/net.h>
#include <dcanas/ops.h>

/* input 2x6x6
 *   a = relu(x); c = conv3x3(a) "c" (bias), stride 1 pad 1 -> 3x6x6
 *   d = conv1x1(relu(c)) "p" (fused ReLU) -> 4x6x6; e = BN(d) "bn"
 *   f = conv1x1 on x[:, :, 1:, 1:] "s" -> 4x5x5 (offset 1), padded? no:
 *       maxpool(e, 2, 1, 0) -> 4x5x5, so f and the pool meet
 *   z = zero(x -> 4 channels, stride 1 on the 5x5 map)
 *   sum = pool + f + z; cat = concat(sum, avgpool(sum, 3, 1, 1)) -> 8x5x5
 *   logits = linear(global_avgpool(cat)) "fc" without bias -> 3 */
static dca_net net;

static void build_net(int names, int aux)
{
	int x, a, c, d, e, f, p, z, s[3], sum, av, cat[2], g;

	dca_net_init(&net);
	x = dca_net_input(&net, 2, 6, 6);
	a = dca_net_relu(&net, x);
	c = dca_net_conv(&net, a, 3, 3, 1, 1, 1, 1, 1);
	if (names)
		dca_net_param_last(&net, "c");
	dca_net_label_last(&net, "first conv");
	d = dca_net_relu(&net, c);
	d = dca_net_conv(&net, d, 4, 1, 1, 0, 1, 1, 0);
	dca_net_param_last(&net, "p");
	e = dca_net_batchnorm(&net, d, 1);
	dca_net_param_last(&net, "bn");
	p = dca_net_pool(&net, e, DCA_OP_MAXPOOL, 2, 1, 0);
	f = dca_net_conv_offset(&net, x, 1, 4, 1, 1, 0, 1, 1, 0);
	dca_net_param_last(&net, "s");
	z = dca_net_zero(&net, f, 4, 1);
	s[0] = p;
	s[1] = f;
	s[2] = z;
	sum = dca_net_add(&net, s, 3);
	av = dca_net_pool(&net, sum, DCA_OP_AVGPOOL, 3, 1, 1);
	cat[0] = sum;
	cat[1] = av;
	g = dca_net_concat(&net, cat, 2);
	if (aux) {
		/* a head on `sum`, after the main path as DARTS's */
		int h = dca_net_batchnorm(&net, sum, 0);

		dca_net_param_last(&net, "auxbn");
		h = dca_net_global_avgpool(&net, h);
		net.aux_output = dca_net_linear(&net, h, 3, 1);
		dca_net_param_last(&net, "auxfc");
	}
	g = dca_net_global_avgpool(&net, g);
	net.output = dca_net_linear(&net, g, 3, 0);
	dca_net_param_last(&net, "fc");
	ck_assert_int_ge(net.output, 0);
}

static dca_model *model(int aux)
{
	dca_error err = { 0 };
	dca_model *m = NULL;

	build_net(1, aux);
	ck_assert_msg(dca_model_from_net(&net, 5, &m, &err) == 0, "%s", err.msg);
	return m;
}

static dca_tensor *param(dca_model *m, const char *name)
{
	int i;

	for (i = 0; i < m->n_params; i++)
		if (!strcmp(m->param_names[i], name))
			return m->params[i];
	for (i = 0; i < m->n_buffers; i++)
		if (!strcmp(m->buffer_names[i], name))
			return m->buffers[i];
	ck_abort_msg("no tensor %s", name);
	return NULL;
}

START_TEST(parameters_named_in_op_order)
{
	static const char *const want[] = {
		"c.weight", "c.bias", "p.weight", "bn.weight", "bn.bias", "s.weight",
		"fc.weight",
	};
	dca_model *m = model(0);
	double count = 0;
	size_t i;

	ck_assert_int_eq(m->n_params, 7);
	for (i = 0; i < 7; i++)
		ck_assert_str_eq(m->param_names[i], want[i]);
	ck_assert_int_eq(m->n_buffers, 2);
	ck_assert_str_eq(m->buffer_names[0], "bn.running_mean");
	ck_assert_int_eq(param(m, "c.weight")->n, 3);
	ck_assert_int_eq(param(m, "c.weight")->c, 2);
	ck_assert_int_eq(param(m, "c.weight")->h, 3);
	ck_assert_int_eq(param(m, "fc.weight")->c, 8);
	for (i = 0; i < net.n_ops; i++)
		count += dca_op_params(&net.ops[i]);
	ck_assert_uint_eq(dca_model_param_count(m), (size_t)count);
	/* initialised as dca_conv_init: within 1/sqrt(fan_in), not all zero */
	ck_assert_float_le(fabsf(param(m, "c.weight")->data[0]), 1.0f / sqrtf(18.0f));
	ck_assert_float_ne(param(m, "s.weight")->data[0], 0.0f);
	ck_assert_float_eq(param(m, "bn.weight")->data[0], 1.0f);
	dca_model_free(m);
	dca_net_free(&net);
}
END_TEST

/* The same network with the engine's ops called one by one */
static dca_tensor *by_hand(dca_model *m, dca_graph *g, dca_tensor *x)
{
	dca_tensor *a, *c, *d, *e, *p, *f, *z, *sum, *cat[2];

	a = dca_relu(g, x);
	c = dca_conv2d(g, a, param(m, "c.weight"), param(m, "c.bias"), 1, 1, 1, 1);
	d = dca_conv2d(g, dca_relu(g, c), param(m, "p.weight"), NULL, 1, 0, 1, 1);
	e = dca_batchnorm(g, d, param(m, "bn.weight"), param(m, "bn.bias"),
			  param(m, "bn.running_mean"), param(m, "bn.running_var"), 0,
			  0.1f, 1e-5f);
	p = dca_maxpool(g, e, 2, 1, 0);
	f = dca_conv2d(g, dca_crop_offset(g, x, 1), param(m, "s.weight"), NULL, 1, 0, 1, 1);
	z = dca_tensor_new(g, x->n, 4, 5, 5, 0);
	sum = dca_add(g, dca_add(g, p, f), z);
	cat[0] = sum;
	cat[1] = dca_avgpool(g, sum, 3, 1, 1);
	return dca_linear(g, dca_global_avgpool(g, dca_concat(g, cat, 2)),
			  param(m, "fc.weight"), NULL);
}

static dca_tensor *input(dca_graph *g, int n, uint64_t seed)
{
	dca_tensor *x = dca_tensor_new(g, n, 2, 6, 6, 0);
	dca_rng r;
	size_t i;

	dca_rng_seed(&r, seed);
	for (i = 0; i < x->size; i++)
		x->data[i] = 2.0f * dca_rng_uniform(&r) - 1.0f;
	return x;
}

START_TEST(forward_matches_the_ops_by_hand)
{
	dca_model *m = model(0);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = input(g, 3, 1), *y, *h;
	size_t i;

	/* running statistics that are not the identity */
	for (i = 0; i < 4; i++) {
		param(m, "bn.running_mean")->data[i] = 0.1f * (float)i;
		param(m, "bn.running_var")->data[i] = 0.5f + (float)i;
		param(m, "bn.bias")->data[i] = -0.2f;
	}
	y = m->forward(m, g, x, 0, NULL);
	h = by_hand(m, g, x);
	ck_assert_ptr_nonnull(y);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(y->n, 3);
	ck_assert_int_eq(y->c, 3);
	for (i = 0; i < y->size; i++)
		ck_assert_float_eq(y->data[i], h->data[i]);
	dca_graph_free(g);
	dca_model_free(m);
	dca_net_free(&net);
}
END_TEST

static dca_model *gc_model;

static dca_tensor *model_fn(dca_graph *g, dca_tensor **in, void *ctx)
{
	(void)ctx;
	return gc_model->forward(gc_model, g, in[0], 0, NULL);
}

START_TEST(gradient_by_central_differences)
{
	dca_tensor *x = dca_param_new(2, 2, 6, 6, 1), *in[8];
	dca_rng r;
	int i, n = 1;

	gc_model = model(0);
	ck_assert_str_eq(gc_model->param_names[2], "p.weight");
	dca_rng_seed(&r, 3);
	gc_fill(x, &r, -1.0f, 1.0f);
	in[0] = x;
	/* the input and the weights after the first ReLU-conv-ReLU (a change
	 * of c's weights moves whole maps across those kinks, where central
	 * differences mislead); evaluation mode: fixed statistics */
	for (i = 2; i < gc_model->n_params; i++)
		in[n++] = gc_model->params[i];
	gradcheck("model from net", model_fn, in, n, NULL);
	dca_param_free(x);
	dca_model_free(gc_model);
	dca_net_free(&net);
}
END_TEST

START_TEST(aux_output_only_when_asked_in_training)
{
	dca_model *m = model(1);
	dca_graph *g = dca_graph_new();
	dca_tensor *x = input(g, 4, 2), *aux = x, *y;
	float *rm = param(m, "auxbn.running_mean")->data, before = rm[0];

	/* the head's parameters follow the main path's (net order) */
	ck_assert_str_eq(m->param_names[m->n_params - 1], "fc.weight");
	y = m->forward(m, g, x, 0, &aux);
	ck_assert_ptr_nonnull(y);
	ck_assert_ptr_null(aux);
	ck_assert_ptr_nonnull(m->forward(m, g, x, 1, NULL));
	/* the head did not run: its BN statistics are untouched */
	ck_assert_float_eq(rm[0], before);
	aux = NULL;
	y = m->forward(m, g, x, 1, &aux);
	ck_assert_ptr_nonnull(aux);
	ck_assert_int_eq(aux->n, 4);
	ck_assert_int_eq(aux->c, 3);
	ck_assert_float_ne(rm[0], before);
	dca_graph_free(g);
	dca_model_free(m);
	dca_net_free(&net);
}
END_TEST

START_TEST(drop_path_on_flagged_ops_in_training)
{
	dca_model *m;
	dca_graph *g = dca_graph_new();
	dca_tensor *x, *t0, *t1, *e0, *e1;
	dca_error err = { 0 };

	build_net(1, 0);
	/* flag the shifted conv ("s", op 6) */
	ck_assert_int_eq(net.ops[6].kind, DCA_OP_CONV);
	ck_assert_int_eq(net.binds[6].offset, 1);
	net.flags[6] |= DCA_OP_FLAG_DROP_PATH;
	ck_assert_int_eq(dca_model_from_net(&net, 5, &m, &err), 0);
	x = input(g, 8, 4);
	m->drop_path_prob = 0.0f;
	t0 = m->forward(m, g, x, 1, NULL);
	m->drop_path_prob = 0.9f;
	t1 = m->forward(m, g, x, 1, NULL);
	ck_assert_ptr_nonnull(t0);
	ck_assert_ptr_nonnull(t1);
	ck_assert(memcmp(t0->data, t1->data, t0->size * sizeof(float)) != 0);
	e0 = m->forward(m, g, x, 0, NULL);
	m->drop_path_prob = 0.0f;
	e1 = m->forward(m, g, x, 0, NULL);
	ck_assert(memcmp(e0->data, e1->data, e0->size * sizeof(float)) == 0);
	dca_graph_free(g);
	dca_model_free(m);
	dca_net_free(&net);
}
END_TEST

START_TEST(errors_name_the_problem)
{
	dca_error err = { 0 };
	dca_model *m = NULL;
	dca_graph *g;

	/* a conv without a name for its weights */
	build_net(0, 0);
	ck_assert_int_eq(dca_model_from_net(&net, 1, &m, &err), DCA_ERR_INVALID);
	ck_assert_ptr_null(m);
	ck_assert_ptr_nonnull(strstr(err.msg, "first conv"));
	ck_assert_ptr_nonnull(strstr(err.msg, "dca_net_param_last"));
	printf("# refused: %s\n", err.msg);
	dca_net_free(&net);
	/* an input of another shape */
	m = model(0);
	g = dca_graph_new();
	ck_assert_ptr_null(m->forward(m, g, dca_tensor_new(g, 1, 3, 6, 6, 0), 0, NULL));
	ck_assert_ptr_nonnull(strstr(dca_graph_error(g), "built for 2x6x6"));
	dca_graph_free(g);
	dca_model_free(m);
	dca_net_free(&net);
	/* a net whose op reads a tensor that does not exist yet */
	build_net(1, 0);
	net.ops[2].in[0] = (int)net.n_tensors - 1;
	err.code = 0;
	ck_assert_int_eq(dca_model_from_net(&net, 1, &m, &err), DCA_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "out of order"));
	dca_net_free(&net);
	/* an empty net */
	dca_net_init(&net);
	err.code = 0;
	ck_assert_int_eq(dca_model_from_net(&net, 1, &m, &err), DCA_ERR_INVALID);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_model");
	TCase *tc = tcase_create("core");

	dca_engine_init(2);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, parameters_named_in_op_order);
	tcase_add_test(tc, forward_matches_the_ops_by_hand);
	tcase_add_test(tc, gradient_by_central_differences);
	tcase_add_test(tc, aux_output_only_when_asked_in_training);
	tcase_add_test(tc, drop_path_on_flagged_ops_in_training);
	tcase_add_test(tc, errors_name_the_problem);
	suite_add_tcase(s, tc);
	return test_run(s);
}
