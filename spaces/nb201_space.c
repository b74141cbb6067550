/* dcanas — the NAS-Bench-201 search space (Dong & Yang, ICLR 2020).
 *
 * A cell is a DAG of 4 nodes; each of its 6 edges (j <- i, i < j) carries one
 * of 5 ops. The arch string lists them node by node:
 * |op~0|+|op~0|op~1|+|op~0|op~1|op~2|. The evaluation network is the
 * benchmark's: stem conv 3x3, three stages of N cells at C, 2C, 4C joined by
 * residual reduction blocks, BN + ReLU, global pool, linear. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#include "nb201.h"

const char *const nb201_op_names[NB201_OPS] = {
	"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
};

static dca_arch *nb201_parse(const char *text, dca_error *err)
{
	dca_arch *a;
	const char *p = text;
	int to, from, k;

	a = calloc(1, sizeof *a);
	if (!a) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (to = 1; to < NB201_NODES; to++) {
		if (to > 1) {
			if (*p != '+') {
				dca_error_set(err, DCA_ERR_INVALID,
					"nb201 arch '%s': expected '+' before node %d at "
					"offset %d (format |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)",
					text, to, (int)(p - text));
				goto fail;
			}
			p++;
		}
		if (*p != '|')
			goto syntax;
		p++;
		for (from = 0; from < to; from++) {
			const char *tilde = strchr(p, '~'), *bar;
			int input;
			char *end;
			if (!tilde)
				goto syntax;
			for (k = 0; k < NB201_OPS; k++)
				if ((size_t)(tilde - p) == strlen(nb201_op_names[k]) &&
				    strncmp(p, nb201_op_names[k], strlen(nb201_op_names[k])) == 0)
					break;
			if (k == NB201_OPS) {
				dca_error_set(err, DCA_ERR_INVALID,
					"nb201 arch '%s': unknown op '%.*s' at offset %d; "
					"known: none, skip_connect, nor_conv_1x1, "
					"nor_conv_3x3, avg_pool_3x3", text,
					(int)(tilde - p), p, (int)(p - text));
				goto fail;
			}
			input = (int)strtol(tilde + 1, &end, 10);
			if (end == tilde + 1 || input != from) {
				dca_error_set(err, DCA_ERR_INVALID,
					"nb201 arch '%s': node %d's edge %d must read "
					"from node %d ('~%d') at offset %d", text, to,
					from, from, from, (int)(tilde + 1 - text));
				goto fail;
			}
			bar = end;
			if (*bar != '|')
				goto syntax;
			p = bar + 1;
			a->op[edge_index(to, from)] = k;
		}
	}
	if (*p != '\0') {
		dca_error_set(err, DCA_ERR_INVALID, "nb201 arch '%s': unexpected "
			      "text at offset %d", text, (int)(p - text));
		goto fail;
	}
	return a;
syntax:
	dca_error_set(err, DCA_ERR_INVALID, "nb201 arch '%s': malformed at offset "
		      "%d; expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|", text,
		      (int)(p - text));
fail:
	free(a);
	return NULL;
}

char *nb201_space_format(const dca_arch *a)
{
	char buf[256];
	size_t n = 0;
	int to, from;

	for (to = 1; to < NB201_NODES; to++) {
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s|", to > 1 ? "+" : "");
		for (from = 0; from < to; from++)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s~%d|",
					      nb201_op_names[a->op[edge_index(to, from)]], from);
	}
	return strdup(buf);
}

static void nb201_free(dca_arch *a)
{
	free(a);
}

static int nb201_choices(const dca_arch *a, int *choice)
{
	memcpy(choice, a->op, sizeof a->op);
	return 0;
}

/* ReLU -> conv -> BN, as the benchmark's ReLUConvBN; name: the model's
 * (nb201_model.c) for its parameters, NAME.conv and NAME.bn (NULL: none,
 * candidate_net's stand-ins) */
static int relu_conv_bn(dca_net *net, int x, int cout, int k, int stride, int pad,
			const char *name)
{
	x = dca_net_relu(net, x);
	if (x >= 0)
		x = dca_net_conv(net, x, cout, k, stride, pad, 1, 1, 0);
	if (x >= 0 && name && dca_net_param_last(net, "%s.conv", name))
		x = -1;
	if (x >= 0)
		x = dca_net_batchnorm(net, x, 1);
	if (x >= 0 && name && dca_net_param_last(net, "%s.bn", name))
		x = -1;
	return x;
}

static int build_cell(dca_net *net, const dca_arch *a, int x, int c, int index)
{
	int node[NB201_NODES], to, from;

	node[0] = x;
	for (to = 1; to < NB201_NODES; to++) {
		int terms[NB201_NODES], n = 0;
		for (from = 0; from < to; from++) {
			int e = edge_index(to, from), op = a->op[e], y = -1;
			char name[64];

			snprintf(name, sizeof name, "cell%d.edge%d", index, e);
			switch (op) {
			case OP_NONE:
				continue;  /* deployed nets drop zero edges */
			case OP_SKIP:
				y = node[from];
				break;
			case OP_CONV1:
				y = relu_conv_bn(net, node[from], c, 1, 1, 0, name);
				break;
			case OP_CONV3:
				y = relu_conv_bn(net, node[from], c, 3, 1, 1, name);
				break;
			case OP_AVGPOOL:
				y = dca_net_pool(net, node[from], DCA_OP_AVGPOOL, 3, 1, 1);
				break;
			}
			if (y < 0)
				return -1;
			if (op != OP_SKIP)
				dca_net_label_last(net, "cell%d/edge%d<-%d/%s", index, to,
						   from, nb201_op_names[op]);
			terms[n++] = y;
		}
		if (n == 0)
			node[to] = dca_net_zero(net, node[0], c, 1);
		else if (n == 1)
			node[to] = terms[0];
		else
			node[to] = dca_net_add(net, terms, n);
		if (node[to] < 0)
			return -1;
	}
	return node[NB201_NODES - 1];
}

/* the benchmark's ResNet basic block with stride 2 */
static int residual_reduction(dca_net *net, int x, int cout, int stage)
{
	int a, b, s, sum[2];
	char name[64];

	snprintf(name, sizeof name, "reduction%d.a", stage);
	a = relu_conv_bn(net, x, cout, 3, 2, 1, name);
	snprintf(name, sizeof name, "reduction%d.b", stage);
	b = a < 0 ? -1 : relu_conv_bn(net, a, cout, 3, 1, 1, name);
	s = dca_net_pool(net, x, DCA_OP_AVGPOOL, 2, 2, 0);
	if (s >= 0)
		s = dca_net_conv(net, s, cout, 1, 1, 0, 1, 1, 0);
	if (s >= 0 && dca_net_param_last(net, "reduction%d.shortcut", stage))
		s = -1;
	if (b < 0 || s < 0)
		return -1;
	sum[0] = s;
	sum[1] = b;
	return dca_net_add(net, sum, 2);
}

static int nb201_build(const dca_arch *a, const dca_net_shape *shape,
		       dca_net *net, dca_error *err)
{
	int x, stage, i, c = shape->width, cell = 0;

	if (shape->width < 1 || shape->cells < 1 || shape->classes < 2 ||
	    shape->in_c < 1 || shape->in_h < 4 || shape->in_w < 4)
		return dca_error_set(err, DCA_ERR_INVALID,
			"nb201: bad shape (width %d, cells %d, classes %d, input "
			"%dx%dx%d); need width >= 1, cells >= 1, classes >= 2, input "
			"at least 4x4", shape->width, shape->cells, shape->classes,
			shape->in_c, shape->in_h, shape->in_w);
	x = dca_net_input(net, shape->in_c, shape->in_h, shape->in_w);
	x = dca_net_conv(net, x, c, 3, 1, 1, 1, 1, 0);
	if (x < 0 || dca_net_label_last(net, "stem") ||
	    dca_net_param_last(net, "stem.conv"))
		return dca_error_set(err, DCA_ERR_NOMEM, "nb201: out of memory");
	x = dca_net_batchnorm(net, x, 1);
	if (x >= 0 && dca_net_param_last(net, "stem.bn"))
		x = -1;
	for (stage = 0; stage < 3 && x >= 0; stage++) {
		if (stage > 0) {
			c *= 2;
			x = residual_reduction(net, x, c, stage);
			dca_net_label_last(net, "reduction%d", stage);
		}
		for (i = 0; i < shape->cells && x >= 0; i++)
			x = build_cell(net, a, x, c, cell++);
	}
	if (x >= 0)
		x = dca_net_batchnorm(net, x, 1);
	if (x >= 0 && dca_net_param_last(net, "lastact.bn"))
		x = -1;
	if (x >= 0)
		x = dca_net_relu(net, x);
	if (x >= 0)
		x = dca_net_global_avgpool(net, x);
	if (x >= 0)
		x = dca_net_linear(net, x, shape->classes, 1);
	if (x < 0 || dca_net_label_last(net, "classifier") ||
	    dca_net_param_last(net, "classifier"))
		return dca_error_set(err, DCA_ERR_NOMEM, "nb201: out of memory");
	net->output = x;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Searching                                                           */

/* The ops that candidate `op` on `edge` adds to every cell of the
 * evaluation network (the input of each is a stand-in tensor of the
 * cell's shape). */
static int nb201_candidate_net(const dca_net_shape *shape, int edge, int op,
			       dca_net *net, dca_error *err)
{
	int stage, i, c = shape->width, h = shape->in_h, w = shape->in_w, x;

	if (edge < 0 || edge >= NB201_EDGES || op < 0 || op >= NB201_OPS)
		return dca_error_set(err, DCA_ERR_INVALID, "nb201: no edge %d op %d",
				     edge, op);
	for (stage = 0; stage < 3; stage++) {
		if (stage > 0) {    /* after each 3x3 stride-2 reduction */
			c *= 2;
			h = (h - 1) / 2 + 1;
			w = (w - 1) / 2 + 1;
		}
		for (i = 0; i < shape->cells; i++) {
			x = dca_net_input(net, c, h, w);
			if (op == OP_CONV1 || op == OP_CONV3)
				x = relu_conv_bn(net, x, c, op == OP_CONV3 ? 3 : 1, 1,
						 op == OP_CONV3, NULL);
			else if (op == OP_AVGPOOL)
				x = dca_net_pool(net, x, DCA_OP_AVGPOOL, 3, 1, 1);
			if (x < 0)
				return dca_error_set(err, DCA_ERR_NOMEM, "nb201: out of memory");
		}
	}
	return 0;
}

/* every edge is kept; it takes its most likely op ('none' included) */
static void nb201_derive(const float *alpha, const float *beta, int *choice)
{
	int e, o;

	(void)beta;
	for (e = 0; e < NB201_EDGES; e++) {
		choice[e] = 0;
		for (o = 1; o < NB201_OPS; o++)
			if (alpha[e * NB201_OPS + o] > alpha[e * NB201_OPS + choice[e]])
				choice[e] = o;
	}
}

/* sum over edges of E_{op ~ softmax(alpha_e)} table[e][op] */
static double nb201_estimate(const float *alpha, const float *beta,
			     const double *table, float scale, float *grad)
{
	double total = 0, p[NB201_OPS];
	int e, o;

	(void)beta;
	for (e = 0; e < NB201_EDGES; e++) {
		const double *t = table + e * NB201_OPS;
		double mean = 0;

		dca_softmax_logits(alpha + e * NB201_OPS, NB201_OPS, p);
		for (o = 0; o < NB201_OPS; o++)
			mean += p[o] * t[o];
		total += mean;
		if (grad)
			for (o = 0; o < NB201_OPS; o++)
				grad[e * NB201_OPS + o] += (float)(scale * p[o] * (t[o] - mean));
	}
	return total;
}

static dca_arch *nb201_from_choices(const int *choice, dca_error *err)
{
	dca_arch *a = calloc(1, sizeof *a);
	int e;

	if (!a) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (e = 0; e < NB201_EDGES; e++) {
		if (choice[e] < 0 || choice[e] >= NB201_OPS) {
			dca_error_set(err, DCA_ERR_INVALID, "nb201: edge %d has no op "
				      "(every edge keeps one; 'none' is op 0)", e);
			free(a);
			return NULL;
		}
		a->op[e] = choice[e];
	}
	return a;
}

static char *nb201_dot(const dca_arch *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int to, from;

	if (!f)
		return NULL;
	fprintf(f, "digraph nb201_cell {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
	for (to = 0; to < NB201_NODES; to++)
		fprintf(f, "  n%d [label=\"%s\"];\n", to,
			to == 0 ? "input" : to == NB201_NODES - 1 ? "output (node 3)" :
			to == 1 ? "node 1" : "node 2");
	for (to = 1; to < NB201_NODES; to++)
		for (from = 0; from < to; from++) {
			int op = a->op[edge_index(to, from)];
			if (op != OP_NONE)
				fprintf(f, "  n%d -> n%d [label=\"%s\"];\n", from, to,
					nb201_op_names[op]);
		}
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const dca_space nb201_space = {
	DCA_SPACE_INIT,
	.name = "nb201",
	.format_name = "NAS-Bench-201 arch string",
	.summary = "NAS-Bench-201 cell space: 6 edges x 5 ops, C=16, N=5",
	.default_shape = { .in_c = 3, .in_h = 32, .in_w = 32, .classes = 10,
			   .width = 16, .cells = 5 },
	/* the supernet: C=16 with N=2 cells per stage, so that a search fits
	 * its default 20 minutes on two cores with thousands of steps */
	.search_shape = { .width = 16, .cells = 2 },
	.n_ops = NB201_OPS,
	.op_names = nb201_op_names,
	.n_edges = NB201_EDGES,
	.arch_parse = nb201_parse,
	.arch_format = nb201_space_format,
	.arch_free = nb201_free,
	.arch_choices = nb201_choices,
	.build_net = nb201_build,
	.build_supernet = dcap_nb201_build_supernet,
	.candidate_net = nb201_candidate_net,
	.derive = nb201_derive,
	.estimate = nb201_estimate,
	.arch_from_choices = nb201_from_choices,
	.arch_dot = nb201_dot,
	.arch_report = dcap_nb201_report,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_space(reg, &nb201_space, err);
}

DCA_MODULE_DEFINE("nb201", PACKAGE_VERSION,
		  "NAS-Bench-201 search space",
		  "MIT", register_plugins);
