/* dcanas — the convolution kernels of gemm_simd.c for CPUs with AVX2 and
 * FMA but no AVX-512 (AMD Zen 2/3, most Intel client CPUs), or any CPU
 * with DCANAS_SIMD=avx2. Same operands and vectors of 16 outputs, taken
 * here as halves of 8 lanes (a split vector's halves are its two output
 * rows; a half with no lane is skipped). AVX2 has 16 registers of 8 floats:
 *   pa (C (+)= packed A * columns): 4 rows x 3 halves, 12 accumulators,
 *   3 loads and 4 broadcasts per 12 FMAs along K;
 *   dot (C += A . B along the halves): 3 x 4 dot products, 12
 *   accumulators folded in a fixed order at the end.
 * Results are reproducible run to run and across thread counts, like the
 * AVX-512 path's (whose roundings differ). */
#include "config.h"

#include <stdlib.h>

#include "gemm_simd.h"

#ifdef DCAP_X86_KERNELS

#include <immintrin.h>

#define INLINE_TARGET inline __attribute__((target("avx2,fma"), always_inline))
#define TARGET __attribute__((target("avx2,fma")))

/* one half of a vector: its first column (input) and output offsets and
 * its lanes (bits 0..7) */
typedef struct half {
	ptrdiff_t in, out;
	unsigned mask;
} half;

#define HALF_CAP 512

/* the halves of vs with at least one lane, in order, in buf when it holds
 * them (else on the heap; NULL when that fails) */
static half *halves_of(const dcap_vectors *vs, half *buf, int *count)
{
	half *h = 2 * (size_t)vs->n <= HALF_CAP ? buf : malloc(2 * (size_t)vs->n * sizeof *h);
	int v, n = 0;

	if (!h)
		return NULL;
	for (v = 0; v < vs->n; v++) {
		unsigned lo = vs->mask[v] & 0xffu, hi = vs->mask[v] >> 8;
		if (lo)
			h[n++] = (half){ vs->in[v], vs->out[v], lo };
		if (hi)
			h[n++] = (half){ vs->in[v] + (vs->split ? vs->split : 8),
					 vs->out[v] + 8, hi };
	}
	*count = n;
	return h;
}

/* the halves of n contiguous columns from 0 */
static half *halves_along(int n, half *buf, int *count)
{
	int nh = (n + 7) / 8, i;
	half *h = nh <= HALF_CAP ? buf : malloc((size_t)nh * sizeof *h);

	if (!h)
		return NULL;
	for (i = 0; i < nh; i++) {
		int left = n - 8 * i;
		h[i] = (half){ 8 * i, 8 * i, left >= 8 ? 0xffu : (1u << left) - 1 };
	}
	*count = nh;
	return h;
}

/* lanes i < 8 of bits */
static INLINE_TARGET __m256i lane_mask(unsigned bits)
{
	const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);

	return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), sel), sel);
}

static INLINE_TARGET __m256 load8(const float *p, int full, __m256i m)
{
	return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

static INLINE_TARGET void store8(float *p, int full, __m256i m, __m256 v)
{
	if (full)
		_mm256_storeu_ps(p, v);
	else
		_mm256_maskstore_ps(p, m, v);
}

/* row r of a block: C[r][h.out..] (+)= x (x: the row's accumulators) */
static INLINE_TARGET void store_row(float *cr, const half *h, int nh, int full,
				    __m256i m0, __m256i m1, __m256i m2, __m256 x0,
				    __m256 x1, __m256 x2, int accumulate)
{
	float *p0 = cr + h[0].out;

	if (accumulate)
		x0 = _mm256_add_ps(x0, load8(p0, full, m0));
	store8(p0, full, m0, x0);
	if (nh > 1) {
		float *p1 = cr + h[1].out;
		if (accumulate)
			x1 = _mm256_add_ps(x1, load8(p1, full, m1));
		store8(p1, full, m1, x1);
	}
	if (nh > 2) {
		float *p2 = cr + h[2].out;
		if (accumulate)
			x2 = _mm256_add_ps(x2, load8(p2, full, m2));
		store8(p2, full, m2, x2);
	}
}

/* row r of block_pa's step: A[k][r0 + r] times the three halves of B */
#define PA_ROW(r)                                                           \
	do {                                                                \
		__m256 av = _mm256_broadcast_ss(ar + r);                    \
		x##r##0 = _mm256_fmadd_ps(av, b0, x##r##0);                 \
		x##r##1 = _mm256_fmadd_ps(av, b1, x##r##1);                 \
		x##r##2 = _mm256_fmadd_ps(av, b2, x##r##2);                 \
	} while (0)

/* rows r0..r0+3 (those below `rows`) of a panel of packed A (k x DCAP_MR)
 * times three halves h[0..2] of columns at base + h.in + koff[k], into C
 * at c + row * ldc + h.out; full: every lane of the three valid. A group
 * with fewer halves repeats its last (computed again, stored once). The
 * 12 accumulators are named, not an array, so they stay in registers. */
static INLINE_TARGET void block_pa(const float *a, int k, const ptrdiff_t *koff,
				   const float *base, const half *h, int nh, int full,
				   float *c, size_t ldc, int r0, int rows, int accumulate)
{
	const half *h1 = nh > 1 ? h + 1 : h, *h2 = nh > 2 ? h + 2 : h1;
	const float *p0 = base + h[0].in, *p1 = base + h1->in, *p2 = base + h2->in;
	__m256i m0 = lane_mask(h[0].mask), m1 = lane_mask(h1->mask), m2 = lane_mask(h2->mask);
	__m256 x00 = _mm256_setzero_ps(), x01 = x00, x02 = x00, x10 = x00, x11 = x00;
	__m256 x12 = x00, x20 = x00, x21 = x00, x22 = x00, x30 = x00, x31 = x00, x32 = x00;
	const float *ar = a + r0;
	int kk;

	for (kk = 0; kk < k; kk++, ar += DCAP_MR) {
		ptrdiff_t o = koff[kk];
		__m256 b0 = load8(p0 + o, full, m0), b1 = load8(p1 + o, full, m1);
		__m256 b2 = load8(p2 + o, full, m2);

		PA_ROW(0);
		PA_ROW(1);
		PA_ROW(2);
		PA_ROW(3);
	}
	c += (size_t)r0 * ldc;
	store_row(c, h, nh, full, m0, m1, m2, x00, x01, x02, accumulate);
	if (r0 + 1 < rows)
		store_row(c + ldc, h, nh, full, m0, m1, m2, x10, x11, x12, accumulate);
	if (r0 + 2 < rows)
		store_row(c + 2 * ldc, h, nh, full, m0, m1, m2, x20, x21, x22, accumulate);
	if (r0 + 3 < rows)
		store_row(c + 3 * ldc, h, nh, full, m0, m1, m2, x30, x31, x32, accumulate);
}

/* C (m rows, ldc apart) (+)= Ap * the columns of the halves */
static INLINE_TARGET void halves_pa(int m, int k, const float *ap, const ptrdiff_t *koff,
				    const float *base, const half *h, int nh, float *c,
				    size_t ldc, int accumulate)
{
	int g, p, r0;

	for (g = 0; g < nh; g += 3) {
		int n = nh - g < 3 ? nh - g : 3;
		int full = h[g].mask == 0xff && h[g + n - 1].mask == 0xff &&
			   h[g + (n > 1)].mask == 0xff;
		for (p = 0; p < m; p += DCAP_MR) {
			int rows = m - p < DCAP_MR ? m - p : DCAP_MR;
			for (r0 = 0; r0 < rows; r0 += 4) {
				if (full)
					block_pa(ap + (size_t)p * k, k, koff, base, h + g, n, 1,
						 c + (size_t)p * ldc, ldc, r0, rows, accumulate);
				else
					block_pa(ap + (size_t)p * k, k, koff, base, h + g, n, 0,
						 c + (size_t)p * ldc, ldc, r0, rows, accumulate);
			}
		}
	}
}

TARGET int dcap_avx2_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
				size_t ldb, float *c, size_t ldc, int accumulate)
{
	ptrdiff_t buf[DCAP_TABLE_CAP], *koff = dcap_stride_table(buf, DCAP_TABLE_CAP, k, ldb);
	half hbuf[HALF_CAP], *h;
	int nh;

	h = halves_along(n, hbuf, &nh);
	if (koff && h)
		halves_pa(m, k, ap, koff, b, h, nh, c, ldc, accumulate);
	if (koff && koff != buf)
		free(koff);
	if (h && h != hbuf)
		free(h);
	/* else tables past their buffers, and no memory for them */
	return koff && h ? 0 : -1;
}

TARGET int dcap_avx2_conv_pa(int m, const dcap_vectors *vs, int k, const float *ap,
			     const float *base, const ptrdiff_t *koff, float *c,
			     size_t ldc, int accumulate)
{
	half hbuf[HALF_CAP], *h;
	int nh;

	h = halves_of(vs, hbuf, &nh);
	if (!h)
		return -1; /* a plane past HALF_CAP halves and no memory for them */
	halves_pa(m, k, ap, koff, base, h, nh, c, ldc, accumulate);
	if (h != hbuf)
		free(h);
	return 0;
}

/* the sum of x's 8 lanes, in a fixed order */
static INLINE_TARGET float hsum(__m256 x)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

#define DOT_MR 3    /* rows of A per block */
#define DOT_NR 4    /* rows of B per block */

/* one half (at ao in A's rows, bo in B's) into the 3 x 4 accumulators:
 * B row j against the three A rows */
#define DOT_COL(j, full, m)                                                 \
	do {                                                                \
		__m256 b = load8(br[j] + bo, full, m);                      \
		y0##j = _mm256_fmadd_ps(a0, b, y0##j);                      \
		y1##j = _mm256_fmadd_ps(a1, b, y1##j);                      \
		y2##j = _mm256_fmadd_ps(a2, b, y2##j);                      \
	} while (0)
#define DOT_STEP(full, m)                                                   \
	do {                                                                \
		__m256 a0 = load8(ar[0] + ao, full, m);                     \
		__m256 a1 = load8(ar[1] + ao, full, m);                     \
		__m256 a2 = load8(ar[2] + ao, full, m);                     \
		DOT_COL(0, full, m);                                        \
		DOT_COL(1, full, m);                                        \
		DOT_COL(2, full, m);                                        \
		DOT_COL(3, full, m);                                        \
	} while (0)

/* C[i][j] += sum over ns samples and the halves of A_i[out + lane] *
 * B_j[in + lane], for a 3 x 4 block (i < mi, j < nj); ar, br: row
 * pointers (rows past mi, nj repeat). Named accumulators, as above. */
static INLINE_TARGET void block_dot(const float *const *ar, const float *const *br,
				    const half *h, int nh, int ns, ptrdiff_t astep,
				    ptrdiff_t bstep, float *c, size_t ldc, int mi, int nj)
{
	__m256 y00 = _mm256_setzero_ps(), y01 = y00, y02 = y00, y03 = y00;
	__m256 y10 = y00, y11 = y00, y12 = y00, y13 = y00;
	__m256 y20 = y00, y21 = y00, y22 = y00, y23 = y00;
	float sums[DOT_MR][DOT_NR];
	int sn, t, i, j;

	/* whole halves first, then those with missing lanes (two loops: the
	 * masked loads' register is needed only in the second) */
	for (sn = 0; sn < ns; sn++)
		for (t = 0; t < nh; t++)
			if (h[t].mask == 0xff) {
				ptrdiff_t ao = sn * astep + h[t].out, bo = sn * bstep + h[t].in;
				DOT_STEP(1, _mm256_setzero_si256());
			}
	for (sn = 0; sn < ns; sn++)
		for (t = 0; t < nh; t++)
			if (h[t].mask != 0xff) {
				ptrdiff_t ao = sn * astep + h[t].out, bo = sn * bstep + h[t].in;
				__m256i m = lane_mask(h[t].mask);
				DOT_STEP(0, m);
			}
	sums[0][0] = hsum(y00); sums[0][1] = hsum(y01); sums[0][2] = hsum(y02); sums[0][3] = hsum(y03);
	sums[1][0] = hsum(y10); sums[1][1] = hsum(y11); sums[1][2] = hsum(y12); sums[1][3] = hsum(y13);
	sums[2][0] = hsum(y20); sums[2][1] = hsum(y21); sums[2][2] = hsum(y22); sums[2][3] = hsum(y23);
	for (i = 0; i < mi; i++)
		for (j = 0; j < nj; j++)
			c[(size_t)i * ldc + j] += sums[i][j];
}

static INLINE_TARGET void dot_blocks(int m, int n, const half *h, int nh, int ns,
				     const float *a, size_t lda, ptrdiff_t astep,
				     const float *b, const ptrdiff_t *boff, size_t ldb,
				     ptrdiff_t bstep, float *c, size_t ldc)
{
	int m0, n0;

	for (m0 = 0; m0 < m; m0 += DOT_MR) {
		const float *ar[DOT_MR], *br[DOT_NR];
		dcap_block_rows(a, NULL, lda, m0, m, DOT_MR, ar);
		for (n0 = 0; n0 < n; n0 += DOT_NR) {
			dcap_block_rows(b, boff, ldb, n0, n, DOT_NR, br);
			block_dot(ar, br, h, nh, ns, astep, bstep, c + (size_t)m0 * ldc + n0,
				  ldc, m - m0 < DOT_MR ? m - m0 : DOT_MR,
				  n - n0 < DOT_NR ? n - n0 : DOT_NR);
		}
	}
}

TARGET int dcap_avx2_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
				const float *b, size_t ldb, float *c, size_t ldc)
{
	half hbuf[HALF_CAP], *h;
	int nh;

	h = halves_along(k, hbuf, &nh);
	if (!h)
		return -1; /* a K past 8 * HALF_CAP and no memory for its table */
	dot_blocks(m, n, h, nh, 1, a, lda, 0, b, NULL, ldb, 0, c, ldc);
	if (h != hbuf)
		free(h);
	return 0;
}

TARGET int dcap_avx2_conv_a_bt(int m, int n, const dcap_vectors *vs, int ns,
				const float *a, size_t lda, ptrdiff_t astep,
				const float *base, ptrdiff_t bstep, const ptrdiff_t *koff,
				float *c, size_t ldc)
{
	half hbuf[HALF_CAP], *h;
	int nh;

	h = halves_of(vs, hbuf, &nh);
	if (!h)
		return -1; /* a plane past HALF_CAP halves and no memory for them */
	dot_blocks(m, n, h, nh, ns, a, lda, astep, base, koff, 0, bstep, c, ldc);
	if (h != hbuf)
		free(h);
	return 0;
}

#endif /* DCAP_X86_KERNELS */
