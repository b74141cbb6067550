/* An out-of-tree dcanas device module: a roofline latency model.
 *
 * Built against the installed headers only:
 *   cc -shared -fPIC -o roofline_device.so roofline_device.c \
 *      $(pkg-config --cflags --libs dcanas) -Wl,-z,defs
 * then put its folder on DCANAS_PLUGIN_PATH. Each op takes
 * max(MACs / peak MAC rate, bytes moved / bandwidth) plus a fixed launch cost. */
#include <dcanas/dcanas.h>

#define PEAK_MACS_PER_MS 5e6     /* 5 GMAC/s */
#define BYTES_PER_MS 2e6         /* 2 GB/s */
#define LAUNCH_MS 0.002

static int roofline_op(const dca_device *dev, dca_metric metric,
		       const dca_op_desc *op, double *out, dca_error *err)
{
	double compute, bytes;

	if (metric != DCA_METRIC_LATENCY)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
				     "roofline_board models latency only");
	if (op->kind == DCA_OP_IDENTITY || op->kind == DCA_OP_ZERO) {
		*out = 0;
		return 0;
	}
	compute = dca_op_macs(op) / PEAK_MACS_PER_MS;
	bytes = 4.0 * ((double)op->cin * op->h * op->w +
		       (double)op->cout * op->oh * op->ow) + 4.0 * dca_op_params(op);
	*out = LAUNCH_MS + (compute > bytes / BYTES_PER_MS ? compute :
			    bytes / BYTES_PER_MS);
	return 0;
}

static const dca_device roofline = {
	DCA_DEVICE_INIT,
	.name = "roofline_board",
	.summary = "example: roofline model, 5 GMAC/s, 2 GB/s",
	.op_cost = roofline_op,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_device(reg, &roofline, err);
}

DCA_MODULE_DEFINE("roofline_device", "1.0",
		  "example out-of-tree device module",
		  "MIT", register_plugins);
