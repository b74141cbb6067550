/* dcanas tests — finite-difference gradient checks for engine ops.
 *
 * gradcheck(f, in, n_in, ctx): builds out = f(g, in) on a fresh graph, seeds
 * out.grad with fixed random weights r (so loss = sum(r * out) exercises every
 * output element), runs the tape, and compares each input's gradient with
 * central differences of that loss, on up to GC_MAX_PROBES elements per
 * input. Inputs are persistent tensors (dca_param_new(..., 1)). Fails the
 * running Check test with the worst element named. */
#ifndef DCANAS_GRADCHECK_H
#define DCANAS_GRADCHECK_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

#define GC_MAX_PROBES 48

typedef dca_tensor *(*gc_fn)(dca_graph *g, dca_tensor **in, void *ctx);

/* Fill t with uniform values in [lo, hi). */
static inline void gc_fill(dca_tensor *t, dca_rng *r, float lo, float hi)
{
	size_t i;
	for (i = 0; i < t->size; i++)
		t->data[i] = lo + (hi - lo) * dca_rng_uniform(r);
}

static inline double gc_loss(gc_fn f, dca_tensor **in, void *ctx,
			     const float *r, size_t n_out)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *out = f(g, in, ctx);
	double s = 0;
	size_t i;

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(out->size, n_out);
	for (i = 0; i < n_out; i++)
		s += (double)r[i] * out->data[i];
	dca_graph_free(g);
	return s;
}

static inline void gradcheck_tol(const char *name, gc_fn f, dca_tensor **in,
				 int n_in, void *ctx, double eps, double atol,
				 double rtol)
{
	dca_graph *g = dca_graph_new();
	dca_tensor *out;
	dca_rng rng;
	float *r;
	size_t n_out, i;
	int k;

	dca_rng_seed(&rng, 1234);
	for (k = 0; k < n_in; k++)
		if (in[k]->requires_grad)
			dca_param_zero_grad(in[k]);
	out = f(g, in, ctx);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(out->requires_grad, "%s: output does not require grad", name);
	n_out = out->size;
	ck_assert_ptr_nonnull(dca_tensor_grad(g, out));
	r = malloc(n_out * sizeof *r);
	for (i = 0; i < n_out; i++)
		r[i] = out->grad[i] = dca_rng_uniform(&rng) * 2.0f - 1.0f;
	dca_graph_backward(g);
	dca_graph_free(g);

	for (k = 0; k < n_in; k++) {
		dca_tensor *t = in[k];
		size_t probes = t->size < GC_MAX_PROBES ? t->size : GC_MAX_PROBES;
		size_t p;
		if (!t->requires_grad)
			continue;
		for (p = 0; p < probes; p++) {
			size_t j = t->size <= GC_MAX_PROBES ? p :
				   (size_t)dca_rng_below(&rng, (uint32_t)t->size);
			float save = t->data[j];
			double up, down, num, ana = t->grad[j];
			t->data[j] = save + (float)eps;
			up = gc_loss(f, in, ctx, r, n_out);
			t->data[j] = save - (float)eps;
			down = gc_loss(f, in, ctx, r, n_out);
			t->data[j] = save;
			num = (up - down) / (2 * eps);
			ck_assert_msg(fabs(num - ana) <= atol + rtol * fmax(fabs(num), fabs(ana)),
				      "%s: input %d element %zu: analytic %.6g vs numeric %.6g",
				      name, k, j, ana, num);
		}
	}
	free(r);
}

static inline void gradcheck(const char *name, gc_fn f, dca_tensor **in,
			     int n_in, void *ctx)
{
	gradcheck_tol(name, f, in, n_in, ctx, 1e-2, 2e-3, 2e-2);
}

#endif
