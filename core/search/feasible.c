/* dcanas — exact costs: a candidate priced on the deployed network under
 * every budget, whether it fits, and at the start, whether any
 * architecture of the space meets the budgets at all. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/search.h>

#include "search_internal.h"

static double table_cost(const dca_space *sp, const dca_cost_model *cm, const int *choice)
{
	double c = cm->fixed;
	int e;

	for (e = 0; e < sp->n_edges; e++)
		if (choice[e] >= 0)
			c += cm->table[e * sp->n_ops + choice[e]];
	return c;
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
/* Feasibility at the start                                            */

/* Every arch of a small space: the smallest cost of each budget, and
 * whether one arch meets them all. */
static int enumerate(dca_search *s, double *min, int *joint, dca_error *err)
{
	const dca_space *sp = s->space;
	int E = sp->n_edges, O = sp->n_ops, i, rc = 0;
	int *choice = calloc((size_t)E, sizeof *choice);
	double costs[DCA_MAX_CONSTRAINTS];

	if (!choice)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	*joint = 0;
	for (i = 0; i < s->n_costs; i++)
		min[i] = INFINITY;
	for (;;) {
		dca_arch *a;

		if (dcap_valid_choice(sp, choice, &a)) {
			rc = dca_search_exact_costs(s, a, costs, err);
			sp->arch_free(a);
			if (rc)
				break;
			for (i = 0; i < s->n_costs; i++)
				if (costs[i] < min[i])
					min[i] = costs[i];
			*joint |= dca_search_fits(s, costs);
		}
		if (!dcap_next_choice(choice, E, O))
			break;
	}
	free(choice);
	return rc;
}

/* Local search on an additive model: separable per node, so single moves
 * reach the minimum. */
static int table_min(dca_search *s, const dca_cost_model *cm, double *min,
		     dca_error *err)
{
	const dca_space *sp = s->space;
	int E = sp->n_edges, *choice = calloc((size_t)E, sizeof *choice), i, n;
	float *za = calloc((size_t)E * sp->n_ops, sizeof *za);
	float *zb = calloc((size_t)E, sizeof *zb);
	double cur;
	dcap_move *mv = NULL;

	if (!choice || !za || !zb) {
		free(choice);
		free(za);
		free(zb);
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	}
	sp->derive(za, zb, choice);
	cur = table_cost(sp, cm, choice);
	for (;;) {
		int best = -1;
		double best_c = cur;

		free(mv);
		if ((n = dcap_list_moves(sp, choice, &mv)) < 0)
			break;
		for (i = 0; i < n; i++) {
			int *t = choice;
			dcap_undo u;
			double c;

			dcap_apply_move(t, &mv[i], &u);
			c = table_cost(sp, cm, t);
			if (c < best_c - 1e-9 * fabs(best_c) && dcap_valid_choice(sp, t, NULL)) {
				best = i;
				best_c = c;
			}
			dcap_undo_move(t, &u);
		}
		if (best < 0)
			break;
		dcap_apply_move(choice, &mv[best], NULL);
		cur = best_c;
	}
	free(mv);
	free(choice);
	free(za);
	free(zb);
	if (n < 0)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	*min = cur;
	return 0;
}

/* Each budget priced exactly on one architecture (the derivation of a
 * uniform α), so that a budget no architecture of the space can be priced
 * for (a device without a table or per-op costs for this space) fails at
 * the start, naming the budget, and not after the search. */
static int price_reference(dca_search *s, dca_error *err)
{
	const dca_space *sp = s->space;
	int E = sp->n_edges, *choice = calloc((size_t)E, sizeof *choice), i, rc = 0;
	float *za = calloc((size_t)E * sp->n_ops, sizeof *za);
	float *zb = calloc((size_t)E, sizeof *zb);
	dca_arch *arch = NULL;
	dca_net net;

	dca_net_init(&net);
	if (!choice || !za || !zb) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	sp->derive(za, zb, choice);
	if (!(arch = sp->arch_from_choices(choice, err)) ||
	    sp->build_net(arch, &s->final, &net, err)) {
		rc = err && err->code ? err->code : DCA_ERR_INVALID;
		goto out;
	}
	for (i = 0; i < s->n_costs && !rc; i++) {
		const dca_budget *b = &s->exp.budgets[i];
		const dca_constraint *c = b->constraint;
		dca_error lerr = { 0 };
		double v;

		if (c->exact(&net, sp, arch, c->needs_device ? s->dev : NULL, &v, &lerr))
			rc = dca_error_set(err, lerr.code ? lerr.code : DCA_ERR_UNSUPPORTED,
					   "%s: budget '%s' cannot be checked on a '%s' "
					   "architecture: %s", s->exp.source, b->name,
					   sp->name, lerr.msg);
	}
out:
	dca_net_free(&net);
	if (arch)
		sp->arch_free(arch);
	free(choice);
	free(za);
	free(zb);
	return rc;
}

int dcap_search_check_feasible(dca_search *s, dca_error *err)
{
	double min[DCA_MAX_CONSTRAINTS];
	int i, rc, joint = 1;
	char b1[48];

	if ((rc = price_reference(s, err)))
		return rc;
	if (dcap_space_size(s->space) <= DCAP_ENUMERATE_MAX) {
		if ((rc = enumerate(s, min, &joint, err)))
			return rc;
	} else {
		for (i = 0; i < s->n_costs; i++) {
			min[i] = -INFINITY;   /* unknown: checked after the search */
			if (s->costs[i].additive && strcmp(s->costs[i].source, "op descriptors") == 0 &&
			    (rc = table_min(s, &s->costs[i], &min[i], err)))
				return rc;
		}
	}
	for (i = 0; i < s->n_costs; i++) {
		const dca_budget *b = &s->exp.budgets[i];

		if (min[i] > b->max)
			return dca_error_set(err, DCA_ERR_INFEASIBLE, "%s: budget %s <= %s "
				"cannot be met: the smallest %s of any '%s' architecture "
				"at width %d, %d cells, input %dx%dx%d is %s; raise the "
				"budget or shrink the network (space.width, space.cells)",
				s->exp.source, b->name, b->text, b->name, s->space->name,
				s->final.width, s->final.cells, s->final.in_c,
				s->final.in_h, s->final.in_w,
				dca_unit_format(b->constraint->unit, min[i], b1, sizeof b1));
	}
	if (!joint)
		return dca_error_set(err, DCA_ERR_INFEASIBLE, "%s: each budget alone "
			"can be met, but no '%s' architecture meets all of them at "
			"once (checked all %.0f); relax one", s->exp.source,
			s->space->name, dcap_space_size(s->space));
	return 0;
}
