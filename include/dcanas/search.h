/* dcanas — searching: supernets, the differentiable cost estimate, the
 * search context an optimizer plugin runs in. The optimizer ABI itself is
 * in optimizer.h (included here for modules written against 1.0).
 *
 * Who owns what:
 *   - a space builds its supernet (dca_space.build_supernet) and knows its
 *     derivation rule (derive, estimate);
 *   - the core (core/search/) loads the data, builds the cost estimates
 *     Ĉ_c(α) of every budget from the space's candidate descriptors and the
 *     constraint/device models, writes the run directory, derives, checks
 *     every budget exactly and repairs;
 *   - an optimizer plugin (plugins/optimizers/) owns the loop: which steps
 *     to take, in what order, and when to stop. */
#ifndef DCANAS_SEARCH_H
#define DCANAS_SEARCH_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <dcanas/data.h>
#include <dcanas/error.h>
#include <dcanas/experiment.h>
#include <dcanas/model.h>
#include <dcanas/optimizer.h>
#include <dcanas/space.h>
#include <dcanas/weights.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Supernets (built by spaces)                                         */

/* One weight-sharing network over every candidate op of every edge.
 * alpha holds the op logits (n = n_edges rows, c = n_ops columns; 'none' is
 * op 0), beta one edge-normalisation logit per edge (1 x n_edges; the space
 * normalises them over the edges that enter the same node). model->params
 * are the network weights w only; model->forward reads alpha and beta. */
typedef struct dca_supernet {
	dca_model *model;
	dca_tensor *alpha;
	dca_tensor *beta;
	int n_edges, n_ops;
	int bottleneck_k;
} dca_supernet;

/* Make alpha and beta (1e-3 * N(0,1), drawn from the model's init stream)
 * for a space of n_edges x n_ops; used by spaces' build_supernet. */
dca_supernet *dca_supernet_new(dca_model *model, int n_edges, int n_ops, int k);
void dca_supernet_free(dca_supernet *s);

/* The mixed edge with a channel bottleneck (partial-channel DARTS): the first
 * C/k channels of x go through every candidate (op(ctx, i, xa) for i in
 * 1..n_ops-1; op 0, 'none', is never called: it adds nothing; NULL from op
 * is a failure and makes the edge return NULL), weighted by w (1 x
 * (n_ops-1): the weights of the non-'none' ops, usually their entries of
 * the softmax over all n_ops); the rest bypass (max-pooled 2x2 when the
 * edge has stride 2); the two are concatenated and channel-shuffled with k
 * groups, so that every channel meets the candidates over a few cells. k = 1
 * sends every channel through the candidates. At most 33 ops. */
typedef dca_tensor *(*dca_candidate_fn)(void *ctx, int op, dca_graph *g, dca_tensor *xa);
dca_tensor *dca_mixed_edge(dca_graph *g, dca_tensor *x, int k, int stride,
			   int n_ops, dca_tensor *w, dca_candidate_fn op, void *ctx);

/* ------------------------------------------------------------------ */
/* The differentiable cost estimate of one budget                      */

/* cost(derived arch) ~= fixed + sum over kept edges e of table[e][op(e)],
 * exact for additive costs (params, MACs, per-op latency sums). */
typedef struct dca_cost_model {
	const dca_budget *budget;    /* borrowed from the experiment */
	int additive;                /* 0: no estimate (checked exactly only) */
	const char *source;          /* "descriptors" or "device edge model" */
	double fixed;
	double *table;               /* n_edges * n_ops, owned */
	double lambda;               /* Lagrange multiplier, >= 0 */
	double estimate;             /* last Ĉ */
	double derived;              /* last model cost of the derived arch */
} dca_cost_model;

/* The model of budget b for the network deployed at final_shape: from the
 * device's fitted edge model (a whole-network table), else from the
 * constraint's per-op costs of the space's candidate descriptors; a
 * non-additive constraint (peak_memory) gets additive = 0. dev may be NULL
 * when the constraint needs none. On failure cm holds nothing (its table is
 * freed; dca_cost_model_free on it is harmless). */
int dca_cost_model_init(dca_cost_model *cm, const dca_space *space,
			const dca_net_shape *final_shape, const dca_device *dev,
			const dca_budget *b, dca_error *err);
void dca_cost_model_free(dca_cost_model *cm);

/* Ĉ of the budget at (alpha, beta) through the space's derivation rule;
 * when grad is given, adds scale * dĈ/dα into it. */
double dca_cost_estimate(const dca_space *space, const dca_cost_model *cm,
			 const float *alpha, const float *beta, float scale,
			 float *grad);
/* The model's cost of the arch the derivation rule gives at (alpha, beta):
 * fixed + Σ_e table[e][op(e)], the violation λ follows. */
double dca_cost_derived(const dca_space *space, const dca_cost_model *cm,
			const float *alpha, const float *beta);
/* softmax of n logits a into p (double precision) */
void dca_softmax_logits(const float *a, int n, double *p);
/* Projected dual ascent: λ ← max(0, λ + η (Ĉ − B) / B). Returns the new λ. */
double dca_lambda_update(double lambda, double estimate, double budget, double eta);

/* ------------------------------------------------------------------ */
/* The search context                                                  */

typedef struct dca_search dca_search;
struct dca_registry;

typedef struct dca_search_opts {
	const char *run_dir;       /* created; must be empty unless resuming */
	int resume;                /* continue the run in run_dir */
	FILE *progress;            /* terminal progress (NULL: none) */
	int stop_after;            /* > 0: stop after this many epochs, as an
				    * interruption would (tests) */
	int threads;
} dca_search_opts;

/* Everything a search needs: the space, optimizer, device and constraints
 * the experiment's parse resolved (exp must come from dca_experiment_load
 * or _parse given a registry; it is copied, and the plugins it points to
 * are borrowed from that registry, which must outlive the search), budgets
 * with their estimates, data split into train and validation, the deployed
 * network's input and classes from the data (checked against space.input
 * and space.classes when given). On a budget that no architecture can
 * meet, fails with the smallest achievable cost stated. reg is not read
 * (nothing is looked up by name again); it may be NULL. */
int dca_search_open(dca_search **out, const dca_experiment *exp,
		    struct dca_registry *reg, const dca_search_opts *opts,
		    dca_error *err);
void dca_search_close(dca_search *s);

/* The checks dca_search_open makes that need no data, for an experiment
 * whose data is not read (`dcanas check-config`): its plugins resolved,
 * the space searchable, a cost model for each budget (a device with no
 * table and no per-op costs for the space fails here), and every budget
 * within reach of some architecture (the smallest cost stated when not).
 * At the deployed shape the experiment gives: input and classes as
 * space.input/space.classes say, else as the dataset kind's images are,
 * else the space's defaults; a search takes them from the data it reads
 * and checks again. */
int dca_search_check(const dca_experiment *exp, dca_error *err);

/* Run the experiment's optimizer, then derive, check, repair and write
 * arch.json. */
int dca_search_run(dca_search *s, dca_error *err);

/* Accessors for optimizer plugins. */
const dca_experiment *dca_search_experiment(const dca_search *s);
const dca_space *dca_search_space(const dca_search *s);
const dca_net_shape *dca_search_proxy_shape(const dca_search *s);  /* supernet */
const dca_net_shape *dca_search_final_shape(const dca_search *s);  /* deployed */
const dca_dataset *dca_search_train_set(const dca_search *s);
const dca_dataset *dca_search_val_set(const dca_search *s);
const dca_augment *dca_search_augment(const dca_search *s);
int dca_search_n_costs(const dca_search *s);
dca_cost_model *dca_search_cost(dca_search *s, int i);
FILE *dca_search_progress(const dca_search *s);
int dca_search_stop_after(const dca_search *s);
double dca_search_elapsed(const dca_search *s); /* seconds, across resumes */
/* Rank 0's elapsed time on every rank (comm.h; collective): what a loop
 * spread over ranks decides its time limit on, so all decide alike. */
double dca_search_elapsed_agreed(const dca_search *s);
/* The elapsed time at which an optimizer should end its loop: the time
 * limit less the share the selection stage keeps for itself (25% with
 * select "proxy"); 0 when there is no time limit. */
double dca_search_deadline(const dca_search *s);

/* Exact costs of arch on the deployed network, one per budget (out[n_costs]). */
int dca_search_exact_costs(dca_search *s, const dca_arch *arch, double *out,
			   dca_error *err);
/* The same, and whether the network's output depends on its input
 * (*depends = 0: a constant network, e.g. a cell of 'none' edges; a
 * search never returns one), from one build of the deployed network.
 * depends may be NULL. */
int dca_search_assess(dca_search *s, const dca_arch *arch, double *out,
		      int *depends, dca_error *err);
/* Whether arch meets every budget (costs from dca_search_exact_costs). */
int dca_search_fits(const dca_search *s, const double *costs);

/* Run directory helpers: a new malloc'ed path inside it; append one line
 * to log.jsonl (adds "time" = elapsed seconds). */
char *dca_search_path(const dca_search *s, const char *file);
int dca_search_log(dca_search *s, json_t *line, dca_error *err);
/* Checkpoints: named arrays plus a JSON object of scalars (epoch, λ, ...).
 * The elapsed time is stored and restored by the core. load returns 1 when
 * a checkpoint was read, 0 when there is none. */
int dca_search_checkpoint_save(dca_search *s, const dca_named_array *arrays,
			       int count, json_t *state, dca_error *err);
int dca_search_checkpoint_load(dca_search *s, dca_weights_file *f,
			       json_t **state, dca_error *err);

/* What an optimizer hands back: the architecture logits to derive from
 * (gradient methods), or an architecture (sampling methods). */
int dca_search_set_result_alpha(dca_search *s, const float *alpha,
				const float *beta, dca_error *err);
int dca_search_set_result_arch(dca_search *s, const dca_arch *arch,
			       dca_error *err);
/* Extra fields the optimizer wants in arch.json (borrowed reference). */
void dca_search_set_result_info(dca_search *s, json_t *info);

#ifdef __cplusplus
}
#endif
#endif
