/* dcanas — a search from start to end: open (the experiment's plugins,
 * shapes, a cost model per budget, the feasibility check, the data and the
 * run directory), run the optimizer, finish (result.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/plugin.h>
#include <dcanas/comm.h>
#include <dcanas/search.h>
#include <dcanas/train.h>

#include "../run_dir.h"
#include "search_internal.h"

/* ------------------------------------------------------------------ */
/* Opening                                                             */

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
	/* folder data is resized to space.input; other kinds have their size */
	if ((rc = dca_dataset_load_at(e->dataset, e->data_path,
				      e->input_given && !strcmp(e->dataset, "folder") ? e->shape.in_c : 0,
				      e->shape.in_h, e->shape.in_w, stderr, &train, &test,
				      &s->aug, err)))
		return rc;
	if (s->opts.run_dir || e->data_fingerprint[0]) {
		/* what the run directory records of its data, and checks on a
		 * resume: the same data, wherever it lies now (a pass over every
		 * image: only when there is a run directory or a check) */
		char fp[24];

		dca_dataset_pair_fingerprint(&train, &test, fp, sizeof fp);
		if (e->data_fingerprint[0] && strcmp(fp, e->data_fingerprint)) {
			dca_dataset_free(&train);
			dca_dataset_free(&test);
			return dca_error_set(err, DCA_ERR_INVALID, "%s: the data at %s "
					     "(fingerprint %s) is not the data this run "
					     "searched (fingerprint %s): give --data the "
					     "place that holds it", e->source,
					     e->data_path, fp, e->data_fingerprint);
		}
		snprintf(s->exp.data_fingerprint, sizeof s->exp.data_fingerprint, "%s", fp);
	}
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
	int i, need_dev = 0, rc;

	if (!e->resolved.space || !e->resolved.optimizer)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: the experiment was "
				     "read without a registry, so its space and "
				     "optimizer are names only; read it with "
				     "dca_experiment_load/parse given the registry",
				     e->source);
	s->space = e->resolved.space;
	s->opt = e->resolved.optimizer;
	s->dev = e->resolved.device;   /* may be NULL when no budget needs one */
	if ((rc = dca_space_require(s->space, DCA_SPACE_SEARCH, "be searched", err)))
		return rc;
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
	s->lock_fd = -1;
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
	s->lock_fd = -1;
	s->exp = *exp;
	s->opts = *opts;
	s->t0 = dca_seconds();
	/* over ranks (comm.h) rank 0 alone keeps the run directory and the
	 * terminal; the others read and write neither */
	if (!dca_comm_writer())
		s->opts.progress = NULL;
	if (!(rc = take_plugins(s, err)) && !(rc = open_data(s, err)) &&
	    !(rc = prepare(s, err)) && s->opts.run_dir) {
		/* after the data: every rank records its fingerprint alike */
		if (dca_comm_writer())
			rc = dcap_open_run_dir(s, err);
		else
			s->opts.run_dir = NULL;
	}
	/* ranks that fail apart (their data, the run directory) stop alike */
	if ((rc = dca_comm_agree(rc, err)))
		goto fail;
	if (dca_comm_size() > 1) {
		json_t *j = dca_experiment_to_json(&s->exp);
		char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		rc = dca_comm_same_text(text, "search settings", err);
		free(text);
		json_decref(j);
		if (rc)
			goto fail;
	}
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
	dcap_run_dir_unlock(s->lock_fd);
	free(s);
}

int dca_search_run(dca_search *s, dca_error *err)
{
	int rc = s->opt->run(s, err);
	dca_comm *group;

	if (rc)
		return rc;
	if (!dca_comm_writer())
		return 0;   /* the loop was spread; rank 0 finishes the search */
	if (!s->res_alpha && !s->res_arch)
		return 1;   /* stopped early (stop_after): the checkpoint holds the run */
	/* selection and arch.json on rank 0 alone: one process */
	group = dca_comm_set(NULL);
	rc = dcap_search_finish(s, err);
	dca_comm_set(group);
	return rc;
}
