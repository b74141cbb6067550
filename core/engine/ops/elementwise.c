/* dcanas — elementwise ops: relu, add, scale, weighted sum, zero.
 *
 * Loops over elements go parallel only above PAR_MIN elements, where the
 * thread start-up is paid back. Reductions (the gradient of a scalar weight)
 * sum fixed-size chunks in double and then the chunks in order, so results
 * do not depend on the thread count. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

#include "op_common.h"




static int same_shape(const dca_tensor *a, const dca_tensor *b)
{
	return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}


/* --- relu --- */

static void relu_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0];
	const float *restrict xv = x->data, *restrict go = nd->out->grad;
	float *restrict gx = x->grad;
	long i, n = (long)x->size;

	(void)g;
	if (!x->requires_grad)
		return;
	/* a select, not a branch: signs are random and a branch mispredicts */
	if (grad_fresh(nd, 0)) {
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
		for (i = 0; i < n; i++) {
			float gv = go[i];   /* read unconditionally: it vectorises */
			gx[i] = xv[i] > 0.0f ? gv : 0.0f;
		}
		return;
	}
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
	for (i = 0; i < n; i++) {
		float gv = go[i];
		gx[i] += xv[i] > 0.0f ? gv : 0.0f;
	}
}

dca_tensor *dca_relu(dca_graph *g, dca_tensor *x)
{
	dca_tensor *out = dca_tensor_new_uninit(g, x->n, x->c, x->h, x->w);
	const float *restrict xv = x->data;
	float *restrict y;
	dca_node *nd;
	long i, n = (long)x->size;

	if (!out)
		return NULL;
	dca_graph_notify_relu(g, x);
	y = out->data;
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
	for (i = 0; i < n; i++) {
		float v = xv[i];
		y[i] = v > 0.0f ? v : 0.0f;
	}
	if (!record(g, out, relu_backward, &x, 1, &nd))
		return NULL;
	if (nd)
		nd->assigns = 1;
	return out;
}

/* --- add --- */

static void add_backward(dca_graph *g, dca_node *nd)
{
	const float *go = nd->out->grad;
	long i, n = (long)nd->out->size;
	int k;

	(void)g;
	for (k = 0; k < 2; k++) {
		dca_tensor *t = nd->in[k];
		float *restrict gt = t->grad;
		if (!t->requires_grad)
			continue;
		if (grad_fresh(nd, k)) {
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
			for (i = 0; i < n; i++)
				gt[i] = go[i];
			continue;
		}
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
		for (i = 0; i < n; i++)
			gt[i] += go[i];
	}
}

dca_tensor *dca_add(dca_graph *g, dca_tensor *a, dca_tensor *b)
{
	dca_tensor *in[2] = { a, b };
	dca_tensor *out;
	dca_node *nd;
	long i, n = (long)a->size;

	OP_REQUIRE(same_shape(a, b), "shapes differ: %dx%dx%dx%d vs %dx%dx%dx%d",
		   a->n, a->c, a->h, a->w, b->n, b->c, b->h, b->w);
	out = dca_tensor_new_uninit(g, a->n, a->c, a->h, a->w);
	if (!out)
		return NULL;
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
	for (i = 0; i < n; i++)
		out->data[i] = a->data[i] + b->data[i];
	if (!record(g, out, add_backward, in, 2, &nd))
		return NULL;
	if (nd)
		nd->assigns = 3;
	return out;
}

/* --- scale --- */

static void scale_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *s = nd->in[1];
	const float *go = nd->out->grad;
	long i, n = (long)x->size;

	(void)g;
	if (x->requires_grad) {
		const float sv = s->data[0];
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
		for (i = 0; i < n; i++)
			x->grad[i] += go[i] * sv;
	}
	if (s->requires_grad)
		s->grad[0] += (float)dcap_dot_fixed(go, x->data, x->size);
}

dca_tensor *dca_scale(dca_graph *g, dca_tensor *x, dca_tensor *s)
{
	dca_tensor *in[2] = { x, s };
	dca_tensor *out;
	dca_node *nd;
	long i, n = (long)x->size;
	float sv;

	OP_REQUIRE(s->size == 1, "the scale must have 1 element, has %zu", s->size);
	out = dca_tensor_new(g, x->n, x->c, x->h, x->w, 0);
	if (!out)
		return NULL;
	sv = s->data[0];
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
	for (i = 0; i < n; i++)
		out->data[i] = x->data[i] * sv;
	if (!record(g, out, scale_backward, in, 2, &nd))
		return NULL;
	return out;
}

/* --- weighted sum --- */

static void weighted_sum_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *w = nd->in[0];
	const float *go = nd->out->grad;
	long j, n = (long)nd->out->size;
	int i;

	(void)g;
	for (i = 0; i < nd->n_many; i++) {
		dca_tensor *x = nd->many[i];
		const float wi = w->data[i];
		if (x->requires_grad) {
#pragma omp parallel for if (n >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
			for (j = 0; j < n; j++)
				x->grad[j] += wi * go[j];
		}
		if (w->requires_grad)
			w->grad[i] += (float)dcap_dot_fixed(go, x->data, x->size);
	}
}

dca_tensor *dca_weighted_sum(dca_graph *g, dca_tensor *const *xs, int n, dca_tensor *w)
{
	dca_tensor **all, *out;
	dca_node *nd;
	long j, sz;
	int i;

	OP_REQUIRE(n >= 1, "needs at least one input, got %d", n);
	OP_REQUIRE(w->size == (size_t)n, "%d inputs but %zu weights", n, w->size);
	for (i = 1; i < n; i++)
		OP_REQUIRE(same_shape(xs[0], xs[i]), "input %d is %dx%dx%dx%d, input 0 is %dx%dx%dx%d",
			   i, xs[i]->n, xs[i]->c, xs[i]->h, xs[i]->w,
			   xs[0]->n, xs[0]->c, xs[0]->h, xs[0]->w);
	out = dca_tensor_new(g, xs[0]->n, xs[0]->c, xs[0]->h, xs[0]->w, 0);
	if (!out)
		return NULL;
	sz = (long)out->size;
	/* accumulate input by input: a fixed order, and each pass streams */
	for (i = 0; i < n; i++) {
		const float wi = w->data[i], *x = xs[i]->data;
		float *o = out->data;
#pragma omp parallel for if (sz >= PAR_MIN) schedule(dynamic, PAR_CHUNK)
		for (j = 0; j < sz; j++)
			o[j] += wi * x[j];
	}
	if (!dca_any_requires_grad(xs, n) && !w->requires_grad)
		return out;
	/* [w, xs...] in the arena: the node's in[0] is w, many the inputs */
	all = dca_graph_alloc(g, (size_t)(n + 1) * sizeof *all);
	if (!all)
		return NULL;
	all[0] = w;
	memcpy(all + 1, xs, (size_t)n * sizeof *all);
	nd = dca_graph_record(g, out, weighted_sum_backward, all, n + 1);
	if (!nd)
		return NULL; /* something required grad: NULL here is out of memory */
	nd->many = all + 1;
	nd->n_many = n;
	return out;
}

/* --- zero: the 'none' op; a constant, so nothing is recorded --- */

dca_tensor *dca_zero(dca_graph *g, dca_tensor *x, int stride)
{
	OP_REQUIRE(stride >= 1, "stride must be >= 1, got %d", stride);
	return dca_tensor_new(g, x->n, x->c, (x->h + stride - 1) / stride,
			      (x->w + stride - 1) / stride, 0);
}
