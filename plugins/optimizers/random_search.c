/* dcanas — random search that respects the budgets (a baseline).
 *
 * It samples architectures through the space's own derivation rule (random
 * logits, derived), keeps those whose exact costs meet every budget, trains
 * each briefly from scratch at the search shape (optimizer.candidate_epochs
 * epochs on the training split), scores it on the validation split, and
 * keeps the best. It stops after optimizer.epochs samples or
 * optimizer.time_limit seconds (to compare with another optimizer at equal
 * wall time), whichever comes first. A constant network (output
 * independent of the input) is never sampled. Each sample is seeded by (seed, index), and the
 * sampler's state, the best so far and the elapsed time are checkpointed
 * after each, so a resumed run continues the same sequence. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#define MAX_REJECTS 100000   /* samples in a row that break a budget */

typedef struct best {
	char *text;
	double acc;
	int index;
} best;

/* a random arch meeting every budget; *tries counts the samples drawn */
static int sample(dca_search *s, dca_rng *rng, dca_arch **out, double *costs,
		  long *tries, dca_error *err)
{
	const dca_space *sp = dca_search_space(s);
	size_t na = (size_t)sp->n_edges * sp->n_ops, i;
	float *alpha = malloc(na * sizeof *alpha), *beta = malloc((size_t)sp->n_edges * sizeof *beta);
	int *choice = malloc((size_t)sp->n_edges * sizeof *choice), rc = 0, k;

	*out = NULL;
	if (!alpha || !beta || !choice) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < MAX_REJECTS; k++) {
		dca_arch *a;
		int depends = 0;

		for (i = 0; i < na; i++)
			alpha[i] = dca_rng_normal(rng);
		for (i = 0; i < (size_t)sp->n_edges; i++)
			beta[i] = dca_rng_normal(rng);
		sp->derive(alpha, beta, choice);
		(*tries)++;
		if (!(a = sp->arch_from_choices(choice, NULL)))
			continue;
		if ((rc = dca_search_assess(s, a, costs, &depends, err))) {
			sp->arch_free(a);
			goto out;
		}
		if (depends && dca_search_fits(s, costs)) {
			*out = a;
			goto out;
		}
		sp->arch_free(a);
	}
	rc = dca_error_set(err, DCA_ERR_INFEASIBLE, "random search: %d samples in a "
			   "row broke a budget; the budgets leave too few "
			   "architectures for sampling (try the dcanas optimizer)",
			   MAX_REJECTS);
out:
	free(alpha);
	free(beta);
	free(choice);
	return rc;
}

/* train arch briefly at the search shape; its validation accuracy */
static int score(dca_search *s, const dca_arch *arch, int index, double *acc,
		 dca_error *err)
{
	const dca_experiment *e = dca_search_experiment(s);
	const dca_space *sp = dca_search_space(s);
	dca_train_opts o;
	dca_train_result res;
	dca_model *m;
	int rc;

	if ((rc = dca_space_build_model(sp, arch, dca_search_proxy_shape(s),
					 (uint64_t)e->seed * 7919u + (uint64_t)index, &m, err)))
		return rc;
	dca_train_opts_default(&o);
	o.epochs = e->candidate_epochs;
	o.batch_size = e->batch_size;
	o.lr = (float)e->lr;
	o.aug = *dca_search_augment(s);
	o.seed = e->seed * 31 + index;
	o.aux_weight = 0;
	o.drop_path = 0;
	rc = dca_train(m, dca_search_train_set(s), dca_search_val_set(s), &o, &res, err);
	if (!rc)
		*acc = res.test_acc;
	dca_model_free(m);
	return rc;
}

static int save(dca_search *s, int index, const dca_rng *rng, const best *b,
		long tries, dca_error *err)
{
	char r0[32], r1[32];
	json_t *state;
	int rc;

	snprintf(r0, sizeof r0, "%" PRIu64, rng->s[0]);
	snprintf(r1, sizeof r1, "%" PRIu64, rng->s[1]);
	state = json_pack("{s:i, s:[s,s], s:s?, s:f, s:i, s:I}", "epoch", index,
			  "rng", r0, r1, "best", b->text, "best_acc", b->acc,
			  "best_index", b->index, "tries", (json_int_t)tries);
	rc = state ? dca_search_checkpoint_save(s, NULL, 0, state, err)
		   : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(state);
	return rc;
}

static int restore(dca_search *s, dca_rng *rng, best *b, long *tries, dca_error *err)
{
	dca_weights_file f;
	json_t *state, *r;
	int rc = dca_search_checkpoint_load(s, &f, &state, err);

	if (rc <= 0)
		return rc;
	dca_weights_close(&f);
	r = json_object_get(state, "rng");
	rng->s[0] = strtoull(json_string_value(json_array_get(r, 0)) ?: "0", NULL, 10);
	rng->s[1] = strtoull(json_string_value(json_array_get(r, 1)) ?: "0", NULL, 10);
	if (json_is_string(json_object_get(state, "best")))
		b->text = strdup(json_string_value(json_object_get(state, "best")));
	b->acc = json_number_value(json_object_get(state, "best_acc"));
	b->index = (int)json_integer_value(json_object_get(state, "best_index"));
	*tries = (long)json_integer_value(json_object_get(state, "tries"));
	rc = (int)json_integer_value(json_object_get(state, "epoch"));
	json_decref(state);
	return rc;
}

static int random_run(dca_search *s, dca_error *err)
{
	const dca_experiment *e = dca_search_experiment(s);
	const dca_space *sp = dca_search_space(s);
	FILE *pf = dca_search_progress(s);
	int n_costs = dca_search_n_costs(s), index, start, rc = 0, done_now = 0, i;
	best b = { NULL, -1, -1 };
	long tries = 0;
	dca_rng rng;

	dca_rng_seed(&rng, (uint64_t)e->seed * 104729u + 3u);
	if ((start = restore(s, &rng, &b, &tries, err)) < 0)
		return start;
	for (index = start; ; index++) {
		double costs[DCA_MAX_CONSTRAINTS], acc = 0, t0 = dca_search_elapsed(s);
		dca_arch *a;
		json_t *line, *cj;
		char *text;

		if ((e->time_limit > 0 && t0 >= e->time_limit) || index >= e->epochs)
			break;
		if ((rc = sample(s, &rng, &a, costs, &tries, err)))
			break;
		rc = score(s, a, index, &acc, err);
		text = sp->arch_format(a);
		sp->arch_free(a);
		if (rc || !text) {
			free(text);
			rc = rc ? rc : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			break;
		}
		if (acc > b.acc) {
			free(b.text);
			b.text = strdup(text);
			b.acc = acc;
			b.index = index;
		}
		cj = json_object();
		for (i = 0; i < n_costs; i++)
			json_object_set_new(cj, dca_search_cost(s, i)->budget->name,
					    json_real(costs[i]));
		line = json_pack("{s:i, s:s, s:f, s:o, s:f, s:f, s:I}", "epoch", index + 1,
				 "arch", text, "val_acc", acc, "costs", cj, "best_val_acc",
				 b.acc, "sample_seconds", dca_search_elapsed(s) - t0,
				 "samples_drawn", (json_int_t)tries);
		if (pf)
			fprintf(pf, "sample %d: val acc %.2f%% (best %.2f%%) %s\n", index + 1,
				acc, b.acc, text);
		free(text);
		/* the log line first (see gradient_search.c) */
		rc = (rc = dca_search_log(s, line, err)) ? rc
		     : save(s, index + 1, &rng, &b, tries, err);
		json_decref(line);
		if (rc)
			break;
		done_now++;
		if (dca_search_stop_after(s) > 0 && done_now >= dca_search_stop_after(s))
			goto out;
	}
	if (!rc && !b.text)
		rc = dca_error_set(err, DCA_ERR_INVALID, "random search: no sample "
				   "was trained (time_limit %.0f s, epochs %d)",
				   e->time_limit, e->epochs);
	if (!rc) {
		dca_arch *a = sp->arch_parse(b.text, err);
		json_t *info = json_pack("{s:i, s:f, s:I}", "samples", index,
					 "best_val_acc", b.acc, "samples_drawn", (json_int_t)tries);

		rc = a ? dca_search_set_result_arch(s, a, err) : DCA_ERR_INVALID;
		dca_search_set_result_info(s, info);
		json_decref(info);
		if (a)
			sp->arch_free(a);
	}
out:
	free(b.text);
	return rc;
}

/* Candidates are trained one after another, each too small to spread:
 * over MPI ranks, rank 0 runs the search alone (the others wait for it). */
static int random_run_alone(dca_search *s, dca_error *err)
{
	dca_comm *group;
	int rc;

	if (dca_comm_size() <= 1)
		return random_run(s, err);
	if (!dca_comm_writer())
		return 0;
	group = dca_comm_set(NULL);
	rc = random_run(s, err);
	dca_comm_set(group);
	return rc;
}

static const dca_optimizer random_optimizer = {
	DCA_OPTIMIZER_INIT,
	.name = "random",
	.summary = "random search over architectures that meet every budget, "
		   "each trained briefly (baseline)",
	.run = random_run_alone,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_optimizer(reg, &random_optimizer, err);
}

DCA_MODULE_DEFINE("random_search", PACKAGE_VERSION,
		  "random search within the budgets",
		  "MIT", register_plugins);
