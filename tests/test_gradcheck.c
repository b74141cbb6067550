/* dcanas tests — the engine's gradients, one table: a row per op and case
 * (ops.h, and dca_mixed_edge of search.h). Each row is checked
 *   - its gradients against central differences (gradcheck.h), on every
 *     kernel path the CPU has (the rows marked `paths` again with the SIMD
 *     kernels off; tests/test_simd_paths.sh runs the suite under each
 *     DCANAS_SIMD too);
 *   - the same with its inputs made by another op (x * 1), so that the op
 *     writes gradient buffers the runner made for it (tensor.h: assigned,
 *     not added to) rather than the parameters' own;
 *   - backward adds into gradients that already hold values: two passes
 *     give twice one pass's.
 * A last test reads include/dcanas/ops.h and fails when an op declared
 * there has no row. Forward values are checked in test_ops_basic and
 * test_ops_nn. */
#include "config.h"
#include "check_main.h"

#include "gradcheck.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>
#include <dcanas/search.h>
#include <dcanas/tensor.h>

enum {
	FILL_UNIFORM = 0,   /* uniform in [lo, hi) */
	FILL_AWAY,          /* the same, |x| >= 0.05: differences never cross a
			     * ReLU's kink */
	FILL_PERMUTED       /* distinct values 0.1 apart and 0.05 off zero,
			     * shuffled: a max pool never has ties, a ReLU
			     * no value at its kink */
};

typedef struct gc_row gc_row;
struct gc_row {
	const char *ops;         /* the ops.h functions it checks, space-separated */
	const char *what;
	dca_tensor *(*f)(dca_graph *g, dca_tensor **in, const gc_row *row);
	int n_in;
	int shape[4][4];         /* n, c, h, w of each input */
	unsigned frozen;         /* bit k: in[k] needs no gradient */
	int fill;
	float lo, hi;
	int arg[6];              /* the op's integer arguments (see its f) */
	float farg;
	int paths;               /* run again with the SIMD kernels off */
	int loose;               /* batch norm in training: a looser tolerance */
};

/* ---- the ops, called from a row ---- */

/* arg: stride, pad, dilation, groups, bias (in[2]) */
static dca_tensor *f_conv(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_conv2d(g, in[0], in[1], r->arg[4] ? in[2] : NULL, r->arg[0],
			  r->arg[1], r->arg[2], r->arg[3]);
}

static dca_tensor *f_relu_conv(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_relu_conv2d(g, in[0], in[1], r->arg[4] ? in[2] : NULL, r->arg[0],
			       r->arg[1], r->arg[2], r->arg[3]);
}

/* arg: bias (in[2]) */
static dca_tensor *f_linear(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_linear(g, in[0], in[1], r->arg[0] ? in[2] : NULL);
}

/* arg: training, affine (in[1], in[2]); fixed running statistics */
static dca_tensor *f_bn(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	dca_tensor *rm = dca_tensor_new(g, 1, in[0]->c, 1, 1, 0);
	dca_tensor *rv = dca_tensor_new(g, 1, in[0]->c, 1, 1, 0);
	int c;

	if (!rm || !rv)
		return NULL;
	for (c = 0; c < in[0]->c; c++) {
		rm->data[c] = 0.1f * (float)(c - 1);
		rv->data[c] = 0.5f + 0.25f * (float)c;
	}
	return dca_batchnorm(g, in[0], r->arg[1] ? in[1] : NULL,
			     r->arg[1] ? in[2] : NULL, rm, rv, r->arg[0], 0.1f, 1e-5f);
}

/* arg: kind (0 max, 1 average, 2 global average), kernel, stride, pad */
static dca_tensor *f_pool(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	if (r->arg[0] == 0)
		return dca_maxpool(g, in[0], r->arg[1], r->arg[2], r->arg[3]);
	if (r->arg[0] == 1)
		return dca_avgpool(g, in[0], r->arg[1], r->arg[2], r->arg[3]);
	return dca_global_avgpool(g, in[0]);
}

static dca_tensor *f_relu(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	(void)r;
	return dca_relu(g, in[0]);
}

/* arg[0]: 1 adds in[0] to itself (both paths into one gradient) */
static dca_tensor *f_add(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_add(g, in[0], r->arg[0] ? in[0] : in[1]);
}

static dca_tensor *f_scale(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	(void)r;
	return dca_scale(g, in[0], in[1]);
}

static dca_tensor *f_wsum(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	(void)r;
	return dca_weighted_sum(g, in, 3, in[3]);
}

/* a DARTS-style mixed sum: w0 relu(x) + w1 zero(x) + w2 x */
static dca_tensor *f_mixed_sum(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	dca_tensor *xs[3];

	(void)r;
	xs[0] = dca_relu(g, in[0]);
	xs[1] = dca_zero(g, in[0], 1);
	xs[2] = in[0];
	return dca_weighted_sum(g, xs, 3, in[1]);
}

/* the candidates of a mixed edge: 'none', relu, avg pool (arg: stride) */
static dca_tensor *candidate(void *ctx, int op, dca_graph *g, dca_tensor *x)
{
	int stride = *(const int *)ctx;

	return op == 1 ? dca_relu(g, stride == 1 ? x : dca_avgpool(g, x, 3, stride, 1))
		       : dca_avgpool(g, x, 3, stride, 1);
}

/* arg: bottleneck k, stride; in[1]: the weights of ops 1..2 */
static dca_tensor *f_mixed_edge(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	int stride = r->arg[1];

	return dca_mixed_edge(g, in[0], r->arg[0], stride, 3, in[1], candidate, &stride);
}

static dca_tensor *f_concat(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_concat(g, in, r->n_in);
}

/* arg: start, count */
static dca_tensor *f_slice(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_channel_slice(g, in[0], r->arg[0], r->arg[1]);
}

static dca_tensor *f_flat_slice(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_flat_slice(g, in[0], r->arg[0], r->arg[1]);
}

/* arg: groups */
static dca_tensor *f_shuffle(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_channel_shuffle(g, in[0], r->arg[0]);
}

/* arg: offset */
static dca_tensor *f_crop(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	return dca_crop_offset(g, in[0], r->arg[0]);
}

static dca_tensor *f_softmax(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	(void)r;
	return dca_softmax(g, in[0]);
}

/* farg: label smoothing; labels n % classes */
static dca_tensor *f_ce(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	static const int labels[8] = { 4, 0, 2, 2, 1, 3, 0, 4 };

	return dca_cross_entropy(g, in[0], labels, r->farg);
}

/* farg: p; arg: seed, 1 for drop-path. Reseeded on every call, so the
 * differences see the mask the gradient was taken with. */
static dca_tensor *f_drop(dca_graph *g, dca_tensor **in, const gc_row *r)
{
	dca_rng rng;

	dca_rng_seed(&rng, (uint64_t)r->arg[0]);
	return r->arg[1] ? dca_drop_path(g, in[0], r->farg, 1, &rng)
			 : dca_dropout(g, in[0], r->farg, 1, &rng);
}

/* ---- the table ---- */

#define S1(n, c, h, w) { { n, c, h, w } }
#define S2(a, b) { a, b }
#define SH(n, c, h, w) { n, c, h, w }
/* a convolution case: input n x cin x h x w, kernel k, arguments, frozen */
#define CONV(what_, n, cin, cout, h, w, k, s, p, d, gr, b, frozen_) \
	{ "dca_conv2d", what_, f_conv, 3, { SH(n, cin, h, w), SH(cout, cin / gr, k, k), \
	  SH(1, cout, 1, 1) }, frozen_, FILL_UNIFORM, -1, 1, { s, p, d, gr, b }, 0, 1, 0 }
#define RELU_CONV(what_, n, cin, cout, h, w, k, s, p, d, gr, b) \
	{ "dca_relu_conv2d", what_, f_relu_conv, 3, { SH(n, cin, h, w), \
	  SH(cout, cin / gr, k, k), SH(1, cout, 1, 1) }, 0, FILL_AWAY, -1, 1, \
	  { s, p, d, gr, b }, 0, 1, 0 }
#define POOL(what_, kind, k, s, p) \
	{ kind == 0 ? "dca_maxpool" : kind == 1 ? "dca_avgpool" : "dca_global_avgpool", \
	  what_, f_pool, 1, S1(2, 3, 7, 5), 0, kind == 0 ? FILL_PERMUTED : FILL_UNIFORM, \
	  -1, 1, { kind, k, s, p }, 0, 0, 0 }

static const gc_row rows[] = {
	CONV("3x3 pad 1, bias", 2, 3, 4, 7, 5, 3, 1, 1, 1, 1, 1, 0),
	CONV("3x3 stride 2", 2, 3, 4, 7, 5, 3, 2, 1, 1, 1, 0, 0),
	CONV("3x3 dilation 2", 2, 3, 4, 7, 5, 3, 1, 2, 2, 1, 1, 0),
	CONV("groups 2", 2, 4, 6, 7, 5, 3, 1, 1, 1, 2, 1, 0),
	CONV("groups 2, stride 2, dilation 2", 2, 4, 6, 7, 5, 3, 2, 2, 2, 2, 0, 0),
	CONV("1x1", 2, 3, 5, 7, 5, 1, 1, 0, 1, 1, 1, 0),
	CONV("1x1 groups 2", 2, 4, 6, 7, 5, 1, 1, 0, 1, 2, 0, 0),
	CONV("1x1 stride 2", 2, 3, 5, 7, 5, 1, 2, 0, 1, 1, 1, 0),
	CONV("5x5 pad 2 stride 3", 2, 3, 4, 7, 5, 5, 3, 2, 1, 1, 1, 0),
	/* more samples than threads: partial sums over samples */
	CONV("N=5 groups 2", 5, 4, 6, 7, 5, 3, 2, 1, 1, 2, 1, 0),
	CONV("N=5 1x1", 5, 3, 5, 7, 5, 1, 1, 0, 1, 1, 0, 0),
	/* a first layer (the input needs no gradient), frozen weights */
	CONV("input frozen", 2, 3, 4, 7, 5, 3, 1, 1, 1, 1, 1, 1u),
	CONV("weights frozen", 2, 3, 4, 7, 5, 3, 2, 1, 1, 1, 0, 2u),
	/* whole vectors wide: the direct path, 10 and 3 channels so no panel
	 * is full; 8 wide: a vector is two rows */
	CONV("3x3 width 16", 2, 3, 10, 4, 16, 3, 1, 1, 1, 1, 1, 0),
	CONV("3x3 dilation 2 width 16", 2, 10, 3, 5, 16, 3, 1, 2, 2, 1, 0, 0),
	CONV("5x5 width 32, input frozen", 3, 2, 9, 3, 32, 5, 1, 2, 1, 1, 1, 1u),
	CONV("3x3 width 16, weights frozen", 2, 3, 5, 3, 16, 3, 1, 1, 1, 1, 0, 2u),
	CONV("3x3 8x8", 2, 3, 10, 4, 8, 3, 1, 1, 1, 1, 1, 0),
	CONV("3x3 dilation 2 8x8", 2, 9, 3, 6, 8, 3, 1, 2, 2, 1, 0, 0),
	/* depthwise */
	CONV("depthwise 3x3", 2, 3, 3, 7, 5, 3, 1, 1, 1, 3, 1, 0),
	CONV("depthwise 3x3 stride 2", 2, 3, 3, 7, 5, 3, 2, 1, 1, 3, 0, 0),
	CONV("depthwise 3x3 dilation 2", 2, 3, 3, 7, 5, 3, 1, 2, 2, 3, 1, 0),
	CONV("depthwise 5x5 pad 2", 2, 3, 3, 7, 5, 5, 1, 2, 1, 3, 1, 0),
	CONV("depthwise 5x5 dilation 2 stride 2", 2, 3, 3, 7, 5, 5, 2, 4, 2, 3, 0, 0),
	CONV("depthwise N=5", 5, 3, 3, 7, 5, 3, 1, 1, 1, 3, 1, 0),
	CONV("depthwise, input frozen", 2, 3, 3, 7, 5, 3, 1, 1, 1, 3, 1, 1u),
	CONV("depthwise, weights frozen", 2, 3, 3, 7, 5, 3, 1, 1, 1, 3, 1, 2u),
	RELU_CONV("3x3 width 16", 2, 3, 10, 4, 16, 3, 1, 1, 1, 1, 1),
	RELU_CONV("3x3 8x8", 2, 5, 6, 4, 8, 3, 1, 1, 1, 1, 0),
	RELU_CONV("3x3 7x5", 2, 3, 4, 7, 5, 3, 1, 1, 1, 1, 1),
	RELU_CONV("3x3 stride 2 width 16", 2, 3, 4, 5, 16, 3, 2, 1, 1, 1, 1),
	RELU_CONV("1x1", 2, 3, 5, 7, 5, 1, 1, 0, 1, 1, 1),
	RELU_CONV("depthwise 3x3", 2, 4, 4, 7, 5, 3, 1, 1, 1, 4, 1),
	RELU_CONV("depthwise 5x5 dilation 2 stride 2", 2, 3, 3, 7, 9, 5, 2, 4, 2, 3, 0),
	/* a 4-D input is flattened: 5 x (3*2*3) */
	{ "dca_linear", "no bias", f_linear, 2, { SH(5, 3, 2, 3), SH(7, 18, 1, 1) }, 0,
	  FILL_UNIFORM, -1, 1, { 0 }, 0, 0, 0 },
	{ "dca_linear", "bias", f_linear, 3, { SH(5, 3, 2, 3), SH(7, 18, 1, 1), SH(1, 7, 1, 1) },
	  0, FILL_UNIFORM, -1, 1, { 1 }, 0, 0, 0 },
	{ "dca_linear", "rows enough to split over threads", f_linear, 3,
	  { SH(37, 11, 1, 1), SH(33, 11, 1, 1), SH(1, 33, 1, 1) }, 0, FILL_UNIFORM, -1, 1,
	  { 1 }, 0, 0, 0 },
	{ "dca_batchnorm", "evaluation", f_bn, 1, S1(2, 3, 7, 5), 0, FILL_UNIFORM, -1, 1,
	  { 0, 0 }, 0, 0, 0 },
	{ "dca_batchnorm", "evaluation, affine", f_bn, 3,
	  { SH(2, 3, 7, 5), SH(1, 3, 1, 1), SH(1, 3, 1, 1) }, 0, FILL_UNIFORM, -1, 1,
	  { 0, 1 }, 0, 0, 0 },
	{ "dca_batchnorm", "training", f_bn, 1, S1(2, 3, 7, 5), 0, FILL_UNIFORM, -1, 1,
	  { 1, 0 }, 0, 0, 1 },
	{ "dca_batchnorm", "training, affine", f_bn, 3,
	  { SH(2, 3, 7, 5), SH(1, 3, 1, 1), SH(1, 3, 1, 1) }, 0, FILL_UNIFORM, -1, 1,
	  { 1, 1 }, 0, 0, 1 },
	POOL("3x3 stride 1 pad 1", 0, 3, 1, 1),
	POOL("3x3 stride 2 pad 1", 0, 3, 2, 1),
	POOL("2x2 stride 2", 0, 2, 2, 0),
	POOL("3x3 stride 2", 0, 3, 2, 0),
	POOL("3x3 stride 1 pad 1", 1, 3, 1, 1),
	POOL("3x3 stride 2 pad 1", 1, 3, 2, 1),
	POOL("2x2 stride 2", 1, 2, 2, 0),
	POOL("5x5 stride 3 pad 2", 1, 5, 3, 2),
	POOL("5x5 stride 3", 1, 5, 3, 0),
	POOL("global", 2, 0, 0, 0),
	{ "dca_relu", "", f_relu, 1, S1(2, 5, 3, 7), 0, FILL_AWAY, -1, 1, { 0 }, 0, 0, 0 },
	{ "dca_add", "two tensors", f_add, 2, S2(SH(2, 5, 3, 7), SH(2, 5, 3, 7)), 0,
	  FILL_UNIFORM, -1, 1, { 0 }, 0, 0, 0 },
	{ "dca_add", "a tensor to itself", f_add, 1, S1(2, 5, 3, 7), 0, FILL_UNIFORM, -1, 1,
	  { 1 }, 0, 0, 0 },
	{ "dca_scale", "", f_scale, 2, S2(SH(2, 5, 3, 7), SH(1, 1, 1, 1)), 0, FILL_UNIFORM,
	  0.5f, 1.5f, { 0 }, 0, 0, 0 },
	{ "dca_weighted_sum", "", f_wsum, 4,
	  { SH(2, 5, 3, 7), SH(2, 5, 3, 7), SH(2, 5, 3, 7), SH(1, 3, 1, 1) }, 0,
	  FILL_UNIFORM, -1, 1, { 0 }, 0, 0, 0 },
	{ "dca_weighted_sum dca_zero dca_relu", "relu, zero and identity weighted",
	  f_mixed_sum, 2, S2(SH(2, 5, 3, 7), SH(1, 3, 1, 1)), 0, FILL_AWAY, -1, 1,
	  { 0 }, 0, 0, 0 },
	{ "dca_mixed_edge", "bottleneck 2", f_mixed_edge, 2, S2(SH(2, 4, 5, 5), SH(1, 2, 1, 1)),
	  0, FILL_PERMUTED, -1, 1, { 2, 1 }, 0, 0, 0 },
	{ "dca_mixed_edge", "bottleneck 2, stride 2 (the bypass max-pooled)", f_mixed_edge, 2,
	  S2(SH(2, 4, 6, 6), SH(1, 2, 1, 1)), 0, FILL_PERMUTED, -1, 1, { 2, 2 }, 0, 0, 0 },
	{ "dca_concat", "", f_concat, 3, { SH(2, 2, 3, 7), SH(2, 3, 3, 7), SH(2, 1, 3, 7) }, 0,
	  FILL_UNIFORM, -1, 1, { 0 }, 0, 0, 0 },
	{ "dca_channel_slice", "", f_slice, 1, S1(2, 5, 3, 7), 0, FILL_UNIFORM, -1, 1,
	  { 1, 3 }, 0, 0, 0 },
	{ "dca_flat_slice", "a row of an edges x ops matrix", f_flat_slice, 1, S1(3, 5, 1, 1),
	  0, FILL_UNIFORM, -1, 1, { 5, 7 }, 0, 0, 0 },
	{ "dca_channel_shuffle", "2 groups", f_shuffle, 1, S1(2, 6, 3, 7), 0, FILL_UNIFORM,
	  -1, 1, { 2 }, 0, 0, 0 },
	{ "dca_channel_shuffle", "3 groups", f_shuffle, 1, S1(2, 6, 3, 7), 0, FILL_UNIFORM,
	  -1, 1, { 3 }, 0, 0, 0 },
	{ "dca_crop_offset", "offset 1", f_crop, 1, S1(2, 3, 6, 5), 0, FILL_UNIFORM, -1, 1,
	  { 1 }, 0, 0, 0 },
	{ "dca_crop_offset", "offset 2", f_crop, 1, S1(2, 3, 6, 5), 0, FILL_UNIFORM, -1, 1,
	  { 2 }, 0, 0, 0 },
	{ "dca_softmax", "", f_softmax, 1, S1(2, 5, 1, 1), 0, FILL_UNIFORM, -2, 2, { 0 },
	  0, 0, 0 },
	{ "dca_cross_entropy", "", f_ce, 1, S1(4, 5, 1, 1), 0, FILL_UNIFORM, -3, 3, { 0 },
	  0, 0, 0 },
	{ "dca_cross_entropy", "label smoothing 0.1", f_ce, 1, S1(4, 5, 1, 1), 0,
	  FILL_UNIFORM, -3, 3, { 0 }, 0.1f, 0, 0 },
	{ "dca_dropout", "p 0.3", f_drop, 1, S1(2, 5, 3, 7), 0, FILL_UNIFORM, -1, 1,
	  { 77, 0 }, 0.3f, 0, 0 },
	/* seed 3 keeps some of the 6 samples and drops others (checked) */
	{ "dca_drop_path", "p 0.5", f_drop, 1, S1(6, 5, 3, 7), 0, FILL_UNIFORM, -1, 1,
	  { 3, 1 }, 0.5f, 0, 0 },
};

#define N_ROWS (int)(sizeof rows / sizeof rows[0])

static void fill(dca_tensor *t, const gc_row *r, dca_rng *rng)
{
	size_t i;

	gc_fill(t, rng, r->lo, r->hi);
	if (r->fill == FILL_AWAY)
		for (i = 0; i < t->size; i++)
			if (fabsf(t->data[i]) < 0.05f)
				t->data[i] += t->data[i] < 0 ? -0.05f : 0.05f;
	if (r->fill == FILL_PERMUTED) {
		for (i = 0; i < t->size; i++)
			t->data[i] = 0.1f * ((float)i - (float)(t->size / 2)) + 0.05f;
		for (i = t->size; i > 1; i--) {
			size_t j = dca_rng_below(rng, (uint32_t)i);
			float s = t->data[i - 1];

			t->data[i - 1] = t->data[j];
			t->data[j] = s;
		}
	}
}

static void make_inputs(const gc_row *r, int index, dca_tensor **in)
{
	dca_rng rng;
	int k;

	dca_rng_seed(&rng, 1000u + (uint64_t)index);
	for (k = 0; k < r->n_in; k++) {
		const int *s = r->shape[k];

		in[k] = dca_param_new(s[0], s[1], s[2], s[3], !(r->frozen >> k & 1));
		ck_assert_ptr_nonnull(in[k]);
		/* the input gets the row's fill; weights and the like uniform */
		if (k == 0 || r->fill != FILL_PERMUTED)
			fill(in[k], r, &rng);
		else
			gc_fill(in[k], &rng, -1, 1);
	}
}

static void free_inputs(const gc_row *r, dca_tensor **in)
{
	int k;

	for (k = 0; k < r->n_in; k++)
		dca_param_free(in[k]);
}

/* gradcheck's function type: the row is the context */
static dca_tensor *row_fn(dca_graph *g, dca_tensor **in, void *ctx)
{
	const gc_row *r = ctx;

	return r->f(g, in, r);
}

/* the row's op on x * 1 for each input x: inputs that are another op's
 * outputs, whose gradient buffers the op may assign */
static dca_tensor *through_fn(dca_graph *g, dca_tensor **in, void *ctx)
{
	const gc_row *r = ctx;
	dca_tensor *one = dca_tensor_new(g, 1, 1, 1, 1, 0), *mid[4];
	int k;

	ck_assert_ptr_nonnull(one);
	one->data[0] = 1.0f;
	for (k = 0; k < r->n_in; k++) {
		mid[k] = dca_scale(g, in[k], one);
		ck_assert_ptr_nonnull(mid[k]);
	}
	return r->f(g, mid, r);
}

/* one backward pass from fixed output weights */
static void run_once(const gc_row *r, dca_tensor **in)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *y = r->f(g, in, r);
	dca_rng rng;
	size_t i;

	ck_assert_ptr_nonnull(y);
	dca_rng_seed(&rng, 77);
	ck_assert_ptr_nonnull(dca_tensor_grad(g, y));
	for (i = 0; i < y->size; i++)
		y->grad[i] = dca_rng_uniform(&rng) - 0.5f;
	ck_assert_int_eq(dca_graph_backward(g), 0);
	dca_graph_free(g);
}

static void check_accumulates(const char *name, const gc_row *r, dca_tensor **in)
{
	float *first[4] = { NULL };
	size_t i;
	int k;

	for (k = 0; k < r->n_in; k++)
		if (in[k]->requires_grad)
			dca_param_zero_grad(in[k]);
	run_once(r, in);
	for (k = 0; k < r->n_in; k++)
		if (in[k]->requires_grad) {
			first[k] = malloc(in[k]->size * sizeof(float));
			memcpy(first[k], in[k]->grad, in[k]->size * sizeof(float));
		}
	run_once(r, in);
	for (k = 0; k < r->n_in; k++) {
		for (i = 0; first[k] && i < in[k]->size; i++)
			ck_assert_msg(fabsf(in[k]->grad[i] - 2 * first[k][i]) <=
					      1e-5f * (1 + fabsf(first[k][i])),
				      "%s: input %d element %zu: %g after two passes, "
				      "%g after one", name, k, i, in[k]->grad[i], first[k][i]);
		free(first[k]);
	}
}

static void check_row(int index)
{
	const gc_row *r = &rows[index];
	dca_tensor *in[4];
	char name[160];

	snprintf(name, sizeof name, "%s (%s)", r->ops, r->what);
	make_inputs(r, index, in);
	if (r->loose) {
		gradcheck_tol(name, row_fn, in, r->n_in, (void *)r, 1e-3, 2e-3, 5e-2);
		gradcheck_tol(name, through_fn, in, r->n_in, (void *)r, 1e-3, 2e-3, 5e-2);
	} else {
		gradcheck(name, row_fn, in, r->n_in, (void *)r);
		gradcheck(name, through_fn, in, r->n_in, (void *)r);
	}
	check_accumulates(name, r, in);
	free_inputs(r, in);
}

START_TEST(row_gradients)
{
	int simd = dca_engine_set_simd(1);

	check_row(_i);
	if (rows[_i].paths && simd) {
		/* the same case on the BLAS path */
		dca_engine_set_simd(0);
		check_row(_i);
		dca_engine_set_simd(1);
	}
	dca_engine_set_simd(simd);
}
END_TEST

/* drop-path's row needs a mask that keeps some samples and drops others */
START_TEST(drop_path_row_mixes)
{
	const gc_row *r = &rows[N_ROWS - 1];
	dca_tensor *in[1];
	dca_graph *g = dca_graph_new();
	dca_tensor *y;
	int s, kept = 0;

	ck_assert_str_eq(r->ops, "dca_drop_path");
	make_inputs(r, N_ROWS - 1, in);
	y = r->f(g, in, r);
	for (s = 0; s < y->n; s++)
		kept += y->data[(size_t)s * y->c * y->h * y->w] != 0.0f;
	ck_assert_msg(kept > 0 && kept < y->n, "seed %d keeps %d of %d samples",
		      r->arg[0], kept, y->n);
	dca_graph_free(g);
	free_inputs(r, in);
}
END_TEST

/* every op ops.h declares has a row */
START_TEST(every_op_has_a_row)
{
	const char *src = getenv("DCANAS_SRCDIR");
	char path[1024], line[512], op[128];
	FILE *f;
	int n_ops = 0, i;

	snprintf(path, sizeof path, "%s/include/dcanas/ops.h", src ? src : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s (set DCANAS_SRCDIR)", path);
	while (fgets(line, sizeof line, f)) {
		int found = 0;

		if (sscanf(line, "dca_tensor *%127[a-z0-9_](", op) != 1)
			continue;
		n_ops++;
		for (i = 0; i < N_ROWS && !found; i++) {
			const char *p = strstr(rows[i].ops, op);
			size_t len = strlen(op);

			found = p && (p[len] == '\0' || p[len] == ' ');
		}
		ck_assert_msg(found, "%s in ops.h has no row in tests/test_gradcheck.c", op);
	}
	fclose(f);
	ck_assert_int_ge(n_ops, 20);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gradcheck");
	TCase *tc = tcase_create("ops");

	dca_engine_init(2);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, row_gradients, 0, N_ROWS);
	tcase_add_test(tc, drop_path_row_mixes);
	tcase_add_test(tc, every_op_has_a_row);
	suite_add_tcase(s, tc);
	return test_run(s);
}
