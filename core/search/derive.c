/* dcanas — from a search's result to a deployable architecture that meets
 * every budget: derivation, the exact check, repair, and the report
 * (arch.json and cells.dot, the cells' drawing in Graphviz's language).
 *
 * Moves. An architecture is a choice per edge (the op kept, or -1 where
 * the edge is not kept). A move changes the op of one kept edge, or moves
 * a kept edge to another edge with some op; the space says which results
 * are valid architectures (arch_from_choices). Repair applies, one at a
 * time, the move that gives up the least α-weight per unit of violation
 * removed, until every budget holds. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/jsonfile.h>
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

static int repair(dca_search *s, int *choice, double *costs, json_t *log,
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
				if (saved > 1e-12 && (score < best_score ||
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

/* ------------------------------------------------------------------ */
/* Report                                                              */

/* cells.dot, named by arch.json's "drawing". Rendering it is the
 * program's (dcanas search runs Graphviz when installed): the library
 * spawns nothing. */
static void draw(dca_search *s, const dca_arch *arch, json_t *report)
{
	char *dot = s->space->arch_dot ? s->space->arch_dot(arch) : NULL;
	char *path = dca_search_path(s, "cells.dot");
	FILE *f;

	if (dot && path && (f = fopen(path, "w"))) {
		fputs(dot, f);
		if (fclose(f) == 0)
			json_object_set_new(report, "drawing", json_string("cells.dot"));
	}
	free(dot);
	free(path);
}

static void print_summary(dca_search *s, const char *text, const double *costs,
			  int n_repairs)
{
	FILE *f = s->opts.progress;
	char b1[48], b2[48];
	int i;

	if (!f)
		return;
	fprintf(f, "architecture (%s): %s\n", s->space->name, text);
	for (i = 0; i < s->n_costs; i++) {
		const dca_budget *b = &s->exp.budgets[i];
		fprintf(f, "  %-12s %12s  budget %-10s %s\n", b->name,
			dca_unit_format(b->constraint->unit, costs[i], b1, sizeof b1),
			dca_unit_format(b->constraint->unit, b->max, b2, sizeof b2),
			costs[i] <= b->max ? "met" : "BROKEN");
	}
	if (n_repairs)
		fprintf(f, "  repaired with %d change%s (see arch.json)\n", n_repairs,
			n_repairs > 1 ? "s" : "");
}

int dcap_search_finish(dca_search *s, dca_error *err)
{
	const dca_space *sp = s->space;
	int *choice = calloc((size_t)sp->n_edges, sizeof *choice);
	double costs[DCA_MAX_CONSTRAINTS];
	json_t *report = json_object(), *repairs = json_array(), *budgets = json_array();
	dca_arch *arch = NULL;
	char *text = NULL, *path = NULL;
	int i, rc = 0, have_choice = 1;

	if (!choice || !report || !repairs || !budgets) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (s->res_alpha) {
		if ((rc = dcap_choose_from_alpha(s, choice, report, err)))
			goto out;
	} else if (!sp->arch_choices || sp->arch_choices(s->res_arch, choice) != 0)
		have_choice = 0;
	if (have_choice) {
		arch = sp->arch_from_choices(choice, err);
	} else {            /* not in edge form: checked, never repaired */
		text = sp->arch_format(s->res_arch);
		arch = text ? sp->arch_parse(text, err) : NULL;
		free(text);
		text = NULL;
	}
	if (!arch) {
		rc = DCA_ERR_INVALID;
		goto out;
	}
	if ((rc = dca_search_exact_costs(s, arch, costs, err)))
		goto out;
	text = sp->arch_format(arch);
	if (!json_object_get(report, "derived"))
		json_object_set_new(report, "derived", json_string(text));
	if (!dca_search_fits(s, costs) && have_choice) {
		rc = repair(s, choice, costs, repairs, err);
		sp->arch_free(arch);
		arch = sp->arch_from_choices(choice, NULL);
		if (!arch) {
			rc = rc ? rc : dca_error_set(err, DCA_ERR_INVALID, "repair made an invalid arch");
			goto out;
		}
		free(text);
		text = sp->arch_format(arch);
	}
	json_object_set_new(report, "space", json_string(sp->name));
	json_object_set_new(report, "arch", json_string(text));
	json_object_set_new(report, "format", json_string(
		strcmp(sp->name, "darts") == 0 ? "DARTS genotype" :
		strcmp(sp->name, "nb201") == 0 ? "NAS-Bench-201 arch string" : sp->name));
	json_object_set_new(report, "shape", json_pack("{s:i, s:i, s:[i,i,i], s:i}",
		"width", s->final.width, "cells", s->final.cells, "input",
		s->final.in_c, s->final.in_h, s->final.in_w, "classes", s->final.classes));
	for (i = 0; i < s->n_costs; i++) {
		const dca_budget *b = &s->exp.budgets[i];
		char buf[48];

		json_array_append_new(budgets, json_pack("{s:s, s:s, s:f, s:f, s:s, s:s, s:b}",
			"name", b->name, "unit", dca_unit_name(b->constraint->unit),
			"budget", b->max, "exact", costs[i], "exact_text",
			dca_unit_format(b->constraint->unit, costs[i], buf, sizeof buf),
			"budget_text", b->text, "met", costs[i] <= b->max));
	}
	json_object_set_new(report, "budgets", budgets);
	budgets = NULL;
	json_object_set_new(report, "all_met", json_boolean(dca_search_fits(s, costs)));
	json_object_set_new(report, "repaired", repairs);
	repairs = NULL;
	json_object_set_new(report, "optimizer", json_string(s->exp.optimizer));
	json_object_set_new(report, "search_seconds", json_real(dca_search_elapsed(s)));
	if (s->res_info)
		json_object_set(report, "optimizer_info", s->res_info);
	if (s->dev) {
		/* the exact latency on the chosen device, budget or not */
		dca_net net;
		double v;
		dca_error lerr = { 0 };

		dca_net_init(&net);
		if (dca_device_network_value(s->dev, "latency", sp, arch, &v, &lerr) == 0)
			json_object_set_new(report, "device_latency_ms", json_real(v));
		json_object_set_new(report, "device", json_string(s->dev->name));
		dca_net_free(&net);
	}
	if (sp->arch_report) {
		dca_error lerr = { 0 };
		json_t *bench = json_object();

		if (sp->arch_report(arch, bench, &lerr) == 0)
			json_object_set_new(report, "benchmark", bench);
		else {
			json_decref(bench);
			json_object_set_new(report, "benchmark_error", json_string(lerr.msg));
		}
	}
	if (s->run_dir[0]) {
		draw(s, arch, report);
		path = dca_search_path(s, "arch.json");
		if (!path || dca_json_save_file(report, path, JSON_INDENT(2), err)) {
			rc = rc ? rc : DCA_ERR_IO;
			goto out;
		}
	}
	print_summary(s, text, costs, (int)json_array_size(json_object_get(report, "repaired")));
	if (!rc && !dca_search_fits(s, costs))
		rc = dca_error_set(err, DCA_ERR_INFEASIBLE, "the derived architecture "
				   "breaks a budget (see arch.json)");
out:
	if (arch)
		sp->arch_free(arch);
	json_decref(report);
	json_decref(repairs);
	json_decref(budgets);
	free(choice);
	free(text);
	free(path);
	return rc;
}
