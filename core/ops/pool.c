/* dcanas — pooling: max, average (padding not counted), global average.
 *
 * Output size is floor((H + 2 pad - kernel) / stride) + 1, as PyTorch with
 * ceil_mode=False. Planes (n, c) are spread over threads; each plane's
 * gradient is written by one thread only. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <dcanas/ops.h>

enum { A_KERNEL, A_STRIDE, A_PAD };

static void pool_check(const char *op, const dca_tensor *x, int k, int s, int p)
{
	/* PyTorch's rule: pad at most half the kernel, so no window is all pad */
	if (k < 1 || s < 1 || p < 0 || 2 * p > k || x->h + 2 * p < k ||
	    x->w + 2 * p < k) {
		fprintf(stderr, "%s: kernel %d, stride %d, pad %d do not fit a %dx%d "
			"input (need pad <= kernel/2)\n", op, k, s, p, x->h, x->w);
		abort();
	}
}

/* The input rows (or columns) [*lo, *hi) under output position o, clipped
 * to the n input positions (padding is never read). */
static inline void window(int o, int stride, int pad, int kernel, int n,
			  int *lo, int *hi)
{
	*lo = o * stride - pad;
	*hi = *lo + kernel;
	if (*lo < 0)
		*lo = 0;
	if (*hi > n)
		*hi = n;
}

/* Check the pool's arguments and give its output size. */
static void pool_shape(const char *op, const dca_tensor *x, int k, int s, int p,
		       int *ho, int *wo)
{
	pool_check(op, x, k, s, p);
	*ho = (x->h + 2 * p - k) / s + 1;
	*wo = (x->w + 2 * p - k) / s + 1;
}

/* ---- max ---- */

static void maxpool_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *y = nd->out;
	const int *arg = nd->saved;
	size_t hw = (size_t)x->h * x->w, ohw = (size_t)y->h * y->w;
	long planes = (long)x->n * x->c, i;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for schedule(static)
	for (i = 0; i < planes; i++) {
		float *xg = x->grad + i * hw;
		const float *gy = y->grad + i * ohw;
		const int *a = arg + i * ohw;
		size_t j;
		for (j = 0; j < ohw; j++)
			if (a[j] >= 0)
				xg[a[j]] += gy[j];
	}
}

dca_tensor *dca_maxpool(dca_graph *g, dca_tensor *x, int kernel, int stride, int pad)
{
	int h = x->h, w = x->w, ho, wo;
	size_t hw = (size_t)h * w, ohw;
	long planes = (long)x->n * x->c, i;
	dca_tensor *y;
	dca_node *nd;
	int *arg;

	pool_shape("dca_maxpool", x, kernel, stride, pad, &ho, &wo);
	ohw = (size_t)ho * wo;
	y = dca_tensor_new_uninit(g, x->n, x->c, ho, wo);
	arg = dca_graph_alloc(g, (size_t)planes * ohw * sizeof *arg);
	if (!y || !arg)
		return NULL;
#pragma omp parallel for schedule(static)
	for (i = 0; i < planes; i++) {
		const float *xp = x->data + i * hw;
		float *yp = y->data + i * ohw;
		int *ap = arg + i * ohw;
		int oy, ox, iy, ix;
		for (oy = 0; oy < ho; oy++) {
			int y0, y1;
			window(oy, stride, pad, kernel, h, &y0, &y1);
			for (ox = 0; ox < wo; ox++) {
				int x0, x1, best;
				float m;
				window(ox, stride, pad, kernel, w, &x0, &x1);
				best = y0 * w + x0;
				m = xp[best];
				/* row-major scan with strict '>': the first max wins;
				 * selects, not branches (random data mispredicts) */
				for (iy = y0; iy < y1; iy++)
					for (ix = x0; ix < x1; ix++) {
						int k = iy * w + ix, gt = xp[k] > m;
						m = gt ? xp[k] : m;
						best = gt ? k : best;
					}
				yp[oy * wo + ox] = m;
				ap[oy * wo + ox] = best;
			}
		}
	}
	nd = dca_graph_record(g, y, maxpool_backward, &x, 1);
	if (nd) {
		nd->iarg[A_KERNEL] = kernel;
		nd->iarg[A_STRIDE] = stride;
		nd->iarg[A_PAD] = pad;
		nd->saved = arg;
	} else if (x->requires_grad) {
		return NULL;
	}
	return y;
}

/* ---- average, padding excluded from the divisor ---- */

static void avgpool_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *y = nd->out;
	int k = nd->iarg[A_KERNEL], s = nd->iarg[A_STRIDE], p = nd->iarg[A_PAD];
	int h = x->h, w = x->w, ho = y->h, wo = y->w;
	size_t hw = (size_t)h * w, ohw = (size_t)ho * wo;
	long planes = (long)x->n * x->c, i;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for schedule(static)
	for (i = 0; i < planes; i++) {
		float *xg = x->grad + i * hw;
		const float *gy = y->grad + i * ohw;
		int oy, ox, iy, ix;
		for (oy = 0; oy < ho; oy++) {
			int y0, y1;
			window(oy, s, p, k, h, &y0, &y1);
			for (ox = 0; ox < wo; ox++) {
				int x0, x1;
				float v;
				window(ox, s, p, k, w, &x0, &x1);
				v = gy[oy * wo + ox] / (float)((y1 - y0) * (x1 - x0));
				for (iy = y0; iy < y1; iy++)
					for (ix = x0; ix < x1; ix++)
						xg[iy * w + ix] += v;
			}
		}
	}
}

dca_tensor *dca_avgpool(dca_graph *g, dca_tensor *x, int kernel, int stride, int pad)
{
	int h = x->h, w = x->w, ho, wo;
	size_t hw = (size_t)h * w, ohw;
	long planes = (long)x->n * x->c, i;
	dca_tensor *y;
	dca_node *nd;

	pool_shape("dca_avgpool", x, kernel, stride, pad, &ho, &wo);
	ohw = (size_t)ho * wo;
	y = dca_tensor_new_uninit(g, x->n, x->c, ho, wo);
	if (!y)
		return NULL;
#pragma omp parallel for schedule(static)
	for (i = 0; i < planes; i++) {
		const float *xp = x->data + i * hw;
		float *yp = y->data + i * ohw;
		int oy, ox, iy, ix;
		for (oy = 0; oy < ho; oy++) {
			int y0, y1;
			window(oy, stride, pad, kernel, h, &y0, &y1);
			for (ox = 0; ox < wo; ox++) {
				int x0, x1;
				float s = 0;
				window(ox, stride, pad, kernel, w, &x0, &x1);
				for (iy = y0; iy < y1; iy++)
					for (ix = x0; ix < x1; ix++)
						s += xp[iy * w + ix];
				yp[oy * wo + ox] = s / (float)((y1 - y0) * (x1 - x0));
			}
		}
	}
	nd = dca_graph_record(g, y, avgpool_backward, &x, 1);
	if (nd) {
		nd->iarg[A_KERNEL] = kernel;
		nd->iarg[A_STRIDE] = stride;
		nd->iarg[A_PAD] = pad;
	} else if (x->requires_grad) {
		return NULL;
	}
	return y;
}

/* ---- global average: N x C x H x W -> N x C x 1 x 1 ---- */

static void gap_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *y = nd->out;
	size_t hw = (size_t)x->h * x->w;
	long planes = (long)x->n * x->c, i;

	(void)g;
	if (!x->requires_grad)
		return;
#pragma omp parallel for schedule(static)
	for (i = 0; i < planes; i++) {
		float v = y->grad[i] / (float)hw, *xg = x->grad + i * hw;
		size_t j;
		for (j = 0; j < hw; j++)
			xg[j] += v;
	}
}

dca_tensor *dca_global_avgpool(dca_graph *g, dca_tensor *x)
{
	size_t hw = (size_t)x->h * x->w;
	long planes = (long)x->n * x->c, i;
	dca_tensor *y = dca_tensor_new(g, x->n, x->c, 1, 1, 0);
	dca_node *nd;

	if (!y)
		return NULL;
#pragma omp parallel for schedule(static)
	for (i = 0; i < planes; i++) {
		const float *xp = x->data + i * hw;
		double s = 0;
		size_t j;
		for (j = 0; j < hw; j++)
			s += xp[j];
		y->data[i] = (float)(s / (double)hw);
	}
	nd = dca_graph_record(g, y, gap_backward, &x, 1);
	if (!nd && x->requires_grad)
		return NULL;
	return y;
}
