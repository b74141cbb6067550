/* dcanas — experiment configuration: parse, validate, resolve units and
 * plugin names, once.
 *
 * Jansson reports positions only for syntax errors, so for a semantic error
 * (wrong type, unknown key, bad unit) the offending JSON path is located in
 * the source text again by json_position() to give a line and column.
 *
 * Overrides (command-line flags) are merged into the file's JSON before
 * that one parse, as strings: a value from a flag goes through the same
 * checks as the same value in the file, read as the type its key expects,
 * and an error about it names the flag instead of a place in the file. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/data.h>
#include <dcanas/experiment.h>
#include <dcanas/limits.h>
#include <dcanas/plugin.h>

#include "atomic_file.h"

/* ---- locating a JSON path in the text -------------------------------------- */

struct scan {
	const char *s, *p;
	const char *want;   /* path to find, e.g. "constraints[1].max" */
	char path[256];
	const char *found;  /* position of the value (or key) at `want` */
};

static void skip_ws(struct scan *sc)
{
	while (*sc->p && isspace((unsigned char)*sc->p))
		sc->p++;
}

static void skip_string(struct scan *sc)
{
	sc->p++;
	while (*sc->p && *sc->p != '"') {
		if (*sc->p == '\\' && sc->p[1])
			sc->p++;
		sc->p++;
	}
	if (*sc->p)
		sc->p++;
}

static void scan_value(struct scan *sc);

static void check_here(struct scan *sc, const char *at)
{
	if (!sc->found && strcmp(sc->path, sc->want) == 0)
		sc->found = at;
}

static void scan_value(struct scan *sc)
{
	size_t base = strlen(sc->path);

	skip_ws(sc);
	check_here(sc, sc->p);
	if (*sc->p == '{') {
		sc->p++;
		for (;;) {
			const char *k;
			size_t klen;
			skip_ws(sc);
			if (*sc->p != '"')
				break;
			k = sc->p + 1;
			skip_string(sc);
			klen = (size_t)(sc->p - 1 - k);
			snprintf(sc->path + base, sizeof sc->path - base, "%s%.*s",
				 base ? "." : "", (int)klen, k);
			check_here(sc, k - 1);  /* an unknown key points at the key */
			skip_ws(sc);
			if (*sc->p == ':')
				sc->p++;
			scan_value(sc);
			sc->path[base] = '\0';
			skip_ws(sc);
			if (*sc->p == ',')
				sc->p++;
			else
				break;
		}
		if (*sc->p == '}')
			sc->p++;
	} else if (*sc->p == '[') {
		int i = 0;
		sc->p++;
		for (;;) {
			skip_ws(sc);
			if (*sc->p == ']' || !*sc->p)
				break;
			snprintf(sc->path + base, sizeof sc->path - base, "[%d]", i++);
			scan_value(sc);
			sc->path[base] = '\0';
			skip_ws(sc);
			if (*sc->p == ',')
				sc->p++;
			else
				break;
		}
		if (*sc->p == ']')
			sc->p++;
	} else if (*sc->p == '"') {
		skip_string(sc);
	} else {
		while (*sc->p && !strchr(",]} \t\r\n", *sc->p))
			sc->p++;
	}
}

static void json_position(const char *text, const char *path, int *line, int *col)
{
	struct scan sc = { .s = text, .p = text, .want = path };
	const char *q;

	*line = *col = 0;
	if (!text)
		return;
	scan_value(&sc);
	if (!sc.found)
		return;
	*line = 1;
	*col = 1;
	for (q = text; q < sc.found; q++) {
		if (*q == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* ---- the keys an experiment has --------------------------------------------- */

static const char *const top_keys[] = { "space", "optimizer", "data", "device",
	"constraints", NULL };
static const char *const space_keys[] = { "name", "width", "cells", "input",
	"classes", "auxiliary", "search_width", "search_cells", NULL };
static const char *const optimizer_keys[] = { "name", "epochs", "batch_size",
	"warmup_epochs", "bottleneck_k", "lr", "arch_lr", "lambda_lr", "seed",
	"time_limit", "candidate_epochs", "select", "select_k", NULL };
static const char *const data_keys[] = { "dataset", "path", "val_fraction",
	"per_class", "labels", "fingerprint", NULL };
/* max_value and unit: what dca_experiment_to_json adds for readers (a
 * resolved config.json is read back on --resume); max rules */
static const char *const budget_keys[] = { "name", "max", "max_value", "unit", NULL };

#define DEFAULT_OPTIMIZER "dcanas"

static int in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return 1;
	return 0;
}

/* ---- overrides ---------------------------------------------------------------- */

typedef struct override {
	int budget;          /* 1: path is a budget's constraint name */
	char path[64];       /* "optimizer.epochs", "device"; or the budget name */
	char *text;          /* the value as given (owned) */
	char *what;          /* "--epochs ten": how messages name it (owned) */
} override;

struct dca_experiment_overrides {
	int n, cap;
	override *v;
};

dca_experiment_overrides *dca_experiment_overrides_new(void)
{
	return calloc(1, sizeof(dca_experiment_overrides));
}

void dca_experiment_overrides_free(dca_experiment_overrides *ov)
{
	int i;

	if (!ov)
		return;
	for (i = 0; i < ov->n; i++) {
		free(ov->v[i].text);
		free(ov->v[i].what);
	}
	free(ov->v);
	free(ov);
}

/* Append one (when merged, a later one of the same path replaces an
 * earlier, as a later flag does). what: how messages name it. */
static int add_override(dca_experiment_overrides *ov, int budget, const char *path,
			const char *text, const char *what, dca_error *err)
{
	override *o;

	if (ov->n == ov->cap) {
		int cap = ov->cap ? 2 * ov->cap : 16;
		override *v = realloc(ov->v, (size_t)cap * sizeof *v);
		if (!v)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		ov->v = v;
		ov->cap = cap;
	}
	o = &ov->v[ov->n];
	memset(o, 0, sizeof *o);
	o->budget = budget;
	snprintf(o->path, sizeof o->path, "%s", path);
	o->text = strdup(text);
	o->what = strdup(what);
	if (!o->text || !o->what) {
		free(o->text);
		free(o->what);
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	}
	ov->n++;
	return 0;
}

int dca_experiment_override(dca_experiment_overrides *ov, const char *path,
			    const char *text, const char *origin, dca_error *err)
{
	const char *dot = strchr(path, '.'), *key = dot ? dot + 1 : path;
	const char *const *keys = NULL;
	char section[16], what[320];

	snprintf(section, sizeof section, "%.*s", dot ? (int)(dot - path) : 0, path);
	if (!dot)
		keys = strcmp(path, "device") == 0 ? top_keys : NULL;
	else if (strcmp(section, "space") == 0)
		keys = space_keys;
	else if (strcmp(section, "optimizer") == 0)
		keys = optimizer_keys;
	else if (strcmp(section, "data") == 0)
		keys = data_keys;
	/* constraints are not one scalar: no text sets them (space.input's
	 * text is "CxHxW") */
	if (!keys || !in_list(keys, key) ||
	    strlen(path) >= sizeof ((override *)0)->path)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: '%s' is not a setting "
				     "an override can give; one of: device, space.KEY, "
				     "optimizer.KEY, data.KEY (budgets: "
				     "dca_experiment_override_budget)",
				     origin ? origin : path, path);
	snprintf(what, sizeof what, "%s %s", origin ? origin : path, text);
	return add_override(ov, 0, path, text, what, err);
}

int dca_experiment_override_budget(dca_experiment_overrides *ov, const char *spec,
				   const char *origin, dca_error *err)
{
	const char *eq = strchr(spec, '=');
	char name[64], what[320];

	snprintf(what, sizeof what, "%s %s", origin ? origin : "budget", spec);
	if (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= sizeof name)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: expects NAME=MAX, "
				     "e.g. params=2M or latency=20ms", what);
	snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
	return add_override(ov, 1, name, eq + 1, what, err);
}

int dca_experiment_override_data(dca_experiment_overrides *ov, const char *spec,
				 const char *origin, dca_error *err)
{
	const char *colon = strchr(spec, ':');
	char kind[64], what[1100];
	int rc;

	snprintf(what, sizeof what, "%s %s", origin ? origin : "data", spec);
	if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= sizeof kind)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: expects KIND:PATH, "
				     "e.g. cifar10:DIR or digits8x8:DIR", what);
	snprintf(kind, sizeof kind, "%.*s", (int)(colon - spec), spec);
	if ((rc = add_override(ov, 0, "data.dataset", kind, what, err)))
		return rc;
	return add_override(ov, 0, "data.path", colon + 1, what, err);
}

/* ---- validation ------------------------------------------------------------ */

/* where a value came from when not from the file: a JSON path of the
 * merged experiment and the override that put it there */
typedef struct origin {
	char path[64];
	const char *what;    /* borrowed from the override */
} origin;

struct ctx {
	const char *text, *source;
	dca_error *err;
	int n_origins;
	origin origins[64];
};

/* The override that gave path (or a value above it), or NULL. */
static const char *origin_of(const struct ctx *c, const char *path)
{
	int i;

	for (i = c->n_origins - 1; i >= 0; i--) {
		size_t n = strlen(c->origins[i].path);
		if (strncmp(path, c->origins[i].path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '.' || path[n] == '['))
			return c->origins[i].what;
	}
	return NULL;
}

static int fail(struct ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, const char *path, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	int line, col;

	const char *what = origin_of(c, path);
	char near[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (what)      /* a flag: name it, not a place in the file */
		return dca_error_set(c->err, DCA_ERR_INVALID, "%s: %s: %s", what,
				     path, msg);
	/* the path, else the nearest value above it the file has (an
	 * override may have turned "space": "x" into an object) */
	snprintf(near, sizeof near, "%s", path);
	for (;;) {
		char *cut;
		json_position(c->text, near, &line, &col);
		if (line || !(cut = strrchr(near, '.')))
			break;
		*cut = '\0';
	}
	if (line)
		return dca_error_set(c->err, DCA_ERR_INVALID, "%s:%d:%d: %s: %s",
				     c->source, line, col, path, msg);
	return dca_error_set(c->err, DCA_ERR_INVALID, "%s: %s: %s", c->source,
			     path, msg);
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int only_keys(struct ctx *c, json_t *obj, const char *path,
		     const char *const *allowed)
{
	const char *key;
	json_t *v;
	char p[256], list[256];

	json_object_foreach(obj, key, v) {
		const char *const *a;
		size_t len = 0;
		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a)
			continue;
		list[0] = '\0';
		for (a = allowed; *a; a++)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
						len ? ", " : "", *a);
		snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
		return fail(c, p, "unknown key '%s'; allowed here: %s", key, list);
	}
	return 0;
}

static int get_string(struct ctx *c, json_t *obj, const char *path,
		      const char *key, char *out, size_t n, int required)
{
	json_t *v = json_object_get(obj, key);
	char p[256];

	snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
	if (!v) {
		if (required)
			return fail(c, path, "missing required key '%s'", key);
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, p, "expects a string");
	if (json_string_length(v) >= n)
		return fail(c, p, "is too long (at most %zu characters)", n - 1);
	snprintf(out, n, "%s", json_string_value(v));
	return 0;
}

/* A whole number at path p: an integer in the file, or the text of an
 * override (flags are text; read here as the key's type). 0, or -1 when v
 * is neither. */
static int int_value(const struct ctx *c, json_t *v, const char *p, json_int_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && origin_of(c, p)) {
		const char *t = json_string_value(v);
		char *end;
		long long x;

		errno = 0;
		x = strtoll(t, &end, 10);
		if (end != t && !*end && errno == 0) {
			*out = (json_int_t)x;
			return 0;
		}
	}
	return -1;
}

/* A number at path p, as int_value. */
static int real_value(const struct ctx *c, json_t *v, const char *p, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v) && origin_of(c, p)) {
		const char *t = json_string_value(v);
		char *end;
		double x = strtod(t, &end);

		if (end != t && !*end && isfinite(x)) {
			*out = x;
			return 0;
		}
	}
	return -1;
}

/* what a message quotes of a value that has the wrong type: the text of
 * an override (the file's is located by line and column) */
static const char *given(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* a limit's bounds, for get_int and get_real (limits.h: one table) */
#define LIM(name) dca_limit_get(DCA_LIM_##name)->min, dca_limit_get(DCA_LIM_##name)->max

static int get_int(struct ctx *c, json_t *obj, const char *path,
		   const char *key, int *out, int min, int max)
{
	json_t *v = json_object_get(obj, key);
	json_int_t x;
	char p[256];

	if (!v)
		return 0;
	snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
	if (int_value(c, v, p, &x))
		return origin_of(c, p) && given(v)
		       ? fail(c, p, "expects a whole number, got '%s'", given(v))
		       : fail(c, p, "expects a whole number");
	if (x < min || x > max)
		return fail(c, p, "must be between %d and %d, got %lld", min, max,
			    (long long)x);
	*out = (int)x;
	return 0;
}

static int get_real(struct ctx *c, json_t *obj, const char *path,
		    const char *key, double *out, double min, double max)
{
	json_t *v = json_object_get(obj, key);
	double x;
	char p[256];

	if (!v)
		return 0;
	snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", key);
	if (real_value(c, v, p, &x))
		return origin_of(c, p) && given(v)
		       ? fail(c, p, "expects a number, got '%s'", given(v))
		       : fail(c, p, "expects a number");
	if (x < min || x > max)
		return fail(c, p, "must be between %g and %g, got %g", min, max, x);
	*out = x;
	return 0;
}

static int parse_space(struct ctx *c, json_t *v, dca_experiment *e,
		       struct dca_registry *reg)
{
	const char *const *keys = space_keys;
	json_t *in;
	int rc, aux = 0;

	if (json_is_string(v)) {
		snprintf(e->space, sizeof e->space, "%s", json_string_value(v));
	} else if (json_is_object(v)) {
		if ((rc = only_keys(c, v, "space", keys)) ||
		    (rc = get_string(c, v, "space", "name", e->space, sizeof e->space, 1)) ||
		    (rc = get_int(c, v, "space", "width", &e->shape.width, LIM(WIDTH))) ||
		    (rc = get_int(c, v, "space", "cells", &e->shape.cells, LIM(CELLS))) ||
		    (rc = get_int(c, v, "space", "classes", &e->shape.classes, LIM(CLASSES))) ||
		    (rc = get_int(c, v, "space", "search_width", &e->search_shape.width, LIM(WIDTH))) ||
		    (rc = get_int(c, v, "space", "search_cells", &e->search_shape.cells, LIM(CELLS))))
			return rc;
		e->classes_given = json_object_get(v, "classes") != NULL;
		if ((in = json_object_get(v, "input")) && json_is_string(in) &&
		    origin_of(c, "space.input")) {
			/* a flag's "CxHxW" (--input), read as the array */
			int ic, ih, iw;
			char tail;
			if (sscanf(json_string_value(in), "%dx%dx%d%c", &ic, &ih, &iw, &tail) != 3)
				return fail(c, "space.input", "expects CxHxW, e.g. 3x64x64, "
					    "not '%s'", json_string_value(in));
			in = json_pack("[i,i,i]", ic, ih, iw);
			json_object_set_new(v, "input", in);
		}
		if ((in = json_object_get(v, "input"))) {
			const dca_limit *ch = dca_limit_get(DCA_LIM_INPUT_CHANNELS);
			const dca_limit *side = dca_limit_get(DCA_LIM_INPUT_SIZE);
			size_t k;

			for (k = 0; json_is_array(in) && k < 3 && k < json_array_size(in); k++) {
				json_t *x = json_array_get(in, k);
				const dca_limit *l = k ? side : ch;

				if (!json_is_integer(x) || json_integer_value(x) < l->min ||
				    json_integer_value(x) > l->max)
					break;
			}
			if (!json_is_array(in) || json_array_size(in) != 3 || k < 3)
				return fail(c, "space.input", "expects [channels, height, width], "
					    "e.g. [3, 32, 32], channels from 1 to %.0f and sides "
					    "from 1 to %.0f", ch->max, side->max);
			e->shape.in_c = (int)json_integer_value(json_array_get(in, 0));
			e->shape.in_h = (int)json_integer_value(json_array_get(in, 1));
			e->shape.in_w = (int)json_integer_value(json_array_get(in, 2));
			e->input_given = 1;
		}
		if ((in = json_object_get(v, "auxiliary"))) {
			const char *t = origin_of(c, "space.auxiliary") ? given(in) : NULL;
			if (t && (strcmp(t, "true") == 0 || strcmp(t, "false") == 0))
				aux = strcmp(t, "true") == 0;
			else if (json_is_boolean(in))
				aux = json_is_true(in);
			else
				return fail(c, "space.auxiliary", "expects true or false");
		}
		e->shape.auxiliary = aux;
	} else {
		return fail(c, "space", "expects a name or an object with \"name\"");
	}
	if (reg) {
		dca_error lerr = { 0 };
		if (!(e->resolved.space = dca_registry_space(reg, e->space, &lerr)))
			return fail(c, json_is_object(v) ? "space.name" : "space", "%s",
				    lerr.msg);
	}
	return 0;
}

static int parse_optimizer(struct ctx *c, json_t *v, dca_experiment *e)
{
	const char *const *keys = optimizer_keys;
	json_t *seed;
	json_int_t x;
	int rc;

	if (json_is_string(v)) {
		snprintf(e->optimizer, sizeof e->optimizer, "%s", json_string_value(v));
		return 0;
	}
	if (!json_is_object(v))
		return fail(c, "optimizer", "expects a name or an object with \"name\"");
	if ((rc = only_keys(c, v, "optimizer", keys)) ||
	    (rc = get_string(c, v, "optimizer", "name", e->optimizer, sizeof e->optimizer, 1)) ||
	    (rc = get_int(c, v, "optimizer", "epochs", &e->epochs, LIM(EPOCHS))) ||
	    (rc = get_int(c, v, "optimizer", "batch_size", &e->batch_size, LIM(BATCH_SIZE))) ||
	    (rc = get_int(c, v, "optimizer", "warmup_epochs", &e->warmup_epochs, LIM(WARMUP_EPOCHS))) ||
	    (rc = get_int(c, v, "optimizer", "bottleneck_k", &e->bottleneck_k, LIM(BOTTLENECK_K))) ||
	    (rc = get_real(c, v, "optimizer", "lr", &e->lr, LIM(LR))) ||
	    (rc = get_real(c, v, "optimizer", "arch_lr", &e->arch_lr, LIM(LR))) ||
	    (rc = get_real(c, v, "optimizer", "lambda_lr", &e->lambda_lr, LIM(LR))) ||
	    (rc = get_real(c, v, "optimizer", "time_limit", &e->time_limit, LIM(TIME_LIMIT))) ||
	    (rc = get_int(c, v, "optimizer", "candidate_epochs", &e->candidate_epochs, LIM(EPOCHS))) ||
	    (rc = get_string(c, v, "optimizer", "select", e->select, sizeof e->select, 0)) ||
	    (rc = get_int(c, v, "optimizer", "select_k", &e->select_k, 1, dca_limit_get(DCA_LIM_COUNT_SMALL)->max)))
		return rc;
	if (dca_select_mode_from_name(e->select) < 0)
		return fail(c, "optimizer.select", "is '%s'; expected one of "
			    "\"proxy\", \"likely\", \"repair\"", e->select);
	if ((seed = json_object_get(v, "seed"))) {
		if (int_value(c, seed, "optimizer.seed", &x) ||
		    (double)x < dca_limit_get(DCA_LIM_SEED)->min || (double)x > dca_limit_get(DCA_LIM_SEED)->max)
			return fail(c, "optimizer.seed", "expects a whole number from -2^53 to 2^53");
		e->seed = (long)x;
	}
	return 0;
}

static int parse_data(struct ctx *c, json_t *v, dca_experiment *e)
{
	const char *const *keys = data_keys;
	dca_error lerr = { 0 };
	int rc;

	if (!json_is_object(v))
		return fail(c, "data", "expects an object with \"dataset\" and \"path\"");
	if ((rc = only_keys(c, v, "data", keys)))
		return rc;
	if (!json_object_get(v, "dataset"))
		return fail(c, "data", "missing required key 'dataset': give \"data\": "
			    "{\"dataset\": KIND, \"path\": DIR} (or --data KIND:DIR)");
	if ((rc = get_string(c, v, "data", "dataset", e->dataset, sizeof e->dataset, 1)) ||
	    (rc = get_string(c, v, "data", "path", e->data_path, sizeof e->data_path, 0)) ||
	    (rc = get_real(c, v, "data", "val_fraction", &e->val_fraction, 1e-6, 0.99)) ||
	    (rc = get_int(c, v, "data", "per_class", &e->per_class, LIM(PER_CLASS))) ||
	    (rc = get_string(c, v, "data", "fingerprint", e->data_fingerprint,
			     sizeof e->data_fingerprint, 0)))
		return rc;
	if (dca_dataset_kind_shape(e->dataset, NULL, NULL, NULL, NULL, &lerr))
		return fail(c, "data.dataset", "%s", lerr.msg);
	{
		/* "labels": CIFAR-100's fine (100) or coarse (20) classes; the
		 * coarse ones are the kind cifar100-coarse */
		char labels[16] = "";
		if ((rc = get_string(c, v, "data", "labels", labels, sizeof labels, 0)))
			return rc;
		if (labels[0] && strcmp(labels, "fine") && strcmp(labels, "coarse"))
			return fail(c, "data.labels", "must be \"fine\" or \"coarse\", "
				    "not \"%s\"", labels);
		if (!strcmp(labels, "coarse") && strcmp(e->dataset, "cifar100") &&
		    strcmp(e->dataset, "cifar100-coarse"))
			return fail(c, "data.labels", "\"coarse\" (the 20 superclasses) is "
				    "CIFAR-100's; the dataset is %s", e->dataset);
		if (!strcmp(labels, "fine") && strcmp(e->dataset, "cifar100") == 0)
			;       /* the default */
		else if (!strcmp(labels, "fine"))
			return fail(c, "data.labels", "\"fine\" is CIFAR-100's; the "
				    "dataset is %s", e->dataset);
		if (!strcmp(labels, "coarse"))
			snprintf(e->dataset, sizeof e->dataset, "cifar100-coarse");
	}
	return 0;
}

/* The deployed network's input and classes: as given, else the dataset
 * kind's (known without reading it), else the space's defaults. */
static void resolve_shape(dca_experiment *e)
{
	dca_net_shape kind = { 0 };

	if (e->dataset[0] && dca_dataset_kind_shape(e->dataset, &kind.in_c, &kind.in_h,
						    &kind.in_w, &kind.classes, NULL) == 0) {
		if (!e->input_given) {
			e->shape.in_c = kind.in_c;
			e->shape.in_h = kind.in_h;
			e->shape.in_w = kind.in_w;
		}
		if (!e->classes_given)
			e->shape.classes = kind.classes;
	}
	if (e->resolved.space)
		dca_space_resolve_shape(e->resolved.space, &e->shape);
}

static int parse_constraints(struct ctx *c, json_t *v, dca_experiment *e,
			     struct dca_registry *reg)
{
	const char *const *keys = budget_keys;
	size_t i;
	json_t *item;
	char path[64], mpath[80];
	int rc, j;

	if (!json_is_array(v))
		return fail(c, "constraints",
			    "expects a list like [{\"name\": \"params\", \"max\": \"3.5M\"}]");
	if (json_array_size(v) > DCA_MAX_CONSTRAINTS)
		return fail(c, "constraints", "at most %d constraints",
			    DCA_MAX_CONSTRAINTS);
	json_array_foreach(v, i, item) {
		dca_budget *b = &e->budgets[e->n_budgets];
		json_t *max;
		snprintf(path, sizeof path, "constraints[%zu]", i);
		snprintf(mpath, sizeof mpath, "%s.max", path);
		if (!json_is_object(item))
			return fail(c, path, "expects {\"name\": ..., \"max\": ...}");
		if ((rc = only_keys(c, item, path, keys)) ||
		    (rc = get_string(c, item, path, "name", b->name, sizeof b->name, 1)))
			return rc;
		for (j = 0; j < e->n_budgets; j++)
			if (strcmp(e->budgets[j].name, b->name) == 0)
				return fail(c, path, "constraint '%s' is given twice "
					    "(also constraints[%d])", b->name, j);
		max = json_object_get(item, "max");
		if (!max)
			return fail(c, path, "missing required key 'max' (the budget)");
		if (json_is_string(max))
			snprintf(b->text, sizeof b->text, "%s", json_string_value(max));
		else if (json_is_number(max))
			snprintf(b->text, sizeof b->text, "%.17g", json_number_value(max));
		else
			return fail(c, mpath, "expects a budget like \"3.5M\" or \"20ms\"");
		if (reg) {
			dca_error lerr = { 0 };
			b->constraint = dca_registry_constraint(reg, b->name, &lerr);
			if (!b->constraint)
				return fail(c, path, "%s", lerr.msg);
			if (json_is_number(max) && b->constraint->unit != DCA_UNIT_COUNT)
				return fail(c, mpath, "budget '%s' needs a unit, e.g. "
					    "\"%g%s\"", b->name, json_number_value(max),
					    b->constraint->unit == DCA_UNIT_SECONDS ? "ms" :
					    b->constraint->unit == DCA_UNIT_BYTES ? "KiB" : "mJ");
			if (dca_unit_parse(b->constraint->unit, b->text, &b->max, &lerr))
				return fail(c, mpath, "budget '%s' %s", b->name, lerr.msg);
		}
		e->n_budgets++;
	}
	return 0;
}

static void defaults(dca_experiment *e)
{
	memset(e, 0, sizeof *e);
	snprintf(e->optimizer, sizeof e->optimizer, DEFAULT_OPTIMIZER);
	e->epochs = 50;
	e->batch_size = 64;
	e->warmup_epochs = 15;
	e->bottleneck_k = 4;
	e->lr = 0.025;
	e->arch_lr = 3e-3;   /* measured: docs/search.md */
	e->lambda_lr = 0.1;
	e->seed = 1;
	e->val_fraction = 0.5;
	e->candidate_epochs = 1;
	snprintf(e->select, sizeof e->select, "proxy");
	e->select_k = 10000;   /* time-bounded: see select.c */
	e->time_limit = 1200;  /* a search takes at most 20 minutes unless told */
	snprintf(e->device, sizeof e->device, "host");
}

int dca_select_mode_from_name(const char *name)
{
	static const char *const names[] = { "proxy", "likely", "repair" };
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* ---- merging overrides into the file's JSON --------------------------------- */

static int record(struct ctx *c, const char *path, const char *what)
{
	if (c->n_origins == (int)(sizeof c->origins / sizeof c->origins[0]))
		return dca_error_set(c->err, DCA_ERR_INVALID, "%s: more than %d "
				     "overrides", what, c->n_origins);
	snprintf(c->origins[c->n_origins].path, sizeof c->origins[0].path, "%s", path);
	c->origins[c->n_origins++].what = what;
	return 0;
}

/* The object of section name in root, to set a key of: made from the
 * name form ("space": "nb201" becomes {"name": "nb201"}), or created (an
 * optimizer with the default's name); NULL when the file holds something
 * else there, which the parse then reports. */
static json_t *section(json_t *root, const char *name)
{
	json_t *v = json_object_get(root, name), *o;

	if (json_is_object(v))
		return v;
	if (!v) {
		o = strcmp(name, "optimizer") == 0
		    ? json_pack("{s:s}", "name", DEFAULT_OPTIMIZER) : json_object();
	} else if (json_is_string(v) && strcmp(name, "data") != 0) {
		o = json_pack("{s:O}", "name", v);
	} else {
		return NULL;
	}
	if (!o || json_object_set_new(root, name, o))
		return NULL;
	return o;
}

/* A budget override: the file's budget of that name gets its max, or a
 * budget is appended. */
static int merge_budget(struct ctx *c, json_t *root, const override *o)
{
	json_t *cons = json_object_get(root, "constraints"), *item;
	char path[64];
	size_t i;

	if (!cons) {
		cons = json_array();
		json_object_set_new(root, "constraints", cons);
	}
	if (!json_is_array(cons))
		return 0;    /* the file's own error, reported by the parse */
	json_array_foreach(cons, i, item) {
		json_t *name = json_object_get(item, "name");
		if (json_is_string(name) && strcmp(json_string_value(name), o->path) == 0) {
			json_object_set_new(item, "max", json_string(o->text));
			/* what to_json adds for readers: the flag's max rules */
			json_object_del(item, "max_value");
			json_object_del(item, "unit");
			snprintf(path, sizeof path, "constraints[%zu].max", i);
			return record(c, path, o->what);
		}
	}
	json_array_append_new(cons, json_pack("{s:s, s:s}", "name", o->path,
					      "max", o->text));
	snprintf(path, sizeof path, "constraints[%zu]", json_array_size(cons) - 1);
	return record(c, path, o->what);
}

static int merge(struct ctx *c, json_t *root, const dca_experiment_overrides *ov)
{
	int i, rc;

	for (i = 0; ov && i < ov->n; i++) {
		const override *o = &ov->v[i];
		const char *dot = strchr(o->path, '.');
		char sec[16];
		json_t *obj, *cur;

		if (o->budget) {
			if ((rc = merge_budget(c, root, o)))
				return rc;
			continue;
		}
		if (!dot) {
			json_object_set_new(root, o->path, json_string(o->text));
			if ((rc = record(c, o->path, o->what)))
				return rc;
			continue;
		}
		snprintf(sec, sizeof sec, "%.*s", (int)(dot - o->path), o->path);
		if (!(obj = section(root, sec)))
			continue;    /* the file's own error, reported by the parse */
		/* the file's width, cells and budgets are for its space */
		cur = json_object_get(obj, "name");
		if (strcmp(o->path, "space.name") == 0 && json_is_string(cur) &&
		    !origin_of(c, "space.name") &&
		    strcmp(json_string_value(cur), o->text) != 0)
			return dca_error_set(c->err, DCA_ERR_INVALID, "%s: differs from "
					     "the experiment's space '%s' (%s); drop it "
					     "or make them agree", o->what,
					     json_string_value(cur), c->source);
		json_object_set_new(obj, dot + 1, json_string(o->text));
		if ((rc = record(c, o->path, o->what)))
			return rc;
	}
	return 0;
}

int dca_experiment_parse_with_overrides(dca_experiment *e, const char *text,
					const char *source,
					const dca_experiment_overrides *ov,
					struct dca_registry *reg, dca_error *err)
{
	const char *const *keys = top_keys;
	struct ctx c = { 0 };
	json_error_t jerr;
	json_t *root, *v;
	int rc = 0, needs_device = -1, i;   /* the first budget needing a device */

	c.text = text = text ? text : "{}";   /* no file: the overrides alone */
	c.source = source;
	c.err = err;
	defaults(e);
	snprintf(e->source, sizeof e->source, "%s", source);
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return dca_error_set(err, DCA_ERR_INVALID, "%s:%d:%d: invalid JSON: %s",
				     source, jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: the top level must "
				   "be an object with \"space\", \"constraints\", ...",
				   source);
		goto out;
	}
	if ((rc = merge(&c, root, ov)))
		goto out;
	if ((rc = only_keys(&c, root, "", keys)))
		goto out;
	if (!(v = json_object_get(root, "space"))) {
		rc = fail(&c, "space", "missing: name a search space, e.g. "
			  "\"space\": \"nb201\"");
		goto out;
	}
	if ((rc = parse_space(&c, v, e, reg)))
		goto out;
	if ((v = json_object_get(root, "optimizer")) && (rc = parse_optimizer(&c, v, e)))
		goto out;
	if ((v = json_object_get(root, "data")) && (rc = parse_data(&c, v, e)))
		goto out;
	if ((v = json_object_get(root, "constraints")) &&
	    (rc = parse_constraints(&c, v, e, reg)))
		goto out;
	resolve_shape(e);
	if (reg) {
		dca_error lerr = { 0 };
		v = json_object_get(root, "optimizer");
		if (!(e->resolved.optimizer = dca_registry_optimizer(reg, e->optimizer, &lerr))) {
			rc = fail(&c, json_is_object(v) ? "optimizer.name" : "optimizer",
				  "%s%s", lerr.msg, v ? "" : " (the default optimizer)");
			goto out;
		}
	}
	for (i = 0; i < e->n_budgets; i++)
		if (e->budgets[i].constraint && e->budgets[i].constraint->needs_device &&
		    needs_device < 0)
			needs_device = i;
	if ((v = json_object_get(root, "device"))) {
		if (!json_is_string(v)) {
			rc = fail(&c, "device", "expects a device name, e.g. \"raspi4\"");
			goto out;
		}
		snprintf(e->device, sizeof e->device, "%s", json_string_value(v));
	} else if (needs_device >= 0) {
		char path[64];

		e->device[0] = '\0';
		snprintf(path, sizeof path, "constraints[%d]", needs_device);
		rc = fail(&c, path, "a latency or energy budget needs a \"device\" "
			  "(see `dcanas devices`)");
		goto out;
	}
	if (reg && e->device[0]) {
		dca_error lerr = { 0 };
		/* the default device ("host") only reports a latency: quietly
		 * absent when not loaded */
		e->resolved.device = dca_registry_device(reg, e->device, &lerr);
		if (!e->resolved.device && v) {
			if (needs_device >= 0)
				rc = fail(&c, "device", "%s (budget '%s' needs a device)",
					  lerr.msg, e->budgets[needs_device].name);
			else
				rc = fail(&c, "device", "%s", lerr.msg);
			goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

int dca_experiment_parse(dca_experiment *e, const char *text, const char *source,
			 struct dca_registry *reg, dca_error *err)
{
	return dca_experiment_parse_with_overrides(e, text, source, NULL, reg, err);
}

int dca_experiment_load_with_overrides(dca_experiment *e, const char *path,
				       const dca_experiment_overrides *ov,
				       struct dca_registry *reg, dca_error *err)
{
	int fd = dcap_open_regular(path, err);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	char *text;
	long n;
	int rc;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return fd == -2 ? DCA_ERR_INVALID
			       : dca_error_set(err, DCA_ERR_IO, "%s: cannot open: %m", path);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 24) ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot read (not a "
				     "regular file, or larger than 16 MiB)", path);
	}
	text = malloc((size_t)n + 1);
	if (!text) {
		fclose(f);
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		fclose(f);
		return dca_error_set(err, DCA_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	text[n] = '\0';
	rc = dca_experiment_parse_with_overrides(e, text, path, ov, reg, err);
	free(text);
	return rc;
}

int dca_experiment_load(dca_experiment *e, const char *path,
			struct dca_registry *reg, dca_error *err)
{
	return dca_experiment_load_with_overrides(e, path, NULL, reg, err);
}

json_t *dca_experiment_to_json(const dca_experiment *e)
{
	json_t *cons = json_array();
	int i;

	for (i = 0; i < e->n_budgets; i++) {
		const dca_budget *b = &e->budgets[i];
		json_array_append_new(cons, json_pack("{s:s, s:s, s:f, s:s}",
			"name", b->name, "max", b->text, "max_value", b->max,
			"unit", b->constraint ? dca_unit_name(b->constraint->unit) : "?"));
	}
	json_t *j = json_pack("{s:{s:s, s:i, s:i, s:[i,i,i], s:i, s:b}, "
			 "s:{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:I, s:f, s:i, s:s, s:i}, "
			 "s:{s:s, s:s, s:f, s:i}, s:s, s:o}",
		"space", "name", e->space, "width", e->shape.width,
		"cells", e->shape.cells, "input", e->shape.in_c, e->shape.in_h,
		e->shape.in_w, "classes", e->shape.classes, "auxiliary",
		e->shape.auxiliary,
		"optimizer", "name", e->optimizer, "epochs", e->epochs,
		"batch_size", e->batch_size, "warmup_epochs", e->warmup_epochs,
		"bottleneck_k", e->bottleneck_k, "lr", e->lr, "arch_lr", e->arch_lr,
		"lambda_lr", e->lambda_lr, "seed", (json_int_t)e->seed,
		"time_limit", e->time_limit, "candidate_epochs", e->candidate_epochs,
		"select", e->select, "select_k", e->select_k,
		"data", "dataset", e->dataset, "path", e->data_path,
		"val_fraction", e->val_fraction, "per_class", e->per_class,
		"device", e->device, "constraints", cons);
	json_t *sp = json_object_get(j, "space");

	if (e->search_shape.width)
		json_object_set_new(sp, "search_width", json_integer(e->search_shape.width));
	if (e->search_shape.cells)
		json_object_set_new(sp, "search_cells", json_integer(e->search_shape.cells));
	if (e->data_fingerprint[0])
		json_object_set_new(json_object_get(j, "data"), "fingerprint",
				    json_string(e->data_fingerprint));
	return j;
}
