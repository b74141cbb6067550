/* dcanas — training-free scores of an untrained network ("zero-cost
 * proxies"): one forward (and for some one backward) pass of a freshly
 * initialised network predicts how well it will train. A search's selection
 * stage uses them to rank candidate architectures cheaply.
 *
 *   naswot   log |det K| of the kernel of ReLU activation patterns over a
 *            batch (Mellor et al., ICML 2021, "NAS without training"):
 *            K[i][j] = number of ReLU units on which inputs i and j agree
 *            (both on or both off). Networks that tell inputs apart at
 *            initialisation score higher. Real data, BN in training mode.
 *   synflow  Σ |θ ⊙ ∂R/∂θ| over conv and linear weights, R = the sum of the
 *            output for an all-ones input with every weight replaced by
 *            its absolute value and batch norm as identity (Tanaka et al.,
 *            NeurIPS 2020; Abdelfattah et al., ICLR 2021). Data-free.
 *   snip     Σ |θ ⊙ ∂L/∂θ| over conv and linear weights for the
 *            cross-entropy L of a batch (Lee et al., ICLR 2019).
 *
 * The model is borrowed; its weights are changed only for the duration of
 * a call (synflow restores them). g is a scratch graph, reset by each call. */
#ifndef DCANAS_PROXY_H
#define DCANAS_PROXY_H

#include <dcanas/error.h>
#include <dcanas/model.h>
#include <dcanas/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dca_proxy {
	DCA_PROXY_NASWOT = 0,
	DCA_PROXY_SYNFLOW,
	DCA_PROXY_SNIP,
	DCA_PROXY_COUNT
} dca_proxy;

const char *dca_proxy_name(dca_proxy p);
/* The proxy named name, or -1. */
int dca_proxy_from_name(const char *name);

/* Score model on the batch x (n x c x h x w) with labels (snip only; may be
 * NULL otherwise). synflow reads only x's shape. Higher is better; naswot
 * is -INFINITY for a network that maps every input alike. Returns 0, or a
 * negative code with err set (out of memory; a NaN or +inf score). naswot
 * and snip run batch norm in training mode, which updates its running
 * statistics as a training-mode forward pass does. */
int dca_proxy_score(dca_proxy p, dca_model *m, dca_graph *g, const dca_tensor *x,
		    const int *labels, double *score, dca_error *err);

/* log |det A| of the n x n matrix A (row-major, overwritten) by Gaussian
 * elimination with partial pivoting; -INFINITY when A is singular. */
double dca_log_abs_det(double *a, int n);

#ifdef __cplusplus
}
#endif
#endif
