/* dcanas — concrete networks as lists of op descriptors. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/net.h>

static const char *const op_kind_names[DCA_OP_KIND_COUNT] = {
	"conv", "linear", "batchnorm", "relu", "maxpool", "avgpool",
	"global_avgpool", "add", "concat", "zero", "identity",
};

const char *dca_op_kind_name(dca_op_kind kind)
{
	return (unsigned)kind < DCA_OP_KIND_COUNT ? op_kind_names[kind] : "?";
}

void dca_net_init(dca_net *net)
{
	memset(net, 0, sizeof *net);
	net->input = net->output = net->aux_output = -1;
}

void dca_net_free(dca_net *net)
{
	size_t i;

	for (i = 0; i < net->n_labels; i++)
		free(net->labels[i]);
	free(net->labels);
	free(net->ops);
	free(net->binds);
	free(net->flags);
	free(net->tensors);
	dca_net_init(net);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return 0;
	n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int new_tensor(dca_net *net, int c, int h, int w)
{
	if (grow((void **)&net->tensors, &net->cap_tensors, net->n_tensors + 1,
		 sizeof *net->tensors))
		return -1;
	net->tensors[net->n_tensors] = (dca_tensor_desc){ c, h, w };
	return (int)net->n_tensors++;
}

/* Append op (inputs already set) with a new output tensor of shape c x oh x ow. */
static int push_op(dca_net *net, dca_op_desc *op, int c, int oh, int ow)
{
	int t;

	if (grow((void **)&net->ops, &net->cap_ops, net->n_ops + 1, sizeof *net->ops) ||
	    grow((void **)&net->binds, &net->cap_binds, net->n_ops + 1, sizeof *net->binds) ||
	    grow((void **)&net->flags, &net->cap_flags, net->n_ops + 1, sizeof *net->flags))
		return -1;
	t = new_tensor(net, c, oh, ow);
	if (t < 0)
		return -1;
	op->cout = c;
	op->oh = oh;
	op->ow = ow;
	op->out = t;
	net->binds[net->n_ops] = (dca_op_bind){ NULL, 0 };
	net->flags[net->n_ops] = 0;
	net->ops[net->n_ops++] = *op;
	net->output = t;
	return t;
}

static dca_op_desc unary(const dca_net *net, dca_op_kind kind, int x)
{
	dca_op_desc op;
	const dca_tensor_desc *t = &net->tensors[x];

	memset(&op, 0, sizeof op);
	op.kind = kind;
	op.cin = t->c;
	op.h = t->h;
	op.w = t->w;
	op.kernel = op.stride = op.dilation = op.groups = 1;
	op.n_in = 1;
	op.in[0] = x;
	return op;
}

int dca_net_input(dca_net *net, int c, int h, int w)
{
	int t = new_tensor(net, c, h, w);

	net->input = t;
	net->output = t;
	return t;
}

static int conv_out(int n, int k, int s, int p, int d)
{
	return (n + 2 * p - d * (k - 1) - 1) / s + 1;
}

int dca_net_conv(dca_net *net, int x, int cout, int kernel, int stride,
		 int pad, int dilation, int groups, int bias)
{
	return dca_net_conv_offset(net, x, 0, cout, kernel, stride, pad, dilation,
				   groups, bias);
}

int dca_net_conv_offset(dca_net *net, int x, int offset, int cout, int kernel,
			int stride, int pad, int dilation, int groups, int bias)
{
	dca_op_desc op = unary(net, DCA_OP_CONV, x);
	int t;

	op.kernel = kernel;
	op.stride = stride;
	op.pad = pad;
	op.dilation = dilation;
	op.groups = groups;
	op.bias = bias;
	t = push_op(net, &op, cout, conv_out(op.h - offset, kernel, stride, pad, dilation),
		    conv_out(op.w - offset, kernel, stride, pad, dilation));
	if (t >= 0)
		net->binds[net->n_ops - 1].offset = offset;
	return t;
}

int dca_net_linear(dca_net *net, int x, int cout, int bias)
{
	dca_op_desc op = unary(net, DCA_OP_LINEAR, x);

	op.cin = op.cin * op.h * op.w;
	op.h = op.w = 1;
	op.bias = bias;
	return push_op(net, &op, cout, 1, 1);
}

int dca_net_batchnorm(dca_net *net, int x, int affine)
{
	dca_op_desc op = unary(net, DCA_OP_BATCHNORM, x);

	op.affine = affine;
	return push_op(net, &op, op.cin, op.h, op.w);
}

int dca_net_relu(dca_net *net, int x)
{
	dca_op_desc op = unary(net, DCA_OP_RELU, x);

	return push_op(net, &op, op.cin, op.h, op.w);
}

int dca_net_pool(dca_net *net, int x, dca_op_kind kind, int kernel, int stride,
		 int pad)
{
	dca_op_desc op = unary(net, kind, x);

	op.kernel = kernel;
	op.stride = stride;
	op.pad = pad;
	return push_op(net, &op, op.cin, conv_out(op.h, kernel, stride, pad, 1),
		       conv_out(op.w, kernel, stride, pad, 1));
}

int dca_net_global_avgpool(dca_net *net, int x)
{
	dca_op_desc op = unary(net, DCA_OP_GLOBAL_AVGPOOL, x);

	return push_op(net, &op, op.cin, 1, 1);
}

static int multi(dca_net *net, dca_op_kind kind, const int *xs, int n)
{
	dca_op_desc op;
	int i, c = 0;

	if (n < 1 || n > DCA_OP_MAX_INPUTS)
		return -1;
	op = unary(net, kind, xs[0]);
	op.n_in = n;
	for (i = 0; i < n; i++) {
		op.in[i] = xs[i];
		c += net->tensors[xs[i]].c;
	}
	if (kind == DCA_OP_ADD)
		c = op.cin;
	else
		op.cin = c;
	return push_op(net, &op, c, op.h, op.w);
}

int dca_net_add(dca_net *net, const int *xs, int n)
{
	return multi(net, DCA_OP_ADD, xs, n);
}

int dca_net_concat(dca_net *net, const int *xs, int n)
{
	return multi(net, DCA_OP_CONCAT, xs, n);
}

int dca_net_zero(dca_net *net, int x, int cout, int stride)
{
	dca_op_desc op = unary(net, DCA_OP_ZERO, x);

	op.stride = stride;
	return push_op(net, &op, cout, (op.h + stride - 1) / stride,
		       (op.w + stride - 1) / stride);
}

/* a copy of the text in the net's string pool, or NULL (also when the net
 * has no op to attach it to) */
static const char *pool_vprintf(dca_net *net, const char *fmt, va_list ap)
{
	char buf[256];
	char *s;

	if (net->n_ops == 0)
		return NULL;
	vsnprintf(buf, sizeof buf, fmt, ap);
	if (grow((void **)&net->labels, &net->cap_labels, net->n_labels + 1,
		 sizeof *net->labels) || !(s = strdup(buf)))
		return NULL;
	net->labels[net->n_labels++] = s;
	return s;
}

int dca_net_label_last(dca_net *net, const char *fmt, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	s = pool_vprintf(net, fmt, ap);
	va_end(ap);
	if (s)
		net->ops[net->n_ops - 1].label = s;
	return s ? 0 : -1;
}

int dca_net_param_last(dca_net *net, const char *fmt, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	s = pool_vprintf(net, fmt, ap);
	va_end(ap);
	if (s)
		net->binds[net->n_ops - 1].param = s;
	return s ? 0 : -1;
}

void dca_net_drop_path_last(dca_net *net)
{
	if (net->n_ops)
		net->flags[net->n_ops - 1] |= DCA_OP_FLAG_DROP_PATH;
}

double dca_op_params(const dca_op_desc *op)
{
	switch (op->kind) {
	case DCA_OP_CONV:
		return (double)op->cout * (op->cin / op->groups) * op->kernel *
			       op->kernel + (op->bias ? op->cout : 0);
	case DCA_OP_LINEAR:
		return (double)op->cin * op->cout + (op->bias ? op->cout : 0);
	case DCA_OP_BATCHNORM:
		return op->affine ? 2.0 * op->cin : 0.0;
	default:
		return 0.0;
	}
}

double dca_op_macs(const dca_op_desc *op)
{
	switch (op->kind) {
	case DCA_OP_CONV:
		return (double)op->cout * op->oh * op->ow * (op->cin / op->groups) *
		       op->kernel * op->kernel;
	case DCA_OP_LINEAR:
		return (double)op->cin * op->cout + (op->bias ? op->cout : 0);
	default:
		return 0.0;
	}
}

int dca_net_depends_on_input(const dca_net *net)
{
	unsigned char *dep = calloc(net->n_tensors ? net->n_tensors : 1, 1);
	size_t i;
	int k, r;

	if (!dep)
		return 1;    /* cannot tell: do not call it degenerate */
	if (net->input >= 0 && (size_t)net->input < net->n_tensors)
		dep[net->input] = 1;
	for (i = 0; i < net->n_ops; i++) {
		const dca_op_desc *op = &net->ops[i];
		if (op->kind == DCA_OP_ZERO)
			continue;
		for (k = 0; k < op->n_in; k++)
			if (dep[op->in[k]])
				dep[op->out] = 1;
	}
	r = net->output >= 0 && (size_t)net->output < net->n_tensors && dep[net->output];
	free(dep);
	return r;
}

double dca_tensor_bytes(const dca_net *net, int t)
{
	const dca_tensor_desc *d = &net->tensors[t];

	return 4.0 * d->c * d->h * d->w;
}
