/* dcanas — the trainable DARTS evaluation network (NetworkCIFAR of the
 * reference DARTS code), with the same structure as the op descriptors of
 * darts_space.c, so that its parameter count equals theirs:
 *
 *   stem: conv 3x3 (3 -> 3C, no bias), BN
 *   `cells` cells, reduction cells at cells/3 and 2*cells/3 (C doubles);
 *     preprocess0: FactorizedReduce after a reduction cell, else ReLU-conv1x1-BN
 *     preprocess1: ReLU-conv1x1-BN
 *     node i = op(state a) + op(state b), drop-path on non-identity ops in
 *     training; output = concat of the concat states
 *   auxiliary head after the second reduction cell (training only)
 *   global average pool, linear classifier.
 *
 * Parameter names follow the reference code's PyTorch state_dict keys
 * ("cells.3._ops.1.op.5.weight", ...).
 *
 * The supernet (dcap_darts_build_supernet) is the search network on the same
 * skeleton: every node sums, over all its 2+i inputs, a mixed edge holding
 * the 7 non-'none' candidates at the bottleneck width (BN without affine
 * parameters, pools followed by BN), weighted by softmax(alpha); the inputs
 * of a node are weighted by softmax(beta) (edge normalisation); the cell
 * output is the concat of its 4 nodes. */
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
	int op, stride, in;
	dwpw a, b;                  /* sep_conv: a then b; dil_conv: a */
	freduce fr;                 /* skip_connect at stride 2 */
	int pool_bn_on;             /* supernet: BN after a pool */
	dca_bn pool_bn;
} edge;

typedef struct cell {
	int reduction, reduction_prev;
	int C;                      /* channels of every state */
	const darts_cell *geno;     /* points into the net's arch copy */
	rcb pre0;                   /* !reduction_prev */
	freduce pre0_fr;            /* reduction_prev */
	rcb pre1;
	edge e[DARTS_PAIRS];
	edge (*mix)[DARTS_N_OPS];   /* supernet: [edge][op], DARTS_EDGES rows */
} cell;

typedef struct aux_head {
	dca_conv c1, c2;
	dca_bn b1, b2;
	dca_fc fc;
} aux_head;

typedef struct darts_net {
	dca_arch arch;
	dca_supernet *super;        /* NULL: a fixed genotype */
	int n_cells, red2, auxiliary;
	dca_conv stem;
	dca_bn stem_bn;
	cell *cells;
	aux_head aux;
	dca_fc classifier;
} darts_net;

/* ------------------------------------------------------------------ */
/* Layers                                                              */

/* x[:, :, 1:, 1:] — the one-pixel shift of FactorizedReduce's second
 * branch, as a depthwise 2x2 convolution with the fixed (untrained) kernel
 * [[0, 0], [0, 1]] per channel: output (h-1)x(w-1), out[i][j] = x[i+1][j+1],
 * and the gradient flows back to exactly those input pixels. */
static dca_tensor *shift_hw1(dca_graph *g, dca_tensor *x)
{
	dca_tensor *k;
	int c;

	if (!x || x->h < 2 || x->w < 2)
		return NULL;
	k = dca_tensor_new(g, x->c, 1, 2, 2, 0);
	if (!k)
		return NULL;
	for (c = 0; c < x->c; c++)
		k->data[(size_t)c * 4 + 3] = 1.0f;
	return dca_conv2d(g, x, k, NULL, 1, 0, 1, x->c);
}

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
	ab[1] = shift_hw1(g, x);
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

/* affine = 0: the search network's edge (BN without gamma/beta, and a BN
 * after each pool, as the reference MixedOp) */
static int edge_init(dca_model *m, edge *e, int op, int C, int stride,
		     int affine, const char *name)
{
	char buf[160];

	e->op = op;
	e->stride = stride;
	switch (op) {
	case OP_MAX_POOL_3X3:
	case OP_AVG_POOL_3X3:
		if (affine)
			return 0;
		e->pool_bn_on = 1;
		snprintf(buf, sizeof buf, "%s.1", name);
		return dca_bn_init(m, &e->pool_bn, C, 0, buf);
	case OP_SKIP_CONNECT:
		return stride == 1 ? 0 : fr_init(m, &e->fr, C, C, affine, name);
	case OP_SEP_CONV_3X3:
	case OP_SEP_CONV_5X5: {
		int k = op == OP_SEP_CONV_3X3 ? 3 : 5;
		int rc = dwpw_init(m, &e->a, C, k, stride, k / 2, 1, affine, name, 1);
		return rc ? rc : dwpw_init(m, &e->b, C, k, 1, k / 2, 1, affine, name, 5);
	}
	case OP_DIL_CONV_3X3:
		return dwpw_init(m, &e->a, C, 3, stride, 2, 2, affine, name, 1);
	case OP_DIL_CONV_5X5:
		return dwpw_init(m, &e->a, C, 5, stride, 4, 2, affine, name, 1);
	default:                    /* none has no parameters */
		return 0;
	}
}

/* The op's output; *identity is set for skip_connect at stride 1. */
static dca_tensor *edge_apply(dca_graph *g, const edge *e, dca_tensor *x,
			      int training, int *identity)
{
	*identity = 0;
	if (!x)
		return NULL;
	switch (e->op) {
	case OP_NONE:
		return dca_zero(g, x, e->stride);
	case OP_MAX_POOL_3X3:
	case OP_AVG_POOL_3X3:
		x = e->op == OP_MAX_POOL_3X3 ? dca_maxpool(g, x, 3, e->stride, 1)
					     : dca_avgpool(g, x, 3, e->stride, 1);
		return x && e->pool_bn_on ? dca_bn_apply(g, &e->pool_bn, x, training) : x;
	case OP_SKIP_CONNECT:
		if (e->stride == 1) {
			*identity = 1;
			return x;
		}
		return fr_apply(g, &e->fr, x, training);
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

static dca_tensor *cell_apply(dca_model *m, dca_graph *g, const cell *c,
			      dca_tensor *s0, dca_tensor *s1, int training)
{
	dca_tensor *st[DARTS_STATES], *cat[DARTS_STATES];
	int i, j;

	if (preprocess(g, c, s0, s1, st, training))
		return NULL;
	for (i = 0; i < DARTS_STEPS; i++) {
		dca_tensor *h[2];

		for (j = 0; j < 2; j++) {
			const edge *e = &c->e[2 * i + j];
			int identity;

			h[j] = edge_apply(g, e, st[e->in], training, &identity);
			/* as the reference: drop-path on every op but Identity */
			if (h[j] && !identity)
				h[j] = dca_drop_path(g, h[j], m->drop_path_prob,
						     training, &m->rng);
			if (!h[j])
				return NULL;
		}
		st[i + 2] = dca_add(g, h[0], h[1]);
		if (!st[i + 2])
			return NULL;
	}
	for (i = 0; i < c->geno->n_concat; i++)
		cat[i] = st[c->geno->concat[i]];
	return dca_concat(g, cat, c->geno->n_concat);
}

typedef struct candidate_ctx {
	const edge *ops;            /* the mixed edge's [op] row */
	int training;
} candidate_ctx;

static dca_tensor *candidate(void *p, int op, dca_graph *g, dca_tensor *x)
{
	const candidate_ctx *k = p;
	int identity;

	return edge_apply(g, &k->ops[op], x, k->training, &identity);
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

static dca_tensor *aux_apply(dca_graph *g, const aux_head *a, dca_tensor *x, int training)
{
	if (x)
		x = dca_relu(g, x);
	if (x)
		x = dca_avgpool(g, x, 5, 3, 0);
	if (x)
		x = dca_conv_apply(g, &a->c1, x);
	if (x)
		x = dca_bn_apply(g, &a->b1, x, training);
	if (x)
		x = dca_relu(g, x);
	if (x)
		x = dca_conv_apply(g, &a->c2, x);
	if (x)
		x = dca_bn_apply(g, &a->b2, x, training);
	if (x)
		x = dca_relu(g, x);
	return x ? dca_fc_apply(g, &a->fc, x) : NULL;
}

static dca_tensor *darts_forward(dca_model *m, dca_graph *g, dca_tensor *x,
				 int training, dca_tensor **aux)
{
	const darts_net *net = m->state;
	dca_tensor *s0, *s1, *probs = NULL;
	int i;

	if (aux)
		*aux = NULL;
	if (net->super && !(probs = dca_softmax(g, net->super->alpha)))
		return NULL;
	x = dca_conv_apply(g, &net->stem, x);
	if (x)
		x = dca_bn_apply(g, &net->stem_bn, x, training);
	if (!x)
		return NULL;
	s0 = s1 = x;
	for (i = 0; i < net->n_cells; i++) {
		dca_tensor *y = net->super
			? super_cell_apply(net, g, &net->cells[i], s0, s1, probs, training)
			: cell_apply(m, g, &net->cells[i], s0, s1, training);

		if (!y)
			return NULL;
		s0 = s1;
		s1 = y;
		if (i == net->red2 && net->auxiliary && training && aux) {
			*aux = aux_apply(g, &net->aux, s1, training);
			if (!*aux)
				return NULL;
		}
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

static int check_arch(const dca_arch *a, dca_error *err)
{
	static const char *const key[2] = { "normal", "reduce" };
	int k, i;

	for (k = 0; k < 2; k++) {
		const darts_cell *c = &a->cell[k];

		if (c->n_concat < 1 || c->n_concat > DARTS_STATES)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "darts: %s_concat has %d states",
					     key[k], c->n_concat);
		for (i = 0; i < c->n_concat; i++) {
			if (c->concat[i] < 0 || c->concat[i] >= DARTS_STATES)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: %s_concat state %d out of range",
						     key[k], c->concat[i]);
			/* the cell inputs keep the full resolution in a
			 * reduction cell and cannot be concatenated */
			if (k == 1 && c->concat[i] < 2)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: reduce_concat names state %d, a "
						     "cell input at twice the resolution of the "
						     "nodes; only states 2..%d can be joined",
						     c->concat[i], DARTS_STATES - 1);
		}
		for (i = 0; i < DARTS_PAIRS; i++)
			if (c->op[i] < 0 || c->op[i] >= DARTS_N_OPS || c->in[i] < 0 ||
			    c->in[i] >= i / 2 + 2)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: %s pair %d is invalid", key[k], i);
	}
	return 0;
}

static int check_shape(const dca_net_shape *sh, dca_error *err)
{
	if (sh->in_c < 1 || sh->in_h < 4 || sh->in_w < 4 || sh->in_h % 4 || sh->in_w % 4)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: input %dx%dx%d not supported; the two "
				     "reduction cells halve the image twice, so height "
				     "and width must be positive multiples of 4 (CIFAR: "
				     "3x32x32)", sh->in_c, sh->in_h, sh->in_w);
	if (sh->classes < 1)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: classes must be at least 1 (got %d)", sh->classes);
	if (sh->width < 2)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: width (initial channels C) must be at least 2 "
				     "(got %d)", sh->width);
	if (sh->cells < 3)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: cells (layers) must be at least 3 (got %d)",
				     sh->cells);
	if (sh->auxiliary) {
		int ah = (sh->in_h / 4 - 5) / 3 + 1, aw = (sh->in_w / 4 - 5) / 3 + 1;

		if (sh->in_h / 4 < 5 || sh->in_w / 4 < 5 || ah != 2 || aw != 2)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "darts: the auxiliary head needs an 8x8..10x10 "
					     "map after the second reduction (input 32..40 "
					     "square); input is %dx%d", sh->in_h, sh->in_w);
	}
	return 0;
}

/* k: the supernet's channel bottleneck; 0 for a fixed genotype */
static int build_cells(dca_model *m, darts_net *net, const dca_net_shape *sh, int k)
{
	int C = sh->width, c_pp = 3 * C, c_p = 3 * C, red_prev = 0;
	int red1 = sh->cells / 3, c_aux = 0, i, j, o, rc = 0, affine = k == 0;
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
		c->geno = &net->arch.cell[red ? 1 : 0];
		snprintf(name, sizeof name, "cells.%d.preprocess0", i);
		rc = red_prev ? fr_init(m, &c->pre0_fr, c_pp, C, affine, name)
			      : rcb_init(m, &c->pre0, c_pp, C, affine, name);
		snprintf(name, sizeof name, "cells.%d.preprocess1", i);
		if (!rc)
			rc = rcb_init(m, &c->pre1, c_p, C, affine, name);
		if (k && !rc && !(c->mix = calloc(DARTS_CELL_EDGES, sizeof *c->mix)))
			rc = DCA_ERR_NOMEM;
		for (j = 0; k && j < DARTS_CELL_EDGES && !rc; j++) {
			int stride = red && darts_edge_input(j) < 2 ? 2 : 1;

			for (o = 1; o < DARTS_N_OPS && !rc; o++) {
				snprintf(name, sizeof name, "cells.%d._ops.%d._ops.%d", i, j, o);
				rc = edge_init(m, &c->mix[j][o], o, C / k, stride, 0, name);
			}
		}
		for (j = 0; !k && j < DARTS_PAIRS && !rc; j++) {
			int in = c->geno->in[j];

			c->e[j].in = in;
			snprintf(name, sizeof name, "cells.%d._ops.%d", i, j);
			rc = edge_init(m, &c->e[j], c->geno->op[j], C,
				       red && in < 2 ? 2 : 1, 1, name);
		}
		c_pp = c_p;
		c_p = C * c->geno->n_concat;
		red_prev = red;
		if (i == net->red2)
			c_aux = c_p;
	}
	/* the head's parameters follow the cells', as in the reference */
	if (net->auxiliary && !rc) {
		aux_head *a = &net->aux;
		int cin = c_aux;

		rc = dca_conv_init(m, &a->c1, cin, 128, 1, 1, 0, 1, 1, 0,
				   "auxiliary_head.features.2");
		if (!rc)
			rc = dca_bn_init(m, &a->b1, 128, 1, "auxiliary_head.features.3");
		if (!rc)
			rc = dca_conv_init(m, &a->c2, 128, 768, 2, 1, 0, 1, 1, 0,
					   "auxiliary_head.features.5");
		if (!rc)
			rc = dca_bn_init(m, &a->b2, 768, 1, "auxiliary_head.features.6");
		if (!rc)
			rc = dca_fc_init(m, &a->fc, 768, sh->classes, "auxiliary_head.classifier");
	}
	if (!rc)
		rc = dca_fc_init(m, &net->classifier, c_p, sh->classes, "classifier");
	return rc;
}

/* a model whose state is an empty darts_net of shape's cells */
static int model_new(const dca_net_shape *shape, uint64_t seed, dca_model **m_out,
		     darts_net **net_out, dca_error *err)
{
	dca_model *m = dca_model_new(seed);
	darts_net *net = calloc(1, sizeof *net);

	if (net)
		net->cells = calloc((size_t)shape->cells, sizeof *net->cells);
	if (!m || !net || !net->cells) {
		darts_net_free(net);
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building "
				     "the network");
	}
	net->n_cells = shape->cells;
	net->red2 = 2 * shape->cells / 3;
	m->state = net;
	m->state_free = darts_net_free;
	m->forward = darts_forward;
	*m_out = m;
	*net_out = net;
	return 0;
}

int dcap_darts_build_model(const dca_arch *arch, const dca_net_shape *shape,
			   uint64_t seed, dca_model **out, dca_error *err)
{
	dca_model *m;
	darts_net *net;
	int rc;

	*out = NULL;
	if (!arch || !shape)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: build_model needs an arch and a shape");
	if ((rc = check_shape(shape, err)) || (rc = check_arch(arch, err)) ||
	    (rc = model_new(shape, seed, &m, &net, err)))
		return rc;
	net->arch = *arch;
	net->auxiliary = shape->auxiliary != 0;
	if (build_cells(m, net, shape, 0)) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building the model");
	}
	*out = m;
	return 0;
}

int dcap_darts_build_supernet(const dca_net_shape *shape, int k, uint64_t seed,
			      dca_supernet **out, dca_error *err)
{
	dca_model *m;
	darts_net *net;
	int rc, t;

	*out = NULL;
	if ((rc = check_shape(shape, err)))
		return rc;
	/* FactorizedReduce on the bottleneck halves its channels */
	if (k < 1 || shape->width % (2 * k))
		return dca_error_set(err, DCA_ERR_INVALID, "darts: the width %d must "
				     "be a multiple of 2k = %d (channel bottleneck k=%d)",
				     shape->width, 2 * k, k);
	if ((rc = model_new(shape, seed, &m, &net, err)))
		return rc;
	for (t = 0; t < 2; t++) {     /* every cell joins its four nodes */
		net->arch.cell[t].n_concat = DARTS_STEPS;
		for (rc = 0; rc < DARTS_STEPS; rc++)
			net->arch.cell[t].concat[rc] = rc + 2;
	}
	if (build_cells(m, net, shape, k) ||
	    !(net->super = dca_supernet_new(m, 2 * DARTS_CELL_EDGES, DARTS_N_OPS, k))) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building the supernet");
	}
	*out = net->super;
	return 0;
}
