/* dcanas — fully connected layer: y = x W^T + b, x flattened to N x F.
 *
 * Rows are split into one block per OpenMP thread and each block is one
 * sgemm (OpenBLAS itself runs one thread); every output element is computed
 * by exactly one call, so results do not depend on scheduling. */
#include "config.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <dcanas/ops.h>

#include "op_common.h"

static int n_blocks(int rows)
{
#ifdef _OPENMP
	int t = omp_get_max_threads();
#else
	int t = 1;
#endif
	/* small problems: one call beats waking the team */
	if (rows < 2 * t || rows < 16)
		return 1;
	return t;
}

static void block_rows(int rows, int nb, int b, int *r0, int *r1)
{
	*r0 = (int)((long)rows * b / nb);
	*r1 = (int)((long)rows * (b + 1) / nb);
}

static void linear_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *w = nd->in[1], *b = nd->in[2], *y = nd->out;
	int n = x->n, out = w->n, f = (int)(w->size / (size_t)w->n);
	const float *gy = y->grad;
	int nb, k;

	(void)g;
	if (x->requires_grad) {
		/* dX (N x F) += dY (N x Out) * W (Out x F) */
		nb = n_blocks(n);
#pragma omp parallel for schedule(static) if (nb > 1)
		for (k = 0; k < nb; k++) {
			int r0, r1;
			block_rows(n, nb, k, &r0, &r1);
			if (r1 > r0)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
					    r1 - r0, f, out, 1.0f, gy + (size_t)r0 * out, out,
					    w->data, f, 1.0f, x->grad + (size_t)r0 * f, f);
		}
	}
	if (w->requires_grad) {
		/* dW (Out x F) += dY^T (Out x N) * X (N x F) */
		nb = n_blocks(out);
#pragma omp parallel for schedule(static) if (nb > 1)
		for (k = 0; k < nb; k++) {
			int r0, r1;
			block_rows(out, nb, k, &r0, &r1);
			if (r1 > r0)
				cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
					    r1 - r0, f, n, 1.0f, gy + r0, out,
					    x->data, f, 1.0f, w->grad + (size_t)r0 * f, f);
		}
	}
	if (b && b->requires_grad) {
		int o, i;
		for (o = 0; o < out; o++) {
			double acc = 0;
			for (i = 0; i < n; i++)
				acc += gy[(size_t)i * out + o];
			b->grad[o] += (float)acc;
		}
	}
}

dca_tensor *dca_linear(dca_graph *g, dca_tensor *x, dca_tensor *w, dca_tensor *b)
{
	int n = x->n, out = w->n, f, nb, k;
	dca_tensor *y, *in[3];
	dca_node *nd;

	f = (int)(x->size / (size_t)x->n);
	OP_REQUIRE((size_t)out * f == w->size && (!b || (int)b->size == out),
		   "input has %d features per sample, weight is %d x %zu, bias has "
		   "%zu values", f, out, w->size / (size_t)w->n, b ? b->size : 0);
	y = dca_tensor_new(g, n, out, 1, 1, 0);
	if (!y)
		return NULL;
	nb = n_blocks(n);
#pragma omp parallel for schedule(static) if (nb > 1)
	for (k = 0; k < nb; k++) {
		int r0, r1, i, o;
		block_rows(n, nb, k, &r0, &r1);
		if (r1 <= r0)
			continue;
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, out, f,
			    1.0f, x->data + (size_t)r0 * f, f, w->data, f, 0.0f,
			    y->data + (size_t)r0 * out, out);
		if (b)
			for (i = r0; i < r1; i++)
				for (o = 0; o < out; o++)
					y->data[(size_t)i * out + o] += b->data[o];
	}
	in[0] = x;
	in[1] = w;
	in[2] = b;
	nd = dca_graph_record(g, y, linear_backward, in, 3);
	if (!nd && dca_any_requires_grad(in, 3))
		return NULL;
	return y;
}
