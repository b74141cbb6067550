/* dcanas — repair: when the derived architecture breaks a budget, apply
 * one move at a time (moves.c: change the op of a kept edge, or move a kept
 * edge to another input), the move that gives up the least α-weight per
 * unit of violation removed first, never into a constant network, until
 * every budget holds. Each step is logged for arch.json. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/search.h>

#include "search_internal.h"

/* ------------------------------------------------------------------ */
/* Repair                                                              */

/* how far costs are over their budgets, in budget units */
static double violation(const dca_search *s, const double *costs)
{
	double v = 0;
	int i;

	for (i = 0; i < s->n_costs; i++)
		if (costs[i] > s->exp.budgets[i].max)
			v += costs[i] / s->exp.budgets[i].max - 1;
	return v;
}

/* the probability the search gave op o on edge e (uniform without α) */
static double weight(const dca_search *s, int e, int o)
{
	double p[64];

	if (!s->res_alpha || s->space->n_ops > 64)
		return 1.0 / s->space->n_ops;
	dca_softmax_logits(s->res_alpha + (size_t)e * s->space->n_ops, s->space->n_ops, p);
	return p[o];
}

int dcap_repair(dca_search *s, int *choice, double *costs, json_t *log,
		  dca_error *err)
{
	const dca_space *sp = s->space;
	double trial[DCA_MAX_CONSTRAINTS];
	dcap_move *mv = NULL;
	int n, i, rc = 0;

	while (!dca_search_fits(s, costs)) {
		double v0 = violation(s, costs), best_score = INFINITY, best_saved = 0;
		double best_costs[DCA_MAX_CONSTRAINTS];
		int best = -1;

		free(mv);
		if ((n = dcap_list_moves(sp, choice, &mv)) < 0)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		for (i = 0; i < n; i++) {
			int from_e = mv[i].e2 >= 0 ? mv[i].e2 : mv[i].e;
			int from_op = choice[from_e];
			dcap_undo u;
			dca_arch *a;
			double saved, lost, score;

			dcap_apply_move(choice, &mv[i], &u);
			if (dcap_valid_choice(sp, choice, &a)) {
				int depends = 1;

				rc = dca_search_assess(s, a, trial, &depends, err);
				sp->arch_free(a);
				if (rc)
					break;
				if (!depends) {     /* never repair into a constant network */
					dcap_undo_move(choice, &u);
					continue;
				}
				saved = v0 - violation(s, trial);
				lost = weight(s, from_e, from_op) - weight(s, mv[i].e, mv[i].op);
				if (lost < 0)
					lost = 0;
				score = lost / saved;
				/* a move must remove a real share of the violation
				 * (not rounding noise), but a violation that is
				 * itself rounding (1e-15 over) must still go */
				if (saved > fmin(1e-12, 0.5 * v0) && (score < best_score ||
						      (score == best_score && saved > best_saved))) {
					best = i;
					best_score = score;
					best_saved = saved;
					memcpy(best_costs, trial, sizeof trial);
				}
			}
			dcap_undo_move(choice, &u);
		}
		if (rc)
			break;
		if (best < 0) {
			rc = dca_error_set(err, DCA_ERR_INFEASIBLE, "repair: no single "
					   "change of the derived architecture lowers its "
					   "budget violation any more");
			break;
		}
		{
			const dcap_move *m = &mv[best];
			int from_e = m->e2 >= 0 ? m->e2 : m->e;
			int from_op = choice[from_e];
			json_t *step = json_pack("{s:i, s:s, s:i, s:s, s:f}",
				"from_edge", from_e, "from_op", sp->op_names[from_op],
				"to_edge", m->e, "to_op", sp->op_names[m->op],
				"alpha_weight_lost", weight(s, from_e, from_op) - weight(s, m->e, m->op));
			json_t *after = json_object();

			for (i = 0; i < s->n_costs; i++)
				json_object_set_new(after, s->exp.budgets[i].name,
						    json_real(best_costs[i]));
			json_object_set_new(step, "costs_after", after);
			json_array_append_new(log, step);
			dcap_apply_move(choice, m, NULL);
			memcpy(costs, best_costs, sizeof best_costs);
		}
	}
	free(mv);
	return rc;
}
