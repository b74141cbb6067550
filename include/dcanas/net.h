/* dcanas — op descriptors and concrete networks: the common currency.
 *
 * Spaces describe a concrete network as a list of op descriptors in execution
 * order, connected through tensor ids; constraint models and devices read it.
 * Nobody sees anybody else's internals. A dca_net owns its arrays. */
#ifndef DCANAS_NET_H
#define DCANAS_NET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dca_op_kind {
	DCA_OP_CONV = 0,      /* conv2d; groups==cin==cout is depthwise */
	DCA_OP_LINEAR,        /* fully connected: cin -> cout, h=w=1 */
	DCA_OP_BATCHNORM,
	DCA_OP_RELU,
	DCA_OP_MAXPOOL,
	DCA_OP_AVGPOOL,       /* padding excluded from the average */
	DCA_OP_GLOBAL_AVGPOOL,
	DCA_OP_ADD,           /* elementwise sum of n_in inputs */
	DCA_OP_CONCAT,        /* channel concatenation of n_in inputs */
	DCA_OP_ZERO,          /* the 'none' op: output of zeros (costs nothing) */
	DCA_OP_IDENTITY,      /* skip connection with same shape (costs nothing) */
	DCA_OP_KIND_COUNT
} dca_op_kind;

#define DCA_OP_MAX_INPUTS 8

typedef struct dca_op_desc {
	dca_op_kind kind;
	int cin, cout;        /* channels in / out */
	int h, w;             /* input spatial size */
	int oh, ow;           /* output spatial size */
	int kernel, stride, pad, dilation, groups;
	int bias;             /* conv/linear: has a bias vector */
	int affine;           /* batchnorm: has gamma/beta */
	/* dataflow: tensor ids read and written (for peak memory) */
	int n_in;
	int in[DCA_OP_MAX_INPUTS];
	int out;
	/* optional label for humans and device tables, e.g. "cell3/edge2/nor_conv_3x3"
	 * (points into the net's string pool; may be NULL) */
	const char *label;
} dca_op_desc;

/* What running an op outside the engine needs beyond its cost shape
 * (dcanas export), kept beside the ops (net->binds[i] is ops[i]'s) so that
 * dca_op_desc keeps its 1.0 layout. */
typedef struct dca_op_bind {
	/* The trained model's name for this op's parameters, as in a weights
	 * file: conv and linear NAME.weight (+ NAME.bias), batchnorm
	 * NAME.running_mean, NAME.running_var (+ NAME.weight, NAME.bias when
	 * affine). NULL: the op has none, or the space does not say. */
	const char *param;
	/* conv: the input is read from row and column `offset` on (DARTS's
	 * factorized reduce convolves x[:, :, 1:, 1:] in its second half) */
	int offset;
} dca_op_bind;

typedef struct dca_tensor_desc {
	int c, h, w;
} dca_tensor_desc;

typedef struct dca_net {
	dca_op_desc *ops;
	size_t n_ops, cap_ops;
	dca_tensor_desc *tensors;
	size_t n_tensors, cap_tensors;
	int input;            /* tensor id of the network input */
	int output;           /* tensor id of the logits */
	char **labels;        /* string pool owned by the net */
	size_t n_labels, cap_labels;
	/* --- plugin ABI 1.2 (modules only ever hold a dca_net through a
	 * pointer the core gives them, so the struct may grow at its end) --- */
	dca_op_bind *binds;   /* n_ops entries, parallel to ops */
	size_t cap_binds;
	/* --- plugin ABI 1.3: what training needs beyond the deployed network
	 * (dca_model_from_net builds the trainable network from the net) --- */
	unsigned *flags;      /* n_ops entries: DCA_OP_FLAG_* bits */
	size_t cap_flags;
	/* the tensor holding the auxiliary head's logits (DARTS), computed
	 * only in training; -1: none */
	int aux_output;
} dca_net;

/* dca_net.flags: drop-path (stochastic depth: whole samples zeroed with the
 * trainer's probability, the rest scaled) on this op's output in training */
#define DCA_OP_FLAG_DROP_PATH 1u

void dca_net_init(dca_net *net);
void dca_net_free(dca_net *net);

/* Builders: append an op reading tensor `x` (or xs[]) and return the id of the
 * new output tensor, or -1 when out of memory. Shapes follow PyTorch rules. */
int dca_net_input(dca_net *net, int c, int h, int w);
int dca_net_conv(dca_net *net, int x, int cout, int kernel, int stride,
		 int pad, int dilation, int groups, int bias);
int dca_net_linear(dca_net *net, int x, int cout, int bias);
int dca_net_batchnorm(dca_net *net, int x, int affine);
int dca_net_relu(dca_net *net, int x);
int dca_net_pool(dca_net *net, int x, dca_op_kind kind, int kernel,
		 int stride, int pad);
int dca_net_global_avgpool(dca_net *net, int x);
int dca_net_add(dca_net *net, const int *xs, int n);
int dca_net_concat(dca_net *net, const int *xs, int n);
int dca_net_zero(dca_net *net, int x, int cout, int stride);
/* Attach a label to the most recently added op (copied). */
int dca_net_label_last(dca_net *net, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Name the parameters of the most recently added op (copied; see
 * dca_op_bind.param). */
int dca_net_param_last(dca_net *net, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Flag the most recently added op for drop-path in training. */
void dca_net_drop_path_last(dca_net *net);
/* A conv reading x[:, :, offset:, offset:] (dca_op_bind.offset); the output
 * shape follows the shifted input. */
int dca_net_conv_offset(dca_net *net, int x, int offset, int cout, int kernel,
			int stride, int pad, int dilation, int groups, int bias);

const char *dca_op_kind_name(dca_op_kind kind);

/* Parameters of one op (weights + bias + BN affine; running stats excluded,
 * the PyTorch parameter-count convention). */
double dca_op_params(const dca_op_desc *op);
/* Multiply-accumulates of one op: conv and linear only (NAS-Bench-201 rule:
 * conv/linear MACs plus linear bias; pooling/BN/ReLU/add not counted). */
double dca_op_macs(const dca_op_desc *op);
/* Whether the network's output depends on its input: 0 when every path
 * from the input to the output passes through a ZERO op (a cell of 'none'
 * edges), so the network computes a constant. */
int dca_net_depends_on_input(const dca_net *net);
/* Bytes of float32 activation in tensor t. */
double dca_tensor_bytes(const dca_net *net, int t);

/* How the deployed network runs at batch 1, in float32: the schedule of the
 * code dcanas export generates, whose arena size the peak_memory constraint
 * reports. Ops run one at a time in the net's order. A batchnorm whose input
 * is a convolution's output that nothing else reads (and is not the net's
 * output) is folded into that convolution, which then writes the BN's
 * output. Every other op writes a new tensor, alive from the op that writes
 * it to its last reader, both included (so an op's inputs and output are
 * alive together); the input is alive before the first op, the output
 * after the last. No op works in place. Tensors are laid out in one arena,
 * the largest first, each at the lowest offset clear of the tensors alive
 * with it; the arena is at least the most bytes alive at once. Weights are
 * not in it (flash on a microcontroller). */
typedef struct dca_net_plan {
	int *writes;         /* per op: the tensor it writes; -1 for a folded BN */
	long *offset;        /* per tensor: byte offset in the arena; -1: never
			      * stored (a folded conv's own output) */
	size_t arena_bytes;
} dca_net_plan;

/* 0, or -1 when out of memory. */
int dca_net_plan_make(const dca_net *net, dca_net_plan *plan);
void dca_net_plan_free(dca_net_plan *plan);

#ifdef __cplusplus
}
#endif
#endif
