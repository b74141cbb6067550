/* dcanas — tensors, the arena, the tape and reverse-mode autograd.
 *
 * The arena is a list of blocks; dca_graph_reset() rewinds it, and when one
 * step needed more than the first block, the blocks are merged into one of
 * the total size, so from the second step on a step allocates nothing.
 * Blocks are mapped pages of their own, not malloc's: freed, they go back
 * to the system at once. From malloc, a graph's first blocks (under its
 * adaptive mmap threshold) stayed in the heap after the merge, so a second
 * graph (an evaluation beside training) held its arena twice. */
#include "config.h"

#include <cblas.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <dcanas/tensor.h>

#define ALIGN 64
#define MIN_BLOCK (1u << 20)

typedef struct block {
	struct block *next;
	size_t size, used;
	unsigned char *mem;
} block;

/* A released gradient buffer, reusable by a later one of the same size. */
typedef struct free_grad {
	struct free_grad *next;
	size_t size;
	float *mem;
} free_grad;

struct dca_graph {
	block *head, *cur;
	size_t used, peak, total;
	dca_node **nodes;
	size_t n_nodes, cap_nodes;
	free_grad *free_grads;   /* arena memory, valid until reset */
	dca_relu_observer relu_fn;
	void *relu_ctx;
	char error[512];         /* an op's refusal, until reset */
	int error_is_memory;     /* error records a lack of memory */
	unsigned failures;       /* records asked for (the first is kept) */
};

static int engine_threads = 1;

static int default_threads;

void dca_engine_default_threads(int threads)
{
	default_threads = threads > 0 ? threads : 0;
}

int dca_engine_init(int threads)
{
#ifdef _OPENMP
	if (threads <= 0 && default_threads > 0)
		threads = default_threads < omp_get_num_procs() ? default_threads
								 : omp_get_num_procs();
	if (threads <= 0)
		threads = omp_get_num_procs();
	omp_set_num_threads(threads);
#else
	threads = 1;
#endif
	/* our loops own the cores: OpenBLAS runs single-threaded inside them */
	openblas_set_num_threads(1);
	engine_threads = threads;
	return threads;
}

int dca_engine_threads(void)
{
	return engine_threads;
}

static block *block_new(size_t size)
{
	block *b = malloc(sizeof *b);
	void *mem;

	if (!b)
		return NULL;
	/* page-aligned, so ALIGN holds */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		free(b);
		return NULL;
	}
	b->mem = mem;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void block_free(block *b)
{
	munmap(b->mem, b->size);
	free(b);
}

dca_graph *dca_graph_new(void)
{
	dca_graph *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->head = g->cur = block_new(MIN_BLOCK);
	if (!g->head) {
		free(g);
		return NULL;
	}
	g->total = MIN_BLOCK;
	return g;
}

void dca_graph_observe_relu(dca_graph *g, dca_relu_observer fn, void *ctx)
{
	g->relu_fn = fn;
	g->relu_ctx = ctx;
}

void dca_graph_notify_relu(dca_graph *g, const dca_tensor *pre)
{
	if (g->relu_fn)
		g->relu_fn(g->relu_ctx, pre);
}

void *dca_graph_alloc(dca_graph *g, size_t bytes)
{
	block *b = g->cur;
	void *p;

	bytes = (bytes + ALIGN - 1) / ALIGN * ALIGN;
	if (b->used + bytes > b->size) {
		if (!b->next || b->next->size < bytes) {
			size_t sz = bytes > MIN_BLOCK ? bytes : MIN_BLOCK;
			block *nb;
			if (sz < b->size)
				sz = b->size;
			nb = block_new(sz);
			if (!nb)
				return NULL;
			nb->next = b->next;
			b->next = nb;
			g->total += sz;
		}
		b = g->cur = b->next;
		b->used = 0;
	}
	p = b->mem + b->used;
	b->used += bytes;
	g->used += bytes;
	if (g->used > g->peak)
		g->peak = g->used;
	return p;
}

static int graph_record(dca_graph *g, int memory, const char *op,
			const char *fmt, va_list ap)
{
	int n;

	g->failures++;
	if (g->error[0])
		return 0;       /* the first cause is the one to report */
	g->error_is_memory = memory;
	n = snprintf(g->error, sizeof g->error, "%s: ", op);
	if (n > 0 && (size_t)n < sizeof g->error)
		vsnprintf(g->error + n, sizeof g->error - (size_t)n, fmt, ap);
	return 0;
}

int dca_graph_fail(dca_graph *g, const char *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_record(g, 0, op, fmt, ap);
	va_end(ap);
	return DCA_ERR_INVALID;
}

int dca_graph_fail_memory(dca_graph *g, const char *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_record(g, 1, op, fmt, ap);
	va_end(ap);
	return DCA_ERR_NOMEM;
}

const char *dca_graph_error(const dca_graph *g)
{
	return g && g->error[0] ? g->error : NULL;
}

int dca_graph_error_set(const dca_graph *g, dca_error *err, const char *where)
{
	const char *e = dca_graph_error(g);

	if (e && g->error_is_memory)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory in %s (%s)",
				     where, e);
	if (e)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: %s (the network does not "
				     "fit its ops: a bug of the space module that built it)",
				     where, e);
	return dca_error_set(err, DCA_ERR_NOMEM, "out of memory in %s", where);
}

void dca_graph_reset(dca_graph *g)
{
	block *b, *next;

	g->error[0] = '\0';
	g->error_is_memory = 0;
	g->failures = 0;
	g->n_nodes = 0;
	g->used = 0;
	g->free_grads = NULL;
	if (g->head->next) {
		/* merge: one block as large as everything this step needed */
		size_t total = g->total;
		block *nb = block_new(total);
		if (nb) {
			for (b = g->head; b; b = next) {
				next = b->next;
				block_free(b);
			}
			g->head = nb;
			g->total = total;
		}
	}
	for (b = g->head; b; b = b->next)
		b->used = 0;
	g->cur = g->head;
}

void dca_graph_free(dca_graph *g)
{
	block *b, *next;

	if (!g)
		return;
	for (b = g->head; b; b = next) {
		next = b->next;
		block_free(b);
	}
	free(g->nodes);
	free(g);
}

size_t dca_graph_arena_used(const dca_graph *g)
{
	return g->used;
}

size_t dca_graph_arena_peak(const dca_graph *g)
{
	return g->peak;
}

/* Clears n floats; large buffers (activation gradients) on every thread, so
 * the other cores do not wait through a serial pass over memory. */
static void zero_floats(float *p, size_t n)
{
	const size_t chunk = 16384;
	long i, nchunks = (long)((n + chunk - 1) / chunk);

	if (n < 4 * chunk) {
		memset(p, 0, n * sizeof *p);
		return;
	}
#pragma omp parallel for schedule(static)
	for (i = 0; i < nchunks; i++) {
		size_t lo = (size_t)i * chunk, len = n - lo < chunk ? n - lo : chunk;
		memset(p + lo, 0, len * sizeof *p);
	}
}

/* the tensor's header and data from the arena; data zeroed when asked */
static dca_tensor *tensor_alloc(dca_graph *g, int n, int c, int h, int w,
				int requires_grad, int zero)
{
	dca_tensor *t = dca_graph_alloc(g, sizeof *t);
	size_t size = (size_t)n * c * h * w;

	if (!t)
		return NULL;
	memset(t, 0, sizeof *t);
	t->n = n;
	t->c = c;
	t->h = h;
	t->w = w;
	t->size = size;
	t->data = dca_graph_alloc(g, size * sizeof(float));
	if (!t->data)
		return NULL;
	if (zero)
		zero_floats(t->data, size);
#ifdef DCA_POISON_UNINIT
	else    /* debug builds: NaN, so an op that skips an element shows */
		memset(t->data, 0xff, size * sizeof(float));
#endif
	if (requires_grad) {
		t->grad = dca_graph_alloc(g, size * sizeof(float));
		if (!t->grad)
			return NULL;
		zero_floats(t->grad, size);
		t->requires_grad = 1;
	}
	return t;
}

dca_tensor *dca_tensor_new(dca_graph *g, int n, int c, int h, int w,
			   int requires_grad)
{
	return tensor_alloc(g, n, c, h, w, requires_grad, 1);
}

dca_tensor *dca_tensor_new_uninit(dca_graph *g, int n, int c, int h, int w)
{
	return tensor_alloc(g, n, c, h, w, 0, 0);
}

dca_tensor *dca_param_new(int n, int c, int h, int w, int requires_grad)
{
	dca_tensor *t = calloc(1, sizeof *t);
	size_t size = (size_t)n * c * h * w;

	if (!t)
		return NULL;
	t->n = n;
	t->c = c;
	t->h = h;
	t->w = w;
	t->size = size;
	t->persistent = 1;
	t->data = calloc(size ? size : 1, sizeof(float));
	if (requires_grad) {
		t->grad = calloc(size ? size : 1, sizeof(float));
		t->requires_grad = 1;
	}
	if (!t->data || (requires_grad && !t->grad)) {
		dca_param_free(t);
		return NULL;
	}
	return t;
}

void dca_param_free(dca_tensor *t)
{
	if (t) {
		free(t->data);
		free(t->grad);
		free(t);
	}
}

void dca_param_zero_grad(dca_tensor *t)
{
	if (t->grad)
		memset(t->grad, 0, t->size * sizeof(float));
}

int dca_any_requires_grad(dca_tensor *const *in, int n_in)
{
	int i;

	for (i = 0; i < n_in; i++)
		if (in[i] && in[i]->requires_grad)
			return 1;
	return 0;
}

dca_node *dca_graph_record(dca_graph *g, dca_tensor *out,
			   void (*backward)(dca_graph *, dca_node *),
			   dca_tensor *const *in, int n_in)
{
	dca_node *nd;
	int i;

	if (!dca_any_requires_grad(in, n_in)) {
		out->requires_grad = 0;
		return NULL;
	}
	if (g->n_nodes == g->cap_nodes) {
		size_t ncap = g->cap_nodes ? g->cap_nodes * 2 : 256;
		dca_node **nn = realloc(g->nodes, ncap * sizeof *nn);
		if (!nn)
			return NULL;
		g->nodes = nn;
		g->cap_nodes = ncap;
	}
	nd = dca_graph_alloc(g, sizeof *nd);
	if (!nd)
		return NULL;
	memset(nd, 0, sizeof *nd);
	/* the gradient buffer is made when backward first needs it */
	out->requires_grad = 1;
	nd->backward = backward;
	nd->out = out;
	nd->n_in = n_in < DCA_NODE_MAX_IN ? n_in : DCA_NODE_MAX_IN;
	for (i = 0; i < nd->n_in; i++)
		nd->in[i] = in[i];
	if (n_in > DCA_NODE_MAX_IN) {
		/* no input is dropped: the whole list is the node's variadic
		 * inputs (an op may set its own, as concat does), so every one
		 * gets a gradient buffer before backward */
		dca_tensor **all = dca_graph_alloc(g, (size_t)n_in * sizeof *all);

		if (!all)
			return NULL;
		memcpy(all, in, (size_t)n_in * sizeof *all);
		nd->many = all;
		nd->n_many = n_in;
	}
	g->nodes[g->n_nodes++] = nd;
	return nd;
}

/* t's gradient buffer, made when absent: cleared when clear, else left as
 * the arena had it (its first writer assigns every element) */
static float *tensor_grad(dca_graph *g, dca_tensor *t, int clear)
{
	free_grad **p, *f;

	if (t->grad)
		return t->grad;
	/* reuse a released buffer of the same size before growing the arena */
	for (p = &g->free_grads; (f = *p); p = &f->next) {
		if (f->size == t->size) {
			*p = f->next;
			t->grad = f->mem;
			break;
		}
	}
	if (!t->grad)
		t->grad = dca_graph_alloc(g, t->size * sizeof(float));
	if (t->grad && clear)
		zero_floats(t->grad, t->size);
#ifdef DCA_POISON_UNINIT
	else if (t->grad)   /* debug builds: NaN, so a first writer that skips
			     * an element shows */
		memset(t->grad, 0xff, t->size * sizeof(float));
#endif
	return t->grad;
}

float *dca_tensor_grad(dca_graph *g, dca_tensor *t)
{
	return tensor_grad(g, t, 1);
}

/* An activation's gradient is read only by the node that produced it, so
 * once that node has run backward the buffer can serve another gradient:
 * the backward pass then holds a few gradients at a time, not all. */
static void release_grad(dca_graph *g, dca_tensor *t)
{
	free_grad *f;

	if (t->persistent || !t->grad)
		return;
	f = dca_graph_alloc(g, sizeof *f);
	if (!f)
		return;
	f->size = t->size;
	f->mem = t->grad;
	f->next = g->free_grads;
	g->free_grads = f;
	t->grad = NULL;
}

int dca_graph_backward(dca_graph *g)
{
	unsigned before;
	size_t i;
	int k;

	for (i = g->n_nodes; i-- > 0;) {
		dca_node *nd = g->nodes[i];
		if (!nd->out->grad)
			continue; /* nothing flows into this node's output */
		nd->fresh = 0;
		for (k = 0; k < nd->n_in; k++) {
			dca_tensor *t = nd->in[k];
			/* an op that writes all of an input's gradient gets its
			 * buffer uncleared when it is the first to write it */
			int assign = (nd->assigns >> k & 1) && t && !t->grad;
			int j;
			if (!t || !t->requires_grad)
				continue;
			for (j = 0; j < k; j++)
				if (nd->in[j] == t)
					assign = 0;     /* the earlier slot writes it */
			if (!tensor_grad(g, t, !assign))
				return -1;
			if (assign)
				nd->fresh |= 1u << k;
		}
		for (k = 0; k < nd->n_many; k++)
			if (nd->many[k] && nd->many[k]->requires_grad &&
			    !dca_tensor_grad(g, nd->many[k]))
				return -1;
		before = g->failures;
		nd->backward(g, nd);
		if (g->failures != before)
			return -1;      /* the node could not finish: it said why */
		release_grad(g, nd->out);
	}
	return 0;
}

int dca_backward_scaled(dca_graph *g, dca_tensor *loss, float seed)
{
	size_t i;

	if (!loss->requires_grad || !dca_tensor_grad(g, loss))
		return -1;
	for (i = 0; i < loss->size; i++)
		loss->grad[i] = seed;
	return dca_graph_backward(g);
}

int dca_backward(dca_graph *g, dca_tensor *loss)
{
	return dca_backward_scaled(g, loss, 1.0f);
}
