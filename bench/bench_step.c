/* dcanas bench — time of one training step (forward, backward, SGD) of an
 * evaluation network, batch 64, random 3x32x32 input, 10 classes.
 *
 *   bench/bench_step SPACE ARCH [width cells batch steps threads]
 *
 * Prints ms per step (median of `steps` after 3 warm-up steps) and peak RSS.
 * bench/run_step_bench.sh runs it beside the PyTorch reference. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <dcanas/dcanas.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	dca_error err = { 0 };
	dca_registry *reg;
	const dca_space *space;
	dca_arch *arch;
	dca_model *m;
	dca_net_shape shape = { 3, 32, 32, 10, 0, 0, 0 };
	int batch = 64, steps = 10, threads = 2, s, i;
	double *t;
	dca_graph *g;
	dca_sgd opt;
	dca_rng rng;
	int *labels;
	struct rusage ru;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SPACE ARCH [width cells batch steps threads]\n", argv[0]);
		return 2;
	}
	if (argc > 3) shape.width = atoi(argv[3]);
	if (argc > 4) shape.cells = atoi(argv[4]);
	if (argc > 5) batch = atoi(argv[5]);
	if (argc > 6) steps = atoi(argv[6]);
	if (argc > 7) threads = atoi(argv[7]);
	dca_engine_init(threads);
	reg = dca_registry_new();
	if (dca_registry_load_default(reg, &err) ||
	    !(space = dca_registry_space(reg, argv[1], &err)) ||
	    !(arch = space->arch_parse(argv[2], &err))) {
		fprintf(stderr, "bench_step: %s\n", err.msg);
		return 1;
	}
	dca_space_resolve_shape(space, &shape);
	if (dca_space_build_model(space, arch, &shape, 1, &m, &err)) {
		fprintf(stderr, "bench_step: %s\n", err.msg);
		return 1;
	}
	dca_sgd_init(&opt, m->params, m->n_params, 0.025f, 0.9f, 3e-4f, 5.0f);
	g = dca_graph_new();
	dca_rng_seed(&rng, 1);
	t = calloc((size_t)steps, sizeof *t);
	labels = malloc((size_t)batch * sizeof *labels);
	for (i = 0; i < batch; i++)
		labels[i] = (int)dca_rng_below(&rng, 10);
	for (s = -3; s < steps; s++) {
		double t0 = now();
		dca_tensor *x, *logits, *aux, *loss;
		dca_graph_reset(g);
		x = dca_tensor_new(g, batch, 3, 32, 32, 0);
		for (i = 0; i < (int)x->size; i++)
			x->data[i] = dca_rng_normal(&rng);
		logits = m->forward(m, g, x, 1, &aux);
		loss = dca_cross_entropy(g, logits, labels, 0.0f);
		for (i = 0; i < m->n_params; i++)
			dca_param_zero_grad(m->params[i]);
		dca_backward(g, loss);
		dca_sgd_step(&opt);
		if (s >= 0)
			t[s] = now() - t0;
	}
	qsort(t, (size_t)steps, sizeof *t, cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("dcanas %s C=%d cells=%d batch=%d threads=%d: %.1f ms/step (median of %d), "
	       "peak RSS %.0f MiB, arena %.0f MiB, %zu params\n", argv[1], shape.width,
	       shape.cells, batch, threads, 1e3 * t[steps / 2], steps,
	       ru.ru_maxrss / 1024.0, dca_graph_arena_peak(g) / 1048576.0,
	       dca_model_param_count(m));
	return 0;
}
