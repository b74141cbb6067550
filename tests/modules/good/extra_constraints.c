/* Two constraints a third party might add, in a folder of their own so a
 * test can put just them on DCANAS_PLUGIN_PATH (tests/modules/ holds the
 * broken modules):
 *   "conv_count": how many convolutions the network runs (a count);
 *   "latency_p99": a tail latency, 1.25 x the device's latency (needs a
 *     device; in ms). No device metric of its own: the core never hands it
 *     the latency table, it asks the device itself. */
#include "config.h"
#include <dcanas/plugin.h>

static int conv_exact(const dca_net *net, const dca_space *space, const dca_arch *arch,
		      const dca_device *dev, double *out, dca_error *err)
{
	size_t i;

	(void)space;
	(void)arch;
	(void)dev;
	(void)err;
	*out = 0;
	for (i = 0; i < net->n_ops; i++)
		*out += net->ops[i].kind == DCA_OP_CONV;
	return 0;
}

static int conv_op(const dca_op_desc *op, const dca_device *dev, double *out,
		   dca_error *err)
{
	(void)dev;
	(void)err;
	*out = op->kind == DCA_OP_CONV;
	return 0;
}

static int p99_exact(const dca_net *net, const dca_space *space, const dca_arch *arch,
		     const dca_device *dev, double *out, dca_error *err)
{
	double ms;
	int rc = dca_device_cost(dev, "latency", space, arch, net, &ms, err);

	if (!rc)
		*out = 1.25 * ms;
	return rc;
}

static const dca_constraint conv_count = {
	DCA_CONSTRAINT_INIT, .name = "conv_count", .summary = "convolutions run",
	.unit = DCA_UNIT_COUNT, .exact = conv_exact, .op_cost = conv_op,
};

static const dca_constraint latency_p99 = {
	DCA_CONSTRAINT_INIT, .name = "latency_p99",
	.summary = "tail latency: 1.25 x the device's latency",
	.unit = DCA_UNIT_SECONDS, .needs_device = 1, .exact = p99_exact,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	int rc = dca_registry_add_constraint(reg, &conv_count, err);

	return rc ? rc : dca_registry_add_constraint(reg, &latency_p99, err);
}

DCA_MODULE_DEFINE("extra_constraints", "1.0", "conv_count and latency_p99",
		  "MIT", register_plugins);
