/* dcanas — table devices: reading a profile file (format in docs/devices.md).
 *
 * Every error names the file and the JSON path of the problem, e.g.
 * "FILE: network_tables[0].archs["|none~0|..."]: expected a number, got a
 * string", so a user can fix the file without reading this code. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "table_device.h"

const char *dcap_td_json_type(const json_t *j)
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

int dcap_td_get_string(const json_t *obj, const char *key, int required,
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
				     json_is_string(v) ? "an empty string" : dcap_td_json_type(v));
	*out = strdup(json_string_value(v));
	if (!*out)
		return TD_NOMEM(err, file);
	return 0;
}

int dcap_td_get_int(const json_t *obj, const char *key, int dflt,
		    const char *file, const char *path, int *out, dca_error *err)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 1000000000)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s.%s: expected a non-negative integer, got %s",
				     file, path, key, dcap_td_json_type(v));
	*out = (int)json_integer_value(v);
	return 0;
}

int dcap_td_get_value(const json_t *v, const char *file, const char *path,
		      const char *key, double *out, dca_error *err)
{
	double x;

	if (!json_is_number(v))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s%s: expected a number, got %s",
				     file, path, key, dcap_td_json_type(v));
	x = json_number_value(v);
	if (!isfinite(x) || x < 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s%s: expected a finite non-negative number, got %g",
				     file, path, key, x);
	*out = x;
	return 0;
}

int dcap_td_metric_unit(const char *metric, const char *unit, double *scale,
			const char **canon, const char *file, const char *path,
			dca_error *err)
{
	static const struct { const char *metric, *unit; double scale; } units[] = {
		{ "latency", "ms", 1.0 }, { "latency", "s", 1e3 },
		{ "latency", "us", 1e-3 }, { "energy", "mJ", 1.0 },
		{ "energy", "J", 1e3 }, { "energy", "uJ", 1e-3 },
	};
	dca_metric m;
	size_t i;

	if (dca_metric_from_name(metric, &m) != 0) {
		*scale = 1.0;        /* another metric keeps its unit */
		*canon = unit;
		return 0;
	}
	*canon = dca_metric_unit(m);
	for (i = 0; i < sizeof units / sizeof *units; i++)
		if (strcmp(units[i].metric, metric) == 0 &&
		    strcmp(units[i].unit, unit) == 0) {
			*scale = units[i].scale;
			return 0;
		}
	return dca_error_set(err, DCA_ERR_INVALID,
			     "%s: %s.unit: unit \"%s\" does not fit metric \"%s\" "
			     "(latency: ms, us, s; energy: mJ, uJ, J)",
			     file, path, unit, metric);
}

static int valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	return 1;
}

/* dcanas_profile must be 1, name a valid name. */
static int check_header(const json_t *root, const char *file, dca_error *err)
{
	json_t *v = json_object_get(root, "dcanas_profile");
	json_t *name = json_object_get(root, "name");

	if (!v || !json_is_integer(v) || json_integer_value(v) != 1)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: dcanas_profile: %s (this dcanas reads format 1)",
				     file, !v ? "missing; not a dcanas device profile"
				     : "unsupported format version");
	if (!name)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: name: missing (a "
				     "string is required)", file);
	if (!json_is_string(name) || json_string_length(name) == 0)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: name: expected a "
				     "non-empty string", file);
	if (!valid_name(json_string_value(name)))
		return dca_error_set(err, DCA_ERR_INVALID, "%s: name: \"%s\" may "
				     "only hold letters, digits, '_', '-' and '.'",
				     file, json_string_value(name));
	return 0;
}

int dcap_td_header_read(const char *file, char **name, char **summary,
			dca_error *err)
{
	static const char *const keys[] = { "dcanas_profile", "name", "summary" };
	json_t *head = dca_json_load_members(file, keys, 3, err);
	json_t *s;
	int rc;

	*name = *summary = NULL;
	if (!head)
		return err && err->code ? err->code : DCA_ERR_INVALID;
	if ((rc = check_header(head, file, err)))
		goto out;
	s = json_object_get(head, "summary");
	if (s && (!json_is_string(s) || json_string_length(s) == 0 ||
		  json_string_length(s) > 1000 || strchr(json_string_value(s), '\n'))) {
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: summary: expected a "
				   "non-empty string of one line, at most 1000 "
				   "characters", file);
		goto out;
	}
	*name = strdup(json_string_value(json_object_get(head, "name")));
	*summary = strdup(s ? json_string_value(s) : *name ? *name : "");
	if (!*name || !*summary) {
		free(*name);
		free(*summary);
		*name = *summary = NULL;
		rc = TD_NOMEM(err, file);
	}
out:
	json_decref(head);
	return rc;
}

void dcap_td_profile_free(td_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_nets; i++)
		dcap_td_net_table_free(&p->nets[i]);
	free(p->nets);
	free(p->views);
	for (i = 0; i < p->n_ops; i++)
		dcap_td_op_table_free(&p->ops[i]);
	free(p->ops);
	free(p->file); free(p->name); free(p->summary);
	free(p->provenance); free(p->license);
	free(p);
}

/* The array member key of root (absent: *n = 0), each element loaded by
 * load into a calloc'ed array of size-byte slots. */
static int load_tables(const json_t *root, const char *key, size_t size,
		       void **out, size_t *n, const char *file,
		       int (*load)(const json_t *, void *, const char *,
				   const char *, dca_error *),
		       dca_error *err)
{
	json_t *arr = json_object_get(root, key);
	char path[64];
	size_t i;
	int rc;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "%s: %s: expected an array, got %s",
				     file, key, dcap_td_json_type(arr));
	if (!(*out = calloc(json_array_size(arr) + 1, size)))
		return TD_NOMEM(err, file);
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(path, sizeof path, "%s[%zu]", key, i);
		++*n;     /* counted first, so a partly loaded table is freed */
		if ((rc = load(json_array_get(arr, i), (char *)*out + i * size,
			       file, path, err)))
			return rc;
	}
	return 0;
}

static int load_net(const json_t *j, void *t, const char *file,
		    const char *path, dca_error *err)
{
	return dcap_td_net_table_load(j, t, file, path, err);
}

static int load_op(const json_t *j, void *t, const char *file,
		   const char *path, dca_error *err)
{
	return dcap_td_op_table_load(j, t, file, path, err);
}

td_profile *dcap_td_profile_load(const char *file, dca_error *err)
{
	json_t *root;
	td_profile *p;
	size_t i;
	int rc = 0;

	root = dca_json_load_file(file, err);
	if (!root)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p || !(p->file = strdup(file))) {
		free(p);
		json_decref(root);
		TD_NOMEM(err, file);
		return NULL;
	}
	if (!json_is_object(root)) {
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "%s: top level: expected an object, got %s",
				   file, dcap_td_json_type(root));
		goto out;
	}
	if ((rc = check_header(root, file, err)) ||
	    (rc = dcap_td_get_string(root, "name", 1, file, "", &p->name, err)) ||
	    (rc = dcap_td_get_string(root, "summary", 0, file, "", &p->summary, err)) ||
	    (rc = dcap_td_get_string(root, "provenance", 0, file, "", &p->provenance, err)) ||
	    (rc = dcap_td_get_string(root, "license", 0, file, "", &p->license, err)))
		goto out;
	if (!p->summary && !(p->summary = strdup(p->name))) {
		rc = TD_NOMEM(err, file);
		goto out;
	}
	/* p->file: the tables' views keep pointing at it */
	if ((rc = load_tables(root, "network_tables", sizeof *p->nets,
			      (void **)&p->nets, &p->n_nets, p->file, load_net, err)) ||
	    (rc = load_tables(root, "op_tables", sizeof *p->ops,
			      (void **)&p->ops, &p->n_ops, p->file, load_op, err)))
		goto out;
	if (p->n_nets == 0 && p->n_ops == 0) {
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "%s: network_tables, op_tables: the profile has no "
				   "table (at least one is required)", file);
		goto out;
	}
	if (p->n_nets && !(p->views = calloc(p->n_nets, sizeof *p->views))) {
		rc = TD_NOMEM(err, file);
		goto out;
	}
	for (i = 0; i < p->n_nets; i++)
		p->views[i] = p->nets[i].view;
out:
	json_decref(root);
	if (rc) {
		dcap_td_profile_free(p);
		return NULL;
	}
	return p;
}
