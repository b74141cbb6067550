/* A module as built against the plugin ABI 1.0 headers: its descriptor says
 * 1.0, its structs have the 1.0 layout (abi_1_0.h: no struct_size, nothing
 * after the last 1.0 field), and it calls the registry's functions by their
 * plain names, as 1.0 code does (the current headers make those names
 * macros, hence the parentheses). Each struct is handed over from the end of
 * a page followed by an inaccessible one, so a registry that reads past the
 * 1.0 layout crashes. It must load, and each plugin must work:
 *   space "abi10": an arch is a channel count k; the network is a 3x3 conv
 *     with k channels, a global average pool and a linear classifier;
 *   constraint "abi10_ops": the number of ops in the network;
 *   constraint "abi10_latency": latency as a 1.0 constraint asked a device
 *     (1.0's cost_constraints): its arch_cost, else net_cost, else the sum
 *     of op_cost, reading the device through the 1.0 declaration;
 *   device "abi10_board": 1 ms per op, and the 1.0 whole-arch callbacks in
 *     slots 5 and 6: arch_cost says 42 ms for any arch, edge_model has no
 *     model. The core must never call them (1.1 has no network tables for
 *     a 1.0 device), and a core that took slot 5 for network_tables would
 *     call arch_cost with the wrong arguments: each aborts on a metric that
 *     is not one, so such a call fails loudly;
 *   optimizer "abi10": fails with "abi10 optimizer ran". */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "abi_1_0.h"
#include "guard_page.h"

struct dca_arch {
	int k;
};

static dca_arch *parse(const char *text, dca_error *err)
{
	char *end;
	long k = strtol(text, &end, 10);
	dca_arch *a;

	if (end == text || *end || k < 1 || k > 4096) {
		dca_error_set(err, DCA_ERR_INVALID, "abi10: an arch is a channel "
			      "count from 1 to 4096, got '%s'", text);
		return NULL;
	}
	if (!(a = malloc(sizeof *a))) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	a->k = (int)k;
	return a;
}

static char *format(const dca_arch *a)
{
	char *s = malloc(16);

	if (s)
		snprintf(s, 16, "%d", a->k);
	return s;
}

static void arch_free(dca_arch *a)
{
	free(a);
}

static int build_net(const dca_arch *a, const dca_net_shape *shape,
		     dca_net *net, dca_error *err)
{
	int x = dca_net_input(net, shape->in_c, shape->in_h, shape->in_w);

	x = dca_net_conv(net, x, a->k, 3, 1, 1, 1, 1, 0);
	x = dca_net_global_avgpool(net, x);
	x = dca_net_linear(net, x, shape->classes, 1);
	if (x < 0)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	net->output = x;
	return 0;
}

static const space_1_0 space = {
	.name = "abi10",
	.summary = "a 1.0 space: one conv of k channels",
	.default_shape = { .in_c = 3, .in_h = 8, .in_w = 8, .classes = 10 },
	.arch_parse = parse,
	.arch_format = format,
	.arch_free = arch_free,
	.build_net = build_net,
};

static int count_ops(const dca_net *net, const dca_space *sp, const dca_arch *a,
		     const dca_device *dev, double *out, dca_error *err)
{
	*out = (double)net->n_ops;
	return 0;
}

static const constraint_1_0 constraint = {
	.name = "abi10_ops",
	.summary = "a 1.0 constraint: ops in the network",
	.unit = DCA_UNIT_COUNT,
	.exact = count_ops,
};

/* 1.0 code sees every device through the 1.0 declaration */
static int latency_1_0(const dca_net *net, const dca_space *sp, const dca_arch *a,
		       const dca_device *dev, double *out, dca_error *err)
{
	const device_1_0 *d = (const device_1_0 *)dev;
	double s = 0, v;
	size_t i;
	int rc;

	if (!d)
		return dca_error_set(err, DCA_ERR_INVALID, "abi10_latency needs a device");
	if (d->arch_cost && sp && a) {
		rc = d->arch_cost(dev, DCA_METRIC_LATENCY, sp, a, out, err);
		if (rc != DCA_ERR_UNSUPPORTED)
			return rc;
	}
	if (d->net_cost)
		return d->net_cost(dev, DCA_METRIC_LATENCY, net, out, err);
	if (!d->op_cost)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "abi10_latency: "
				     "device '%s' has no latency model", d->name);
	for (i = 0; i < net->n_ops; i++) {
		if ((rc = d->op_cost(dev, DCA_METRIC_LATENCY, &net->ops[i], &v, err)))
			return rc;
		s += v;
	}
	*out = s;
	return 0;
}

static const constraint_1_0 latency_constraint = {
	.name = "abi10_latency",
	.summary = "a 1.0 device constraint: latency as 1.0 asked for it",
	.unit = DCA_UNIT_SECONDS,
	.needs_device = 1,
	.exact = latency_1_0,
};

static int op_ms(const dca_device *dev, dca_metric metric, const dca_op_desc *op,
		 double *out, dca_error *err)
{
	*out = 1.0;
	return 0;
}

/* A metric that is not one: this was not called as a 1.0 callback. */
static void check_metric(dca_metric metric, const char *what)
{
	if ((unsigned)metric >= DCA_METRIC_COUNT) {
		fprintf(stderr, "abi10_board: %s called with metric %u: a 1.0 "
			"callback called with another signature\n", what,
			(unsigned)metric);
		abort();
	}
}

static int arch_42(const dca_device *dev, dca_metric metric, const dca_space *sp,
		   const dca_arch *a, double *out, dca_error *err)
{
	check_metric(metric, "arch_cost");
	*out = 42.0;
	return 0;
}

static int no_edge_model(const dca_device *dev, dca_metric metric,
			 const dca_space *sp, double *table, double *bias,
			 dca_error *err)
{
	check_metric(metric, "edge_model");
	return dca_error_set(err, DCA_ERR_UNSUPPORTED, "abi10 edge_model ran");
}

static const device_1_0 device = {
	.name = "abi10_board",
	.summary = "a 1.0 device: 1 ms per op",
	.op_cost = op_ms,
	.arch_cost = arch_42,
	.edge_model = no_edge_model,
};

static int run(dca_search *s, dca_error *err)
{
	return dca_error_set(err, DCA_ERR_UNSUPPORTED, "abi10 optimizer ran");
}

static const optimizer_1_0 optimizer = {
	.name = "abi10",
	.summary = "a 1.0 optimizer",
	.run = run,
};

static int reg_all(dca_registry *reg, dca_error *err)
{
	const void *sp = at_page_end(&space, sizeof space);
	const void *c = at_page_end(&constraint, sizeof constraint);
	const void *lc = at_page_end(&latency_constraint, sizeof latency_constraint);
	const void *d = at_page_end(&device, sizeof device);
	const void *o = at_page_end(&optimizer, sizeof optimizer);
	int rc;

	if (!sp || !c || !lc || !d || !o)
		return dca_error_set(err, DCA_ERR_NOMEM, "abi10: mmap failed");
	if ((rc = (dca_registry_add_space)(reg, sp, err)) ||
	    (rc = (dca_registry_add_constraint)(reg, c, err)) ||
	    (rc = (dca_registry_add_constraint)(reg, lc, err)) ||
	    (rc = (dca_registry_add_device)(reg, d, err)))
		return rc;
	return (dca_registry_add_optimizer)(reg, o, err);
}

static const dca_module_info info = {
	.abi_major = 1, .abi_minor = 0, .struct_size = sizeof(dca_module_info),
	.name = "abi_1_0", .version = "1.0", .summary = "a plugin ABI 1.0 module",
	.license = "MIT", .register_plugins = reg_all,
};

const dca_module_info *dca_module_entry(void);
const dca_module_info *dca_module_entry(void) { return &info; }
