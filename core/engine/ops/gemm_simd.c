/* dcanas — small-matrix products for convolution, AVX-512 (see gemm_simd.h),
 * and the choice between them, gemm_avx2.c's and none (dcap_simd).
 *
 * dcap_gemm_pa_b: an 8 x 32 block of C lives in 16 registers; each step
 * along K loads two vectors of a B row and broadcasts 8 values of packed A.
 * dcap_gemm_a_bt: a 4 x 6 block of dot products, 24 vector accumulators
 * along K, folded into vectors of 16 sums at the end (dcap_conv_a_bt too).
 * Both run in a fixed order, so results are reproducible run to run. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/tensor.h>

#include "gemm_simd.h"

#ifdef DCAP_X86_KERNELS
#include <immintrin.h>
#endif

static int simd_state = -1;     /* DCAP_SIMD_*; -1: not decided yet */

/* the best kernels this CPU runs */
static int simd_supported(void)
{
#ifdef DCAP_X86_KERNELS
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return DCAP_SIMD_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return DCAP_SIMD_AVX2;
#endif
	return DCAP_SIMD_OFF;
}

/* the most DCANAS_SIMD allows: off (or 0), avx2, avx512 (the default);
 * another value is named in a warning, once, and ignored */
static int simd_allowed(void)
{
	static int warned;
	const char *env = getenv("DCANAS_SIMD");

	if (env && (!strcmp(env, "off") || !strcmp(env, "0")))
		return DCAP_SIMD_OFF;
	if (env && !strcmp(env, "avx2"))
		return DCAP_SIMD_AVX2;
	if (env && *env && strcmp(env, "avx512") && !warned) {
		warned = 1;
		fprintf(stderr, "dcanas: warning: DCANAS_SIMD=%.40s is not one of off, "
			"avx2, avx512; using the best kernels this CPU has\n", env);
	}
	return DCAP_SIMD_AVX512;
}

static int simd_best(void)
{
	int a = simd_allowed(), s = simd_supported();

	return a < s ? a : s;
}

int dcap_simd(void)
{
	if (simd_state < 0)
		simd_state = simd_best();
	return simd_state;
}

const char *dcap_simd_name(void)
{
	static const char *const names[] = { "blas", "avx2", "avx512" };

	return names[dcap_simd()];
}

int dca_engine_set_simd(int on)
{
	simd_state = on ? simd_best() : DCAP_SIMD_OFF;
	return simd_state;
}

size_t dcap_packed_size(int m, int k)
{
	return (size_t)(m + DCAP_MR - 1) / DCAP_MR * DCAP_MR * (size_t)k;
}

void dcap_pack_a(int m, int k, const float *a, size_t rs, size_t cs, float *ap)
{
	int p, kk, r;

	for (p = 0; p < m; p += DCAP_MR) {
		for (kk = 0; kk < k; kk++, ap += DCAP_MR)
			for (r = 0; r < DCAP_MR; r++)
				ap[r] = p + r < m ? a[(size_t)(p + r) * rs + (size_t)kk * cs] : 0.0f;
	}
}

ptrdiff_t *dcap_stride_table(ptrdiff_t *buf, size_t cap, int n, size_t step)
{
	ptrdiff_t *t = (size_t)n <= cap ? buf : malloc((size_t)n * sizeof *t);
	int i;

	if (t)
		for (i = 0; i < n; i++)
			t[i] = (ptrdiff_t)((size_t)i * step);
	return t;
}

void dcap_block_rows(const float *a, const ptrdiff_t *offs, size_t stride,
		     int r0, int n, int count, const float **rows)
{
	int i;

	for (i = 0; i < count; i++) {
		int r = r0 + (r0 + i < n ? i : n - 1 - r0);
		rows[i] = a + (offs ? offs[r] : (ptrdiff_t)((size_t)r * stride));
	}
}

#ifdef DCAP_X86_KERNELS

#define TARGET __attribute__((target("avx512f")))
#define INLINE_TARGET inline __attribute__((target("avx512f"), always_inline))

static INLINE_TARGET __mmask16 lanes(int n)
{
	return (__mmask16)dcap_lanes(n);
}

/* 16 columns at p: contiguous (split 0), or lanes 0..7 at p and 8..15 at
 * p + split (two output rows of 8). A split load reads exactly 16 floats. */
static INLINE_TARGET __m512 load_cols(const float *p, ptrdiff_t split, __mmask16 m)
{
	if (!split)
		return _mm512_maskz_loadu_ps(m, p);
	return _mm512_castpd_ps(_mm512_insertf64x4(
		_mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(p))),
		_mm256_castps_pd(_mm256_loadu_ps(p + split)), 1));
}

/* One 8 x 32 block of C: C[r][0..15] (+)= sum_k Ap[k][r] * b0[koff[k]..] and
 * C[r][16..31] the same from b1; masks m0, m1 pick the valid columns. */
static INLINE_TARGET void block_pa(const float *a, int k, const ptrdiff_t *koff,
				   ptrdiff_t split, const float *b0, const float *b1,
				   __mmask16 m0, __mmask16 m1, float *c0, float *c1,
				   size_t ldc, int rows, int accumulate)
{
	__m512 acc[DCAP_MR][2];
	int kk, r;

#pragma GCC unroll 8
	for (r = 0; r < DCAP_MR; r++)
		acc[r][0] = acc[r][1] = _mm512_setzero_ps();
	for (kk = 0; kk < k; kk++, a += DCAP_MR) {
		__m512 v0 = load_cols(b0 + koff[kk], split, m0);
		__m512 v1 = load_cols(b1 + koff[kk], split, m1);
#pragma GCC unroll 8
		for (r = 0; r < DCAP_MR; r++) {
			__m512 av = _mm512_set1_ps(a[r]);
			acc[r][0] = _mm512_fmadd_ps(av, v0, acc[r][0]);
			acc[r][1] = _mm512_fmadd_ps(av, v1, acc[r][1]);
		}
	}
#pragma GCC unroll 8
	for (r = 0; r < DCAP_MR; r++) {
		float *cr0 = c0 + (size_t)r * ldc, *cr1 = c1 + (size_t)r * ldc;
		if (r >= rows)
			break;
		if (accumulate) {
			acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, cr0));
			acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, cr1));
		}
		_mm512_mask_storeu_ps(cr0, m0, acc[r][0]);
		_mm512_mask_storeu_ps(cr1, m1, acc[r][1]);
	}
}

static TARGET int gemm_pa_b_512(int m, int n, int k, const float *ap, const float *b,
				size_t ldb, float *c, size_t ldc, int accumulate)
{
	ptrdiff_t buf[DCAP_TABLE_CAP], *koff = dcap_stride_table(buf, DCAP_TABLE_CAP, k, ldb);
	int n0, p;

	if (!koff)
		return -1; /* a K past DCAP_TABLE_CAP and no memory for its table */
	for (n0 = 0; n0 < n; n0 += 32) {
		__mmask16 m0 = lanes(n - n0), m1 = lanes(n - n0 - 16);
		for (p = 0; p < m; p += DCAP_MR)
			block_pa(ap + (size_t)p * k, k, koff, 0, b + n0, b + n0 + 16, m0, m1,
				 c + (size_t)p * ldc + n0, c + (size_t)p * ldc + n0 + 16,
				 ldc, m - p < DCAP_MR ? m - p : DCAP_MR, accumulate);
	}
	if (koff != buf)
		free(koff);
	return 0;
}

/* the vectors of one dcap_conv_pa call, split a constant after inlining */
static INLINE_TARGET void conv_pa_body(int m, const dcap_vectors *vs, int k,
				       const float *ap, const float *base,
				       const ptrdiff_t *koff, ptrdiff_t split,
				       float *c, size_t ldc, int accumulate)
{
	int v, p;

	for (v = 0; v < vs->n; v += 2) {
		/* a lone last vector is computed twice and stored once */
		int w = v + 1 < vs->n ? v + 1 : v;
		__mmask16 m1 = w > v ? vs->mask[w] : 0;
		for (p = 0; p < m; p += DCAP_MR)
			block_pa(ap + (size_t)p * k, k, koff, split, base + vs->in[v],
				 base + vs->in[w], vs->mask[v], m1,
				 c + (size_t)p * ldc + vs->out[v],
				 c + (size_t)p * ldc + vs->out[w], ldc,
				 m - p < DCAP_MR ? m - p : DCAP_MR, accumulate);
	}
}

static TARGET void conv_pa_512(int m, const dcap_vectors *vs, int k, const float *ap,
			       const float *base, const ptrdiff_t *koff, float *c,
			       size_t ldc, int accumulate)
{
	if (vs->split)
		conv_pa_body(m, vs, k, ap, base, koff, vs->split, c, ldc, accumulate);
	else
		conv_pa_body(m, vs, k, ap, base, koff, 0, c, ldc, accumulate);
}

/* Sums (x, y) by 128-bit quarters: [x.q0+x.q2, x.q1+x.q3, y.q0+y.q2, y.q1+y.q3]. */
static INLINE_TARGET __m512 fold_halves(__m512 x, __m512 y)
{
	return _mm512_add_ps(_mm512_shuffle_f32x4(x, y, 0x44),
			     _mm512_shuffle_f32x4(x, y, 0xee));
}

/* From two fold_halves results of (x, y) and (z, u): quarter q holds the
 * four-float quarter sum of [x, y, z, u][q]. */
static INLINE_TARGET __m512 fold_quarters(__m512 v, __m512 w)
{
	return _mm512_add_ps(_mm512_shuffle_f32x4(v, w, 0x88),
			     _mm512_shuffle_f32x4(v, w, 0xdd));
}

/* x0..x15 -> one vector whose lane 4 * (f % 4) + f / 4 is the sum of xf. */
static INLINE_TARGET __m512 sum16(__m512 x0, __m512 x1, __m512 x2, __m512 x3,
				  __m512 x4, __m512 x5, __m512 x6, __m512 x7,
				  __m512 x8, __m512 x9, __m512 x10, __m512 x11,
				  __m512 x12, __m512 x13, __m512 x14, __m512 x15)
{
	__m512 r0 = fold_quarters(fold_halves(x0, x1), fold_halves(x2, x3));
	__m512 r1 = fold_quarters(fold_halves(x4, x5), fold_halves(x6, x7));
	__m512 r2 = fold_quarters(fold_halves(x8, x9), fold_halves(x10, x11));
	__m512 r3 = fold_quarters(fold_halves(x12, x13), fold_halves(x14, x15));
	/* quarter q of r[t] now holds 4 partial sums of x(4t + q) */
	__m512 s01 = _mm512_add_ps(_mm512_unpacklo_ps(r0, r1), _mm512_unpackhi_ps(r0, r1));
	__m512 s23 = _mm512_add_ps(_mm512_unpacklo_ps(r2, r3), _mm512_unpackhi_ps(r2, r3));
	__m512 u0 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(s01),
							_mm512_castps_pd(s23)));
	__m512 u1 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(s01),
							_mm512_castps_pd(s23)));
	return _mm512_add_ps(u0, u1);
}

/* a row of a 4 x 6 block: accumulators += A row . (B0..B5) */
#define DOT_ROW(arow, x0, x1, x2, x3, x4, x5)                               \
	do {                                                                \
		__m512 av = _mm512_maskz_loadu_ps(mk, arow + vs->out[t]);   \
		x0 = _mm512_fmadd_ps(av, v0, x0);                           \
		x1 = _mm512_fmadd_ps(av, v1, x1);                           \
		x2 = _mm512_fmadd_ps(av, v2, x2);                           \
		x3 = _mm512_fmadd_ps(av, v3, x3);                           \
		x4 = _mm512_fmadd_ps(av, v4, x4);                           \
		x5 = _mm512_fmadd_ps(av, v5, x5);                           \
	} while (0)

#define DOT_MR 4    /* rows of A per block */
#define DOT_NR 6    /* rows of B per block */

/* C[i][j] += sum over the vectors t and their lanes of
 * A_i[out[t]..] * B_j[in[t]..], over ns samples, for a 4 x 6 block
 * (i < mi, j < nj); ar, br: row pointers (rows past mi, nj repeat).
 * 24 accumulators: 10 loads feed 24 FMAs. */
static INLINE_TARGET void block_dot(const float *const *ar, const float *const *br,
				   const dcap_vectors *vs, ptrdiff_t split, int ns,
				   ptrdiff_t astep, ptrdiff_t bstep, float *c,
				   size_t ldc, int mi, int nj)
{
	/* y<i><j>: row i, column j of the block */
	__m512 y00 = _mm512_setzero_ps(), y01 = y00, y02 = y00, y03 = y00;
	__m512 y04 = y00, y05 = y00, y10 = y00, y11 = y00, y12 = y00, y13 = y00;
	__m512 y14 = y00, y15 = y00, y20 = y00, y21 = y00, y22 = y00, y23 = y00;
	__m512 y24 = y00, y25 = y00, y30 = y00, y31 = y00, y32 = y00, y33 = y00;
	__m512 y34 = y00, y35 = y00, z = y00;
	float lo[16], hi[16];
	int sn, t, i, j;

	/* samples sn < ns add up before the one fold into sums */
	for (sn = 0; sn < ns; sn++) {
		const float *a0 = ar[0] + sn * astep, *a1 = ar[1] + sn * astep;
		const float *a2 = ar[2] + sn * astep, *a3 = ar[3] + sn * astep;
		const float *b0 = br[0] + sn * bstep, *b1 = br[1] + sn * bstep;
		const float *b2 = br[2] + sn * bstep, *b3 = br[3] + sn * bstep;
		const float *b4 = br[4] + sn * bstep, *b5 = br[5] + sn * bstep;
		for (t = 0; t < vs->n; t++) {
			__mmask16 mk = vs->mask[t];
			ptrdiff_t o = vs->in[t];
			__m512 v0 = load_cols(b0 + o, split, mk);
			__m512 v1 = load_cols(b1 + o, split, mk);
			__m512 v2 = load_cols(b2 + o, split, mk);
			__m512 v3 = load_cols(b3 + o, split, mk);
			__m512 v4 = load_cols(b4 + o, split, mk);
			__m512 v5 = load_cols(b5 + o, split, mk);
			DOT_ROW(a0, y00, y01, y02, y03, y04, y05);
			DOT_ROW(a1, y10, y11, y12, y13, y14, y15);
			DOT_ROW(a2, y20, y21, y22, y23, y24, y25);
			DOT_ROW(a3, y30, y31, y32, y33, y34, y35);
		}
	}
	/* columns 0..3: f = 4 * i + j; columns 4, 5: f = 2 * i + j - 4;
	 * sum16 puts accumulator f in lane 4 * (f % 4) + f / 4 */
	_mm512_storeu_ps(lo, sum16(y00, y01, y02, y03, y10, y11, y12, y13,
				   y20, y21, y22, y23, y30, y31, y32, y33));
	_mm512_storeu_ps(hi, sum16(y04, y05, y14, y15, y24, y25, y34, y35,
				   z, z, z, z, z, z, z, z));
	for (i = 0; i < mi; i++)
		for (j = 0; j < nj; j++) {
			int f = j < 4 ? 4 * i + j : 2 * i + j - 4;
			c[(size_t)i * ldc + j] += (j < 4 ? lo : hi)[4 * (f % 4) + f / 4];
		}
}


static TARGET int gemm_a_bt_512(int m, int n, int k, const float *a, size_t lda,
				const float *b, size_t ldb, float *c, size_t ldc)
{
	int nt = (k + 15) / 16, m0, n0, t;
	ptrdiff_t buf[DCAP_TABLE_CAP], *off = dcap_stride_table(buf, DCAP_TABLE_CAP, nt, 16);
	unsigned short mbuf[DCAP_TABLE_CAP], *mask = nt <= DCAP_TABLE_CAP ? mbuf :
						malloc((size_t)nt * sizeof *mask);
	dcap_vectors vs;

	if (!off || !mask) {
		/* a K past 16 * DCAP_TABLE_CAP and no memory for its tables */
		if (off && off != buf)
			free(off);
		if (mask && mask != mbuf)
			free(mask);
		return -1;
	}
	/* rows of A and B alike: vectors of 16 along K, the last one partial */
	for (t = 0; t < nt; t++)
		mask[t] = lanes(k - 16 * t);
	vs.n = nt;
	vs.in = vs.out = off;
	vs.mask = mask;
	vs.split = 0;
	for (m0 = 0; m0 < m; m0 += DOT_MR) {
		const float *ar[DOT_MR], *br[DOT_NR];
		dcap_block_rows(a, NULL, lda, m0, m, DOT_MR, ar);
		for (n0 = 0; n0 < n; n0 += DOT_NR) {
			dcap_block_rows(b, NULL, ldb, n0, n, DOT_NR, br);
			block_dot(ar, br, &vs, 0, 1, 0, 0, c + (size_t)m0 * ldc + n0, ldc,
				  m - m0 < DOT_MR ? m - m0 : DOT_MR,
				  n - n0 < DOT_NR ? n - n0 : DOT_NR);
		}
	}
	if (off != buf)
		free(off);
	if (mask != mbuf)
		free(mask);
	return 0;
}

static INLINE_TARGET void conv_a_bt_body(int m, int n, const dcap_vectors *vs,
					 int ns, const float *a, size_t lda,
					 ptrdiff_t astep, const float *base,
					 ptrdiff_t bstep, const ptrdiff_t *koff,
					 ptrdiff_t split, float *c, size_t ldc)
{
	int m0, n0;

	for (m0 = 0; m0 < m; m0 += DOT_MR) {
		const float *ar[DOT_MR], *br[DOT_NR];
		dcap_block_rows(a, NULL, lda, m0, m, DOT_MR, ar);
		for (n0 = 0; n0 < n; n0 += DOT_NR) {
			dcap_block_rows(base, koff, 0, n0, n, DOT_NR, br);
			block_dot(ar, br, vs, split, ns, astep, bstep,
				  c + (size_t)m0 * ldc + n0, ldc,
				  m - m0 < DOT_MR ? m - m0 : DOT_MR,
				  n - n0 < DOT_NR ? n - n0 : DOT_NR);
		}
	}
}

static TARGET void conv_a_bt_512(int m, int n, const dcap_vectors *vs, int ns,
				 const float *a, size_t lda, ptrdiff_t astep,
				 const float *base, ptrdiff_t bstep, const ptrdiff_t *koff,
				 float *c, size_t ldc)
{
	if (vs->split)
		conv_a_bt_body(m, n, vs, ns, a, lda, astep, base, bstep, koff,
			       vs->split, c, ldc);
	else
		conv_a_bt_body(m, n, vs, ns, a, lda, astep, base, bstep, koff, 0,
			       c, ldc);
}

/* the kernels dcap_simd() chose (callers call these only when it chose) */
int dcap_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
		  size_t ldb, float *c, size_t ldc, int accumulate)
{
	if (dcap_simd() == DCAP_SIMD_AVX2)
		return dcap_avx2_gemm_pa_b(m, n, k, ap, b, ldb, c, ldc, accumulate);
	return gemm_pa_b_512(m, n, k, ap, b, ldb, c, ldc, accumulate);
}

int dcap_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
		  const float *b, size_t ldb, float *c, size_t ldc)
{
	if (dcap_simd() == DCAP_SIMD_AVX2)
		return dcap_avx2_gemm_a_bt(m, n, k, a, lda, b, ldb, c, ldc);
	return gemm_a_bt_512(m, n, k, a, lda, b, ldb, c, ldc);
}

int dcap_conv_pa(int m, const dcap_vectors *vs, int k, const float *ap,
		const float *base, const ptrdiff_t *koff, float *c, size_t ldc,
		int accumulate)
{
	if (dcap_simd() == DCAP_SIMD_AVX2)
		return dcap_avx2_conv_pa(m, vs, k, ap, base, koff, c, ldc, accumulate);
	conv_pa_512(m, vs, k, ap, base, koff, c, ldc, accumulate);
	return 0;
}

int dcap_conv_a_bt(int m, int n, const dcap_vectors *vs, int ns, const float *a,
		  size_t lda, ptrdiff_t astep, const float *base, ptrdiff_t bstep,
		  const ptrdiff_t *koff, float *c, size_t ldc)
{
	if (dcap_simd() == DCAP_SIMD_AVX2)
		return dcap_avx2_conv_a_bt(m, n, vs, ns, a, lda, astep, base, bstep,
					   koff, c, ldc);
	conv_a_bt_512(m, n, vs, ns, a, lda, astep, base, bstep, koff, c, ldc);
	return 0;
}

#else /* no x86 kernels on this target: plain loops, never the fast path */

int dcap_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
		   size_t ldb, float *c, size_t ldc, int accumulate)
{
	int i, j, kk;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			const float *a = ap + (size_t)(i / DCAP_MR) * DCAP_MR * k + i % DCAP_MR;
			float s = accumulate ? c[(size_t)i * ldc + j] : 0.0f;
			for (kk = 0; kk < k; kk++)
				s += a[(size_t)kk * DCAP_MR] * b[(size_t)kk * ldb + j];
			c[(size_t)i * ldc + j] = s;
		}
	return 0;
}

int dcap_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
		   const float *b, size_t ldb, float *c, size_t ldc)
{
	int i, j, kk;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			float s = 0;
			for (kk = 0; kk < k; kk++)
				s += a[(size_t)i * lda + kk] * b[(size_t)j * ldb + kk];
			c[(size_t)i * ldc + j] += s;
		}
	return 0;
}


/* lane l of a vector at offset o, for a split (see load_cols) or not */
static ptrdiff_t lane_at(ptrdiff_t o, ptrdiff_t split, int l)
{
	return split && l >= 8 ? o + split + l - 8 : o + l;
}

int dcap_conv_pa(int m, const dcap_vectors *vs, int k, const float *ap,
		 const float *base, const ptrdiff_t *koff, float *c, size_t ldc,
		 int accumulate)
{
	int i, v, l, kk;

	for (i = 0; i < m; i++)
		for (v = 0; v < vs->n; v++)
			for (l = 0; l < 16; l++) {
				const float *a = ap + (size_t)(i / DCAP_MR) * DCAP_MR * k + i % DCAP_MR;
				float *cv = c + (size_t)i * ldc + vs->out[v] + l;
				float s = accumulate ? *cv : 0.0f;
				if (!(vs->mask[v] >> l & 1))
					continue;
				for (kk = 0; kk < k; kk++)
					s += a[(size_t)kk * DCAP_MR] *
					     base[lane_at(vs->in[v] + koff[kk], vs->split, l)];
				*cv = s;
			}
	return 0;
}

int dcap_conv_a_bt(int m, int n, const dcap_vectors *vs, int ns, const float *a,
		   size_t lda, ptrdiff_t astep, const float *base, ptrdiff_t bstep,
		   const ptrdiff_t *koff, float *c, size_t ldc)
{
	int i, j, t, l, sn;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			float s = 0;
			for (sn = 0; sn < ns; sn++)
				for (t = 0; t < vs->n; t++)
					for (l = 0; l < 16; l++)
						if (vs->mask[t] >> l & 1)
							s += a[sn * astep + (ptrdiff_t)i * lda +
							       vs->out[t] + l] *
							     base[sn * bstep +
								  lane_at(koff[j] + vs->in[t],
									  vs->split, l)];
			c[(size_t)i * ldc + j] += s;
		}
	return 0;
}

#endif
