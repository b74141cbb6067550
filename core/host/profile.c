/* dcanas — latency measurement with the engine: one op from its descriptor,
 * or a whole network end to end. Inputs and weights are random persistent
 * tensors; each run rewinds the graph's arena, so after the warm-up runs
 * nothing is allocated inside the timed loop. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dcanas/ops.h>
#include <dcanas/profile.h>
#include <dcanas/tensor.h>
#include <dcanas/train.h>

#include "../engine/ops/gemm_simd.h"

void dca_timing_opts_default(dca_timing_opts *o)
{
	o->batch = 1;
	o->warmup = 3;
	o->runs = 15;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void summarise(double *v, int n, dca_timing *t)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	t->median_ms = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
	t->spread_ms = v[(3 * n) / 4 < n ? (3 * n) / 4 : n - 1] - v[n / 4];
}

/* Run run(ctx, g) warmup + runs times on a rewound graph and time the
 * runs, in three windows of a third of them each: the result is the window
 * with the lowest median (and its spread), so a stretch of time in which
 * the machine was busy elsewhere (seen: one op timed 25x too slow and every
 * architecture using it mispriced) does not become the op's latency.
 * run returns 0 or a negative code (with err set). */
static int time_runs(int (*run)(void *ctx, dca_graph *g, dca_error *err), void *ctx,
		     const dca_timing_opts *o, dca_timing *t, dca_error *err)
{
	dca_graph *g = dca_graph_new();
	double *v = calloc((size_t)(o->runs > 0 ? o->runs : 1), sizeof *v);
	int windows = o->runs >= 9 ? 3 : 1, per = o->runs / windows, i, wi, rc = 0;

	if (!g || !v) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "profile: out of memory");
		goto out;
	}
	for (i = -o->warmup; i < o->runs && !rc; i++) {
		double t0;

		dca_graph_reset(g);
		t0 = dca_seconds();
		rc = run(ctx, g, err);
		if (i >= 0)
			v[i] = 1e3 * (dca_seconds() - t0);
	}
	for (wi = 0; wi < windows && !rc; wi++) {
		dca_timing w;
		/* the last window takes the runs left over */
		summarise(v + wi * per, wi + 1 < windows ? per : o->runs - wi * per, &w);
		if (wi == 0 || w.median_ms < t->median_ms)
			*t = w;
	}
out:
	free(v);
	dca_graph_free(g);
	return rc;
}

static dca_tensor *random_tensor(dca_rng *r, int n, int c, int h, int w)
{
	dca_tensor *t = dca_param_new(n, c, h, w, 0);
	size_t i;

	if (t)
		for (i = 0; i < t->size; i++)
			t->data[i] = dca_rng_normal(r);
	return t;
}

typedef struct op_run {
	const dca_op_desc *op;
	dca_tensor **in, **p;
	int n_in;
} op_run;

static dca_tensor *run_op(dca_graph *g, const dca_op_desc *op, dca_tensor **in,
			  int n_in, dca_tensor **p);

static int op_once(void *ctx, dca_graph *g, dca_error *err)
{
	const op_run *r = ctx;

	if (run_op(g, r->op, r->in, r->n_in, r->p))
		return 0;
	if (dca_graph_error(g))   /* an op descriptor its op refuses */
		return dca_graph_error_set(g, err, "profile");
	return dca_error_set(err, DCA_ERR_UNSUPPORTED, "profile: cannot run a %s op",
			     dca_op_kind_name(r->op->kind));
}

/* run the op once on g */
static dca_tensor *run_op(dca_graph *g, const dca_op_desc *op, dca_tensor **in,
			  int n_in, dca_tensor **p)
{
	dca_tensor *y;
	int i;

	switch (op->kind) {
	case DCA_OP_CONV:
		return dca_conv2d(g, in[0], p[0], p[1], op->stride, op->pad,
				  op->dilation, op->groups);
	case DCA_OP_LINEAR:
		return dca_linear(g, in[0], p[0], p[1]);
	case DCA_OP_BATCHNORM:
		return dca_batchnorm(g, in[0], p[0], p[1], p[2], p[3], 0, 0.1f, 1e-5f);
	case DCA_OP_RELU:
		return dca_relu(g, in[0]);
	case DCA_OP_MAXPOOL:
		return dca_maxpool(g, in[0], op->kernel, op->stride, op->pad);
	case DCA_OP_AVGPOOL:
		return dca_avgpool(g, in[0], op->kernel, op->stride, op->pad);
	case DCA_OP_GLOBAL_AVGPOOL:
		return dca_global_avgpool(g, in[0]);
	case DCA_OP_ADD:
		y = in[0];
		for (i = 1; i < n_in && y; i++)
			y = dca_add(g, y, in[i]);
		return y;
	case DCA_OP_CONCAT:
		return dca_concat(g, in, n_in);
	default:
		return NULL;
	}
}

int dca_time_op(const dca_op_desc *op, const dca_timing_opts *o, dca_timing *t,
		dca_error *err)
{
	dca_tensor *in[DCA_OP_MAX_INPUTS] = { 0 }, *p[4] = { 0 };
	dca_rng r;
	int n_in = op->n_in > 0 ? op->n_in : 1, i, rc = 0, B = o->batch;
	int cin = op->cin, h = op->h, w = op->w;

	memset(t, 0, sizeof *t);
	if (op->kind == DCA_OP_ZERO || op->kind == DCA_OP_IDENTITY)
		return 0;
	if (n_in > DCA_OP_MAX_INPUTS || o->runs < 1 || B < 1)
		return dca_error_set(err, DCA_ERR_INVALID, "profile: bad op or options");
	dca_rng_seed(&r, 12345);
	/* concat: the inputs share the channels (the descriptor keeps the total) */
	for (i = 0; i < n_in; i++) {
		int c = op->kind == DCA_OP_CONCAT ? cin / n_in + (i < cin % n_in) : cin;
		in[i] = op->kind == DCA_OP_LINEAR ? random_tensor(&r, B, cin, 1, 1)
						  : random_tensor(&r, B, c, h, w);
		if (!in[i])
			rc = DCA_ERR_NOMEM;
	}
	switch (op->kind) {
	case DCA_OP_CONV:
		p[0] = random_tensor(&r, op->cout, cin / (op->groups > 0 ? op->groups : 1),
				     op->kernel, op->kernel);
		p[1] = op->bias ? random_tensor(&r, 1, op->cout, 1, 1) : NULL;
		rc = rc || !p[0] || (op->bias && !p[1]) ? DCA_ERR_NOMEM : 0;
		break;
	case DCA_OP_LINEAR:
		p[0] = random_tensor(&r, op->cout, cin, 1, 1);
		p[1] = op->bias ? random_tensor(&r, 1, op->cout, 1, 1) : NULL;
		rc = rc || !p[0] ? DCA_ERR_NOMEM : 0;
		break;
	case DCA_OP_BATCHNORM:
		for (i = 0; i < 4; i++)
			p[i] = random_tensor(&r, 1, cin, 1, 1);
		if (p[3])
			for (i = 0; i < cin; i++)
				p[3]->data[i] = 1.0f + fabsf(p[3]->data[i]);
		rc = rc || !p[0] || !p[1] || !p[2] || !p[3] ? DCA_ERR_NOMEM : 0;
		break;
	default:
		break;
	}
	if (rc) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "profile: out of memory");
	} else {
		op_run run = { op, in, p, n_in };
		rc = time_runs(op_once, &run, o, t, err);
	}
	for (i = 0; i < n_in; i++)
		dca_param_free(in[i]);
	for (i = 0; i < 4; i++)
		dca_param_free(p[i]);
	return rc;
}

typedef struct model_run {
	dca_model *m;
	dca_tensor *x;
} model_run;

static int model_once(void *ctx, dca_graph *g, dca_error *err)
{
	const model_run *r = ctx;

	return r->m->forward(r->m, g, r->x, 0, NULL) ? 0
	       : dca_graph_error_set(g, err, "profile: running the network");
}

int dca_time_model(dca_model *m, int c, int h, int w, const dca_timing_opts *o,
		   dca_timing *t, dca_error *err)
{
	model_run r = { m, NULL };
	dca_rng rng;
	int rc;

	memset(t, 0, sizeof *t);
	dca_rng_seed(&rng, 54321);
	if (!(r.x = random_tensor(&rng, o->batch, c, h, w)))
		return dca_error_set(err, DCA_ERR_NOMEM, "profile: out of memory");
	rc = time_runs(model_once, &r, o, t, err);
	dca_param_free(r.x);
	return rc;
}

void dca_op_key(const dca_op_desc *op, char *buf, size_t n)
{
	snprintf(buf, n, "%s c%d-%d %dx%d k%d s%d p%d d%d g%d b%d n%d",
		 dca_op_kind_name(op->kind), op->cin, op->cout, op->h, op->w,
		 op->kernel, op->stride, op->pad, op->dilation, op->groups,
		 op->bias, op->n_in);
}

json_t *dca_op_entry(const dca_op_desc *op, double value_ms)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f}",
			 "kind", dca_op_kind_name(op->kind), "cin", op->cin,
			 "cout", op->cout, "h", op->h, "w", op->w, "kernel", op->kernel,
			 "stride", op->stride, "pad", op->pad, "dilation", op->dilation,
			 "groups", op->groups, "bias", op->bias, "n_in", op->n_in,
			 "value", value_ms);
}

void dca_host_describe(char *buf, size_t n)
{
	char model[256] = "unknown CPU", line[512];
	const char *ct = getenv("OPENBLAS_CORETYPE");
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(model, sizeof model, "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	/* the kernels are part of the name: a table timed with other kernels
	 * (or an older engine) is another machine's */
	snprintf(buf, n, "%s, %d threads, OPENBLAS_CORETYPE=%s, kernels %s-1", model,
		 dca_engine_threads(), ct && *ct ? ct : "unset",
		 dcap_simd_name());
}
