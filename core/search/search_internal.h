/* dcanas — what the search files of the core share (private).
 *
 * The search, file by file (each calls only those below it):
 *   run.c       open (plugins, shapes, cost models, data), run, close
 *   result.c    the optimizer's result to arch.json: choose, check, repair
 *   select.c    the selection stage: candidates within budget, scored
 *   repair.c    moves until every budget holds
 *   feasible.c  exact costs, whether they fit, feasibility at the start
 *   moves.c     architectures as choices, and the moves between them
 *   rundir.c    config.json, log.jsonl, checkpoints
 *   context.c   accessors for optimizer plugins, the clock
 * and estimate.c (cost models), supernet.c, proxy.c, network_fit.c. */
#ifndef DCANAS_SEARCH_INTERNAL_H
#define DCANAS_SEARCH_INTERNAL_H

#include <dcanas/plugin.h>
#include <dcanas/proxy.h>
#include <dcanas/search.h>

struct dca_search {
	dca_experiment exp;
	const dca_space *space;
	const dca_optimizer *opt;
	const dca_device *dev;          /* NULL when no budget needs one */
	dca_net_shape proxy, final;
	dca_dataset train, val;
	dca_augment aug;
	int n_costs;
	dca_cost_model costs[DCA_MAX_CONSTRAINTS];
	dca_search_opts opts;
	char run_dir[1024];
	int lock_fd;                    /* the run directory's lock, or -1 */
	double t0, elapsed_before;      /* elapsed = before + (now - t0) */
	/* the optimizer's result */
	float *res_alpha, *res_beta;
	dca_arch *res_arch;
	json_t *res_info;
};

/* moves.c: architectures in edge form (choice[e] = op kept on edge e, or
 * -1) and the moves between them: set edge e to op, and drop edge e2
 * (-1: none), which moves a kept edge to another input. */
typedef struct dcap_move {
	int e, op;
	int e2;
} dcap_move;
typedef struct dcap_undo {
	int e, op, e2, op2;
} dcap_undo;

#define DCAP_ENUMERATE_MAX 20000  /* spaces this small are enumerated */

/* Every move from choice; returns how many (caller frees *out), or -1
 * when out of memory. */
int dcap_list_moves(const dca_space *sp, const int *choice, dcap_move **out);
/* Apply mv to choice; u (may be NULL) receives what undoes it. */
void dcap_apply_move(int *choice, const dcap_move *mv, dcap_undo *u);
void dcap_undo_move(int *choice, const dcap_undo *u);
/* Whether choice is a valid arch of the space; *arch (may be NULL)
 * receives it, new. */
int dcap_valid_choice(const dca_space *sp, const int *choice, dca_arch **arch);
/* The next choice of a small space's enumeration (every edge kept, ops
 * counted like digits from all zeros); 0 after the last. */
int dcap_next_choice(int *choice, int E, int O);
/* n_ops ^ n_edges: how many choices the space's edge form has */
double dcap_space_size(const dca_space *sp);

/* feasible.c: dca_search_assess, and the deployed network's multiply-
 * accumulates (macs may be NULL) from the same build */
int dcap_search_assess_net(dca_search *s, const dca_arch *arch, double *costs,
			   int *depends, double *macs, dca_error *err);

/* select.c: the selection stage */
#define DCAP_SELECT_TIME_SHARE 0.25  /* of a time limit, kept for selection */
#define DCAP_SELECT_MIN_SCORED 8     /* candidates scored even past the limit */
typedef struct dcap_candidate {
	int *choice;                        /* n_edges, owned */
	double loglik;                      /* Σ log softmax(α_e)[op], kept edges */
	double costs[DCA_MAX_CONSTRAINTS];  /* exact, one per budget */
	double macs;                        /* the deployed network's */
	double proxy[DCA_PROXY_COUNT];      /* scores of the proxies computed */
	double score;                       /* selection score, higher is better */
	int drawn;                          /* drawn from α's distribution */
} dcap_candidate;

double dcap_arch_loglik(const dca_space *sp, const float *alpha, const int *choice);
/* The (at most) k most α-likely archs that meet every budget and are not
 * constant networks, most likely first (*out new; free with
 * dcap_candidates_free). */
int dcap_candidates(dca_search *s, const float *alpha, const float *beta, int k,
		    dcap_candidate **out, int *n_out, dca_error *err);
void dcap_candidates_free(dcap_candidate *c, int n);
/* Score the candidates, most likely first, until the search's time limit,
 * or without one for as long again as the search took (at least
 * DCAP_SELECT_MIN_SCORED): *n_scored of them; *best = the index
 * of the highest score among those (see select.c). */
int dcap_select_by_scores(dca_search *s, dcap_candidate *c, int n, int *best,
			  int *n_scored, dca_error *err);

/* From the optimizer's α to choice, by the experiment's selection mode;
 * records "derived" (the argmax derivation) and "selection" in report.
 * choice may still break a budget (mode "repair", or no candidate found):
 * the caller repairs it. */
int dcap_choose_from_alpha(dca_search *s, int *choice, json_t *report, dca_error *err);

/* result.c: from the optimizer's result to arch.json */
int dcap_search_finish(dca_search *s, dca_error *err);
/* repair.c: moves applied to choice (costs: its exact costs, updated)
 * until every budget holds; each step appended to log */
int dcap_repair(dca_search *s, int *choice, double *costs, json_t *log,
		dca_error *err);
/* rundir.c: create the run directory (empty, or the run to resume) and
 * write config.json */
int dcap_open_run_dir(dca_search *s, dca_error *err);
/* feasible.c: each budget priced on one arch (fails naming the budget when it cannot
 * be: a device with nothing for this space), then the smallest cost of
 * each budget any arch can have; fails naming the budget when it is below
 * that. */
int dcap_search_check_feasible(dca_search *s, dca_error *err);

#endif
