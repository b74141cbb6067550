/* dcanas — constraint plugins: a cost and its unit.
 *
 * A constraint turns a concrete network (and, where the cost is device
 * specific, a device) into one number. Registered with
 * dca_registry_add_constraint(), which copies the struct into one the
 * registry owns (lookups return that copy; its strings stay borrowed). Fill
 * it with designated initialisers after DCA_CONSTRAINT_INIT.
 *
 * Callbacks: name and exact are required (checked at registration; every
 * command that prices an architecture calls exact). op_cost is optional: a
 * search can then use the constraint in its differentiable estimate;
 * without it the budget is checked exactly on the derived network only. */
#ifndef DCANAS_CONSTRAINT_H
#define DCANAS_CONSTRAINT_H

#include <stdint.h>

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

	/* --- plugin ABI 1.1: the struct's size, the fields added since 1.0,
	 * and room to grow (see dca_space.struct_size; the fields above are
	 * the 1.0 layout). A module whose struct ends before a field is read
	 * with that field zero, except as device_metric says. --- */
	uint32_t struct_size;    /* sizeof(dca_constraint) where the module was built */
	/* The device metric this cost is ("latency", "energy", "latency_p99"):
	 * the core asks the device for that metric's network table, by name,
	 * to fit the search's estimate, and never guesses it from the unit. A
	 * device without that table gives no table estimate: the op costs do,
	 * or, without op_cost, budget set-up fails naming the metric. NULL: the
	 * constraint uses no network table. A 1.0 module has no such field:
	 * the registry reads a 1.0 constraint that needs a device and is
	 * called "latency" (in seconds) or "energy" (in joules) as naming that
	 * metric, the table the 1.0 core gave it, and any other as NULL (its
	 * op_cost, if any, gives the search's estimate). */
	const char *device_metric;
	void *reserved[8];       /* zero; later fields take these slots */
} dca_constraint;

/* The first designated initialiser of every dca_constraint. */
#define DCA_CONSTRAINT_INIT .struct_size = sizeof(dca_constraint)

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
