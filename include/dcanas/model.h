/* dcanas — trainable networks built from the engine's ops.
 *
 * A space builds a dca_model for an architecture (dca_space.build_model).
 * The model owns its parameters and buffers (BN running statistics); the
 * helpers below create them, initialised the way PyTorch does, and name
 * them so weight files can be checked on load. */
#ifndef DCANAS_MODEL_H
#define DCANAS_MODEL_H

#include <dcanas/error.h>
#include <dcanas/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_model dca_model;
struct dca_net;

struct dca_model {
	dca_tensor **params;      /* owned; trainable */
	char **param_names;
	int n_params, cap_params;
	dca_tensor **buffers;     /* owned; not trained (BN running stats) */
	char **buffer_names;
	int n_buffers, cap_buffers;
	dca_rng init_rng;         /* initialisation stream */
	dca_rng rng;              /* dropout / drop-path stream */
	float drop_path_prob;     /* set by the trainer each epoch */
	float dropout;            /* classifier dropout */
	void *state;              /* the space's network description, owned */
	void (*state_free)(void *state);
	/* Logits (N x classes); *aux receives the auxiliary head's logits in
	 * training when the network has one (else NULL). */
	dca_tensor *(*forward)(dca_model *m, dca_graph *g, dca_tensor *x,
			       int training, dca_tensor **aux);
};

dca_model *dca_model_new(uint64_t seed);
void dca_model_free(dca_model *m);
size_t dca_model_param_count(const dca_model *m);

/* New parameters, named printf-style; NULL on out of memory. */
dca_tensor *dca_model_param(dca_model *m, int n, int c, int h, int w,
			    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
dca_tensor *dca_model_buffer(dca_model *m, int n, int c, int h, int w,
			     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Kaiming-uniform init as PyTorch's default for conv/linear weights
 * (bound = 1/sqrt(fan_in) for weights and biases). */
void dca_model_init_uniform(dca_model *m, dca_tensor *t, int fan_in);

/* Layers: a conv weight (+ optional bias), a BN (gamma, beta, running mean
 * and var), a linear layer. They create parameters in m. */
typedef struct dca_conv {
	dca_tensor *w, *b;
	int stride, pad, dilation, groups;
} dca_conv;
typedef struct dca_bn {
	dca_tensor *gamma, *beta, *mean, *var;
} dca_bn;
typedef struct dca_fc {
	dca_tensor *w, *b;
} dca_fc;

int dca_conv_init(dca_model *m, dca_conv *c, int cin, int cout, int k,
		  int stride, int pad, int dilation, int groups, int bias,
		  const char *name);
int dca_bn_init(dca_model *m, dca_bn *bn, int channels, int affine, const char *name);
int dca_fc_init(dca_model *m, dca_fc *fc, int in, int out, const char *name);

dca_tensor *dca_conv_apply(dca_graph *g, const dca_conv *c, dca_tensor *x);
/* the same on relu(x) (dca_relu_conv2d) */
dca_tensor *dca_relu_conv_apply(dca_graph *g, const dca_conv *c, dca_tensor *x);
dca_tensor *dca_bn_apply(dca_graph *g, const dca_bn *bn, dca_tensor *x, int training);
dca_tensor *dca_fc_apply(dca_graph *g, const dca_fc *fc, dca_tensor *x);

/* The trainable network of a concrete net (net.h), initialised from seed:
 * a layer for every conv, linear and batchnorm op, named by the net's binds
 * (NAME.weight, NAME.bias, NAME.running_mean, NAME.running_var) and created
 * and initialised in the net's op order as dca_conv_init, dca_fc_init and
 * dca_bn_init do. The forward pass runs the ops in order (a ReLU whose one
 * reader is a convolution inside it, as dca_relu_conv2d), drop-path on the
 * ops flagged DCA_OP_FLAG_DROP_PATH, and the ops only net->aux_output needs
 * only in training when the caller asks for aux. An op with parameters but
 * no name is an error naming it. *out is new. */
int dca_model_from_net(const struct dca_net *net, uint64_t seed, dca_model **out,
		       dca_error *err);

/* Weight files: a versioned header ("DCAW", version, count), then per
 * tensor its name, shape and data, then a CRC32 of everything before it, so
 * a truncated or corrupted file is detected. Written atomically. */
int dca_model_save(const dca_model *m, const char *path, const char *meta_json,
		   dca_error *err);
/* Load into a model of the same architecture; names and shapes must match.
 * *meta_json (may be NULL) receives a malloc'ed copy of the stored metadata. */
int dca_model_load(dca_model *m, const char *path, char **meta_json, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
