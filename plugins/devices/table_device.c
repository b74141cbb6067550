/* dcanas — table devices: one device per JSON profile file.
 *
 * At registration the module scans the profile path (DCANAS_PROFILE_PATH,
 * colon-separated, then DCA_PROFILEDIR) for *.json and *.json.gz files,
 * reads each one's header (format version, name, summary) and registers a
 * dca_device for it; the tables are parsed and checked on first use. The
 * first profile of a name wins; a later one is skipped with a warning. A
 * profile with a bad header is skipped with a message naming the file; a bad
 * table makes the device's callbacks fail with a message naming the file
 * and the JSON path (network_tables[0].archs...). The other profiles are
 * unaffected. The format is documented in docs/devices.md.
 *
 * Device answers (data only; the core parses archs and fits, see
 * network_fit.h):
 *   network_tables  every network table, as loaded
 *   network_value   exact value from a network table, by arch string
 *   op_cost         exact value from an op table (first matching entry)
 *   describe        provenance and op tables
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table_device.h"

#ifndef DCA_PROFILEDIR
#define DCA_PROFILEDIR "/usr/local/share/dcanas/profiles"
#endif

/* ------------------------------------------------------- lazy loading */

/* What registration knows: the header (name, summary), read from the first
 * bytes of the file; the tables are parsed and checked on first use (a full
 * parse costs ~25-40 ms per 15625-arch table, too much for every start-up
 * with a dozen profiles). */
typedef struct td_lazy {
	char *file, *name, *summary;
	td_profile *p;         /* NULL until loaded */
	int failed;            /* the full load failed: load_err */
	dca_error load_err;
} td_lazy;

static void td_lazy_free(td_lazy *lz)
{
	if (lz) {
		dcap_td_profile_free(lz->p);
		free(lz->file);
		free(lz->name);
		free(lz->summary);
		free(lz);
	}
}

/* A device-to-be from a profile's header; NULL with err = "FILE: REASON". */
static td_lazy *td_read_header(const char *file, dca_error *err)
{
	td_lazy *lz = calloc(1, sizeof *lz);

	if (!lz || !(lz->file = strdup(file))) {
		free(lz);
		TD_NOMEM(err, file);
		return NULL;
	}
	if (dcap_td_header_read(file, &lz->name, &lz->summary, err) != 0) {
		td_lazy_free(lz);
		return NULL;
	}
	return lz;
}

/* The full profile of a device, loading (and checking) it on first use. */
static td_profile *td_get(const dca_device *dev, dca_error *err)
{
	td_lazy *lz = dev->state;

	if (!lz->p && !lz->failed) {
		td_profile *p = dcap_td_profile_load(lz->file, &lz->load_err);
		if (p && strcmp(p->name, lz->name) != 0) {
			dca_error_set(&lz->load_err, DCA_ERR_INVALID,
				      "%s: name: \"%s\" differs from \"%s\" read at start-up",
				      lz->file, p->name, lz->name);
			dcap_td_profile_free(p);
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

#define TD_GET(p, dev, err) \
	if (!((p) = td_get(dev, err))) \
		return err && err->code ? err->code : DCA_ERR_INVALID

static int td_network_tables(const dca_device *dev,
			     const dca_network_table **tables, size_t *n,
			     dca_error *err)
{
	const td_profile *p;

	TD_GET(p, dev, err);
	*tables = p->views;
	*n = p->n_nets;
	return 0;
}

static int td_network_value(const dca_device *dev, const char *space,
			    const char *metric, const char *arch, double *out,
			    dca_error *err)
{
	const td_profile *p;
	const dca_network_table *t;
	const double *v;
	size_t i;

	TD_GET(p, dev, err);
	for (i = 0; i < p->n_nets; i++) {
		t = &p->views[i];
		if (strcmp(t->space, space) != 0 || strcmp(t->metric, metric) != 0)
			continue;
		if (!(v = dcap_td_net_table_find(&p->nets[i], arch)))
			return dca_error_set(err, DCA_ERR_NOTFOUND,
					     "architecture %s is not in device %s's %s "
					     "table for space %s (%zu entries, %s)", arch,
					     dev->name, metric, space, t->n, p->file);
		*out = *v;
		return 0;
	}
	return dca_error_set(err, DCA_ERR_UNSUPPORTED,
			     "device %s has no %s table for space %s (profile %s)%s",
			     dev->name, metric, space, p->file,
			     p->n_nets ? "; `dcanas devices show` lists the tables it has" : "");
}

static int td_op_cost(const dca_device *dev, dca_metric metric,
		      const dca_op_desc *op, double *out, dca_error *err)
{
	const td_profile *p;

	TD_GET(p, dev, err);
	return dcap_td_op_cost(p, dev->name, dca_metric_name(metric), op, out, err);
}

static void td_describe(const dca_device *dev, void *file)
{
	FILE *f = file;
	dca_error err = { 0 };
	const td_profile *p = td_get(dev, &err);

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
	dcap_td_op_tables_describe(p, f);
}

/* ---------------------------------------------------------- registration */

static void td_device_release(const dca_device *dev);

static dca_device *td_device_new(td_lazy *lz)
{
	dca_device *dev = calloc(1, sizeof *dev);

	if (!dev)
		return NULL;
	*dev = (dca_device){ DCA_DEVICE_INIT };
	dev->name = lz->name;
	dev->summary = lz->summary;
	dev->source = lz->file;
	dev->state = lz;
	dev->op_cost = td_op_cost;
	dev->network_tables = td_network_tables;
	dev->network_value = td_network_value;
	dev->describe = td_describe;
	dev->release = td_device_release;
	return dev;
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
	s->names[s->n] = strdup(name);
	s->files[s->n] = strdup(file);
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

	copy = strdup(path_list ? path_list : "");
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

DCA_MODULE_DEFINE("table", PACKAGE_VERSION,
		  "table devices: one device per JSON profile (network and op "
		  "latency/energy tables) found on DCANAS_PROFILE_PATH and in "
		  DCA_PROFILEDIR,
		  "MIT", register_plugins);
