/* dcanas — optimizer plugins: search strategies.
 *
 * An optimizer owns a search's loop (which steps to take, in what order,
 * when to stop); the core (search.h) owns everything around it: the resolved
 * experiment, data, cost models, run directory, derivation, the exact check
 * of every budget and repair. Registered with dca_registry_add_optimizer();
 * the registry borrows the struct for its lifetime. */
#ifndef DCANAS_OPTIMIZER_H
#define DCANAS_OPTIMIZER_H

#include <dcanas/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dca_search;   /* search.h: the context a search runs in */

typedef struct dca_optimizer {
	const char *name;
	const char *summary;
	/* Run the search in s; hand the result over with
	 * dca_search_set_result_alpha/arch. Return 0 or a negative code with
	 * err set. */
	int (*run)(struct dca_search *s, dca_error *err);
} dca_optimizer;

#ifdef __cplusplus
}
#endif
#endif
