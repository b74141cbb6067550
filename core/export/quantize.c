/* dcanas — int8 post-training quantization of an exported network, and
 * its int8 schedule (the reference the generated int8 code matches).
 *
 * Scales: a tensor's is the largest |value| it took on the calibration
 * images / 127 (relu and max pooling keep their input's, so they stay
 * exact); a convolution's or linear layer's weights get one per output
 * channel. The factors each step needs:
 *   conv, linear   qm[o] = s_w[o] * s_x / s_y, qa[o] = bias[o] / s_y
 *                  (the network's logits: s_y = 1, they stay float)
 *   batch norm     qm[c] = s_x * scale[c] / s_y, qa[c] = shift[c] / s_y
 *   avg pool, global avg pool, identity    qm[0] = s_x / s_y
 *   add, concat    qm[j] = s_(input j) / s_y
 *   relu, max pool, zero   none */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

#pragma GCC diagnostic ignored "-Wunused-function"   /* the float kernels */
#include "c_kernels.h"

/* the step that writes the network's logits, when a linear layer: its
 * output stays float */
static int float_logits(const dca_export_net *x, const dcap_xstep *s)
{
	return s->out == x->net->output && s->op->kind == DCA_OP_LINEAR;
}

static int quantize_step(dca_export_net *x, dcap_xstep *s)
{
	const dca_op_desc *op = s->op;
	const float *ts = x->tscale;
	float sx = ts[op->in[0]], sy = float_logits(x, s) ? 1.0f : ts[s->out];
	size_t per, i;
	int o, j, n;

	switch (op->kind) {
	case DCA_OP_CONV:
	case DCA_OP_LINEAR:
	case DCA_OP_BATCHNORM:
		n = op->kind == DCA_OP_BATCHNORM ? op->cin : op->cout;
		break;
	case DCA_OP_ADD:
	case DCA_OP_CONCAT:
		n = op->n_in;
		break;
	case DCA_OP_RELU:
	case DCA_OP_MAXPOOL:
	case DCA_OP_ZERO:
		return 0;           /* the same scale, or nothing: no factors */
	default:
		n = 1;
		break;
	}
	s->n_q = (size_t)n;
	s->qm = calloc((size_t)n, sizeof *s->qm);
	s->qa = calloc((size_t)n, sizeof *s->qa);
	if (!s->qm || !s->qa)
		return -1;
	switch (op->kind) {
	case DCA_OP_CONV:
	case DCA_OP_LINEAR:
		if (!(s->qw = malloc(s->n_w)))
			return -1;
		per = s->n_w / (size_t)op->cout;
		for (o = 0; o < op->cout; o++) {
			const float *w = s->w + o * per;
			float m = 0, sw;
			for (i = 0; i < per; i++)
				m = fmaxf(m, fabsf(w[i]));
			sw = m > 0 ? m / 127.0f : 1.0f;
			for (i = 0; i < per; i++)
				s->qw[o * per + i] = k_sat(w[i] / sw);
			s->qm[o] = sw * sx / sy;
			s->qa[o] = s->b ? s->b[o] / sy : 0.0f;
		}
		break;
	case DCA_OP_BATCHNORM:
		for (o = 0; o < op->cin; o++) {
			s->qm[o] = sx * s->w[o] / sy;
			s->qa[o] = s->b[o] / sy;
		}
		break;
	case DCA_OP_ADD:
	case DCA_OP_CONCAT:
		for (j = 0; j < op->n_in; j++)
			s->qm[j] = ts[op->in[j]] / sy;
		break;
	default:
		s->qm[0] = sx / sy;
		break;
	}
	return 0;
}

int dca_export_quantize(dca_export_net *x, const float *images, int n,
			dca_error *err)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	size_t nt = net->n_tensors, i, per_image = (size_t)ti->c * ti->h * ti->w;
	float *absmax = calloc(nt, sizeof *absmax);
	float *arena = malloc(x->plan.arena_bytes ? x->plan.arena_bytes : 4);
	float *logits = malloc((size_t)dcap_tensor_floats(net, net->output) * sizeof *logits);
	int k, c, rc = -1;

	if (n < 1) {
		dca_error_set(err, DCA_ERR_INVALID, "int8: calibration needs images");
		goto out;
	}
	if (x->tscale) {
		dca_error_set(err, DCA_ERR_INVALID, "int8: the network is quantized already");
		goto out;
	}
	if (!absmax || !arena || !logits || !(x->tscale = malloc(nt * sizeof *x->tscale))) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++)
		dcap_export_run_float(x, images + (size_t)k * per_image, logits, arena, absmax);
	for (i = 0; i < nt; i++)
		x->tscale[i] = absmax[i] > 0 ? absmax[i] / 127.0f : 1.0f;
	for (i = 0; i < x->n_steps; i++) {
		const dca_op_desc *op = x->steps[i].op;
		if (op->kind == DCA_OP_RELU || op->kind == DCA_OP_MAXPOOL)
			x->tscale[x->steps[i].out] = x->tscale[op->in[0]];
	}
	for (c = 0; c < ti->c; c++) {
		x->in_qm[c] = x->in_scale[c] / x->tscale[net->input];
		x->in_qa[c] = x->in_shift[c] / x->tscale[net->input];
	}
	x->q_weight_bytes = 2 * (size_t)ti->c * sizeof(float);
	for (i = 0; i < x->n_steps; i++) {
		dcap_xstep *s = &x->steps[i];
		if (quantize_step(x, s)) {
			dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		x->q_weight_bytes += (s->qw ? s->n_w : 0) + 2 * s->n_q * sizeof(float);
	}
	rc = 0;
out:
	if (rc && x->tscale) {
		for (i = 0; i < x->n_steps; i++) {
			free(x->steps[i].qw);
			free(x->steps[i].qm);
			free(x->steps[i].qa);
			x->steps[i].qw = NULL;
			x->steps[i].qm = x->steps[i].qa = NULL;
		}
		free(x->tscale);
		x->tscale = NULL;
	}
	free(absmax);
	free(arena);
	free(logits);
	return rc;
}

void dcap_export_run_int8(const dca_export_net *x, const float *in, float *logits,
			  signed char *a)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	int out_float = 0;
	size_t i;
	int j;

	k_q_input(in, a + dcap_xoff(x, net->input), ti->c, ti->h * ti->w, x->in_qm,
		  x->in_qa);
	for (i = 0; i < x->n_steps; i++) {
		const dcap_xstep *s = &x->steps[i];
		const dca_op_desc *op = s->op;
		const k_i8 *in0 = a + dcap_xoff(x, op->in[0]);
		k_i8 *y = a + dcap_xoff(x, s->out);
		int n = dcap_tensor_floats(net, s->out);

		switch (op->kind) {
		case DCA_OP_CONV:
			k_q_conv(in0, op->cin, op->h, op->w, s->offset, y, op->cout,
				 op->oh, op->ow, op->kernel, op->stride, op->pad,
				 op->dilation, op->groups, s->qw, s->qm, s->qa);
			break;
		case DCA_OP_LINEAR:
			out_float |= float_logits(x, s);
			k_q_linear(in0, op->cin, float_logits(x, s) ? logits : NULL,
				   float_logits(x, s) ? NULL : y, op->cout, s->qw, s->qm, s->qa);
			break;
		case DCA_OP_BATCHNORM:
			k_q_scale_shift(in0, y, op->cin, op->h * op->w, s->qm, s->qa);
			break;
		case DCA_OP_RELU:
			k_q_relu(in0, y, n);
			break;
		case DCA_OP_MAXPOOL:
		case DCA_OP_AVGPOOL:
			k_q_pool(in0, op->cin, op->h, op->w, y, op->oh, op->ow, op->kernel,
				 op->stride, op->pad, op->kind == DCA_OP_MAXPOOL,
				 op->kind == DCA_OP_MAXPOOL ? 1.0f : s->qm[0]);
			break;
		case DCA_OP_GLOBAL_AVGPOOL:
			k_q_global_avgpool(in0, op->cin, op->h * op->w, y, s->qm[0]);
			break;
		case DCA_OP_ADD:
			if (op->n_in == 1)
				k_q_rescale(in0, y, n, s->qm[0]);
			else
				k_q_add(in0, s->qm[0], a + dcap_xoff(x, op->in[1]), s->qm[1], y, n);
			for (j = 2; j < op->n_in; j++)
				k_q_add(y, 1.0f, a + dcap_xoff(x, op->in[j]), s->qm[j], y, n);
			break;
		case DCA_OP_CONCAT: {
			int at = 0;
			for (j = 0; j < op->n_in; j++) {
				int m = dcap_tensor_floats(net, op->in[j]);
				k_q_rescale(a + dcap_xoff(x, op->in[j]), y + at, m, s->qm[j]);
				at += m;
			}
			break;
		}
		case DCA_OP_ZERO:
			k_q_zero(y, n);
			break;
		case DCA_OP_IDENTITY:
			k_q_rescale(in0, y, n, s->qm[0]);
			break;
		default:
			break;
		}
	}
	if (!out_float)
		k_q_dequant(a + dcap_xoff(x, net->output), logits,
			    dcap_tensor_floats(net, net->output), x->tscale[net->output]);
}
