/* dcanas — the trainable network of a concrete net (dca_model_from_net):
 * a space describes its evaluation network once, as op descriptors
 * (build_net), and this turns them into engine layers and a forward pass.
 *
 * Parameters are created in the net's op order with the names its binds
 * give, and initialised as dca_conv_init / dca_bn_init / dca_fc_init do, so
 * a space whose build_net lists ops in the order of its reference code's
 * modules gets that code's state_dict names and initialisation order. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/model.h>
#include <dcanas/net.h>
#include <dcanas/ops.h>

/* How the forward pass runs each op */
enum {
	RUN_ALWAYS = 0,
	RUN_AUX,       /* only the auxiliary output reads it: training with aux */
	RUN_FUSED      /* a ReLU done inside the convolution that reads it */
};

typedef struct net_step {
	dca_op_desc op;          /* label cleared (the net's pool is not kept) */
	int offset;              /* conv: input read from row/column offset on */
	unsigned flags;          /* DCA_OP_FLAG_* */
	int run;                 /* RUN_* */
	int relu_in;             /* conv: the tensor before a fused ReLU, else -1 */
	dca_conv conv;
	dca_bn bn;
	dca_fc fc;
} net_step;

typedef struct net_model {
	net_step *steps;
	size_t n_steps, n_tensors;
	int input, output, aux_output;
	dca_tensor_desc in_shape;
} net_model;

static void net_model_free(void *p)
{
	net_model *nm = p;

	if (nm)
		free(nm->steps);
	free(nm);
}

static dca_tensor *add_all(dca_graph *g, dca_tensor **t, const dca_op_desc *op)
{
	dca_tensor *y = t[op->in[0]];
	int k;

	/* in input order, as a chain of two-input sums */
	for (k = 1; k < op->n_in && y; k++)
		y = dca_add(g, y, t[op->in[k]]);
	return y;
}

static dca_tensor *run_step(dca_graph *g, const net_step *s,
			    dca_tensor **t, int training)
{
	const dca_op_desc *op = &s->op;
	dca_tensor *x = t[op->in[0]], *xs[DCA_OP_MAX_INPUTS];
	int k;

	/* every input is set: check_net saw each written before it is read,
	 * and the ops skipped here (fused, or the head's) feed only ops that
	 * do not read their output */
	switch (op->kind) {
	case DCA_OP_CONV:
		if (s->relu_in >= 0)
			return dca_relu_conv_apply(g, &s->conv, t[s->relu_in]);
		if (s->offset)
			x = dca_crop_offset(g, x, s->offset);
		return x ? dca_conv_apply(g, &s->conv, x) : NULL;
	case DCA_OP_LINEAR:
		return dca_fc_apply(g, &s->fc, x);
	case DCA_OP_BATCHNORM:
		return dca_bn_apply(g, &s->bn, x, training);
	case DCA_OP_RELU:
		return dca_relu(g, x);
	case DCA_OP_MAXPOOL:
		return dca_maxpool(g, x, op->kernel, op->stride, op->pad);
	case DCA_OP_AVGPOOL:
		return dca_avgpool(g, x, op->kernel, op->stride, op->pad);
	case DCA_OP_GLOBAL_AVGPOOL:
		return dca_global_avgpool(g, x);
	case DCA_OP_ADD:
		return add_all(g, t, op);
	case DCA_OP_CONCAT:
		for (k = 0; k < op->n_in; k++)
			xs[k] = t[op->in[k]];
		return dca_concat(g, xs, op->n_in);
	case DCA_OP_ZERO:
		if (op->cout == x->c)
			return dca_zero(g, x, op->stride);
		return dca_tensor_new(g, x->n, op->cout, op->oh, op->ow, 0);
	case DCA_OP_IDENTITY:
		return x;
	default:
		dca_graph_fail(g, "network", "op kind %d cannot be trained", (int)op->kind);
		return NULL;
	}
}

static dca_tensor *net_forward(dca_model *m, dca_graph *g, dca_tensor *x,
			       int training, dca_tensor **aux)
{
	const net_model *nm = m->state;
	int want_aux = training && aux && nm->aux_output >= 0;
	dca_tensor **t;
	size_t i;

	if (aux)
		*aux = NULL;
	if (!x)
		return NULL;
	if (x->c != nm->in_shape.c || x->h != nm->in_shape.h || x->w != nm->in_shape.w) {
		dca_graph_fail(g, "network", "input is %dx%dx%d, the network was "
			       "built for %dx%dx%d", x->c, x->h, x->w, nm->in_shape.c,
			       nm->in_shape.h, nm->in_shape.w);
		return NULL;
	}
	t = dca_graph_alloc(g, nm->n_tensors * sizeof *t);
	if (!t)
		return NULL;
	memset(t, 0, nm->n_tensors * sizeof *t);
	t[nm->input] = x;
	for (i = 0; i < nm->n_steps; i++) {
		const net_step *s = &nm->steps[i];
		dca_tensor *y;

		if (s->run == RUN_FUSED || (s->run == RUN_AUX && !want_aux))
			continue;
		y = run_step(g, s, t, training);
		if (y && (s->flags & DCA_OP_FLAG_DROP_PATH))
			y = dca_drop_path(g, y, m->drop_path_prob, training, &m->rng);
		if (!y)
			return NULL;
		t[s->op.out] = y;
	}
	if (want_aux)
		*aux = t[nm->aux_output];
	return t[nm->output];
}

/* Which ops run when: RUN_AUX for those only the auxiliary output needs
 * (every other op runs, even one nothing reads, as a hand-written forward
 * would), RUN_FUSED for a ReLU whose one reader is a convolution. */
static int plan_steps(const dca_net *net, net_model *nm)
{
	int *readers = calloc(net->n_tensors, sizeof *readers);
	long *writer = malloc(net->n_tensors * sizeof *writer);
	char *main_t = calloc(net->n_tensors, 1), *aux_t = calloc(net->n_tensors, 1);
	size_t i;
	int k, rc = -1;

	if (!readers || !writer || !main_t || !aux_t)
		goto out;
	for (i = 0; i < net->n_tensors; i++)
		writer[i] = -1;
	for (i = 0; i < net->n_ops; i++) {
		for (k = 0; k < net->ops[i].n_in; k++)
			readers[net->ops[i].in[k]]++;
		writer[net->ops[i].out] = (long)i;
	}
	/* the tensors each output needs, walking the ops backwards */
	main_t[net->output] = 1;
	if (net->aux_output >= 0)
		aux_t[net->aux_output] = 1;
	for (i = net->n_ops; i-- > 0;) {
		const dca_op_desc *op = &net->ops[i];

		for (k = 0; k < op->n_in; k++) {
			main_t[op->in[k]] |= main_t[op->out];
			aux_t[op->in[k]] |= aux_t[op->out];
		}
	}
	for (i = 0; i < net->n_ops; i++) {
		net_step *s = &nm->steps[i];
		int out = net->ops[i].out;

		if (aux_t[out] && !main_t[out])
			s->run = RUN_AUX;
	}
	for (i = 0; i < net->n_ops; i++) {
		const dca_op_desc *op = &net->ops[i];
		long j = writer[op->in[0]];     /* the op writing the conv's input */

		if (op->kind != DCA_OP_CONV || nm->steps[i].offset)
			continue;
		if (j >= 0 && j < (long)i && net->ops[j].kind == DCA_OP_RELU &&
		    readers[op->in[0]] == 1 &&
		    op->in[0] != net->output && op->in[0] != net->aux_output &&
		    !(net->flags[j] & DCA_OP_FLAG_DROP_PATH) &&
		    nm->steps[j].run == nm->steps[i].run) {
			nm->steps[j].run = RUN_FUSED;
			nm->steps[i].relu_in = net->ops[j].in[0];
		}
	}
	rc = 0;
out:
	free(readers);
	free(writer);
	free(main_t);
	free(aux_t);
	return rc;
}

/* Create op i's layer in m; 0, DCA_ERR_NOMEM, or DCA_ERR_INVALID with err
 * set for an op with parameters but no name */
static int make_layer(dca_model *m, const dca_net *net, size_t i, net_step *s,
		      dca_error *err)
{
	const dca_op_desc *op = &net->ops[i];
	const char *name = net->binds[i].param;
	int rc = 0;

	if (op->kind != DCA_OP_CONV && op->kind != DCA_OP_LINEAR &&
	    op->kind != DCA_OP_BATCHNORM)
		return 0;
	if (!name)
		return dca_error_set(err, DCA_ERR_INVALID, "op %zu (%s%s%s) has "
				     "parameters but the network does not name them: "
				     "the space's build_net must call dca_net_param_last "
				     "after adding it", i, dca_op_kind_name(op->kind),
				     op->label ? ", " : "", op->label ? op->label : "");
	switch (op->kind) {
	case DCA_OP_CONV:
		rc = dca_conv_init(m, &s->conv, op->cin, op->cout, op->kernel, op->stride,
				   op->pad, op->dilation, op->groups, op->bias, name);
		break;
	case DCA_OP_LINEAR:
		if (op->bias) {
			rc = dca_fc_init(m, &s->fc, op->cin, op->cout, name);
			break;
		}
		s->fc.b = NULL;
		if (!(s->fc.w = dca_model_param(m, op->cout, op->cin, 1, 1, "%s.weight", name)))
			rc = DCA_ERR_NOMEM;
		else
			dca_model_init_uniform(m, s->fc.w, op->cin);
		break;
	default:
		rc = dca_bn_init(m, &s->bn, op->cin, op->affine, name);
		break;
	}
	return rc ? dca_error_set(err, DCA_ERR_NOMEM, "out of memory building the "
				  "network's layers") : 0;
}

/* Tensor ids in range, each written once before it is read (what the
 * dca_net builders give; a space that edits the arrays could break it) */
static int check_net(const dca_net *net, dca_error *err)
{
	size_t n = net->n_tensors, i;
	char *written = calloc(n ? n : 1, 1);
	int k, rc = 0;

	if (!written)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	if ((size_t)net->input >= n || (size_t)net->output >= n ||
	    (net->aux_output >= 0 && (size_t)net->aux_output >= n))
		rc = dca_error_set(err, DCA_ERR_INVALID, "the network's input, "
				   "output or auxiliary output is not one of its "
				   "%zu tensors", n);
	else
		written[net->input] = 1;
	for (i = 0; i < net->n_ops && !rc; i++) {
		const dca_op_desc *op = &net->ops[i];

		if (op->n_in < 1 || op->n_in > DCA_OP_MAX_INPUTS || op->out < 0 ||
		    (size_t)op->out >= n || written[op->out])
			rc = -1;
		for (k = 0; k < op->n_in && !rc; k++)
			if (op->in[k] < 0 || (size_t)op->in[k] >= n || !written[op->in[k]])
				rc = -1;
		if (rc)
			rc = dca_error_set(err, DCA_ERR_INVALID, "op %zu (%s%s%s) reads "
					   "or writes a tensor out of order (the net "
					   "must be built with the dca_net_* builders)",
					   i, dca_op_kind_name(op->kind), op->label ? ", " : "",
					   op->label ? op->label : "");
		else
			written[op->out] = 1;
	}
	free(written);
	return rc;
}

int dca_model_from_net(const dca_net *net, uint64_t seed, dca_model **out,
		       dca_error *err)
{
	dca_model *m;
	net_model *nm;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!net || net->input < 0 || net->output < 0 || !net->n_ops)
		return dca_error_set(err, DCA_ERR_INVALID, "the network has no "
				     "input, output or ops to train");
	if ((rc = check_net(net, err)))
		return rc;
	m = dca_model_new(seed);
	nm = calloc(1, sizeof *nm);
	if (nm)
		nm->steps = calloc(net->n_ops, sizeof *nm->steps);
	if (!m || !nm || !nm->steps) {
		net_model_free(nm);
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory building the network");
	}
	m->state = nm;
	m->state_free = net_model_free;
	m->forward = net_forward;
	nm->n_steps = net->n_ops;
	nm->n_tensors = net->n_tensors;
	nm->input = net->input;
	nm->output = net->output;
	nm->aux_output = net->aux_output;
	nm->in_shape = net->tensors[net->input];
	for (i = 0; i < net->n_ops; i++) {
		net_step *s = &nm->steps[i];

		s->op = net->ops[i];
		s->op.label = NULL;
		s->offset = net->binds[i].offset;
		s->flags = net->flags[i];
		s->relu_in = -1;
	}
	if (plan_steps(net, nm))
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory building the network");
	for (i = 0; i < net->n_ops && !rc; i++)
		rc = make_layer(m, net, i, &nm->steps[i], err);
	if (rc) {
		dca_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
