/* dcanas — table devices: one device per JSON profile file.
 *
 * At registration the module scans the profile path (DCANAS_PROFILE_PATH,
 * colon-separated, then DCA_PROFILEDIR) for *.json and *.json.gz files,
 * reads each one's header (format version, name, summary) and registers a
 * dca_device for it; the tables are parsed and checked on first use. The first profile of
 * a name wins; a later one is skipped with a warning. A profile with a bad
 * header is skipped with a message naming the file; a bad table makes the
 * device's callbacks fail with a message naming the file and the JSON path
 * (network_tables[0].archs...). The other profiles are unaffected. The format is documented in docs/devices.md.
 *
 * Device answers:
 *   arch_cost   exact value from a network table (space, metric)
 *   op_cost     exact value from an op table (first matching entry)
 *   edge_model  least-squares additive per-edge-per-op fit of a network
 *               table (cached), mapped onto the space's op order
 *   describe    provenance, tables, fit quality
 */
#include "config.h"

#include <dcanas/dcanas.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DCA_PROFILEDIR
#define DCA_PROFILEDIR "/usr/local/share/dcanas/profiles"
#endif

#define TD_MAX_EDGES 64
#define TD_MAX_OPS 32
#define TD_RIDGE 1e-9

/* ------------------------------------------------------------------ state */

typedef struct td_arch {
	char *text;
	double value;          /* already scaled to the metric's unit */
} td_arch;

typedef struct td_fit {
	int done;              /* 0: not tried; 1: ok; -1: failed (msg) */
	char msg[512];
	int n_edges, n_ops;
	char *op_names[TD_MAX_OPS];  /* fit vocabulary */
	double *coef;          /* n_edges * n_ops; reference op = 0 */
	double bias;
	double r2, rmse;
	double worst_abs, worst_rel;
	const char *worst_abs_arch, *worst_rel_arch;
	double worst_abs_value, worst_rel_value; /* table values there */
} td_fit;

typedef struct td_net_table {
	char *space, *metric, *unit, *dataset, *note;
	double scale;          /* stored unit -> metric's canonical unit */
	int input[3], classes, width, cells;
	td_arch *archs;        /* sorted by text */
	size_t n;
	td_fit fit;
} td_net_table;

/* -1 in an int field: wildcard (absent in the profile) */
#define TD_OP_FIELDS 11

typedef struct td_op_entry {
	char *kind;
	int f[TD_OP_FIELDS];   /* td_op_fields; -1: absent (matches anything) */
	double value;
} td_op_entry;

static const char *const td_op_fields[TD_OP_FIELDS] = {
	"cin", "cout", "h", "w", "kernel", "stride", "pad", "dilation", "groups",
	"bias", "n_in",
};

typedef struct td_op_table {
	char *metric, *unit;
	double scale;
	td_op_entry *entries;
	size_t n;
} td_op_table;

typedef struct td_profile {
	char *file;
	char *name, *summary, *provenance, *license;
	td_net_table *nets;
	size_t n_nets;
	td_op_table *ops;
	size_t n_ops;
} td_profile;

/* ---------------------------------------------------------------- helpers */

/* Scale from unit to the canonical unit of metric; 0 when the unit does not
 * belong to the metric. Metrics other than latency/energy keep their unit. */
static double td_unit_scale(const char *metric, const char *unit)
{
	if (strcmp(metric, "latency") == 0) {
		if (strcmp(unit, "ms") == 0) return 1.0;
		if (strcmp(unit, "s") == 0) return 1e3;
		if (strcmp(unit, "us") == 0) return 1e-3;
		return 0.0;
	}
	if (strcmp(metric, "energy") == 0) {
		if (strcmp(unit, "mJ") == 0) return 1.0;
		if (strcmp(unit, "J") == 0) return 1e3;
		if (strcmp(unit, "uJ") == 0) return 1e-3;
		return 0.0;
	}
	return 1.0;
}

static char *td_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static int td_cmp_arch(const void *a, const void *b)
{
	return strcmp(((const td_arch *)a)->text, ((const td_arch *)b)->text);
}

static int td_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static const td_arch *td_find_arch(const td_net_table *t, const char *text)
{
	td_arch key;
	key.text = (char *)text;
	return bsearch(&key, t->archs, t->n, sizeof *t->archs, td_cmp_arch);
}

static void td_fit_free(td_fit *fit)
{
	int i;
	for (i = 0; i < TD_MAX_OPS; i++) {
		free(fit->op_names[i]);
		fit->op_names[i] = NULL;
	}
	free(fit->coef);
	fit->coef = NULL;
}

static void td_profile_free(td_profile *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->n_nets; i++) {
		td_net_table *t = &p->nets[i];
		free(t->space); free(t->metric); free(t->unit);
		free(t->dataset); free(t->note);
		for (j = 0; j < t->n; j++)
			free(t->archs[j].text);
		free(t->archs);
		td_fit_free(&t->fit);
	}
	free(p->nets);
	for (i = 0; i < p->n_ops; i++) {
		td_op_table *t = &p->ops[i];
		free(t->metric); free(t->unit);
		for (j = 0; j < t->n; j++)
			free(t->entries[j].kind);
		free(t->entries);
	}
	free(p->ops);
	free(p->file); free(p->name); free(p->summary);
	free(p->provenance); free(p->license);
	free(p);
}

/* ------------------------------------------------------------- validation */

#define TD_NOMEM(err, file) \
	dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", file)

static const char *td_json_type(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* Get a string member. required: absent is an error. Returns 0 and a new
 * copy in *out (NULL when absent and optional). */
static int td_get_string(const json_t *obj, const char *key, int required,
			 const char *file, const char *path, char **out,
			 dca_error *err)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v) {
		if (required)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "%s: %s%s%s: missing (a string is required)",
					     file, path, *path ? "." : "", key);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s%s%s: expected a non-empty string, got %s",
				     file, path, *path ? "." : "", key,
				     json_is_string(v) ? "an empty string" : td_json_type(v));
	*out = td_strdup(json_string_value(v));
	if (!*out)
		return TD_NOMEM(err, file);
	return 0;
}

/* Optional non-negative integer member; *out = dflt when absent. */
static int td_get_int(const json_t *obj, const char *key, int dflt,
		      const char *file, const char *path, int *out,
		      dca_error *err)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1000000000)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.%s: expected a non-negative integer, got %s",
				     file, path, key, td_json_type(v));
	*out = (int)json_integer_value(v);
	return 0;
}

static int td_get_value(const json_t *v, const char *file, const char *path,
			const char *key, double *out, dca_error *err)
{
	double x;

	if (!json_is_number(v))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s%s: expected a number, got %s",
				     file, path, key, td_json_type(v));
	x = json_number_value(v);
	if (!isfinite(x) || x < 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s%s: expected a finite non-negative number, got %g",
				     file, path, key, x);
	*out = x;
	return 0;
}

static int td_check_metric_unit(const char *metric, const char *unit,
				double *scale, const char *file,
				const char *path, dca_error *err)
{
	*scale = td_unit_scale(metric, unit);
	if (*scale == 0.0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.unit: unit \"%s\" does not fit metric \"%s\" "
				     "(latency: ms, us, s; energy: mJ, uJ, J)",
				     file, path, unit, metric);
	return 0;
}

static int td_load_net_table(const json_t *jt, td_net_table *t,
			     const char *file, const char *path,
			     dca_error *err)
{
	json_t *archs, *input, *v;
	const char *key;
	size_t i;
	int rc;
	char vpath[256];

	if (!json_is_object(jt))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s: expected an object, got %s",
				     file, path, td_json_type(jt));
	if ((rc = td_get_string(jt, "space", 1, file, path, &t->space, err)) ||
	    (rc = td_get_string(jt, "metric", 1, file, path, &t->metric, err)) ||
	    (rc = td_get_string(jt, "unit", 1, file, path, &t->unit, err)) ||
	    (rc = td_get_string(jt, "dataset", 0, file, path, &t->dataset, err)) ||
	    (rc = td_get_string(jt, "note", 0, file, path, &t->note, err)))
		return rc;
	if ((rc = td_check_metric_unit(t->metric, t->unit, &t->scale, file,
				       path, err)))
		return rc;
	if ((rc = td_get_int(jt, "classes", 0, file, path, &t->classes, err)) ||
	    (rc = td_get_int(jt, "width", 0, file, path, &t->width, err)) ||
	    (rc = td_get_int(jt, "cells", 0, file, path, &t->cells, err)))
		return rc;
	input = json_object_get(jt, "input");
	if (input) {
		if (!json_is_array(input) || json_array_size(input) != 3)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "%s: %s.input: expected [channels, height, width]",
					     file, path);
		for (i = 0; i < 3; i++) {
			v = json_array_get(input, i);
			if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
			    json_integer_value(v) > 1000000)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "%s: %s.input[%zu]: expected a positive integer, got %s",
						     file, path, i, td_json_type(v));
			t->input[i] = (int)json_integer_value(v);
		}
	}
	archs = json_object_get(jt, "archs");
	if (!archs || !json_is_object(archs) || json_object_size(archs) == 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.archs: %s", file, path,
				     !archs ? "missing (an object {arch string: value} is required)"
				     : !json_is_object(archs) ? "expected an object {arch string: value}"
				     : "empty");
	t->archs = calloc(json_object_size(archs), sizeof *t->archs);
	if (!t->archs)
		return TD_NOMEM(err, file);
	snprintf(vpath, sizeof vpath, "%s.archs", path);
	json_object_foreach(archs, key, v) {
		char kpath[160];
		double x;
		snprintf(kpath, sizeof kpath, "[\"%.120s\"]", key);
		if ((rc = td_get_value(v, file, vpath, kpath, &x, err)))
			return rc;
		t->archs[t->n].text = td_strdup(key);
		if (!t->archs[t->n].text)
			return TD_NOMEM(err, file);
		t->archs[t->n].value = x * t->scale;
		t->n++;
	}
	qsort(t->archs, t->n, sizeof *t->archs, td_cmp_arch);
	/* duplicate keys are rejected by the loader, so no check here */
	return 0;
}

static int td_load_op_table(const json_t *jt, td_op_table *t,
			    const char *file, const char *path,
			    dca_error *err)
{
	json_t *entries, *e;
	size_t i;
	int rc, k;
	char epath[256];

	if (!json_is_object(jt))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s: expected an object, got %s",
				     file, path, td_json_type(jt));
	if ((rc = td_get_string(jt, "metric", 1, file, path, &t->metric, err)) ||
	    (rc = td_get_string(jt, "unit", 1, file, path, &t->unit, err)))
		return rc;
	if ((rc = td_check_metric_unit(t->metric, t->unit, &t->scale, file,
				       path, err)))
		return rc;
	entries = json_object_get(jt, "entries");
	if (!json_is_array(entries))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.entries: %s", file, path,
				     entries ? "expected an array of op entries"
				     : "missing (an array of op entries is required)");
	t->entries = calloc(json_array_size(entries) + 1, sizeof *t->entries);
	if (!t->entries)
		return TD_NOMEM(err, file);
	json_array_foreach(entries, i, e) {
		td_op_entry *oe = &t->entries[t->n];
		const char *kind;
		snprintf(epath, sizeof epath, "%s.entries[%zu]", path, i);
		if (!json_is_object(e))
			return dca_error_set(err, DCA_ERR_INVALID,
					     "%s: %s: expected an object, got %s",
					     file, epath, td_json_type(e));
		if ((rc = td_get_string(e, "kind", 1, file, epath, &oe->kind, err)))
			return rc;
		for (k = 0, kind = NULL; k < DCA_OP_KIND_COUNT; k++)
			if (strcmp(dca_op_kind_name((dca_op_kind)k), oe->kind) == 0)
				kind = oe->kind;
		if (!kind)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "%s: %s.kind: unknown op kind \"%s\"",
					     file, epath, oe->kind);
		for (k = 0; k < TD_OP_FIELDS; k++)
			if ((rc = td_get_int(e, td_op_fields[k], -1, file, epath,
					     &oe->f[k], err)))
				return rc;
		if (!json_object_get(e, "value"))
			return dca_error_set(err, DCA_ERR_INVALID,
					     "%s: %s.value: missing (a number is required)",
					     file, epath);
		if ((rc = td_get_value(json_object_get(e, "value"), file, epath,
				       ".value", &oe->value, err)))
			return rc;
		oe->value *= t->scale;
		t->n++;
	}
	return 0;
}

static int td_valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	return 1;
}

/* Load and validate one profile. Returns NULL with err = "FILE: REASON". */
static td_profile *td_load_profile(const char *file, dca_error *err)
{
	json_t *root, *v, *arr;
	td_profile *p;
	size_t i;
	int rc = 0;
	char path[64];

	root = dca_json_load_file(file, err);
	if (!root)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p || !(p->file = td_strdup(file))) {
		free(p);
		json_decref(root);
		TD_NOMEM(err, file);
		return NULL;
	}
	if (!json_is_object(root)) {
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "%s: top level: expected an object, got %s",
				   file, td_json_type(root));
		goto out;
	}
	v = json_object_get(root, "dcanas_profile");
	if (!v || !json_is_integer(v) || json_integer_value(v) != 1) {
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "%s: dcanas_profile: %s (this dcanas reads format 1)",
				   file, !v ? "missing; not a dcanas device profile"
				   : "unsupported format version");
		goto out;
	}
	if ((rc = td_get_string(root, "name", 1, file, "", &p->name, err)) ||
	    (rc = td_get_string(root, "summary", 0, file, "", &p->summary, err)) ||
	    (rc = td_get_string(root, "provenance", 0, file, "", &p->provenance, err)) ||
	    (rc = td_get_string(root, "license", 0, file, "", &p->license, err)))
		goto out;
	if (!td_valid_name(p->name)) {
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "%s: name: \"%s\" may only hold letters, digits, '_', '-' and '.'",
				   file, p->name);
		goto out;
	}
	if (!p->summary && !(p->summary = td_strdup(p->name))) {
		rc = TD_NOMEM(err, file);
		goto out;
	}

	arr = json_object_get(root, "network_tables");
	if (arr) {
		if (!json_is_array(arr)) {
			rc = dca_error_set(err, DCA_ERR_INVALID,
					   "%s: network_tables: expected an array, got %s",
					   file, td_json_type(arr));
			goto out;
		}
		p->nets = calloc(json_array_size(arr) + 1, sizeof *p->nets);
		if (!p->nets) {
			rc = TD_NOMEM(err, file);
			goto out;
		}
		for (i = 0; i < json_array_size(arr); i++) {
			snprintf(path, sizeof path, "network_tables[%zu]", i);
			p->n_nets++;
			if ((rc = td_load_net_table(json_array_get(arr, i),
						    &p->nets[i], file, path, err)))
				goto out;
		}
	}
	arr = json_object_get(root, "op_tables");
	if (arr) {
		if (!json_is_array(arr)) {
			rc = dca_error_set(err, DCA_ERR_INVALID,
					   "%s: op_tables: expected an array, got %s",
					   file, td_json_type(arr));
			goto out;
		}
		p->ops = calloc(json_array_size(arr) + 1, sizeof *p->ops);
		if (!p->ops) {
			rc = TD_NOMEM(err, file);
			goto out;
		}
		for (i = 0; i < json_array_size(arr); i++) {
			snprintf(path, sizeof path, "op_tables[%zu]", i);
			p->n_ops++;
			if ((rc = td_load_op_table(json_array_get(arr, i),
						   &p->ops[i], file, path, err)))
				goto out;
		}
	}
	if (p->n_nets == 0 && p->n_ops == 0)
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "%s: network_tables, op_tables: the profile has no "
				   "table (at least one is required)", file);
out:
	json_decref(root);
	if (rc) {
		td_profile_free(p);
		return NULL;
	}
	return p;
}

/* ---------------------------------------------------------- additive fit */

/* NB201-style cell strings: "|op~0|+|op~0|op~1|+...". Writes the op name of
 * each edge (pointers into buf, which is modified) and returns the number of
 * edges, or -1 when text is not in that format. */
static int td_split_cell(const char *text, char *buf, size_t bufsz,
			 char **ops, int max_ops)
{
	size_t len = strlen(text);
	char *s, *tok;
	int n = 0;

	if (len + 1 > bufsz || len < 3)
		return -1;
	memcpy(buf, text, len + 1);
	s = buf;
	/* groups separated by '+', each "|tok|tok|" */
	while (*s) {
		if (*s != '|')
			return -1;
		s++;
		for (;;) {
			char *bar = strchr(s, '|'), *tilde;
			if (!bar || bar == s)
				return -1;
			*bar = '\0';
			tok = s;
			tilde = strrchr(tok, '~');
			if (!tilde || tilde == tok || !tilde[1])
				return -1;
			for (char *d = tilde + 1; *d; d++)
				if (!isdigit((unsigned char)*d))
					return -1;
			*tilde = '\0';
			if (n == max_ops)
				return -1;
			ops[n++] = tok;
			s = bar + 1;
			if (*s == '\0')
				return n;
			if (*s == '+') {
				s++;
				break;
			}
		}
	}
	return -1;
}

/* NAS-Bench-201's op order; names outside it sort after, alphabetically. */
static int td_op_rank(const char *name)
{
	static const char *const nb201[] = {
		"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
		"avg_pool_3x3",
	};
	size_t i;
	for (i = 0; i < sizeof nb201 / sizeof *nb201; i++)
		if (strcmp(nb201[i], name) == 0)
			return (int)i;
	return 100;
}

static int td_cmp_opname(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = td_op_rank(x), ry = td_op_rank(y);
	if (rx != ry)
		return rx - ry;
	return strcmp(x, y);
}

/* Solve the symmetric positive definite system A x = b (n x n, row-major)
 * by Cholesky; A and b are overwritten. Returns 0, or -1 if not SPD. */
static int td_cholesky_solve(double *A, double *b, int n)
{
	int i, j, k;

	for (j = 0; j < n; j++) {
		double d = A[j * n + j];
		for (k = 0; k < j; k++)
			d -= A[j * n + k] * A[j * n + k];
		if (!(d > 0))
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
	for (i = 0; i < n; i++) {        /* L y = b */
		double s = b[i];
		for (k = 0; k < i; k++)
			s -= A[i * n + k] * b[k];
		b[i] = s / A[i * n + i];
	}
	for (i = n - 1; i >= 0; i--) {   /* L^T x = y */
		double s = b[i];
		for (k = i + 1; k < n; k++)
			s -= A[k * n + i] * b[k];
		b[i] = s / A[i * n + i];
	}
	return 0;
}

/* Map every arch of t to op indices in the fit vocabulary: choice[a*E + e]. */
static int td_fit_encode(td_net_table *t, td_fit *fit, int **choice_out)
{
	char buf[1024];
	char *ops[TD_MAX_EDGES];
	int *choice = NULL;
	size_t a;
	int e, k, n_edges = -1, n_names = 0;

	for (a = 0; a < t->n; a++) {       /* vocabulary and edge count */
		int n = td_split_cell(t->archs[a].text, buf, sizeof buf, ops,
				      TD_MAX_EDGES);
		if (n < 0) {
			snprintf(fit->msg, sizeof fit->msg,
				 "arch \"%.200s\" is not an edge/op cell string "
				 "(|op~0|+|op~0|op~1|+...); no additive fit",
				 t->archs[a].text);
			return -1;
		}
		if (n_edges < 0)
			n_edges = n;
		else if (n != n_edges) {
			snprintf(fit->msg, sizeof fit->msg,
				 "archs have different edge counts (%d and %d, at \"%.200s\")",
				 n_edges, n, t->archs[a].text);
			return -1;
		}
		for (e = 0; e < n; e++) {
			for (k = 0; k < n_names; k++)
				if (strcmp(fit->op_names[k], ops[e]) == 0)
					break;
			if (k == n_names) {
				if (n_names == TD_MAX_OPS) {
					snprintf(fit->msg, sizeof fit->msg,
						 "more than %d distinct ops", TD_MAX_OPS);
					return -1;
				}
				if (!(fit->op_names[n_names++] = td_strdup(ops[e]))) {
					snprintf(fit->msg, sizeof fit->msg, "out of memory");
					return -1;
				}
			}
		}
	}
	qsort(fit->op_names, (size_t)n_names, sizeof *fit->op_names,
	      td_cmp_opname);
	fit->n_edges = n_edges;
	fit->n_ops = n_names;
	choice = malloc(t->n * (size_t)n_edges * sizeof *choice);
	if (!choice) {
		snprintf(fit->msg, sizeof fit->msg, "out of memory");
		return -1;
	}
	for (a = 0; a < t->n; a++) {
		td_split_cell(t->archs[a].text, buf, sizeof buf, ops, TD_MAX_EDGES);
		for (e = 0; e < n_edges; e++) {
			for (k = 0; k < n_names; k++)
				if (strcmp(fit->op_names[k], ops[e]) == 0)
					break;
			choice[a * (size_t)n_edges + (size_t)e] = k;
		}
	}
	*choice_out = choice;
	return 0;
}

/* Fit cost ~ bias + sum_e coef[e][choice_e] by least squares. Op 0 of the
 * vocabulary is the reference on every edge (its coefficient is 0), which
 * removes the rank deficiency of the one-hot design; a ridge of 1e-9 (relative
 * to the largest diagonal entry) guards against ops absent from an edge. */
static void td_fit_table(td_net_table *t)
{
	td_fit *fit = &t->fit;
	int *choice = NULL;
	double *A = NULL, *b = NULL, maxd = 0;
	int p, E, O, i, j, e;
	size_t a;
	int col[TD_MAX_EDGES + 1];
	double ss_res = 0, ss_tot = 0, mean = 0;

	if (fit->done)
		return;
	fit->done = -1;
	if (td_fit_encode(t, fit, &choice) != 0)
		return;
	E = fit->n_edges;
	O = fit->n_ops;
	p = 1 + E * (O - 1);
	A = calloc((size_t)p * (size_t)p, sizeof *A);
	b = calloc((size_t)p, sizeof *b);
	fit->coef = calloc((size_t)E * (size_t)O, sizeof *fit->coef);
	if (!A || !b || !fit->coef) {
		snprintf(fit->msg, sizeof fit->msg, "out of memory");
		goto out;
	}
	for (a = 0; a < t->n; a++) {
		int nc = 0;
		double y = t->archs[a].value;
		col[nc++] = 0;   /* bias */
		for (e = 0; e < E; e++) {
			int c = choice[a * (size_t)E + (size_t)e];
			if (c > 0)
				col[nc++] = 1 + e * (O - 1) + (c - 1);
		}
		for (i = 0; i < nc; i++) {
			b[col[i]] += y;
			for (j = 0; j < nc; j++)
				A[col[i] * p + col[j]] += 1.0;
		}
	}
	for (i = 0; i < p; i++)
		if (A[i * p + i] > maxd)
			maxd = A[i * p + i];
	for (i = 0; i < p; i++)
		A[i * p + i] += TD_RIDGE * (maxd > 0 ? maxd : 1.0);
	if (td_cholesky_solve(A, b, p) != 0) {
		snprintf(fit->msg, sizeof fit->msg,
			 "normal equations are singular (%d columns, %zu archs)",
			 p, t->n);
		goto out;
	}
	fit->bias = b[0];
	for (e = 0; e < E; e++)
		for (j = 1; j < O; j++)
			fit->coef[e * O + j] = b[1 + e * (O - 1) + (j - 1)];

	for (a = 0; a < t->n; a++)
		mean += t->archs[a].value;
	mean /= (double)t->n;
	fit->worst_abs = fit->worst_rel = -1;
	for (a = 0; a < t->n; a++) {
		double y = t->archs[a].value, pred = fit->bias, r, rel;
		for (e = 0; e < E; e++)
			pred += fit->coef[e * O + choice[a * (size_t)E + (size_t)e]];
		r = pred - y;
		ss_res += r * r;
		ss_tot += (y - mean) * (y - mean);
		if (fabs(r) > fit->worst_abs) {
			fit->worst_abs = fabs(r);
			fit->worst_abs_arch = t->archs[a].text;
			fit->worst_abs_value = y;
		}
		if (y > 0) {
			rel = fabs(r) / y;
			if (rel > fit->worst_rel) {
				fit->worst_rel = rel;
				fit->worst_rel_arch = t->archs[a].text;
				fit->worst_rel_value = y;
			}
		}
	}
	fit->rmse = sqrt(ss_res / (double)t->n);
	fit->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
	if (fit->worst_rel < 0)
		fit->worst_rel = 0;
	fit->done = 1;
out:
	free(A);
	free(b);
	free(choice);
}

/* ------------------------------------------------------- lazy loading */

/* What registration knows: the header (name, summary) read by a cheap scan
 * of the top-level object; the tables are parsed and checked on first use
 * (a full parse costs ~40 ms per 15625-arch table, too much for every
 * start-up with a dozen profiles). */
typedef struct td_lazy {
	char *file, *name, *summary;
	td_profile *p;         /* NULL until loaded */
	int failed;            /* the full load failed: msg */
	dca_error load_err;
} td_lazy;

/* Read dcanas_profile, name and summary from the top-level object (the
 * core reads only as far as they go). Returns a new td_lazy or NULL with
 * err = "FILE: REASON". */
static td_lazy *td_read_header(const char *file, dca_error *err)
{
	static const char *const keys[] = { "dcanas_profile", "name", "summary" };
	json_t *head = dca_json_load_members(file, keys, 3, err);
	json_t *version, *name, *summary;
	td_lazy *lz = NULL;

	if (!head)
		return NULL;
	version = json_object_get(head, "dcanas_profile");
	name = json_object_get(head, "name");
	summary = json_object_get(head, "summary");
	if (!version || !json_is_integer(version) || json_integer_value(version) != 1) {
		dca_error_set(err, DCA_ERR_INVALID,
			      "%s: dcanas_profile: %s (this dcanas reads format 1)",
			      file, !version ? "missing; not a dcanas device profile"
			      : "unsupported format version");
		goto out;
	}
	if (!name || !json_is_string(name) || json_string_length(name) == 0) {
		dca_error_set(err, DCA_ERR_INVALID,
			      "%s: name: %s", file, !name ? "missing (a string is required)"
			      : "expected a non-empty string");
		goto out;
	}
	if (!td_valid_name(json_string_value(name))) {
		dca_error_set(err, DCA_ERR_INVALID,
			      "%s: name: \"%s\" may only hold letters, digits, '_', '-' and '.'",
			      file, json_string_value(name));
		goto out;
	}
	if (summary && (!json_is_string(summary) || json_string_length(summary) == 0)) {
		dca_error_set(err, DCA_ERR_INVALID,
			      "%s: summary: expected a non-empty string", file);
		goto out;
	}
	lz = calloc(1, sizeof *lz);
	if (!lz || !(lz->file = td_strdup(file)) ||
	    !(lz->name = td_strdup(json_string_value(name))) ||
	    !(lz->summary = td_strdup(summary ? json_string_value(summary)
				      : json_string_value(name)))) {
		if (lz) {
			free(lz->file);
			free(lz->name);
			free(lz);
			lz = NULL;
		}
		TD_NOMEM(err, file);
	}
out:
	json_decref(head);
	return lz;
}

/* The full profile of a device, loading (and checking) it on first use. */
static td_profile *td_get(const dca_device *dev, dca_error *err)
{
	td_lazy *lz = dev->state;

	if (!lz->p && !lz->failed) {
		td_profile *p = td_load_profile(lz->file, &lz->load_err);
		if (p && strcmp(p->name, lz->name) != 0) {
			dca_error_set(&lz->load_err, DCA_ERR_INVALID,
				      "%s: name: \"%s\" differs from \"%s\" read at start-up",
				      lz->file, p->name, lz->name);
			td_profile_free(p);
			p = NULL;
		}
		if (p)
			lz->p = p;
		else if (lz->load_err.code != DCA_ERR_NOMEM)
			lz->failed = 1;
	}
	if (!lz->p) {
		dca_error_set(err, lz->load_err.code ? lz->load_err.code : DCA_ERR_NOMEM,
			      "device %s: bad profile %s", dev->name,
			      lz->load_err.msg);
		if (lz->load_err.code == DCA_ERR_NOMEM)
			dca_error_clear(&lz->load_err);
		return NULL;
	}
	return lz->p;
}

/* ------------------------------------------------------ device callbacks */

static td_net_table *td_net_for(const td_profile *p, const char *space,
				const char *metric)
{
	size_t i;
	for (i = 0; i < p->n_nets; i++)
		if (strcmp(p->nets[i].space, space) == 0 &&
		    strcmp(p->nets[i].metric, metric) == 0)
			return &p->nets[i];
	return NULL;
}

static int td_no_table(const dca_device *dev, const td_profile *p,
		       const char *space, dca_metric metric, dca_error *err)
{
	return dca_error_set(err, DCA_ERR_UNSUPPORTED,
			     "device %s has no %s table for space %s (profile %s)%s",
			     dev->name, dca_metric_name(metric), space, p->file,
			     p->n_nets ? "; see 'describe' for the tables it has" : "");
}

static int td_arch_cost(const dca_device *dev, dca_metric metric,
			const dca_space *space, const dca_arch *arch,
			double *out, dca_error *err)
{
	const td_profile *p = td_get(dev, err);
	const td_net_table *t;
	const td_arch *hit;
	char *text;

	if (!p)
		return err && err->code ? err->code : DCA_ERR_INVALID;

	t = td_net_for(p, space->name, dca_metric_name(metric));
	if (!t)
		return td_no_table(dev, p, space->name, metric, err);
	if (!space->arch_format)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
				     "space %s cannot print architectures; device %s "
				     "cannot look them up", space->name, dev->name);
	text = space->arch_format(arch);
	if (!text)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	hit = td_find_arch(t, text);
	if (!hit) {
		dca_error_set(err, DCA_ERR_NOTFOUND,
			      "architecture %s is not in device %s's %s table for "
			      "space %s (%zu entries, %s)", text, dev->name,
			      t->metric, t->space, t->n, p->file);
		free(text);
		return DCA_ERR_NOTFOUND;
	}
	free(text);
	*out = hit->value;
	return 0;
}

static int td_op_matches(const td_op_entry *e, const dca_op_desc *op)
{
	const int v[TD_OP_FIELDS] = { op->cin, op->cout, op->h, op->w, op->kernel,
				      op->stride, op->pad, op->dilation, op->groups,
				      op->bias, op->n_in };
	int k;

	if (strcmp(e->kind, dca_op_kind_name(op->kind)) != 0)
		return 0;
	for (k = 0; k < TD_OP_FIELDS; k++)
		if (e->f[k] >= 0 && e->f[k] != v[k])
			return 0;
	return 1;
}

static int td_op_cost(const dca_device *dev, dca_metric metric,
		      const dca_op_desc *op, double *out, dca_error *err)
{
	const td_profile *p = td_get(dev, err);
	const char *mname = dca_metric_name(metric);
	size_t i, j;
	int have = 0;

	if (!p)
		return err && err->code ? err->code : DCA_ERR_INVALID;

	for (i = 0; i < p->n_ops; i++) {
		const td_op_table *t = &p->ops[i];
		if (strcmp(t->metric, mname) != 0)
			continue;
		have = 1;
		for (j = 0; j < t->n; j++)
			if (td_op_matches(&t->entries[j], op)) {
				*out = t->entries[j].value;
				return 0;
			}
	}
	if (!have)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
				     "device %s has no per-op %s table (profile %s)",
				     dev->name, mname, p->file);
	return dca_error_set(err, DCA_ERR_NOTFOUND,
			     "device %s has no %s entry for op %s cin=%d cout=%d "
			     "h=%d w=%d kernel=%d stride=%d pad=%d dilation=%d "
			     "groups=%d%s%s (profile %s)",
			     dev->name, mname, dca_op_kind_name(op->kind), op->cin,
			     op->cout, op->h, op->w, op->kernel, op->stride,
			     op->pad, op->dilation, op->groups,
			     op->label ? " label=" : "", op->label ? op->label : "",
			     p->file);
}

/* Check the fit's edge order against the space: the space's own parse of a
 * few table archs must give the same op names per edge. */
static int td_check_space_order(const dca_device *dev, const td_net_table *t,
				const dca_space *space, dca_error *err)
{
	char buf[1024];
	char *ops[TD_MAX_EDGES];
	int choice[TD_MAX_EDGES];
	size_t a, step = t->n / 16 + 1;
	int e, n;

	if (!space->arch_parse || !space->arch_choices)
		return 0;
	for (a = 0; a < t->n; a += step) {
		dca_error perr = { 0 };
		dca_arch *arch = space->arch_parse(t->archs[a].text, &perr);
		if (!arch)
			return dca_error_set(err, DCA_ERR_INVALID,
					     "device %s (%s): table arch is not valid in space %s: %s",
					     dev->name, ((td_lazy *)dev->state)->file,
					     space->name, perr.msg);
		n = space->arch_choices(arch, choice);
		if (space->arch_free)
			space->arch_free(arch);
		if (n < 0)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED,
					     "space %s has no fixed edge set; no additive model",
					     space->name);
		td_split_cell(t->archs[a].text, buf, sizeof buf, ops, TD_MAX_EDGES);
		for (e = 0; e < space->n_edges; e++)
			if (choice[e] < 0 || choice[e] >= space->n_ops ||
			    strcmp(space->op_names[choice[e]], ops[e]) != 0)
				return dca_error_set(err, DCA_ERR_INVALID,
						     "device %s: edge %d of \"%s\" is %s in the "
						     "table but %s in space %s; edge orders differ",
						     dev->name, e, t->archs[a].text, ops[e],
						     choice[e] >= 0 && choice[e] < space->n_ops
						     ? space->op_names[choice[e]] : "?",
						     space->name);
	}
	return 0;
}

static int td_edge_model(const dca_device *dev, dca_metric metric,
			 const dca_space *space, double *table, double *bias,
			 dca_error *err)
{
	const td_profile *p = td_get(dev, err);
	td_net_table *t;
	td_fit *fit;
	int e, j, k, rc;

	if (!p)
		return err && err->code ? err->code : DCA_ERR_INVALID;

	t = td_net_for(p, space->name, dca_metric_name(metric));
	if (!t)
		return td_no_table(dev, p, space->name, metric, err);
	td_fit_table(t);
	fit = &t->fit;
	if (fit->done != 1)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
				     "device %s (%s): no additive %s model for space %s: %s",
				     dev->name, p->file, t->metric, t->space, fit->msg);
	if (fit->n_edges != space->n_edges || space->n_edges > TD_MAX_EDGES)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "device %s (%s): table archs have %d edges, space %s has %d",
				     dev->name, p->file, fit->n_edges, space->name,
				     space->n_edges);
	if ((rc = td_check_space_order(dev, t, space, err)))
		return rc;
	for (j = 0; j < space->n_ops; j++) {
		for (k = 0; k < fit->n_ops; k++)
			if (strcmp(space->op_names[j], fit->op_names[k]) == 0)
				break;
		if (k == fit->n_ops)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED,
					     "device %s (%s): op %s of space %s never occurs in "
					     "the %s table; its cost is unknown",
					     dev->name, p->file, space->op_names[j],
					     space->name, t->metric);
		for (e = 0; e < space->n_edges; e++)
			table[e * space->n_ops + j] = fit->coef[e * fit->n_ops + k];
	}
	*bias = fit->bias;
	return 0;
}

static void td_describe(const dca_device *dev, void *file)
{
	FILE *f = file;
	dca_error err = { 0 };
	const td_profile *p = td_get(dev, &err);
	size_t i, j;

	fprintf(f, "device %s: %s\n", dev->name, dev->summary);
	fprintf(f, "  profile: %s\n", dev->source);
	if (!p) {
		fprintf(f, "  error: %s\n", err.msg);
		return;
	}
	if (p->license)
		fprintf(f, "  license: %s\n", p->license);
	if (p->provenance)
		fprintf(f, "  provenance: %s\n", p->provenance);
	for (i = 0; i < p->n_nets; i++) {
		td_net_table *t = &p->nets[i];
		double *v = malloc(t->n * sizeof *v);
		const char *unit = td_unit_scale(t->metric, t->unit) != 1.0 &&
			(strcmp(t->metric, "latency") == 0 ||
			 strcmp(t->metric, "energy") == 0)
			? (strcmp(t->metric, "latency") == 0 ? "ms" : "mJ") : t->unit;

		fprintf(f, "  network table %zu: space %s, %s (%s), %zu archs",
			i, t->space, t->metric, unit, t->n);
		if (t->dataset)
			fprintf(f, ", dataset %s", t->dataset);
		if (t->input[0])
			fprintf(f, ", input %dx%dx%d", t->input[0], t->input[1],
				t->input[2]);
		if (t->width)
			fprintf(f, ", C=%d", t->width);
		if (t->cells)
			fprintf(f, ", N=%d", t->cells);
		fputc('\n', f);
		if (t->note)
			fprintf(f, "    note: %s\n", t->note);
		if (v) {
			for (j = 0; j < t->n; j++)
				v[j] = t->archs[j].value;
			qsort(v, t->n, sizeof *v, td_cmp_double);
			fprintf(f, "    min %.6g  median %.6g  max %.6g %s\n", v[0],
				t->n % 2 ? v[t->n / 2]
				: 0.5 * (v[t->n / 2 - 1] + v[t->n / 2]),
				v[t->n - 1], unit);
			free(v);
		}
		td_fit_table(t);
		if (t->fit.done == 1) {
			const td_fit *fit = &t->fit;
			int e, k;
			fprintf(f, "    additive fit (bias + per-edge op cost, least "
				"squares over %zu archs): R^2 %.4f, RMSE %.4g %s\n",
				t->n, fit->r2, fit->rmse, unit);
			fprintf(f, "      worst abs error %.4g %s at %s (table %.6g)\n",
				fit->worst_abs, unit, fit->worst_abs_arch,
				fit->worst_abs_value);
			fprintf(f, "      worst rel error %.1f%% at %s (table %.6g)\n",
				100.0 * fit->worst_rel, fit->worst_rel_arch,
				fit->worst_rel_value);
			fprintf(f, "      bias %.6g; per-edge cost relative to %s:\n",
				fit->bias, fit->op_names[0]);
			for (e = 0; e < fit->n_edges; e++) {
				fprintf(f, "      edge %d:", e);
				for (k = 1; k < fit->n_ops; k++)
					fprintf(f, " %s %+.4g", fit->op_names[k],
						fit->coef[e * fit->n_ops + k]);
				fputc('\n', f);
			}
		} else {
			fprintf(f, "    additive fit: not available: %s\n", t->fit.msg);
		}
	}
	for (i = 0; i < p->n_ops; i++) {
		const td_op_table *t = &p->ops[i];
		fprintf(f, "  op table %zu: %s (%s), %zu entries\n", i, t->metric,
			td_unit_scale(t->metric, t->unit) != 1.0 ?
			dca_metric_unit(strcmp(t->metric, "energy") == 0 ?
				       DCA_METRIC_ENERGY : DCA_METRIC_LATENCY)
			: t->unit, t->n);
		if (t->n) {
			double *v = malloc(t->n * sizeof *v);
			if (v) {
				for (j = 0; j < t->n; j++)
					v[j] = t->entries[j].value;
				qsort(v, t->n, sizeof *v, td_cmp_double);
				fprintf(f, "    min %.6g  median %.6g  max %.6g\n", v[0],
					t->n % 2 ? v[t->n / 2]
					: 0.5 * (v[t->n / 2 - 1] + v[t->n / 2]),
					v[t->n - 1]);
				free(v);
			}
		}
	}
}

/* ---------------------------------------------------------- registration */

static void td_device_release(const dca_device *dev);

static dca_device *td_device_new(td_lazy *lz)
{
	dca_device *dev = calloc(1, sizeof *dev);

	if (!dev)
		return NULL;
	dev->name = lz->name;
	dev->summary = lz->summary;
	dev->source = lz->file;
	dev->state = lz;
	dev->op_cost = td_op_cost;
	dev->arch_cost = td_arch_cost;
	dev->edge_model = td_edge_model;
	dev->describe = td_describe;
	dev->release = td_device_release;
	return dev;
}

static void td_lazy_free(td_lazy *lz)
{
	if (lz) {
		td_profile_free(lz->p);
		free(lz->file);
		free(lz->name);
		free(lz->summary);
		free(lz);
	}
}

static void td_device_free(dca_device *dev)
{
	if (dev) {
		td_lazy_free(dev->state);
		free(dev);
	}
}

/* the registry's release hook: it owns registered devices */
static void td_device_release(const dca_device *dev)
{
	td_device_free((dca_device *)dev);
}

typedef int (*td_add_fn)(void *ctx, dca_device *dev, dca_error *err);

static int td_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int td_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct td_seen {
	char **names, **files;
	size_t n, cap;
} td_seen;

static const char *td_seen_file(const td_seen *s, const char *name)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->files[i];
	return NULL;
}

static int td_seen_add(td_seen *s, const char *name, const char *file)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? 2 * s->cap : 16;
		char **a = realloc(s->names, nc * sizeof *a);
		if (!a)
			return -1;
		s->names = a;
		a = realloc(s->files, nc * sizeof *a);
		if (!a)
			return -1;
		s->files = a;
		s->cap = nc;
	}
	s->names[s->n] = td_strdup(name);
	s->files[s->n] = td_strdup(file);
	if (!s->names[s->n] || !s->files[s->n]) {
		free(s->names[s->n]);
		free(s->files[s->n]);
		return -1;
	}
	s->n++;
	return 0;
}

static void td_seen_free(td_seen *s)
{
	size_t i;
	for (i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->files[i]);
	}
	free(s->names);
	free(s->files);
}

/* Load every profile of one directory (sorted by file name). A missing
 * directory is not an error. Returns 0, or DCA_ERR_NOMEM. */
static int td_scan_dir(const char *dir, td_seen *seen, td_add_fn add,
		       void *ctx, FILE *log, dca_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **files = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			fprintf(log, "dcanas: cannot read device profile directory %s: %s\n",
				dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char *path;
		size_t len;
		if (de->d_name[0] == '.' ||
		    !(td_has_suffix(de->d_name, ".json") ||
		      td_has_suffix(de->d_name, ".json.gz")))
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 32;
			char **nf = realloc(files, nc * sizeof *nf);
			if (!nf) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
				goto out;
			}
			files = nf;
			cap = nc;
		}
		len = strlen(dir) + strlen(de->d_name) + 2;
		path = malloc(len);
		if (!path) {
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(path, len, "%s/%s", dir, de->d_name);
		files[n++] = path;
	}
	qsort(files, n, sizeof *files, td_cmp_str);
	for (i = 0; i < n; i++) {
		dca_error perr = { 0 };
		td_lazy *p = td_read_header(files[i], &perr);
		dca_device *dev;
		const char *prev;

		if (!p) {
			if (perr.code == DCA_ERR_NOMEM) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "%s", perr.msg);
				goto out;
			}
			/* perr.msg starts with the file name */
			fprintf(log, "dcanas: skipping device profile %s\n", perr.msg);
			continue;
		}
		prev = td_seen_file(seen, p->name);
		if (prev) {
			fprintf(log, "dcanas: warning: device profile %s defines device "
				"'%s', already defined by %s; skipping %s\n",
				files[i], p->name, prev, files[i]);
			td_lazy_free(p);
			continue;
		}
		dev = td_device_new(p);
		if (!dev || td_seen_add(seen, p->name, p->file) != 0) {
			free(dev);
			td_lazy_free(p);
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (add(ctx, dev, &perr) != 0) {
			fprintf(log, "dcanas: skipping device profile %s: %s\n",
				files[i], perr.msg);
			td_device_free(dev);   /* not registered, so ours to free */
			if (perr.code == DCA_ERR_NOMEM) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "%s", perr.msg);
				goto out;
			}
		}
	}
out:
	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
	closedir(d);
	return rc;
}

/* Scan a colon-separated list of directories (empty entries ignored). */
static int td_scan_path(const char *path_list, td_add_fn add, void *ctx,
			FILE *log, dca_error *err)
{
	td_seen seen = { 0 };
	char *copy, *s, *next;
	int rc = 0;

	copy = td_strdup(path_list ? path_list : "");
	if (!copy)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (s = copy; s; s = next) {
		next = strchr(s, ':');
		if (next)
			*next++ = '\0';
		if (*s && (rc = td_scan_dir(s, &seen, add, ctx, log, err)) != 0)
			break;
	}
	td_seen_free(&seen);
	free(copy);
	return rc;
}

static int td_registry_add(void *ctx, dca_device *dev, dca_error *err)
{
	return dca_registry_add_device(ctx, dev, err);
}

static int register_plugins(dca_registry *reg, dca_error *err)
{
	const char *env = getenv("DCANAS_PROFILE_PATH");
	size_t n = (env ? strlen(env) : 0) + sizeof DCA_PROFILEDIR + 2;
	char *list = malloc(n);
	int rc;

	if (!list)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	snprintf(list, n, "%s%s%s", env ? env : "", env && *env ? ":" : "",
		 DCA_PROFILEDIR);
	rc = td_scan_path(list, td_registry_add, reg, stderr, err);
	free(list);
	return rc;
}

static const dca_module_info info = {
	DCA_MODULE_INFO_INIT,
	.name = "table",
	.version = PACKAGE_VERSION,
	.summary = "table devices: one device per JSON profile (network and op "
		   "latency/energy tables) found on DCANAS_PROFILE_PATH and in "
		   DCA_PROFILEDIR,
	.license = "MIT",
	.register_plugins = register_plugins,
};

const dca_module_info *dca_module_entry(void);

const dca_module_info *dca_module_entry(void)
{
	return &info;
}
