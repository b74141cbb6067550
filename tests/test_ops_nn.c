/* dcanas tests — conv2d, linear, batchnorm and pooling: forward against
 * hand-computed cases and a naive reference, bit-identical repeats,
 * gradients assigned or added alike, and out of memory in backward as an
 * error. The gradients by finite differences: tests/test_gradcheck.c. */
#include "config.h"

#include "gradcheck.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

/* ---- helpers ---- */

static dca_tensor *mk(int n, int c, int h, int w, int rg, const float *v)
{
	dca_tensor *t = dca_param_new(n, c, h, w, rg);
	ck_assert_ptr_nonnull(t);
	if (v)
		memcpy(t->data, v, t->size * sizeof(float));
	return t;
}

static dca_tensor *mk_rand(int n, int c, int h, int w, int rg, dca_rng *r)
{
	dca_tensor *t = mk(n, c, h, w, rg, NULL);
	gc_fill(t, r, -1.0f, 1.0f);
	return t;
}

/* distinct values 0.1 apart in random order, so no max ever ties */
static void expect(const dca_tensor *t, const float *v, size_t n, float tol)
{
	size_t i;
	ck_assert_uint_eq(t->size, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(fabsf(t->data[i] - v[i]) <= tol,
			      "element %zu: got %.7g, expected %.7g", i, t->data[i], v[i]);
}

static void free_all(dca_tensor **t, int n)
{
	int i;
	for (i = 0; i < n; i++)
		dca_param_free(t[i]);
}

static const float seq9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

/* ---- conv2d forward ---- */

static dca_tensor *conv_once(const float *w4, int stride, int pad, int dil,
			     dca_tensor *b, dca_graph *g, dca_tensor **keep)
{
	dca_tensor *x = mk(1, 1, 3, 3, 0, seq9), *w = mk(1, 1, 2, 2, 0, w4);
	dca_tensor *y = dca_conv2d(g, x, w, b, stride, pad, dil, 1);
	keep[0] = x;
	keep[1] = w;
	return y;
}

START_TEST(test_conv_forward_hand)
{
	const float w4[4] = {1, 2, 3, 4};
	dca_graph *g = dca_graph_new();
	dca_tensor *keep[2], *y, *b = mk(1, 1, 1, 1, 0, (const float[]){0.5f});

	/* stride 1: 2x2 output */
	y = conv_once(w4, 1, 0, 1, NULL, g, keep);
	ck_assert_int_eq(y->h, 2);
	ck_assert_int_eq(y->w, 2);
	expect(y, (const float[]){37, 47, 67, 77}, 4, 1e-5f);
	ck_assert_int_eq(y->requires_grad, 0);
	free_all(keep, 2);

	/* stride 2: only the top-left window */
	y = conv_once(w4, 2, 0, 1, NULL, g, keep);
	expect(y, (const float[]){37}, 1, 1e-5f);
	free_all(keep, 2);

	/* padding 1: 4x4 output, edges see zeros */
	y = conv_once(w4, 1, 1, 1, NULL, g, keep);
	ck_assert_int_eq(y->h, 4);
	expect(y, (const float[]){4, 11, 18, 9,
				  18, 37, 47, 21,
				  36, 67, 77, 33,
				  14, 23, 26, 9}, 16, 1e-5f);
	free_all(keep, 2);

	/* padding 1, stride 2: 2x2 output */
	y = conv_once(w4, 2, 1, 1, NULL, g, keep);
	expect(y, (const float[]){4, 18, 36, 77}, 4, 1e-5f);
	free_all(keep, 2);

	/* dilation 2: the taps are the four corners */
	y = conv_once(w4, 1, 0, 2, b, g, keep);
	expect(y, (const float[]){1 * 1 + 2 * 3 + 3 * 7 + 4 * 9 + 0.5f}, 1, 1e-5f);
	free_all(keep, 2);

	dca_param_free(b);
	dca_graph_free(g);
}
END_TEST

/* naive reference convolution, double accumulators */
static void conv_ref(const dca_tensor *x, const dca_tensor *w, const dca_tensor *b,
		     int s, int p, int d, int groups, int ho, int wo, float *out)
{
	int cin = x->c, cout = w->n, cg = cin / groups, og = cout / groups;
	int n, o, ci, oy, ox, ky, kx;
	for (n = 0; n < x->n; n++)
		for (o = 0; o < cout; o++)
			for (oy = 0; oy < ho; oy++)
				for (ox = 0; ox < wo; ox++) {
					double acc = b ? b->data[o] : 0;
					int gi = o / og;
					for (ci = 0; ci < cg; ci++)
						for (ky = 0; ky < w->h; ky++)
							for (kx = 0; kx < w->w; kx++) {
								int iy = oy * s - p + ky * d;
								int ix = ox * s - p + kx * d;
								if (iy < 0 || iy >= x->h || ix < 0 || ix >= x->w)
									continue;
								acc += (double)w->data[((o * cg + ci) * w->h + ky) * w->w + kx] *
								       x->data[((n * cin + gi * cg + ci) * x->h + iy) * x->w + ix];
							}
					out[((n * cout + o) * ho + oy) * wo + ox] = (float)acc;
				}
}

/* conv2d of random data (3 samples) against conv_ref: output shape and
 * every value; `what` and t name the case in a failure */
static void conv_vs_reference(dca_rng *r, int cin, int cout, int h, int w, int k,
			      int s, int p, int d, int groups, int bias,
			      const char *what, size_t t)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *x = mk_rand(3, cin, h, w, 0, r);
	dca_tensor *wt = mk_rand(cout, cin / groups, k, k, 0, r);
	dca_tensor *b = bias ? mk_rand(1, cout, 1, 1, 0, r) : NULL;
	dca_tensor *y = dca_conv2d(g, x, wt, b, s, p, d, groups);
	int ho = (h + 2 * p - d * (k - 1) - 1) / s + 1;
	int wo = (w + 2 * p - d * (k - 1) - 1) / s + 1;
	float *ref = malloc(y->size * sizeof *ref);
	size_t i;

	ck_assert_int_eq(y->h, ho);
	ck_assert_int_eq(y->w, wo);
	ck_assert_int_eq(y->c, cout);
	conv_ref(x, wt, b, s, p, d, groups, ho, wo, ref);
	for (i = 0; i < y->size; i++)
		ck_assert_msg(fabsf(y->data[i] - ref[i]) <= 1e-4f,
			      "%s config %zu element %zu: %g vs %g", what, t, i,
			      y->data[i], ref[i]);
	free(ref);
	dca_param_free(x);
	dca_param_free(wt);
	dca_param_free(b);
	dca_graph_free(g);
}

/* ungrouped convolutions on whole-vector widths (the direct path), odd
 * channel counts, against the reference, AVX-512 kernels on and off */
START_TEST(test_conv_forward_paths)
{
	/* cin, cout, h, w, k, stride, pad, dil */
	static const int cfg[][8] = {
		{3, 10, 5, 16, 3, 1, 1, 1}, {20, 36, 3, 16, 3, 1, 1, 1},
		{3, 9, 4, 32, 3, 1, 2, 2}, {4, 7, 3, 16, 5, 1, 2, 1},
		{5, 17, 4, 32, 3, 2, 1, 1}, {6, 11, 3, 16, 1, 1, 0, 1},
		{3, 8, 4, 16, 3, 1, 0, 1}, {7, 5, 3, 48, 3, 1, 1, 1},
		{9, 12, 8, 8, 3, 1, 1, 1}, {4, 10, 6, 8, 5, 1, 4, 2},
		{3, 5, 5, 8, 3, 1, 1, 1},
	};
	int simd = dca_engine_set_simd(1), mode;
	dca_rng r;
	size_t t;

	dca_rng_seed(&r, 11);
	for (mode = 1; mode >= 0; mode--) {
		dca_engine_set_simd(mode);
		for (t = 0; t < sizeof cfg / sizeof cfg[0]; t++) {
			const int *c = cfg[t];
			conv_vs_reference(&r, c[0], c[1], c[2], c[3], c[4], c[5], c[6],
					  c[7], 1, 1, mode ? "simd" : "blas", t);
		}
	}
	dca_engine_set_simd(simd);
}
END_TEST

/* One sample alone (fewer samples than threads: its output vectors or
 * columns are split among the threads) gives the bits it gets inside a
 * batch of 3 (a split by samples), on every path, with 1, 2 and 4 threads. */
START_TEST(test_conv_batch1_same_bits)
{
	/* cin, cout, h, w, k, pad, dil, groups, stride: direct, depthwise,
	 * pointwise and im2col (stride 2) paths */
	static const int cfg[][9] = {
		{16, 16, 32, 32, 3, 1, 1, 1, 1}, {20, 36, 8, 8, 3, 1, 1, 1, 1},
		{8, 12, 16, 16, 5, 4, 2, 1, 1}, {3, 8, 4, 4, 3, 1, 1, 1, 1},
		{8, 8, 16, 16, 3, 1, 1, 8, 1}, {8, 16, 7, 9, 1, 0, 1, 1, 1},
		{36, 40, 16, 16, 1, 0, 1, 1, 1}, {16, 32, 32, 32, 3, 1, 1, 1, 2},
		{5, 12, 15, 17, 3, 1, 1, 1, 2},
	};
	static const int threads[] = { 1, 2, 4 };
	int before = dca_engine_threads(), simd = dca_engine_set_simd(1), mode;
	size_t t, ti;
	dca_rng r;

	dca_rng_seed(&r, 23);
	for (mode = 1; mode >= 0; mode--)
		for (ti = 0; ti < sizeof threads / sizeof *threads; ti++)
			for (t = 0; t < sizeof cfg / sizeof cfg[0]; t++) {
				const int *c = cfg[t];
				dca_graph *g = dca_graph_new();
				dca_tensor *x = mk_rand(3, c[0], c[2], c[3], 0, &r);
				dca_tensor *w = mk_rand(c[1], c[0] / c[7], c[4], c[4], 0, &r);
				dca_tensor *b = mk_rand(1, c[1], 1, 1, 0, &r), *y, *one, *x1;
				int i, relu;

				dca_engine_set_simd(mode);
				dca_engine_init(threads[ti]);
				for (relu = 0; relu < 2; relu++) {
					y = relu ? dca_relu_conv2d(g, x, w, b, c[8], c[5], c[6], c[7])
						 : dca_conv2d(g, x, w, b, c[8], c[5], c[6], c[7]);
					ck_assert_ptr_nonnull(y);
					for (i = 0; i < 3; i++) {
						size_t xs = x->size / 3, ys = y->size / 3;
						x1 = dca_tensor_new(g, 1, c[0], c[2], c[3], 0);
						memcpy(x1->data, x->data + i * xs, xs * sizeof(float));
						one = relu ? dca_relu_conv2d(g, x1, w, b, c[8], c[5], c[6], c[7])
							   : dca_conv2d(g, x1, w, b, c[8], c[5], c[6], c[7]);
						ck_assert_ptr_nonnull(one);
						ck_assert_msg(memcmp(one->data, y->data + i * ys,
								     ys * sizeof(float)) == 0,
							      "config %zu, %d threads, simd %d, relu %d, "
							      "sample %d: batch 1 differs", t,
							      threads[ti], mode, relu, i);
					}
				}
				dca_param_free(x);
				dca_param_free(w);
				dca_param_free(b);
				dca_graph_free(g);
			}
	dca_engine_init(before);
	dca_engine_set_simd(simd);
}
END_TEST

START_TEST(test_conv_forward_reference)
{
	/* cin, cout, k, stride, pad, dil, groups, bias */
	static const int cfg[][8] = {
		{3, 4, 3, 1, 1, 1, 1, 1}, {3, 4, 3, 2, 1, 1, 1, 0},
		{4, 6, 3, 1, 2, 2, 2, 1}, {4, 4, 3, 1, 1, 1, 4, 1},
		{4, 4, 5, 2, 2, 1, 4, 0}, {6, 6, 3, 1, 2, 2, 6, 1},
		{4, 8, 1, 1, 0, 1, 1, 1}, {4, 6, 1, 1, 0, 1, 2, 0},
		{4, 8, 1, 2, 0, 1, 1, 0}, {3, 5, 2, 1, 0, 3, 1, 1},
		{8, 8, 3, 2, 1, 1, 8, 1}, {2, 4, 3, 3, 0, 1, 2, 1},
	};
	dca_rng r;
	size_t t;

	dca_rng_seed(&r, 7);
	for (t = 0; t < sizeof cfg / sizeof cfg[0]; t++) {
		const int *c = cfg[t];
		conv_vs_reference(&r, c[0], c[1], 9, 7, c[2], c[3], c[4], c[5], c[6],
				  c[7], "9x7", t);
	}
}
END_TEST

/* ---- relu folded into conv2d ---- */

typedef struct {
	int stride, pad, dil, groups, bias;
} conv_ctx;

static dca_tensor *f_relu_conv(dca_graph *g, dca_tensor **in, void *ctx)
{
	conv_ctx *c = ctx;
	return dca_relu_conv2d(g, in[0], in[1], c->bias ? in[2] : NULL, c->stride,
			       c->pad, c->dil, c->groups);
}

static void relu_conv_case(const char *name, int n, int cin, int cout, int h,
			   int w, int k, conv_ctx c)
{
	dca_rng r;
	dca_tensor *in[3], *y, *ref, *xr;
	dca_graph *g = dca_graph_new();
	size_t i;

	dca_rng_seed(&r, 5);
	in[0] = mk_rand(n, cin, h, w, 1, &r);
	in[1] = mk_rand(cout, cin / c.groups, k, k, 1, &r);
	in[2] = mk_rand(1, cout, 1, 1, 1, &r);
	/* forward: the same numbers as a ReLU, then the convolution */
	y = f_relu_conv(g, in, &c);
	xr = dca_relu(g, in[0]);
	ref = dca_conv2d(g, xr, in[1], c.bias ? in[2] : NULL, c.stride, c.pad,
			 c.dil, c.groups);
	ck_assert_uint_eq(y->size, ref->size);
	for (i = 0; i < y->size; i++)
		ck_assert_msg(fabsf(y->data[i] - ref->data[i]) <= 1e-5f,
			      "%s element %zu: %g vs %g", name, i, y->data[i],
			      ref->data[i]);
	dca_graph_free(g);
	free_all(in, 3);
}

static void relu_conv_cases(void)
{
	relu_conv_case("relu conv 3x3 w16", 2, 3, 10, 4, 16, 3, (conv_ctx){1, 1, 1, 1, 1});
	relu_conv_case("relu conv 3x3 8x8", 2, 5, 6, 4, 8, 3, (conv_ctx){1, 1, 1, 1, 0});
	relu_conv_case("relu conv 3x3 7x5", 2, 3, 4, 7, 5, 3, (conv_ctx){1, 1, 1, 1, 1});
	relu_conv_case("relu conv 3x3 s2 w16", 2, 3, 4, 5, 16, 3, (conv_ctx){2, 1, 1, 1, 1});
	relu_conv_case("relu conv 1x1", 2, 3, 5, 7, 5, 1, (conv_ctx){1, 0, 1, 1, 1});
	relu_conv_case("relu dw 3x3", 2, 4, 4, 7, 5, 3, (conv_ctx){1, 1, 1, 4, 1});
	relu_conv_case("relu dw 5x5 dil2 s2", 2, 3, 3, 7, 9, 5, (conv_ctx){2, 4, 2, 3, 0});
}

START_TEST(test_relu_conv)
{
	int simd = dca_engine_set_simd(1);

	relu_conv_cases();
	dca_engine_set_simd(0);
	relu_conv_cases();
	dca_engine_set_simd(simd);
}
END_TEST

/* ---- gradients through intermediate tensors ----
 * An intermediate activation's gradient buffer is left uncleared when its
 * first writer is an op that assigns all of it (dca_node.assigns). The same
 * NAS-Bench-201-like cell is run twice: as is, and with every intermediate's
 * gradient made (cleared) before backward, so every op adds instead. The
 * inputs' gradients must agree exactly. Node a feeds three consumers, and
 * one add takes the same tensor in both slots. */

#define CELL_IN 6

static void cell_grads(dca_tensor **in, int precleared, float *out)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *t[10], *y;
	size_t i, off = 0;
	int k;

	for (k = 0; k < CELL_IN; k++)
		dca_param_zero_grad(in[k]);
	t[0] = dca_relu_conv2d(g, in[0], in[1], NULL, 1, 1, 1, 1);     /* direct */
	t[1] = dca_batchnorm(g, t[0], in[3], NULL, NULL, NULL, 1, 0.1f, 1e-5f);
	t[2] = dca_relu_conv2d(g, t[1], in[2], NULL, 1, 1, 1, 1);
	t[3] = dca_batchnorm(g, t[2], NULL, NULL, NULL, NULL, 1, 0.1f, 1e-5f);
	t[4] = dca_relu(g, t[1]);
	t[5] = dca_add(g, t[3], t[4]);
	t[6] = dca_add(g, t[5], t[1]);
	t[7] = dca_add(g, t[6], t[6]);
	/* a separable convolution: depthwise (ReLU folded), then pointwise */
	t[8] = dca_relu_conv2d(g, t[7], in[4], NULL, 1, 1, 1, 4);
	t[9] = dca_conv2d(g, t[8], in[5], NULL, 1, 0, 1, 1);
	y = dca_global_avgpool(g, t[9]);
	if (precleared)
		for (k = 0; k < 10; k++)
			ck_assert_ptr_nonnull(dca_tensor_grad(g, t[k]));
	ck_assert_ptr_nonnull(dca_tensor_grad(g, y));
	for (i = 0; i < y->size; i++)
		y->grad[i] = 0.1f * (float)(i % 7) - 0.3f;
	ck_assert_int_eq(dca_graph_backward(g), 0);
	for (k = 0; k < CELL_IN; k++) {
		memcpy(out + off, in[k]->grad, in[k]->size * sizeof *out);
		off += in[k]->size;
	}
	dca_graph_free(g);
}

START_TEST(test_fresh_grads)
{
	int simd = dca_engine_set_simd(1);
	dca_tensor *in[CELL_IN];
	float *a, *b;
	size_t i, n = 0;
	int k, mode;
	dca_rng r;

	dca_rng_seed(&r, 21);
	in[0] = mk_rand(2, 3, 4, 16, 1, &r);
	in[1] = mk_rand(4, 3, 3, 3, 1, &r);
	in[2] = mk_rand(4, 4, 3, 3, 1, &r);
	in[3] = mk_rand(1, 4, 1, 1, 1, &r);
	in[4] = mk_rand(4, 1, 3, 3, 1, &r);
	in[5] = mk_rand(4, 4, 1, 1, 1, &r);
	for (k = 0; k < CELL_IN; k++)
		n += in[k]->size;
	a = malloc(n * sizeof *a);
	b = malloc(n * sizeof *b);
	for (mode = 1; mode >= 0; mode--) {
		dca_engine_set_simd(mode);
		cell_grads(in, 0, a);
		cell_grads(in, 1, b);
		for (i = 0; i < n; i++)
			ck_assert_msg(a[i] == b[i] && !isnan(a[i]),
				      "simd %d gradient %zu: %g assigned vs %g added",
				      mode, i, a[i], b[i]);
	}
	dca_engine_set_simd(simd);
	free(a);
	free(b);
	free_all(in, CELL_IN);
}
END_TEST

/* ---- determinism ---- */

static void conv_run(int groups, int cin, int cout, dca_tensor *x, dca_tensor *w,
		     dca_tensor *b, float *gx, float *gw, float *gb, float *out)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *y;
	size_t i;
	dca_rng r;

	(void)cin;
	(void)cout;
	dca_param_zero_grad(x);
	dca_param_zero_grad(w);
	dca_param_zero_grad(b);
	y = dca_conv2d(g, x, w, b, 1, 1, 1, groups);
	dca_rng_seed(&r, 5);
	ck_assert_ptr_nonnull(dca_tensor_grad(g, y));
	for (i = 0; i < y->size; i++)
		y->grad[i] = dca_rng_uniform(&r) - 0.5f;
	memcpy(out, y->data, y->size * sizeof *out);
	ck_assert_int_eq(dca_graph_backward(g), 0);
	memcpy(gx, x->grad, x->size * sizeof *gx);
	memcpy(gw, w->grad, w->size * sizeof *gw);
	memcpy(gb, b->grad, b->size * sizeof *gb);
	dca_graph_free(g);
}

/* two runs on hw x hw planes, with threads[0] and threads[1] threads */
static void determinism_case(int groups, int cin, int cout, int hw,
			     const int threads[2])
{
	dca_rng r;
	dca_tensor *x, *w, *b;
	float *buf[8];
	size_t ysz;
	int i, before = dca_engine_threads();

	dca_rng_seed(&r, 11);
	x = mk_rand(16, cin, hw, hw, 1, &r);
	w = mk_rand(cout, cin / groups, 3, 3, 1, &r);
	b = mk_rand(1, cout, 1, 1, 1, &r);
	ysz = (size_t)16 * cout * hw * hw;
	for (i = 0; i < 2; i++) {
		dca_engine_init(threads[i]);
		buf[4 * i + 0] = malloc(x->size * sizeof(float));
		buf[4 * i + 1] = malloc(w->size * sizeof(float));
		buf[4 * i + 2] = malloc(b->size * sizeof(float));
		buf[4 * i + 3] = malloc(ysz * sizeof(float));
		conv_run(groups, cin, cout, x, w, b, buf[4 * i], buf[4 * i + 1],
			 buf[4 * i + 2], buf[4 * i + 3]);
	}
	dca_engine_init(before);
	ck_assert(memcmp(buf[0], buf[4], x->size * sizeof(float)) == 0);
	ck_assert(memcmp(buf[1], buf[5], w->size * sizeof(float)) == 0);
	ck_assert(memcmp(buf[2], buf[6], b->size * sizeof(float)) == 0);
	ck_assert(memcmp(buf[3], buf[7], ysz * sizeof(float)) == 0);
	for (i = 0; i < 8; i++)
		free(buf[i]);
	dca_param_free(x);
	dca_param_free(w);
	dca_param_free(b);
}

START_TEST(test_conv_determinism)
{
	static const int same[2] = { 2, 2 }, one_two[2] = { 1, 2 };

	int simd = dca_engine_set_simd(1);

	determinism_case(1, 8, 16, 11, same);
	determinism_case(2, 8, 12, 11, same);
	determinism_case(8, 8, 8, 11, same);
	/* the direct path (AVX-512, stride 1, one group): dW partials per group
	 * of samples, so one thread and two give the same bits; elsewhere the
	 * partials are per thread, and only the same thread count repeats */
	determinism_case(1, 8, 16, 16, simd ? one_two : same);
	determinism_case(1, 5, 12, 8, simd ? one_two : same);
	dca_engine_set_simd(0);
	determinism_case(1, 8, 16, 16, same);
	dca_engine_set_simd(simd);
}
END_TEST

/* ---- linear ---- */

START_TEST(test_linear_forward)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *x = mk(2, 3, 1, 1, 0, (const float[]){1, 2, 3, 4, 5, 6});
	dca_tensor *w = mk(2, 3, 1, 1, 0, (const float[]){1, 0, -1, 0.5f, 0.5f, 0.5f});
	dca_tensor *b = mk(1, 2, 1, 1, 0, (const float[]){1, -1});
	dca_tensor *y = dca_linear(g, x, w, b);

	ck_assert_int_eq(y->n, 2);
	ck_assert_int_eq(y->c, 2);
	expect(y, (const float[]){-1, 2, -1, 6.5f}, 4, 1e-6f);
	y = dca_linear(g, x, w, NULL);
	expect(y, (const float[]){-2, 3, -2, 7.5f}, 4, 1e-6f);
	dca_param_free(x);
	dca_param_free(w);
	dca_param_free(b);
	dca_graph_free(g);
}
END_TEST

/* ---- batchnorm ---- */

START_TEST(test_bn_train_forward)
{
	dca_rng r;
	dca_graph *g = dca_graph_new();
	dca_tensor *x, *rm, *rv, *y, *gm, *bt;
	const float rm0[3] = {0.2f, -0.1f, 0}, rv0[3] = {1, 2, 0.5f};
	int c, n;
	size_t j, hw = 15;

	dca_rng_seed(&r, 21);
	x = mk(4, 3, 3, 5, 0, NULL);
	gc_fill(x, &r, -2.0f, 3.0f);
	rm = mk(1, 3, 1, 1, 0, rm0);
	rv = mk(1, 3, 1, 1, 0, rv0);
	y = dca_batchnorm(g, x, NULL, NULL, rm, rv, 1, 0.1f, 1e-5f);
	for (c = 0; c < 3; c++) {
		double s = 0, v = 0, ys = 0, yv = 0, m = 4.0 * hw;
		for (n = 0; n < 4; n++)
			for (j = 0; j < hw; j++) {
				s += x->data[(n * 3 + c) * hw + j];
				ys += y->data[(n * 3 + c) * hw + j];
			}
		s /= m;
		ys /= m;
		for (n = 0; n < 4; n++)
			for (j = 0; j < hw; j++) {
				double d = x->data[(n * 3 + c) * hw + j] - s;
				double e = y->data[(n * 3 + c) * hw + j] - ys;
				v += d * d;
				yv += e * e;
			}
		ck_assert_msg(fabs(ys) < 1e-5, "channel %d mean %g", c, ys);
		ck_assert_msg(fabs(yv / m - 1) < 1e-3, "channel %d var %g", c, yv / m);
		ck_assert_msg(fabsf(rm->data[c] - (float)(0.9 * rm0[c] + 0.1 * s)) < 1e-6f,
			      "running mean %d: %g", c, rm->data[c]);
		ck_assert_msg(fabsf(rv->data[c] - (float)(0.9 * rv0[c] + 0.1 * v / (m - 1))) < 1e-5f,
			      "running var %d: %g", c, rv->data[c]);
	}
	/* affine: y = gamma * xhat + beta */
	gm = mk(1, 3, 1, 1, 0, (const float[]){2, -1, 0.5f});
	bt = mk(1, 3, 1, 1, 0, (const float[]){1, 0, -3});
	{
		dca_tensor *y2 = dca_batchnorm(g, x, gm, bt, NULL, NULL, 1, 0.1f, 1e-5f);
		for (j = 0; j < y->size; j++) {
			int ch = (int)(j / hw) % 3;
			ck_assert(fabsf(y2->data[j] - (gm->data[ch] * y->data[j] + bt->data[ch])) < 1e-5f);
		}
	}
	dca_param_free(gm);
	dca_param_free(bt);
	dca_param_free(x);
	dca_param_free(rm);
	dca_param_free(rv);
	dca_graph_free(g);
}
END_TEST

START_TEST(test_bn_eval_forward)
{
	dca_graph *g = dca_graph_new();
	/* 1 x 2 x 1 x 2 */
	dca_tensor *x = mk(1, 2, 1, 2, 0, (const float[]){1, 3, -2, 4});
	dca_tensor *rm = mk(1, 2, 1, 1, 0, (const float[]){1, 2});
	dca_tensor *rv = mk(1, 2, 1, 1, 0, (const float[]){4, 0.25f});
	dca_tensor *gm = mk(1, 2, 1, 1, 0, (const float[]){2, 1});
	dca_tensor *bt = mk(1, 2, 1, 1, 0, (const float[]){0.5f, -1});
	dca_tensor *y;

	y = dca_batchnorm(g, x, gm, bt, rm, rv, 0, 0.1f, 0.0f);
	/* ch0: 2 * (x - 1) / 2 + 0.5; ch1: (x - 2) / 0.5 - 1 */
	expect(y, (const float[]){0.5f, 2.5f, -9, 3}, 4, 1e-6f);
	y = dca_batchnorm(g, x, NULL, NULL, rm, rv, 0, 0.1f, 0.0f);
	expect(y, (const float[]){0, 1, -8, 4}, 4, 1e-6f);
	/* eval leaves the running stats alone */
	expect(rm, (const float[]){1, 2}, 2, 0);
	expect(rv, (const float[]){4, 0.25f}, 2, 0);
	dca_param_free(x);
	dca_param_free(rm);
	dca_param_free(rv);
	dca_param_free(gm);
	dca_param_free(bt);
	dca_graph_free(g);
}
END_TEST

/* ---- pooling ---- */

START_TEST(test_pool_forward)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *x = mk(1, 1, 3, 3, 1, seq9), *y;
	dca_tensor *t = mk(1, 1, 2, 2, 1, (const float[]){1, 1, 1, 1});

	/* avg 3x3 pad 1: a corner averages 4 values, an edge 6, the centre 9 */
	y = dca_avgpool(g, x, 3, 1, 1);
	expect(y, (const float[]){3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}, 9, 1e-6f);
	y = dca_avgpool(g, x, 2, 1, 0);
	expect(y, (const float[]){3, 4, 6, 7}, 4, 1e-6f);
	y = dca_avgpool(g, x, 3, 2, 1);
	expect(y, (const float[]){3, 4, 6, 7}, 4, 1e-6f);

	y = dca_maxpool(g, x, 2, 1, 0);
	expect(y, (const float[]){5, 6, 8, 9}, 4, 0);
	y = dca_maxpool(g, x, 3, 2, 1);
	expect(y, (const float[]){5, 6, 8, 9}, 4, 0);
	y = dca_maxpool(g, x, 3, 1, 1);
	expect(y, (const float[]){5, 6, 6, 8, 9, 9, 8, 9, 9}, 9, 0);

	/* ties: the first maximum (row-major) takes the gradient */
	y = dca_maxpool(g, t, 2, 2, 0);
	ck_assert_ptr_nonnull(dca_tensor_grad(g, y));
	y->grad[0] = 1;
	ck_assert_int_eq(dca_graph_backward(g), 0);
	expect(y, (const float[]){1}, 1, 0);
	ck_assert(t->grad[0] == 1 && t->grad[1] == 0 && t->grad[2] == 0 &&
		  t->grad[3] == 0);

	y = dca_global_avgpool(g, x);
	ck_assert_int_eq(y->h, 1);
	ck_assert_int_eq(y->w, 1);
	expect(y, (const float[]){5}, 1, 1e-6f);

	dca_param_free(x);
	dca_param_free(t);
	dca_graph_free(g);
}
END_TEST

/* ---- out of memory in a backward pass: an error, never an abort ---- */

/* the process's address space now, in bytes (/proc/self/statm) */
static size_t vm_bytes(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
	fclose(f);
	return (size_t)pages * 4096;
}

typedef dca_tensor *(*oom_op)(dca_graph *g, dca_tensor *x, dca_tensor *w);

static dca_tensor *conv3(dca_graph *g, dca_tensor *x, dca_tensor *w)
{
	return dca_conv2d(g, x, w, NULL, 1, 1, 1, 1);
}

static dca_tensor *conv3_s2(dca_graph *g, dca_tensor *x, dca_tensor *w)
{
	return dca_conv2d(g, x, w, NULL, 2, 1, 1, 1);
}

static dca_tensor *avgpool(dca_graph *g, dca_tensor *x, dca_tensor *w)
{
	(void)w;
	return dca_avgpool(g, x, 3, 1, 1);
}

/* Forward, seed the output's gradient, then cap the address space a little
 * above what the process holds: the backward pass's scratch (a new arena
 * block of megabytes) cannot be had. Only the op's own scratch is asked
 * for there (the gradients it writes are parameters'), so the failure is
 * the op's: dca_graph_backward returns -1 and the graph names it. */
static void backward_out_of_memory(const char *name, oom_op f, int x_grad)
{
#ifdef __SANITIZE_ADDRESS__
	(void)name; (void)f; (void)x_grad;   /* ASan's shadow memory needs the room */
#else
	dca_rng r;
	dca_tensor *x, *w = dca_param_new(64, 64, 3, 3, 1), *y;
	dca_graph *g = dca_graph_new();
	dca_error err = { 0 };
	struct rlimit was, cap;
	size_t i;
	int rc;

	dca_rng_seed(&r, 8);
	x = dca_param_new(16, 64, 32, 32, x_grad);
	gc_fill(x, &r, -1.0f, 1.0f);
	gc_fill(w, &r, -0.1f, 0.1f);
	y = f(g, x, w);
	ck_assert_ptr_nonnull(y);
	ck_assert_ptr_nonnull(dca_tensor_grad(g, y));
	for (i = 0; i < y->size; i++)
		y->grad[i] = 1.0f;
	getrlimit(RLIMIT_AS, &was);
	cap = was;
	cap.rlim_cur = vm_bytes() + (512u << 10);
	ck_assert_int_eq(setrlimit(RLIMIT_AS, &cap), 0);
	rc = dca_graph_backward(g);
	setrlimit(RLIMIT_AS, &was);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(dca_graph_error_set(g, &err, "a test step"), DCA_ERR_NOMEM);
	ck_assert_msg(strstr(err.msg, "backward") && strstr(err.msg, "out of memory"),
		      "%s: %s", name, err.msg);
	printf("# %s: %s\n", name, err.msg);
	dca_graph_free(g);
	dca_param_free(x);
	dca_param_free(w);
#endif
}

START_TEST(test_backward_out_of_memory)
{
	backward_out_of_memory("conv 3x3", conv3, 0);
	backward_out_of_memory("conv 3x3 stride 2", conv3_s2, 0);
	backward_out_of_memory("avgpool", avgpool, 1);
}
END_TEST

static Suite *ops_nn_suite(void)
{
	Suite *s = suite_create("ops_nn");
	TCase *tc = tcase_create("ops_nn");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_conv_forward_hand);
	tcase_add_test(tc, test_conv_forward_reference);
	tcase_add_test(tc, test_conv_forward_paths);
	tcase_add_test(tc, test_conv_batch1_same_bits);
	tcase_add_test(tc, test_relu_conv);
	tcase_add_test(tc, test_fresh_grads);
	tcase_add_test(tc, test_conv_determinism);
	tcase_add_test(tc, test_linear_forward);
	tcase_add_test(tc, test_bn_train_forward);
	tcase_add_test(tc, test_bn_eval_forward);
	tcase_add_test(tc, test_pool_forward);
	tcase_add_test(tc, test_backward_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ops_nn_suite());
	int failed;

	dca_engine_init(2);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
