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
} dcap_xstep;

struct dca_export_net {
	const dca_net *net;
	dca_net_plan plan;
	dcap_xstep *steps;
	size_t n_steps;
	float in_scale[4], in_shift[4];   /* x * scale + shift on [0, 1] input */
	size_t weight_bytes;
};

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
