/* dcanas — the selection stage: from the optimizer's architecture logits to
 * the architecture the search returns.
 *
 * Candidates: the architectures that meet every budget exactly and whose
 * output depends on the input, most likely under α first (log-likelihood
 * = Σ over kept edges of log softmax(α_e)[op]), at most select_k of them.
 * Small spaces (NAS-Bench-201: 15,625 archs) are enumerated. In a larger
 * one, half are drawn from α's distribution (the space's derivation rule on
 * Gumbel-perturbed α and β, kept when within budget), so that the scores
 * choose among architectures across the budget rather than only near the
 * derivation, which a short search leaves nearly uniform; the rest are
 * explored best-first from the derived architecture over single moves.
 *
 * Score: four votes, each the candidate's rank among those scored, averaged:
 *   - naswot and synflow (proxy.h) of the network freshly initialised at
 *     the search (supernet) shape, at most 8 channels wide, on one fixed
 *     batch of 32 training images: at C=8, N=1 they rank NAS-Bench-201's
 *     15,625 archs as they do at the deployed C=16, N=5 (Spearman 0.99),
 *     for ~1/30 of the time;
 *   - the deployed network's multiply-accumulates (capacity within budget);
 *   - the search's α log-likelihood.
 * Candidates are scored most likely first until the search's time limit.
 * The four votes were chosen once, for every space, device and budget
 * (docs/search.md). Nothing here reads a benchmark's accuracy. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/proxy.h>
#include <dcanas/search.h>

#include "search_internal.h"

#define BEST_FIRST_POPS 40     /* x k: archs assessed before giving up */
#define BEST_FIRST_MAX 512     /* candidates of a large space, at most */
#define SAMPLE_DRAWS 40        /* x wanted: draws before giving up */

double dcap_arch_loglik(const dca_space *sp, const float *alpha, const int *choice)
{
	double p[64], ll = 0;
	int e;

	if (sp->n_ops > 64)
		return 0;
	for (e = 0; e < sp->n_edges; e++)
		if (choice[e] >= 0) {
			dca_softmax_logits(alpha + (size_t)e * sp->n_ops, sp->n_ops, p);
			ll += log(p[choice[e]] > 1e-300 ? p[choice[e]] : 1e-300);
		}
	return ll;
}

void dcap_candidates_free(dcap_candidate *c, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(c[i].choice);
	free(c);
}

static int by_loglik(const void *a, const void *b)
{
	const dcap_candidate *x = a, *y = b;

	return x->loglik > y->loglik ? -1 : x->loglik < y->loglik;
}

/* Assess choice: 1 when it is a candidate (valid, within every budget, not a
 * constant network), with costs filled; 0 when not; < 0 on error. */
static int admissible(dca_search *s, const int *choice, double *costs, double *macs,
		      dca_error *err)
{
	dca_arch *a;
	int depends = 0, rc;

	if (!dcap_valid_choice(s->space, choice, &a))
		return 0;
	rc = dcap_search_assess_net(s, a, costs, &depends, macs, err);
	s->space->arch_free(a);
	if (rc)
		return rc;
	return depends && dca_search_fits(s, costs);
}

typedef struct cand_list {
	dcap_candidate *c;
	int n, cap;
} cand_list;

static int cand_push(cand_list *L, const int *choice, int E, double ll,
		     const double *costs, int n_costs, double macs)
{
	dcap_candidate *c;

	if (L->n == L->cap) {
		int cap = L->cap ? 2 * L->cap : 64;
		dcap_candidate *t = realloc(L->c, (size_t)cap * sizeof *t);
		if (!t)
			return -1;
		L->c = t;
		L->cap = cap;
	}
	c = &L->c[L->n];
	memset(c, 0, sizeof *c);
	if (!(c->choice = malloc((size_t)E * sizeof *c->choice)))
		return -1;
	memcpy(c->choice, choice, (size_t)E * sizeof *choice);
	memcpy(c->costs, costs, (size_t)n_costs * sizeof *costs);
	c->loglik = ll;
	c->macs = macs;
	L->n++;
	return 0;
}

/* every arch of a small space */
static int enumerate_candidates(dca_search *s, const float *alpha, cand_list *L,
				dca_error *err)
{
	const dca_space *sp = s->space;
	int E = sp->n_edges, O = sp->n_ops, rc = 0;
	int *choice = calloc((size_t)E, sizeof *choice);
	double costs[DCA_MAX_CONSTRAINTS], macs = 0;

	if (!choice)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (;;) {
		int ok = admissible(s, choice, costs, &macs, err);

		if (ok < 0) {
			rc = ok;
			break;
		}
		if (ok && cand_push(L, choice, E, dcap_arch_loglik(sp, alpha, choice),
				    costs, s->n_costs, macs)) {
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			break;
		}
		if (!dcap_next_choice(choice, E, O))
			break;
	}
	free(choice);
	return rc;
}

/* ---- best-first over moves (large spaces) -------------------------- */

typedef struct node {
	double ll;
	int *choice;
} node;

typedef struct heap {
	node *v;
	int n, cap;
} heap;

static int heap_push(heap *h, node x)
{
	int i;

	if (h->n == h->cap) {
		int cap = h->cap ? 2 * h->cap : 256;
		node *t = realloc(h->v, (size_t)cap * sizeof *t);
		if (!t)
			return -1;
		h->v = t;
		h->cap = cap;
	}
	for (i = h->n++; i > 0 && h->v[(i - 1) / 2].ll < x.ll; i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = x;
	return 0;
}

static node heap_pop(heap *h)
{
	node top = h->v[0], last = h->v[--h->n];
	int i = 0, c;

	while ((c = 2 * i + 1) < h->n) {
		if (c + 1 < h->n && h->v[c + 1].ll > h->v[c].ll)
			c++;
		if (h->v[c].ll <= last.ll)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
	return top;
}

/* a set of choices (open addressing; stores borrowed pointers) */
typedef struct seen {
	int **slot;
	size_t cap, n;
	int E;
} seen;

static size_t hash_choice(const int *c, int E)
{
	size_t h = 1469598103934665603u;
	int e;

	for (e = 0; e < E; e++)
		h = (h ^ (size_t)(c[e] + 2)) * 1099511628211u;
	return h;
}

/* 1: added, 0: already there, -1: out of memory */
static int seen_add(seen *S, int *c)
{
	size_t i;

	if (2 * (S->n + 1) > S->cap) {
		size_t cap = S->cap ? 2 * S->cap : 1024, j;
		int **slot = calloc(cap, sizeof *slot);
		if (!slot)
			return -1;
		for (j = 0; j < S->cap; j++)
			if (S->slot[j]) {
				size_t k = hash_choice(S->slot[j], S->E) & (cap - 1);
				while (slot[k])
					k = (k + 1) & (cap - 1);
				slot[k] = S->slot[j];
			}
		free(S->slot);
		S->slot = slot;
		S->cap = cap;
	}
	for (i = hash_choice(c, S->E) & (S->cap - 1); S->slot[i]; i = (i + 1) & (S->cap - 1))
		if (memcmp(S->slot[i], c, (size_t)S->E * sizeof *c) == 0)
			return 0;
	S->slot[i] = c;
	S->n++;
	return 1;
}

static void seen_free(seen *S)
{
	size_t j;

	for (j = 0; j < S->cap; j++)
		free(S->slot[j]);
	free(S->slot);
}

/* a standard Gumbel draw (u kept inside (0, 1)) */
static float gumbel(dca_rng *rng)
{
	return (float)-log(-log(dca_rng_uniform(rng) * 0.999999 + 5e-7));
}

/* Up to `want` candidates into L: the derivation rule on α and β plus
 * Gumbel noise, which draws each argmax of the rule from the softmax
 * (for an edge's op: softmax(α_e)); choices S holds are skipped */
static int sampled_candidates(dca_search *s, const float *alpha, const float *beta,
			      int want, seen *S, cand_list *L, dca_error *err)
{
	const dca_space *sp = s->space;
	size_t na = (size_t)sp->n_edges * sp->n_ops, j;
	float *a = malloc(na * sizeof *a), *b = malloc((size_t)sp->n_edges * sizeof *b);
	double costs[DCA_MAX_CONSTRAINTS], macs = 0;
	int draws, got = 0, rc = 0;
	dca_rng rng;

	if (!a || !b) {
		free(a);
		free(b);
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	}
	dca_rng_seed(&rng, (uint64_t)s->exp.seed * 7919u + 17u);
	for (draws = 0; got < want && draws < SAMPLE_DRAWS * want; draws++) {
		int *c = malloc((size_t)sp->n_edges * sizeof *c), added, ok;

		for (j = 0; j < na; j++)
			a[j] = alpha[j] + gumbel(&rng);
		for (j = 0; beta && j < (size_t)sp->n_edges; j++)
			b[j] = beta[j] + gumbel(&rng);
		if (!c) {
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			break;
		}
		sp->derive(a, beta ? b : NULL, c);
		if ((added = seen_add(S, c)) <= 0) {
			free(c);     /* not in the set: ours */
			if (added < 0) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
				break;
			}
			continue;
		}
		if ((ok = admissible(s, c, costs, &macs, err)) < 0) {
			rc = ok;
			break;
		}
		if (ok && cand_push(L, c, sp->n_edges, dcap_arch_loglik(sp, alpha, c),
				    costs, s->n_costs, macs)) {
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			break;
		}
		if (ok)
			L->c[L->n - 1].drawn = 1;
		got += ok;
	}
	free(a);
	free(b);
	return rc;
}

/* Up to k candidates in L in all, best-first from the derivation over
 * single moves; choices S holds are not visited again */
static int best_first_candidates(dca_search *s, const float *alpha, const float *beta,
				 int k, seen *S, cand_list *L, dca_error *err)
{
	const dca_space *sp = s->space;
	int E = sp->n_edges, rc = 0, pops = 0, i, n, start_added;
	heap h = { 0 };
	dcap_move *mv = NULL;
	double costs[DCA_MAX_CONSTRAINTS], macs = 0;
	int *start = malloc((size_t)E * sizeof *start), *own_start = NULL;

	if (!start)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	sp->derive(alpha, beta, start);
	if ((start_added = seen_add(S, start)) < 0) {
		free(start);
		goto nomem;
	}
	/* the set owns every choice added to it; start, when already there
	 * (drawn), stays ours to free, and is expanded but not a candidate
	 * twice */
	if (!start_added)
		own_start = start;
	if (heap_push(&h, (node){ dcap_arch_loglik(sp, alpha, start), start }))
		goto nomem;
	while (h.n > 0 && L->n < k && pops < BEST_FIRST_POPS * k) {
		node x = heap_pop(&h);
		int ok = x.choice == own_start ? 0 : admissible(s, x.choice, costs, &macs, err);

		pops++;
		if (ok < 0) {
			rc = ok;
			break;
		}
		if (ok && cand_push(L, x.choice, E, x.ll, costs, s->n_costs, macs))
			goto nomem;
		free(mv);
		if ((n = dcap_list_moves(sp, x.choice, &mv)) < 0)
			goto nomem;
		for (i = 0; i < n; i++) {
			int *c = malloc((size_t)E * sizeof *c), added = 0;

			if (!c)
				goto nomem;
			memcpy(c, x.choice, (size_t)E * sizeof *c);
			dcap_apply_move(c, &mv[i], NULL);
			if (!dcap_valid_choice(sp, c, NULL) || (added = seen_add(S, c)) <= 0) {
				free(c);     /* not in the set: ours */
				if (added < 0)
					goto nomem;
				continue;
			}
			if (heap_push(&h, (node){ dcap_arch_loglik(sp, alpha, c), c }))
				goto nomem;  /* c is the set's now, freed below */
		}
	}
	goto out;
nomem:
	rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
out:
	/* the heap holds choices the set owns, and own_start */
	free(own_start);
	free(h.v);
	free(mv);
	return rc;
}

int dcap_candidates(dca_search *s, const float *alpha, const float *beta, int k,
		    dcap_candidate **out, int *n_out, dca_error *err)
{
	cand_list L = { 0 };
	int rc;

	*out = NULL;
	*n_out = 0;
	if (dcap_space_size(s->space) <= DCAP_ENUMERATE_MAX)
		rc = enumerate_candidates(s, alpha, &L, err);
	else {
		seen S = { .E = s->space->n_edges };
		int kk = k < BEST_FIRST_MAX ? k : BEST_FIRST_MAX;

		rc = sampled_candidates(s, alpha, beta, kk / 2, &S, &L, err);
		if (!rc)
			rc = best_first_candidates(s, alpha, beta, kk, &S, &L, err);
		seen_free(&S);
	}
	if (rc) {
		dcap_candidates_free(L.c, L.n);
		return rc;
	}
	qsort(L.c, (size_t)L.n, sizeof *L.c, by_loglik);
	while (L.n > k)
		free(L.c[--L.n].choice);
	*out = L.c;
	*n_out = L.n;
	return 0;
}

/* ---- scores ---------------------------------------------------------- */

#define SCORE_BATCH 32      /* images the proxies see */
#define SCORE_WIDTH 8       /* channels of the scored networks, at most */

/* The shape candidates are scored at: the search's, at most SCORE_WIDTH
 * wide (NAS-Bench-201's 15,625 archs rank alike at C=8 and at C=16,
 * Spearman 0.99 for both proxies, for a fraction of the time) */
static dca_net_shape score_shape(const dca_search *s)
{
	dca_net_shape sh = s->proxy;

	if (sh.width > SCORE_WIDTH)
		sh.width = SCORE_WIDTH;
	return sh;
}

enum { VOTE_NASWOT, VOTE_SYNFLOW, VOTE_MACS, VOTE_LOGLIK, N_VOTES };

/* ranks[i] in [0, 1]: the share of the n values below v[i] (ties share) */
static void rank_values(const double *v, int n, double *ranks)
{
	int i, j;

	for (i = 0; i < n; i++) {
		double below = 0;
		for (j = 0; j < n; j++)
			below += v[j] < v[i] ? 1 : v[j] == v[i] ? 0.5 : 0;
		ranks[i] = n > 1 ? below / (n - 1) : 0.5;
	}
}

static double vote_value(const dcap_candidate *c, int vote)
{
	switch (vote) {
	case VOTE_NASWOT: return c->proxy[DCA_PROXY_NASWOT];
	case VOTE_SYNFLOW: return c->proxy[DCA_PROXY_SYNFLOW];
	case VOTE_MACS: return c->macs;
	default: return c->loglik;
	}
}

/* the proxies of candidate c, its network freshly initialised at the
 * search shape (a score out of range ranks last) */
static int score_proxies(dca_search *s, dcap_candidate *c, dca_graph *g,
			 const dca_tensor *x, dca_error *err)
{
	static const dca_proxy proxies[] = { DCA_PROXY_NASWOT, DCA_PROXY_SYNFLOW };
	const dca_space *sp = s->space;
	dca_arch *a = sp->arch_from_choices(c->choice, err);
	dca_net_shape sh = score_shape(s);
	dca_model *m = NULL;
	size_t p;
	int rc;

	if (!a)
		return DCA_ERR_INVALID;
	rc = dca_space_build_model(sp, a, &sh, (uint64_t)s->exp.seed, &m, err);
	sp->arch_free(a);
	if (rc)
		return rc;
	for (p = 0; p < sizeof proxies / sizeof *proxies; p++) {
		dca_error local = { 0 };
		if (dca_proxy_score(proxies[p], m, g, x, NULL, &c->proxy[proxies[p]], &local))
			c->proxy[proxies[p]] = -INFINITY;
	}
	dca_model_free(m);
	return 0;
}

int dcap_select_by_scores(dca_search *s, dcap_candidate *c, int n, int *best,
			  int *n_scored, dca_error *err)
{
	dca_loader loader;
	dca_graph *g = dca_graph_new(), *bg = dca_graph_new();
	dca_tensor *x = NULL;
	int *labels = NULL, i, v, rc = 0, loader_ok = 0;
	double *val = malloc((size_t)n * sizeof *val), *r = malloc((size_t)n * sizeof *r);
	double limit;

	*best = 0;
	*n_scored = 0;
	if (!g || !bg || !val || !r ||
	    dca_loader_init(&loader, &s->train, SCORE_BATCH, 1, &s->aug,
			    (uint64_t)s->exp.seed + 17)) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	loader_ok = 1;
	loader.augment = 0;       /* the images as they are, in a seeded order */
	dca_loader_epoch(&loader);
	if (dca_loader_next(&loader, bg, &x, &labels) <= 0) {
		rc = dca_error_set(err, DCA_ERR_INVALID, "no training images to score "
				   "candidates on");
		goto out;
	}
	/* most likely first, until the search's time limit; without one, for
	 * as long again as the search took (scoring all select_k candidates
	 * could take hours) */
	limit = s->exp.time_limit > 0 ? s->exp.time_limit : 2 * dca_search_elapsed(s);
	for (i = 0; i < n && !rc; i++) {
		if (i >= DCAP_SELECT_MIN_SCORED && dca_search_elapsed(s) >= limit)
			break;
		rc = score_proxies(s, &c[i], g, x, err);
	}
	if (rc)
		goto out;
	*n_scored = n = i;
	for (i = 0; i < n; i++)
		c[i].score = 0;
	for (v = 0; v < N_VOTES; v++) {
		for (i = 0; i < n; i++)
			val[i] = vote_value(&c[i], v);
		rank_values(val, n, r);
		for (i = 0; i < n; i++)
			c[i].score += r[i] / N_VOTES;
	}
	for (i = 1; i < n; i++)
		if (c[i].score > c[*best].score)
			*best = i;
out:
	if (loader_ok)
		dca_loader_free(&loader);
	dca_graph_free(g);
	dca_graph_free(bg);
	free(val);
	free(r);
	return rc;
}

/* ---- choosing the result -------------------------------------------- */

static char *choice_text(const dca_space *sp, const int *choice)
{
	dca_arch *a = sp->arch_from_choices(choice, NULL);
	char *t = a ? sp->arch_format(a) : NULL;

	if (a)
		sp->arch_free(a);
	return t;
}

static json_t *candidate_json(dca_search *s, const dcap_candidate *c, int rank,
			      int scored)
{
	char *text = choice_text(s->space, c->choice);
	json_t *j = json_pack("{s:s?, s:i, s:f, s:f}", "arch", text, "alpha_rank",
			      rank + 1, "loglik", c->loglik, "macs", c->macs);

	if (c->drawn)
		json_object_set_new(j, "drawn", json_true());

	if (scored) {
		json_object_set_new(j, "naswot", isfinite(c->proxy[DCA_PROXY_NASWOT])
				    ? json_real(c->proxy[DCA_PROXY_NASWOT]) : json_null());
		json_object_set_new(j, "synflow", isfinite(c->proxy[DCA_PROXY_SYNFLOW])
				    ? json_real(c->proxy[DCA_PROXY_SYNFLOW]) : json_null());
		json_object_set_new(j, "score", json_real(c->score));
	}
	free(text);
	return j;
}

/* params[e * n_ops + o]: the parameters op o on edge e adds to the deployed
 * network (candidate_net); new, or NULL with err set */
static double *edge_op_params(dca_search *s, dca_error *err)
{
	const dca_space *sp = s->space;
	double *t = calloc((size_t)sp->n_edges * sp->n_ops, sizeof *t);
	int e, o, rc = 0;
	size_t j;

	if (!t) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	for (e = 0; e < sp->n_edges && !rc; e++)
		for (o = 0; o < sp->n_ops && !rc; o++) {
			dca_net net;

			dca_net_init(&net);
			rc = sp->candidate_net(&s->final, e, o, &net, err);
			for (j = 0; !rc && j < net.n_ops; j++)
				t[e * sp->n_ops + o] += dca_op_params(&net.ops[j]);
			dca_net_free(&net);
		}
	if (rc) {
		free(t);
		return NULL;
	}
	return t;
}

/* the parameters of the ops on the kept edges: 0 for cells of skips,
 * pools and 'none' only */
static double cell_params(const dca_space *sp, const double *t, const int *choice)
{
	double p = 0;
	int e;

	for (e = 0; e < sp->n_edges; e++)
		if (choice[e] >= 0)
			p += t[e * sp->n_ops + choice[e]];
	return p;
}

/* When the choice c[*best] has parameter-free cells and some candidate
 * (among the first m) has a parameterised op, take the best of those:
 * highest score when scored, else most likely. Returns 1 when it steered. */
static int avoid_parameter_free(dca_search *s, dcap_candidate *c, int m, int scored,
				int *best, dca_error *err)
{
	double *t;
	int i, alt = -1;

	if (!(t = edge_op_params(s, err)))
		return -1;
	if (cell_params(s->space, t, c[*best].choice) <= 0)
		for (i = 0; i < m; i++)
			if (cell_params(s->space, t, c[i].choice) > 0 &&
			    (alt < 0 || (scored && c[i].score > c[alt].score)))
				alt = i;
	free(t);
	if (alt < 0)
		return 0;
	*best = alt;
	return 1;
}

/* the selection set aside what it would have chosen: why, in arch.json
 * (under key) and on the terminal */
static void steered(json_t *sel, FILE *f, const char *key, const char *why)
{
	json_object_set_new(sel, key, json_string(why));
	if (f)
		fprintf(f, "selection: %s\n", why);
}

int dcap_choose_from_alpha(dca_search *s, int *choice, json_t *report, dca_error *err)
{
	const dca_space *sp = s->space;
	int mode = dca_select_mode_from_name(s->exp.select), depends = 1, n = 0, best = 0;
	int n_scored = 0, scored;
	int k = s->exp.select_k, i, rc;
	double costs[DCA_MAX_CONSTRAINTS];
	dcap_candidate *c = NULL;
	json_t *sel;
	char *text;
	dca_arch *a;
	FILE *f = s->opts.progress;

	sp->derive(s->res_alpha, s->res_beta, choice);
	text = choice_text(sp, choice);
	json_object_set_new(report, "derived", json_string(text ? text : "?"));
	free(text);
	if ((a = sp->arch_from_choices(choice, err))) {
		rc = dca_search_assess(s, a, costs, &depends, err);
		sp->arch_free(a);
		if (rc)
			return rc;
	}
	if (mode == DCA_SELECT_REPAIR && depends)
		return 0;        /* derive, then repair in finish */
	if ((rc = dcap_candidates(s, s->res_alpha, s->res_beta, k, &c, &n, err)))
		return rc;
	sel = json_pack("{s:s, s:i}", "mode", s->exp.select, "candidates", n);
	if (n == 0) {
		/* nothing admissible near the derived arch (large spaces): repair */
		json_object_set_new(sel, "note", json_string("no architecture within "
			"every budget was found among the most likely ones; the "
			"derived architecture is repaired instead"));
		json_object_set_new(report, "selection", sel);
		dcap_candidates_free(c, n);   /* an empty list may still be allocated (k < 1) */
		return 0;
	}
	scored = mode == DCA_SELECT_PROXY && n > 1;   /* else: most likely first */
	if (scored) {
		double t0 = dca_search_elapsed(s);

		if (f)
			fprintf(f, "selection: scoring up to %d architectures within the "
				"budgets, most likely first (training-free proxies, "
				"capacity, α)\n", n);
		if ((rc = dcap_select_by_scores(s, c, n, &best, &n_scored, err))) {
			dcap_candidates_free(c, n);
			json_decref(sel);
			return rc;
		}
		json_object_set_new(sel, "seconds", json_real(dca_search_elapsed(s) - t0));
		json_object_set_new(sel, "scored", json_integer(n_scored));
		if (f)
			fprintf(f, "selection: scored %d in %.0f s; chose the one the "
				"search ranked %d by α\n", n_scored,
				dca_search_elapsed(s) - t0, best + 1);
		json_object_set_new(sel, "votes", json_pack("[s,s,s,s]", "naswot",
			"synflow", "macs", "loglik"));
		json_object_set_new(sel, "proxy_shape", json_pack("{s:i, s:i, s:i}",
			"width", score_shape(s).width, "cells", score_shape(s).cells,
			"batch", SCORE_BATCH));
	}
	rc = avoid_parameter_free(s, c, scored ? n_scored : n, scored, &best, err);
	if (rc < 0) {
		dcap_candidates_free(c, n);
		json_decref(sel);
		return rc;
	}
	if (rc)
		steered(sel, f, "steered_from_parameter_free", "the best candidate's cells "
			"hold no parameterised op (only skips, pools or 'none') while "
			"the budgets leave room for one: the best candidate with a "
			"convolution was taken");
	memcpy(choice, c[best].choice, (size_t)sp->n_edges * sizeof *choice);
	json_object_set_new(sel, "chosen", candidate_json(s, &c[best], best, scored));
	if (scored) {
		/* every candidate scored, most likely first: what the choice saw */
		json_t *all = json_array();
		for (i = 0; i < n_scored; i++)
			json_array_append_new(all, candidate_json(s, &c[i], i, 1));
		json_object_set_new(sel, "scores", all);
	}
	if (!depends)
		steered(sel, f, "steered_from_constant", "the derived architecture's "
			"output does not depend on its input (every path through the "
			"cell passes a 'none' edge): a constant network was set aside");
	json_object_set_new(report, "selection", sel);
	dcap_candidates_free(c, n);
	return 0;
}
