/* dcanas — softmax and the cross-entropy loss.
 *
 * Both subtract the row maximum before exponentiating, and accumulate in
 * double, so large logits neither overflow nor lose the small terms. Batch
 * rows are few (N x C logits), so these loops stay serial. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

#include "op_common.h"


/* p = softmax(x) over one row of c logits; returns log(sum(exp(x - max))) + max */
static double softmax_row(const float *x, float *p, int c)
{
	double m = x[0], s = 0;
	int k;

	for (k = 1; k < c; k++)
		if (x[k] > m)
			m = x[k];
	for (k = 0; k < c; k++)
		s += exp((double)x[k] - m);
	for (k = 0; k < c; k++)
		p[k] = (float)(exp((double)x[k] - m) / s);
	return m + log(s);
}

/* --- softmax --- */

static void softmax_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *out = nd->out;
	const int c = x->c;
	int s, k;

	(void)g;
	if (!x->requires_grad)
		return;
	/* dx = y * (dy - sum(dy * y)) */
	for (s = 0; s < x->n; s++) {
		const float *y = out->data + (size_t)s * c, *dy = out->grad + (size_t)s * c;
		float *dx = x->grad + (size_t)s * c;
		double dot = 0;
		for (k = 0; k < c; k++)
			dot += (double)dy[k] * y[k];
		for (k = 0; k < c; k++)
			dx[k] += (float)(y[k] * ((double)dy[k] - dot));
	}
}

dca_tensor *dca_softmax(dca_graph *g, dca_tensor *x)
{
	dca_tensor *out;
	dca_node *nd;
	int s;

	OP_REQUIRE(x->h == 1 && x->w == 1, "expects N x C (h = w = 1), got %dx%dx%dx%d",
		   x->n, x->c, x->h, x->w);
	out = dca_tensor_new(g, x->n, x->c, 1, 1, 0);
	if (!out)
		return NULL;
	for (s = 0; s < x->n; s++)
		softmax_row(x->data + (size_t)s * x->c, out->data + (size_t)s * x->c, x->c);
	nd = dca_graph_record(g, out, softmax_backward, &x, 1);
	if (!nd && x->requires_grad)
		return NULL;
	return out;
}

/* --- cross-entropy ---
 * With q = (1-eps) onehot(label) + eps/C (sum q = 1), the per-sample loss
 * -sum q log p is logsumexp(x) - sum q x, and its gradient p - q. */

typedef struct ce_saved {
	float *prob;   /* N x C softmax */
	int *labels;   /* copied: the caller's array need not outlive the step */
} ce_saved;

static void ce_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0];
	const ce_saved *sv = nd->saved;
	const int c = x->c;
	const float eps = nd->farg[0];
	const double scale = (double)nd->out->grad[0] / x->n;
	const double off = (double)eps / c, on = 1.0 - eps + off;
	int s, k;

	(void)g;
	if (!x->requires_grad)
		return;
	for (s = 0; s < x->n; s++) {
		const float *p = sv->prob + (size_t)s * c;
		float *dx = x->grad + (size_t)s * c;
		for (k = 0; k < c; k++) {
			double q = k == sv->labels[s] ? on : off;
			dx[k] += (float)(((double)p[k] - q) * scale);
		}
	}
}

dca_tensor *dca_cross_entropy(dca_graph *g, dca_tensor *logits,
			      const int *labels, float smoothing)
{
	dca_tensor *x = logits, *out;
	ce_saved *sv;
	dca_node *nd;
	const int c = x->c;
	double total = 0, off, on;
	int s, k;

	OP_REQUIRE(x->h == 1 && x->w == 1, "expects N x C logits (h = w = 1), got %dx%dx%dx%d",
		   x->n, x->c, x->h, x->w);
	OP_REQUIRE(x->n >= 1 && c >= 1, "empty logits %dx%d", x->n, c);
	OP_REQUIRE(smoothing >= 0.0f && smoothing <= 1.0f,
		   "label smoothing must be in [0, 1], got %g", (double)smoothing);
	for (s = 0; s < x->n; s++)
		OP_REQUIRE(labels[s] >= 0 && labels[s] < c,
			   "label %d of sample %d is not a class in [0, %d)", labels[s], s, c);
	out = dca_tensor_new(g, 1, 1, 1, 1, 0);
	sv = dca_graph_alloc(g, sizeof *sv);
	if (!out || !sv)
		return NULL;
	sv->prob = dca_graph_alloc(g, x->size * sizeof *sv->prob);
	sv->labels = dca_graph_alloc(g, (size_t)x->n * sizeof *sv->labels);
	if (!sv->prob || !sv->labels)
		return NULL;
	memcpy(sv->labels, labels, (size_t)x->n * sizeof *labels);
	off = (double)smoothing / c;
	on = 1.0 - smoothing + off;
	for (s = 0; s < x->n; s++) {
		const float *row = x->data + (size_t)s * c;
		double lse = softmax_row(row, sv->prob + (size_t)s * c, c), qx = 0;
		for (k = 0; k < c; k++)
			qx += (k == labels[s] ? on : off) * row[k];
		total += lse - qx;
	}
	out->data[0] = (float)(total / x->n);
	nd = dca_graph_record(g, out, ce_backward, &x, 1);
	if (!nd) {
		if (x->requires_grad)
			return NULL;
		return out;
	}
	nd->saved = sv;
	nd->farg[0] = smoothing;
	return out;
}
