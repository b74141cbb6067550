/* dcanas — what an optimizer plugin reads from its search (search.h's
 * accessors) and the search's clock. */
#include "config.h"

#include <stdio.h>

#include <dcanas/comm.h>
#include <dcanas/search.h>
#include <dcanas/train.h>

#include "search_internal.h"

const dca_experiment *dca_search_experiment(const dca_search *s) { return &s->exp; }
const dca_space *dca_search_space(const dca_search *s) { return s->space; }
const dca_net_shape *dca_search_proxy_shape(const dca_search *s) { return &s->proxy; }
const dca_net_shape *dca_search_final_shape(const dca_search *s) { return &s->final; }
const dca_dataset *dca_search_train_set(const dca_search *s) { return &s->train; }
const dca_dataset *dca_search_val_set(const dca_search *s) { return &s->val; }
const dca_augment *dca_search_augment(const dca_search *s) { return &s->aug; }
int dca_search_n_costs(const dca_search *s) { return s->n_costs; }
dca_cost_model *dca_search_cost(dca_search *s, int i) { return &s->costs[i]; }
FILE *dca_search_progress(const dca_search *s) { return s->opts.progress; }
int dca_search_stop_after(const dca_search *s) { return s->opts.stop_after; }

double dca_search_deadline(const dca_search *s)
{
	double share = dca_select_mode_from_name(s->exp.select) == DCA_SELECT_PROXY
		       ? DCAP_SELECT_TIME_SHARE : 0;

	return s->exp.time_limit > 0 ? s->exp.time_limit * (1 - share) : 0;
}

double dca_search_elapsed(const dca_search *s)
{
	return s->elapsed_before + (dca_seconds() - s->t0);
}

double dca_search_elapsed_agreed(const dca_search *s)
{
	double t = dca_search_elapsed(s);

	dca_comm_bcast(&t, sizeof t);
	return t;
}
