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

/* --- dropout --- */

static void dropout_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0];
	const unsigned char *mask = nd->saved;
	const float *go = nd->out->grad;
	const float sc = nd->farg[0];
	long i, n = (long)x->size;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
	for (i = 0; i < n; i++)
		if (mask[i])
			x->grad[i] += go[i] * sc;
}

dca_tensor *dca_dropout(dca_graph *g, dca_tensor *x, float p, int training, dca_rng *rng)
{
	dca_tensor *out;
	unsigned char *mask;
	dca_node *nd;
	long i, n = (long)x->size;
	float sc;

	OP_REQUIRE(p >= 0.0f && p <= 1.0f, "p must be in [0, 1], got %g", (double)p);
	if (!training || p == 0.0f)
		return x;
	out = dca_tensor_new(g, x->n, x->c, x->h, x->w, 0);
	mask = dca_graph_alloc(g, x->size ? x->size : 1);
	if (!out || !mask)
		return NULL;
	for (i = 0; i < n; i++)
		mask[i] = dca_rng_uniform(rng) >= p;
	sc = keep_scale(p);
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
	for (i = 0; i < n; i++)
		out->data[i] = mask[i] ? x->data[i] * sc : 0.0f;
	nd = dca_graph_record(g, out, dropout_backward, &x, 1);
	if (!nd) {
		if (x->requires_grad)
			return NULL;
		return out;
	}
	nd->saved = mask;
	nd->farg[0] = sc;
	return out;
}

/* --- drop-path: one draw per sample --- */

static void drop_path_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0];
	const unsigned char *mask = nd->saved;
	const float *go = nd->out->grad;
	const float sc = nd->farg[0];
	const long per = (long)(x->size / (x->n ? x->n : 1));
	long i, n = (long)x->size;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
	for (i = 0; i < n; i++)
		if (mask[i / per])
			x->grad[i] += go[i] * sc;
}

dca_tensor *dca_drop_path(dca_graph *g, dca_tensor *x, float p, int training, dca_rng *rng)
{
	dca_tensor *out;
	unsigned char *mask;
	dca_node *nd;
	long i, n = (long)x->size, per;
	int s;
	float sc;

	OP_REQUIRE(p >= 0.0f && p <= 1.0f, "p must be in [0, 1], got %g", (double)p);
	if (!training || p == 0.0f || x->size == 0)
		return x;
	out = dca_tensor_new(g, x->n, x->c, x->h, x->w, 0);
	mask = dca_graph_alloc(g, (size_t)x->n);
	if (!out || !mask)
		return NULL;
	for (s = 0; s < x->n; s++)
		mask[s] = dca_rng_uniform(rng) >= p;
	sc = keep_scale(p);
	per = n / x->n;
#pragma omp parallel for if (n >= PAR_MIN) schedule(static)
	for (i = 0; i < n; i++)
		out->data[i] = mask[i / per] ? x->data[i] * sc : 0.0f;
	nd = dca_graph_record(g, out, drop_path_backward, &x, 1);
	if (!nd) {
		if (x->requires_grad)
			return NULL;
		return out;
	}
	nd->saved = mask;
	nd->farg[0] = sc;
	return out;
}
