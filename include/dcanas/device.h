/* dcanas — device plugins: a target's latency and energy model.
 *
 * A device answers per-op questions (for estimates and sums) and, where it
 * holds a whole-network table, exact per-architecture questions. Any callback
 * may be NULL when the device cannot answer it. Registered with
 * dca_registry_add_device(); the registry borrows the struct (and its state)
 * for its lifetime, and calls release() (when set) from dca_registry_free(),
 * so a module that allocates devices hands their ownership to the registry. */
#ifndef DCANAS_DEVICE_H
#define DCANAS_DEVICE_H

#include <dcanas/error.h>
#include <dcanas/net.h>
#include <dcanas/space.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dca_metric {
	DCA_METRIC_LATENCY = 0,   /* milliseconds */
	DCA_METRIC_ENERGY,        /* millijoules */
	DCA_METRIC_COUNT
} dca_metric;

typedef struct dca_device dca_device;

struct dca_device {
	const char *name;
	const char *summary;
	const char *source;        /* profile file or module that defines it */
	void *state;

	/* Cost of one op; DCA_ERR_UNSUPPORTED if the device has no model for it. */
	int (*op_cost)(const dca_device *dev, dca_metric metric,
		       const dca_op_desc *op, double *out, dca_error *err);
	/* Exact cost of a whole architecture from a network table; returns
	 * DCA_ERR_UNSUPPORTED when it has no table for (space, metric). */
	int (*arch_cost)(const dca_device *dev, dca_metric metric,
			 const dca_space *space, const dca_arch *arch,
			 double *out, dca_error *err);
	/* Differentiable-search estimate: additive per-edge-per-op model.
	 * Fills table[n_edges * n_ops] and *bias so that
	 * cost(arch) ~= bias + sum_e table[e*n_ops + choice[e]]. */
	int (*edge_model)(const dca_device *dev, dca_metric metric,
			  const dca_space *space, double *table, double *bias,
			  dca_error *err);
	/* Cost of a whole concrete network when the device models more than
	 * the sum of its ops (the host device adds a measured per-network
	 * overhead); NULL: the sum of op_cost. */
	int (*net_cost)(const dca_device *dev, dca_metric metric,
			const dca_net *net, double *out, dca_error *err);
	/* Print a human description (fit quality, tables) to f. */
	void (*describe)(const dca_device *dev, void *file);
	/* Free dev and its state; NULL for static devices. */
	void (*release)(const dca_device *dev);
	/* 1 when the device is this machine: a network can be run here and
	 * its latency measured end to end (dcanas cost prints both). */
	int runs_here;
};

const char *dca_metric_name(dca_metric m);
const char *dca_metric_unit(dca_metric m);

#ifdef __cplusplus
}
#endif
#endif
