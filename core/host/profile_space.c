/* dcanas — profiling a search space on this machine (what `dcanas profile`
 * runs): the distinct ops its evaluation network can contain, measured into
 * a per-op table; random networks timed end to end to fit the per-network
 * overhead the sum of ops misses, and to score how well the table ranks
 * and prices networks (Kendall tau, median relative error). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/profile.h>
#include <dcanas/tensor.h>

/* progress rewritten in place on a terminal, one line each elsewhere */
static int on_tty(FILE *f)
{
	return f && isatty(fileno(f));
}

static int stopped(const dca_profile_ctl *ctl)
{
	return ctl && ctl->stop && *ctl->stop;
}

int dca_profile_space_ops(const dca_space *sp, const dca_net_shape *sh,
			  dca_net *all, dca_error *err)
{
	int e, o, rc = 0, *ref;
	float *za, *zb;
	dca_arch *a;

	if ((rc = dca_space_require(sp, DCA_SPACE_SEARCH, "list its candidate ops",
				    err)))
		return rc;
	ref = calloc((size_t)sp->n_edges, sizeof *ref);
	za = calloc((size_t)sp->n_edges * sp->n_ops, sizeof *za);
	zb = calloc((size_t)sp->n_edges, sizeof *zb);
	if (!ref || !za || !zb)
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (e = 0; e < sp->n_edges && !rc; e++)
		for (o = 0; o < sp->n_ops && !rc; o++)
			rc = sp->candidate_net(sh, e, o, all, err);
	/* the skeleton (stem, reductions, classifier): one derived network */
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

int dca_op_table_measure(dca_op_table *t, const dca_net *ops,
			 const dca_profile_ctl *ctl, dca_error *err)
{
	FILE *pf = ctl ? ctl->progress : NULL;
	json_t *seen = json_object();
	size_t i, n_new = 0;
	int rc = 0, tty = on_tty(pf);

	if (!seen)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (i = 0; i < ops->n_ops && !rc; i++) {
		char key[256];
		double ms;
		int measured;

		if (stopped(ctl)) {
			rc = dca_error_set(err, DCA_ERR_IO, "interrupted: the %zu ops "
					   "measured now are kept in %s (saved when the table "
					   "is); run the same command to continue", n_new,
					   dca_op_table_path(t));
			break;
		}
		dca_op_key(&ops->ops[i], key, sizeof key);
		if (json_object_get(seen, key))
			continue;
		json_object_set_new(seen, key, json_true());
		rc = dca_op_table_cost(t, &ops->ops[i], &ms, &measured, err);
		n_new += measured;
		if (tty)
			fprintf(pf, "\rprofile: %zu distinct ops, %zu measured now: %-48s",
				json_object_size(seen), n_new, key);
	}
	if (!rc && pf)
		fprintf(pf, "%sprofile: %zu distinct ops (%zu measured now, the rest "
			"from %s)\n", tty ? "\r" : "", json_object_size(seen), n_new,
			dca_op_table_path(t));
	json_decref(seen);
	return rc;
}

void dca_op_table_fit_overhead(dca_op_table *t)
{
	double sn = 0, sr = 0, snn = 0, snr = 0, m = 0, a, b, det;
	const char *space;
	json_t *q, *p;
	size_t i;

	/* least squares of r = a + b*n over the stored points of every space:
	 * r = measured - Σ ops, n = the network's op count */
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

int dca_op_table_score(dca_op_table *t, dca_error *err)
{
	double per_net, per_op;
	const char *space;
	json_t *q;

	dca_op_table_get_overhead(t, &per_net, &per_op);
	json_object_foreach(dca_op_table_quality(t), space, q) {
		json_t *pts = json_object_get(q, "points");
		int n = (int)json_array_size(pts), i;
		double *est = calloc((size_t)n + 1, sizeof *est);
		double *meas = calloc((size_t)n + 1, sizeof *meas);
		double *rel = calloc((size_t)n + 1, sizeof *rel);

		if (!est || !meas || !rel) {
			free(est);
			free(meas);
			free(rel);
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		}
		for (i = 0; i < n; i++) {
			json_t *p = json_array_get(pts, (size_t)i);
			est[i] = json_number_value(json_array_get(p, 0)) + per_net +
				 per_op * json_number_value(json_array_get(p, 1));
			meas[i] = json_number_value(json_array_get(p, 2));
			rel[i] = fabs(est[i] - meas[i]) / meas[i];
		}
		if (n > 1) {
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
	return 0;
}

/* One random network of sp: Σ of its ops in the table, its op count, and
 * its measured latency, appended to pts (and a line to points). */
static int validate_one(dca_op_table *t, const dca_space *sp, const dca_net_shape *sh,
			const int *choice, uint64_t seed, json_t *pts, FILE *points,
			double *sum_out, double *measured_out, dca_error *err)
{
	dca_arch *a = sp->arch_from_choices(choice, err);
	dca_model *m = NULL;
	dca_net net;
	dca_timing tm;
	double sum = 0, v;
	size_t i;
	int rc;

	if (!a)
		return DCA_ERR_INVALID;
	dca_net_init(&net);
	rc = sp->build_net(a, sh, &net, err);
	for (i = 0; !rc && i < net.n_ops; i++)
		if (!(rc = dca_op_table_cost(t, &net.ops[i], &v, NULL, err)))
			sum += v;
	if (!rc)
		rc = dca_space_build_model(sp, a, sh, seed, &m, err);
	if (!rc)
		rc = dca_time_model(m, sh->in_c, sh->in_h, sh->in_w,
				    dca_op_table_timing(t), &tm, err);
	if (!rc) {
		json_array_append_new(pts, json_pack("[f, i, f]", sum, (int)net.n_ops,
						     tm.median_ms));
		if (points) {
			char *text = sp->arch_format(a);
			fprintf(points, "%s\t%.4f\t%zu\t%.4f\n", text ? text : "?", sum,
				net.n_ops, tm.median_ms);
			free(text);
		}
		*sum_out = sum;
		*measured_out = tm.median_ms;
	}
	dca_model_free(m);
	dca_net_free(&net);
	sp->arch_free(a);
	return rc;
}

int dca_op_table_validate(dca_op_table *t, const dca_space *sp, const dca_net_shape *sh,
			  int n, uint64_t seed, FILE *points, const dca_profile_ctl *ctl,
			  dca_error *err)
{
	size_t na = (size_t)sp->n_edges * sp->n_ops, i;
	float *alpha = malloc(na * sizeof *alpha);
	float *beta = malloc((size_t)sp->n_edges * sizeof *beta);
	int *choice = malloc((size_t)sp->n_edges * sizeof *choice), k, rc = 0;
	FILE *pf = ctl ? ctl->progress : NULL;
	json_t *pts = json_array(), *q;
	char shape[128];
	dca_rng rng;

	if (!alpha || !beta || !choice || !pts) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = dca_space_require(sp, DCA_SPACE_SEARCH, "be validated", err)))
		goto out;
	if (points)
		fprintf(points, "arch\tops_sum_ms\tn_ops\tmeasured_ms\n");
	/* random architectures: random logits through the derivation rule */
	dca_rng_seed(&rng, seed * 2654435761u + 1);
	for (k = 0; k < n && !rc && !stopped(ctl); k++) {
		double sum = 0, measured = 0;

		for (i = 0; i < na; i++)
			alpha[i] = dca_rng_normal(&rng);
		for (i = 0; i < (size_t)sp->n_edges; i++)
			beta[i] = dca_rng_normal(&rng);
		sp->derive(alpha, beta, choice);
		rc = validate_one(t, sp, sh, choice, (uint64_t)k + 1, pts, points,
				  &sum, &measured, err);
		if (!rc && on_tty(pf))
			fprintf(pf, "\rvalidate: %d/%d networks (last: ops %.2f ms, "
				"measured %.2f ms)   ", k + 1, n, sum, measured);
	}
	if (on_tty(pf))
		fprintf(pf, "\n");
	if (!rc && stopped(ctl))
		rc = dca_error_set(err, DCA_ERR_IO, "interrupted during "
				   "validation: the op table is kept, the quality is not; "
				   "run again");
	if (rc)
		goto out;
	snprintf(shape, sizeof shape, "C=%d, %d cells, input %dx%dx%d, batch %d",
		 sh->width, sh->cells, sh->in_c, sh->in_h, sh->in_w,
		 dca_op_table_timing(t)->batch);
	q = json_pack("{s:s, s:O}", "shape", shape, "points", pts);
	if (!q || json_object_set_new(dca_op_table_quality(t), sp->name, q)) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	dca_op_table_fit_overhead(t);
out:
	json_decref(pts);
	free(alpha);
	free(beta);
	free(choice);
	return rc;
}

int dca_profile_space(dca_op_table *t, const dca_space *sp, const dca_net_shape *sh,
		      int n_validate, uint64_t seed, FILE *points,
		      const dca_profile_ctl *ctl, dca_error *err)
{
	dca_net all;
	int rc;

	dca_net_init(&all);
	rc = dca_profile_space_ops(sp, sh, &all, err);
	if (!rc)
		rc = dca_op_table_measure(t, &all, ctl, err);
	dca_net_free(&all);
	if (!rc && n_validate > 0)
		rc = dca_op_table_validate(t, sp, sh, n_validate, seed, points, ctl, err);
	/* every validated space, scored under the overhead now fitted */
	if (!rc)
		rc = dca_op_table_score(t, err);
	return rc;
}
