/* dcanas — channel ops: concatenation, slicing, shuffling (NCHW).
 *
 * Each moves whole H x W planes, so the loops run over (sample, channel)
 * planes and copy or add a plane at a time; they go parallel only when the
 * tensor is large. Every output element has one source, so the backward
 * passes add without races. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

#include "op_common.h"




static void plane_add(float *dst, const float *src, size_t hw)
{
	size_t k;

	for (k = 0; k < hw; k++)
		dst[k] += src[k];
}

/* --- concat --- */

static void concat_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *out = nd->out;
	const size_t hw = (size_t)out->h * out->w;
	int k, c0 = 0;

	(void)g;
	for (k = 0; k < nd->n_many; k++) {
		dca_tensor *x = nd->many[k];
		const long planes = (long)x->n * x->c;
		long p;
		if (x->requires_grad) {
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
			for (p = 0; p < planes; p++) {
				long s = p / x->c, c = p % x->c;
				plane_add(x->grad + (size_t)p * hw,
					  out->grad + ((size_t)s * out->c + c0 + c) * hw, hw);
			}
		}
		c0 += x->c;
	}
}

dca_tensor *dca_concat(dca_graph *g, dca_tensor *const *xs, int n)
{
	dca_tensor **many, *out;
	dca_node *nd;
	size_t hw;
	int k, ctot = 0, c0 = 0;

	OP_REQUIRE(n >= 1, "needs at least one input, got %d", n);
	for (k = 0; k < n; k++) {
		OP_REQUIRE(xs[k]->n == xs[0]->n && xs[k]->h == xs[0]->h && xs[k]->w == xs[0]->w,
			   "input %d is %dx%dx%dx%d, input 0 is %dx%dx%dx%d (N, H, W must agree)",
			   k, xs[k]->n, xs[k]->c, xs[k]->h, xs[k]->w,
			   xs[0]->n, xs[0]->c, xs[0]->h, xs[0]->w);
		ctot += xs[k]->c;
	}
	out = dca_tensor_new_uninit(g, xs[0]->n, ctot, xs[0]->h, xs[0]->w);
	if (!out)
		return NULL;
	hw = (size_t)out->h * out->w;
	for (k = 0; k < n; k++) {
		const dca_tensor *x = xs[k];
		const long planes = (long)x->n * x->c;
		long p;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
		for (p = 0; p < planes; p++) {
			long s = p / x->c, c = p % x->c;
			memcpy(out->data + ((size_t)s * ctot + c0 + c) * hw,
			       x->data + (size_t)p * hw, hw * sizeof(float));
		}
		c0 += x->c;
	}
	if (!dca_any_requires_grad(xs, n))
		return out;
	many = dca_graph_alloc(g, (size_t)n * sizeof *many);
	if (!many)
		return NULL;
	memcpy(many, xs, (size_t)n * sizeof *many);
	if (!record(g, out, concat_backward, many, n, &nd))
		return NULL;
	nd->many = many;
	nd->n_many = n;
	return out;
}

/* --- channel slice --- */

static void slice_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *out = nd->out;
	const size_t hw = (size_t)x->h * x->w;
	const int start = nd->iarg[0];
	const long planes = (long)out->n * out->c;
	long p;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for if (out->size >= PAR_MIN) schedule(static)
	for (p = 0; p < planes; p++) {
		long s = p / out->c, c = p % out->c;
		plane_add(x->grad + ((size_t)s * x->c + start + c) * hw,
			  out->grad + (size_t)p * hw, hw);
	}
}

dca_tensor *dca_channel_slice(dca_graph *g, dca_tensor *x, int start, int count)
{
	dca_tensor *out;
	dca_node *nd;
	size_t hw;
	long planes, p;

	OP_REQUIRE(start >= 0 && count >= 1 && start + count <= x->c,
		   "channels [%d, %d) out of range for %d channels", start, start + count, x->c);
	out = dca_tensor_new(g, x->n, count, x->h, x->w, 0);
	if (!out)
		return NULL;
	hw = (size_t)x->h * x->w;
	planes = (long)x->n * count;
#pragma omp parallel for if (out->size >= PAR_MIN) schedule(static)
	for (p = 0; p < planes; p++) {
		long s = p / count, c = p % count;
		memcpy(out->data + (size_t)p * hw,
		       x->data + ((size_t)s * x->c + start + c) * hw, hw * sizeof(float));
	}
	if (!record(g, out, slice_backward, &x, 1, &nd))
		return NULL;
	if (nd)
		nd->iarg[0] = start;
	return out;
}

/* --- channel shuffle ---
 * View N x g x C/g x H x W and swap axes 1 and 2: input channel i*(C/g)+j
 * lands at output channel j*g+i. */

static void shuffle_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *out = nd->out;
	const size_t hw = (size_t)x->h * x->w;
	const int groups = nd->iarg[0], cpg = x->c / groups;
	const long planes = (long)x->n * x->c;
	long p;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
	for (p = 0; p < planes; p++) {
		long s = p / x->c, c = p % x->c;
		long i = c / cpg, j = c % cpg;
		plane_add(x->grad + (size_t)p * hw,
			  out->grad + ((size_t)s * x->c + j * groups + i) * hw, hw);
	}
}

dca_tensor *dca_channel_shuffle(dca_graph *g, dca_tensor *x, int groups)
{
	dca_tensor *out;
	dca_node *nd;
	size_t hw;
	long planes, p;
	int cpg;

	OP_REQUIRE(groups >= 1 && x->c % groups == 0,
		   "%d channels do not split into %d groups", x->c, groups);
	out = dca_tensor_new(g, x->n, x->c, x->h, x->w, 0);
	if (!out)
		return NULL;
	hw = (size_t)x->h * x->w;
	cpg = x->c / groups;
	planes = (long)x->n * x->c;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
	for (p = 0; p < planes; p++) {
		long s = p / x->c, c = p % x->c;
		long i = c / cpg, j = c % cpg;
		memcpy(out->data + ((size_t)s * x->c + j * groups + i) * hw,
		       x->data + (size_t)p * hw, hw * sizeof(float));
	}
	if (!record(g, out, shuffle_backward, &x, 1, &nd))
		return NULL;
	if (nd)
		nd->iarg[0] = groups;
	return out;
}

/* --- flat slice: elements [start, start+count) of x as a 1 x count row
 * (the softmax weights of one edge, out of an edges x ops matrix) --- */

static void flat_slice_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0];
	size_t i;

	(void)g;
	for (i = 0; i < nd->out->size; i++)
		x->grad[(size_t)nd->iarg[0] + i] += nd->out->grad[i];
}

dca_tensor *dca_flat_slice(dca_graph *g, dca_tensor *x, int start, int count)
{
	dca_tensor *out;
	dca_node *nd;

	OP_REQUIRE(start >= 0 && count >= 1 && (size_t)start + (size_t)count <= x->size,
		   "elements [%d, %d) out of a tensor of %zu", start, start + count,
		   x->size);
	out = dca_tensor_new(g, 1, count, 1, 1, 0);
	if (!out)
		return NULL;
	memcpy(out->data, x->data + start, (size_t)count * sizeof *out->data);
	if (!record(g, out, flat_slice_backward, &x, 1, &nd))
		return NULL;
	if (nd)
		nd->iarg[0] = start;
	return out;
}

/* x[:, :, o:, o:] as a depthwise (o+1)x(o+1) convolution with a fixed
 * kernel that is 1 in its last tap: out[i][j] = x[i+o][j+o], and the
 * gradient flows back to exactly those pixels */
dca_tensor *dca_crop_offset(dca_graph *g, dca_tensor *x, int o)
{
	dca_tensor *k;
	int c, kk = o + 1;

	if (!x)
		return NULL;
	OP_REQUIRE(o >= 1 && x->h > o && x->w > o, "offset %d does not fit a %dx%d "
		   "input", o, x->h, x->w);
	k = dca_tensor_new(g, x->c, 1, kk, kk, 0);
	if (!k)
		return NULL;
	for (c = 0; c < x->c; c++)
		k->data[(size_t)c * kk * kk + kk * kk - 1] = 1.0f;
	return dca_conv2d(g, x, k, NULL, 1, 0, 1, x->c);
}
