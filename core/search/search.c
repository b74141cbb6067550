/* dcanas — the search context: everything an optimizer plugin needs,
 * resolved once (space, device, budgets and their estimates, data), and the
 * run directory (config.json, log.jsonl, checkpoint.dcaw, arch.json).
 *
 * A run directory is created empty; resuming reads its checkpoint and
 * keeps only the log lines the checkpoint covers, so a resumed run writes
 * the same files as one never interrupted. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <dcanas/jsonfile.h>
#include <dcanas/plugin.h>
#include <dcanas/search.h>
#include <dcanas/train.h>
#include <dcanas/weights.h>

#include "search_internal.h"

/* ------------------------------------------------------------------ */
/* Opening                                                             */

/* nothing in it but, at most, the config.json of a run that failed before
 * its first epoch: no work to lose */
static int dir_holds_no_work(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "config.json")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* The experiment as it runs, for config.json (what --resume reads back):
 * the shapes resolved from the data and the space, which the experiment
 * itself leaves as the user gave them. */
static json_t *run_config(const dca_search *s)
{
	dca_experiment rec = s->exp;

	rec.shape.in_c = s->final.in_c;
	rec.shape.in_h = s->final.in_h;
	rec.shape.in_w = s->final.in_w;
	rec.shape.classes = s->final.classes;
	rec.input_given = rec.classes_given = 1;
	rec.search_shape.width = s->proxy.width;
	rec.search_shape.cells = s->proxy.cells;
	return dca_experiment_to_json(&rec);
}

static int open_run_dir(dca_search *s, dca_error *err)
{
	char *path;
	json_t *cfg;
	int rc;

	snprintf(s->run_dir, sizeof s->run_dir, "%s", s->opts.run_dir);
	if (mkdir(s->run_dir, 0777) != 0 && errno != EEXIST)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot create the run "
				     "directory: %s", s->run_dir, strerror(errno));
	if (s->opts.resume)
		return 0;
	if (!dir_holds_no_work(s->run_dir))
		return dca_error_set(err, DCA_ERR_INVALID, "%s: the run directory "
				     "is not empty; continue that run with `dcanas search "
				     "--resume %s`, or name a new directory with --out",
				     s->run_dir, s->run_dir);
	path = dca_search_path(s, "config.json");
	cfg = run_config(s);
	rc = path && cfg ? dca_json_save_file(cfg, path, JSON_INDENT(2) | JSON_SORT_KEYS, err)
			 : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(cfg);
	free(path);
	return rc;
}

/* the dataset, its train/validation split, and the input and classes it
 * gives the deployed network (into s->final) */
static int open_data(dca_search *s, dca_error *err)
{
	const dca_experiment *e = &s->exp;
	dca_dataset train, test, sub;
	int rc;

	if (!e->dataset[0] || !e->data_path[0])
		return dca_error_set(err, DCA_ERR_INVALID, "%s: no data to search "
				     "on: give \"data\": {\"dataset\": KIND, \"path\": DIR} "
				     "or --data KIND:DIR", e->source);
	if ((rc = dca_dataset_load(e->dataset, e->data_path, &train, &test, &s->aug, err)))
		return rc;
	dca_dataset_free(&test);     /* a search never looks at the test set */
	if (e->per_class > 0) {
		rc = dca_dataset_subset(&train, e->per_class, &sub, err);
		dca_dataset_free(&train);
		if (rc)
			return rc;
		train = sub;
		dca_dataset_stats(&train, &s->aug);
	}
	if (e->input_given && (e->shape.in_c != train.c || e->shape.in_h != train.h ||
			       e->shape.in_w != train.w)) {
		dca_dataset_free(&train);
		return dca_error_set(err, DCA_ERR_INVALID, "%s: space.input is "
				     "%dx%dx%d but %s images are %dx%dx%d; drop "
				     "space.input or make them agree", e->source,
				     e->shape.in_c, e->shape.in_h, e->shape.in_w,
				     e->dataset, train.c, train.h, train.w);
	}
	if (e->classes_given && e->shape.classes != train.classes) {
		dca_dataset_free(&train);
		return dca_error_set(err, DCA_ERR_INVALID, "%s: space.classes is %d "
				     "but %s has %d classes", e->source,
				     e->shape.classes, e->dataset, train.classes);
	}
	s->final.in_c = train.c;
	s->final.in_h = train.h;
	s->final.in_w = train.w;
	s->final.classes = train.classes;
	rc = dca_dataset_split(&train, (float)e->val_fraction, 0, (uint64_t)e->seed,
			       &s->train, &s->val, err);
	dca_dataset_free(&train);
	if (!rc && (s->train.n < e->batch_size || s->val.n < 1))
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: %d training and %d "
				   "validation images: too few for batches of %d "
				   "(raise data.per_class or lower optimizer.batch_size)",
				   e->source, s->train.n, s->val.n, e->batch_size);
	return rc;
}

/* The deployed network (width and cells as the experiment says; input
 * and classes already in s->final) and the supernet. */
static void resolve_shapes(dca_search *s)
{
	const dca_space *sp = s->space;

	s->final.width = s->exp.shape.width;
	s->final.cells = s->exp.shape.cells;
	s->final.auxiliary = 0;     /* budgets apply to the deployed network */
	s->proxy = s->final;
	/* the space's default supernet shape, never larger than the deployed
	 * network (a search for a small network gets a small supernet) */
	s->proxy.width = s->exp.search_shape.width ? s->exp.search_shape.width
		       : sp->search_shape.width && sp->search_shape.width < s->final.width
		       ? sp->search_shape.width : s->final.width;
	s->proxy.cells = s->exp.search_shape.cells ? s->exp.search_shape.cells
		       : sp->search_shape.cells && sp->search_shape.cells < s->final.cells
		       ? sp->search_shape.cells : s->final.cells;
}

/* The plugins the experiment resolved to (its parse did the lookups). */
static int take_plugins(dca_search *s, dca_error *err)
{
	const dca_experiment *e = &s->exp;
	int i, need_dev = 0;

	if (!e->resolved.space || !e->resolved.optimizer)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: the experiment was "
				     "read without a registry, so its space and "
				     "optimizer are names only; read it with "
				     "dca_experiment_load/parse given the registry",
				     e->source);
	s->space = e->resolved.space;
	s->opt = e->resolved.optimizer;
	s->dev = e->resolved.device;   /* may be NULL when no budget needs one */
	if (!s->space->derive || !s->space->arch_from_choices ||
	    !s->space->candidate_net || !s->space->estimate)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "space '%s' cannot be "
				     "searched (it has no supernet or derivation rule)",
				     s->space->name);
	if (!s->space->build_model &&
	    dca_select_mode_from_name(e->select) == DCA_SELECT_PROXY)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "space '%s' has no "
				     "build_model, which selection 'proxy' (the default) "
				     "needs to score candidates; select 'likely' or "
				     "'repair' instead (--select)", s->space->name);
	for (i = 0; i < e->n_budgets; i++) {
		if (!e->budgets[i].constraint)
			return dca_error_set(err, DCA_ERR_INVALID, "%s: budget '%s' "
					     "is not resolved to a constraint",
					     e->source, e->budgets[i].name);
		need_dev |= e->budgets[i].constraint->needs_device;
	}
	if (need_dev && !s->dev)
		return dca_error_set(err, DCA_ERR_NOTFOUND, "%s: a budget needs a "
				     "device, and device '%s' is not loaded (see "
				     "`dcanas devices`)", e->source, e->device);
	return 0;
}

/* What needs no data: the shapes, a cost model per budget, and whether
 * the budgets can be met at all. */
static int prepare(dca_search *s, dca_error *err)
{
	int i, rc;

	resolve_shapes(s);
	for (i = 0; i < s->exp.n_budgets; i++) {
		if ((rc = dca_cost_model_init(&s->costs[i], s->space, &s->final, s->dev,
					      &s->exp.budgets[i], err)))
			return rc;
		s->n_costs = i + 1;
	}
	return dcap_search_check_feasible(s, err);
}

int dca_search_check(const dca_experiment *exp, dca_error *err)
{
	dca_search *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	s->exp = *exp;
	/* the input and classes the parse resolved (given, the dataset
	 * kind's, or the space's), where a search takes the data's */
	s->final = exp->shape;
	rc = take_plugins(s, err);
	if (!rc)
		rc = prepare(s, err);
	dca_search_close(s);
	return rc;
}

int dca_search_open(dca_search **out, const dca_experiment *exp,
		    struct dca_registry *reg, const dca_search_opts *opts,
		    dca_error *err)
{
	dca_search *s = calloc(1, sizeof *s);
	int rc = 0;

	(void)reg;   /* the experiment carries what its names resolved to */
	*out = NULL;
	if (!s)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	s->exp = *exp;
	s->opts = *opts;
	s->t0 = dca_seconds();
	if ((rc = take_plugins(s, err)) || (rc = open_data(s, err)) ||
	    (rc = prepare(s, err)))
		goto fail;
	if (opts->run_dir && (rc = open_run_dir(s, err)))
		goto fail;
	*out = s;
	return 0;
fail:
	dca_search_close(s);
	return rc;
}

void dca_search_close(dca_search *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; i < s->n_costs; i++)
		dca_cost_model_free(&s->costs[i]);
	dca_dataset_free(&s->train);
	dca_dataset_free(&s->val);
	free(s->res_alpha);
	free(s->res_beta);
	if (s->res_arch)
		s->space->arch_free(s->res_arch);
	json_decref(s->res_info);
	free(s);
}

int dca_search_run(dca_search *s, dca_error *err)
{
	int rc = s->opt->run(s, err);

	if (rc)
		return rc;
	if (!s->res_alpha && !s->res_arch)
		return 1;   /* stopped early (stop_after): the checkpoint holds the run */
	return dcap_search_finish(s, err);
}

/* ------------------------------------------------------------------ */
/* Accessors                                                           */

const dca_experiment *dca_search_experiment(const dca_search *s) { return &s->exp; }
const dca_space *dca_search_space(const dca_search *s) { return s->space; }
const dca_net_shape *dca_search_proxy_shape(const dca_search *s) { return &s->proxy; }
const dca_net_shape *dca_search_final_shape(const dca_search *s) { return &s->final; }
const dca_dataset *dca_search_train_set(const dca_search *s) { return &s->train; }
const dca_dataset *dca_search_val_set(const dca_search *s) { return &s->val; }
const dca_augment *dca_search_augment(const dca_search *s) { return &s->aug; }
int dca_search_n_costs(const dca_search *s) { return s->n_costs; }
dca_cost_model *dca_search_cost(dca_search *s, int i) { return &s->costs[i]; }
FILE *dca_search_progress(const dca_search *s) { return s->opts.progress; }
int dca_search_stop_after(const dca_search *s) { return s->opts.stop_after; }

double dca_search_deadline(const dca_search *s)
{
	double share = dca_select_mode_from_name(s->exp.select) == DCA_SELECT_PROXY
		       ? DCAP_SELECT_TIME_SHARE : 0;

	return s->exp.time_limit > 0 ? s->exp.time_limit * (1 - share) : 0;
}

double dca_search_elapsed(const dca_search *s)
{
	return s->elapsed_before + (dca_seconds() - s->t0);
}

/* ------------------------------------------------------------------ */
/* Exact costs                                                         */

int dcap_search_assess_net(dca_search *s, const dca_arch *arch, double *out,
			   int *depends, double *macs, dca_error *err)
{
	dca_net net;
	size_t j;
	int i, rc;

	dca_net_init(&net);
	rc = s->space->build_net(arch, &s->final, &net, err);
	for (i = 0; i < s->n_costs && !rc; i++) {
		const dca_constraint *c = s->exp.budgets[i].constraint;
		rc = c->exact(&net, s->space, arch, c->needs_device ? s->dev : NULL,
			      &out[i], err);
	}
	if (!rc && depends)
		*depends = dca_net_depends_on_input(&net);
	if (!rc && macs)
		for (*macs = 0, j = 0; j < net.n_ops; j++)
			*macs += dca_op_macs(&net.ops[j]);
	dca_net_free(&net);
	return rc;
}

int dca_search_assess(dca_search *s, const dca_arch *arch, double *out,
		      int *depends, dca_error *err)
{
	return dcap_search_assess_net(s, arch, out, depends, NULL, err);
}

int dca_search_exact_costs(dca_search *s, const dca_arch *arch, double *out,
			   dca_error *err)
{
	return dca_search_assess(s, arch, out, NULL, err);
}

int dca_search_fits(const dca_search *s, const double *costs)
{
	int i;

	for (i = 0; i < s->n_costs; i++)
		if (costs[i] > s->exp.budgets[i].max)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Run directory                                                       */

char *dca_search_path(const dca_search *s, const char *file)
{
	size_t n = strlen(s->run_dir) + strlen(file) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", s->run_dir, file);
	return p;
}

int dca_search_log(dca_search *s, json_t *line, dca_error *err)
{
	char *path, *text;
	FILE *f;
	int rc = 0;

	json_object_set_new(line, "time", json_real(dca_search_elapsed(s)));
	if (!s->run_dir[0])
		return 0;
	path = dca_search_path(s, "log.jsonl");
	text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	if (!path || !text) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	} else if (!(f = fopen(path, "a"))) {
		rc = dca_error_set(err, DCA_ERR_IO, "%s: %s", path, strerror(errno));
	} else {
		fprintf(f, "%s\n", text);
		if (fflush(f) != 0 || fsync(fileno(f)) != 0)
			rc = dca_error_set(err, DCA_ERR_IO, "%s: %s", path, strerror(errno));
		if (fclose(f) != 0 && !rc)
			rc = dca_error_set(err, DCA_ERR_IO, "%s: %s", path, strerror(errno));
	}
	free(path);
	free(text);
	return rc;
}

int dca_search_checkpoint_save(dca_search *s, const dca_named_array *arrays,
			       int count, json_t *state, dca_error *err)
{
	char *path, *meta;
	json_t *m;
	int rc;

	if (!s->run_dir[0])
		return 0;
	m = json_pack("{s:O, s:f}", "state", state, "elapsed", dca_search_elapsed(s));
	meta = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	path = dca_search_path(s, "checkpoint.dcaw");
	rc = path && meta ? dca_weights_save(path, arrays, count, meta, err)
			  : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(m);
	free(meta);
	free(path);
	return rc;
}

/* keep the log lines of the epochs the checkpoint covers */
static int trim_log(dca_search *s, int epochs, dca_error *err)
{
	char *path = dca_search_path(s, "log.jsonl"), *tmp = NULL, line[1 << 16];
	FILE *in, *out;
	int rc = 0;

	if (!path)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	if (!(in = fopen(path, "r"))) {
		free(path);
		return 0;
	}
	if (asprintf(&tmp, "%s.tmp", path) < 0 || !(out = fopen(tmp, "w"))) {
		fclose(in);
		rc = dca_error_set(err, DCA_ERR_IO, "%s: cannot rewrite", path);
		goto out;
	}
	while (fgets(line, sizeof line, in)) {
		json_t *j = json_loads(line, 0, NULL);
		json_t *ep = j ? json_object_get(j, "epoch") : NULL;

		if (j && (!json_is_integer(ep) || json_integer_value(ep) <= epochs))
			fputs(line, out);
		json_decref(j);
	}
	fclose(in);
	if (fflush(out) != 0 || fsync(fileno(out)) != 0 || fclose(out) != 0 ||
	    rename(tmp, path) != 0)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: %s", path, strerror(errno));
out:
	free(tmp);
	free(path);
	return rc;
}

int dca_search_checkpoint_load(dca_search *s, dca_weights_file *f,
			       json_t **state, dca_error *err)
{
	char *path;
	json_t *m;
	json_error_t je;
	int rc;

	*state = NULL;
	if (!s->run_dir[0] || !s->opts.resume)
		return 0;
	if (!(path = dca_search_path(s, "checkpoint.dcaw")))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;    /* interrupted before the first epoch ended */
	}
	rc = dca_weights_open(path, f, err);
	if (rc) {
		free(path);
		return rc;
	}
	m = json_loads(f->meta, 0, &je);
	if (!m || !json_is_object(json_object_get(m, "state"))) {
		dca_weights_close(f);
		json_decref(m);
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: the checkpoint's "
				   "metadata is not a search state", path);
		free(path);
		return rc;
	}
	free(path);
	s->elapsed_before = json_number_value(json_object_get(m, "elapsed"));
	s->t0 = dca_seconds();
	*state = json_incref(json_object_get(m, "state"));
	json_decref(m);
	rc = trim_log(s, (int)json_integer_value(json_object_get(*state, "epoch")), err);
	if (rc) {
		dca_weights_close(f);
		json_decref(*state);
		*state = NULL;
		return rc;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

int dca_search_set_result_alpha(dca_search *s, const float *alpha,
				const float *beta, dca_error *err)
{
	size_t na = (size_t)s->space->n_edges * s->space->n_ops;

	free(s->res_alpha);
	free(s->res_beta);
	s->res_alpha = malloc(na * sizeof *alpha);
	s->res_beta = malloc((size_t)s->space->n_edges * sizeof *beta);
	if (!s->res_alpha || !s->res_beta)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	memcpy(s->res_alpha, alpha, na * sizeof *alpha);
	memcpy(s->res_beta, beta, (size_t)s->space->n_edges * sizeof *beta);
	return 0;
}

int dca_search_set_result_arch(dca_search *s, const dca_arch *arch, dca_error *err)
{
	char *text = s->space->arch_format(arch);

	if (s->res_arch)
		s->space->arch_free(s->res_arch);
	s->res_arch = text ? s->space->arch_parse(text, err) : NULL;
	free(text);
	return s->res_arch ? 0 : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
}

void dca_search_set_result_info(dca_search *s, json_t *info)
{
	json_decref(s->res_info);
	s->res_info = json_incref(info);
}
