/* dcanas tests — elementwise, channel, loss and dropout ops (forward on
 * hand-computed cases; their gradients by finite differences are
 * tests/test_gradcheck.c's), the optimizers and
 * the learning-rate schedule. Expected numbers written with decimals were
 * computed with python3 (double precision) from the formulas in the brief:
 * PyTorch's label-smoothing, SGD and Adam conventions. */
#include "config.h"

#include "gradcheck.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <dcanas/optim.h>

#define TOL 1e-5

static dca_tensor *param(int n, int c, int h, int w, uint64_t seed, float lo, float hi)
{
	dca_tensor *t = dca_param_new(n, c, h, w, 1);
	dca_rng r;

	ck_assert_ptr_nonnull(t);
	dca_rng_seed(&r, seed);
	gc_fill(t, &r, lo, hi);
	return t;
}

static dca_tensor *param_of(int n, int c, int h, int w, const float *v)
{
	dca_tensor *t = dca_param_new(n, c, h, w, 1);

	ck_assert_ptr_nonnull(t);
	memcpy(t->data, v, t->size * sizeof(float));
	return t;
}

static void free_all(dca_tensor **t, int n)
{
	int i;
	for (i = 0; i < n; i++)
		dca_param_free(t[i]);
}

static void expect_data(const dca_tensor *t, const float *want, size_t n, double tol)
{
	size_t i;

	ck_assert_uint_eq(t->size, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(fabs((double)t->data[i] - want[i]) <= tol,
			      "element %zu: got %.9g, want %.9g", i, (double)t->data[i], (double)want[i]);
}

/* --- relu --- */

/* Inputs an op does not fit are refused, not aborted on: NULL, the op and
 * the reason in dca_graph_error (the first kept), cleared by a reset, and
 * dca_graph_error_set turns them into an error (NULL alone: out of memory). */
START_TEST(test_ops_refuse_bad_inputs)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *x = param(2, 4, 6, 6, 1, -1, 1), *w3 = param(8, 3, 3, 3, 2, -1, 1);
	dca_tensor *y = param(2, 4, 5, 6, 3, -1, 1), *gam = param(1, 3, 1, 1, 4, 1, 1);
	dca_tensor *fc = param(10, 7, 1, 1, 5, -1, 1), *logits = param(2, 3, 1, 1, 6, -1, 1);
	dca_error err = { 0 };
	static const int labels[2] = { 1, 3 };
	struct { const char *op, *why; } want[] = {
		{ "dca_add", "shapes differ" }, { "conv2d", "input channels" },
		{ "dca_batchnorm", "one per channel" }, { "dca_maxpool", "do not fit" },
		{ "dca_avgpool", "do not fit" }, { "dca_linear", "features per sample" },
		{ "dca_cross_entropy", "not a class" },
	};
	size_t i;

	for (i = 0; i < sizeof want / sizeof *want; i++) {
		dca_tensor *r = NULL;
		const char *e;

		dca_graph_reset(g);
		ck_assert_ptr_null(dca_graph_error(g));
		switch (i) {
		case 0: r = dca_add(g, x, y); break;
		case 1: r = dca_conv2d(g, x, w3, NULL, 1, 1, 1, 1); break;
		case 2: r = dca_batchnorm(g, x, gam, NULL, NULL, NULL, 1, 0.1f, 1e-5f); break;
		case 3: r = dca_maxpool(g, x, 9, 1, 0); break;
		case 4: r = dca_avgpool(g, x, 3, 1, 2); break;
		case 5: r = dca_linear(g, x, fc, NULL); break;
		case 6: r = dca_cross_entropy(g, logits, labels, 0.0f); break;
		}
		ck_assert_ptr_null(r);
		e = dca_graph_error(g);
		ck_assert_msg(e && strstr(e, want[i].op) && strstr(e, want[i].why),
			      "case %zu: %s", i, e ? e : "(no error)");
	}
	/* the first refusal is the one kept */
	ck_assert_ptr_null(dca_add(g, x, y));
	ck_assert_msg(strstr(dca_graph_error(g), "dca_cross_entropy") != NULL, "%s",
		      dca_graph_error(g));
	ck_assert_int_eq(dca_graph_error_set(g, &err, "a training step"), DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "a training step: dca_cross_entropy") != NULL, "%s", err.msg);
	dca_graph_reset(g);
	ck_assert_ptr_null(dca_graph_error(g));
	dca_error_clear(&err);
	ck_assert_int_eq(dca_graph_error_set(g, &err, "a training step"), DCA_ERR_NOMEM);
	ck_assert_msg(strstr(err.msg, "out of memory in a training step") != NULL, "%s", err.msg);
	dca_param_free(x);
	dca_param_free(w3);
	dca_param_free(y);
	dca_param_free(gam);
	dca_param_free(fc);
	dca_param_free(logits);
	dca_graph_free(g);
}
END_TEST

START_TEST(test_relu)
{
	static const float xv[] = { -1.0f, 0.5f, 2.0f, -0.1f };
	static const float want[] = { 0.0f, 0.5f, 2.0f, 0.0f };
	dca_graph *g = dca_graph_new();
	dca_tensor *x = param_of(1, 4, 1, 1, xv), *y;

	y = dca_relu(g, x);
	expect_data(y, want, 4, 0);
	dca_graph_free(g);
	dca_param_free(x);
}
END_TEST

/* --- add, scale --- */

START_TEST(test_add_scale)
{
	static const float av[] = { 1, 2, 3 }, bv[] = { 10, -20, 0.5f };
	static const float sum[] = { 11, -18, 3.5f }, scaled[] = { -2.5f, -5, -7.5f };
	static const float sv[] = { -2.5f };
	dca_graph *g = dca_graph_new();
	dca_tensor *t[2];

	t[0] = param_of(1, 3, 1, 1, av);
	t[1] = param_of(1, 3, 1, 1, bv);
	expect_data(dca_add(g, t[0], t[1]), sum, 3, 0);
	dca_param_free(t[1]);
	t[1] = param_of(1, 1, 1, 1, sv);
	expect_data(dca_scale(g, t[0], t[1]), scaled, 3, 0);
	dca_graph_free(g);
	free_all(t, 2);
}
END_TEST

/* --- an op of more than DCA_NODE_MAX_IN inputs: none is dropped --- */

static void sum6_backward(dca_graph *g, dca_node *nd)
{
	const float *go = dca_tensor_grad(g, nd->out);
	int k;

	for (k = 0; k < nd->n_many; k++)
		dca_tensor_grad(g, nd->many[k])[0] += go[0];
}

START_TEST(test_many_inputs)
{
	static const float one[] = { 1 };
	dca_graph *g = dca_graph_new();
	dca_tensor *in[6], *out;
	dca_node *nd;
	int k;

	for (k = 0; k < 6; k++)
		in[k] = param_of(1, 1, 1, 1, one);
	out = dca_tensor_new(g, 1, 1, 1, 1, 0);
	out->data[0] = 6;
	nd = dca_graph_record(g, out, sum6_backward, in, 6);
	ck_assert_ptr_nonnull(nd);
	ck_assert_int_eq(nd->n_many, 6);
	ck_assert_int_eq(dca_backward(g, out), 0);
	for (k = 0; k < 6; k++)
		ck_assert_msg(in[k]->grad && in[k]->grad[0] == 1, "input %d has no gradient", k);
	dca_graph_free(g);
	free_all(in, 6);
}
END_TEST

/* --- weighted sum, zero --- */

START_TEST(test_weighted_sum_zero)
{
	static const float x0[] = { 1, 2 }, x1[] = { -1, 4 }, x2[] = { 0.5f, 0 };
	static const float wv[] = { 2, 0.5f, -4 }, want[] = { -0.5f, 6 };
	dca_graph *g = dca_graph_new();
	dca_tensor *t[4], *z;
	size_t i;

	t[0] = param_of(1, 2, 1, 1, x0);
	t[1] = param_of(1, 2, 1, 1, x1);
	t[2] = param_of(1, 2, 1, 1, x2);
	t[3] = param_of(1, 3, 1, 1, wv);
	expect_data(dca_weighted_sum(g, t, 3, t[3]), want, 2, 0);
	free_all(t, 4);

	t[0] = param(2, 5, 3, 7, 5, 0, 1);
	z = dca_zero(g, t[0], 2); /* ceil(3/2) x ceil(7/2) */
	dca_param_free(t[0]);
	ck_assert_int_eq(z->n, 2);
	ck_assert_int_eq(z->c, 5);
	ck_assert_int_eq(z->h, 2);
	ck_assert_int_eq(z->w, 4);
	ck_assert_int_eq(z->requires_grad, 0);
	for (i = 0; i < z->size; i++)
		ck_assert(z->data[i] == 0.0f);
	dca_graph_free(g);
}
END_TEST

/* --- concat, slice, shuffle --- */

START_TEST(test_concat_slice)
{
	/* two samples, H x W = 1 x 2: a has 2 channels, b 1 */
	static const float av[] = { 1, 2, 3, 4, /* n1 */ 5, 6, 7, 8 };
	static const float bv[] = { 9, 10, /* n1 */ 11, 12 };
	static const float cat[] = { 1, 2, 3, 4, 9, 10, 5, 6, 7, 8, 11, 12 };
	static const float sl[] = { 3, 4, 9, 10, 7, 8, 11, 12 };
	dca_graph *g = dca_graph_new();
	dca_tensor *t[3], *c;

	t[0] = param_of(2, 2, 1, 2, av);
	t[1] = param_of(2, 1, 1, 2, bv);
	c = dca_concat(g, t, 2);
	ck_assert_int_eq(c->c, 3);
	expect_data(c, cat, 12, 0);
	expect_data(dca_channel_slice(g, c, 1, 2), sl, 8, 0);
	dca_graph_free(g);
	free_all(t, 2);

	/* flat slice: a row of an edges x ops matrix */
	g = dca_graph_new();
	t[0] = param_of(2, 2, 1, 2, av);
	c = dca_flat_slice(g, t[0], 2, 3);
	ck_assert_int_eq(c->n, 1);
	ck_assert_int_eq(c->c, 3);
	expect_data(c, av + 2, 3, 0);
	dca_graph_free(g);
	dca_param_free(t[0]);
}
END_TEST

START_TEST(test_shuffle)
{
	/* C = 6; channel k holds the value k (H = W = 1) */
	static const float xv[] = { 0, 1, 2, 3, 4, 5 };
	static const float g2[] = { 0, 3, 1, 4, 2, 5 }; /* view 2x3, transpose */
	static const float g3[] = { 0, 2, 4, 1, 3, 5 }; /* view 3x2, transpose */
	dca_graph *g = dca_graph_new();
	dca_tensor *x = param_of(1, 6, 1, 1, xv);

	expect_data(dca_channel_shuffle(g, x, 2), g2, 6, 0);
	expect_data(dca_channel_shuffle(g, x, 3), g3, 6, 0);
	dca_graph_free(g);
	dca_param_free(x);
}
END_TEST

/* --- softmax, cross-entropy --- */


START_TEST(test_softmax)
{
	static const float xv[] = { 1, 2, 3, 1001, 1002, 1003 };
	static const float want[] = { 0.09003057317038046f, 0.24472847105479767f,
				       0.6652409557748219f, 0.09003057317038046f,
				       0.24472847105479767f, 0.6652409557748219f };
	dca_graph *g = dca_graph_new();
	dca_tensor *x = param_of(2, 3, 1, 1, xv);

	/* the second row would overflow exp() without the max subtracted */
	expect_data(dca_softmax(g, x), want, 6, 1e-6);
	dca_graph_free(g);
	dca_param_free(x);
}
END_TEST

START_TEST(test_cross_entropy)
{
	static const float xv[] = { 1.0f, 2.0f, 0.5f, -1.0f, 0.0f, 3.0f };
	static const int lab[] = { 1, 0 };
	/* dL/dx with eps = 0.1: (softmax - q) / N */
	static const float grad01[] = { 0.09894528214440787f, -0.15240080706078546f,
					0.053455524916377575f, -0.45809275389390647f,
					0.006639644622320282f, 0.4514531092715862f };
	dca_graph *g = dca_graph_new();
	dca_tensor *x = param_of(2, 3, 1, 1, xv), *l;
	int i;

	l = dca_cross_entropy(g, x, lab, 0.0f);
	ck_assert_int_eq(l->size, 1);
	ck_assert_double_eq_tol(l->data[0], 2.265126343932687, TOL);
	l = dca_cross_entropy(g, x, lab, 0.1f);
	ck_assert_double_eq_tol(l->data[0], 2.2234596772660207, TOL);
	dca_param_zero_grad(x);
	ck_assert_int_eq(dca_backward(g, l), 0);
	for (i = 0; i < 6; i++)
		ck_assert_double_eq_tol(x->grad[i], grad01[i], TOL);
	dca_graph_free(g);
	dca_param_free(x);
}
END_TEST

/* --- dropout, drop-path --- */


START_TEST(test_dropout)
{
	const float p = 0.3f;
	dca_graph *g = dca_graph_new();
	dca_tensor *x = dca_tensor_new(g, 4, 16, 64, 64, 0), *y;
	dca_rng r;
	size_t i, zeros = 0;

	for (i = 0; i < x->size; i++)
		x->data[i] = 1.0f + (float)(i % 7);
	dca_rng_seed(&r, 5);
	ck_assert_ptr_eq(dca_dropout(g, x, p, 0, &r), x);
	ck_assert_ptr_eq(dca_dropout(g, x, 0.0f, 1, &r), x);
	y = dca_dropout(g, x, p, 1, &r);
	ck_assert_ptr_ne(y, x);
	for (i = 0; i < y->size; i++) {
		if (y->data[i] == 0.0f)
			zeros++;
		else
			ck_assert_float_eq_tol(y->data[i], x->data[i] / (1.0f - p), 1e-5f);
	}
	/* 262144 draws: the standard deviation of the fraction is 0.0009 */
	ck_assert_double_eq_tol((double)zeros / y->size, p, 0.005);
	dca_graph_free(g);
}
END_TEST

START_TEST(test_drop_path)
{
	const float p = 0.25f;
	dca_graph *g = dca_graph_new();
	dca_tensor *x = dca_tensor_new(g, 20000, 2, 1, 3, 0), *y;
	dca_rng r;
	size_t dropped = 0;
	int s, k;

	for (s = 0; s < x->n; s++)
		for (k = 0; k < 6; k++)
			x->data[s * 6 + k] = 1.0f + k;
	dca_rng_seed(&r, 6);
	ck_assert_ptr_eq(dca_drop_path(g, x, p, 0, &r), x);
	ck_assert_ptr_eq(dca_drop_path(g, x, 0.0f, 1, &r), x);
	y = dca_drop_path(g, x, p, 1, &r);
	for (s = 0; s < x->n; s++) {
		int zero = y->data[s * 6] == 0.0f;
		dropped += zero;
		/* whole samples: all zero or all scaled */
		for (k = 0; k < 6; k++)
			ck_assert_float_eq_tol(y->data[s * 6 + k],
					       zero ? 0.0f : x->data[s * 6 + k] / (1.0f - p), 1e-5f);
	}
	ck_assert_double_eq_tol((double)dropped / x->n, p, 0.015);
	dca_graph_free(g);
}
END_TEST

/* --- ops without gradients record nothing --- */

START_TEST(test_no_grad)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *x = dca_tensor_new(g, 2, 6, 3, 3, 0), *s = dca_tensor_new(g, 1, 1, 1, 1, 0);
	dca_tensor *xs[2], *y;

	s->data[0] = 2;
	xs[0] = dca_relu(g, x);
	xs[1] = dca_scale(g, x, s);
	y = dca_concat(g, xs, 2);
	y = dca_channel_shuffle(g, dca_channel_slice(g, y, 0, 6), 3);
	ck_assert_int_eq(y->requires_grad, 0);
	ck_assert_ptr_null(y->grad);
	ck_assert_int_eq(dca_backward(g, y), -1);
	dca_graph_free(g);
}
END_TEST

/* --- large tensors: the parallel paths agree with plain loops, and the
 * reductions do not depend on the thread count --- */

START_TEST(test_large)
{
	const int n = 4, ch = 12, hw = 48;
	dca_tensor *x = param(n, ch, hw, hw, 90, -1, 1), *s = param(1, 1, 1, 1, 91, 0.5f, 1);
	dca_tensor *w = param(1, 2, 1, 1, 92, -1, 1);
	float sgrad[2], wgrad[2][2];
	int run;

	for (run = 0; run < 2; run++) {
		dca_graph *g = dca_graph_new();
		dca_tensor *xs[2], *y, *z;
		size_t i;
#ifdef _OPENMP
		omp_set_num_threads(run ? 1 : 2);
#endif
		dca_param_zero_grad(x);
		dca_param_zero_grad(s);
		dca_param_zero_grad(w);
		xs[0] = dca_scale(g, x, s);
		xs[1] = dca_channel_shuffle(g, x, 3);
		y = dca_weighted_sum(g, xs, 2, w);
		z = dca_concat(g, xs, 2);
		for (i = 0; i < y->size; i++) {
			size_t plane = (size_t)hw * hw, sc = i / plane % ch, smp = i / plane / ch;
			size_t src = ((smp * ch) + (sc % 3) * 4 + sc / 3) * plane + i % plane;
			float want = w->data[0] * x->data[i] * s->data[0] + w->data[1] * x->data[src];
			ck_assert_float_eq_tol(y->data[i], want, 1e-5f);
			ck_assert_float_eq(z->data[(smp * 2 * ch + sc) * plane + i % plane],
					   xs[0]->data[i]);
		}
		ck_assert_ptr_nonnull(dca_tensor_grad(g, y));
		for (i = 0; i < y->size; i++)
			y->grad[i] = (float)(i % 5) - 2.0f;
		dca_graph_backward(g);
		sgrad[run] = s->grad[0];
		wgrad[run][0] = w->grad[0];
		wgrad[run][1] = w->grad[1];
		dca_graph_free(g);
	}
#ifdef _OPENMP
	omp_set_num_threads(2);
#endif
	ck_assert(sgrad[0] == sgrad[1]);
	ck_assert(wgrad[0][0] == wgrad[1][0] && wgrad[0][1] == wgrad[1][1]);
	dca_param_free(x);
	dca_param_free(s);
	dca_param_free(w);
}
END_TEST

/* --- optimizers --- */

static const float step_grads[3][3] = {
	{ 0.1f, 0.2f, -0.3f }, { -0.2f, 0.1f, 0.4f }, { 0.3f, -0.1f, 0.05f }
};
static const float p0[3] = { 1.0f, -2.0f, 0.5f };

START_TEST(test_sgd)
{
	/* lr 0.1, momentum 0.9, weight decay 0.01; python3, PyTorch rules */
	static const float want[2][3][3] = {
		{ { 0.989f, -2.018f, 0.5295f },
		  { 0.998111f, -2.042182f, 0.5155205f },
		  { 0.975312789f, -2.051903618f, 0.4974234295f } },
		{ /* nesterov */
		  { 0.9791f, -2.0342f, 0.55605f },
		  { 1.00632971f, -2.06391502f, 0.502888505f },
		  { 0.9548056125509999f, -2.060567879462f, 0.4810881163405f } }
	};
	int nest, step, i;

	for (nest = 0; nest < 2; nest++) {
		dca_tensor *p = param_of(1, 3, 1, 1, p0);
		dca_sgd o;
		ck_assert_int_eq(dca_sgd_init(&o, &p, 1, 0.1f, 0.9f, 0.01f, 0.0f), 0);
		o.nesterov = nest;
		for (step = 0; step < 3; step++) {
			float norm;
			memcpy(p->grad, step_grads[step], sizeof step_grads[step]);
			norm = dca_sgd_step(&o);
			ck_assert_float_eq_tol(norm, sqrtf(step_grads[step][0] * step_grads[step][0] +
							   step_grads[step][1] * step_grads[step][1] +
							   step_grads[step][2] * step_grads[step][2]), 1e-6f);
			for (i = 0; i < 3; i++)
				ck_assert_double_eq_tol(p->data[i], want[nest][step][i], TOL);
		}
		dca_sgd_free(&o);
		dca_param_free(p);
	}
}
END_TEST

START_TEST(test_sgd_clip)
{
	/* two params; clip to 0.25, lr 0.5, momentum 0.9, wd 0.1. Step 1 has
	 * norm 0.5 (clipped by 0.25 / (0.5 + 1e-6)), step 2 norm 0.05 (kept). */
	static const float av[] = { 1, 2 }, bv[] = { -1 };
	static const float want[2][3] = {
		{ 0.8750001499997f, 1.9f, -1.0499998000004f },
		{ 0.703750277499445f, 1.715f, -1.06249963000074f }
	};
	static const float ga[2][2] = { { 0.3f, 0 }, { 0.03f, 0 } }, gb[2] = { 0.4f, 0.04f };
	dca_tensor *ps[2];
	dca_sgd o;
	int step;

	ps[0] = param_of(1, 2, 1, 1, av);
	ps[1] = param_of(1, 1, 1, 1, bv);
	ck_assert_int_eq(dca_sgd_init(&o, ps, 2, 0.5f, 0.9f, 0.1f, 0.25f), 0);
	for (step = 0; step < 2; step++) {
		float norm;
		memcpy(ps[0]->grad, ga[step], sizeof ga[step]);
		ps[1]->grad[0] = gb[step];
		ck_assert_double_eq_tol(dca_grad_norm(ps, 2), step ? 0.05 : 0.5, 1e-6);
		norm = dca_sgd_step(&o);
		ck_assert_double_eq_tol(norm, step ? 0.05 : 0.5, 1e-6);
		if (step == 0) /* the gradients themselves are clipped, as clip_grad_norm_ */
			ck_assert_double_eq_tol(ps[0]->grad[0], 0.1499997, 1e-6);
		ck_assert_double_eq_tol(ps[0]->data[0], want[step][0], TOL);
		ck_assert_double_eq_tol(ps[0]->data[1], want[step][1], TOL);
		ck_assert_double_eq_tol(ps[1]->data[0], want[step][2], TOL);
	}
	dca_sgd_free(&o);
	free_all(ps, 2);
}
END_TEST

START_TEST(test_adam)
{
	/* Adam(lr, betas, eps 1e-8, weight_decay) with bias correction */
	static const float cfg[2][4] = { { 0.01f, 0.9f, 0.999f, 0.01f },
					 { 3e-4f, 0.5f, 0.999f, 1e-3f } };
	static const double want[2][3][3] = {
		{ { 0.9900000009090908, -2.0099999994444446, 0.509999999661017 },
		  { 0.9930869603929204, -2.019144158210721, 0.5079266941978933 },
		  { 0.9892528795706786, -2.0218460853974918, 0.5056352463829374 } },
		{ /* the DARTS architecture optimizer's settings */
		  { 0.9997000000297029, -2.0002999999848483, 0.5002999999899833 },
		  { 0.9998881847104468, -2.0005522499846573, 0.5001581928009452 },
		  { 0.9997085550889874, -2.000547977312303, 0.5000542814095488 } }
	};
	int k, step, i;

	for (k = 0; k < 2; k++) {
		dca_tensor *p = param_of(1, 3, 1, 1, p0);
		dca_adam o;
		ck_assert_int_eq(dca_adam_init(&o, &p, 1, cfg[k][0], cfg[k][1], cfg[k][2],
					       1e-8f, cfg[k][3]), 0);
		for (step = 0; step < 3; step++) {
			memcpy(p->grad, step_grads[step], sizeof step_grads[step]);
			dca_adam_step(&o);
			for (i = 0; i < 3; i++)
				ck_assert_double_eq_tol(p->data[i], want[k][step][i],
							k ? 2e-7 : 2e-6);
		}
		ck_assert_int_eq(o.t, 3);
		dca_adam_free(&o);
		dca_param_free(p);
	}
}
END_TEST

START_TEST(test_cosine)
{
	ck_assert_float_eq_tol(dca_cosine_lr(0.025f, 0.001f, 0, 50), 0.025f, 1e-9f);
	ck_assert_float_eq_tol(dca_cosine_lr(0.025f, 0.001f, 50, 50), 0.001f, 1e-9f);
	ck_assert_float_eq_tol(dca_cosine_lr(0.025f, 0.001f, 25, 50), 0.013f, 1e-7f);
	/* a quarter of the way: 0.001 + 0.024 (1 + cos(pi/4)) / 2 */
	ck_assert_float_eq_tol(dca_cosine_lr(0.025f, 0.001f, 10, 40), 0.02148528137423857f, 1e-7f);
	ck_assert_float_eq_tol(dca_cosine_lr(0.025f, 0.001f, 60, 50), 0.001f, 1e-9f);
}
END_TEST

static Suite *ops_suite(void)
{
	Suite *s = suite_create("ops_basic");
	TCase *tc = tcase_create("ops");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ops_refuse_bad_inputs);
	tcase_add_test(tc, test_relu);
	tcase_add_test(tc, test_add_scale);
	tcase_add_test(tc, test_weighted_sum_zero);
	tcase_add_test(tc, test_many_inputs);
	tcase_add_test(tc, test_concat_slice);
	tcase_add_test(tc, test_shuffle);
	tcase_add_test(tc, test_softmax);
	tcase_add_test(tc, test_cross_entropy);
	tcase_add_test(tc, test_dropout);
	tcase_add_test(tc, test_drop_path);
	tcase_add_test(tc, test_no_grad);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);

	tc = tcase_create("optim");
	tcase_add_test(tc, test_sgd);
	tcase_add_test(tc, test_sgd_clip);
	tcase_add_test(tc, test_adam);
	tcase_add_test(tc, test_cosine);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	dca_engine_init(2);
	sr = srunner_create(ops_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
