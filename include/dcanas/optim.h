/* dcanas — optimizers over lists of parameters (borrowed tensors). */
#ifndef DCANAS_OPTIM_H
#define DCANAS_OPTIM_H

#include <dcanas/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_sgd {
	float lr, momentum, weight_decay;
	float clip_norm;          /* <= 0: no clipping (global L2 norm of grads) */
	int nesterov;
	dca_tensor **params;      /* borrowed */
	float **velocity;         /* owned */
	int n;
} dca_sgd;

int dca_sgd_init(dca_sgd *o, dca_tensor **params, int n, float lr,
		 float momentum, float weight_decay, float clip_norm);
/* One step; returns the gradient norm before clipping. */
float dca_sgd_step(dca_sgd *o);
void dca_sgd_free(dca_sgd *o);

typedef struct dca_adam {
	float lr, beta1, beta2, eps, weight_decay;
	dca_tensor **params;
	float **m, **v;
	int n;
	long t;
} dca_adam;

int dca_adam_init(dca_adam *o, dca_tensor **params, int n, float lr,
		  float beta1, float beta2, float eps, float weight_decay);
void dca_adam_step(dca_adam *o);
void dca_adam_free(dca_adam *o);

/* Cosine annealing from lr_max at step 0 to lr_min at step total. */
float dca_cosine_lr(float lr_max, float lr_min, long step, long total);
/* Global L2 norm of the gradients of params. */
float dca_grad_norm(dca_tensor *const *params, int n);

#ifdef __cplusplus
}
#endif
#endif
