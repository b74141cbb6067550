/* dcanas — the standard constraint models: params, flops, peak_memory,
 * latency and energy. The last two name their device metric and ask the
 * device through the core (dca_device_cost): its whole-network table where
 * it has one for this space, else the sum of its per-op costs. */
#include "config.h"

#include <dcanas/dcanas.h>


static int sum_ops(const dca_net *net, double (*f)(const dca_op_desc *),
		   double *out)
{
	size_t i;
	double s = 0;

	for (i = 0; i < net->n_ops; i++)
		s += f(&net->ops[i]);
	*out = s;
	return 0;
}

static int params_exact(const dca_net *net, const dca_space *space,
			const dca_arch *arch, const dca_device *dev,
			double *out, dca_error *err)
{
	return sum_ops(net, dca_op_params, out);
}

static int params_op(const dca_op_desc *op, const dca_device *dev, double *out,
		     dca_error *err)
{
	*out = dca_op_params(op);
	return 0;
}

static int flops_exact(const dca_net *net, const dca_space *space,
		       const dca_arch *arch, const dca_device *dev,
		       double *out, dca_error *err)
{
	return sum_ops(net, dca_op_macs, out);
}

static int flops_op(const dca_op_desc *op, const dca_device *dev, double *out,
		    dca_error *err)
{
	*out = dca_op_macs(op);
	return 0;
}

static int peak_exact(const dca_net *net, const dca_space *space,
		      const dca_arch *arch, const dca_device *dev,
		      double *out, dca_error *err)
{
	/* the arena of the deployed schedule (net.h), which the code dcanas
	 * export generates declares */
	dca_net_plan plan;

	if (dca_net_plan_make(net, &plan))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	*out = (double)plan.arena_bytes;
	dca_net_plan_free(&plan);
	return 0;
}

static int latency_exact(const dca_net *net, const dca_space *space,
			 const dca_arch *arch, const dca_device *dev,
			 double *out, dca_error *err)
{
	return dca_device_cost(dev, "latency", space, arch, net, out, err);
}

static int energy_exact(const dca_net *net, const dca_space *space,
			const dca_arch *arch, const dca_device *dev,
			double *out, dca_error *err)
{
	return dca_device_cost(dev, "energy", space, arch, net, out, err);
}

static int device_op(dca_metric metric, const dca_op_desc *op,
		     const dca_device *dev, double *out, dca_error *err)
{
	if (!dev || !dev->op_cost)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
			"device '%s' has no per-op %s table",
			dev ? dev->name : "(none)", dca_metric_name(metric));
	return dev->op_cost(dev, metric, op, out, err);
}

static int latency_op(const dca_op_desc *op, const dca_device *dev,
		      double *out, dca_error *err)
{
	return device_op(DCA_METRIC_LATENCY, op, dev, out, err);
}

static int energy_op(const dca_op_desc *op, const dca_device *dev,
		     double *out, dca_error *err)
{
	return device_op(DCA_METRIC_ENERGY, op, dev, out, err);
}

static const dca_constraint constraints[] = {
	{ DCA_CONSTRAINT_INIT, .name = "params",
	  .summary = "model size: number of parameters",
	  .unit = DCA_UNIT_COUNT, .exact = params_exact, .op_cost = params_op },
	{ DCA_CONSTRAINT_INIT, .name = "flops",
	  .summary = "multiply-accumulates per image (NAS-Bench-201 convention)",
	  .unit = DCA_UNIT_COUNT, .exact = flops_exact, .op_cost = flops_op },
	{ DCA_CONSTRAINT_INIT, .name = "peak_memory",
	  .summary = "largest set of float32 activations alive at once, batch 1",
	  .unit = DCA_UNIT_BYTES, .exact = peak_exact },
	{ DCA_CONSTRAINT_INIT, .name = "latency",
	  .summary = "inference latency on the device",
	  .unit = DCA_UNIT_SECONDS, .needs_device = 1, .exact = latency_exact,
	  .op_cost = latency_op, .device_metric = "latency" },
	{ DCA_CONSTRAINT_INIT, .name = "energy",
	  .summary = "inference energy on the device",
	  .unit = DCA_UNIT_JOULES, .needs_device = 1, .exact = energy_exact,
	  .op_cost = energy_op, .device_metric = "energy" },
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof constraints / sizeof constraints[0]; i++)
		if ((rc = dca_registry_add_constraint(reg, &constraints[i], err)))
			return rc;
	return 0;
}

DCA_MODULE_DEFINE("cost_constraints", PACKAGE_VERSION,
		  "params, flops, peak_memory, latency, energy",
		  "MIT", register_plugins);
