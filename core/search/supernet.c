/* dcanas — what every supernet shares: its architecture parameters and the
 * mixed edge with a channel bottleneck (partial-channel DARTS). The spaces
 * build the rest (spaces/ *_supernet.c). */
#include "config.h"

#include <stdlib.h>

#include <dcanas/ops.h>
#include <dcanas/search.h>

dca_supernet *dca_supernet_new(dca_model *model, int n_edges, int n_ops, int k)
{
	dca_supernet *s = calloc(1, sizeof *s);
	size_t i;

	if (!s)
		return NULL;
	s->model = model;
	s->n_edges = n_edges;
	s->n_ops = n_ops;
	s->bottleneck_k = k;
	s->alpha = dca_param_new(n_edges, n_ops, 1, 1, 1);
	s->beta = dca_param_new(1, n_edges, 1, 1, 1);
	if (!s->alpha || !s->beta) {
		dca_param_free(s->alpha);
		dca_param_free(s->beta);
		free(s);
		return NULL;
	}
	/* small random logits, as the reference code: near-uniform softmax
	 * with the ties broken */
	for (i = 0; i < s->alpha->size; i++)
		s->alpha->data[i] = 1e-3f * dca_rng_normal(&model->init_rng);
	for (i = 0; i < s->beta->size; i++)
		s->beta->data[i] = 1e-3f * dca_rng_normal(&model->init_rng);
	return s;
}

void dca_supernet_free(dca_supernet *s)
{
	if (!s)
		return;
	dca_model_free(s->model);
	dca_param_free(s->alpha);
	dca_param_free(s->beta);
	free(s);
}

dca_tensor *dca_mixed_edge(dca_graph *g, dca_tensor *x, int k, int stride,
			   int n_ops, dca_tensor *w, dca_candidate_fn op, void *ctx)
{
	dca_tensor *outs[32] = { 0 }, *xa = x, *xb, *y, *cat[2];
	int i, ca = x->c / (k > 0 ? k : 1);

	if (n_ops - 1 > 32 || ca < 1)
		return NULL;
	if (k > 1 && !(xa = dca_channel_slice(g, x, 0, ca)))
		return NULL;
	/* op 0 is 'none': it adds nothing and is not computed */
	for (i = 1; i < n_ops; i++)
		if (!(outs[i - 1] = op(ctx, i, g, xa)))
			return NULL;
	y = dca_weighted_sum(g, outs, n_ops - 1, w);
	if (!y || k <= 1)
		return y;
	xb = dca_channel_slice(g, x, ca, x->c - ca);
	if (xb && stride == 2)
		xb = dca_maxpool(g, xb, 2, 2, 0);
	if (!xb)
		return NULL;
	cat[0] = y;
	cat[1] = xb;
	y = dca_concat(g, cat, 2);
	return y ? dca_channel_shuffle(g, y, k) : NULL;
}
