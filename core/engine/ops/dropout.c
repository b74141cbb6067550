/* dcanas — dropout and drop-path (stochastic depth), inverted: kept values
 * are scaled by 1/(1-p) in training so evaluation is the identity.
 *
 * The mask is drawn serially from the caller's rng stream (one uniform per
 * element, or per sample for drop-path), so a seed reproduces it exactly;
 * it is kept in the arena for the backward pass, one byte per entry. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

#include "op_common.h"



/* 1/(1-p), or 0 when everything is dropped (p = 1) */
static float keep_scale(float p)
{
	return p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
}

/* Both ops zero groups of `per` consecutive elements (1 for dropout, one
 * sample for drop-path), one draw per group, and scale the rest. */

static void masked_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0];
	const unsigned char *mask = nd->saved;
	const float *go = nd->out->grad;
	const float sc = nd->farg[0];
	const long per = nd->iarg[0];
	long i, n = (long)x->size;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
	for (i = 0; i < n; i++)
		if (mask[i / per])
			x->grad[i] += go[i] * sc;
}

static dca_tensor *masked(dca_graph *g, dca_tensor *x, float p, dca_rng *rng,
			  long per)
{
	long i, n = (long)x->size, groups = n / per;
	dca_tensor *out = dca_tensor_new_uninit(g, x->n, x->c, x->h, x->w);
	unsigned char *mask = dca_graph_alloc(g, groups ? (size_t)groups : 1);
	dca_node *nd;
	float sc;

	if (!out || !mask)
		return NULL;
	for (i = 0; i < groups; i++)
		mask[i] = dca_rng_uniform(rng) >= p;
	sc = keep_scale(p);
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
	for (i = 0; i < n; i++)
		out->data[i] = mask[i / per] ? x->data[i] * sc : 0.0f;
	if (!record(g, out, masked_backward, &x, 1, &nd))
		return NULL;
	if (nd) {
		nd->saved = mask;
		nd->farg[0] = sc;
		nd->iarg[0] = (int)per;
	}
	return out;
}

dca_tensor *dca_dropout(dca_graph *g, dca_tensor *x, float p, int training, dca_rng *rng)
{
	OP_REQUIRE(p >= 0.0f && p <= 1.0f, "p must be in [0, 1], got %g", (double)p);
	if (!training || p == 0.0f || x->size == 0)
		return x;
	return masked(g, x, p, rng, 1);
}

/* drop-path: one draw per sample */
dca_tensor *dca_drop_path(dca_graph *g, dca_tensor *x, float p, int training, dca_rng *rng)
{
	OP_REQUIRE(p >= 0.0f && p <= 1.0f, "p must be in [0, 1], got %g", (double)p);
	if (!training || p == 0.0f || x->size == 0)
		return x;
	return masked(g, x, p, rng, (long)(x->size / (size_t)x->n));
}
