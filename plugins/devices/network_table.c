/* dcanas — table devices: whole-network tables (one value per arch string).
 *
 * The arch strings are kept as written, sorted for lookup; what they mean is
 * the space's business (the core reads them with the space's parser). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "table_device.h"

typedef struct arch_value {
	char *arch;
	double value;
} arch_value;

static int cmp_arch(const void *a, const void *b)
{
	return strcmp(((const arch_value *)a)->arch, ((const arch_value *)b)->arch);
}

static int cmp_key(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

void dcap_td_net_table_free(td_net_table *t)
{
	size_t i;

	free(t->space); free(t->metric); free(t->unit);
	free(t->dataset); free(t->note);
	for (i = 0; i < t->n; i++)
		free(t->archs[i]);
	free(t->archs);
	free(t->values);
	memset(t, 0, sizeof *t);
}

const double *dcap_td_net_table_find(const td_net_table *t, const char *arch)
{
	char *const *hit = bsearch(arch, t->archs, t->n, sizeof *t->archs, cmp_key);

	return hit ? &t->values[hit - t->archs] : NULL;
}

static int load_input(const json_t *jt, td_net_table *t, const char *file,
		      const char *path, dca_error *err)
{
	json_t *input = json_object_get(jt, "input"), *v;
	size_t i;

	if (!input)
		return 0;
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
					     file, path, i, dcap_td_json_type(v));
		t->view.input[i] = (int)json_integer_value(v);
	}
	return 0;
}

/* The archs object, sorted by arch string; values scaled. */
static int load_archs(const json_t *jt, td_net_table *t, double scale,
		      const char *file, const char *path, dca_error *err)
{
	json_t *archs = json_object_get(jt, "archs"), *v;
	arch_value *av;
	const char *key;
	char vpath[256];
	size_t i;
	int rc = 0;

	if (!archs || !json_is_object(archs) || json_object_size(archs) == 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.archs: %s", file, path,
				     !archs ? "missing (an object {arch string: value} is required)"
				     : !json_is_object(archs) ? "expected an object {arch string: value}"
				     : "empty");
	/* duplicate keys are refused by the JSON loader, so none here */
	av = calloc(json_object_size(archs), sizeof *av);
	t->archs = calloc(json_object_size(archs), sizeof *t->archs);
	t->values = calloc(json_object_size(archs), sizeof *t->values);
	if (!av || !t->archs || !t->values) {
		free(av);
		return TD_NOMEM(err, file);
	}
	snprintf(vpath, sizeof vpath, "%s.archs", path);
	i = 0;
	json_object_foreach(archs, key, v) {
		char kpath[160];
		snprintf(kpath, sizeof kpath, "[\"%.120s\"]", key);
		if ((rc = dcap_td_get_value(v, file, vpath, kpath, &av[i].value, err)))
			break;
		av[i].value *= scale;
		if (!(av[i++].arch = strdup(key))) {
			rc = TD_NOMEM(err, file);
			break;
		}
	}
	if (!rc)
		qsort(av, i, sizeof *av, cmp_arch);
	for (t->n = 0; t->n < i; t->n++) {   /* the table owns the strings now */
		t->archs[t->n] = av[t->n].arch;
		t->values[t->n] = av[t->n].value;
	}
	free(av);
	return rc;
}

int dcap_td_net_table_load(const json_t *jt, td_net_table *t, const char *file,
			   const char *path, dca_error *err)
{
	dca_network_table *w = &t->view;
	double scale;
	int rc;

	if (!json_is_object(jt))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s: expected an object, got %s",
				     file, path, dcap_td_json_type(jt));
	if ((rc = dcap_td_get_string(jt, "space", 1, file, path, &t->space, err)) ||
	    (rc = dcap_td_get_string(jt, "metric", 1, file, path, &t->metric, err)) ||
	    (rc = dcap_td_get_string(jt, "unit", 1, file, path, &t->unit, err)) ||
	    (rc = dcap_td_get_string(jt, "dataset", 0, file, path, &t->dataset, err)) ||
	    (rc = dcap_td_get_string(jt, "note", 0, file, path, &t->note, err)) ||
	    (rc = dcap_td_metric_unit(t->metric, t->unit, &scale, &w->unit, file,
				      path, err)) ||
	    (rc = dcap_td_get_int(jt, "classes", 0, file, path, &w->classes, err)) ||
	    (rc = dcap_td_get_int(jt, "width", 0, file, path, &w->width, err)) ||
	    (rc = dcap_td_get_int(jt, "cells", 0, file, path, &w->cells, err)) ||
	    (rc = load_input(jt, t, file, path, err)) ||
	    (rc = load_archs(jt, t, scale, file, path, err)))
		return rc;
	w->space = t->space;
	w->metric = t->metric;
	w->dataset = t->dataset;
	w->note = t->note;
	w->source = file;
	w->n = t->n;
	w->archs = (const char *const *)t->archs;
	w->values = t->values;
	return 0;
}
