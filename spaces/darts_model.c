/* dcanas — the DARTS search supernet (the network of the reference
 * partial-channel DARTS search code) on the skeleton of the evaluation
 * network (NetworkCIFAR; darts_net.c's op descriptors, from which the core
 * builds the trainable evaluation network):
 *
 *   stem: conv 3x3 (3 -> 3C, no bias), BN
 *   `cells` cells, reduction cells at cells/3 and 2*cells/3 (C doubles);
 *     preprocess0: FactorizedReduce after a reduction cell, else ReLU-conv1x1-BN
 *     preprocess1: ReLU-conv1x1-BN
 *   global average pool, linear classifier.
 *
 * Every node sums, over all its 2+i inputs, a mixed edge holding the 7
 * non-'none' candidates at the bottleneck width (BN without affine
 * parameters, pools followed by BN), weighted by softmax(alpha); the inputs
 * of a node are weighted by softmax(beta) (edge normalisation); the cell
 * output is the concat of its 4 nodes. Parameter names follow the
 * reference code's ("cells.3._ops.1._ops.5.op.1.weight", ...). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <dcanas/ops.h>
#include <dcanas/search.h>

#include "darts.h"

typedef struct rcb {            /* ReLU, conv kxk, BN */
	dca_conv conv;
	dca_bn bn;
} rcb;

typedef struct freduce {        /* FactorizedReduce */
	dca_conv c1, c2;
	dca_bn bn;
} freduce;

typedef struct dwpw {           /* ReLU, depthwise kxk, pointwise 1x1, BN */
	dca_conv dw, pw;
	dca_bn bn;
} dwpw;

typedef struct edge {
	int op, stride;
	dwpw a, b;                  /* sep_conv: a then b; dil_conv: a */
	freduce fr;                 /* skip_connect at stride 2 */
	dca_bn pool_bn;             /* after a pool */
} edge;

typedef struct cell {
	int reduction, reduction_prev;
	int C;                      /* channels of every state */
	rcb pre0;                   /* !reduction_prev */
	freduce pre0_fr;            /* reduction_prev */
	rcb pre1;
	edge (*mix)[DARTS_N_OPS];   /* [edge][op], DARTS_CELL_EDGES rows */
} cell;

typedef struct darts_net {
	dca_supernet *super;
	int n_cells, red2;
	dca_conv stem;
	dca_bn stem_bn;
	cell *cells;
	dca_fc classifier;
} darts_net;

/* ------------------------------------------------------------------ */
/* Layers                                                              */

static int rcb_init(dca_model *m, rcb *r, int cin, int cout, int affine,
		    const char *name)
{
	char buf[160];
	int rc;

	snprintf(buf, sizeof buf, "%s.op.1", name);
	rc = dca_conv_init(m, &r->conv, cin, cout, 1, 1, 0, 1, 1, 0, buf);
	snprintf(buf, sizeof buf, "%s.op.2", name);
	return rc ? rc : dca_bn_init(m, &r->bn, cout, affine, buf);
}

static dca_tensor *rcb_apply(dca_graph *g, const rcb *r, dca_tensor *x, int training)
{
	if (x)
		x = dca_relu_conv_apply(g, &r->conv, x);
	return x ? dca_bn_apply(g, &r->bn, x, training) : NULL;
}

static int fr_init(dca_model *m, freduce *f, int cin, int cout, int affine,
		   const char *name)
{
	char buf[160];
	int rc;

	snprintf(buf, sizeof buf, "%s.conv_1", name);
	rc = dca_conv_init(m, &f->c1, cin, cout / 2, 1, 2, 0, 1, 1, 0, buf);
	snprintf(buf, sizeof buf, "%s.conv_2", name);
	if (!rc)
		rc = dca_conv_init(m, &f->c2, cin, cout / 2, 1, 2, 0, 1, 1, 0, buf);
	snprintf(buf, sizeof buf, "%s.bn", name);
	return rc ? rc : dca_bn_init(m, &f->bn, 2 * (cout / 2), affine, buf);
}

static dca_tensor *fr_apply(dca_graph *g, const freduce *f, dca_tensor *x, int training)
{
	dca_tensor *ab[2];

	if (!x || !(x = dca_relu(g, x)))
		return NULL;
	ab[0] = dca_conv_apply(g, &f->c1, x);
	ab[1] = dca_crop_offset(g, x, 1);
	if (ab[1])
		ab[1] = dca_conv_apply(g, &f->c2, ab[1]);
	if (!ab[0] || !ab[1])
		return NULL;
	x = dca_concat(g, ab, 2);
	return x ? dca_bn_apply(g, &f->bn, x, training) : NULL;
}

/* first: the indices of the reference Sequential (1: dw, 2: pw, 3: bn) */
static int dwpw_init(dca_model *m, dwpw *d, int C, int k, int stride, int pad,
		     int dil, int affine, const char *name, int first)
{
	char buf[160];
	int rc;

	snprintf(buf, sizeof buf, "%s.op.%d", name, first);
	rc = dca_conv_init(m, &d->dw, C, C, k, stride, pad, dil, C, 0, buf);
	snprintf(buf, sizeof buf, "%s.op.%d", name, first + 1);
	if (!rc)
		rc = dca_conv_init(m, &d->pw, C, C, 1, 1, 0, 1, 1, 0, buf);
	snprintf(buf, sizeof buf, "%s.op.%d", name, first + 2);
	return rc ? rc : dca_bn_init(m, &d->bn, C, affine, buf);
}

static dca_tensor *dwpw_apply(dca_graph *g, const dwpw *d, dca_tensor *x, int training)
{
	if (x)
		x = dca_relu_conv_apply(g, &d->dw, x);
	if (x)
		x = dca_conv_apply(g, &d->pw, x);
	return x ? dca_bn_apply(g, &d->bn, x, training) : NULL;
}

/* a candidate of a mixed edge (BN without gamma/beta, and a BN after each
 * pool, as the reference MixedOp) */
static int edge_init(dca_model *m, edge *e, int op, int C, int stride,
		     const char *name)
{
	char buf[160];

	e->op = op;
	e->stride = stride;
	switch (op) {
	case OP_MAX_POOL_3X3:
	case OP_AVG_POOL_3X3:
		snprintf(buf, sizeof buf, "%s.1", name);
		return dca_bn_init(m, &e->pool_bn, C, 0, buf);
	case OP_SKIP_CONNECT:
		return stride == 1 ? 0 : fr_init(m, &e->fr, C, C, 0, name);
	case OP_SEP_CONV_3X3:
	case OP_SEP_CONV_5X5: {
		int k = op == OP_SEP_CONV_3X3 ? 3 : 5;
		int rc = dwpw_init(m, &e->a, C, k, stride, k / 2, 1, 0, name, 1);
		return rc ? rc : dwpw_init(m, &e->b, C, k, 1, k / 2, 1, 0, name, 5);
	}
	case OP_DIL_CONV_3X3:
		return dwpw_init(m, &e->a, C, 3, stride, 2, 2, 0, name, 1);
	case OP_DIL_CONV_5X5:
		return dwpw_init(m, &e->a, C, 5, stride, 4, 2, 0, name, 1);
	default:                    /* none has no parameters */
		return 0;
	}
}

static dca_tensor *edge_apply(dca_graph *g, const edge *e, dca_tensor *x,
			      int training)
{
	if (!x)
		return NULL;
	switch (e->op) {
	case OP_NONE:
		return dca_zero(g, x, e->stride);
	case OP_MAX_POOL_3X3:
	case OP_AVG_POOL_3X3:
		x = e->op == OP_MAX_POOL_3X3 ? dca_maxpool(g, x, 3, e->stride, 1)
					     : dca_avgpool(g, x, 3, e->stride, 1);
		return x ? dca_bn_apply(g, &e->pool_bn, x, training) : NULL;
	case OP_SKIP_CONNECT:
		return e->stride == 1 ? x : fr_apply(g, &e->fr, x, training);
	case OP_SEP_CONV_3X3:
	case OP_SEP_CONV_5X5:
		return dwpw_apply(g, &e->b, dwpw_apply(g, &e->a, x, training), training);
	case OP_DIL_CONV_3X3:
	case OP_DIL_CONV_5X5:
		return dwpw_apply(g, &e->a, x, training);
	default:
		return NULL;
	}
}

/* the cell's two input states from the previous two cells' outputs */
static int preprocess(dca_graph *g, const cell *c, dca_tensor *s0, dca_tensor *s1,
		      dca_tensor **st, int training)
{
	st[0] = c->reduction_prev ? fr_apply(g, &c->pre0_fr, s0, training)
				  : rcb_apply(g, &c->pre0, s0, training);
	st[1] = rcb_apply(g, &c->pre1, s1, training);
	return st[0] && st[1] ? 0 : -1;
}

typedef struct candidate_ctx {
	const edge *ops;            /* the mixed edge's [op] row */
	int training;
} candidate_ctx;

static dca_tensor *candidate(void *p, int op, dca_graph *g, dca_tensor *x)
{
	const candidate_ctx *k = p;

	return edge_apply(g, &k->ops[op], x, k->training);
}

static dca_tensor *super_cell_apply(const darts_net *net, dca_graph *g,
				    const cell *c, dca_tensor *s0, dca_tensor *s1,
				    dca_tensor *probs, int training)
{
	const dca_supernet *s = net->super;
	dca_tensor *st[DARTS_STATES], *in[DARTS_STATES], *w;
	candidate_ctx k = { NULL, training };
	int t = c->reduction, i, j;

	if (preprocess(g, c, s0, s1, st, training))
		return NULL;
	for (i = 0; i < DARTS_STEPS; i++) {
		for (j = 0; j < i + 2; j++) {
			int e = darts_edge(t, i, j);

			k.ops = c->mix[e - t * DARTS_CELL_EDGES];
			w = dca_flat_slice(g, probs, e * DARTS_N_OPS + 1, DARTS_N_OPS - 1);
			in[j] = w ? dca_mixed_edge(g, st[j], s->bottleneck_k,
						   t && j < 2 ? 2 : 1, DARTS_N_OPS, w,
						   candidate, &k) : NULL;
			if (!in[j])
				return NULL;
		}
		/* edge normalisation over the node's inputs */
		w = dca_flat_slice(g, s->beta, darts_edge(t, i, 0), i + 2);
		w = w ? dca_softmax(g, w) : NULL;
		st[i + 2] = w ? dca_weighted_sum(g, in, i + 2, w) : NULL;
		if (!st[i + 2])
			return NULL;
	}
	return dca_concat(g, st + 2, DARTS_STEPS);
}

static dca_tensor *darts_forward(dca_model *m, dca_graph *g, dca_tensor *x,
				 int training, dca_tensor **aux)
{
	const darts_net *net = m->state;
	dca_tensor *s0, *s1, *probs = NULL;
	int i;

	if (aux)
		*aux = NULL;
	if (!(probs = dca_softmax(g, net->super->alpha)))
		return NULL;
	x = dca_conv_apply(g, &net->stem, x);
	if (x)
		x = dca_bn_apply(g, &net->stem_bn, x, training);
	if (!x)
		return NULL;
	s0 = s1 = x;
	for (i = 0; i < net->n_cells; i++) {
		dca_tensor *y = super_cell_apply(net, g, &net->cells[i], s0, s1,
						 probs, training);

		if (!y)
			return NULL;
		s0 = s1;
		s1 = y;
	}
	x = dca_global_avgpool(g, s1);
	return x ? dca_fc_apply(g, &net->classifier, x) : NULL;
}

static void darts_net_free(void *p)
{
	darts_net *net = p;

	int i;

	if (net && net->cells)
		for (i = 0; i < net->n_cells; i++)
			free(net->cells[i].mix);
	if (net)
		free(net->cells);
	free(net);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

static int build_cells(dca_model *m, darts_net *net, const dca_net_shape *sh, int k)
{
	int C = sh->width, c_pp = 3 * C, c_p = 3 * C, red_prev = 0;
	int red1 = sh->cells / 3, i, j, o, rc = 0;
	char name[128];

	rc = dca_conv_init(m, &net->stem, sh->in_c, 3 * C, 3, 1, 1, 1, 1, 0, "stem.0");
	if (!rc)
		rc = dca_bn_init(m, &net->stem_bn, 3 * C, 1, "stem.1");
	for (i = 0; i < sh->cells && !rc; i++) {
		cell *c = &net->cells[i];
		int red = i == red1 || i == net->red2;

		if (red)
			C *= 2;
		c->reduction = red;
		c->reduction_prev = red_prev;
		c->C = C;
		snprintf(name, sizeof name, "cells.%d.preprocess0", i);
		rc = red_prev ? fr_init(m, &c->pre0_fr, c_pp, C, 0, name)
			      : rcb_init(m, &c->pre0, c_pp, C, 0, name);
		snprintf(name, sizeof name, "cells.%d.preprocess1", i);
		if (!rc)
			rc = rcb_init(m, &c->pre1, c_p, C, 0, name);
		if (!rc && !(c->mix = calloc(DARTS_CELL_EDGES, sizeof *c->mix)))
			rc = DCA_ERR_NOMEM;
		for (j = 0; j < DARTS_CELL_EDGES && !rc; j++) {
			int stride = red && darts_edge_input(j) < 2 ? 2 : 1;

			for (o = 1; o < DARTS_N_OPS && !rc; o++) {
				snprintf(name, sizeof name, "cells.%d._ops.%d._ops.%d", i, j, o);
				rc = edge_init(m, &c->mix[j][o], o, C / k, stride, name);
			}
		}
		c_pp = c_p;
		c_p = C * DARTS_STEPS;      /* every cell joins its four nodes */
		red_prev = red;
	}
	if (!rc)
		rc = dca_fc_init(m, &net->classifier, c_p, sh->classes, "classifier");
	return rc;
}

int dcap_darts_build_supernet(const dca_net_shape *shape, int k, uint64_t seed,
			      dca_supernet **out, dca_error *err)
{
	dca_model *m = NULL;
	darts_net *net = NULL;
	int rc;

	*out = NULL;
	if ((rc = darts_check_shape(shape, err)))
		return rc;
	/* FactorizedReduce on the bottleneck halves its channels */
	if (k < 1 || shape->width % (2 * k))
		return dca_error_set(err, DCA_ERR_INVALID, "darts: the width %d must "
				     "be a multiple of 2k = %d (channel bottleneck k=%d)",
				     shape->width, 2 * k, k);
	m = dca_model_new(seed);
	net = calloc(1, sizeof *net);
	if (net)
		net->cells = calloc((size_t)shape->cells, sizeof *net->cells);
	if (!m || !net || !net->cells) {
		darts_net_free(net);
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building "
				     "the supernet");
	}
	net->n_cells = shape->cells;
	net->red2 = 2 * shape->cells / 3;
	m->state = net;
	m->state_free = darts_net_free;
	m->forward = darts_forward;
	if (build_cells(m, net, shape, k) ||
	    !(net->super = dca_supernet_new(m, 2 * DARTS_CELL_EDGES, DARTS_N_OPS, k))) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building the supernet");
	}
	*out = net->super;
	return 0;
}
