/* dcanas — the deployed network as the exporters see it (internal to
 * core/export/): one step per op that writes a tensor in the plan, with its
 * constants bound from the weights file and batch norm folded. */
#ifndef DCANAS_EXPORT_PROGRAM_H
#define DCANAS_EXPORT_PROGRAM_H

#include <dcanas/export.h>

typedef struct dcap_xstep {
	const dca_op_desc *op;  /* the net's op: kind, shapes, arguments */
	const char *param;      /* its parameters' name (messages), or NULL */
	int offset;             /* conv: input offset (dca_op_bind.offset) */
	int out;                /* the tensor it writes (a folded BN's output) */
	/* owned constants: conv/linear the weights (BN folded in) and bias
	 * (NULL when the op has none and no BN was folded); an unfolded
	 * batchnorm its per-channel scale and shift */
	float *w, *b;
	size_t n_w, n_b;
	/* int8 (after dca_export_quantize): weights per output channel, and
	 * the requantization factors (quantize.c says which per kind) */
	signed char *qw;
	float *qm, *qa;
	size_t n_q;               /* entries of qm and qa */
} dcap_xstep;

struct dca_export_net {
	const dca_net *net;
	dca_net_plan plan;
	dcap_xstep *steps;
	size_t n_steps;
	float in_scale[4], in_shift[4];   /* x * scale + shift on [0, 1] input */
	size_t weight_bytes;
	/* int8: one scale per tensor (NULL: a float network), the input's
	 * quantizing factors, the constants' bytes */
	float *tscale;
	float in_qm[4], in_qa[4];
	size_t q_weight_bytes;
};

/* run the float schedule; absmax (may be NULL) per tensor is raised to
 * the largest |value| seen (calibration) */
void dcap_export_run_float(const dca_export_net *x, const float *in, float *logits,
			   float *arena, float *absmax);
/* run the int8 schedule (arena: arena_bytes / 4 bytes) */
void dcap_export_run_int8(const dca_export_net *x, const float *in, float *logits,
			  signed char *arena);

/* the float offset of tensor t in the arena */
static inline size_t dcap_xoff(const dca_export_net *x, int t)
{
	return (size_t)x->plan.offset[t] / sizeof(float);
}

static inline int dcap_tensor_floats(const dca_net *net, int t)
{
	return net->tensors[t].c * net->tensors[t].h * net->tensors[t].w;
}

/* the C kernels' source text (c_kernels.h, as a string; built by make) */
extern const char dcap_c_kernels_text[];

#endif
