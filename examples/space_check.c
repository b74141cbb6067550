/* space_check: what the dcanas core assumes of a search space, checked on a
 * registered space through the installed API only (docs/spaces.md).
 *
 *   space_check SPACE [WIDTH CELLS [CxHxW CLASSES]]
 *
 * Loads the modules on DCANAS_PLUGIN_PATH (then the installed ones), and
 * checks on the space's architectures (every one when the space has at most
 * 4096 choices, else 300 drawn through its derivation rule from random α, β):
 *   - arch_format then arch_parse gives the same text back, and arch_choices
 *     (when set) inverts arch_from_choices;
 *   - the trainable network (dca_space_build_model: the space's own
 *     build_model, else the core's from build_net, which needs every
 *     op with parameters named) has as many parameters as build_net's
 *     descriptors count;
 *   - for params and flops, the core's additive cost model (built from
 *     candidate_net around the reference arch derive(0, 0)) equals the
 *     exact cost of build_net;
 * and once:
 *   - estimate at α peaked on an arch equals that arch's cost, and its
 *     gradient matches central differences;
 *   - the supernet (k = 1, and 2 when it divides the width): α and β have
 *     the layout the core expects and are not among the weights, and the
 *     validation loss's gradient reaches α and matches central differences.
 * One "ok" / "not ok" line per check; exit status 1 when any fails.
 * Shape: the space's defaults, except WIDTH (default 8) and CELLS (default
 * the space's search cells, else its default).
 *
 * Build against an installed dcanas:
 *   cc -std=c11 -o space_check space_check.c $(pkg-config --cflags --libs dcanas) -lm */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/dcanas.h>

#define ENUMERATE_MAX 4096
#define SAMPLES 300
#define MAX_EDGES 256

static int failures;

static void report(int ok, const char *what, const char *why)
{
	if (ok) {
		printf("ok - %s\n", what);
	} else {
		printf("not ok - %s: %s\n", what, why);
		failures++;
	}
}

typedef struct checker {
	const dca_space *sp;
	dca_net_shape sh;
	dca_budget budget[2];           /* params, flops */
	dca_cost_model cm[2];
	int n_costs;
	/* the first failure of each per-arch check, and counts */
	char roundtrip[2048], params[2048], additive[2][2048];
	int n_archs, n_constant;
} checker;

static double sum_params(const dca_net *net)
{
	double s = 0;
	size_t i;

	for (i = 0; i < net->n_ops; i++)
		s += dca_op_params(&net->ops[i]);
	return s;
}

/* the per-arch checks; 0, or -1 when the choice is not an arch */
static int check_arch(checker *ck, const int *choice)
{
	const dca_space *sp = ck->sp;
	dca_error err = { 0 };
	dca_arch *a = sp->arch_from_choices(choice, NULL), *b;
	char *text, *again = NULL;
	int back[MAX_EDGES], i, e;
	dca_model *m = NULL;
	dca_net net;

	if (!a)
		return -1;
	ck->n_archs++;
	text = sp->arch_format(a);
	b = text ? sp->arch_parse(text, &err) : NULL;
	if (b)
		again = sp->arch_format(b);
	if (!ck->roundtrip[0] && (!again || strcmp(text, again) != 0))
		snprintf(ck->roundtrip, sizeof ck->roundtrip, "'%.400s' printed, parsed "
			 "and printed again gives '%.400s' (%.1000s)", text ? text : "(null)",
			 again ? again : "(null)", err.msg);
	if (b && sp->arch_choices && !ck->roundtrip[0] &&
	    (sp->arch_choices(b, back) != 0 ||
	     memcmp(back, choice, (size_t)sp->n_edges * sizeof *back) != 0))
		snprintf(ck->roundtrip, sizeof ck->roundtrip, "arch_choices('%s') is "
			 "not the choice arch_from_choices was given", text);
	dca_net_init(&net);
	if (sp->build_net(a, &ck->sh, &net, &err) != 0) {
		if (!ck->params[0])
			snprintf(ck->params, sizeof ck->params, "build_net('%.400s'): %.1000s",
				 text, err.msg);
		goto out;
	}
	ck->n_constant += !dca_net_depends_on_input(&net);
	if (!ck->params[0]) {
		if (dca_space_build_model(sp, a, &ck->sh, 1, &m, &err) != 0)
			snprintf(ck->params, sizeof ck->params, "the trainable network "
				 "of '%.400s': %.1000s", text, err.msg);
		else if ((double)dca_model_param_count(m) != sum_params(&net))
			snprintf(ck->params, sizeof ck->params, "'%s': the trainable "
				 "network has %zu parameters, build_net's descriptors %.0f",
				 text, dca_model_param_count(m), sum_params(&net));
		dca_model_free(m);
	}
	for (i = 0; i < ck->n_costs; i++) {
		const dca_constraint *c = ck->budget[i].constraint;
		double exact, model = ck->cm[i].fixed;

		if (ck->additive[i][0])
			continue;
		for (e = 0; e < sp->n_edges; e++)
			if (choice[e] >= 0)
				model += ck->cm[i].table[e * sp->n_ops + choice[e]];
		if (c->exact(&net, sp, a, NULL, &exact, &err) != 0)
			snprintf(ck->additive[i], sizeof ck->additive[i], "%.1000s", err.msg);
		else if (fabs(model - exact) > 1e-6 * fabs(exact) + 1e-9)
			snprintf(ck->additive[i], sizeof ck->additive[i], "'%s': exact "
				 "%.1f, fixed + Σ table[e][op] = %.1f (does candidate_net "
				 "list every op the edge adds, in every cell?)", text,
				 exact, model);
	}
out:
	dca_net_free(&net);
	free(text);
	free(again);
	sp->arch_free(a);
	if (b)
		sp->arch_free(b);
	return 0;
}

static void check_archs(checker *ck)
{
	const dca_space *sp = ck->sp;
	int E = sp->n_edges, O = sp->n_ops, choice[MAX_EDGES] = { 0 }, i, k;
	double size = pow(O, E);
	char what[160];

	if (size <= ENUMERATE_MAX) {
		for (;;) {
			check_arch(ck, choice);
			for (i = 0; i < E && ++choice[i] == O; i++)
				choice[i] = 0;
			if (i == E)
				break;
		}
	} else {
		float *alpha = malloc((size_t)E * O * sizeof *alpha), beta[MAX_EDGES];
		dca_rng rng;

		dca_rng_seed(&rng, 7);
		for (k = 0; alpha && k < SAMPLES; k++) {
			for (i = 0; i < E * O; i++)
				alpha[i] = dca_rng_normal(&rng);
			for (i = 0; i < E; i++)
				beta[i] = dca_rng_normal(&rng);
			sp->derive(alpha, beta, choice);
			if (check_arch(ck, choice) != 0 && !ck->roundtrip[0])
				snprintf(ck->roundtrip, sizeof ck->roundtrip, "derive gave "
					 "a choice arch_from_choices refuses");
		}
		free(alpha);
	}
	snprintf(what, sizeof what, "%s: %d archs (%s): format, parse and "
		 "arch_choices agree", sp->name, ck->n_archs, size <= ENUMERATE_MAX
		 ? "all" : "sampled through derive");
	report(ck->n_archs > 0 && !ck->roundtrip[0], what,
	       ck->n_archs ? ck->roundtrip : "no valid arch");
	snprintf(what, sizeof what, "%s: the trainable network and build_net "
		 "count the same parameters", sp->name);
	report(!ck->params[0], what, ck->params);
	for (i = 0; i < ck->n_costs; i++) {
		snprintf(what, sizeof what, "%s: the additive %s model is exact",
			 sp->name, ck->budget[i].name);
		report(!ck->additive[i][0], what, ck->additive[i]);
	}
	printf("# %d of the %d archs checked are constant networks (every path "
	       "passes a 'none'); a search never returns those\n", ck->n_constant,
	       ck->n_archs);
}

/* estimate: exact at a peaked α, gradient by central differences */
static void check_estimate(checker *ck, const dca_cost_model *cm, const char *cname)
{
	const dca_space *sp = ck->sp;
	int E = sp->n_edges, O = sp->n_ops, n = E * O, i, e, k0[MAX_EDGES], k1[MAX_EDGES];
	int choice[MAX_EDGES], derived[MAX_EDGES], checked = 0, ok = 1;
	float *alpha = calloc((size_t)n, sizeof *alpha), beta[MAX_EDGES];
	float *grad = calloc((size_t)n, sizeof *grad);
	double est, model, scale = 1.0 / (cm->fixed + 1);
	char what[160], why[256] = "";
	dca_rng rng;

	if (!alpha || !grad)
		goto out;
	/* α peaked on the arch derived from random logits */
	dca_rng_seed(&rng, 3);
	for (i = 0; i < n; i++)
		alpha[i] = dca_rng_normal(&rng);
	for (e = 0; e < E; e++)
		beta[e] = dca_rng_normal(&rng);
	sp->derive(alpha, beta, choice);
	model = cm->fixed;
	for (e = 0; e < E; e++) {
		beta[e] = choice[e] >= 0 ? 5.0f : -5.0f;
		for (i = 0; i < O; i++)
			alpha[e * O + i] = choice[e] >= 0 && i == choice[e] ? 30.0f : 0.0f;
		if (choice[e] >= 0)
			model += cm->table[e * O + choice[e]];
	}
	sp->derive(alpha, beta, derived);
	est = dca_cost_estimate(sp, cm, alpha, beta, 0, NULL);
	snprintf(what, sizeof what, "%s: estimate at a peaked α is the %s of the "
		 "arch derive keeps", sp->name, cname);
	snprintf(why, sizeof why, "Ĉ = %.1f, the arch's cost %.1f", est, model);
	report(memcmp(derived, choice, (size_t)E * sizeof *choice) == 0 &&
	       fabs(est - model) <= 1e-5 * fabs(model) + 1e-9, what, why);
	/* the gradient, at random α, where a step keeps the derived arch */
	for (i = 0; i < n; i++)
		alpha[i] = dca_rng_normal(&rng);
	for (e = 0; e < E; e++)
		beta[e] = dca_rng_normal(&rng);
	dca_cost_estimate(sp, cm, alpha, beta, (float)scale, grad);
	for (i = 0; i < n && ok; i++) {
		const float h = 1e-2f, a0 = alpha[i];
		double up, down, fd;

		alpha[i] = a0 + h;
		sp->derive(alpha, beta, k0);
		up = dca_cost_estimate(sp, cm, alpha, beta, 0, NULL);
		alpha[i] = a0 - h;
		sp->derive(alpha, beta, k1);
		down = dca_cost_estimate(sp, cm, alpha, beta, 0, NULL);
		alpha[i] = a0;
		if (memcmp(k0, k1, (size_t)E * sizeof *k0) != 0)
			continue;       /* Ĉ follows the rule: a step changed its choice */
		fd = (up - down) / (2 * h) * scale;
		checked++;
		if (fabs(fd - grad[i]) > 1e-3 * fabs(fd) + 1e-6) {
			snprintf(why, sizeof why, "dĈ/dα[%d] = %g, central difference %g",
				 i, grad[i], fd);
			ok = 0;
		}
	}
	snprintf(what, sizeof what, "%s: the estimate's %s gradient (%d of %d "
		 "entries)", sp->name, cname, checked, n);
	report(ok && checked >= n / 2, what, ok ? "too few entries away from a "
	       "change of the derived arch" : why);
out:
	free(alpha);
	free(grad);
}

static double supernet_loss(dca_supernet *s, dca_graph *g, const dca_tensor *x0,
			    const int *labels, int training, int backward)
{
	dca_tensor *x, *logits, *loss;

	dca_graph_reset(g);
	x = dca_tensor_new(g, x0->n, x0->c, x0->h, x0->w, 0);
	if (!x)
		return NAN;
	memcpy(x->data, x0->data, x0->size * sizeof *x->data);
	logits = s->model->forward(s->model, g, x, training, NULL);
	loss = logits ? dca_cross_entropy(g, logits, labels, 0) : NULL;
	if (!loss || (backward && dca_backward(g, loss) != 0))
		return NAN;
	return loss->data[0];
}

static void check_supernet(checker *ck, int k)
{
	const dca_space *sp = ck->sp;
	dca_supernet *s = NULL;
	dca_error err = { 0 };
	dca_graph *g = dca_graph_new(), *bg = dca_graph_new();
	dca_tensor *x;
	int labels[4], E = sp->n_edges, O = sp->n_ops, e, o, i, ok, probes = 0;
	char what[160], why[256] = "";
	const float h = 1e-2f;
	double loss, res;
	dca_rng rng;

	snprintf(what, sizeof what, "%s: build_supernet (k=%d): α is n_edges x "
		 "n_ops, β 1 x n_edges, neither among the weights", sp->name, k);
	if (!g || !bg || sp->build_supernet(&ck->sh, k, 1, &s, &err) != 0) {
		report(0, what, err.msg);
		goto out;
	}
	ok = s->n_edges == E && s->n_ops == O && s->bottleneck_k == k &&
	     s->alpha->n == E && s->alpha->c == O && s->alpha->size == (size_t)E * O &&
	     s->beta->size == (size_t)E;
	for (i = 0; i < s->model->n_params; i++)
		ok &= s->model->params[i] != s->alpha && s->model->params[i] != s->beta;
	report(ok, what, "use dca_supernet_new(model, n_edges, n_ops, k)");
	/* a batch of 4 random images, labels 0..3 modulo the classes */
	dca_rng_seed(&rng, 5);
	x = dca_tensor_new(bg, 4, ck->sh.in_c, ck->sh.in_h, ck->sh.in_w, 0);
	for (i = 0; x && i < (int)x->size; i++)
		x->data[i] = dca_rng_normal(&rng);
	for (i = 0; i < 4; i++)
		labels[i] = i % ck->sh.classes;
	/* training mode, as the search's architecture step runs it */
	dca_param_zero_grad(s->alpha);
	dca_param_zero_grad(s->beta);
	loss = x ? supernet_loss(s, g, x, labels, 1, 1) : NAN;
	snprintf(what, sizeof what, "%s (k=%d): the loss's gradient reaches every "
		 "row of α", sp->name, k);
	ok = isfinite(loss);
	for (e = 0; e < E && ok; e++) {
		double row = 0;
		for (o = 1; o < O; o++)
			row += fabs(s->alpha->grad[e * O + o]);
		if (!(row > 0)) {
			snprintf(why, sizeof why, "no gradient on edge %d: does the "
				 "forward weight its ops by dca_softmax(s->alpha)?", e);
			ok = 0;
		}
	}
	report(ok, what, isfinite(loss) ? why : "the forward failed");
	if (!ok)
		goto out;
	/* dL/dα by central differences on a few entries (ops 1.., edges
	 * spread), in eval mode: with batch statistics the loss is rough in α
	 * at the scale of a float32 step (every ReLU that flips moves a whole
	 * channel's mean and variance). What this catches is α reaching the
	 * forward off the tape. */
	dca_param_zero_grad(s->alpha);
	loss = supernet_loss(s, g, x, labels, 0, 1);
	res = fabs(loss) * FLT_EPSILON / h;     /* the differences' resolution */
	snprintf(what, sizeof what, "%s (k=%d): dL/dα matches central "
		 "differences", sp->name, k);
	for (e = 0; e < E && ok; e += E > 4 ? E / 4 : 1) {
		int idx = e * O + 1 + e % (O - 1);
		const float a0 = s->alpha->data[idx];
		double g0 = s->alpha->grad[idx], up, down, fd;

		s->alpha->data[idx] = a0 + h;
		up = supernet_loss(s, g, x, labels, 0, 0);
		s->alpha->data[idx] = a0 - h;
		down = supernet_loss(s, g, x, labels, 0, 0);
		s->alpha->data[idx] = a0;
		fd = (up - down) / (2 * h);
		probes += fabs(fd) > 10 * res;
		if (!(fabs(fd - g0) <= 0.1 * fabs(fd) + 3 * res)) {
			snprintf(why, sizeof why, "dL/dα[%d][%d] = %g, central "
				 "difference %g: does α reach the forward only "
				 "through engine ops (dca_softmax, dca_flat_slice)?",
				 e, 1 + e % (O - 1), g0, fd);
			ok = 0;
		}
	}
	if (ok && probes == 0)
		printf("# %s (k=%d): dL/dα is below what float32 differences "
		       "resolve at this shape; not compared\n", sp->name, k);
	else
		report(ok, what, why);
out:
	dca_supernet_free(s);
	dca_graph_free(g);
	dca_graph_free(bg);
}

int main(int argc, char **argv)
{
	checker ck;
	dca_registry *reg;
	dca_error err = { 0 };
	static const char *const costs[2] = { "params", "flops" };
	int i;

	if (argc != 2 && argc != 4 && argc != 6) {
		fprintf(stderr, "usage: space_check SPACE [WIDTH CELLS [CxHxW CLASSES]]\n");
		return 2;
	}
	memset(&ck, 0, sizeof ck);
	dca_engine_init(1);
	reg = dca_registry_new();
	if (!reg || dca_registry_load_default(reg, &err) != 0 ||
	    !(ck.sp = dca_registry_space(reg, argv[1], &err))) {
		fprintf(stderr, "space_check: %s\n", err.msg);
		dca_registry_free(reg);
		return 2;
	}
	ck.sh = ck.sp->default_shape;
	ck.sh.width = 8;
	ck.sh.cells = ck.sp->search_shape.cells ? ck.sp->search_shape.cells : 0;
	if (argc >= 4) {
		ck.sh.width = atoi(argv[2]);
		ck.sh.cells = atoi(argv[3]);
	}
	if (argc == 6 && (sscanf(argv[4], "%dx%dx%d", &ck.sh.in_c, &ck.sh.in_h,
				 &ck.sh.in_w) != 3 || (ck.sh.classes = atoi(argv[5])) < 1)) {
		fprintf(stderr, "space_check: input is CxHxW, e.g. 3x32x32\n");
		dca_registry_free(reg);
		return 2;
	}
	dca_space_resolve_shape(ck.sp, &ck.sh);
	printf("# %s at input %dx%dx%d, %d classes, width %d, %d cells\n", ck.sp->name,
	       ck.sh.in_c, ck.sh.in_h, ck.sh.in_w, ck.sh.classes, ck.sh.width,
	       ck.sh.cells);
	if (!ck.sp->derive || ck.sp->n_edges > MAX_EDGES) {
		printf("# %s is not searchable (or has over %d edges): nothing to "
		       "check here\n", ck.sp->name, MAX_EDGES);
		dca_registry_free(reg);
		return 0;
	}
	/* the core's cost models: the reference arch derive(0, 0) must be
	 * valid, and candidate_net must cover every (edge, op) */
	for (i = 0; i < 2; i++) {
		dca_budget *b = &ck.budget[ck.n_costs];
		dca_error cerr = { 0 };
		char what[160];

		snprintf(b->name, sizeof b->name, "%s", costs[i]);
		b->max = 1e300;
		snprintf(what, sizeof what, "%s: the core builds its %s model "
			 "(candidate_net, and derive(0, 0) as reference)", ck.sp->name,
			 costs[i]);
		if (!(b->constraint = dca_registry_constraint(reg, costs[i], &cerr))) {
			report(0, what, cerr.msg);   /* the cost checks cannot run */
			continue;
		}
		if (dca_cost_model_init(&ck.cm[ck.n_costs], ck.sp, &ck.sh, NULL, b,
					&cerr) == 0 && ck.cm[ck.n_costs].additive) {
			report(1, what, "");
			ck.n_costs++;
		} else {
			report(0, what, cerr.code ? cerr.msg : "not additive");
			dca_cost_model_free(&ck.cm[ck.n_costs]);
		}
	}
	check_archs(&ck);
	for (i = 0; i < ck.n_costs; i++)
		check_estimate(&ck, &ck.cm[i], ck.budget[i].name);
	if (ck.sp->build_supernet) {
		check_supernet(&ck, 1);
		if (ck.sh.width % 4 == 0)
			check_supernet(&ck, 2);
	}
	for (i = 0; i < ck.n_costs; i++)
		dca_cost_model_free(&ck.cm[i]);
	dca_registry_free(reg);
	printf("%s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
