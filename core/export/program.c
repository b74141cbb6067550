/* dcanas — bind a network's ops to a weights file, fold batch norm, and
 * run the result (the reference the generated code is checked against). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

#pragma GCC diagnostic ignored "-Wunused-function"   /* the int8 kernels */
#include "c_kernels.h"

#define BN_EPS 1e-5   /* the engine's (dca_bn_apply) */

typedef struct binder {
	const dca_weights_file *w;
	unsigned char *used;      /* per array of w */
	dca_error *err;
} binder;

/* the array NAME.suffix with n x c x h x w floats, or NULL with err set */
static const float *need(binder *b, const dcap_xstep *s, const char *suffix,
			 int n, int c, int h, int w)
{
	char name[300];
	const dca_named_array *a;

	snprintf(name, sizeof name, "%s.%s", s->param, suffix);
	a = dca_weights_find(b->w, name);
	if (!a) {
		dca_error_set(b->err, DCA_ERR_INVALID, "the weights have no array "
			      "'%s', which the network's %s op needs: they are "
			      "not of this architecture or shape", name,
			      dca_op_kind_name(s->op->kind));
		return NULL;
	}
	if (a->n != n || a->c != c || a->h != h || a->w != w) {
		dca_error_set(b->err, DCA_ERR_INVALID, "weights array '%s' is "
			      "%dx%dx%dx%d, the network needs %dx%dx%dx%d: the "
			      "weights are not of this architecture or shape",
			      name, a->n, a->c, a->h, a->w, n, c, h, w);
		return NULL;
	}
	b->used[a - b->w->arrays] = 1;
	return a->data;
}

static float *copy_floats(const float *src, size_t n)
{
	float *d = malloc((n ? n : 1) * sizeof *d);

	if (d && src)
		memcpy(d, src, n * sizeof *d);
	return d;
}

/* a batch norm's per-channel scale and shift: y = x * scale + shift */
static int bn_affine(binder *b, const dcap_xstep *bn, double *scale, double *shift)
{
	int c = bn->op->cin, i;
	const float *mean = need(b, bn, "running_mean", 1, c, 1, 1);
	const float *var = mean ? need(b, bn, "running_var", 1, c, 1, 1) : NULL;
	const float *gamma = NULL, *beta = NULL;

	if (!var)
		return -1;
	if (bn->op->affine &&
	    (!(gamma = need(b, bn, "weight", 1, c, 1, 1)) ||
	     !(beta = need(b, bn, "bias", 1, c, 1, 1))))
		return -1;
	for (i = 0; i < c; i++) {
		double s = 1.0 / sqrt((double)var[i] + BN_EPS);
		if (gamma)
			s *= gamma[i];
		scale[i] = s;
		shift[i] = (beta ? beta[i] : 0.0) - mean[i] * s;
	}
	return 0;
}

/* bind step s (and the batch norm folded into it, when fold is not NULL) */
static int bind_step(binder *b, dcap_xstep *s, const dcap_xstep *fold)
{
	const dca_op_desc *op = s->op;
	const float *w, *bias = NULL;
	double *scale = NULL, *shift = NULL;
	int rc = -1, o;
	size_t i, per;

	if (op->kind == DCA_OP_BATCHNORM || fold) {
		int c = op->kind == DCA_OP_BATCHNORM ? op->cin : op->cout;
		scale = malloc((size_t)c * sizeof *scale);
		shift = malloc((size_t)c * sizeof *shift);
		if (!scale || !shift) {
			dca_error_set(b->err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (bn_affine(b, fold ? fold : s, scale, shift))
			goto out;
	}
	switch (op->kind) {
	case DCA_OP_BATCHNORM:
		s->n_w = s->n_b = (size_t)op->cin;
		s->w = malloc(s->n_w * sizeof *s->w);
		s->b = malloc(s->n_b * sizeof *s->b);
		if (!s->w || !s->b)
			break;
		for (o = 0; o < op->cin; o++) {
			s->w[o] = (float)scale[o];
			s->b[o] = (float)shift[o];
		}
		rc = 0;
		break;
	case DCA_OP_CONV:
	case DCA_OP_LINEAR:
		if (op->kind == DCA_OP_CONV)
			w = need(b, s, "weight", op->cout, op->cin / op->groups,
				 op->kernel, op->kernel);
		else
			w = need(b, s, "weight", op->cout, op->cin, 1, 1);
		if (!w || (op->bias && !(bias = need(b, s, "bias", 1, op->cout, 1, 1))))
			goto out;
		s->n_w = (size_t)op->cout * (op->kind == DCA_OP_CONV ?
			(size_t)(op->cin / op->groups) * op->kernel * op->kernel :
			(size_t)op->cin);
		s->w = copy_floats(w, s->n_w);
		if (op->bias || fold) {
			s->n_b = (size_t)op->cout;
			s->b = copy_floats(bias, s->n_b);
			if (s->b && !bias)
				memset(s->b, 0, s->n_b * sizeof *s->b);
		}
		if (!s->w || ((op->bias || fold) && !s->b))
			break;
		if (fold) {
			/* BN(conv(x) + b) = conv(x) * scale + (b * scale + shift) */
			per = s->n_w / (size_t)op->cout;
			for (o = 0; o < op->cout; o++) {
				for (i = 0; i < per; i++)
					s->w[o * per + i] = (float)(s->w[o * per + i] * scale[o]);
				s->b[o] = (float)(s->b[o] * scale[o] + shift[o]);
			}
		}
		rc = 0;
		break;
	default:
		rc = 0;
		break;
	}
	if (rc)
		dca_error_set(b->err, DCA_ERR_NOMEM, "out of memory");
out:
	free(scale);
	free(shift);
	return rc;
}

void dca_export_free(dca_export_net *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->n_steps; i++) {
		free(x->steps[i].w);
		free(x->steps[i].b);
		free(x->steps[i].qw);
		free(x->steps[i].qm);
		free(x->steps[i].qa);
	}
	free(x->tscale);
	free(x->steps);
	dca_net_plan_free(&x->plan);
	free(x);
}

static int has_params(const dca_op_desc *op)
{
	return op->kind == DCA_OP_CONV || op->kind == DCA_OP_LINEAR ||
	       op->kind == DCA_OP_BATCHNORM;
}

int dca_export_bind(const dca_net *net, const dca_weights_file *w, int check_all,
		    const float *mean, const float *std, dca_export_net **out,
		    dca_error *err)
{
	dca_export_net *x = calloc(1, sizeof *x);
	binder b = { w, NULL, err };
	size_t i, k;
	int c, rc = -1;

	*out = NULL;
	b.used = calloc(w->count > 0 ? (size_t)w->count : 1, 1);
	if (!x || !b.used || dca_net_plan_make(net, &x->plan) ||
	    !(x->steps = calloc(net->n_ops ? net->n_ops : 1, sizeof *x->steps))) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	x->net = net;
	if (net->input < 0 || net->output < 0 || net->tensors[net->input].c > 4) {
		dca_error_set(err, DCA_ERR_INVALID, "the network has no input or "
			      "output, or more than 4 input channels");
		goto out;
	}
	for (c = 0; c < net->tensors[net->input].c; c++) {
		if (!(std[c] > 0)) {
			dca_error_set(err, DCA_ERR_INVALID, "input normalisation: "
				      "std of channel %d is %g; it must be positive",
				      c, (double)std[c]);
			goto out;
		}
		x->in_scale[c] = 1.0f / std[c];
		x->in_shift[c] = -mean[c] / std[c];
	}
	for (i = 0; i < net->n_ops; i++) {
		const dca_op_desc *op = &net->ops[i];
		dcap_xstep *s, fold = { 0 };

		if (x->plan.writes[i] < 0)
			continue;       /* a BN folded into the conv before it */
		s = &x->steps[x->n_steps++];
		s->op = op;
		s->param = net->binds[i].param;
		s->offset = net->binds[i].offset;
		s->out = x->plan.writes[i];
		if (op->kind > DCA_OP_IDENTITY) {
			dca_error_set(err, DCA_ERR_UNSUPPORTED, "op %zu is of a kind "
				      "(%d) the exporter does not know", i, (int)op->kind);
			goto out;
		}
		if (has_params(op) && !s->param) {
			dca_error_set(err, DCA_ERR_UNSUPPORTED, "the space does not "
				      "name the parameters of op %zu (%s%s%s), so its "
				      "weights cannot be found; the space's build_net "
				      "must call dca_net_param_last", i,
				      dca_op_kind_name(op->kind), op->label ? ", " : "",
				      op->label ? op->label : "");
			goto out;
		}
		if (s->out != op->out) {
			/* the BN this conv runs: the op that writes s->out */
			for (k = i + 1; k < net->n_ops && net->ops[k].out != s->out; k++)
				;
			fold.op = &net->ops[k];
			fold.param = net->binds[k].param;
			if (!fold.param) {
				dca_error_set(err, DCA_ERR_UNSUPPORTED, "the space does "
					      "not name the parameters of op %zu "
					      "(batchnorm)", k);
				goto out;
			}
		}
		if (bind_step(&b, s, fold.op ? &fold : NULL))
			goto out;
		x->weight_bytes += (s->n_w + s->n_b) * sizeof(float);
	}
	x->weight_bytes += 2 * (size_t)net->tensors[net->input].c * sizeof(float);
	for (k = 0; check_all && k < (size_t)w->count; k++)
		/* a checkpoint's optimizer state is not the network's */
		if (!b.used[k] && strncmp(w->arrays[k].name, "momentum/", 9)) {
			dca_error_set(err, DCA_ERR_INVALID, "weights array '%s' is not "
				      "part of this network: the weights are of "
				      "another architecture", w->arrays[k].name);
			goto out;
		}
	rc = 0;
	*out = x;
	x = NULL;
out:
	free(b.used);
	dca_export_free(x);
	return rc;
}

void dca_export_get_info(const dca_export_net *x, dca_export_info *info)
{
	info->int8 = x->tscale != NULL;
	info->arena_bytes = info->int8 ? x->plan.arena_bytes / 4 : x->plan.arena_bytes;
	info->weight_bytes = info->int8 ? x->q_weight_bytes : x->weight_bytes;
	info->n_steps = x->n_steps;
}

/* raise absmax[t] to the largest |value| of tensor t */
static void note_range(const dca_export_net *x, const float *a, int t, float *absmax)
{
	int i, n = dcap_tensor_floats(x->net, t);
	const float *v = a + dcap_xoff(x, t);

	for (i = 0; i < n; i++)
		if (fabsf(v[i]) > absmax[t])
			absmax[t] = fabsf(v[i]);
}

void dcap_export_run_float(const dca_export_net *x, const float *in, float *logits,
			   float *a, float *absmax)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	size_t i;
	int j;

	k_scale_shift(in, a + dcap_xoff(x, net->input), ti->c, ti->h * ti->w,
		      x->in_scale, x->in_shift);
	if (absmax)
		note_range(x, a, net->input, absmax);
	for (i = 0; i < x->n_steps; i++) {
		const dcap_xstep *s = &x->steps[i];
		const dca_op_desc *op = s->op;
		const float *in0 = a + dcap_xoff(x, op->in[0]);
		float *y = a + dcap_xoff(x, s->out);
		int n = dcap_tensor_floats(net, s->out);

		switch (op->kind) {
		case DCA_OP_CONV:
			k_conv(in0, op->cin, op->h, op->w, s->offset, y, op->cout,
			       op->oh, op->ow, op->kernel, op->stride, op->pad,
			       op->dilation, op->groups, s->w, s->b);
			break;
		case DCA_OP_LINEAR:
			k_linear(in0, op->cin, y, op->cout, s->w, s->b);
			break;
		case DCA_OP_BATCHNORM:
			k_scale_shift(in0, y, op->cin, op->h * op->w, s->w, s->b);
			break;
		case DCA_OP_RELU:
			k_relu(in0, y, n);
			break;
		case DCA_OP_MAXPOOL:
		case DCA_OP_AVGPOOL:
			k_pool(in0, op->cin, op->h, op->w, y, op->oh, op->ow, op->kernel,
			       op->stride, op->pad, op->kind == DCA_OP_MAXPOOL);
			break;
		case DCA_OP_GLOBAL_AVGPOOL:
			k_global_avgpool(in0, op->cin, op->h * op->w, y);
			break;
		case DCA_OP_ADD:
			if (op->n_in == 1)
				k_copy(in0, y, n);
			else
				k_add(in0, a + dcap_xoff(x, op->in[1]), y, n);
			for (j = 2; j < op->n_in; j++)
				k_accumulate(a + dcap_xoff(x, op->in[j]), y, n);
			break;
		case DCA_OP_CONCAT: {
			int at = 0;
			for (j = 0; j < op->n_in; j++) {
				int m = dcap_tensor_floats(net, op->in[j]);
				k_copy(a + dcap_xoff(x, op->in[j]), y + at, m);
				at += m;
			}
			break;
		}
		case DCA_OP_ZERO:
			k_copy(NULL, y, n);
			break;
		case DCA_OP_IDENTITY:
			k_copy(in0, y, n);
			break;
		default:
			break;
		}
		if (absmax)
			note_range(x, a, s->out, absmax);
	}
	memcpy(logits, a + dcap_xoff(x, net->output),
	       (size_t)dcap_tensor_floats(net, net->output) * sizeof *logits);
}

int dca_export_run(const dca_export_net *x, const float *in, float *logits,
		   dca_error *err)
{
	size_t bytes = x->tscale ? x->plan.arena_bytes / 4 : x->plan.arena_bytes;
	void *a = malloc(bytes ? bytes : sizeof(float));

	if (!a)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory (arena of "
				     "%zu bytes)", bytes);
	if (x->tscale)
		dcap_export_run_int8(x, in, logits, a);
	else
		dcap_export_run_float(x, in, logits, a, NULL);
	free(a);
	return 0;
}
