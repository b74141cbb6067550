/* dcanas — table devices: per-op tables (one value per op descriptor).
 *
 * An entry's absent fields match anything; the first matching entry wins;
 * an op without one is an error that prints the descriptor, never a zero. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "table_device.h"

static const char *const op_fields[TD_OP_FIELDS] = {
	"cin", "cout", "h", "w", "kernel", "stride", "pad", "dilation", "groups",
	"bias", "n_in",
};

void dcap_td_op_table_free(td_op_table *t)
{
	size_t j;

	free(t->metric);
	free(t->unit);
	for (j = 0; j < t->n; j++)
		free(t->entries[j].kind);
	free(t->entries);
	memset(t, 0, sizeof *t);
}

static int load_entry(const json_t *e, td_op_entry *oe, double scale,
		      const char *file, const char *epath, dca_error *err)
{
	int rc, k, known = 0;

	if (!json_is_object(e))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s: expected an object, got %s",
				     file, epath, dcap_td_json_type(e));
	if ((rc = dcap_td_get_string(e, "kind", 1, file, epath, &oe->kind, err)))
		return rc;
	for (k = 0; k < DCA_OP_KIND_COUNT; k++)
		known |= strcmp(dca_op_kind_name((dca_op_kind)k), oe->kind) == 0;
	if (!known)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.kind: unknown op kind \"%s\"",
				     file, epath, oe->kind);
	for (k = 0; k < TD_OP_FIELDS; k++)
		if ((rc = dcap_td_get_int(e, op_fields[k], -1, file, epath,
					  &oe->f[k], err)))
			return rc;
	if (!json_object_get(e, "value"))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.value: missing (a number is required)",
				     file, epath);
	if ((rc = dcap_td_get_value(json_object_get(e, "value"), file, epath,
				    ".value", &oe->value, err)))
		return rc;
	oe->value *= scale;
	return 0;
}

int dcap_td_op_table_load(const json_t *jt, td_op_table *t, const char *file,
			  const char *path, dca_error *err)
{
	json_t *entries, *e;
	const char *canon;
	double scale;
	size_t i;
	int rc;
	char epath[256];

	if (!json_is_object(jt))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s: expected an object, got %s",
				     file, path, dcap_td_json_type(jt));
	if ((rc = dcap_td_get_string(jt, "metric", 1, file, path, &t->metric, err)) ||
	    (rc = dcap_td_get_string(jt, "unit", 1, file, path, &t->unit, err)) ||
	    (rc = dcap_td_metric_unit(t->metric, t->unit, &scale, &canon, file,
				      path, err)))
		return rc;
	if (canon != t->unit) {      /* keep the unit values are in now */
		char *u = strdup(canon);
		if (!u)
			return TD_NOMEM(err, file);
		free(t->unit);
		t->unit = u;
	}
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
		snprintf(epath, sizeof epath, "%s.entries[%zu]", path, i);
		rc = load_entry(e, &t->entries[t->n], scale, file, epath, err);
		t->n++;      /* counted even when it failed, so its kind is freed */
		if (rc)
			return rc;
	}
	return 0;
}

static int op_matches(const td_op_entry *e, const dca_op_desc *op)
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

int dcap_td_op_cost(const td_profile *p, const char *device, const char *metric,
		    const dca_op_desc *op, double *out, dca_error *err)
{
	size_t i, j;
	int have = 0;

	for (i = 0; i < p->n_ops; i++) {
		const td_op_table *t = &p->ops[i];
		if (strcmp(t->metric, metric) != 0)
			continue;
		have = 1;
		for (j = 0; j < t->n; j++)
			if (op_matches(&t->entries[j], op)) {
				*out = t->entries[j].value;
				return 0;
			}
	}
	if (!have)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
				     "device %s has no per-op %s table (profile %s)",
				     device, metric, p->file);
	return dca_error_set(err, DCA_ERR_NOTFOUND,
			     "device %s has no %s entry for op %s cin=%d cout=%d "
			     "h=%d w=%d kernel=%d stride=%d pad=%d dilation=%d "
			     "groups=%d%s%s (profile %s)",
			     device, metric, dca_op_kind_name(op->kind), op->cin,
			     op->cout, op->h, op->w, op->kernel, op->stride,
			     op->pad, op->dilation, op->groups,
			     op->label ? " label=" : "", op->label ? op->label : "",
			     p->file);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void dcap_td_op_tables_describe(const td_profile *p, FILE *f)
{
	size_t i, j;

	for (i = 0; i < p->n_ops; i++) {
		const td_op_table *t = &p->ops[i];
		double *v = t->n ? malloc(t->n * sizeof *v) : NULL;

		fprintf(f, "  op table %zu: %s (%s), %zu entries\n", i, t->metric,
			t->unit, t->n);
		if (!v)
			continue;
		for (j = 0; j < t->n; j++)
			v[j] = t->entries[j].value;
		qsort(v, t->n, sizeof *v, cmp_double);
		fprintf(f, "    min %.6g  median %.6g  max %.6g\n", v[0],
			t->n % 2 ? v[t->n / 2] : 0.5 * (v[t->n / 2 - 1] + v[t->n / 2]),
			v[t->n - 1]);
		free(v);
	}
}
