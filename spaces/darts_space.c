/* dcanas — the DARTS search space (Liu, Simonyan & Yang, ICLR 2019).
 *
 * An architecture is a DARTS genotype: for the normal and the reduction cell,
 * 4 intermediate nodes, each the sum of two (op, input) edges, where input j
 * of node i indexes the cell states [c_{k-2}, c_{k-1}, node0, ..., node(i-1)]
 * (so j < i + 2), and a concat list of the states forming the cell output.
 *
 * The evaluation network is NetworkCIFAR of the reference DARTS code: a
 * 3x3 stem to 3C channels, `cells` cells with reduction cells at cells/3 and
 * 2*cells/3 (each doubling C), an optional auxiliary head after the second
 * reduction cell, then global average pooling and a linear classifier.
 *
 * This file: the search rule (derivation and its differentiable cost
 * estimate), the cell drawing and the module. The genotype codec is in
 * darts_genotype.c, the network's op descriptors in darts_net.c, the
 * trainable network and supernet in darts_model.c. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#include "darts.h"

/* The derivation rule (DARTS, with PC-DARTS's edge normalisation): an
 * edge's strength is its strongest non-'none' op's softmax weight times its
 * softmax(beta) weight among the node's inputs; each node keeps its two
 * strongest edges, each with its strongest non-'none' op. */
static void darts_keep(const float *alpha, const float *beta, int t, int node,
		       int kept[2])
{
	double pb[DARTS_STATES], pa[DARTS_N_OPS], strength[DARTS_STATES];
	int j, o, e0 = darts_edge(t, node, 0);

	dca_softmax_logits(beta + e0, node + 2, pb);
	for (j = 0; j < node + 2; j++) {
		double best = 0;

		dca_softmax_logits(alpha + (size_t)(e0 + j) * DARTS_N_OPS, DARTS_N_OPS, pa);
		for (o = 1; o < DARTS_N_OPS; o++)
			if (pa[o] > best)
				best = pa[o];
		strength[j] = best * pb[j];
	}
	kept[0] = 0;
	for (j = 1; j < node + 2; j++)
		if (strength[j] > strength[kept[0]])
			kept[0] = j;
	kept[1] = kept[0] == 0 ? 1 : 0;
	for (j = 0; j < node + 2; j++)
		if (j != kept[0] && strength[j] > strength[kept[1]])
			kept[1] = j;
}

/* the kept edges (2 per node, both cell types), in a fixed order */
static void kept_edges(const float *alpha, const float *beta,
		       int kept[2 * DARTS_STEPS * 2])
{
	int t, i, k = 0, two[2];

	for (t = 0; t < 2; t++)
		for (i = 0; i < DARTS_STEPS; i++) {
			darts_keep(alpha, beta, t, i, two);
			kept[k++] = darts_edge(t, i, two[0]);
			kept[k++] = darts_edge(t, i, two[1]);
		}
}

static void darts_derive(const float *alpha, const float *beta, int *choice)
{
	int kept[4 * DARTS_STEPS], i, k, o;

	for (i = 0; i < 2 * DARTS_CELL_EDGES; i++)
		choice[i] = -1;
	kept_edges(alpha, beta, kept);
	for (k = 0; k < 4 * DARTS_STEPS; k++) {
		const float *a = alpha + (size_t)kept[k] * DARTS_N_OPS;
		int best = 1;

		for (o = 2; o < DARTS_N_OPS; o++)
			if (a[o] > a[best])
				best = o;
		choice[kept[k]] = best;
	}
}

/* Over the edges the rule keeps now, the expected cost under the softmax of
 * the non-'none' ops (the ops the rule may keep). The choice of edges is
 * piecewise constant in alpha: its gradient is zero almost everywhere. */
static double darts_estimate(const float *alpha, const float *beta,
			     const double *table, float scale, float *grad)
{
	double total = 0, q[DARTS_N_OPS];
	int kept[4 * DARTS_STEPS], k, o;

	kept_edges(alpha, beta, kept);
	for (k = 0; k < 4 * DARTS_STEPS; k++) {
		int e = kept[k];
		const double *c = table + (size_t)e * DARTS_N_OPS;
		double mean = 0;

		dca_softmax_logits(alpha + (size_t)e * DARTS_N_OPS + 1, DARTS_N_OPS - 1, q);
		for (o = 1; o < DARTS_N_OPS; o++)
			mean += q[o - 1] * c[o];
		total += mean;
		if (grad)
			for (o = 1; o < DARTS_N_OPS; o++)
				grad[(size_t)e * DARTS_N_OPS + o] +=
					(float)(scale * q[o - 1] * (c[o] - mean));
	}
	return total;
}

/* Graphviz: one cluster per cell type, as the DARTS paper draws them */
static char *darts_dot(const dca_arch *a)
{
	static const char *const key[2] = { "normal", "reduce" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int t, i;

	if (!f)
		return NULL;
	fprintf(f, "digraph darts_genotype {\n  rankdir=LR;\n"
		"  node [shape=box, style=\"rounded,filled\", fillcolor=lightblue];\n");
	for (t = 0; t < 2; t++) {
		const darts_cell *c = &a->cell[t];

		fprintf(f, "  subgraph cluster_%s {\n    label=\"%s cell\";\n", key[t], key[t]);
		fprintf(f, "    %s_s0 [label=\"c_{k-2}\", fillcolor=darkseagreen2];\n", key[t]);
		fprintf(f, "    %s_s1 [label=\"c_{k-1}\", fillcolor=darkseagreen2];\n", key[t]);
		for (i = 0; i < DARTS_STEPS; i++)
			fprintf(f, "    %s_s%d [label=\"%d\"];\n", key[t], i + 2, i);
		fprintf(f, "    %s_out [label=\"c_{k}\", fillcolor=palegoldenrod];\n", key[t]);
		for (i = 0; i < DARTS_PAIRS; i++)
			fprintf(f, "    %s_s%d -> %s_s%d [label=\"%s\"];\n", key[t],
				c->in[i], key[t], i / 2 + 2, darts_op_names[c->op[i]]);
		for (i = 0; i < c->n_concat; i++)
			fprintf(f, "    %s_s%d -> %s_out;\n", key[t], c->concat[i], key[t]);
		fprintf(f, "  }\n");
	}
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* Module                                                              */

static const dca_space darts_space = {
	DCA_SPACE_INIT,
	.name = "darts",
	.format_name = "DARTS genotype",
	.summary = "DARTS cell space (normal + reduction cells, 8 ops); "
		   "evaluation network NetworkCIFAR",
	.default_shape = DARTS_DEFAULT_SHAPE,
	.n_ops = DARTS_N_OPS,
	.op_names = darts_op_names,
	.n_edges = 2 * DARTS_CELL_EDGES,
	.arch_parse = darts_arch_parse,
	.arch_format = darts_arch_format,
	.arch_free = darts_arch_free,
	.arch_choices = darts_arch_choices,
	.build_net = darts_build_net,
	.search_shape = { .width = 16, .cells = 8 },
	.build_supernet = dcap_darts_build_supernet,
	.candidate_net = darts_candidate_net,
	.derive = darts_derive,
	.estimate = darts_estimate,
	.arch_from_choices = darts_from_choices,
	.arch_dot = darts_dot,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_space(reg, &darts_space, err);
}

DCA_MODULE_DEFINE("darts", PACKAGE_VERSION,
		  "DARTS search space: genotype parser/printer and the "
		  "NetworkCIFAR evaluation network",
		  "MIT", register_plugins);
