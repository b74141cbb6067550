/* dcanas — the engine: float32 NCHW tensors and reverse-mode autograd.
 *
 * A dca_graph owns one training step: the tape of recorded ops and every
 * activation, allocated from an arena that dca_graph_reset() rewinds (the
 * memory is kept and reused from step to step). Parameters are persistent
 * tensors made with dca_param_new() and freed with dca_param_free(); their
 * gradients accumulate until dca_param_zero_grad().
 *
 * Op functions (ops.h) compute their forward result at once and, when any
 * input requires a gradient, record a node whose backward() adds into the
 * inputs' grad buffers. dca_backward() runs the tape in reverse.
 *
 * Threads: the engine's own loops use OpenMP; OpenBLAS is kept at one thread
 * (dca_engine_init) so the two never spawn threads at once. */
#ifndef DCANAS_TENSOR_H
#define DCANAS_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include <dcanas/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_tensor {
	float *data;
	float *grad;          /* parameters: always when requires_grad;
			       * activations: only during backward */
	int n, c, h, w;       /* NCHW; a matrix N x F is n=N, c=F, h=w=1 */
	size_t size;          /* n*c*h*w */
	int requires_grad;
	int persistent;       /* parameter or buffer (not in the arena) */
} dca_tensor;

typedef struct dca_graph dca_graph;

/* Call once per process; threads <= 0 means all cores. Returns the count. */
int dca_engine_init(int threads);
int dca_engine_threads(void);
/* What dca_engine_init(0) takes from now on (0: every core): the share of
 * a machine's cores a process has when several run on it (MPI ranks). */
void dca_engine_default_threads(int threads);
/* The engine's convolution kernels, AVX-512 or else AVX2+FMA, are used
 * where the CPU has them; DCANAS_SIMD=off turns them off, DCANAS_SIMD=avx2
 * picks the AVX2 ones on an AVX-512 CPU. This switches them on (the best
 * the CPU and DCANAS_SIMD allow) or off and returns whether they are on
 * (nonzero). OpenBLAS serves whatever they do not. */
int dca_engine_set_simd(int on);

dca_graph *dca_graph_new(void);
/* An op refuses its inputs (shapes that do not fit, an argument out of
 * range: a bug of the caller, e.g. a space module's network) by recording
 * why here and returning NULL, as it does when memory runs out. The first
 * refusal is kept until dca_graph_reset(); dca_graph_error() returns it,
 * or NULL when a NULL result means out of memory. */
int dca_graph_fail(dca_graph *g, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *dca_graph_error(const dca_graph *g);
/* An op that cannot finish for want of memory (scratch of a forward or a
 * backward function, a kernel's table) records so here, naming itself,
 * and returns (a forward function NULL). A backward function has no result
 * to return: dca_graph_backward sees the record after it and stops with
 * -1. dca_graph_error() returns the message too. */
int dca_graph_fail_memory(dca_graph *g, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* err from a NULL result (or a failed backward) in g: the op's refusal
 * (DCA_ERR_INVALID), else out of memory (DCA_ERR_NOMEM, naming the op when
 * it recorded itself) in WHERE; returns the code */
int dca_graph_error_set(const dca_graph *g, dca_error *err, const char *where);
/* Forget the tape and rewind the arena; tensors from it become invalid. */
void dca_graph_reset(dca_graph *g);
void dca_graph_free(dca_graph *g);
/* An observer of what every ReLU of the graph's forward passes sees (its
 * input, before the ReLU), called once per ReLU application, fused or not;
 * training-free architecture scores read activation patterns through it.
 * NULL removes it. The tensor is borrowed for the call. */
typedef void (*dca_relu_observer)(void *ctx, const dca_tensor *pre);
void dca_graph_observe_relu(dca_graph *g, dca_relu_observer fn, void *ctx);
/* Ops call this with a ReLU's input (no-op without an observer). */
void dca_graph_notify_relu(dca_graph *g, const dca_tensor *pre);
/* Bytes of arena in use now, and the most ever in use. */
size_t dca_graph_arena_used(const dca_graph *g);
size_t dca_graph_arena_peak(const dca_graph *g);

/* An arena tensor (zeroed); grad allocated (zeroed) when requires_grad. */
dca_tensor *dca_tensor_new(dca_graph *g, int n, int c, int h, int w, int requires_grad);
/* An arena tensor whose data is NOT cleared: for ops that write every
 * element of their output (saves a pass over memory per op). */
dca_tensor *dca_tensor_new_uninit(dca_graph *g, int n, int c, int h, int w);
/* Scratch memory from the arena, 64-byte aligned, valid until reset. */
void *dca_graph_alloc(dca_graph *g, size_t bytes);

/* A persistent tensor: a parameter (requires_grad=1) or buffer (0). */
dca_tensor *dca_param_new(int n, int c, int h, int w, int requires_grad);
void dca_param_free(dca_tensor *t);
void dca_param_zero_grad(dca_tensor *t);

/* Tape nodes, for op implementations (ops/ files). */
#define DCA_NODE_MAX_IN 4
typedef struct dca_node dca_node;
struct dca_node {
	void (*backward)(dca_graph *g, dca_node *nd);
	dca_tensor *out;
	dca_tensor *in[DCA_NODE_MAX_IN];
	int n_in;
	/* variadic inputs (concat, weighted sum); dca_graph_record puts every
	 * input here when there are more than DCA_NODE_MAX_IN */
	dca_tensor **many;
	int n_many;
	int iarg[8];
	float farg[4];
	void *saved;           /* arena memory the backward needs */
	/* bit k: this op's backward writes every element of in[k]'s gradient
	 * and can assign it rather than add to it (set by the op) */
	unsigned assigns;
	/* bit k: in[k]'s gradient buffer was made for this call and not
	 * cleared: assign it (set by the runner, for bits of `assigns`) */
	unsigned fresh;
};
/* Record a node producing out; returns it (zeroed) or NULL when no input
 * requires a gradient (then nothing is recorded and out->requires_grad = 0). */
dca_node *dca_graph_record(dca_graph *g, dca_tensor *out,
			   void (*backward)(dca_graph *, dca_node *),
			   dca_tensor *const *in, int n_in);
/* Whether the next op should record (any of in requires grad). */
int dca_any_requires_grad(dca_tensor *const *in, int n_in);

/* Seed d(loss)/d(loss) = 1 (loss has size 1) and run the tape backwards. */
int dca_backward(dca_graph *g, dca_tensor *loss);
/* The same with d(objective)/d(loss) = seed: a rank's share of a global
 * batch's mean loss (comm.h) */
int dca_backward_scaled(dca_graph *g, dca_tensor *loss, float seed);
/* Run the tape backwards with the output gradients as they are (the caller
 * has seeded them with dca_tensor_grad); used by gradient checks. Before a
 * node runs, its inputs' gradient buffers exist (zeroed, or for the inputs
 * in nd->fresh uncleared, to be assigned); after it runs, its
 * output's buffer is recycled, so read activation gradients only from
 * inside backward functions. A backward function reports that it could
 * not finish through dca_graph_fail_memory (or dca_graph_fail) and
 * returns; the run then stops. Returns -1 on out of memory, or when a
 * node failed so (dca_graph_error_set says which). */
int dca_graph_backward(dca_graph *g);
/* t's gradient buffer, made (zeroed) from the arena when absent. */
float *dca_tensor_grad(dca_graph *g, dca_tensor *t);

/* Deterministic random numbers (xoshiro128+ style), one stream per use. */
typedef struct dca_rng {
	uint64_t s[2];
} dca_rng;
void dca_rng_seed(dca_rng *r, uint64_t seed);
uint64_t dca_rng_next(dca_rng *r);
float dca_rng_uniform(dca_rng *r);          /* [0, 1) */
float dca_rng_normal(dca_rng *r);
uint32_t dca_rng_below(dca_rng *r, uint32_t n);

#ifdef __cplusplus
}
#endif
#endif
