/* dcanas — the additive per-edge model fitted to a device's whole-network
 * table (network_fit.h).
 *
 * Two fits over the same normal equations X'X x = X'y, where a row of X is
 * one arch: a 1 for the bias and for each (edge, op) the arch keeps.
 *  - Plain least squares, with op 0 as every always-kept edge's reference
 *    (the one-hots of such an edge sum to the bias column, so one of its
 *    ops must be pinned): solved by Cholesky, whose failure means the table
 *    does not determine the terms. It is only reported.
 *  - Non-negative least squares (Lawson and Hanson's active-set method) on
 *    every term, bias and all ops of all edges: this is the model. Bounding
 *    every term, not the total, keeps each softmax mixture the search forms
 *    at >= 0 too, and the per-edge shift that the bound leaves free is
 *    harmless: it is set so the cheapest op of each always-kept edge is 0.
 * With 1 + edges * ops unknowns (31 for NAS-Bench-201) both are cheap; the
 * cost is reading the table's archs with the space's parser. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/network_fit.h>

/* ------------------------------------------------------------------ */
/* Dense symmetric positive definite solves                           */

/* A = L L' in place (lower triangle, row-major n x n). Fails (-1) when a
 * pivot falls to rel_tol times its original diagonal entry or below: the
 * columns are (numerically) dependent. */
static int chol_factor(double *A, int n, double rel_tol)
{
	int i, j, k;

	for (j = 0; j < n; j++) {
		double d = A[j * n + j], d0 = d;
		for (k = 0; k < j; k++)
			d -= A[j * n + k] * A[j * n + k];
		if (!(d > rel_tol * d0) || !(d0 > 0))
			return -1;
		d = sqrt(d);
		A[j * n + j] = d;
		for (i = j + 1; i < n; i++) {
			double s = A[i * n + j];
			for (k = 0; k < j; k++)
				s -= A[i * n + k] * A[j * n + k];
			A[i * n + j] = s / d;
		}
	}
	return 0;
}

/* Solve L L' x = b in place. */
static void chol_solve(const double *L, double *b, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		double s = b[i];
		for (k = 0; k < i; k++)
			s -= L[i * n + k] * b[k];
		b[i] = s / L[i * n + i];
	}
	for (i = n - 1; i >= 0; i--) {
		double s = b[i];
		for (k = i + 1; k < n; k++)
			s -= L[k * n + i] * b[k];
		b[i] = s / L[i * n + i];
	}
}

/* ------------------------------------------------------------------ */
/* Reading the table with the space's parser                          */

/* choice[a * E + e] for every arch of t. A key the space prints otherwise
 * is refused: exact lookups key on the space's format and would miss it. */
static int encode(const dca_space *sp, const dca_network_table *t, int *choice,
		  dca_error *err)
{
	int E = sp->n_edges, e;
	size_t a;

	for (a = 0; a < t->n; a++) {
		dca_error perr = { 0 };
		dca_arch *arch = sp->arch_parse(t->archs[a], &perr);
		int *c = choice + a * (size_t)E, n;
		char *text;

		if (!arch)
			return dca_error_set(err, DCA_ERR_INVALID, "%s: %s table for "
					     "space %s: arch %zu is not a %s architecture: %s",
					     t->source, t->metric, t->space, a, sp->name,
					     perr.msg);
		n = sp->arch_choices(arch, c);
		text = sp->arch_format(arch);
		sp->arch_free(arch);
		if (!text)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		if (strcmp(text, t->archs[a]) != 0) {
			dca_error_set(err, DCA_ERR_INVALID, "%s: %s table for space %s: "
				      "arch \"%.300s\" is written \"%.300s\" by the space; "
				      "write the table's archs in the space's format "
				      "(exact lookups key on it)", t->source, t->metric,
				      t->space, t->archs[a], text);
			free(text);
			return DCA_ERR_INVALID;
		}
		free(text);
		if (n < 0)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED, "%s: %s table for "
					     "space %s: arch \"%.300s\" is not one op per edge "
					     "in that space, so no additive model",
					     t->source, t->metric, t->space, t->archs[a]);
		for (e = 0; e < E; e++)
			if (c[e] < -1 || c[e] >= sp->n_ops)
				return dca_error_set(err, DCA_ERR_INVALID, "space %s gave op "
						     "%d on edge %d of \"%.300s\" (it has %d ops)",
						     sp->name, c[e], e, t->archs[a], sp->n_ops);
	}
	return 0;
}

/* Accumulate X'X (p x p) and X'y for the column map col[e * O + op]: the
 * column of that term, or -1 for a pinned one; column 0 is the bias. */
static void normal_eq(const dca_network_fit *f, const int *choice,
		      const double *y, const int *col, int p, double *A,
		      double *b)
{
	int E = f->n_edges, O = f->n_ops, e, i, j, nc;
	int *cols = malloc(((size_t)E + 1) * sizeof *cols);
	size_t a;

	memset(A, 0, (size_t)p * p * sizeof *A);
	memset(b, 0, (size_t)p * sizeof *b);
	for (a = 0; a < f->n_archs; a++) {
		const int *c = choice + a * (size_t)E;
		nc = 0;
		cols[nc++] = 0;
		for (e = 0; e < E; e++)
			if (c[e] >= 0 && col[e * O + c[e]] >= 0)
				cols[nc++] = col[e * O + c[e]];
		for (i = 0; i < nc; i++) {
			b[cols[i]] += y[a];
			for (j = 0; j < nc; j++)
				A[cols[i] * p + cols[j]] += 1.0;
		}
	}
	free(cols);
}

/* ------------------------------------------------------------------ */
/* Non-negative least squares                                          */

/* min 0.5 x'Ax - b'x subject to x >= 0, by Lawson and Hanson's active-set
 * method on the normal equations (A = X'X, b = X'y). A variable enters the
 * passive set only where the gradient says it lowers the residual; a column
 * dependent on the passive ones has zero gradient there, so the passive
 * set stays of full rank and each step is a Cholesky solve. */
static int nnls(const double *A, const double *b, int p, double *x)
{
	double *L = malloc((size_t)p * p * sizeof *L);
	double *z = malloc((size_t)p * sizeof *z);
	int *P = calloc((size_t)p, sizeof *P), *skip = calloc((size_t)p, sizeof *skip);
	int *idx = malloc((size_t)p * sizeof *idx);
	double bmax = 0, tol;
	int i, j, k, np, iter, rc = 0;

	if (!L || !z || !P || !skip || !idx) {
		rc = DCA_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < p; i++) {
		x[i] = 0;
		if (fabs(b[i]) > bmax)
			bmax = fabs(b[i]);
	}
	tol = 1e-11 * (bmax > 0 ? bmax : 1);
	for (iter = 0; iter < 10 * p; iter++) {
		double gmax = tol;
		int enter = -1;

		for (j = 0; j < p; j++) {          /* gradient b - A x */
			double g = b[j];
			if (P[j] || skip[j])
				continue;
			for (k = 0; k < p; k++)
				g -= A[j * p + k] * x[k];
			if (g > gmax) {
				gmax = g;
				enter = j;
			}
		}
		if (enter < 0)
			break;
		P[enter] = 1;
		for (;;) {                         /* least squares on P */
			double alpha = 2;
			for (np = 0, j = 0; j < p; j++)
				if (P[j])
					idx[np++] = j;
			for (i = 0; i < np; i++) {
				for (k = 0; k < np; k++)
					L[i * np + k] = A[idx[i] * p + idx[k]];
				z[i] = b[idx[i]];
			}
			if (chol_factor(L, np, 1e-12) != 0) {
				P[enter] = 0;      /* dependent after all: leave it out */
				skip[enter] = 1;
				break;
			}
			chol_solve(L, z, np);
			for (i = 0; i < np; i++)
				if (z[i] <= 0) {
					double d = x[idx[i]] - z[i];
					double t = d > 0 ? x[idx[i]] / d : 0;
					if (t < alpha)
						alpha = t;
				}
			if (alpha > 1) {           /* all positive: take it */
				for (i = 0; i < np; i++)
					x[idx[i]] = z[i];
				memset(skip, 0, (size_t)p * sizeof *skip);
				break;
			}
			/* step towards z until a variable hits 0; drop it */
			for (i = 0; i < np; i++) {
				x[idx[i]] += alpha * (z[i] - x[idx[i]]);
				if (x[idx[i]] <= 1e-14 * (bmax > 0 ? bmax : 1) || (z[i] <= 0 &&
				    alpha == 0)) {
					x[idx[i]] = 0;
					P[idx[i]] = 0;
				}
			}
			if (!P[enter] && alpha == 0) {   /* it could not move: do not retry */
				skip[enter] = 1;
				break;
			}
		}
	}
	for (i = 0; i < p; i++)
		if (x[i] < 0)
			x[i] = 0;
out:
	free(L);
	free(z);
	free(P);
	free(skip);
	free(idx);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The fit                                                             */

double dca_network_fit_predict(const dca_network_fit *fit, const int *choice)
{
	double c = fit->bias;
	int e;

	for (e = 0; e < fit->n_edges; e++)
		if (choice[e] >= 0)
			c += fit->w[e * fit->n_ops + choice[e]];
	return c;
}

void dca_network_fit_free(dca_network_fit *fit)
{
	free(fit->w);
	free(fit->always_kept);
	memset(fit, 0, sizeof *fit);
}

/* Check that the table determines every term; count the unknowns. */
static int check_determined(dca_network_fit *f, const dca_space *sp,
			    const dca_network_table *t, const int *choice,
			    dca_error *err)
{
	int E = f->n_edges, O = f->n_ops, e, o;
	size_t *seen = calloc((size_t)E * O, sizeof *seen), a;

	if (!seen)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (e = 0; e < E; e++)
		f->always_kept[e] = 1;
	for (a = 0; a < t->n; a++)
		for (e = 0; e < E; e++) {
			int c = choice[a * (size_t)E + e];
			if (c < 0)
				f->always_kept[e] = 0;
			else
				seen[e * O + c]++;
		}
	f->n_unknowns = 1;
	for (e = 0; e < E; e++)
		f->n_unknowns += f->always_kept[e] ? O - 1 : O;
	if (t->n < (size_t)f->n_unknowns) {
		free(seen);
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "%s: the %s table for "
				     "space %s has %zu archs, fewer than the %d unknowns "
				     "of the additive model (a bias and a cost per op "
				     "per edge), so any fit would match it exactly and "
				     "say nothing: give it at least %d archs that vary "
				     "every edge's op", t->source, t->metric, t->space,
				     t->n, f->n_unknowns, f->n_unknowns);
	}
	for (e = 0; e < E; e++)
		for (o = 0; o < O; o++)
			if (!seen[e * O + o]) {
				free(seen);
				return dca_error_set(err, DCA_ERR_UNSUPPORTED, "%s: op %s "
						     "never occurs on edge %d of the %s table "
						     "for space %s (%zu archs), so its cost "
						     "there is unknown: add archs that use it",
						     t->source, sp->op_names[o], e, t->metric,
						     t->space, t->n);
			}
	free(seen);
	return 0;
}

/* Plain least squares with op 0 pinned on always-kept edges: only for the
 * report, and to see that the archs separate every term. */
static int fit_plain(dca_network_fit *f, const dca_network_table *t,
		     const int *choice, dca_error *err)
{
	int E = f->n_edges, O = f->n_ops, p = f->n_unknowns, e, o, k = 1;
	int *col = malloc((size_t)E * O * sizeof *col);
	double *A = malloc((size_t)p * p * sizeof *A), *b = malloc((size_t)p * sizeof *b);
	double mean = 0, ss_res = 0, ss_tot = 0;
	size_t a;
	int rc = 0;

	if (!col || !A || !b) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (e = 0; e < E; e++)
		for (o = 0; o < O; o++)
			col[e * O + o] = f->always_kept[e] && o == 0 ? -1 : k++;
	normal_eq(f, choice, t->values, col, p, A, b);
	if (chol_factor(A, p, 1e-10) != 0) {
		rc = dca_error_set(err, DCA_ERR_UNSUPPORTED, "%s: the %zu archs of the "
				   "%s table for space %s do not separate the cost of "
				   "every op on every edge (the %d unknowns are not "
				   "determined): add archs that vary the ops "
				   "independently", t->source, t->n, t->metric, t->space, p);
		goto out;
	}
	chol_solve(A, b, p);
	for (a = 0; a < t->n; a++)
		mean += t->values[a];
	mean /= (double)t->n;
	f->ls_min = INFINITY;
	for (a = 0; a < t->n; a++) {
		const int *c = choice + a * (size_t)E;
		double pred = b[0], r;
		for (e = 0; e < E; e++)
			if (c[e] >= 0 && col[e * O + c[e]] >= 0)
				pred += b[col[e * O + c[e]]];
		if (pred < f->ls_min) {
			f->ls_min = pred;
			f->ls_min_at = a;
		}
		r = pred - t->values[a];
		ss_res += r * r;
		ss_tot += (t->values[a] - mean) * (t->values[a] - mean);
	}
	f->ls_r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
out:
	free(col);
	free(A);
	free(b);
	return rc;
}

/* The model: every term >= 0. */
static int fit_nonneg(dca_network_fit *f, const dca_network_table *t,
		      const int *choice, dca_error *err)
{
	int E = f->n_edges, O = f->n_ops, p = 1 + E * O, e, o;
	int *col = malloc((size_t)E * O * sizeof *col);
	double *A = malloc((size_t)p * p * sizeof *A), *b = malloc((size_t)p * sizeof *b);
	double *x = malloc((size_t)p * sizeof *x);
	int rc = 0;

	if (!col || !A || !b || !x) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (e = 0; e < E * O; e++)
		col[e] = 1 + e;
	normal_eq(f, choice, t->values, col, p, A, b);
	if (nnls(A, b, p, x) != 0) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	f->bias = x[0];
	for (e = 0; e < E; e++) {
		double m = INFINITY;
		for (o = 0; o < O; o++)
			if (x[1 + e * O + o] < m)
				m = x[1 + e * O + o];
		if (!f->always_kept[e])
			m = 0;       /* an edge left out costs 0: no shift is free */
		for (o = 0; o < O; o++)
			f->w[e * O + o] = x[1 + e * O + o] - m;
		f->bias += m;
	}
out:
	free(col);
	free(A);
	free(b);
	free(x);
	return rc;
}

static void fit_quality(dca_network_fit *f, const dca_network_table *t,
			const int *choice)
{
	double mean = 0, ss_res = 0, ss_tot = 0;
	size_t a;

	for (a = 0; a < t->n; a++)
		mean += t->values[a];
	mean /= (double)t->n;
	f->worst_abs = f->worst_rel = 0;
	for (a = 0; a < t->n; a++) {
		double y = t->values[a];
		double r = dca_network_fit_predict(f, choice + a * (size_t)f->n_edges) - y;
		ss_res += r * r;
		ss_tot += (y - mean) * (y - mean);
		if (fabs(r) >= f->worst_abs) {
			f->worst_abs = fabs(r);
			f->worst_abs_at = a;
		}
		if (y > 0 && fabs(r) / y >= f->worst_rel) {
			f->worst_rel = fabs(r) / y;
			f->worst_rel_at = a;
		}
	}
	f->rmse = sqrt(ss_res / (double)t->n);
	f->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
}

int dca_network_fit_init(dca_network_fit *fit, const dca_space *sp,
			 const dca_network_table *t, dca_error *err)
{
	int *choice = NULL;
	int rc;

	memset(fit, 0, sizeof *fit);
	if (!(dca_space_parts(sp) & DCA_SPACE_CHOICES))
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "space %s has no "
				     "fixed edges and ops to read archs into, so no "
				     "additive model of %s's %s table", sp->name,
				     t->source, t->metric);
	if (strcmp(sp->name, t->space) != 0)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: a %s table for space "
				     "%s cannot be fitted for space %s", t->source,
				     t->metric, t->space, sp->name);
	fit->n_edges = sp->n_edges;
	fit->n_ops = sp->n_ops;
	fit->n_archs = t->n;
	choice = malloc(t->n * (size_t)sp->n_edges * sizeof *choice);
	fit->w = calloc((size_t)sp->n_edges * sp->n_ops, sizeof *fit->w);
	fit->always_kept = calloc((size_t)sp->n_edges, sizeof *fit->always_kept);
	if (!choice || !fit->w || !fit->always_kept) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = encode(sp, t, choice, err)) ||
	    (rc = check_determined(fit, sp, t, choice, err)) ||
	    (rc = fit_plain(fit, t, choice, err)) ||
	    (rc = fit_nonneg(fit, t, choice, err)))
		goto out;
	fit_quality(fit, t, choice);
out:
	free(choice);
	if (rc)
		dca_network_fit_free(fit);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */

void dca_network_fit_print(const dca_network_fit *f, const dca_space *sp,
			   const dca_network_table *t, const char *in, FILE *out)
{
	const char *u = t->unit;
	double bias = f->bias;
	int e, o, O = f->n_ops;

	fprintf(out, "%sadditive fit (bias + per-edge op cost, non-negative least "
		"squares over %zu archs, %d unknowns): R^2 %.4f, RMSE %.4g %s\n",
		in, f->n_archs, f->n_unknowns, f->r2, f->rmse, u);
	fprintf(out, "%s  worst abs error %.4g %s at %s (table %.6g)\n", in,
		f->worst_abs, u, t->archs[f->worst_abs_at], t->values[f->worst_abs_at]);
	fprintf(out, "%s  worst rel error %.1f%% at %s (table %.6g)\n", in,
		100.0 * f->worst_rel, t->archs[f->worst_rel_at],
		t->values[f->worst_rel_at]);
	if (f->ls_min < 0)
		fprintf(out, "%s  non-negative: plain least squares (R^2 %.4f) gives "
			"%.4g %s at %s (table %.6g); holding every term >= 0 keeps "
			"each estimate >= 0\n", in, f->ls_r2, f->ls_min, u,
			t->archs[f->ls_min_at], t->values[f->ls_min_at]);
	else
		fprintf(out, "%s  non-negative: plain least squares is too (lowest "
			"%.4g %s, at %s)\n", in, f->ls_min, u, t->archs[f->ls_min_at]);
	for (e = 0; e < f->n_edges; e++)
		if (f->always_kept[e])
			bias += f->w[e * O];
	fprintf(out, "%s  bias %.6g; per-edge cost relative to %s:\n", in, bias,
		sp->op_names[0]);
	for (e = 0; e < f->n_edges; e++) {
		int k = f->always_kept[e];
		fprintf(out, "%s  edge %d%s:", in, e, k ? "" : " (not in every arch)");
		for (o = k ? 1 : 0; o < O; o++)
			fprintf(out, " %s %+.4g", sp->op_names[o],
				f->w[e * O + o] - (k ? f->w[e * O] : 0));
		fputc('\n', out);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int dca_network_tables_describe(const dca_device *dev, const dca_registry *reg,
				FILE *out, FILE *warn, dca_error *err)
{
	const dca_network_table *tables = NULL;
	size_t n = 0, i, j;
	int rc;

	if (!dev->network_tables)
		return 0;
	if ((rc = dev->network_tables(dev, &tables, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const dca_network_table *t = &tables[i];
		const dca_space *sp = reg ? dca_registry_space(reg, t->space, NULL) : NULL;
		double *v;
		dca_network_fit fit;
		dca_error ferr = { 0 };

		fprintf(out, "  network table %zu: space %s, %s (%s), %zu archs", i,
			t->space, t->metric, t->unit, t->n);
		if (t->dataset)
			fprintf(out, ", dataset %s", t->dataset);
		if (t->input[0])
			fprintf(out, ", input %dx%dx%d", t->input[0], t->input[1],
				t->input[2]);
		if (t->width)
			fprintf(out, ", C=%d", t->width);
		if (t->cells)
			fprintf(out, ", N=%d", t->cells);
		fputc('\n', out);
		if (t->note)
			fprintf(out, "    note: %s\n", t->note);
		/* a device module may hand over an empty table: no statistics
		 * (the fit below says why it cannot be fitted) */
		if (t->n > 0) {
			if (!(v = malloc(t->n * sizeof *v)))
				return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			for (j = 0; j < t->n; j++)
				v[j] = t->values[j];
			qsort(v, t->n, sizeof *v, cmp_double);
			fprintf(out, "    min %.6g  median %.6g  max %.6g %s\n", v[0],
				t->n % 2 ? v[t->n / 2] : 0.5 * (v[t->n / 2 - 1] + v[t->n / 2]),
				v[t->n - 1], t->unit);
			free(v);
		}
		if (!sp) {
			fprintf(out, "    additive fit: not fitted: no loaded module "
				"provides space '%s'\n", t->space);
			if (warn)
				fprintf(warn, "dcanas: warning: %s: network table %zu is for "
					"space '%s', which no loaded module provides; "
					"skipped, not fitted (see `dcanas plugins`)\n",
					t->source, i, t->space);
			continue;
		}
		if (dca_network_fit_init(&fit, sp, t, &ferr) != 0) {
			if (ferr.code == DCA_ERR_NOMEM)
				return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			fprintf(out, "    additive fit: not available: %s\n", ferr.msg);
			continue;
		}
		dca_network_fit_print(&fit, sp, t, "    ", out);
		dca_network_fit_free(&fit);
	}
	return 0;
}
