/* dcanas — training-free architecture scores (see include/dcanas/proxy.h).
 *
 * NASWOT's kernel is accumulated while the forward pass runs, through the
 * graph's ReLU observer: for each ReLU input X (n samples x d units) with
 * binary codes C = [X > 0], the number of units on which samples i and j
 * agree is  d - s_i - s_j + 2 (C Cᵀ)_ij  (s = row sums of C), so one SYRK
 * per ReLU gives it; activations are never kept. */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>
#include <dcanas/proxy.h>

static const char *const proxy_names[DCA_PROXY_COUNT] = { "naswot", "synflow", "snip" };

const char *dca_proxy_name(dca_proxy p)
{
	return (unsigned)p < DCA_PROXY_COUNT ? proxy_names[p] : "?";
}

int dca_proxy_from_name(const char *name)
{
	int i;

	for (i = 0; i < DCA_PROXY_COUNT; i++)
		if (strcmp(name, proxy_names[i]) == 0)
			return i;
	return -1;
}

double dca_log_abs_det(double *a, int n)
{
	double logdet = 0;
	int i, j, k;

	for (k = 0; k < n; k++) {
		int piv = k;
		double best = fabs(a[k * n + k]);

		for (i = k + 1; i < n; i++)
			if (fabs(a[i * n + k]) > best) {
				best = fabs(a[i * n + k]);
				piv = i;
			}
		if (!(best > 0))
			return -INFINITY;
		if (piv != k)
			for (j = 0; j < n; j++) {
				double t = a[k * n + j];
				a[k * n + j] = a[piv * n + j];
				a[piv * n + j] = t;
			}
		logdet += log(best);
		for (i = k + 1; i < n; i++) {
			double f = a[i * n + k] / a[k * n + k];
			if (f != 0)
				for (j = k + 1; j < n; j++)
					a[i * n + j] -= f * a[k * n + j];
		}
	}
	return logdet;
}

/* ------------------------------------------------------------------ */
/* naswot                                                              */

typedef struct naswot {
	int n;
	double *k;          /* n x n */
	float *codes;       /* n x d, grown as needed */
	float *gram;        /* n x n */
	double *sums;
	size_t cap;
	int nomem;
} naswot;

static void naswot_observe(void *ctx, const dca_tensor *pre)
{
	naswot *s = ctx;
	int n = s->n, i, j;
	size_t d = pre->size / (size_t)pre->n, t;

	if (s->nomem || pre->n != n)
		return;
	if (n * d > s->cap) {
		float *c = realloc(s->codes, n * d * sizeof *c);
		if (!c) {
			s->nomem = 1;
			return;
		}
		s->codes = c;
		s->cap = n * d;
	}
	for (i = 0; i < n; i++) {
		const float *x = pre->data + (size_t)i * d;
		float *c = s->codes + (size_t)i * d;
		double sum = 0;
		for (t = 0; t < d; t++) {
			c[t] = x[t] > 0.0f ? 1.0f : 0.0f;
			sum += c[t];
		}
		s->sums[i] = sum;
	}
	/* counts are integers below 2^24: exact in float */
	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, (int)d, 1.0f,
		    s->codes, (int)d, 0.0f, s->gram, n);
	for (i = 0; i < n; i++)
		for (j = i; j < n; j++) {
			double agree = (double)d - s->sums[i] - s->sums[j] +
				       2.0 * s->gram[i * n + j];
			s->k[i * n + j] += agree;
			if (j != i)
				s->k[j * n + i] += agree;
		}
}

static void set_requires_grad(dca_model *m, int on)
{
	int i;

	for (i = 0; i < m->n_params; i++)
		m->params[i]->requires_grad = on;
}

static int naswot_score(dca_model *m, dca_graph *g, const dca_tensor *x,
			double *score, dca_error *err)
{
	naswot s = { .n = x->n };
	dca_tensor *out;
	int rc = 0;

	s.k = calloc((size_t)s.n * s.n, sizeof *s.k);
	s.gram = malloc((size_t)s.n * s.n * sizeof *s.gram);
	s.sums = malloc((size_t)s.n * sizeof *s.sums);
	if (!s.k || !s.gram || !s.sums) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	dca_graph_reset(g);
	set_requires_grad(m, 0);
	dca_graph_observe_relu(g, naswot_observe, &s);
	out = m->forward(m, g, (dca_tensor *)x, 1, NULL);
	dca_graph_observe_relu(g, NULL, NULL);
	set_requires_grad(m, 1);
	if (!out || s.nomem) {
		rc = dca_graph_error_set(g, err, "a naswot score");
		goto out;
	}
	*score = dca_log_abs_det(s.k, s.n);
out:
	free(s.k);
	free(s.gram);
	free(s.sums);
	free(s.codes);
	dca_graph_reset(g);
	return rc;
}

/* ------------------------------------------------------------------ */
/* synflow and snip: Σ |θ ⊙ g| over conv and linear weights            */

/* conv and linear weights are the parameters with more than one output row
 * (biases and batch-norm scales are 1 x C) */
static double weight_saliency(const dca_model *m)
{
	double total = 0;
	size_t j;
	int i;

	for (i = 0; i < m->n_params; i++) {
		const dca_tensor *t = m->params[i];
		if (t->n <= 1)
			continue;
		for (j = 0; j < t->size; j++)
			total += fabs((double)t->data[j] * t->grad[j]);
	}
	return total;
}

static void zero_grads(dca_model *m)
{
	int i;

	for (i = 0; i < m->n_params; i++)
		dca_param_zero_grad(m->params[i]);
}

/* every parameter and buffer, concatenated (NULL on out of memory) */
static float *save_state(const dca_model *m)
{
	size_t n = 0, o = 0;
	float *buf;
	int i;

	for (i = 0; i < m->n_params; i++)
		n += m->params[i]->size;
	for (i = 0; i < m->n_buffers; i++)
		n += m->buffers[i]->size;
	if (!(buf = malloc((n ? n : 1) * sizeof *buf)))
		return NULL;
	for (i = 0; i < m->n_params; o += m->params[i]->size, i++)
		memcpy(buf + o, m->params[i]->data, m->params[i]->size * sizeof *buf);
	for (i = 0; i < m->n_buffers; o += m->buffers[i]->size, i++)
		memcpy(buf + o, m->buffers[i]->data, m->buffers[i]->size * sizeof *buf);
	return buf;
}

static void restore_state(dca_model *m, const float *buf)
{
	size_t o = 0;
	int i;

	for (i = 0; i < m->n_params; o += m->params[i]->size, i++)
		memcpy(m->params[i]->data, buf + o, m->params[i]->size * sizeof *buf);
	for (i = 0; i < m->n_buffers; o += m->buffers[i]->size, i++)
		memcpy(m->buffers[i]->data, buf + o, m->buffers[i]->size * sizeof *buf);
}

/* One synflow pass: every input value c, the output's gradient seeded with
 * s; the weights are |θ| already. Without biases inside the network, R is
 * linear in the input and every weight gradient is linear in both c and s,
 * so Σ |θ ⊙ ∂R/∂θ| / (c s) is the same score at any c and s. *r receives
 * R / c (the network's gain); backward runs only when s > 0. */
static int synflow_pass(dca_model *m, dca_graph *g, const dca_tensor *x, float c,
			float s, double *r, double *score, dca_error *err)
{
	dca_tensor *in, *out;
	double sum = 0;
	float *go = NULL;
	size_t j;

	zero_grads(m);
	dca_graph_reset(g);
	in = dca_tensor_new(g, 1, x->c, x->h, x->w, 0);
	if (in)
		for (j = 0; j < in->size; j++)
			in->data[j] = c;
	out = in ? m->forward(m, g, in, 0, NULL) : NULL;
	if (!out || (s > 0 && !(go = dca_tensor_grad(g, out))))
		return dca_graph_error_set(g, err, "a synflow score");
	for (j = 0; j < out->size; j++)
		sum += out->data[j];
	*r = sum / c;
	if (!(s > 0))
		return 0;
	for (j = 0; j < out->size; j++)
		go[j] = s;
	if (dca_graph_backward(g))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory in a synflow score");
	*score = weight_saliency(m) / ((double)c * s);
	return 0;
}

static int synflow_score(dca_model *m, dca_graph *g, const dca_tensor *x,
			 double *score, dca_error *err)
{
	float *saved = save_state(m);
	double gain = 0;
	size_t j;
	int i, k, rc;

	if (!saved)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (i = 0; i < m->n_params; i++)
		for (j = 0; j < m->params[i]->size; j++)
			m->params[i]->data[j] = fabsf(m->params[i]->data[j]);
	/* batch norm as the identity: eval mode on mean 0, variance 1 - eps
	 * (the engine's eps), so (x - 0) / sqrt(var + eps) = x */
	for (i = 0; i < m->n_buffers; i++) {
		const char *name = m->buffer_names[i];
		size_t len = strlen(name);
		float v = len > 12 && strcmp(name + len - 12, ".running_var") == 0
			  ? 1.0f - 1e-5f : 0.0f;
		for (j = 0; j < m->buffers[i]->size; j++)
			m->buffers[i]->data[j] = v;
	}
	/* The gain G of a deep network can pass float's range (2^128) while the
	 * score is finite: measure log2 G with a small input first, then run
	 * with c = s = 2^-k so that activations (c G), activation gradients
	 * (s G) and weight gradients (~ c s G) all stay within 2^±100. */
	rc = synflow_pass(m, g, x, 0x1p-100f, 0, &gain, score, err);
	if (!rc && !(gain > 0 && isfinite(gain)))
		rc = synflow_pass(m, g, x, 1.0f, 0, &gain, score, err);
	if (!rc) {
		double lg = gain > 0 ? log2(gain) : 0;
		k = lg > 100 ? (int)ceil(lg - 100) : 0;
		if (!isfinite(lg) || lg - 2.0 * k < -100 || k > 125)
			*score = INFINITY;    /* reported as out of range below */
		else
			rc = synflow_pass(m, g, x, ldexpf(1.0f, -k), ldexpf(1.0f, -k),
					  &gain, score, err);
	}
	zero_grads(m);
	restore_state(m, saved);
	free(saved);
	dca_graph_reset(g);
	return rc;
}

static int snip_score(dca_model *m, dca_graph *g, const dca_tensor *x,
		      const int *labels, double *score, dca_error *err)
{
	dca_tensor *out, *loss;
	int rc = 0;

	if (!labels)
		return dca_error_set(err, DCA_ERR_INVALID, "snip needs labels");
	zero_grads(m);
	dca_graph_reset(g);
	out = m->forward(m, g, (dca_tensor *)x, 1, NULL);
	loss = out ? dca_cross_entropy(g, out, labels, 0) : NULL;
	if (!loss || dca_backward(g, loss))
		rc = dca_graph_error_set(g, err, "a snip score");
	else
		*score = weight_saliency(m);
	zero_grads(m);
	dca_graph_reset(g);
	return rc;
}

int dca_proxy_score(dca_proxy p, dca_model *m, dca_graph *g, const dca_tensor *x,
		    const int *labels, double *score, dca_error *err)
{
	int rc;

	switch (p) {
	case DCA_PROXY_NASWOT:
		rc = naswot_score(m, g, x, score, err);
		break;
	case DCA_PROXY_SYNFLOW:
		rc = synflow_score(m, g, x, score, err);
		break;
	case DCA_PROXY_SNIP:
		rc = snip_score(m, g, x, labels, score, err);
		break;
	default:
		return dca_error_set(err, DCA_ERR_INVALID, "unknown proxy %d", (int)p);
	}
	if (!rc && (isnan(*score) || *score == INFINITY))
		rc = dca_error_set(err, DCA_ERR_INVALID, "the %s score is not finite "
				   "(%g): the network's activations overflow",
				   dca_proxy_name(p), *score);
	return rc;
}
