/* dcanas — device plugins: a target's latency and energy model.
 *
 * A device supplies data: the cost of one op (for estimates and sums), and
 * whole-network tables (one value per architecture of a search space, such
 * as HW-NAS-Bench's NAS-Bench-201 latencies) with exact lookups in them. It
 * never parses architectures or fits models: the core encodes a table's
 * archs with the space's own parser and fits the additive model search
 * needs (network_fit.h). Metrics are named ("latency", "energy", or any name
 * a table carries, such as "latency_p99"); a constraint names the one it
 * asks for (dca_constraint.device_metric).
 *
 * Registered with dca_registry_add_device(), which copies the struct into
 * one the registry owns: lookups return that copy, and callbacks are called
 * with it (its state is the module's). The registry calls release() (when
 * set) from dca_registry_free() with the pointer the module handed over, so
 * a module that allocates devices hands their ownership to the registry.
 * Fill it with designated initialisers after DCA_DEVICE_INIT.
 *
 * Callbacks: name and at least one of op_cost, net_cost and the pair
 * network_tables + network_value are required, and that pair comes together
 * (checked at registration: without them the device cannot price anything;
 * a table without its lookup, or the reverse, is half a device). The core
 * asks a device through dca_device_cost: the network table for (space,
 * metric) first, then net_cost, then the sum of op_cost; a search's
 * differentiable estimate is the core's fit of a network table when there
 * is one for the constraint's metric, else op_cost over the space's
 * candidates. Every other callback may be NULL.
 *
 * Plugin ABI 1.0 devices had arch_cost and edge_model in slots 5 and 6; the
 * core no longer calls them (it fits tables itself), and they stay in place
 * with their 1.0 types as arch_cost_1_0 and edge_model_1_0 so the 1.0
 * layout is a prefix. The callbacks that replaced them come after
 * struct_size: a 1.0 device is read as having no network tables. */
#ifndef DCANAS_DEVICE_H
#define DCANAS_DEVICE_H

#include <stdint.h>

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
	/* ABI 1.0's whole-arch lookup and per-edge model, kept with their 1.0
	 * types so that what follows keeps its 1.0 offset. The core never calls
	 * them; leave them NULL. (A device may still set them for a constraint
	 * module built against 1.0, which calls dev->arch_cost itself.) */
	int (*arch_cost_1_0)(const dca_device *dev, dca_metric metric,
			     const dca_space *space, const dca_arch *arch,
			     double *out, dca_error *err);
	int (*edge_model_1_0)(const dca_device *dev, dca_metric metric,
			      const dca_space *space, double *table, double *bias,
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

	/* --- plugin ABI 1.1: the struct's size, the fields added since 1.0,
	 * and room to grow (see dca_space.struct_size; the fields above are
	 * the 1.0 layout). A module whose struct ends before a field (a 1.0
	 * module: before struct_size) is read with that field zero. --- */
	uint32_t struct_size;    /* sizeof(dca_device) where the module was built */

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
	void *reserved[8];       /* zero; later fields take these slots */
};

/* The first designated initialiser of every dca_device. */
#define DCA_DEVICE_INIT .struct_size = sizeof(dca_device)

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
