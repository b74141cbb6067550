/* dcanas — the NAS-Bench-201 supernet: the skeleton of the evaluation
 * network (nb201_space.c's op descriptors: stem, 3 stages of N cells joined
 * by residual reductions, BN + ReLU, global pool, linear) whose cells hold
 * every candidate op on every edge (mixed edges with the channel
 * bottleneck, BN without affine parameters inside them, edges into a node
 * normalised by softmax(beta)). The trainable evaluation network of one
 * architecture is the core's, built from those descriptors
 * (dca_model_from_net). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <dcanas/ops.h>
#include <dcanas/search.h>

#include "nb201.h"

typedef struct relu_conv_bn {
	dca_conv conv;
	dca_bn bn;
} relu_conv_bn;

typedef struct cell {
	/* op[e][OP_CONV1 or OP_CONV3]: the conv ops on edge e */
	relu_conv_bn op[NB201_EDGES][NB201_OPS];
} cell;

typedef struct reduction {
	relu_conv_bn a, b;
	dca_conv shortcut;
} reduction;

typedef struct nb201_net {
	dca_supernet *super;
	int n_cells;             /* per stage */
	dca_conv stem;
	dca_bn stem_bn;
	cell *cells;             /* 3 * n_cells */
	reduction red[2];
	dca_bn last_bn;
	dca_fc classifier;
} nb201_net;

static int rcb_init(dca_model *m, relu_conv_bn *r, int cin, int cout, int k,
		    int stride, int affine, const char *name)
{
	char buf[128];
	int rc;

	snprintf(buf, sizeof buf, "%s.conv", name);
	rc = dca_conv_init(m, &r->conv, cin, cout, k, stride, k / 2, 1, 1, 0, buf);
	snprintf(buf, sizeof buf, "%s.bn", name);
	return rc ? rc : dca_bn_init(m, &r->bn, cout, affine, buf);
}

static dca_tensor *rcb(dca_graph *g, const relu_conv_bn *r, dca_tensor *x, int training)
{
	x = dca_relu_conv_apply(g, &r->conv, x);
	return x ? dca_bn_apply(g, &r->bn, x, training) : NULL;
}

/* a candidate op of a mixed edge, at the bottleneck width */
typedef struct candidate_ctx {
	const cell *c;
	int e, training;
} candidate_ctx;

static dca_tensor *candidate(void *p, int op, dca_graph *g, dca_tensor *x)
{
	const candidate_ctx *k = p;

	switch (op) {
	case OP_SKIP:
		return x;
	case OP_CONV1:
	case OP_CONV3:
		return rcb(g, &k->c->op[k->e][op], x, k->training);
	case OP_AVGPOOL:
		return dca_avgpool(g, x, 3, 1, 1);
	default:
		return NULL;
	}
}

static dca_tensor *super_cell_forward(dca_graph *g, const nb201_net *net,
				      const cell *c, dca_tensor *x,
				      dca_tensor *probs, int training)
{
	const dca_supernet *s = net->super;
	dca_tensor *node[NB201_NODES], *in[NB201_NODES], *w;
	candidate_ctx k = { c, 0, training };
	int to, from;

	node[0] = x;
	for (to = 1; to < NB201_NODES; to++) {
		for (from = 0; from < to; from++) {
			k.e = edge_index(to, from);
			w = dca_flat_slice(g, probs, k.e * NB201_OPS + 1, NB201_OPS - 1);
			in[from] = w ? dca_mixed_edge(g, node[from], s->bottleneck_k, 1,
						      NB201_OPS, w, candidate, &k) : NULL;
			if (!in[from])
				return NULL;
		}
		/* edge normalisation: the edges into `to` weighted by softmax(beta) */
		w = dca_flat_slice(g, s->beta, edge_index(to, 0), to);
		w = w ? dca_softmax(g, w) : NULL;
		node[to] = w ? dca_weighted_sum(g, in, to, w) : NULL;
		if (!node[to])
			return NULL;
	}
	return node[NB201_NODES - 1];
}

static dca_tensor *nb201_forward(dca_model *m, dca_graph *g, dca_tensor *x,
				 int training, dca_tensor **aux)
{
	const nb201_net *net = m->state;
	dca_tensor *probs = NULL;
	int stage, i;

	if (aux)
		*aux = NULL;
	if (!(probs = dca_softmax(g, net->super->alpha)))
		return NULL;
	x = dca_conv_apply(g, &net->stem, x);
	x = dca_bn_apply(g, &net->stem_bn, x, training);
	for (stage = 0; stage < 3; stage++) {
		if (stage > 0) {
			const reduction *r = &net->red[stage - 1];
			dca_tensor *a = rcb(g, &r->a, x, training);
			dca_tensor *b = rcb(g, &r->b, a, training);
			dca_tensor *s = dca_avgpool(g, x, 2, 2, 0);
			s = dca_conv_apply(g, &r->shortcut, s);
			x = dca_add(g, s, b);
		}
		for (i = 0; i < net->n_cells && x; i++) {
			const cell *c = &net->cells[stage * net->n_cells + i];
			x = super_cell_forward(g, net, c, x, probs, training);
		}
		if (!x)
			return NULL;
	}
	x = dca_bn_apply(g, &net->last_bn, x, training);
	x = dca_relu(g, x);
	x = dca_global_avgpool(g, x);
	return dca_fc_apply(g, &net->classifier, x);
}

static void nb201_net_free(void *p)
{
	nb201_net *net = p;

	if (net)
		free(net->cells);
	free(net);
}

/* the supernet's skeleton and cells, with bottleneck k */
static int build(int k, const dca_net_shape *shape, uint64_t seed,
		 dca_model **out, nb201_net **net_out, dca_error *err)
{
	dca_model *m = dca_model_new(seed);
	nb201_net *net = calloc(1, sizeof *net);
	int c = shape->width, stage, i, e, op, rc = 0;
	char name[128];

	*out = NULL;
	if (!m || !net || shape->cells < 1 || shape->width < 1) {
		free(net);
		dca_model_free(m);
		return dca_error_set(err, m ? DCA_ERR_INVALID : DCA_ERR_NOMEM,
				     "nb201: cannot build a model (width %d, cells %d)",
				     shape->width, shape->cells);
	}
	net->n_cells = shape->cells;
	net->cells = calloc((size_t)3 * shape->cells, sizeof *net->cells);
	m->state = net;
	m->state_free = nb201_net_free;
	m->forward = nb201_forward;
	if (!net->cells)
		rc = DCA_ERR_NOMEM;
	if (!rc)
		rc = dca_conv_init(m, &net->stem, shape->in_c, c, 3, 1, 1, 1, 1, 0, "stem.conv");
	if (!rc)
		rc = dca_bn_init(m, &net->stem_bn, c, 1, "stem.bn");
	for (stage = 0; stage < 3 && !rc; stage++) {
		if (stage > 0) {
			reduction *r = &net->red[stage - 1];
			snprintf(name, sizeof name, "reduction%d.a", stage);
			rc = rcb_init(m, &r->a, c, 2 * c, 3, 2, 1, name);
			snprintf(name, sizeof name, "reduction%d.b", stage);
			if (!rc)
				rc = rcb_init(m, &r->b, 2 * c, 2 * c, 3, 1, 1, name);
			snprintf(name, sizeof name, "reduction%d.shortcut", stage);
			if (!rc)
				rc = dca_conv_init(m, &r->shortcut, c, 2 * c, 1, 1, 0, 1, 1, 0, name);
			c *= 2;
		}
		for (i = 0; i < shape->cells && !rc; i++) {
			cell *cl = &net->cells[stage * shape->cells + i];
			for (e = 0; e < NB201_EDGES && !rc; e++) {
				for (op = OP_CONV1; op <= OP_CONV3 && !rc; op++) {
					snprintf(name, sizeof name, "cell%d.edge%d.%s",
						 stage * shape->cells + i, e,
						 nb201_op_names[op]);
					rc = rcb_init(m, &cl->op[e][op], c / k, c / k,
						      op == OP_CONV3 ? 3 : 1, 1, 0, name);
				}
			}
		}
	}
	if (!rc)
		rc = dca_bn_init(m, &net->last_bn, c, 1, "lastact.bn");
	if (!rc)
		rc = dca_fc_init(m, &net->classifier, c, shape->classes, "classifier");
	if (rc) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "nb201: out of memory building the model");
	}
	*out = m;
	*net_out = net;
	return 0;
}

int dcap_nb201_build_supernet(const dca_net_shape *shape, int k, uint64_t seed,
			      dca_supernet **out, dca_error *err)
{
	dca_model *m;
	nb201_net *net = NULL;
	int rc;

	*out = NULL;
	if (k < 1 || shape->width % k)
		return dca_error_set(err, DCA_ERR_INVALID, "nb201: the channel "
				     "bottleneck k=%d must divide the width %d",
				     k, shape->width);
	if ((rc = build(k, shape, seed, &m, &net, err)))
		return rc;
	net->super = *out = dca_supernet_new(m, NB201_EDGES, NB201_OPS, k);
	if (!*out) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "nb201: out of memory");
	}
	return 0;
}
