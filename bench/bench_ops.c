/* dcanas — conv2d forward+backward throughput on NAS-Bench-201 and DARTS
 * shapes, beside a plain sgemm of each convolution's per-sample matrix shape
 * (M = Cout/groups, N = Hout*Wout, K = Cin/groups*k*k) run over the batch
 * the same way (one call per sample and group, samples over threads).
 *
 * usage: bench_ops [threads]   (default: all cores)
 * FLOPs: forward 2*N*Cout*P*Kc; backward dX and dW each as much again. */
#include "config.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <dcanas/ops.h>
#include <dcanas/tensor.h>

typedef struct {
	const char *name;
	int n, cin, cout, hw, k, stride, pad, dil, groups;
} shape;

static const shape shapes[] = {
	{"nb201 3x3 C16 32x32", 64, 16, 16, 32, 3, 1, 1, 1, 1},
	{"nb201 3x3 C32 16x16", 64, 32, 32, 16, 3, 1, 1, 1, 1},
	{"nb201 3x3 C64 8x8", 64, 64, 64, 8, 3, 1, 1, 1, 1},
	{"nb201 1x1 C16 32x32", 64, 16, 16, 32, 1, 1, 0, 1, 1},
	{"nb201 1x1 C32 16x16", 64, 32, 32, 16, 1, 1, 0, 1, 1},
	{"nb201 1x1 C64 8x8", 64, 64, 64, 8, 1, 1, 0, 1, 1},
	{"nb201 3x3 s2 C16>32", 64, 16, 32, 32, 3, 2, 1, 1, 1},
	{"darts dw3x3 C16 32x32", 64, 16, 16, 32, 3, 1, 1, 1, 16},
	{"darts dw3x3 C32 16x16", 64, 32, 32, 16, 3, 1, 1, 1, 32},
	{"darts dw3x3 C64 8x8", 64, 64, 64, 8, 3, 1, 1, 1, 64},
	{"darts dw5x5 C16 32x32", 64, 16, 16, 32, 5, 1, 2, 1, 16},
	{"darts dw3x3 d2 C16 32", 64, 16, 16, 32, 3, 1, 2, 2, 16},
	{"darts dw5x5 d2 C32 16", 64, 32, 32, 16, 5, 1, 4, 2, 32},
	{"darts dw3x3 s2 C16 32", 64, 16, 16, 32, 3, 2, 1, 1, 16},
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(dca_tensor *t, dca_rng *r)
{
	size_t i;
	for (i = 0; i < t->size; i++)
		t->data[i] = dca_rng_uniform(r) * 2 - 1;
}

int main(int argc, char **argv)
{
	const char *ct = getenv("OPENBLAS_CORETYPE");
	int threads = dca_engine_init(argc > 1 ? atoi(argv[1]) : 0);
	dca_graph *g = dca_graph_new();
	dca_rng r;
	size_t s;

	dca_rng_seed(&r, 1);
	printf("threads %d, OPENBLAS_CORETYPE=%s, OpenBLAS %s\n", threads,
	       ct ? ct : "(unset)", openblas_get_config());
	printf("%-24s %5s %5s %4s %10s %10s %10s %10s\n", "shape", "M", "N", "K",
	       "fwd GF/s", "f+b GF/s", "ms f+b", "sgemm GF/s");
	for (s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		const shape *sh = &shapes[s];
		int cg = sh->cin / sh->groups, og = sh->cout / sh->groups;
		int ho = (sh->hw + 2 * sh->pad - sh->dil * (sh->k - 1) - 1) / sh->stride + 1;
		int P = ho * ho, kc = cg * sh->k * sh->k, it, iters;
		double flop = 2.0 * sh->n * sh->cout * P * kc, t0, tf = 0, tfb = 0, tg;
		dca_tensor *x = dca_param_new(sh->n, sh->cin, sh->hw, sh->hw, 1);
		dca_tensor *w = dca_param_new(sh->cout, cg, sh->k, sh->k, 1);
		dca_tensor *b = dca_param_new(1, sh->cout, 1, 1, 1);
		float *A, *B, *C;
		long i;

		fill(x, &r);
		fill(w, &r);
		fill(b, &r);
		/* iterations for about 0.3 s of forward+backward at ~50 GFLOP/s */
		iters = (int)(0.3 * 50e9 / (3 * flop));
		if (iters < 3)
			iters = 3;
		for (it = -1; it < iters; it++) {
			dca_tensor *y;
			size_t j;
			dca_graph_reset(g);
			t0 = now();
			y = dca_conv2d(g, x, w, b, sh->stride, sh->pad, sh->dil, sh->groups);
			if (it >= 0)
				tf += now() - t0;
			if (!y || !dca_tensor_grad(g, y)) {
				fprintf(stderr, "bench_ops: out of memory\n");
				return 1;
			}
			for (j = 0; j < y->size; j++)
				y->grad[j] = 1e-3f;
			t0 = now();
			dca_graph_backward(g);
			if (it >= 0)
				tfb += now() - t0;
		}
		tfb += tf;

		/* the sgemm the general path would do, same shape, same split */
		A = malloc((size_t)og * kc * sizeof *A);
		B = malloc((size_t)threads * kc * P * sizeof *B);
		C = malloc((size_t)threads * og * P * sizeof *C);
		for (i = 0; i < (long)og * kc; i++)
			A[i] = 0.01f;
		for (i = 0; i < (long)threads * kc * P; i++)
			B[i] = 0.01f;
		t0 = now();
		for (it = 0; it < iters; it++) {
#pragma omp parallel for schedule(static)
			for (i = 0; i < sh->n; i++) {
				int t = 0, gi;
#ifdef _OPENMP
				t = omp_get_thread_num();
#endif
				for (gi = 0; gi < sh->groups; gi++)
					cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
						    og, P, kc, 1.0f, A, kc,
						    B + (size_t)t * kc * P, P, 0.0f,
						    C + (size_t)t * og * P, P);
			}
		}
		tg = now() - t0;
		printf("%-24s %5d %5d %4d %10.1f %10.1f %10.3f %10.1f\n", sh->name, og,
		       P, kc, flop * iters / tf / 1e9, 3 * flop * iters / tfb / 1e9,
		       1e3 * tfb / iters, flop * iters / tg / 1e9);
		free(A);
		free(B);
		free(C);
		dca_param_free(x);
		dca_param_free(w);
		dca_param_free(b);
	}
	dca_graph_free(g);
	return 0;
}
