/* dcanas — what the search files of the core share (private). */
#ifndef DCANAS_SEARCH_INTERNAL_H
#define DCANAS_SEARCH_INTERNAL_H

#include <dcanas/plugin.h>
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
	double t0, elapsed_before;      /* elapsed = before + (now - t0) */
	/* the optimizer's result */
	float *res_alpha, *res_beta;
	dca_arch *res_arch;
	json_t *res_info;
};

/* derive.c: from the optimizer's result to arch.json */
int dcap_search_finish(dca_search *s, dca_error *err);
/* The smallest cost of each budget any arch can have; fails naming the
 * budget when it is below that. */
int dcap_search_check_feasible(dca_search *s, dca_error *err);

#endif
