/* dcanas — SGD and Adam over persistent parameters, with PyTorch's update
 * rules (so hyper-parameters from DARTS-family papers carry over), global
 * gradient-norm clipping, and the cosine learning-rate schedule.
 *
 * Parameters without a gradient buffer are skipped, as PyTorch skips those
 * whose .grad is None. The norm sums fixed chunks in double and the chunks
 * in order, so it does not depend on the thread count. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <dcanas/error.h>
#include <dcanas/optim.h>

#include "ops/op_common.h"

float dca_grad_norm(dca_tensor *const *params, int n)
{
	double s = 0;
	int k;

	for (k = 0; k < n; k++)
		if (params[k]->grad)
			s += dcap_dot_fixed(params[k]->grad, params[k]->grad, params[k]->size);
	return (float)sqrt(s);
}

static float **buffers_new(dca_tensor **params, int n)
{
	float **b = calloc(n > 0 ? (size_t)n : 1, sizeof *b);
	int k;

	if (!b)
		return NULL;
	for (k = 0; k < n; k++) {
		b[k] = calloc(params[k]->size ? params[k]->size : 1, sizeof **b);
		if (!b[k]) {
			while (k-- > 0)
				free(b[k]);
			free(b);
			return NULL;
		}
	}
	return b;
}

static void buffers_free(float **b, int n)
{
	int k;

	if (!b)
		return;
	for (k = 0; k < n; k++)
		free(b[k]);
	free(b);
}

/* --- SGD --- */

int dca_sgd_init(dca_sgd *o, dca_tensor **params, int n, float lr,
		 float momentum, float weight_decay, float clip_norm)
{
	if (n < 0 || (n > 0 && !params))
		return DCA_ERR_INVALID;
	o->lr = lr;
	o->momentum = momentum;
	o->weight_decay = weight_decay;
	o->clip_norm = clip_norm;
	o->nesterov = 0;
	o->params = params;
	o->n = n;
	o->velocity = NULL;
	/* PyTorch's first step sets v = g, the same as mu * 0 + g */
	if (momentum != 0.0f) {
		o->velocity = buffers_new(params, n);
		if (!o->velocity)
			return DCA_ERR_NOMEM;
	}
	return DCA_OK;
}

float dca_sgd_step(dca_sgd *o)
{
	const float norm = dca_grad_norm(o->params, o->n);
	const float lr = o->lr, mu = o->momentum, wd = o->weight_decay;
	float coef = 1.0f;
	int k;

	/* as torch.nn.utils.clip_grad_norm_: scale the grads in place */
	if (o->clip_norm > 0.0f) {
		float c = o->clip_norm / (norm + 1e-6f);
		if (c < 1.0f)
			coef = c;
	}
	for (k = 0; k < o->n; k++) {
		dca_tensor *t = o->params[k];
		float *p = t->data, *gr = t->grad, *v = o->velocity ? o->velocity[k] : NULL;
		const int nest = o->nesterov;
		long i, sz = (long)t->size;
		if (!gr)
			continue;
#pragma omp parallel for if (sz >= PAR_MIN) schedule(static)
		for (i = 0; i < sz; i++) {
			float d;
			if (coef != 1.0f)
				gr[i] *= coef;
			d = gr[i] + wd * p[i];
			if (v) {
				v[i] = mu * v[i] + d;
				d = nest ? d + mu * v[i] : v[i];
			}
			p[i] -= lr * d;
		}
	}
	return norm;
}

void dca_sgd_free(dca_sgd *o)
{
	if (!o)
		return;
	buffers_free(o->velocity, o->n);
	o->velocity = NULL;
}

/* --- Adam (L2 weight decay added to the gradient, as torch.optim.Adam) --- */

int dca_adam_init(dca_adam *o, dca_tensor **params, int n, float lr,
		  float beta1, float beta2, float eps, float weight_decay)
{
	if (n < 0 || (n > 0 && !params))
		return DCA_ERR_INVALID;
	o->lr = lr;
	o->beta1 = beta1;
	o->beta2 = beta2;
	o->eps = eps;
	o->weight_decay = weight_decay;
	o->params = params;
	o->n = n;
	o->t = 0;
	o->m = buffers_new(params, n);
	o->v = buffers_new(params, n);
	if (!o->m || !o->v) {
		dca_adam_free(o);
		return DCA_ERR_NOMEM;
	}
	return DCA_OK;
}

void dca_adam_step(dca_adam *o)
{
	const float b1 = o->beta1, b2 = o->beta2, eps = o->eps, wd = o->weight_decay;
	float step, bc2_sqrt;
	int k;

	o->t++;
	step = (float)(o->lr / (1.0 - pow(b1, (double)o->t)));
	bc2_sqrt = (float)sqrt(1.0 - pow(b2, (double)o->t));
	for (k = 0; k < o->n; k++) {
		dca_tensor *t = o->params[k];
		float *p = t->data, *gr = t->grad, *m = o->m[k], *v = o->v[k];
		long i, sz = (long)t->size;
		if (!gr)
			continue;
#pragma omp parallel for if (sz >= PAR_MIN) schedule(static)
		for (i = 0; i < sz; i++) {
			float d = gr[i] + wd * p[i];
			m[i] = b1 * m[i] + (1.0f - b1) * d;
			v[i] = b2 * v[i] + (1.0f - b2) * d * d;
			p[i] -= step * m[i] / (sqrtf(v[i]) / bc2_sqrt + eps);
		}
	}
}

void dca_adam_free(dca_adam *o)
{
	if (!o)
		return;
	buffers_free(o->m, o->n);
	buffers_free(o->v, o->n);
	o->m = o->v = NULL;
}

float dca_cosine_lr(float lr_max, float lr_min, long step, long total)
{
	const double pi = 3.14159265358979323846;
	double f;

	if (total <= 0 || step >= total)
		return lr_min;
	if (step <= 0)
		return lr_max;
	f = (1.0 + cos(pi * (double)step / (double)total)) / 2.0;
	return (float)(lr_min + (lr_max - lr_min) * f);
}
