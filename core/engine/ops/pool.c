/* dcanas — pooling: max, average (padding not counted), global average.
 *
 * Output size is floor((H + 2 pad - kernel) / stride) + 1, as PyTorch with
 * ceil_mode=False. Planes (n, c) are spread over threads; each plane's
 * gradient is written by one thread only. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>

#include "op_common.h"


enum { A_KERNEL, A_STRIDE, A_PAD };

static int pool_fits(const dca_tensor *x, int k, int s, int p)
{
	/* PyTorch's rule: pad at most half the kernel, so no window is all pad */
	return k >= 1 && s >= 1 && p >= 0 && 2 * p <= k && x->h + 2 * p >= k &&
	       x->w + 2 * p >= k;
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

/* The pool's output size, or 0 (and g's error) when it does not fit x. */
static int pool_shape(dca_graph *g, const char *op, const dca_tensor *x, int k, int s,
		      int p, int *ho, int *wo)
{
	if (!pool_fits(x, k, s, p)) {
		dca_graph_fail(g, op, "kernel %d, stride %d, pad %d do not fit a %dx%d "
			       "input (need pad <= kernel/2)", k, s, p, x->h, x->w);
		return 0;
	}
	*ho = (x->h + 2 * p - k) / s + 1;
	*wo = (x->w + 2 * p - k) / s + 1;
	return 1;
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
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
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

	if (!pool_shape(g, "dca_maxpool", x, kernel, stride, pad, &ho, &wo))
		return NULL;
	ohw = (size_t)ho * wo;
	y = dca_tensor_new_uninit(g, x->n, x->c, ho, wo);
	arg = dca_graph_alloc(g, (size_t)planes * ohw * sizeof *arg);
	if (!y || !arg)
		return NULL;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
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

/* Average pooling is separable: a window's sum is the sum over its rows of
 * each row's sum over its columns. Per plane, a row pass makes r[iy][ox]
 * (h x wo) by shifted adds along whole rows, then a column pass adds rows of
 * r; the backward runs the same two passes in reverse. The divisor counts
 * the window's positions inside the input only. */

/* r (h x wo) = window sums along each row of x (h x w) */
static void avg_rows(const float *x, int h, int w, int k, int s, int p, int wo,
		     float *r)
{
	int iy, kx, ox;

	memset(r, 0, (size_t)h * wo * sizeof *r);
	for (iy = 0; iy < h; iy++) {
		const float *xr = x + (size_t)iy * w;
		float *restrict rr = r + (size_t)iy * wo;
		for (kx = 0; kx < k; kx++) {
			int lo, hi, off = kx - p;
			dcap_valid_range(w, s, off, wo, &lo, &hi);
			for (ox = lo; ox < hi; ox++)
				rr[ox] += xr[ox * s + off];
		}
	}
}

/* per-column divisors of the wo outputs of a row: the positions of each
 * window inside the input; one array from the arena for a whole call */
static float *col_counts(dca_graph *g, int wo, int s, int p, int k, int w)
{
	float *cx = dca_graph_alloc(g, (size_t)wo * sizeof *cx);
	int ox, lo, hi;

	for (ox = 0; cx && ox < wo; ox++) {
		window(ox, s, p, k, w, &lo, &hi);
		cx[ox] = (float)(hi - lo);
	}
	return cx;
}

static void avgpool_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *y = nd->out;
	int k = nd->iarg[A_KERNEL], s = nd->iarg[A_STRIDE], p = nd->iarg[A_PAD];
	int h = x->h, w = x->w, ho = y->h, wo = y->w;
	size_t hw = (size_t)h * w, ohw = (size_t)ho * wo;
	size_t tsz = (size_t)h * wo + (size_t)wo;   /* t, a row of g' */
	long planes = (long)x->n * x->c, i;
	float *scratch, *cx;

	if (!x->requires_grad)
		return;
	scratch = dca_graph_alloc(g, (size_t)dcap_max_threads() * tsz * sizeof *scratch);
	cx = col_counts(g, wo, s, p, k, w);
	OP_REQUIRE_MEMORY(scratch && cx, , "scratch for %ld planes", planes);
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(dynamic)
	for (i = 0; i < planes; i++) {
		float *t = scratch + (size_t)dcap_thread_id() * tsz, *gr = t + (size_t)h * wo;
		float *xg = x->grad + i * hw;
		const float *gy = y->grad + i * ohw;
		int oy, ox, iy, kx;

		/* column pass, reversed: t[iy] += gy[oy] / count over the rows
		 * iy of output row oy's window */
		memset(t, 0, (size_t)h * wo * sizeof *t);
		for (oy = 0; oy < ho; oy++) {
			int y0, y1;
			float cy;
			window(oy, s, p, k, h, &y0, &y1);
			cy = (float)(y1 - y0);
			for (ox = 0; ox < wo; ox++)
				gr[ox] = gy[(size_t)oy * wo + ox] / (cy * cx[ox]);
			for (iy = y0; iy < y1; iy++) {
				float *restrict tr = t + (size_t)iy * wo;
				for (ox = 0; ox < wo; ox++)
					tr[ox] += gr[ox];
			}
		}
		/* row pass, reversed */
		for (iy = 0; iy < h; iy++) {
			const float *tr = t + (size_t)iy * wo;
			float *xr = xg + (size_t)iy * w;
			for (kx = 0; kx < k; kx++) {
				int lo, hi, off = kx - p;
				dcap_valid_range(w, s, off, wo, &lo, &hi);
				for (ox = lo; ox < hi; ox++)
					xr[ox * s + off] += tr[ox];
			}
		}
	}
}

dca_tensor *dca_avgpool(dca_graph *g, dca_tensor *x, int kernel, int stride, int pad)
{
	int h = x->h, w = x->w, ho, wo;
	size_t hw = (size_t)h * w, ohw, tsz;
	long planes = (long)x->n * x->c, i;
	dca_tensor *y;
	dca_node *nd;
	float *scratch, *cx;

	if (!pool_shape(g, "dca_avgpool", x, kernel, stride, pad, &ho, &wo))
		return NULL;
	ohw = (size_t)ho * wo;
	tsz = (size_t)h * wo;                 /* r */
	y = dca_tensor_new_uninit(g, x->n, x->c, ho, wo);
	scratch = dca_graph_alloc(g, (size_t)dcap_max_threads() * tsz * sizeof *scratch);
	cx = col_counts(g, wo, stride, pad, kernel, w);
	if (!y || !scratch || !cx)
		return NULL;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(dynamic)
	for (i = 0; i < planes; i++) {
		float *r = scratch + (size_t)dcap_thread_id() * tsz;
		float *yp = y->data + i * ohw;
		int oy, ox, iy;

		avg_rows(x->data + i * hw, h, w, kernel, stride, pad, wo, r);
		for (oy = 0; oy < ho; oy++) {
			float *restrict yr = yp + (size_t)oy * wo;
			int y0, y1;
			float cy;
			window(oy, stride, pad, kernel, h, &y0, &y1);
			cy = (float)(y1 - y0);
			for (ox = 0; ox < wo; ox++)
				yr[ox] = 0.0f;
			for (iy = y0; iy < y1; iy++) {
				const float *rr = r + (size_t)iy * wo;
				for (ox = 0; ox < wo; ox++)
					yr[ox] += rr[ox];
			}
			for (ox = 0; ox < wo; ox++)
				yr[ox] /= cy * cx[ox];
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
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
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
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
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
