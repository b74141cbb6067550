/* dcanas — engine ops, forward and backward. Each returns an arena tensor of
 * g, or NULL: out of memory, or inputs the op does not fit (shapes,
 * arguments), which it records in g (dca_graph_error; tensor.h). Inputs are
 * borrowed. */
#ifndef DCANAS_OPS_H
#define DCANAS_OPS_H

#include <dcanas/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- conv2d.c: convolution (AVX-512/AVX2 kernels or im2col + sgemm; direct loops
 * for depthwise) --- */
/* x: N x Cin x H x W, w: Cout x (Cin/groups) x K x K, b: NULL or 1 x Cout */
dca_tensor *dca_conv2d(dca_graph *g, dca_tensor *x, dca_tensor *w, dca_tensor *b,
		       int stride, int pad, int dilation, int groups);
/* dca_conv2d(relu(x)): where the convolution copies its input into a padded
 * buffer (stride-1 AVX-512 and depthwise paths) the ReLU happens in that
 * copy, with no ReLU output tensor and no separate backward pass. */
dca_tensor *dca_relu_conv2d(dca_graph *g, dca_tensor *x, dca_tensor *w,
			    dca_tensor *b, int stride, int pad, int dilation,
			    int groups);
/* --- linear.c: x: N x F (any h, w flattened), w: Out x F, b: NULL or 1 x Out */
dca_tensor *dca_linear(dca_graph *g, dca_tensor *x, dca_tensor *w, dca_tensor *b);

/* --- batchnorm.c --- gamma/beta NULL when not affine; running stats are
 * 1 x C buffers updated in training (momentum as PyTorch, 0.1). */
dca_tensor *dca_batchnorm(dca_graph *g, dca_tensor *x, dca_tensor *gamma,
			  dca_tensor *beta, dca_tensor *running_mean,
			  dca_tensor *running_var, int training, float momentum,
			  float eps);

/* --- pool.c --- avg excludes padding (count_include_pad=False) */
dca_tensor *dca_maxpool(dca_graph *g, dca_tensor *x, int kernel, int stride, int pad);
dca_tensor *dca_avgpool(dca_graph *g, dca_tensor *x, int kernel, int stride, int pad);
dca_tensor *dca_global_avgpool(dca_graph *g, dca_tensor *x);

/* --- elementwise.c --- */
dca_tensor *dca_relu(dca_graph *g, dca_tensor *x);
dca_tensor *dca_add(dca_graph *g, dca_tensor *a, dca_tensor *b);
/* x * s where s is a 1-element tensor (differentiable) */
dca_tensor *dca_scale(dca_graph *g, dca_tensor *x, dca_tensor *s);
/* sum_i w[i] * xs[i]; w is a tensor of n elements (differentiable) */
dca_tensor *dca_weighted_sum(dca_graph *g, dca_tensor *const *xs, int n, dca_tensor *w);
/* zeros shaped like x at the given spatial stride (the 'none' op) */
dca_tensor *dca_zero(dca_graph *g, dca_tensor *x, int stride);

/* --- channels.c --- */
dca_tensor *dca_concat(dca_graph *g, dca_tensor *const *xs, int n);
dca_tensor *dca_channel_slice(dca_graph *g, dca_tensor *x, int start, int count);
dca_tensor *dca_channel_shuffle(dca_graph *g, dca_tensor *x, int groups);
/* x[:, :, o:, o:] (o >= 1): the input of a convolution that starts o rows
 * and columns in (DARTS's FactorizedReduce; dca_op_bind.offset) */
dca_tensor *dca_crop_offset(dca_graph *g, dca_tensor *x, int o);
/* elements [start, start + count) of x, flattened, as a 1 x count tensor */
dca_tensor *dca_flat_slice(dca_graph *g, dca_tensor *x, int start, int count);

/* --- loss.c --- softmax over the c dimension of an N x C tensor */
dca_tensor *dca_softmax(dca_graph *g, dca_tensor *x);
/* mean cross-entropy of logits N x C against labels, with label smoothing */
dca_tensor *dca_cross_entropy(dca_graph *g, dca_tensor *logits,
			      const int *labels, float smoothing);

/* --- dropout.c --- identity when !training or p == 0 */
dca_tensor *dca_dropout(dca_graph *g, dca_tensor *x, float p, int training, dca_rng *rng);
/* zero whole samples with probability p, scale the rest by 1/(1-p) */
dca_tensor *dca_drop_path(dca_graph *g, dca_tensor *x, float p, int training, dca_rng *rng);

#ifdef __cplusplus
}
#endif
#endif
