/* dcanas — from a search's result to a deployable architecture that meets
 * every budget: the choice (select.c) or the optimizer's own architecture,
 * the exact check (feasible.c), repair (repair.c), and the report: arch.json
 * and cells.dot, the cells' drawing in Graphviz's language. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/jsonfile.h>
#include <dcanas/search.h>

#include <dcanas/train.h>

#include "search_internal.h"

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

/* The benchmark's figure on the data set searched, when the space's
 * report has one (a number under the data set's benchmark name in one of
 * its objects, e.g. nb201_test_acc_200ep.cifar100): report["headline"]. */
static void headline(const dca_search *s, json_t *report, json_t *bench)
{
	const char *name = dca_dataset_benchmark_name(s->exp.dataset), *k;
	json_t *v, *acc;

	json_object_foreach(bench, k, v) {
		if (name && json_is_object(v) && json_is_number(acc = json_object_get(v, name))) {
			json_object_set_new(report, "headline", json_pack("{s:s, s:s, s:O}",
				"dataset", name, "figure", k, "value", acc));
			return;
		}
	}
}

/* Whether the device's whole-network latency table was measured on the
 * network this search deploys (input, classes, width, cells) and on its
 * data set: report["device_table"], with a note on the terminal when not. */
static void device_table(const dca_search *s, json_t *report)
{
	const dca_network_table *t;
	const dca_net_shape *sh = &s->exp.shape;
	const char *name = dca_dataset_benchmark_name(s->exp.dataset);
	dca_error lerr = { 0 };
	int same, same_data;

	if (dca_device_network_table(s->dev, s->space->name, "latency", &t, &lerr))
		return;
	same = (!t->input[0] || (t->input[0] == sh->in_c && t->input[1] == sh->in_h &&
				 t->input[2] == sh->in_w)) &&
	       (!t->classes || t->classes == sh->classes) &&
	       (!t->width || t->width == sh->width) && (!t->cells || t->cells == sh->cells);
	same_data = !t->dataset || !strcmp(t->dataset, name ? name : s->exp.dataset);
	json_object_set_new(report, "device_table", json_pack("{s:s?, s:[i,i,i], s:i, "
		"s:i, s:i, s:b, s:b}", "dataset", t->dataset, "input", t->input[0],
		t->input[1], t->input[2], "classes", t->classes, "width", t->width,
		"cells", t->cells, "matches_searched_network", same,
		"matches_searched_data", same_data));
	if (!s->opts.progress || (same && same_data))
		return;
	if (same)
		fprintf(s->opts.progress, "  note: %s's latency table was measured on "
			"%s networks; this search's data is %s, its network the same "
			"(input %dx%dx%d, %d classes, width %d, %d cells), so the "
			"table's latency is its own\n", s->dev->name, t->dataset,
			s->exp.dataset, sh->in_c, sh->in_h, sh->in_w, sh->classes,
			sh->width, sh->cells);
	else
		fprintf(s->opts.progress, "  note: %s's latency table was measured on "
			"%s networks (input %dx%dx%d, %d classes, width %d, %d cells); "
			"this one is for %s (%dx%dx%d, %d classes, width %d, %d cells): "
			"its latency is the table's for the same architecture\n",
			s->dev->name, t->dataset ? t->dataset : "other", t->input[0],
			t->input[1], t->input[2], t->classes, t->width, t->cells,
			s->exp.dataset, sh->in_c, sh->in_h, sh->in_w, sh->classes,
			sh->width, sh->cells);
}

static void print_summary(dca_search *s, const char *text, const double *costs,
			  int n_repairs, json_t *report)
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
	{
		json_t *h = json_object_get(report, "headline");
		if (h)
			fprintf(f, "  %s on %s: %.2f (the benchmark's figure, for the "
				"report only; the search never reads it)\n",
				json_string_value(json_object_get(h, "figure")),
				json_string_value(json_object_get(h, "dataset")),
				json_number_value(json_object_get(h, "value")));
	}
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
		rc = dcap_repair(s, choice, costs, repairs, err);
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
		sp->format_name ? sp->format_name : sp->name));
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
	json_object_set_new(report, "peak_rss_mib", json_real(dca_peak_rss_mib()));
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
		device_table(s, report);
	}
	if (sp->arch_report) {
		dca_error lerr = { 0 };
		json_t *bench = json_object();

		if (sp->arch_report(arch, bench, &lerr) == 0) {
			headline(s, report, bench);
			json_object_set_new(report, "benchmark", bench);
		} else {
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
	print_summary(s, text, costs, (int)json_array_size(json_object_get(report, "repaired")),
		      report);
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
