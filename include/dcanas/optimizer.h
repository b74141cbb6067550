/* dcanas — optimizer plugins: search strategies.
 *
 * An optimizer owns a search's loop (which steps to take, in what order,
 * when to stop); the core (search.h) owns everything around it: the resolved
 * experiment, data, cost models, run directory, derivation, the exact check
 * of every budget and repair. Registered with dca_registry_add_optimizer(),
 * which copies the struct into one the registry owns (lookups return that
 * copy; its strings stay borrowed). Fill it with designated initialisers
 * after DCA_OPTIMIZER_INIT.
 *
 * Callbacks: name and run are required (checked at registration).
 *
 * The ABI contract beyond this struct. An optimizer does more than fill a
 * struct for the core: it allocates engine structs itself, usually on its
 * stack, and reads others the core hands it: dca_sgd and dca_adam (optim.h),
 * dca_loader, dca_dataset and dca_augment (data.h), dca_supernet and
 * dca_cost_model (search.h), dca_experiment (experiment.h, through
 * dca_search_experiment), dca_model (model.h), dca_tensor and dca_graph
 * (tensor.h), dca_net_shape (space.h). These carry no size field: their
 * layout is fixed for a plugin ABI major. A change to any of them that moves
 * or removes a field bumps DCA_ABI_MAJOR (old modules are then refused, with
 * both versions named); fields are never added to them within a major,
 * except at the end of dca_experiment, which only the core allocates and
 * modules only read through the pointer dca_search_experiment returns (1.1
 * added select, select_k and resolved there). The same holds for the structs every
 * kind of module shares: dca_op_desc, dca_net (net.h) and dca_error
 * (error.h). */
#ifndef DCANAS_OPTIMIZER_H
#define DCANAS_OPTIMIZER_H

#include <stdint.h>

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

	/* --- plugin ABI 1.1: the struct's size, and room to grow (see
	 * dca_space.struct_size; the fields above are the 1.0 layout) --- */
	uint32_t struct_size;    /* sizeof(dca_optimizer) where the module was built */
	void *reserved[8];       /* zero; later fields take these slots */
} dca_optimizer;

/* The first designated initialiser of every dca_optimizer. */
#define DCA_OPTIMIZER_INIT .struct_size = sizeof(dca_optimizer)

#ifdef __cplusplus
}
#endif
#endif
