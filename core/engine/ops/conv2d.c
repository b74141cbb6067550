/* dcanas — 2-D convolution, NCHW, forward and backward.
 *
 * Paths, chosen per call (docs/engine.md):
 * - direct (AVX-512, stride 1, square kernel, planes that split into
 *   16-value vectors): the kernels of gemm_simd.c read the zero-padded
 *   input through offset tables, no im2col; dX is the convolution of the
 *   padded dY with the flipped, transposed kernel; dW sums groups of samples.
 * - general: per sample and group, im2col into a per-thread buffer and one
 *   matrix product (out = W x col) by the AVX-512 kernels for ungrouped
 *   convolutions, OpenBLAS sgemm otherwise or with DCANAS_SIMD=off. 1x1
 *   stride-1 unpadded convolutions use the input as the column matrix.
 * - depthwise (groups == Cin == Cout): direct loops over padded planes.
 * A ReLU before the convolution (dca_relu_conv2d) is applied while the
 * direct and depthwise paths copy the input into its padded buffer.
 * Samples are spread over OpenMP threads; OpenBLAS runs one thread inside
 * them (dca_engine_init).
 *
 * Determinism: dW is summed into partials over a fixed split of the samples
 * (per thread under a static schedule; per group of samples on the direct
 * path, whatever thread runs it) and the partials are reduced in order, so
 * a fixed thread count gives bit-identical gradients; no float atomics. */
#include "config.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/ops.h>

#include "gemm_simd.h"
#include "op_common.h"

/* node iarg slots; A_RELU: the input goes through a ReLU first (folded
 * into the padding copy of the direct and depthwise paths) */
enum { A_STRIDE, A_PAD, A_DIL, A_GROUPS, A_HO, A_WO, A_RELU, A_NB };


/* Scratch for a backward pass into ptr, or (memory ran out) a record in
 * g naming the function, and return: dca_graph_backward then stops. */
#define BACKWARD_SCRATCH(ptr, bytes) \
	do { \
		size_t bytes_ = (bytes); \
		(ptr) = dca_graph_alloc(g, bytes_); \
		OP_REQUIRE_MEMORY((ptr), , "%zu bytes of scratch", bytes_); \
	} while (0)

/* y (cout planes of P) += the bias of each channel */
static void add_bias(float *y, const dca_tensor *b, int cout, size_t P)
{
	int o;
	size_t j;

	for (o = 0; o < cout; o++) {
		float bv = b->data[o], *yr = y + (size_t)o * P;
		for (j = 0; j < P; j++)
			yr[j] += bv;
	}
}

/* x: C x H x W -> col: (C*kh*kw) x (ho*wo), rows ld floats apart */
static void im2col(const float *x, int c, int h, int w, int kh, int kw,
		   int s, int p, int d, int ho, int wo, float *col, size_t ld)
{
	int ci, ky, kx, oy, ox;

	for (ci = 0; ci < c; ci++) {
		const float *xc = x + (size_t)ci * h * w;
		for (ky = 0; ky < kh; ky++) {
			for (kx = 0; kx < kw; kx++) {
				int xoff = kx * d - p, lo, hi;
				dcap_valid_range(w, s, xoff, wo, &lo, &hi);
				for (oy = 0; oy < ho; oy++) {
					int iy = oy * s - p + ky * d;
					float *row = col + (size_t)oy * wo;
					const float *xr;
					if (iy < 0 || iy >= h) {
						memset(row, 0, (size_t)wo * sizeof *row);
						continue;
					}
					xr = xc + (size_t)iy * w + xoff;
					for (ox = 0; ox < lo; ox++)
						row[ox] = 0;
					if (s == 1)
						memcpy(row + lo, xr + lo, (size_t)(hi - lo) * sizeof *row);
					else
						for (ox = lo; ox < hi; ox++)
							row[ox] = xr[ox * s];
					for (ox = hi; ox < wo; ox++)
						row[ox] = 0;
				}
				col += ld;
			}
		}
	}
}

/* The adjoint of im2col: adds col into x. */
static void col2im_add(const float *col, int c, int h, int w, int kh, int kw,
		       int s, int p, int d, int ho, int wo, float *x, size_t ld)
{
	int ci, ky, kx, oy, ox;

	for (ci = 0; ci < c; ci++) {
		float *xc = x + (size_t)ci * h * w;
		for (ky = 0; ky < kh; ky++) {
			for (kx = 0; kx < kw; kx++) {
				int xoff = kx * d - p, lo, hi;
				dcap_valid_range(w, s, xoff, wo, &lo, &hi);
				for (oy = 0; oy < ho; oy++) {
					int iy = oy * s - p + ky * d;
					const float *row = col + (size_t)oy * wo;
					float *xr;
					if (iy < 0 || iy >= h)
						continue;
					xr = xc + (size_t)iy * w + xoff;
					if (s == 1)
						for (ox = lo; ox < hi; ox++)
							xr[ox] += row[ox];
					else
						for (ox = lo; ox < hi; ox++)
							xr[ox * s] += row[ox];
				}
				col += ld;
			}
		}
	}
}

static int is_pointwise(int kh, int kw, int s, int p)
{
	return kh == 1 && kw == 1 && s == 1 && p == 0;
}

/* The depthwise loops vectorise along output rows; each is compiled for
 * AVX-512 and AVX2+FMA too, and the kernels dcap_simd() chose (CPU and
 * DCANAS_SIMD) pick the version, so DCANAS_SIMD=avx2 runs what an AVX2
 * CPU runs. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---- depthwise: one filter per channel, direct loops ----
 * Each plane is copied into a zero-padded per-thread buffer so the inner
 * loops run over whole output rows without bounds checks (and vectorise). */

/* x (h x w) -> xp ((h+2p) x (w+2p)), zero border; relu: max(x, 0) */
static void pad_plane(const float *x, int h, int w, int p, int relu, float *xp)
{
	int wp = w + 2 * p, y, j;

	memset(xp, 0, (size_t)p * wp * sizeof *xp);
	for (y = 0; y < h; y++) {
		float *restrict r = xp + (size_t)(y + p) * wp;
		const float *restrict xr = x + (size_t)y * w;
		/* borders of a float or two: plain stores, not memset calls */
		for (j = 0; j < p; j++)
			r[j] = r[p + w + j] = 0.0f;
		if (relu)
			for (j = 0; j < w; j++) {
				float v = xr[j];
				r[p + j] = v > 0.0f ? v : 0.0f;
			}
		else
			memcpy(r + p, xr, (size_t)w * sizeof *r);
	}
	memset(xp + (size_t)(h + p) * wp, 0, (size_t)p * wp * sizeof *xp);
}

static ALWAYS_INLINE void dw_forward_body(const float *restrict xp,
					   const float *restrict wk, float bias, int wp,
					   int kh, int kw, int s, int d, int ho, int wo,
					   float *restrict y)
{
	int oy, ox, ky, kx;

	for (oy = 0; oy < ho; oy++) {
		float *restrict yr = y + (size_t)oy * wo;
		for (ox = 0; ox < wo; ox++)
			yr[ox] = bias;
		for (ky = 0; ky < kh; ky++) {
			const float *xrow = xp + (size_t)(oy * s + ky * d) * wp;
			for (kx = 0; kx < kw; kx++) {
				const float *restrict xr = xrow + kx * d;
				float wv = wk[ky * kw + kx];
				if (s == 1)
#pragma omp simd
					for (ox = 0; ox < wo; ox++)
						yr[ox] += wv * xr[ox];
				else
					for (ox = 0; ox < wo; ox++)
						yr[ox] += wv * xr[ox * s];
			}
		}
	}
}

/* dw_backward_plane's body (below) */
static ALWAYS_INLINE void dw_backward_body(const float *restrict xp,
					    const float *restrict wk,
					    const float *restrict gy, int wp, int kh,
					    int kw, int s, int d, int ho, int wo,
					    float *restrict gxp, float *restrict dwk)
{
	int oy, ox, ky, kx, l;

	for (oy = 0; gxp && oy < ho; oy++) {
		const float *restrict gr = gy + (size_t)oy * wo;
		for (ky = 0; ky < kh; ky++) {
			size_t row = (size_t)(oy * s + ky * d) * wp;
			for (kx = 0; kx < kw; kx++) {
				float wv = wk[ky * kw + kx];
				float *restrict xg = gxp + row + (size_t)kx * d;
				if (s == 1)
#pragma omp simd
					for (ox = 0; ox < wo; ox++)
						xg[ox] += wv * gr[ox];
				else
					for (ox = 0; ox < wo; ox++)
						xg[ox * s] += wv * gr[ox];
			}
		}
	}
	/* dW: per tap, lanes of partial sums over the whole plane and one sum
	 * at the end (not one horizontal sum per row) */
	for (ky = 0; dwk && ky < kh; ky++)
		for (kx = 0; kx < kw; kx++) {
			float p16[16] = { 0 }, p8[8] = { 0 }, acc = 0;
			for (oy = 0; oy < ho; oy++) {
				const float *restrict gr = gy + (size_t)oy * wo;
				const float *restrict xr = xp + (size_t)(oy * s + ky * d) * wp +
							   (size_t)kx * d;
				ox = 0;
				if (s == 1) {
					for (; ox + 16 <= wo; ox += 16)
						for (l = 0; l < 16; l++)
							p16[l] += gr[ox + l] * xr[ox + l];
					for (; ox + 8 <= wo; ox += 8)
						for (l = 0; l < 8; l++)
							p8[l] += gr[ox + l] * xr[ox + l];
				}
				for (; ox < wo; ox++)
					acc += gr[ox] * xr[(size_t)ox * s];
			}
			for (l = 0; l < 16; l++)
				acc += p16[l];
			for (l = 0; l < 8; l++)
				acc += p8[l];
			dwk[ky * kw + kx] = acc;
		}
}

#define DW_FORWARD_PARAMS const float *restrict xp, const float *restrict wk, \
	float bias, int wp, int kh, int kw, int s, int d, int ho, int wo, float *restrict y
#define DW_FORWARD_ARGS xp, wk, bias, wp, kh, kw, s, d, ho, wo, y
#define DW_BACKWARD_PARAMS const float *restrict xp, const float *restrict wk, \
	const float *restrict gy, int wp, int kh, int kw, int s, int d, int ho, \
	int wo, float *restrict gxp, float *restrict dwk
#define DW_BACKWARD_ARGS xp, wk, gy, wp, kh, kw, s, d, ho, wo, gxp, dwk

#ifdef DCAP_X86_KERNELS
static __attribute__((target("avx512f"))) void dw_forward_512(DW_FORWARD_PARAMS)
{
	dw_forward_body(DW_FORWARD_ARGS);
}

static __attribute__((target("avx2,fma"))) void dw_forward_avx2(DW_FORWARD_PARAMS)
{
	dw_forward_body(DW_FORWARD_ARGS);
}

static __attribute__((target("avx512f"))) void dw_backward_512(DW_BACKWARD_PARAMS)
{
	dw_backward_body(DW_BACKWARD_ARGS);
}

static __attribute__((target("avx2,fma"))) void dw_backward_avx2(DW_BACKWARD_PARAMS)
{
	dw_backward_body(DW_BACKWARD_ARGS);
}
#endif

static void dw_forward_plane(DW_FORWARD_PARAMS)
{
#ifdef DCAP_X86_KERNELS
	if (dcap_simd() == DCAP_SIMD_AVX512)
		dw_forward_512(DW_FORWARD_ARGS);
	else if (dcap_simd() == DCAP_SIMD_AVX2)
		dw_forward_avx2(DW_FORWARD_ARGS);
	else
#endif
		dw_forward_body(DW_FORWARD_ARGS);
}

/* Adds this plane's padded dX into gxp (when gxp) and writes its dW (when
 * dwk, kh*kw values) from the padded input xp. */
static void dw_backward_plane(DW_BACKWARD_PARAMS)
{
#ifdef DCAP_X86_KERNELS
	if (dcap_simd() == DCAP_SIMD_AVX512)
		dw_backward_512(DW_BACKWARD_ARGS);
	else if (dcap_simd() == DCAP_SIMD_AVX2)
		dw_backward_avx2(DW_BACKWARD_ARGS);
	else
#endif
		dw_backward_body(DW_BACKWARD_ARGS);
}

/* grad[j] += the sum of part[q * size + j] over q < nparts, in order of q:
 * the partials' fixed split, not the thread count, sets the result */
static void add_partials(float *grad, const float *part, long nparts, size_t size)
{
	long j;

#pragma omp parallel for schedule(static)
	for (j = 0; j < (long)size; j++) {
		float acc = 0;
		long q;
		for (q = 0; q < nparts; q++)
			acc += part[(size_t)q * size + j];
		grad[j] += acc;
	}
}

/* g (h x w) += the interior of the padded plane gp (g = it, when assign);
 * where x is given, only at x > 0 (the gradient through a folded ReLU) */
static void add_unpadded(const float *gp, int h, int w, int p, const float *x,
			 int assign, float *g)
{
	int wp = w + 2 * p, y, j;

	for (y = 0; y < h; y++) {
		const float *restrict src = gp + (size_t)(y + p) * wp + p;
		const float *restrict xr = x ? x + (size_t)y * w : NULL;
		float *restrict dst = g + (size_t)y * w;
		if (assign)
			for (j = 0; j < w; j++) {
				float v = src[j];
				dst[j] = !xr || xr[j] > 0.0f ? v : 0.0f;
			}
		else
			for (j = 0; j < w; j++) {
				float v = src[j];
				dst[j] += !xr || xr[j] > 0.0f ? v : 0.0f;
			}
	}
}

/* b->grad[o] += sum of y->grad over samples and positions of channel o */
static void bias_backward(const dca_tensor *y, dca_tensor *b)
{
	long o;
	size_t P = (size_t)y->h * y->w;

#pragma omp parallel for schedule(static)
	for (o = 0; o < y->c; o++) {
		double acc = 0;
		int ni;
		size_t j;
		for (ni = 0; ni < y->n; ni++) {
			const float *gr = y->grad + ((size_t)ni * y->c + o) * P;
			for (j = 0; j < P; j++)
				acc += gr[j];
		}
		b->grad[o] += (float)acc;
	}
}

static void dw_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *wt = nd->in[1], *b = nd->in[2], *y = nd->out;
	int s = nd->iarg[A_STRIDE], p = nd->iarg[A_PAD], d = nd->iarg[A_DIL];
	int n = x->n, c = x->c, h = x->h, w = x->w, kh = wt->h, kw = wt->w;
	int ho = y->h, wo = y->w, kk = kh * kw, wp = w + 2 * p;
	size_t hw = (size_t)h * w, ohw = (size_t)ho * wo;
	size_t psz = (size_t)(h + 2 * p) * wp;
	int want_x = x->requires_grad, want_w = wt->requires_grad;
	int nt = dcap_max_threads(), relu = nd->iarg[A_RELU], fresh = grad_fresh(nd, 0);
	/* stride 1: dX is the convolution of dY, padded by p2, with the flipped
	 * kernel (a gather per output row, as forward), not a scatter of
	 * shifted, overlapping row updates (whose stores stall the loads) */
	int p2 = (kh - 1) * d - p, gather = s == 1 && kh == kw && p2 >= 0;
	int wq = wo + 2 * p2;
	size_t qsz = gather ? (size_t)(ho + 2 * p2) * wq + hw : psz;
	float *part = NULL, *scratch = NULL, *wflip = NULL;
	long i, planes = (long)n * c;

	/* per-plane dW partials, summed over samples in order afterwards */
	if (want_w)
		BACKWARD_SCRATCH(part, (size_t)planes * kk * sizeof *part);
	if (want_x || want_w)
		BACKWARD_SCRATCH(scratch, (size_t)nt * (psz + qsz) * sizeof *scratch);
	if (want_x && gather)
		BACKWARD_SCRATCH(wflip, (size_t)c * kk * sizeof *wflip);
	if (wflip)
		for (i = 0; i < (long)c * kk; i++)
			wflip[i] = wt->data[i - i % kk + kk - 1 - i % kk];
	if (want_x || want_w) {
#pragma omp parallel for schedule(static)
		for (i = 0; i < planes; i++) {
			int ci = (int)(i % c);
			float *xp = scratch + (size_t)dcap_thread_id() * (psz + qsz);
			float *q = xp + psz;    /* padded dX, or padded dY and dX */
			const float *gy = y->grad + i * ohw;
			const float *xmask = relu ? x->data + i * hw : NULL;
			if (want_w)
				pad_plane(x->data + i * hw, h, w, p, relu, xp);
			if (want_x && gather) {
				float *dx = q + qsz - hw;
				pad_plane(gy, ho, wo, p2, 0, q);
				dw_forward_plane(q, wflip + (size_t)ci * kk, 0.0f, wq, kh, kw,
						 1, d, h, w, dx);
				add_unpadded(dx, h, w, 0, xmask, fresh, x->grad + i * hw);
			} else if (want_x) {
				memset(q, 0, psz * sizeof *q);
			}
			if (want_w || (want_x && !gather))
				dw_backward_plane(xp, wt->data + (size_t)ci * kk, gy, wp, kh,
						  kw, s, d, ho, wo,
						  want_x && !gather ? q : NULL,
						  want_w ? part + i * kk : NULL);
			if (want_x && !gather)
				add_unpadded(q, h, w, p, xmask, fresh, x->grad + i * hw);
		}
	}
	if (want_w)     /* one partial per sample */
		add_partials(wt->grad, part, n, (size_t)c * kk);
	if (b && b->requires_grad)
		bias_backward(y, b);
}

/* ---- general path: im2col + a matrix product per sample and group ----
 * The product is the engine's own AVX-512 kernel (gemm_simd.c) for
 * ungrouped convolutions where the CPU has it, OpenBLAS sgemm otherwise. */

static int use_simd(int groups)
{
	return groups == 1 && dcap_simd();
}

/* Row stride of an im2col buffer: the kernels read down its rows, and rows
 * a multiple of 4 KiB apart would share L1 sets. */
static size_t col_stride(int P, int simd)
{
	return simd ? ((size_t)P + 15) / 16 * 16 + 16 : (size_t)P;
}

/* The column matrix of one sample and group: the input itself for a
 * pointwise convolution, else im2col into buf. Sets *ld to its row stride. */
static const float *columns(const float *xg, int cg, int h, int w, int kh, int kw,
			    int s, int p, int d, int ho, int wo, float *buf,
			    size_t ldbuf, size_t *ld)
{
	if (is_pointwise(kh, kw, s, p)) {
		*ld = (size_t)ho * wo;
		return xg;
	}
	im2col(xg, cg, h, w, kh, kw, s, p, d, ho, wo, buf, ldbuf);
	*ld = ldbuf;
	return buf;
}

static void conv_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *wt = nd->in[1], *b = nd->in[2], *y = nd->out;
	int s = nd->iarg[A_STRIDE], p = nd->iarg[A_PAD], d = nd->iarg[A_DIL];
	int groups = nd->iarg[A_GROUPS];
	int n = x->n, cin = x->c, h = x->h, w = x->w, kh = wt->h, kw = wt->w;
	int cout = y->c, ho = y->h, wo = y->w;
	int cg = cin / groups, og = cout / groups, kc = cg * kh * kw;
	int P = ho * wo;
	size_t hw = (size_t)h * w, wsz = (size_t)cout * kc;
	int pw = is_pointwise(kh, kw, s, p), simd = use_simd(groups);
	size_t ld = col_stride(P, simd);
	int want_x = x->requires_grad, want_w = wt->requires_grad;
	int fresh = grad_fresh(nd, 0);
	int nt = dcap_max_threads();
	float *col = NULL, *dcol = NULL, *part = NULL, *wtp = NULL;
	int failed = 0;             /* a kernel could not get its tables */
	long i;

	if (want_w && !pw)
		BACKWARD_SCRATCH(col, (size_t)nt * kc * ld * sizeof *col);
	if (want_x && !pw)
		BACKWARD_SCRATCH(dcol, (size_t)nt * kc * ld * sizeof *dcol);
	if (want_w)
		BACKWARD_SCRATCH(part, (size_t)nt * wsz * sizeof *part);
	if (want_x && simd)
		BACKWARD_SCRATCH(wtp, dcap_packed_size(kc, cout) * sizeof *wtp);
	if (want_w)
		memset(part, 0, (size_t)nt * wsz * sizeof *part);
	if (wtp)    /* W^T (kc x cout) in panels */
		dcap_pack_a(kc, cout, wt->data, 1, (size_t)kc, wtp);

	if (want_x || want_w) {
		/* a static schedule fixes which samples feed which partial */
#pragma omp parallel for schedule(static) reduction(|:failed)
		for (i = 0; i < n; i++) {
			int t = dcap_thread_id(), gi;
			float *mycol = col ? col + (size_t)t * kc * ld : NULL;
			float *mydcol = dcol ? dcol + (size_t)t * kc * ld : NULL;
			for (gi = 0; gi < groups; gi++) {
				const float *xg = x->data + ((size_t)i * cin + (size_t)gi * cg) * hw;
				const float *gyg = y->grad + ((size_t)i * cout + (size_t)gi * og) * P;
				const float *wg = wt->data + (size_t)gi * og * kc;
				if (want_w) {
					size_t ldc;
					const float *cm = columns(xg, cg, h, w, kh, kw, s, p, d,
								  ho, wo, mycol, ld, &ldc);
					float *pw_t = part + (size_t)t * wsz + (size_t)gi * og * kc;
					/* dW_g (og x kc) += gy (og x P) * col^T */
					if (simd)
						failed |= dcap_gemm_a_bt(og, kc, P, gyg, P, cm,
									 ldc, pw_t, kc) != 0;
					else
						cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
							    og, kc, P, 1.0f, gyg, P, cm, ldc, 1.0f,
							    pw_t, kc);
				}
				if (want_x) {
					float *gxg = x->grad + ((size_t)i * cin + (size_t)gi * cg) * hw;
					/* dcol (kc x P) = W_g^T (kc x og) * gy (og x P);
					 * pointwise: dcol is dX itself, added into (or
					 * assigned, when fresh) */
					float *dst = pw ? gxg : mydcol;
					size_t lddst = pw ? (size_t)P : ld;
					int add = pw && !fresh;
					if (simd)
						failed |= dcap_gemm_pa_b(kc, P, og, wtp, gyg, P, dst,
									 lddst, add) != 0;
					else
						cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
							    kc, P, og, 1.0f, wg, kc, gyg, P,
							    add ? 1.0f : 0.0f, dst, (int)lddst);
					if (!pw)
						col2im_add(mydcol, cg, h, w, kh, kw, s, p, d, ho, wo,
							   gxg, ld);
				}
			}
		}
	}
	OP_REQUIRE_MEMORY(!failed, , "a kernel's tables");
	if (want_w)
		add_partials(wt->grad, part, nt, wsz);
	if (b && b->requires_grad)
		bias_backward(y, b);
}

/* ---- stride-1 convolutions without im2col ----
 * The kernels read the zero-padded input in place (dcap_conv_pa and
 * dcap_conv_a_bt through offset tables), and dX is the convolution of the
 * padded dY with the flipped, transposed kernel, so there is no col2im
 * either. Needs AVX-512, one group and a square kernel. An output row is
 * cut into vectors of 16 (the last one masked); rows 8 wide go two to a
 * vector. */

static int use_direct(int groups, int stride, int kh, int kw, int p, int d)
{
	return use_simd(groups) && stride == 1 && kh == kw && kh > 1 &&
	       (kh - 1) * d >= p;
}

/* rows of 8 in pairs: every lane used */
static int paired_rows(int ho, int wo)
{
	return wo == 8 && ho % 2 == 0;
}

static int vector_count(int ho, int wo)
{
	return paired_rows(ho, wo) ? ho / 2 : ho * ((wo + 15) / 16);
}

/* c planes of h x w -> zero-padded planes of (h+2p) x (w+2p) */
static void pad_planes(const float *x, int c, int h, int w, int p, int relu,
		       float *xp)
{
	size_t psz = (size_t)(h + 2 * p) * (w + 2 * p);
	int ci;

	for (ci = 0; ci < c; ci++)
		pad_plane(x + (size_t)ci * h * w, h, w, p, relu, xp + ci * psz);
}

/* The vectors of an ho x wo output read from hp x wp padded planes, and
 * the offsets of each kernel tap (c, ky, kx) at dilation d; the tables come
 * from the arena (NULL out of memory). */
static int direct_tables(dca_graph *g, int ho, int wo, int c, int hp, int wp,
			 int k, int d, dcap_vectors *vs, ptrdiff_t **koffp)
{
	int n = vector_count(ho, wo), oy, ox, ci, ky, kx, v = 0;
	ptrdiff_t *in = dca_graph_alloc(g, (size_t)n * sizeof *in);
	ptrdiff_t *out = dca_graph_alloc(g, (size_t)n * sizeof *out);
	unsigned short *mask = dca_graph_alloc(g, (size_t)n * sizeof *mask);
	ptrdiff_t *koff = dca_graph_alloc(g, (size_t)c * k * k * sizeof *koff);

	if (!in || !out || !mask || !koff)
		return -1;
	vs->split = paired_rows(ho, wo) ? wp : 0;
	for (oy = 0; oy < ho; oy += vs->split ? 2 : 1)
		for (ox = 0; ox < wo; ox += 16, v++) {
			int len = vs->split ? 16 : wo - ox < 16 ? wo - ox : 16;
			in[v] = (ptrdiff_t)oy * wp + ox;
			out[v] = (ptrdiff_t)oy * wo + ox;
			mask[v] = (unsigned short)((1u << len) - 1);
		}
	vs->n = n;
	vs->in = in;
	vs->out = out;
	vs->mask = mask;
	for (ci = 0; ci < c; ci++)
		for (ky = 0; ky < k; ky++)
			for (kx = 0; kx < k; kx++)
				*koff++ = ((ptrdiff_t)ci * hp + (ptrdiff_t)ky * d) * wp + kx * d;
	*koffp = koff - (size_t)c * k * k;
	return 0;
}

/* Samples whose dW the kernel sums before folding its vector sums: enough
 * for ~512 outputs, so small planes do not fold after every few vectors. */
static int direct_group(size_t P)
{
	size_t g = 512 / P;
	return g < 1 ? 1 : g > 8 ? 8 : (int)g;
}

static void direct_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *wt = nd->in[1], *b = nd->in[2], *y = nd->out;
	int p = nd->iarg[A_PAD], d = nd->iarg[A_DIL];
	int n = x->n, cin = x->c, h = x->h, w = x->w, k = wt->h;
	int cout = y->c, ho = y->h, wo = y->w, kk = k * k;
	int kc = cin * kk, kt = cout * kk;           /* taps forward / for dX */
	int p2 = (k - 1) * d - p;                    /* dY's padding for dX */
	int hp = h + 2 * p, wp = w + 2 * p, hq = ho + 2 * p2, wq = wo + 2 * p2;
	size_t P = (size_t)ho * wo, hw = (size_t)h * w, wsz = (size_t)cout * kc;
	size_t xsz = (size_t)cin * hp * wp, gsz = (size_t)cout * hq * wq;
	int want_x = x->requires_grad, want_w = wt->requires_grad;
	int nt = dcap_max_threads();
	int G = direct_group(P), relu = nd->iarg[A_RELU], fresh = grad_fresh(nd, 0);
	long ngroups = (n + G - 1) / G, gi;
	/* scratch per thread: G padded inputs, a padded dY, and with a folded
	 * ReLU the sample's dX before the ReLU's mask */
	size_t tsz = (size_t)G * xsz + gsz + (relu ? (size_t)cin * hw : 0);
	ptrdiff_t *koff = NULL, *koff2 = NULL;
	dcap_vectors vs, vs2;       /* of the output (dW), of dX */
	float *part = NULL, *scratch, *wflip = NULL, *wfp = NULL;
	int failed = 0;             /* a kernel could not get its tables */

	if (!want_x && !want_w)
		goto bias;
	BACKWARD_SCRATCH(scratch, (size_t)nt * tsz * sizeof *scratch);
	if (want_w) {
		OP_REQUIRE_MEMORY(!direct_tables(g, ho, wo, cin, hp, wp, k, d, &vs, &koff),
				  , "the output's vector tables");
		/* one dW partial per group of samples, summed in group order:
		 * the same bits whatever the thread count or schedule */
		BACKWARD_SCRATCH(part, (size_t)ngroups * wsz * sizeof *part);
	}
	if (want_x) {
		int ci, co, t;
		OP_REQUIRE_MEMORY(!direct_tables(g, h, w, cout, hq, wq, k, d, &vs2, &koff2),
				  , "the input's vector tables");
		/* W'[ci][co][t] = W[co][ci][kk - 1 - t]: flipped and transposed */
		BACKWARD_SCRATCH(wflip, (size_t)cin * kt * sizeof *wflip);
		for (ci = 0; ci < cin; ci++)
			for (co = 0; co < cout; co++)
				for (t = 0; t < kk; t++)
					wflip[((size_t)ci * cout + co) * kk + t] =
						wt->data[((size_t)co * cin + ci) * kk + kk - 1 - t];
		BACKWARD_SCRATCH(wfp, dcap_packed_size(cin, kt) * sizeof *wfp);
		dcap_pack_a(cin, kt, wflip, (size_t)kt, 1, wfp);
	}
#pragma omp parallel for schedule(dynamic) reduction(|:failed)
	for (gi = 0; gi < ngroups; gi++) {
		float *xp = scratch + (size_t)dcap_thread_id() * tsz, *gp = xp + (size_t)G * xsz;
		int i0 = (int)gi * G, gn = n - i0 < G ? n - i0 : G, sn;
		const float *gy = y->grad + (size_t)i0 * cout * P;
		if (want_w) {
			memset(part + (size_t)gi * wsz, 0, wsz * sizeof *part);
			for (sn = 0; sn < gn; sn++)
				pad_planes(x->data + (size_t)(i0 + sn) * cin * hw, cin, h, w,
					   p, relu, xp + (size_t)sn * xsz);
			failed |= dcap_conv_a_bt(cout, kc, &vs, gn, gy, P,
						 (ptrdiff_t)(cout * P), xp, (ptrdiff_t)xsz,
						 koff, part + (size_t)gi * wsz, (size_t)kc) != 0;
		}
		for (sn = 0; want_x && sn < gn; sn++) {
			size_t xo = (size_t)(i0 + sn) * cin * hw;
			float *dx = relu ? gp + gsz : x->grad + xo;
			pad_planes(gy + (size_t)sn * cout * P, cout, ho, wo, p2, 0, gp);
			failed |= dcap_conv_pa(cin, &vs2, kt, wfp, gp, koff2, dx, hw,
					       !relu && !fresh) != 0;
			if (relu)   /* the cin planes as one (cin*h) x w plane */
				add_unpadded(dx, cin * h, w, 0, x->data + xo, fresh,
					     x->grad + xo);
		}
	}
	OP_REQUIRE_MEMORY(!failed, , "a kernel's tables");
	if (want_w)
		add_partials(wt->grad, part, ngroups, wsz);
bias:
	if (b && b->requires_grad)
		bias_backward(y, b);
}

/* y = conv(x) for every sample, the direct way; 0, or -1 out of memory.
 * With fewer samples than threads (batch 1: inference, the host device's
 * measurements) each sample's output vectors are split among the threads,
 * which a split by samples would leave idle; every output is computed the
 * same way in either split. */
static int direct_forward(dca_graph *g, const dca_tensor *x, const dca_tensor *w,
			  const dca_tensor *b, int p, int d, int relu, dca_tensor *y)
{
	int n = x->n, cin = x->c, h = x->h, wd = x->w, k = w->h;
	int cout = y->c, ho = y->h, wo = y->w, kc = cin * k * k;
	int hp = h + 2 * p, wp = wd + 2 * p, nt = dcap_max_threads();
	size_t P = (size_t)ho * wo, xsz = (size_t)cin * hp * wp;
	float *scratch, *wp_ = dca_graph_alloc(g, dcap_packed_size(cout, kc) * sizeof *wp_);
	ptrdiff_t *koff;
	dcap_vectors vs;
	long i, parts, pairs;
	int failed = 0;             /* a kernel could not get its tables */

	if (!wp_ || direct_tables(g, ho, wo, cin, hp, wp, k, d, &vs, &koff))
		return -1;
	dcap_pack_a(cout, kc, w->data, (size_t)kc, 1, wp_);
	if (n >= nt) {
		scratch = dca_graph_alloc(g, (size_t)nt * xsz * sizeof *scratch);
		if (!scratch)
			return -1;
#pragma omp parallel for schedule(dynamic) reduction(|:failed)
		for (i = 0; i < n; i++) {
			float *xp = scratch + (size_t)dcap_thread_id() * xsz;
			pad_planes(x->data + (size_t)i * cin * h * wd, cin, h, wd, p, relu, xp);
			failed |= dcap_conv_pa(cout, &vs, kc, wp_, xp, koff,
					       y->data + (size_t)i * cout * P, P, 0) != 0;
			if (b)
				add_bias(y->data + (size_t)i * cout * P, b, cout, P);
		}
		return failed ? -1 : 0;
	}
	/* every sample padded once, then (sample, share of its vectors) tasks */
	scratch = dca_graph_alloc(g, (size_t)n * xsz * sizeof *scratch);
	if (!scratch)
		return -1;
	for (i = 0; i < n; i++)
		pad_planes(x->data + (size_t)i * cin * h * wd, cin, h, wd, p, relu,
			   scratch + (size_t)i * xsz);
	/* shares of whole vector pairs (the kernel's unit) */
	pairs = (vs.n + 1) / 2;
	parts = (nt + n - 1) / n;
	if (parts > pairs)
		parts = pairs;
#pragma omp parallel for schedule(static) if (parts > 1 || n > 1) reduction(|:failed)
	for (i = 0; i < n * parts; i++) {
		long si = i / parts, q = i % parts;
		int lo = (int)(2 * (pairs * q / parts)), hi = (int)(2 * (pairs * (q + 1) / parts));
		dcap_vectors share;

		if (hi > vs.n)
			hi = vs.n;
		share = (dcap_vectors){ hi - lo, vs.in + lo, vs.out + lo, vs.mask + lo, vs.split };
		failed |= dcap_conv_pa(cout, &share, kc, wp_, scratch + (size_t)si * xsz,
				       koff, y->data + (size_t)si * cout * P, P, 0) != 0;
	}
	if (b)
		for (i = 0; i < n; i++)
			add_bias(y->data + (size_t)i * cout * P, b, cout, P);
	return failed ? -1 : 0;
}

/* The im2col/pointwise forward (one group, the kernels' packed weights wp)
 * with fewer samples than threads: each sample's column matrix is built
 * once, and its columns, in blocks of the kernel's 32, are split among
 * the threads; every output is computed as in the split by samples.
 * 0, or -1 when a kernel could not get its tables. */
static int columns_split_forward(const dca_tensor *x, const float *wp,
				  const dca_tensor *b, int kh, int kw, int stride,
				  int pad, int dilation, float *col, size_t ld,
				  dca_tensor *y)
{
	int n = x->n, cin = x->c, h = x->h, wd = x->w, cout = y->c, i;
	int P = y->h * y->w, kc = cin * kh * kw, blocks = (P + 31) / 32;
	long parts = dcap_max_threads(), q;
	int failed = 0;

	if (parts > blocks)
		parts = blocks;
	for (i = 0; i < n; i++) {
		float *yi = y->data + (size_t)i * cout * P;
		size_t ldc;
		const float *cm = columns(x->data + (size_t)i * cin * h * wd, cin, h, wd,
					  kh, kw, stride, pad, dilation, y->h, y->w, col,
					  ld, &ldc);
#pragma omp parallel for schedule(static) reduction(|:failed)
		for (q = 0; q < parts; q++) {
			int c0 = (int)(32 * (blocks * q / parts));
			int c1 = (int)(32 * (blocks * (q + 1) / parts));

			if (c1 > P)
				c1 = P;
			failed |= dcap_gemm_pa_b(cout, c1 - c0, kc, wp, cm + c0, ldc,
						 yi + c0, P, 0) != 0;
		}
		if (b)
			add_bias(yi, b, cout, (size_t)P);
	}
	return failed ? -1 : 0;
}

/* conv2d(relu ? relu(x) : x) */
static dca_tensor *conv2d(dca_graph *g, dca_tensor *x, dca_tensor *w, dca_tensor *b,
			  int stride, int pad, int dilation, int groups, int relu)
{
	int n = x->n, cin = x->c, h = x->h, wd = x->w;
	int cout = w->n, kh = w->h, kw = w->w;
	int ho, wo, cg, og, kc, P, depthwise, direct;
	size_t hw;
	dca_tensor *y, *in[3];
	dca_node *nd;
	long i;

	OP_REQUIRE(stride >= 1 && pad >= 0 && dilation >= 1 && groups >= 1,
		     "stride %d, pad %d, dilation %d, groups %d out of range",
		     stride, pad, dilation, groups);
	OP_REQUIRE(cin % groups == 0 && cout % groups == 0,
		     "%d input and %d output channels do not divide into %d groups",
		     cin, cout, groups);
	OP_REQUIRE(w->c == cin / groups,
		     "weight has %d input channels per group, input needs %d",
		     w->c, cin / groups);
	OP_REQUIRE(!b || (int)b->size == cout,
		     "bias has %zu values for %d output channels", b ? b->size : 0, cout);
	ho = (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1;
	wo = (wd + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
	OP_REQUIRE(ho >= 1 && wo >= 1, "a %dx%d kernel (dilation %d) does not fit "
		     "a %dx%d input padded by %d", kh, kw, dilation, h, wd, pad);

	y = dca_tensor_new_uninit(g, n, cout, ho, wo);   /* sgemm beta 0 / direct */
	if (!y)
		return NULL;
	cg = cin / groups;
	og = cout / groups;
	kc = cg * kh * kw;
	P = ho * wo;
	hw = (size_t)h * wd;
	depthwise = groups == cin && groups == cout;
	direct = !depthwise && use_direct(groups, stride, kh, kw, pad, dilation);
	if (relu && !direct && !depthwise) {   /* no padding copy to fold it into */
		x = dca_relu(g, x);
		if (!x)
			return NULL;
		relu = 0;
	} else if (relu) {
		dca_graph_notify_relu(g, x);
	}

	if (direct) {
		if (direct_forward(g, x, w, b, pad, dilation, relu, y))
			return NULL;
	} else if (depthwise) {
		long planes = (long)n * cin;
		int wp = wd + 2 * pad;
		size_t psz = (size_t)(h + 2 * pad) * wp;
		float *scratch = dca_graph_alloc(g, (size_t)dcap_max_threads() * psz *
						    sizeof *scratch);
		if (!scratch)
			return NULL;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(static)
		for (i = 0; i < planes; i++) {
			int ci = (int)(i % cin);
			float *xp = scratch + (size_t)dcap_thread_id() * psz;
			pad_plane(x->data + i * hw, h, wd, pad, relu, xp);
			dw_forward_plane(xp, w->data + (size_t)ci * kh * kw,
					 b ? b->data[ci] : 0.0f, wp, kh, kw, stride,
					 dilation, ho, wo, y->data + i * (size_t)P);
		}
	} else {
		int pw = is_pointwise(kh, kw, stride, pad), simd = use_simd(groups);
		size_t ld = col_stride(P, simd);
		int nt = dcap_max_threads();
		float *col = NULL, *wp = NULL;
		int failed = 0;     /* a kernel could not get its tables */
		if (!pw) {
			col = dca_graph_alloc(g, (size_t)nt * kc * ld * sizeof *col);
			if (!col)
				return NULL;
		}
		if (simd) {
			wp = dca_graph_alloc(g, dcap_packed_size(cout, kc) * sizeof *wp);
			if (!wp)
				return NULL;
			dcap_pack_a(cout, kc, w->data, (size_t)kc, 1, wp);
		}
		if (simd && n < nt && P > 32) {
			if (columns_split_forward(x, wp, b, kh, kw, stride, pad, dilation,
						  col, ld, y))
				return NULL;
			goto record;
		}
#pragma omp parallel for if (n > 1) schedule(static) reduction(|:failed)
		for (i = 0; i < n; i++) {
			float *mycol = col ? col + (size_t)dcap_thread_id() * kc * ld : NULL;
			int gi;
			for (gi = 0; gi < groups; gi++) {
				const float *xg = x->data + ((size_t)i * cin + (size_t)gi * cg) * hw;
				float *yg = y->data + ((size_t)i * cout + (size_t)gi * og) * P;
				size_t ldc;
				const float *cm = columns(xg, cg, h, wd, kh, kw, stride, pad,
							  dilation, ho, wo, mycol, ld, &ldc);
				if (simd)
					failed |= dcap_gemm_pa_b(og, P, kc, wp, cm, ldc, yg,
								 P, 0) != 0;
				else
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
						    og, P, kc, 1.0f, w->data + (size_t)gi * og * kc,
						    kc, cm, (int)ldc, 0.0f, yg, P);
			}
			if (b)
				add_bias(y->data + (size_t)i * cout * P, b, cout, (size_t)P);
		}
		if (failed)
			return NULL;
	}

record:
	in[0] = x;
	in[1] = w;
	in[2] = b;
	nd = dca_graph_record(g, y, direct ? direct_backward :
			      depthwise ? dw_backward : conv_backward, in, 3);
	if (nd) {
		nd->iarg[A_STRIDE] = stride;
		nd->iarg[A_PAD] = pad;
		nd->iarg[A_DIL] = dilation;
		nd->iarg[A_GROUPS] = groups;
		nd->iarg[A_HO] = ho;
		nd->iarg[A_WO] = wo;
		nd->iarg[A_RELU] = relu;
		/* these paths write every element of dX: direct, depthwise, and
		 * (one group) pointwise; im2col's col2im adds */
		nd->assigns = direct || depthwise ||
			      (groups == 1 && is_pointwise(kh, kw, stride, pad));
	} else if (dca_any_requires_grad(in, 3)) {
		return NULL; /* recording ran out of memory */
	}
	return y;
}

dca_tensor *dca_conv2d(dca_graph *g, dca_tensor *x, dca_tensor *w, dca_tensor *b,
		       int stride, int pad, int dilation, int groups)
{
	return conv2d(g, x, w, b, stride, pad, dilation, groups, 0);
}

dca_tensor *dca_relu_conv2d(dca_graph *g, dca_tensor *x, dca_tensor *w,
			    dca_tensor *b, int stride, int pad, int dilation,
			    int groups)
{
	return conv2d(g, x, w, b, stride, pad, dilation, groups, 1);
}
