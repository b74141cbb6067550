/* dcanas — the engine's own small-matrix products for convolution
 * (private to libdcanas; core/engine/ops/gemm_simd.c).
 *
 * Convolution products are thin (M = Cout = 16..64 rows) and come one per
 * sample; a BLAS call packs its large operand for every call and reaches
 * half its peak on them. These kernels read the im2col matrix, or the
 * padded input itself through offset tables, in place, and use AVX-512
 * where the CPU has it, else AVX2 and FMA (gemm_avx2.c). dcap_simd() says
 * which may be used (CPU support, capped by DCANAS_SIMD=off|avx2|avx512);
 * callers keep a BLAS path for every case so the results can be compared. */
#ifndef DCANAS_GEMM_SIMD_H
#define DCANAS_GEMM_SIMD_H

#include <stddef.h>

/* Rows per panel of a packed A operand. */
#define DCAP_MR 8

#if defined(__x86_64__) && defined(__GNUC__)
#define DCAP_X86_KERNELS 1
#endif

/* The kernels' instruction sets, in order. */
enum { DCAP_SIMD_OFF = 0, DCAP_SIMD_AVX2 = 1, DCAP_SIMD_AVX512 = 2 };

/* Which kernels below run (DCAP_SIMD_*): 0 when none may. */
int dcap_simd(void);
/* Its name for keys and reports: "avx512", "avx2" or "blas". */
const char *dcap_simd_name(void);

/* Floats needed by dcap_pack_a for an M x K operand. */
size_t dcap_packed_size(int m, int k);

/* Packs A (M x K) into panels of DCAP_MR rows, K x DCAP_MR each, rows past
 * M zero. A(i, k) is a[i * rs + k * cs], so A or its transpose can be
 * packed from one row-major matrix. */
void dcap_pack_a(int m, int k, const float *a, size_t rs, size_t cs, float *ap);

/* Each kernel returns 0, or -1 when a table it needs past its stack
 * buffer could not be allocated (nothing written then); the caller
 * records that in its graph (OP_REQUIRE_MEMORY). */

/* C (M x N, row stride ldc) = Ap * B, or C += Ap * B when accumulate.
 * Ap from dcap_pack_a; B is K x N with row stride ldb. */
int dcap_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
		   size_t ldb, float *c, size_t ldc, int accumulate);

/* C (M x N, row stride ldc) += A * B^T, where A is M x K and B is N x K,
 * both with contiguous rows (strides lda, ldb): dot products along K. */
int dcap_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
		   const float *b, size_t ldb, float *c, size_t ldc);

/* The output vectors of a convolution without an im2col matrix
 * ("indirect"): vector v covers up to 16 outputs at out[v] in the output
 * plane (lanes mask[v]); its column entries for im2col row k start at
 * in[v] + koff[k] in the padded input. With split 0 the lanes are
 * contiguous in both; else lanes 8..15 start `split` floats after lanes
 * 0..7 in the input (two output rows of 8, all lanes used). */
typedef struct dcap_vectors {
	int n;
	const ptrdiff_t *in, *out;
	const unsigned short *mask;
	ptrdiff_t split;
} dcap_vectors;

/* C (M x plane, row stride ldc) (+)= Ap * columns (K rows), at the
 * vectors' outputs. */
int dcap_conv_pa(int m, const dcap_vectors *vs, int k, const float *ap,
		 const float *base, const ptrdiff_t *koff, float *c, size_t ldc,
		 int accumulate);
/* C (M x N) += sum over ns samples of A_s * columns_s^T: A_s is M planes
 * of outputs (row stride lda) at a + s*astep, columns_s read from
 * base + s*bstep, N the number of column rows (koff). */
int dcap_conv_a_bt(int m, int n, const dcap_vectors *vs, int ns, const float *a,
		   size_t lda, ptrdiff_t astep, const float *base, ptrdiff_t bstep,
		   const ptrdiff_t *koff, float *c, size_t ldc);

/* The lanes below n of a vector of 16, as a bit mask. */
static inline unsigned dcap_lanes(int n)
{
	return n >= 16 ? 0xffffu : n <= 0 ? 0u : (1u << n) - 1;
}

/* Offsets i * step for i < n, in buf when it has cap entries, else on
 * the heap (NULL when that fails; free it when it is not buf). */
#define DCAP_TABLE_CAP 2048
ptrdiff_t *dcap_stride_table(ptrdiff_t *buf, size_t cap, int n, size_t step);
/* count row pointers a + offs[r0 + i] (or a + (r0 + i) * stride); rows past
 * n repeat the last one */
void dcap_block_rows(const float *a, const ptrdiff_t *offs, size_t stride,
		     int r0, int n, int count, const float **rows);

/* The AVX2 + FMA versions (gemm_avx2.c), same contracts as above. */
int dcap_avx2_gemm_pa_b(int m, int n, int k, const float *ap, const float *b,
			size_t ldb, float *c, size_t ldc, int accumulate);
int dcap_avx2_gemm_a_bt(int m, int n, int k, const float *a, size_t lda,
			const float *b, size_t ldb, float *c, size_t ldc);
int dcap_avx2_conv_pa(int m, const dcap_vectors *vs, int k, const float *ap,
		      const float *base, const ptrdiff_t *koff, float *c, size_t ldc,
		      int accumulate);
int dcap_avx2_conv_a_bt(int m, int n, const dcap_vectors *vs, int ns,
			const float *a, size_t lda, ptrdiff_t astep,
			const float *base, ptrdiff_t bstep, const ptrdiff_t *koff,
			float *c, size_t ldc);

#endif
