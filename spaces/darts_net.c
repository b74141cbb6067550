/* dcanas — the DARTS evaluation network (NetworkCIFAR of the reference
 * code) as op descriptors: what every cost is computed from and what
 * dcanas export walks (each op's parameters named as darts_model.c names
 * them), and the ops a candidate op adds to it (the search's cost tables). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#include "darts.h"

/* ------------------------------------------------------------------ */
/* The evaluation network (NetworkCIFAR)                               */

/* Each helper returns the output tensor id, or -1 when out of memory. All
 * ops of one helper call carry the label `lab`; `pn`, when not NULL, is the
 * model's name for the op's parameters (darts_model.c: the reference code's
 * state_dict keys), and PARAM names the last op's from it (candidate_net's
 * stand-ins pass NULL). */

static int lab_last(dca_net *net, const char *lab)
{
	return dca_net_label_last(net, "%s", lab);
}

#define STEP(expr) do { x = (expr); if (x < 0 || lab_last(net, lab)) return -1; } while (0)
#define PARAM(...) do { if (pn && dca_net_param_last(net, __VA_ARGS__)) return -1; } while (0)

/* ReLU, conv kxk (no bias), BN affine (the reference ReLUConvBN: op.1, op.2) */
static int relu_conv_bn(dca_net *net, int x, int cout, int k, int stride,
			int pad, const char *lab, const char *pn)
{
	STEP(dca_net_relu(net, x));
	STEP(dca_net_conv(net, x, cout, k, stride, pad, 1, 1, 0));
	PARAM("%s.op.1", pn);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.op.2", pn);
	return x;
}

/* ReLU, two 1x1 stride-2 convs to cout/2 (the second on the input shifted by
 * one pixel, same output size for even inputs), concat, BN affine. */
static int factorized_reduce(dca_net *net, int x, int cout, const char *lab,
			     const char *pn)
{
	int ab[2];

	STEP(dca_net_relu(net, x));
	ab[0] = dca_net_conv(net, x, cout / 2, 1, 2, 0, 1, 1, 0);
	if (ab[0] < 0 || lab_last(net, lab))
		return -1;
	PARAM("%s.conv_1", pn);
	ab[1] = dca_net_conv_offset(net, x, 1, cout / 2, 1, 2, 0, 1, 1, 0);
	if (ab[1] < 0 || lab_last(net, lab))
		return -1;
	PARAM("%s.conv_2", pn);
	STEP(dca_net_concat(net, ab, 2));
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.bn", pn);
	return x;
}

/* ReLU, depthwise kxk (dilation d), pointwise 1x1 to cout, BN affine; their
 * parameters are op.FIRST, op.FIRST+1 and op.FIRST+2 */
static int dw_pw_bn(dca_net *net, int x, int cout, int k, int stride, int pad,
		    int dil, const char *lab, const char *pn, int first)
{
	int c = net->tensors[x].c;

	STEP(dca_net_relu(net, x));
	STEP(dca_net_conv(net, x, c, k, stride, pad, dil, c, 0));
	PARAM("%s.op.%d", pn, first);
	STEP(dca_net_conv(net, x, cout, 1, 1, 0, 1, 1, 0));
	PARAM("%s.op.%d", pn, first + 1);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.op.%d", pn, first + 2);
	return x;
}

static int edge_op(dca_net *net, int x, int op, int C, int stride,
		   const char *lab, const char *pn)
{
	switch (op) {
	case OP_NONE:
		STEP(dca_net_zero(net, x, C, stride));
		return x;
	case OP_MAX_POOL_3X3:
		STEP(dca_net_pool(net, x, DCA_OP_MAXPOOL, 3, stride, 1));
		return x;
	case OP_AVG_POOL_3X3:
		STEP(dca_net_pool(net, x, DCA_OP_AVGPOOL, 3, stride, 1));
		return x;
	case OP_SKIP_CONNECT:
		/* stride 1: identity, the input tensor itself (no op) */
		return stride == 1 ? x : factorized_reduce(net, x, C, lab, pn);
	case OP_SEP_CONV_3X3:
	case OP_SEP_CONV_5X5: {
		int k = op == OP_SEP_CONV_3X3 ? 3 : 5;

		x = dw_pw_bn(net, x, C, k, stride, k / 2, 1, lab, pn, 1);
		return x < 0 ? -1 : dw_pw_bn(net, x, C, k, 1, k / 2, 1, lab, pn, 5);
	}
	case OP_DIL_CONV_3X3:
		return dw_pw_bn(net, x, C, 3, stride, 2, 2, lab, pn, 1);
	case OP_DIL_CONV_5X5:
		return dw_pw_bn(net, x, C, 5, stride, 4, 2, lab, pn, 1);
	default:
		return -1;
	}
}

static int build_cell(dca_net *net, int idx, const darts_cell *cell, int s0,
		      int s1, int C, int reduction, int reduction_prev)
{
	int st[DARTS_STATES];
	int cat[DARTS_STATES];
	char lab[96], pn[64];
	int i, x;

	snprintf(lab, sizeof lab, "cell%d/preprocess0", idx);
	snprintf(pn, sizeof pn, "cells.%d.preprocess0", idx);
	st[0] = reduction_prev ? factorized_reduce(net, s0, C, lab, pn)
			       : relu_conv_bn(net, s0, C, 1, 1, 0, lab, pn);
	if (st[0] < 0)
		return -1;
	snprintf(lab, sizeof lab, "cell%d/preprocess1", idx);
	snprintf(pn, sizeof pn, "cells.%d.preprocess1", idx);
	st[1] = relu_conv_bn(net, s1, C, 1, 1, 0, lab, pn);
	if (st[1] < 0)
		return -1;
	for (i = 0; i < DARTS_STEPS; i++) {
		int h[2], j;

		for (j = 0; j < 2; j++) {
			int e = 2 * i + j;
			int in = cell->in[e];
			int stride = reduction && in < 2 ? 2 : 1;

			snprintf(lab, sizeof lab, "cell%d/node%d/%s", idx, i,
				 darts_op_names[cell->op[e]]);
			snprintf(pn, sizeof pn, "cells.%d._ops.%d", idx, e);
			h[j] = edge_op(net, st[in], cell->op[e], C, stride, lab, pn);
			if (h[j] < 0)
				return -1;
			/* training: drop-path on every op but the identity
			 * (a stride-1 skip adds none), as the reference */
			if (cell->op[e] != OP_SKIP_CONNECT || stride != 1)
				dca_net_drop_path_last(net);
		}
		snprintf(lab, sizeof lab, "cell%d/node%d/add", idx, i);
		STEP(dca_net_add(net, h, 2));
		st[i + 2] = x;
	}
	for (i = 0; i < cell->n_concat; i++)
		cat[i] = st[cell->concat[i]];
	snprintf(lab, sizeof lab, "cell%d/concat", idx);
	STEP(dca_net_concat(net, cat, cell->n_concat));
	return x;
}

static int aux_head(dca_net *net, int x, int classes)
{
	const char *lab = "auxiliary", *pn = "auxiliary_head";

	STEP(dca_net_relu(net, x));
	STEP(dca_net_pool(net, x, DCA_OP_AVGPOOL, 5, 3, 0));
	STEP(dca_net_conv(net, x, 128, 1, 1, 0, 1, 1, 0));
	PARAM("%s.features.2", pn);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.features.3", pn);
	STEP(dca_net_relu(net, x));
	STEP(dca_net_conv(net, x, 768, 2, 1, 0, 1, 1, 0));
	PARAM("%s.features.5", pn);
	STEP(dca_net_batchnorm(net, x, 1));
	PARAM("%s.features.6", pn);
	STEP(dca_net_relu(net, x));
	STEP(dca_net_linear(net, x, classes, 1));
	PARAM("%s.classifier", pn);
	return x;
}

#undef STEP
#undef PARAM

int darts_check_shape(const dca_net_shape *shape, dca_error *err)
{
	const dca_net_shape sh = *shape;

	if (sh.in_c < 1 || sh.in_h < 4 || sh.in_w < 4 || sh.in_h % 4 || sh.in_w % 4)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: input %dx%dx%d not supported; the two "
				     "reduction cells halve the image twice, so height "
				     "and width must be positive multiples of 4 (CIFAR: "
				     "3x32x32)", sh.in_c, sh.in_h, sh.in_w);
	if (sh.classes < 1)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: classes must be at least 1 (got %d)",
				     sh.classes);
	if (sh.width < 2)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: width (initial channels C) must be at "
				     "least 2 (got %d)", sh.width);
	if (sh.cells < 3)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: cells (layers) must be at least 3 so that "
				     "the reduction cells at layers/3 and 2*layers/3 "
				     "are distinct and not first (got %d)", sh.cells);
	if (sh.auxiliary) {
		/* 8x8 after two reductions at 32x32: avgpool 5/3 -> 2x2, conv 2x2 -> 1x1 */
		int ah = (sh.in_h / 4 - 5) / 3 + 1, aw = (sh.in_w / 4 - 5) / 3 + 1;

		if (sh.in_h / 4 < 5 || sh.in_w / 4 < 5 || ah != 2 || aw != 2)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "darts: the auxiliary head needs an 8x8..10x10 "
					     "map after the second reduction (input 32..40 "
					     "square); input is %dx%d", sh.in_h, sh.in_w);
	}
	return 0;
}

int darts_build_net(const dca_arch *a, const dca_net_shape *shape_in,
		    dca_net *net, dca_error *err)
{
	static const dca_net_shape darts_default_shape = DARTS_DEFAULT_SHAPE;
	dca_net_shape sh = darts_default_shape;
	int C, s0, s1, x, i, red_prev = 0, red1, red2, logits, aux_in = -1;
	int k;

	if (!a || !net)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "darts: build_net needs an arch and a net");
	if (shape_in) {
		sh = *shape_in;
		dca_net_shape_fill(&sh, &darts_default_shape);
	}
	if ((k = darts_check_shape(&sh, err)))
		return k;
	for (k = 0; k < 2; k++) {
		const darts_cell *c = &a->cell[k];

		if (c->n_concat < 1 || c->n_concat > DARTS_STATES)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "darts: %s_concat has %d states",
					     darts_cell_key[k], c->n_concat);
		for (i = 0; i < DARTS_PAIRS; i++)
			if (c->op[i] < 0 || c->op[i] >= DARTS_N_OPS || c->in[i] < 0 ||
			    c->in[i] >= i / 2 + 2)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: %s pair %d is invalid",
						     darts_cell_key[k], i);
		for (i = 0; i < c->n_concat; i++) {
			if (c->concat[i] < 0 || c->concat[i] >= DARTS_STATES)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: %s_concat state %d out of range",
						     darts_cell_key[k], c->concat[i]);
			/* the cell inputs keep the full resolution in a
			 * reduction cell and cannot be concatenated */
			if (k == 1 && c->concat[i] < 2)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "darts: reduce_concat names state %d, a "
						     "cell input at twice the resolution of the "
						     "nodes; only states 2..%d can be joined",
						     c->concat[i], DARTS_STATES - 1);
		}
	}

	C = sh.width;
	red1 = sh.cells / 3;
	red2 = 2 * sh.cells / 3;

	x = dca_net_input(net, sh.in_c, sh.in_h, sh.in_w);
	if (x < 0)
		goto oom;
	/* stem: conv 3x3 to 3C (no bias), BN */
	x = dca_net_conv(net, x, 3 * C, 3, 1, 1, 1, 1, 0);
	if (x < 0 || dca_net_label_last(net, "stem") || dca_net_param_last(net, "stem.0"))
		goto oom;
	x = dca_net_batchnorm(net, x, 1);
	if (x < 0 || dca_net_label_last(net, "stem") || dca_net_param_last(net, "stem.1"))
		goto oom;
	s0 = s1 = x;
	for (i = 0; i < sh.cells; i++) {
		int red = i == red1 || i == red2;
		const darts_cell *cell = &a->cell[red ? 1 : 0];

		if (red)
			C *= 2;
		/* cell inputs: the previous-previous and the previous output;
		 * its channels are C * len(concat) */
		x = build_cell(net, i, cell, s0, s1, C, red, red_prev);
		if (x < 0)
			goto oom;
		s0 = s1;
		s1 = x;
		red_prev = red;
		if (i == red2)
			aux_in = s1;
	}
	/* the auxiliary head reads the second reduction cell's output; its
	 * ops follow the cells', as its parameters do in the reference */
	if (sh.auxiliary && (net->aux_output = aux_head(net, aux_in, sh.classes)) < 0)
		goto oom;
	x = dca_net_global_avgpool(net, s1);
	if (x < 0 || dca_net_label_last(net, "classifier"))
		goto oom;
	logits = dca_net_linear(net, x, sh.classes, 1);
	if (logits < 0 || dca_net_label_last(net, "classifier") ||
	    dca_net_param_last(net, "classifier"))
		goto oom;
	net->output = logits;
	return 0;
oom:
	return dca_error_set(err, DCA_ERR_NOMEM, "darts: out of memory building the network");
}

/* ------------------------------------------------------------------ */
/* Searching                                                           */

/* Walk the evaluation network's cells as build_net does: for each cell,
 * its type, channels and the spatial size of its inputs. */
typedef struct cell_walk {
	int type, C, h, w;
} cell_walk;

static int walk_cells(const dca_net_shape *sh, cell_walk *out)
{
	int i, C = sh->width, h = sh->in_h, w = sh->in_w;

	for (i = 0; i < sh->cells; i++) {
		int red = i == sh->cells / 3 || i == 2 * sh->cells / 3;

		if (red)
			C *= 2;
		out[i] = (cell_walk){ red, C, h, w };
		if (red) {
			h /= 2;
			w /= 2;
		}
	}
	return sh->cells;
}

/* The ops candidate `op` on search edge `edge` adds to every cell of that
 * type (each on a stand-in input of the state's shape). */
int darts_candidate_net(const dca_net_shape *shape, int edge, int op,
			dca_net *net, dca_error *err)
{
	int t = edge / DARTS_CELL_EDGES, j = darts_edge_input(edge % DARTS_CELL_EDGES);
	cell_walk *cells;
	int i, n;

	if (edge < 0 || edge >= 2 * DARTS_CELL_EDGES || op < 0 || op >= DARTS_N_OPS ||
	    shape->cells < 3)
		return dca_error_set(err, DCA_ERR_INVALID, "darts: no edge %d op %d "
				     "(or fewer than 3 cells)", edge, op);
	if (!(cells = calloc((size_t)shape->cells, sizeof *cells)))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	n = walk_cells(shape, cells);
	for (i = 0; i < n; i++) {
		const cell_walk *c = &cells[i];
		int stride = c->type && j < 2 ? 2 : 1, x;
		/* the cell inputs keep the cell's input size, nodes have its output's */
		int h = j < 2 || !c->type ? c->h : c->h / 2;
		int w = j < 2 || !c->type ? c->w : c->w / 2;

		if (c->type != t)
			continue;
		x = dca_net_input(net, c->C, h, w);
		if (x < 0 || (op != OP_NONE &&
			      edge_op(net, x, op, c->C, stride, darts_op_names[op], NULL) < 0)) {
			free(cells);
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		}
	}
	free(cells);
	return 0;
}
