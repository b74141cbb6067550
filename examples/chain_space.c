/* An out-of-tree dcanas search space: "chain", the worked example of
 * docs/spaces.md.
 *
 * The network: a stem (conv 3x3 to C channels, BN), then `cells` repeats of
 * a chain of CHAIN_EDGES residual blocks x <- x + op_e(x), then ReLU, global
 * average pooling and a linear classifier. Each edge e chooses its op among
 *
 *   none          the block is absent (op 0, by convention: zero output)
 *   conv_1x1      ReLU, conv 1x1, BN
 *   conv_3x3      ReLU, conv 3x3, BN
 *   sep_conv_3x3  ReLU, depthwise conv 3x3, pointwise conv 1x1, BN
 *
 * so a search chooses both the depth and the op of every block. Edge e is
 * block e of every repeat: the arch is one op per edge, and the shape's
 * `cells` says how often the chain repeats (n_edges is fixed when the space
 * registers; see docs/spaces.md). An arch is written as the ops of the
 * edges in order, comma-separated:
 *
 *   conv_3x3,none,sep_conv_3x3,conv_1x1
 *
 * Built against the installed headers only:
 *   cc -std=c11 -shared -fPIC -o chain_space.so chain_space.c \
 *      $(pkg-config --cflags --libs dcanas) -Wl,-z,defs
 * then put its folder on DCANAS_PLUGIN_PATH. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#define CHAIN_EDGES 4

enum { OP_NONE, OP_CONV1, OP_CONV3, OP_SEP3, CHAIN_OPS };

static const char *const chain_op_names[CHAIN_OPS] = {
	"none", "conv_1x1", "conv_3x3", "sep_conv_3x3",
};

/* the space's own arch type (opaque to the core) */
struct dca_arch {
	int op[CHAIN_EDGES];
};

static dca_arch *arch_new(dca_error *err)
{
	dca_arch *a = calloc(1, sizeof *a);

	if (!a)
		dca_error_set(err, DCA_ERR_NOMEM, "chain: out of memory");
	return a;
}

/* ------------------------------------------------------------------ */
/* The arch format                                                     */

static dca_arch *chain_parse(const char *text, dca_error *err)
{
	dca_arch *a = arch_new(err);
	const char *p = text;
	int e, k;

	if (!a)
		return NULL;
	for (e = 0; e < CHAIN_EDGES; e++) {
		const char *start;
		size_t len;

		while (isspace((unsigned char)*p))
			p++;
		start = p;
		while (*p && *p != ',' && !isspace((unsigned char)*p))
			p++;
		len = (size_t)(p - start);
		for (k = 0; k < CHAIN_OPS; k++)
			if (len == strlen(chain_op_names[k]) &&
			    strncmp(start, chain_op_names[k], len) == 0)
				break;
		if (k == CHAIN_OPS) {
			dca_error_set(err, DCA_ERR_INVALID, "chain arch '%s': %s "
				      "'%.*s' at offset %d; edge %d takes one of "
				      "none, conv_1x1, conv_3x3, sep_conv_3x3", text,
				      len ? "unknown op" : "missing op", (int)len,
				      start, (int)(start - text), e);
			goto fail;
		}
		a->op[e] = k;
		while (isspace((unsigned char)*p))
			p++;
		if (e + 1 == CHAIN_EDGES)
			break;
		if (*p != ',') {
			if (*p)
				dca_error_set(err, DCA_ERR_INVALID, "chain arch '%s': "
					      "expected ',' at offset %d", text,
					      (int)(p - text));
			else
				dca_error_set(err, DCA_ERR_INVALID, "chain arch '%s': "
					      "%d op%s where %d are needed (one per "
					      "edge, comma-separated, e.g. conv_3x3,"
					      "none,sep_conv_3x3,conv_1x1)", text, e + 1,
					      e ? "s" : "", CHAIN_EDGES);
			goto fail;
		}
		p++;
	}
	if (*p) {
		dca_error_set(err, DCA_ERR_INVALID, "chain arch '%s': unexpected "
			      "text at offset %d (the chain has %d edges)", text,
			      (int)(p - text), CHAIN_EDGES);
		goto fail;
	}
	return a;
fail:
	free(a);
	return NULL;
}

static char *chain_format(const dca_arch *a)
{
	size_t n = 1;
	char *s;
	int e;

	for (e = 0; e < CHAIN_EDGES; e++)
		n += strlen(chain_op_names[a->op[e]]) + 1;
	if (!(s = malloc(n)))
		return NULL;
	s[0] = '\0';
	for (e = 0; e < CHAIN_EDGES; e++) {
		if (e)
			strcat(s, ",");
		strcat(s, chain_op_names[a->op[e]]);
	}
	return s;
}

static void chain_free(dca_arch *a)
{
	free(a);
}

/* every edge is kept: choice[e] is its op, 'none' included */
static int chain_choices(const dca_arch *a, int *choice)
{
	memcpy(choice, a->op, sizeof a->op);
	return 0;
}

static dca_arch *chain_from_choices(const int *choice, dca_error *err)
{
	dca_arch *a;
	int e;

	for (e = 0; e < CHAIN_EDGES; e++)
		if (choice[e] < 0 || choice[e] >= CHAIN_OPS) {
			dca_error_set(err, DCA_ERR_INVALID, "chain: edge %d has op %d; "
				      "every edge keeps one of the %d ops ('none' is "
				      "op 0)", e, choice[e], CHAIN_OPS);
			return NULL;
		}
	if ((a = arch_new(err)))
		memcpy(a->op, choice, sizeof a->op);
	return a;
}

/* ------------------------------------------------------------------ */
/* The deployed network, as op descriptors (what every cost reads)     */

static int check_shape(const dca_net_shape *sh, dca_error *err)
{
	if (sh->width < 1 || sh->cells < 1 || sh->classes < 2 || sh->in_c < 1 ||
	    sh->in_h < 1 || sh->in_w < 1)
		return dca_error_set(err, DCA_ERR_INVALID, "chain: bad shape (input "
				     "%dx%dx%d, %d classes, width %d, %d cells); need "
				     "positive sizes and at least 2 classes", sh->in_c,
				     sh->in_h, sh->in_w, sh->classes, sh->width,
				     sh->cells);
	return 0;
}

/* Name the parameters of the op just added (NAME.conv, NAME.pw, NAME.bn):
 * the core builds the trainable network from these descriptors and names
 * its weights so (space.h: build_model left NULL), and dcanas export finds
 * each op's weights by them. name is NULL for candidate_net's stand-ins,
 * which are never trained or exported. */
static int param(dca_net *net, int x, const char *name, const char *layer)
{
	return x < 0 || !name || dca_net_param_last(net, "%s.%s", name, layer) == 0 ? x : -1;
}

/* The branch of block `op` on tensor x (c channels): its output id, or -1
 * when out of memory. Never called for 'none', which adds nothing. */
static int branch_net(dca_net *net, int x, int op, int c, const char *name)
{
	x = dca_net_relu(net, x);
	if (x >= 0 && op == OP_SEP3) {
		x = param(net, dca_net_conv(net, x, c, 3, 1, 1, 1, c, 0), name, "conv");
		if (x >= 0)     /* depthwise, then pointwise */
			x = param(net, dca_net_conv(net, x, c, 1, 1, 0, 1, 1, 0), name, "pw");
	} else if (x >= 0) {
		x = param(net, dca_net_conv(net, x, c, op == OP_CONV3 ? 3 : 1, 1,
					    op == OP_CONV3 ? 1 : 0, 1, 1, 0), name, "conv");
	}
	return x >= 0 ? param(net, dca_net_batchnorm(net, x, 1), name, "bn") : -1;
}

/* x + branch(x): the block with a kept op */
static int block_net(dca_net *net, int x, int op, int c, const char *name)
{
	int sum[2] = { x, branch_net(net, x, op, c, name) };

	return sum[1] >= 0 ? dca_net_add(net, sum, 2) : -1;
}

static int chain_build_net(const dca_arch *a, const dca_net_shape *sh,
			   dca_net *net, dca_error *err)
{
	int x, r, e, rc;

	if ((rc = check_shape(sh, err)))
		return rc;
	x = dca_net_input(net, sh->in_c, sh->in_h, sh->in_w);
	if (x >= 0)
		x = param(net, dca_net_conv(net, x, sh->width, 3, 1, 1, 1, 1, 0), "stem", "conv");
	if (x >= 0)
		x = param(net, dca_net_batchnorm(net, x, 1), "stem", "bn");
	for (r = 0; r < sh->cells && x >= 0; r++)
		for (e = 0; e < CHAIN_EDGES && x >= 0; e++) {
			char name[48];

			if (a->op[e] == OP_NONE)
				continue;    /* dropped: a deployed net has no zero ops */
			snprintf(name, sizeof name, "cell%d.edge%d", r, e);
			x = block_net(net, x, a->op[e], sh->width, name);
			if (x >= 0)
				dca_net_label_last(net, "cell%d/edge%d/%s", r, e,
						   chain_op_names[a->op[e]]);
		}
	if (x >= 0)
		x = dca_net_relu(net, x);
	if (x >= 0)
		x = dca_net_global_avgpool(net, x);
	if (x >= 0)
		x = dca_net_linear(net, x, sh->classes, 1);
	if (x >= 0 && dca_net_param_last(net, "classifier"))
		x = -1;
	if (x < 0)
		return dca_error_set(err, DCA_ERR_NOMEM, "chain: out of memory");
	net->output = x;
	return 0;
}

/* What op `op` on edge `edge` adds to the deployed network at shape: one
 * block in each repeat, on a stand-in input of the block's shape. The add
 * is included, so a per-op cost (params, MACs, a latency table that prices
 * adds) of the deployed net is exactly the reference net's plus the sum of
 * these over the kept edges. */
static int chain_candidate_net(const dca_net_shape *sh, int edge, int op,
			       dca_net *net, dca_error *err)
{
	int r, x, rc;

	if (edge < 0 || edge >= CHAIN_EDGES || op < 0 || op >= CHAIN_OPS)
		return dca_error_set(err, DCA_ERR_INVALID, "chain: no edge %d op %d",
				     edge, op);
	if ((rc = check_shape(sh, err)))
		return rc;
	for (r = 0; r < sh->cells; r++) {
		x = dca_net_input(net, sh->width, sh->in_h, sh->in_w);
		if (x >= 0 && op != OP_NONE)
			x = block_net(net, x, op, sh->width, NULL);
		if (x < 0)
			return dca_error_set(err, DCA_ERR_NOMEM, "chain: out of memory");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The supernet                                                        */
/* (The trainable network of one arch is the core's, built from
 * chain_build_net's descriptors: the space describes it once.)        */

/* the layers of one op of one block; pw only for sep_conv_3x3 */
typedef struct op_layers {
	dca_conv conv, pw;
	dca_bn bn;
} op_layers;

typedef struct chain_model {
	const dca_supernet *super;      /* borrowed */
	int cells;
	dca_conv stem;
	dca_bn stem_bn;
	op_layers (*blocks)[CHAIN_OPS]; /* [cells * CHAIN_EDGES][op] */
	dca_fc classifier;
} chain_model;

static void chain_model_free(void *p)
{
	chain_model *net = p;

	if (net)
		free(net->blocks);
	free(net);
}

/* cin = cout = c. BN without affine parameters, as in DARTS: a learnt BN
 * scale could rescale an op's output against the weight α gives it. */
static int op_init(dca_model *m, op_layers *l, int op, int c, const char *name)
{
	char buf[96];
	int rc;

	snprintf(buf, sizeof buf, "%s.conv", name);
	if (op == OP_SEP3) {
		rc = dca_conv_init(m, &l->conv, c, c, 3, 1, 1, 1, c, 0, buf);
		snprintf(buf, sizeof buf, "%s.pw", name);
		if (!rc)
			rc = dca_conv_init(m, &l->pw, c, c, 1, 1, 0, 1, 1, 0, buf);
	} else {
		rc = dca_conv_init(m, &l->conv, c, c, op == OP_CONV3 ? 3 : 1, 1,
				   op == OP_CONV3 ? 1 : 0, 1, 1, 0, buf);
	}
	snprintf(buf, sizeof buf, "%s.bn", name);
	return rc ? rc : dca_bn_init(m, &l->bn, c, 0, buf);
}

/* the same layers as branch_net */
static dca_tensor *op_apply(dca_graph *g, const op_layers *l, int op,
			    dca_tensor *x, int training)
{
	x = dca_relu_conv_apply(g, &l->conv, x);
	if (x && op == OP_SEP3)
		x = dca_conv_apply(g, &l->pw, x);
	return x ? dca_bn_apply(g, &l->bn, x, training) : NULL;
}

/* dca_mixed_edge's callback: candidate op (1..CHAIN_OPS-1) on the
 * bottleneck's channels */
typedef struct candidate_ctx {
	const op_layers *ops;           /* the block's [op] row */
	int training;
} candidate_ctx;

static dca_tensor *candidate(void *p, int op, dca_graph *g, dca_tensor *x)
{
	const candidate_ctx *k = p;

	return op_apply(g, &k->ops[op], op, x, k->training);
}

static dca_tensor *chain_forward(dca_model *m, dca_graph *g, dca_tensor *x,
				 int training, dca_tensor **aux)
{
	const chain_model *net = m->state;
	dca_tensor *probs = NULL, *w, *y;
	int i;

	if (aux)
		*aux = NULL;                /* no auxiliary head */
	/* The supernet's op weights: softmax over each row of α (n_edges x
	 * n_ops), recorded on the tape, so that an architecture step's
	 * backward reaches alpha->grad. */
	if (!(probs = dca_softmax(g, net->super->alpha)))
		return NULL;
	x = dca_conv_apply(g, &net->stem, x);
	if (x)
		x = dca_bn_apply(g, &net->stem_bn, x, training);
	for (i = 0; i < net->cells * CHAIN_EDGES && x; i++) {
		int e = i % CHAIN_EDGES;
		candidate_ctx k = { net->blocks[i], training };

		/* the weights of ops 1..n-1; 'none' adds nothing */
		w = dca_flat_slice(g, probs, e * CHAIN_OPS + 1, CHAIN_OPS - 1);
		y = w ? dca_mixed_edge(g, x, net->super->bottleneck_k, 1,
				       CHAIN_OPS, w, candidate, &k) : NULL;
		/* One edge enters each node, so β (edge normalisation) would
		 * weight it by softmax of one logit = 1: the chain leaves β
		 * out of its forward. */
		x = y ? dca_add(g, x, y) : NULL;
	}
	if (x)
		x = dca_relu(g, x);
	if (x)
		x = dca_global_avgpool(g, x);
	return x ? dca_fc_apply(g, &net->classifier, x) : NULL;
}

/* every op on every edge at width/k */
static int build(int k, const dca_net_shape *sh, uint64_t seed,
		 dca_model **out, chain_model **net_out, dca_error *err)
{
	dca_model *m;
	chain_model *net;
	int c = sh->width, i, op, rc;
	char name[96];

	*out = NULL;
	if ((rc = check_shape(sh, err)))
		return rc;
	m = dca_model_new(seed);
	net = calloc(1, sizeof *net);
	if (!m || !net) {
		free(net);
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "chain: out of memory");
	}
	m->state = net;                 /* freed with the model */
	m->state_free = chain_model_free;
	m->forward = chain_forward;
	net->cells = sh->cells;
	net->blocks = calloc((size_t)sh->cells * CHAIN_EDGES, sizeof *net->blocks);
	rc = net->blocks ? 0 : DCA_ERR_NOMEM;
	/* parameters in forward order, named so weight files can be checked */
	if (!rc)
		rc = dca_conv_init(m, &net->stem, sh->in_c, c, 3, 1, 1, 1, 1, 0, "stem.conv");
	if (!rc)
		rc = dca_bn_init(m, &net->stem_bn, c, 1, "stem.bn");
	for (i = 0; i < sh->cells * CHAIN_EDGES && !rc; i++)
		for (op = 1; op < CHAIN_OPS && !rc; op++) {
			snprintf(name, sizeof name, "cell%d.edge%d.%s", i / CHAIN_EDGES,
				 i % CHAIN_EDGES, chain_op_names[op]);
			rc = op_init(m, &net->blocks[i][op], op, c / k, name);
		}
	if (!rc)
		rc = dca_fc_init(m, &net->classifier, c, sh->classes, "classifier");
	if (rc) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "chain: out of memory "
				     "building the model");
	}
	*out = m;
	*net_out = net;
	return 0;
}

static int chain_build_supernet(const dca_net_shape *sh, int k, uint64_t seed,
				dca_supernet **out, dca_error *err)
{
	dca_model *m;
	chain_model *net;
	dca_supernet *s;
	int rc;

	*out = NULL;
	if (k < 1 || sh->width % k)
		return dca_error_set(err, DCA_ERR_INVALID, "chain: the channel "
				     "bottleneck k=%d must divide the width %d", k,
				     sh->width);
	if ((rc = build(k, sh, seed, &m, &net, err)))
		return rc;
	/* α (n_edges x n_ops) and β (1 x n_edges), drawn from m's init stream;
	 * the supernet owns m from here */
	if (!(s = dca_supernet_new(m, CHAIN_EDGES, CHAIN_OPS, k))) {
		dca_model_free(m);
		return dca_error_set(err, DCA_ERR_NOMEM, "chain: out of memory");
	}
	net->super = s;                 /* what the forward reads α from */
	*out = s;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The derivation rule and its differentiable cost estimate            */

/* Every edge is kept and takes its most likely op, 'none' included (a
 * block the search weighs out is dropped). β is not read: with one edge
 * into each node there is nothing to normalise. At α = 0 every op ties and
 * the rule gives all 'none': the core builds that reference network to
 * find the cost outside the edges, so it must be a valid arch. */
static void chain_derive(const float *alpha, const float *beta, int *choice)
{
	int e, o;

	(void)beta;
	for (e = 0; e < CHAIN_EDGES; e++) {
		choice[e] = OP_NONE;
		for (o = 1; o < CHAIN_OPS; o++)
			if (alpha[e * CHAIN_OPS + o] > alpha[e * CHAIN_OPS + choice[e]])
				choice[e] = o;
	}
}

/* Σ_e E_{op ~ softmax(α_e)} table[e][op]: the expectation of what the rule
 * keeps on each edge; d/dα_{e,o} = p_o (table[e][o] - mean_e). */
static double chain_estimate(const float *alpha, const float *beta,
			     const double *table, float scale, float *grad)
{
	double total = 0, p[CHAIN_OPS];
	int e, o;

	(void)beta;
	for (e = 0; e < CHAIN_EDGES; e++) {
		const double *t = table + e * CHAIN_OPS;
		double mean = 0;

		dca_softmax_logits(alpha + e * CHAIN_OPS, CHAIN_OPS, p);
		for (o = 0; o < CHAIN_OPS; o++)
			mean += p[o] * t[o];
		total += mean;
		if (grad)
			for (o = 0; o < CHAIN_OPS; o++)
				grad[e * CHAIN_OPS + o] += (float)(scale * p[o] * (t[o] - mean));
	}
	return total;
}

/* ------------------------------------------------------------------ */
/* Registration                                                        */

static const dca_space chain_space = {
	DCA_SPACE_INIT,
	.name = "chain",
	.format_name = "chain arch string",
	.summary = "example: a chain of 4 residual blocks x 4 ops (docs/spaces.md)",
	.default_shape = { .in_c = 3, .in_h = 32, .in_w = 32, .classes = 10,
			   .width = 16, .cells = 2 },
	.search_shape = { .width = 16, .cells = 1 },
	.n_ops = CHAIN_OPS,
	.op_names = chain_op_names,
	.n_edges = CHAIN_EDGES,
	.arch_parse = chain_parse,
	.arch_format = chain_format,
	.arch_free = chain_free,
	.arch_choices = chain_choices,
	.build_net = chain_build_net,
	.build_supernet = chain_build_supernet,
	.candidate_net = chain_candidate_net,
	.derive = chain_derive,
	.estimate = chain_estimate,
	.arch_from_choices = chain_from_choices,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_space(reg, &chain_space, err);
}

DCA_MODULE_DEFINE("chain_space", "1.0", "example out-of-tree search space",
		  "MIT", register_plugins);
