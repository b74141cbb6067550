/* dcanas — device plugins: a target's latency and energy model.
 *
 * A device supplies data: the cost of one op (for estimates and sums), and
 * whole-network tables (one value per architecture of a search space, such
 * as HW-NAS-Bench's NAS-Bench-201 latencies) with exact lookups in them. It
 * never parses architectures or fits models: the core encodes a table's
 * archs with the space's own parser and fits the additive model search
 * needs (network_fit.h). Metrics are named ("latency", "energy", or any name
 * a table carries, such as "latency_p99"); a constraint names the one it
 * asks for (dca_constraint.device_metric). Any callback may be NULL when the
 * device cannot answer it. Registered with
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

/* A whole-network table: the measured value of each architecture of one
 * space for one metric. Filled and owned by the device; valid until the
 * device is released. */
typedef struct dca_network_table {
	const char *space;        /* the space's registered name, e.g. "nb201" */
	const char *metric;       /* "latency", "energy", or another name */
	const char *unit;         /* of values: "ms" for latency, "mJ" for energy */
	const char *dataset;      /* what the measured networks were built for; NULL: not given */
	int input[3];             /* their input C, H, W; 0: not given */
	int classes, width, cells;/* their classes, width C and cells N; 0: not given */
	const char *note;         /* free text; NULL when none */
	const char *source;       /* the file (or module) the table comes from */
	size_t n;                 /* number of archs, >= 1 */
	const char *const *archs; /* n archs, each in the space's text format */
	const double *values;     /* n values in unit, finite and >= 0 */
} dca_network_table;

struct dca_device {
	const char *name;
	const char *summary;
	const char *source;        /* profile file or module that defines it */
	void *state;

	/* Cost of one op; DCA_ERR_UNSUPPORTED if the device has no model for it. */
	int (*op_cost)(const dca_device *dev, dca_metric metric,
		       const dca_op_desc *op, double *out, dca_error *err);
	/* Every whole-network table the device holds: *tables points to *n
	 * tables (none: *n = 0), borrowed as dca_network_table says. */
	int (*network_tables)(const dca_device *dev,
			      const dca_network_table **tables, size_t *n,
			      dca_error *err);
	/* The exact value of one arch in the table for (space, metric), keyed
	 * by the arch string in the space's format (what its arch_format
	 * prints). DCA_ERR_UNSUPPORTED when there is no such table,
	 * DCA_ERR_NOTFOUND when the arch is not in it. */
	int (*network_value)(const dca_device *dev, const char *space,
			     const char *metric, const char *arch, double *out,
			     dca_error *err);
	/* Cost of a whole concrete network when the device models more than
	 * the sum of its ops (the host device adds a measured per-network
	 * overhead); NULL: the sum of op_cost. */
	int (*net_cost)(const dca_device *dev, dca_metric metric,
			const dca_net *net, double *out, dca_error *err);
	/* Print what only the device knows (provenance, per-op tables) to f;
	 * the core prints its network tables and their fits
	 * (dca_network_tables_describe, network_fit.h). */
	void (*describe)(const dca_device *dev, void *file);
	/* Free dev and its state; NULL for static devices. */
	void (*release)(const dca_device *dev);
	/* 1 when the device is this machine: a network can be run here and
	 * its latency measured end to end (dcanas cost prints both). */
	int runs_here;
};

const char *dca_metric_name(dca_metric m);
const char *dca_metric_unit(dca_metric m);
/* The per-op metric called name ("latency", "energy"); DCA_ERR_NOTFOUND for
 * any other name (such metrics exist only as network tables). */
int dca_metric_from_name(const char *name, dca_metric *out);

/* The device's network table for (space, metric), borrowed from the device;
 * DCA_ERR_UNSUPPORTED, naming the tables it has, when there is none. */
int dca_device_network_table(const dca_device *dev, const char *space,
			     const char *metric, const dca_network_table **out,
			     dca_error *err);
/* The exact value of arch in the device's table for (space, metric), looked
 * up by the space's formatted arch string; codes as network_value. */
int dca_device_network_value(const dca_device *dev, const char *metric,
			     const dca_space *space, const dca_arch *arch,
			     double *out, dca_error *err);
/* The exact cost on dev of the network net built from arch, for the named
 * metric: the network table's value where the device has a table for
 * (space, metric); else, for latency and energy, the device's net_cost or
 * the sum of its op costs. A metric the device can answer neither way is
 * DCA_ERR_UNSUPPORTED with a message naming it and the tables it has.
 * space and arch may be NULL (no table lookup); dev NULL is an error. */
int dca_device_cost(const dca_device *dev, const char *metric,
		    const dca_space *space, const dca_arch *arch,
		    const dca_net *net, double *out, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
