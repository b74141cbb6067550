/* dcanas profile — measure, on this machine with the dcanas engine, the
 * forward latency of every op a search space can put in its evaluation
 * network, into a per-op device profile (the `host` device's table unless
 * --out names another file); with --validate N, also run N random networks
 * end to end, fit the per-network overhead and record how well the sum of
 * ops predicts them (Kendall tau, median relative error). */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/profile.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dcanas profile --space NAME [OPTIONS]\n"
"Measure the forward latency of every op the space's evaluation network can\n"
"contain, on this machine, into a per-op device profile (docs/devices.md).\n"
"Without --out it fills the `host` device's table. An interrupted run keeps\n"
"what it measured; running it again continues.\n\n"
"  --space NAME        nb201 or darts\n"
"  --input CxHxW       (3x32x32)   --classes N (10)\n"
"  --width C --cells N the evaluation network (space defaults)\n"
"  --batch N           images per forward (1)\n"
"  --warmup N --runs N untimed and timed runs per op (3, 15)\n"
"  --threads N         cores to use (default: all)\n"
"  --out FILE          write this profile instead of the host table\n"
"  --validate N        also time N random networks end to end: fit the\n"
"                      per-network overhead, report Kendall tau and the\n"
"                      median relative error of the estimate\n"
"  --points FILE       with --validate: write arch, estimate, measured (TSV)\n"
"  --seed N            for the random networks (1)\n");
}

/* Ctrl-C or SIGTERM: stop after the op being measured; what was measured
 * is saved, and the next run continues from it */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* every distinct op of the candidates and of the skeleton */
static int collect_ops(const dca_space *sp, const dca_net_shape *sh, dca_net *all,
		       dca_error *err)
{
	int e, o, rc = 0, *ref = calloc((size_t)sp->n_edges, sizeof *ref);
	float *za = calloc((size_t)sp->n_edges * sp->n_ops, sizeof *za);
	float *zb = calloc((size_t)sp->n_edges, sizeof *zb);
	dca_arch *a;

	if (!ref || !za || !zb)
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (e = 0; e < sp->n_edges && !rc; e++)
		for (o = 0; o < sp->n_ops && !rc; o++)
			rc = sp->candidate_net(sh, e, o, all, err);
	if (!rc) {
		sp->derive(za, zb, ref);
		if ((a = sp->arch_from_choices(ref, err))) {
			rc = sp->build_net(a, sh, all, err);
			sp->arch_free(a);
		} else {
			rc = DCA_ERR_INVALID;
		}
	}
	free(ref);
	free(za);
	free(zb);
	return rc;
}

static int measure_space_ops(dca_op_table *t, const dca_net *all, dca_error *err)
{
	json_t *seen = json_object();
	size_t i, n_new = 0;
	int rc = 0, tty = isatty(STDERR_FILENO);

	for (i = 0; i < all->n_ops && !rc; i++) {
		char key[256];
		double ms;
		int measured;

		if (stop_requested) {
			rc = dca_error_set(err, DCA_ERR_IO, "interrupted: %zu ops measured "
					   "now are saved in %s; run the same command to "
					   "continue", n_new, dca_op_table_path(t));
			break;
		}
		dca_op_key(&all->ops[i], key, sizeof key);
		if (json_object_get(seen, key))
			continue;
		json_object_set_new(seen, key, json_true());
		rc = dca_op_table_cost(t, &all->ops[i], &ms, &measured, err);
		n_new += measured;
		if (tty)
			fprintf(stderr, "\rprofile: %zu distinct ops, %zu measured now: %-48s",
				json_object_size(seen), n_new, key);
	}
	if (!rc)
		fprintf(stderr, "%sprofile: %zu distinct ops (%zu measured now, the rest "
			"from %s)\n", tty ? "\r" : "", json_object_size(seen), n_new,
			dca_op_table_path(t));
	json_decref(seen);
	return rc;
}

/* least squares of r = a + b*n over the stored points of every space */
static void fit_overhead(dca_op_table *t)
{
	double sn = 0, sr = 0, snn = 0, snr = 0, m = 0, a, b, det;
	const char *space;
	json_t *q, *p;
	size_t i;

	json_object_foreach(dca_op_table_quality(t), space, q)
		json_array_foreach(json_object_get(q, "points"), i, p) {
			double n = json_number_value(json_array_get(p, 1));
			double r = json_number_value(json_array_get(p, 2)) -
				   json_number_value(json_array_get(p, 0));
			sn += n; sr += r; snn += n * n; snr += n * r; m++;
		}
	if (m < 2)
		return;
	det = m * snn - sn * sn;
	b = fabs(det) > 1e-9 ? (m * snr - sn * sr) / det : 0;
	a = (sr - b * sn) / m;
	dca_op_table_set_overhead(t, a, b);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* recompute tau and the median relative error of every space's points
 * under the current overhead; per_net/per_op as fitted */
static void score(dca_op_table *t, double per_net, double per_op)
{
	const char *space;
	json_t *q;

	json_object_foreach(dca_op_table_quality(t), space, q) {
		json_t *pts = json_object_get(q, "points");
		int n = (int)json_array_size(pts), i;
		double *est = calloc((size_t)n + 1, sizeof *est);
		double *meas = calloc((size_t)n + 1, sizeof *meas);
		double *rel = calloc((size_t)n + 1, sizeof *rel);

		for (i = 0; est && meas && rel && i < n; i++) {
			json_t *p = json_array_get(pts, (size_t)i);
			est[i] = json_number_value(json_array_get(p, 0)) + per_net +
				 per_op * json_number_value(json_array_get(p, 1));
			meas[i] = json_number_value(json_array_get(p, 2));
			rel[i] = fabs(est[i] - meas[i]) / meas[i];
		}
		if (est && meas && rel && n > 1) {
			qsort(rel, (size_t)n, sizeof *rel, cmp_double);
			json_object_set_new(q, "kendall_tau", json_real(dca_kendall_tau(est, meas, n)));
			json_object_set_new(q, "median_rel_err", json_real(
				n % 2 ? rel[n / 2] : 0.5 * (rel[n / 2 - 1] + rel[n / 2])));
			json_object_set_new(q, "archs", json_integer(n));
		}
		free(est);
		free(meas);
		free(rel);
	}
}

static int validate(dca_op_table *t, const dca_space *sp, const dca_net_shape *sh,
		    int n, long seed, const dca_timing_opts *o, const char *points_file,
		    dca_error *err)
{
	size_t na = (size_t)sp->n_edges * sp->n_ops;
	float *alpha = malloc(na * sizeof *alpha), *beta = malloc((size_t)sp->n_edges * sizeof *beta);
	int *choice = malloc((size_t)sp->n_edges * sizeof *choice), k, rc = 0;
	json_t *pts = json_array(), *q;
	FILE *pf = points_file ? fopen(points_file, "w") : NULL;
	char shape[128];
	dca_rng rng;
	size_t i;

	if (points_file && !pf)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot write", points_file);
	if (pf)
		fprintf(pf, "arch\tops_sum_ms\tn_ops\tmeasured_ms\n");
	dca_rng_seed(&rng, (uint64_t)seed * 2654435761u + 1);
	for (k = 0; k < n && !rc && alpha && beta && choice && !stop_requested; k++) {
		dca_arch *a;
		dca_model *m = NULL;
		dca_net net;
		dca_timing tm;
		double sum = 0, v;
		char *text;

		for (i = 0; i < na; i++)
			alpha[i] = dca_rng_normal(&rng);
		for (i = 0; i < (size_t)sp->n_edges; i++)
			beta[i] = dca_rng_normal(&rng);
		sp->derive(alpha, beta, choice);
		if (!(a = sp->arch_from_choices(choice, err))) {
			rc = DCA_ERR_INVALID;
			break;
		}
		dca_net_init(&net);
		rc = sp->build_net(a, sh, &net, err);
		for (i = 0; !rc && i < net.n_ops; i++)
			if (!(rc = dca_op_table_cost(t, &net.ops[i], &v, NULL, err)))
				sum += v;
		if (!rc)
			rc = sp->build_model(a, sh, (uint64_t)k + 1, &m, err);
		if (!rc)
			rc = dca_time_model(m, sh->in_c, sh->in_h, sh->in_w, o, &tm, err);
		if (!rc) {
			json_array_append_new(pts, json_pack("[f, i, f]", sum, (int)net.n_ops,
							     tm.median_ms));
			text = sp->arch_format(a);
			if (pf)
				fprintf(pf, "%s\t%.4f\t%zu\t%.4f\n", text, sum, net.n_ops, tm.median_ms);
			free(text);
			if (isatty(STDERR_FILENO))
				fprintf(stderr, "\rvalidate: %d/%d networks (last: ops %.2f ms, "
					"measured %.2f ms)   ", k + 1, n, sum, tm.median_ms);
		}
		dca_model_free(m);
		dca_net_free(&net);
		sp->arch_free(a);
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
	if (pf)
		fclose(pf);
	if (!rc && stop_requested)
		rc = dca_error_set(err, DCA_ERR_IO, "interrupted during validation: the "
				   "op table is saved, the quality is not; run again");
	free(alpha);
	free(beta);
	free(choice);
	if (rc) {
		json_decref(pts);
		return rc;
	}
	snprintf(shape, sizeof shape, "C=%d, %d cells, input %dx%dx%d, batch %d",
		 sh->width, sh->cells, sh->in_c, sh->in_h, sh->in_w, o->batch);
	q = json_pack("{s:s, s:o}", "shape", shape, "points", pts);
	json_object_set_new(dca_op_table_quality(t), sp->name, q);
	fit_overhead(t);
	return 0;
}

int cmd_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "space", required_argument, 0, 's' }, { "input", required_argument, 0, 'i' },
		{ "classes", required_argument, 0, 'k' }, { "width", required_argument, 0, 'w' },
		{ "cells", required_argument, 0, 'c' }, { "batch", required_argument, 0, 'b' },
		{ "warmup", required_argument, 0, 'W' }, { "runs", required_argument, 0, 'r' },
		{ "threads", required_argument, 0, 't' }, { "out", required_argument, 0, 'o' },
		{ "validate", required_argument, 0, 'v' }, { "points", required_argument, 0, 'p' },
		{ "seed", required_argument, 0, 'S' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *space_name = NULL, *out = NULL, *points = NULL;
	dca_net_shape sh = { 0 };
	dca_timing_opts to;
	int o, threads = 0, n_validate = 0, status = 1;
	long seed = 1;
	dca_registry *reg;
	const dca_space *sp;
	dca_op_table *t = NULL;
	dca_error err = { 0 };
	dca_net all;
	char *path = NULL;

	dca_timing_opts_default(&to);
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's': space_name = optarg; break;
		case 'i':
			if (cli_parse_shape(optarg, &sh.in_c, &sh.in_h, &sh.in_w))
				return cli_fail("profile: --input expects CxHxW, e.g. 3x32x32");
			break;
		case 'k': sh.classes = atoi(optarg); break;
		case 'w': sh.width = atoi(optarg); break;
		case 'c': sh.cells = atoi(optarg); break;
		case 'b': to.batch = atoi(optarg); break;
		case 'W': to.warmup = atoi(optarg); break;
		case 'r': to.runs = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 'v': n_validate = atoi(optarg); break;
		case 'p': points = optarg; break;
		case 'S': seed = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!space_name)
		return cli_fail("profile: --space is required (see --help)");
	if (to.batch < 1 || to.runs < 1 || to.warmup < 0 || n_validate < 0 ||
	    sh.classes < 0 || sh.width < 0 || sh.cells < 0)
		return cli_fail("profile: --batch and --runs must be at least 1; "
				"counts are not negative");
	dca_engine_init(threads);
	if (!(reg = cli_registry()))
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!(sp = dca_registry_space(reg, space_name, &err)))
		goto fail;
	if (!sp->candidate_net || !sp->derive || !sp->arch_from_choices) {
		dca_error_set(&err, DCA_ERR_UNSUPPORTED, "space '%s' does not list its "
			      "candidate ops", sp->name);
		goto fail;
	}
	dca_space_resolve_shape(sp, &sh);
	path = out ? strdup(out) : dca_host_cache_path(&to);
	if (!path || !(t = dca_op_table_open(path, &to, &err)))
		goto fail;
	{
		char host[512];
		dca_host_describe(host, sizeof host);
		fprintf(stderr, "profile: %s at C=%d, %d cells, input %dx%dx%d, batch %d "
			"on %s\n", sp->name, sh.width, sh.cells, sh.in_c, sh.in_h, sh.in_w,
			to.batch, host);
	}
	dca_net_init(&all);
	if (collect_ops(sp, &sh, &all, &err) || measure_space_ops(t, &all, &err)) {
		dca_net_free(&all);
		goto fail;
	}
	dca_net_free(&all);
	if (n_validate > 0) {
		if (validate(t, sp, &sh, n_validate, seed, &to, points, &err))
			goto fail;
	}
	{
		/* score every validated space under the overhead now fitted */
		double per_net, per_op;
		dca_op_table_get_overhead(t, &per_net, &per_op);
		score(t, per_net, per_op);
	}
	if (dca_op_table_save(t, &err))
		goto fail;
	dca_op_table_describe(t, stdout);
	status = 0;
	goto out;
fail:
	cli_fail("%s", err.msg);
out:
	dca_op_table_free(t);      /* saves what was measured */
	free(path);
	dca_registry_free(reg);
	return status;
}
