/* dcanas — a measured per-op latency table for this machine (profile.h).
 *
 * The file is a device profile (docs/devices.md) with one op table and a
 * "host" header: CPU model, threads, OPENBLAS_CORETYPE, batch, timing runs.
 * In memory the entries are a JSON object keyed by dca_op_key, so a lookup
 * is one hash probe. New measurements are saved every SAVE_EVERY entries and
 * when the table is freed, atomically, so an interrupted profile keeps what
 * it measured and the next run continues from it. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dcanas/jsonfile.h>
#include <dcanas/profile.h>
#include <dcanas/tensor.h>

#define SAVE_EVERY 16

struct dca_op_table {
	char *path;
	dca_timing_opts opts;
	char host[512];
	json_t *entries;        /* key -> entry object (with "value") */
	json_t *quality;        /* space -> {tau, median_rel_err, ...} */
	double per_net_ms, per_op_ms;
	int unsaved;
};

/* a file-name-safe slug of s */
static void slug(const char *s, char *out, size_t n)
{
	size_t k = 0;
	int dash = 0;

	for (; *s && k + 1 < n; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    (*s >= 'A' && *s <= 'Z')) {
			out[k++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
			dash = 0;
		} else if (!dash && k > 0) {
			out[k++] = '-';
			dash = 1;
		}
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
}

char *dca_host_cache_path(const dca_timing_opts *o)
{
	const char *env = getenv("DCANAS_HOST_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char host[512], name[600], dir[1024], *path = NULL;

	if (env && *env)
		return strdup(env);
	dca_host_describe(host, sizeof host);
	slug(host, name, sizeof name);
	if (!(home && *home)) {
		/* no HOME: the account's home, else a folder of this user's own
		 * (never a folder others could have filled for us) */
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
	}
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/dcanas", xdg);
	else if (home)
		snprintf(dir, sizeof dir, "%s/.cache/dcanas", home);
	else {
		struct stat st;

		snprintf(dir, sizeof dir, "%s/dcanas-cache-%ld", P_tmpdir, (long)getuid());
		if ((mkdir(dir, 0700) != 0 && errno != EEXIST) || lstat(dir, &st) != 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022))
			return NULL;   /* someone else's, or writable by others */
		if (asprintf(&path, "%s/host-%s-b%d.json", dir, name, o->batch) < 0)
			return NULL;
		return path;
	}
	/* make the folders (the parent of dcanas/ too, for ~/.cache) */
	{
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			mkdir(dir, 0777);
			*slash = '/';
		}
		mkdir(dir, 0777);
	}
	if (asprintf(&path, "%s/host-%s-b%d.json", dir, name, o->batch) < 0)
		return NULL;
	return path;
}

dca_op_table *dca_op_table_open(const char *path, const dca_timing_opts *o,
				dca_error *err)
{
	dca_op_table *t = calloc(1, sizeof *t);
	json_t *root = NULL, *tables, *h;
	size_t i;

	if (!t || !(t->path = strdup(path))) {
		free(t);
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	t->opts = *o;
	dca_host_describe(t->host, sizeof t->host);
	t->entries = json_object();
	t->quality = json_object();
	if (access(path, F_OK) != 0)
		return t;
	if (!(root = dca_json_load_file(path, err)))
		goto fail;
	h = json_object_get(root, "host");
	if (!json_is_object(h) || !json_is_string(json_object_get(h, "machine")) ||
	    strcmp(json_string_value(json_object_get(h, "machine")), t->host) != 0 ||
	    json_integer_value(json_object_get(h, "batch")) != o->batch) {
		dca_error_set(err, DCA_ERR_INVALID, "%s was measured on \"%s\" at batch "
			      "%d; this is \"%s\" at batch %d: profile again into another "
			      "file (dcanas profile --out FILE)", path,
			      json_is_object(h) ? json_string_value(json_object_get(h, "machine")) : "?",
			      (int)json_integer_value(json_object_get(h, "batch")),
			      t->host, o->batch);
		goto fail;
	}
	tables = json_object_get(root, "op_tables");
	for (i = 0; i < json_array_size(tables); i++) {
		json_t *tab = json_array_get(tables, i), *e;
		size_t j;

		if (strcmp(json_string_value(json_object_get(tab, "metric")) ?: "", "latency"))
			continue;
		json_array_foreach(json_object_get(tab, "entries"), j, e) {
			const char *key = json_string_value(json_object_get(e, "key"));
			if (key && json_is_number(json_object_get(e, "value")))
				json_object_set(t->entries, key, e);
		}
	}
	t->per_net_ms = json_number_value(json_object_get(json_object_get(root, "overhead"),
							  "per_network_ms"));
	t->per_op_ms = json_number_value(json_object_get(json_object_get(root, "overhead"),
							 "per_op_ms"));
	if (json_is_object(json_object_get(root, "quality")))
		json_object_update(t->quality, json_object_get(root, "quality"));
	json_decref(root);
	return t;
fail:
	json_decref(root);
	dca_op_table_free(t);
	return NULL;
}

int dca_op_table_save(dca_op_table *t, dca_error *err)
{
	json_t *root, *entries = json_array(), *e;
	const char *key;
	int rc;

	json_object_foreach(t->entries, key, e)
		json_array_append(entries, e);
	root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:{s:s, s:i, s:i, s:i}, "
			 "s:{s:f, s:f}, s:O, s:[{s:s, s:s, s:o}]}",
		"dcanas_profile", 1, "name", "host",
		"summary", "this machine, measured op by op with the dcanas engine",
		"provenance", "measured by dcanas (dca_time_op): median of the timed "
			      "forward runs after warm-up runs, random inputs and weights",
		"license", "CC0-1.0",
		"host", "machine", t->host, "batch", t->opts.batch,
		"warmup", t->opts.warmup, "runs", t->opts.runs,
		"overhead", "per_network_ms", t->per_net_ms, "per_op_ms", t->per_op_ms,
		"quality", t->quality,
		"op_tables", "metric", "latency", "unit", "ms", "entries", entries);
	if (!root)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	rc = dca_json_save_file(root, t->path, JSON_INDENT(1) | JSON_SORT_KEYS, err);
	json_decref(root);
	if (!rc)
		t->unsaved = 0;
	return rc;
}

void dca_op_table_free(dca_op_table *t)
{
	if (!t)
		return;
	if (t->unsaved)
		dca_op_table_save(t, NULL);
	json_decref(t->entries);
	json_decref(t->quality);
	free(t->path);
	free(t);
}

int dca_op_table_cost(dca_op_table *t, const dca_op_desc *op, double *ms,
		      int *measured, dca_error *err)
{
	char key[256];
	json_t *e;
	dca_timing tm;
	int rc;

	if (measured)
		*measured = 0;
	if (op->kind == DCA_OP_ZERO || op->kind == DCA_OP_IDENTITY) {
		*ms = 0;
		return 0;
	}
	dca_op_key(op, key, sizeof key);
	if ((e = json_object_get(t->entries, key))) {
		*ms = json_number_value(json_object_get(e, "value"));
		return 0;
	}
	if ((rc = dca_time_op(op, &t->opts, &tm, err)))
		return rc;
	e = dca_op_entry(op, tm.median_ms);
	json_object_set_new(e, "key", json_string(key));
	json_object_set_new(e, "spread", json_real(tm.spread_ms));
	json_object_set_new(t->entries, key, e);
	*ms = tm.median_ms;
	if (measured)
		*measured = 1;
	if (++t->unsaved >= SAVE_EVERY)
		return dca_op_table_save(t, err);
	return 0;
}

int dca_op_table_net_cost(dca_op_table *t, const dca_net *net, double *ms,
			  dca_error *err)
{
	double s = t->per_net_ms + t->per_op_ms * (double)net->n_ops, v;
	size_t i;
	int rc;

	for (i = 0; i < net->n_ops; i++) {
		if ((rc = dca_op_table_cost(t, &net->ops[i], &v, NULL, err)))
			return rc;
		s += v;
	}
	*ms = s;
	return 0;
}

const char *dca_op_table_path(const dca_op_table *t) { return t->path; }
const dca_timing_opts *dca_op_table_timing(const dca_op_table *t) { return &t->opts; }
size_t dca_op_table_count(const dca_op_table *t) { return json_object_size(t->entries); }
json_t *dca_op_table_quality(dca_op_table *t) { t->unsaved++; return t->quality; }

void dca_op_table_set_overhead(dca_op_table *t, double per_net_ms, double per_op_ms)
{
	t->per_net_ms = per_net_ms;
	t->per_op_ms = per_op_ms;
	t->unsaved++;
}

void dca_op_table_get_overhead(const dca_op_table *t, double *per_net_ms, double *per_op_ms)
{
	*per_net_ms = t->per_net_ms;
	*per_op_ms = t->per_op_ms;
}

void dca_op_table_describe(const dca_op_table *t, FILE *f)
{
	const char *space;
	json_t *q;

	fprintf(f, "machine      %s\n", t->host);
	fprintf(f, "table        %s (%zu ops measured, batch %d, median of %d runs)\n",
		t->path, json_object_size(t->entries), t->opts.batch, t->opts.runs);
	fprintf(f, "estimate     sum of the ops + %.3f ms per network + %.4f ms per op\n",
		t->per_net_ms, t->per_op_ms);
	if (json_object_size(t->quality) == 0)
		fprintf(f, "quality      not measured yet: dcanas profile --space S --validate 50\n");
	json_object_foreach(t->quality, space, q)
		fprintf(f, "quality      %s: Kendall tau %.3f, median relative error %.1f%% "
			"over %d random architectures (%s)\n", space,
			json_number_value(json_object_get(q, "kendall_tau")),
			100 * json_number_value(json_object_get(q, "median_rel_err")),
			(int)json_integer_value(json_object_get(q, "archs")),
			json_string_value(json_object_get(q, "shape")) ?: "");
}

double dca_kendall_tau(const double *a, const double *b, int n)
{
	double conc = 0, disc = 0, ta = 0, tb = 0;
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double x = a[i] - a[j], y = b[i] - b[j];
			if (x == 0 && y == 0)
				continue;
			if (x == 0)
				ta++;
			else if (y == 0)
				tb++;
			else if ((x > 0) == (y > 0))
				conc++;
			else
				disc++;
		}
	if (conc + disc + ta == 0 || conc + disc + tb == 0)
		return 0;
	return (conc - disc) / sqrt((conc + disc + ta) * (conc + disc + tb));
}
