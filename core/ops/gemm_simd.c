/* dcanas — small-matrix products for convolution, AVX-512 (see gemm_simd.h).
 *
 * dcap_gemm_pa_b: an 8 x 32 block of C lives in 16 registers; each step
 * along K loads two vectors of a B row and broadcasts 8 values of packed A.
 * dcap_gemm_a_bt: an 8 x 2 block of dot products, 16 vector accumulators
 * along K, folded into one vector of 16 sums at the end.
 * Both run in a fixed order, so results are reproducible run to run. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dcanas/tensor.h>

#include "gemm_simd.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512_KERNELS 1
#include <immintrin.h>
#endif

static int simd_state = -1;     /* -1: not decided yet */

static int simd_supported(void)
{
#ifdef HAVE_AVX512_KERNELS
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
#else
	return 0;
#endif
}

int dcap_simd(void)
{
	if (simd_state < 0) {
		const char *env = getenv("DCANAS_SIMD");
		int off = env && (!strcmp(env, "off") || !strcmp(env, "0"));
		simd_state = !off && simd_supported();
	}
	return simd_state;
}

int dca_engine_set_simd(int on)
{
	simd_state = on && simd_supported();
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

#ifdef HAVE_AVX512_KERNELS

#define TARGET __attribute__((target("avx512f")))
#define INLINE_TARGET inline __attribute__((target("avx512f"), always_inline))

static INLINE_TARGET __mmask16 lanes(int n)
{
	return n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

TARGET void dcap_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
			   size_t ldb, float *c, size_t ldc, int accumulate)
{
	int n0, p, kk, r;

	for (n0 = 0; n0 < n; n0 += 32) {
		__mmask16 m0 = lanes(n - n0), m1 = lanes(n - n0 - 16);
		for (p = 0; p < m; p += DCAP_MR) {
			const float *a = ap + (size_t)p * k;
			const float *bk = b + n0;
			__m512 acc[DCAP_MR][2];
			int rows = m - p < DCAP_MR ? m - p : DCAP_MR;
#pragma GCC unroll 8
			for (r = 0; r < DCAP_MR; r++)
				acc[r][0] = acc[r][1] = _mm512_setzero_ps();
			for (kk = 0; kk < k; kk++, bk += ldb, a += DCAP_MR) {
				__m512 b0 = _mm512_maskz_loadu_ps(m0, bk);
				__m512 b1 = _mm512_maskz_loadu_ps(m1, bk + 16);
#pragma GCC unroll 8
				for (r = 0; r < DCAP_MR; r++) {
					__m512 av = _mm512_set1_ps(a[r]);
					acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
					acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
				}
			}
#pragma GCC unroll 8
			for (r = 0; r < DCAP_MR; r++) {
				float *cr = c + (size_t)(p + r) * ldc + n0;
				if (r >= rows)
					break;
				if (accumulate) {
					acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, cr));
					acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, cr + 16));
				}
				_mm512_mask_storeu_ps(cr, m0, acc[r][0]);
				_mm512_mask_storeu_ps(cr + 16, m1, acc[r][1]);
			}
		}
	}
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

/* row r of the 8 x 2 block: acc r0, r1 += A row r . (B row 0, B row 1) */
#define DOT_ROW(r, x0, x1)                                                  \
	do {                                                                \
		__m512 av = _mm512_maskz_loadu_ps(mk, ar[r] + kk);          \
		x0 = _mm512_fmadd_ps(av, v0, x0);                           \
		x1 = _mm512_fmadd_ps(av, v1, x1);                           \
	} while (0)

TARGET void dcap_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
			   const float *b, size_t ldb, float *c, size_t ldc)
{
	int m0, n0, kk, i, j;

	/* 8 rows of A stay in L1 while pairs of B rows stream past them */
	for (m0 = 0; m0 < m; m0 += 8) {
		const float *ar[8];
		int mi = m - m0 < 8 ? m - m0 : 8;
		for (i = 0; i < 8; i++)   /* rows past the end repeat the last one */
			ar[i] = a + (size_t)(m0 + (i < mi ? i : mi - 1)) * lda;
		for (n0 = 0; n0 < n; n0 += 2) {
			const float *b0 = b + (size_t)n0 * ldb;
			const float *b1 = n0 + 1 < n ? b0 + ldb : b0;
			/* xf: f = 2 * row + column of the block */
			__m512 x0 = _mm512_setzero_ps(), x1 = x0, x2 = x0, x3 = x0;
			__m512 x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0;
			__m512 x10 = x0, x11 = x0, x12 = x0, x13 = x0, x14 = x0, x15 = x0;
			float out[16];
			for (kk = 0; kk < k; kk += 16) {
				__mmask16 mk = lanes(k - kk);
				__m512 v0 = _mm512_maskz_loadu_ps(mk, b0 + kk);
				__m512 v1 = _mm512_maskz_loadu_ps(mk, b1 + kk);
				DOT_ROW(0, x0, x1);
				DOT_ROW(1, x2, x3);
				DOT_ROW(2, x4, x5);
				DOT_ROW(3, x6, x7);
				DOT_ROW(4, x8, x9);
				DOT_ROW(5, x10, x11);
				DOT_ROW(6, x12, x13);
				DOT_ROW(7, x14, x15);
			}
			_mm512_storeu_ps(out, sum16(x0, x1, x2, x3, x4, x5, x6, x7, x8,
						    x9, x10, x11, x12, x13, x14, x15));
			for (i = 0; i < mi; i++)
				for (j = 0; j < 2 && n0 + j < n; j++) {
					int f = 2 * i + j;
					c[(size_t)(m0 + i) * ldc + n0 + j] += out[4 * (f % 4) + f / 4];
				}
		}
	}
}

#else /* no AVX-512 kernels on this target: plain loops, never the fast path */

void dcap_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
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
}

void dcap_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
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
}

#endif
