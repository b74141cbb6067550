/* dcanas — constraint plugins: a cost and its unit.
 *
 * A constraint turns a concrete network (and, where the cost is device
 * specific, a device) into one number. Registered with
 * dca_registry_add_constraint(); the registry borrows the struct. */
#ifndef DCANAS_CONSTRAINT_H
#define DCANAS_CONSTRAINT_H

#include <dcanas/device.h>
#include <dcanas/error.h>
#include <dcanas/net.h>
#include <dcanas/space.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dca_unit {
	DCA_UNIT_COUNT = 0,  /* params, MACs: plain numbers, K/M/G suffixes */
	DCA_UNIT_BYTES,      /* memory: B, KB, KiB, MB, MiB, GB, GiB */
	DCA_UNIT_SECONDS,    /* latency: us, ms, s (stored in ms) */
	DCA_UNIT_JOULES      /* energy: uJ, mJ, J (stored in mJ) */
} dca_unit;

typedef struct dca_constraint {
	const char *name;
	const char *summary;
	dca_unit unit;
	int needs_device;
	/* Exact cost of the network built from arch. `space` and `arch` are
	 * given so a device with a whole-network table can answer exactly;
	 * dev is NULL unless needs_device. */
	int (*exact)(const dca_net *net, const dca_space *space,
		     const dca_arch *arch, const dca_device *dev,
		     double *out, dca_error *err);
	/* Cost of one op (for additive estimates); NULL where not additive. */
	int (*op_cost)(const dca_op_desc *op, const dca_device *dev,
		       double *out, dca_error *err);
	/* The device metric this cost is ("latency", "energy", "latency_p99"):
	 * the core asks the device for that metric's network table, by name,
	 * to fit the search's estimate, and never guesses it from the unit. A
	 * device without that table gives no table estimate: the op costs do,
	 * or, without op_cost, budget set-up fails naming the metric. NULL: the
	 * constraint uses no network table. */
	const char *device_metric;
} dca_constraint;

/* Parse a budget such as "3.5M", "600M", "20ms", "256KiB", "1.5MB" in the
 * given unit, into the canonical unit (count, bytes, ms, mJ). */
int dca_unit_parse(dca_unit unit, const char *text, double *out, dca_error *err);
/* Format a value in its unit for humans ("3.35M", "20.0 ms"); buf >= 32. */
const char *dca_unit_format(dca_unit unit, double v, char *buf, size_t len);
const char *dca_unit_name(dca_unit unit);

#ifdef __cplusplus
}
#endif
#endif
