/* dcanas — export a network as a dependency-free C99 translation unit.
 *
 * NAME.h declares NAME_run and the sizes; NAME.c holds the kernels
 * (c_kernels.h, verbatim), the constants as hexadecimal float literals
 * (exact), one static arena of NAME_ARENA_BYTES and the schedule: one
 * kernel call per step, at the plan's arena offsets. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../atomic_file.h"
#include "program.h"

static void floats(FILE *f, const char *name, const float *v, size_t n)
{
	size_t i;

	fprintf(f, "static const float %s[%zu] = {", name, n);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%af", i == 0 ? "\n\t" : i % 6 ? ", " : ",\n\t",
			(double)v[i]);
	fprintf(f, "\n};\n");
}

/* "a + OFFSET": tensor t in the arena */
static const char *at(const dca_export_net *x, int t, char *buf, size_t n)
{
	snprintf(buf, n, "a + %zu", dcap_xoff(x, t));
	return buf;
}

static void int8s(FILE *f, const char *name, const signed char *v, size_t n)
{
	size_t i;

	fprintf(f, "static const k_i8 %s[%zu] = {", name, n);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%d", i == 0 ? "\n\t" : i % 16 ? ", " : ",\n\t", v[i]);
	fprintf(f, "\n};\n");
}

/* the int8 schedule: constants, then NAME_run (quantize.c's
 * dcap_export_run_int8, call for call) */
static void write_int8(FILE *f, const dca_export_net *x, const char *name)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	char b0[48], b1[48], nm[32];
	size_t i;
	int j, out_float = 0;

	fprintf(f, "\n/* input: normalised and quantized, x * mult + add per channel */\n");
	floats(f, "in_mult", x->in_qm, (size_t)ti->c);
	floats(f, "in_add", x->in_qa, (size_t)ti->c);
	for (i = 0; i < x->n_steps; i++) {
		const dcap_xstep *s = &x->steps[i];
		if (!s->n_q)
			continue;
		fprintf(f, "\n/* step %zu: %s%s%s */\n", i, dca_op_kind_name(s->op->kind),
			s->param ? " " : "", s->param ? s->param : "");
		if (s->qw) {
			snprintf(nm, sizeof nm, "qw%zu", i);
			int8s(f, nm, s->qw, s->n_w);
		}
		snprintf(nm, sizeof nm, "qm%zu", i);
		floats(f, nm, s->qm, s->n_q);
		if (s->op->kind == DCA_OP_CONV || s->op->kind == DCA_OP_LINEAR ||
		    s->op->kind == DCA_OP_BATCHNORM) {
			snprintf(nm, sizeof nm, "qa%zu", i);
			floats(f, nm, s->qa, s->n_q);
		}
	}
	fprintf(f, "\nstatic k_i8 arena[%s_ARENA_BYTES];\n\n"
		"void %s_run(const float *in, float *out)\n{\n\tk_i8 *const a = arena;\n\n",
		name, name);
	fprintf(f, "\tk_q_input(in, %s, %d, %d, in_mult, in_add);\n",
		at(x, net->input, b0, sizeof b0), ti->c, ti->h * ti->w);
	for (i = 0; i < x->n_steps; i++) {
		const dcap_xstep *s = &x->steps[i];
		const dca_op_desc *op = s->op;
		int n = dcap_tensor_floats(net, s->out);

		at(x, op->in[0], b0, sizeof b0);
		at(x, s->out, b1, sizeof b1);
		switch (op->kind) {
		case DCA_OP_CONV:
			fprintf(f, "\tk_q_conv(%s, %d, %d, %d, %d, %s, %d, %d, %d, %d, %d, "
				"%d, %d, %d, qw%zu, qm%zu, qa%zu);\n", b0, op->cin, op->h,
				op->w, s->offset, b1, op->cout, op->oh, op->ow, op->kernel,
				op->stride, op->pad, op->dilation, op->groups, i, i, i);
			break;
		case DCA_OP_LINEAR:
			if (s->out == net->output) {
				out_float = 1;
				fprintf(f, "\tk_q_linear(%s, %d, out, 0, %d, qw%zu, qm%zu, qa%zu);\n",
					b0, op->cin, op->cout, i, i, i);
			} else
				fprintf(f, "\tk_q_linear(%s, %d, 0, %s, %d, qw%zu, qm%zu, qa%zu);\n",
					b0, op->cin, b1, op->cout, i, i, i);
			break;
		case DCA_OP_BATCHNORM:
			fprintf(f, "\tk_q_scale_shift(%s, %s, %d, %d, qm%zu, qa%zu);\n", b0,
				b1, op->cin, op->h * op->w, i, i);
			break;
		case DCA_OP_RELU:
			fprintf(f, "\tk_q_relu(%s, %s, %d);\n", b0, b1, n);
			break;
		case DCA_OP_MAXPOOL:
		case DCA_OP_AVGPOOL:
			if (op->kind == DCA_OP_MAXPOOL)
				snprintf(nm, sizeof nm, "1.0f");
			else
				snprintf(nm, sizeof nm, "qm%zu[0]", i);
			fprintf(f, "\tk_q_pool(%s, %d, %d, %d, %s, %d, %d, %d, %d, %d, %d, "
				"%s);\n", b0, op->cin, op->h, op->w, b1, op->oh, op->ow,
				op->kernel, op->stride, op->pad, op->kind == DCA_OP_MAXPOOL, nm);
			break;
		case DCA_OP_GLOBAL_AVGPOOL:
			fprintf(f, "\tk_q_global_avgpool(%s, %d, %d, %s, qm%zu[0]);\n", b0,
				op->cin, op->h * op->w, b1, i);
			break;
		case DCA_OP_ADD:
			if (op->n_in == 1) {
				fprintf(f, "\tk_q_rescale(%s, %s, %d, qm%zu[0]);\n", b0, b1, n, i);
				break;
			}
			fprintf(f, "\tk_q_add(%s, qm%zu[0], ", b0, i);
			fprintf(f, "%s, qm%zu[1], %s, %d);\n", at(x, op->in[1], b0, sizeof b0),
				i, b1, n);
			for (j = 2; j < op->n_in; j++)
				fprintf(f, "\tk_q_add(%s, 1.0f, %s, qm%zu[%d], %s, %d);\n", b1,
					at(x, op->in[j], b0, sizeof b0), i, j, b1, n);
			break;
		case DCA_OP_CONCAT: {
			size_t base = dcap_xoff(x, s->out);
			for (j = 0; j < op->n_in; j++) {
				int m = dcap_tensor_floats(net, op->in[j]);
				fprintf(f, "\tk_q_rescale(%s, a + %zu, %d, qm%zu[%d]);\n",
					at(x, op->in[j], b0, sizeof b0), base, m, i, j);
				base += (size_t)m;
			}
			break;
		}
		case DCA_OP_ZERO:
			fprintf(f, "\tk_q_zero(%s, %d);\n", b1, n);
			break;
		case DCA_OP_IDENTITY:
			fprintf(f, "\tk_q_rescale(%s, %s, %d, qm%zu[0]);\n", b0, b1, n, i);
			break;
		default:
			break;
		}
	}
	if (!out_float)
		fprintf(f, "\tk_q_dequant(%s, out, %s_CLASSES, %af);\n",
			at(x, net->output, b0, sizeof b0), name,
			(double)x->tscale[net->output]);
	fprintf(f, "}\n");
}

static void write_source(FILE *f, const dca_export_net *x, const char *name,
			 const char *header, const char *doc)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	char b0[48], b1[48], wn[32], bn[32];
	size_t i;
	int j;

	fprintf(f, "/* %s.c — generated by dcanas export; C99, no dependencies.\n"
		" * %s\n */\n#include \"%s\"\n\n"
		"#if defined(__GNUC__)   /* kernels this network does not call */\n"
		"#pragma GCC diagnostic ignored \"-Wunused-function\"\n#endif\n\n",
		name, doc ? doc : "", header);
	fputs(dcap_c_kernels_text, f);
	if (x->tscale) {
		write_int8(f, x, name);
		return;
	}
	fprintf(f, "\n/* input normalisation: x * scale + shift, per channel */\n");
	floats(f, "in_scale", x->in_scale, (size_t)ti->c);
	floats(f, "in_shift", x->in_shift, (size_t)ti->c);
	for (i = 0; i < x->n_steps; i++) {
		const dcap_xstep *s = &x->steps[i];
		if (!s->w)
			continue;
		fprintf(f, "\n/* step %zu: %s%s%s */\n", i, dca_op_kind_name(s->op->kind),
			s->param ? " " : "", s->param ? s->param : "");
		snprintf(wn, sizeof wn, "w%zu", i);
		floats(f, wn, s->w, s->n_w);
		if (s->b) {
			snprintf(bn, sizeof bn, "b%zu", i);
			floats(f, bn, s->b, s->n_b);
		}
	}
	fprintf(f, "\nstatic float arena[%s_ARENA_BYTES / sizeof(float)];\n\n"
		"void %s_run(const float *in, float *out)\n{\n\tfloat *const a = arena;\n\n",
		name, name);
	fprintf(f, "\tk_scale_shift(in, %s, %d, %d, in_scale, in_shift);\n",
		at(x, net->input, b0, sizeof b0), ti->c, ti->h * ti->w);
	for (i = 0; i < x->n_steps; i++) {
		const dcap_xstep *s = &x->steps[i];
		const dca_op_desc *op = s->op;
		int n = dcap_tensor_floats(net, s->out);

		snprintf(wn, sizeof wn, "w%zu", i);
		snprintf(bn, sizeof bn, s->b ? "b%zu" : "0", i);
		at(x, op->in[0], b0, sizeof b0);
		at(x, s->out, b1, sizeof b1);
		switch (op->kind) {
		case DCA_OP_CONV:
			fprintf(f, "\tk_conv(%s, %d, %d, %d, %d, %s, %d, %d, %d, %d, %d, "
				"%d, %d, %d, %s, %s);\n", b0, op->cin, op->h, op->w,
				s->offset, b1, op->cout, op->oh, op->ow, op->kernel,
				op->stride, op->pad, op->dilation, op->groups, wn, bn);
			break;
		case DCA_OP_LINEAR:
			fprintf(f, "\tk_linear(%s, %d, %s, %d, %s, %s);\n", b0, op->cin,
				b1, op->cout, wn, bn);
			break;
		case DCA_OP_BATCHNORM:
			fprintf(f, "\tk_scale_shift(%s, %s, %d, %d, %s, %s);\n", b0, b1,
				op->cin, op->h * op->w, wn, bn);
			break;
		case DCA_OP_RELU:
			fprintf(f, "\tk_relu(%s, %s, %d);\n", b0, b1, n);
			break;
		case DCA_OP_MAXPOOL:
		case DCA_OP_AVGPOOL:
			fprintf(f, "\tk_pool(%s, %d, %d, %d, %s, %d, %d, %d, %d, %d, %d);\n",
				b0, op->cin, op->h, op->w, b1, op->oh, op->ow, op->kernel,
				op->stride, op->pad, op->kind == DCA_OP_MAXPOOL);
			break;
		case DCA_OP_GLOBAL_AVGPOOL:
			fprintf(f, "\tk_global_avgpool(%s, %d, %d, %s);\n", b0, op->cin,
				op->h * op->w, b1);
			break;
		case DCA_OP_ADD:
			if (op->n_in == 1) {
				fprintf(f, "\tk_copy(%s, %s, %d);\n", b0, b1, n);
				break;
			}
			fprintf(f, "\tk_add(%s, ", b0);
			fprintf(f, "%s, %s, %d);\n", at(x, op->in[1], b0, sizeof b0), b1, n);
			for (j = 2; j < op->n_in; j++)
				fprintf(f, "\tk_accumulate(%s, %s, %d);\n",
					at(x, op->in[j], b0, sizeof b0), b1, n);
			break;
		case DCA_OP_CONCAT: {
			size_t base = dcap_xoff(x, s->out);
			for (j = 0; j < op->n_in; j++) {
				int m = dcap_tensor_floats(net, op->in[j]);
				fprintf(f, "\tk_copy(%s, a + %zu, %d);\n",
					at(x, op->in[j], b0, sizeof b0), base, m);
				base += (size_t)m;
			}
			break;
		}
		case DCA_OP_ZERO:
			fprintf(f, "\tk_copy(0, %s, %d);\n", b1, n);
			break;
		case DCA_OP_IDENTITY:
			fprintf(f, "\tk_copy(%s, %s, %d);\n", b0, b1, n);
			break;
		default:
			break;
		}
	}
	fprintf(f, "\tk_copy(%s, out, %s_CLASSES);\n}\n",
		at(x, net->output, b0, sizeof b0), name);
}

static void write_header(FILE *f, const dca_export_net *x, const char *name,
			 const char *doc)
{
	const dca_net *net = x->net;
	const dca_tensor_desc *ti = &net->tensors[net->input];
	dca_export_info info;
	char guard[80];
	size_t i;

	for (i = 0; name[i] && i + 3 < sizeof guard; i++)
		guard[i] = (char)toupper((unsigned char)name[i]);
	guard[i] = 0;
	fprintf(f, "/* %s.h — generated by dcanas export; C99, no dependencies.\n"
		" * %s\n *\n"
		" * %s_run(in, out): in is one image, %s_INPUT_C x %s_INPUT_H x\n"
		" * %s_INPUT_W floats in [0, 1] (channels first); out receives\n"
		" * %s_CLASSES logits. Not reentrant: the activations live in one\n"
		" * static arena of %s_ARENA_BYTES, laid out as dcanas's peak_memory\n"
		" * constraint counts it; the constants take %s_WEIGHT_BYTES. */\n"
		"#ifndef %s_H\n#define %s_H\n\n",
		name, doc ? doc : "", name, name, name, name, name, name, name,
		guard, guard);
	dca_export_get_info(x, &info);
	fprintf(f, "#define %s_INPUT_C %d\n#define %s_INPUT_H %d\n#define %s_INPUT_W %d\n"
		"#define %s_CLASSES %d\n#define %s_ARENA_BYTES %zu%s\n"
		"#define %s_WEIGHT_BYTES %zu\n\n",
		name, ti->c, name, ti->h, name, ti->w, name,
		dcap_tensor_floats(net, net->output), name, info.arena_bytes,
		info.int8 ? "   /* int8: a quarter of the float network's peak_memory */" : "",
		name, info.weight_bytes);
	fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
		"void %s_run(const float *in, float *out);\n\n"
		"#ifdef __cplusplus\n}\n#endif\n#endif\n", name);
}

int dca_export_c(const dca_export_net *x, const char *name, const char *path_c,
		 const char *path_h, const char *doc, dca_error *err)
{
	dcap_atomic_file fc, fh;
	const char *header = strrchr(path_h, '/');
	size_t i;

	if (!name[0] || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return dca_error_set(err, DCA_ERR_INVALID, "'%s' is not a C "
				     "identifier (--name)", name);
	for (i = 0; name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return dca_error_set(err, DCA_ERR_INVALID, "'%s' is not a C "
					     "identifier (--name)", name);
	header = header ? header + 1 : path_h;
	if (dcap_atomic_open(&fh, path_h, err))
		return -1;
	write_header(fh.f, x, name, doc);
	if (dcap_atomic_commit(&fh, 0, err))
		return -1;
	if (dcap_atomic_open(&fc, path_c, err))
		return -1;
	write_source(fc.f, x, name, header, doc);
	return dcap_atomic_commit(&fc, 0, err);
}
