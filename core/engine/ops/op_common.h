/* dcanas — what the engine's op files share (private to libdcanas). */
#ifndef DCANAS_OP_COMMON_H
#define DCANAS_OP_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include <dcanas/tensor.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Loops shorter than this run on one thread: forking costs more. */
#define PAR_MIN 32768
/* Elementwise loops hand out this many elements at a time, so a core that
 * runs slower (a shared VM) does not keep the others waiting; each element
 * is still computed alone, so the result does not depend on the split. */
#define PAR_CHUNK 16384

/* The one way an op checks what it needs (g in scope): when cond is false,
 * the failure is recorded in g, naming the function, for the caller's
 * message (tensor.h), and the function returns `ret` (nothing in a backward
 * function: dca_graph_backward sees the record and stops). Spelt for the
 * two causes:
 *   OP_REQUIRE(cond, fmt, ...)        forward: inputs that do not fit the op
 *                                     (shapes, arguments), refused; NULL
 *   OP_REQUIRE_MEMORY(cond, ret, fmt, ...)  scratch memory or a kernel's
 *                                     table, forward (ret NULL) or
 *                                     backward (ret empty) */
#define OP_CHECK_(cond, record, ret, ...) \
	do { \
		if (!(cond)) { \
			record(g, __func__, __VA_ARGS__); \
			return ret; \
		} \
	} while (0)
#define OP_REQUIRE(cond, ...) OP_CHECK_(cond, dca_graph_fail, NULL, __VA_ARGS__)
#define OP_REQUIRE_MEMORY(cond, ret, ...) \
	OP_CHECK_(cond, dca_graph_fail_memory, ret, __VA_ARGS__)

/* Record out's node; false only when one was needed and memory ran out. */
static inline int record(dca_graph *g, dca_tensor *out,
			 void (*backward)(dca_graph *, dca_node *),
			 dca_tensor *const *in, int n_in, dca_node **nd)
{
	*nd = dca_graph_record(g, out, backward, in, n_in);
	return *nd || !dca_any_requires_grad(in, n_in);
}

/* Threads a parallel loop may run on (to size per-thread scratch), and the
 * calling thread's index among them. */
static inline int dcap_max_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

static inline int dcap_thread_id(void)
{
#ifdef _OPENMP
	return omp_get_thread_num();
#else
	return 0;
#endif
}

/* Output columns [lo, hi) for which ix = o*s + off lies in [0, n). */
static inline void dcap_valid_range(int n, int s, int off, int nout, int *lo,
				    int *hi)
{
	int a = 0, b;

	if (off < 0)
		a = (-off + s - 1) / s;
	/* largest o with o*s + off <= n - 1 */
	if (n - 1 - off < 0)
		b = 0;
	else
		b = (n - 1 - off) / s + 1;
	if (b > nout)
		b = nout;
	if (a > b)
		a = b;
	*lo = a;
	*hi = b;
}

/* Whether the backward of nd assigns in[k]'s gradient (its buffer is
 * uncleared) rather than adding to it; see dca_node.assigns. */
static inline int grad_fresh(const dca_node *nd, int k)
{
	return (int)(nd->fresh >> k & 1);
}

/* sum a[i]*b[i] in an order fixed by n alone (double per chunk, chunks in
 * order), so the result does not depend on the thread count. */
double dcap_dot_fixed(const float *a, const float *b, size_t n);

#endif
