/* dcanas — the `host` device: this machine, measured with the dcanas engine.
 *
 * Latency of an op comes from this machine's measured per-op table
 * (core/host/host_table.c), cached by CPU model, threads, OPENBLAS_CORETYPE and
 * batch (1); an op not in it yet is measured on first use and added, so the
 * table builds itself. A network's latency is the sum of its ops plus the
 * per-network overhead that `dcanas profile --validate` fits. `dcanas
 * profile` fills the table for a space ahead of time and measures the
 * estimate's quality (Kendall tau, median relative error). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <dcanas/dcanas.h>
#include <dcanas/profile.h>

typedef struct host_state {
	dca_op_table *table;      /* opened on first use */
	dca_error open_err;
} host_state;

static host_state state;

static dca_op_table *table(dca_error *err)
{
	if (!state.table && !state.open_err.code) {
		dca_timing_opts o;
		char *path;

		dca_timing_opts_default(&o);
		path = dca_host_cache_path(&o);
		state.table = path ? dca_op_table_open(path, &o, &state.open_err) : NULL;
		if (!path)
			dca_error_set(&state.open_err, DCA_ERR_IO, "no cache folder of "
				      "this user's own for the op table; set HOME or "
				      "DCANAS_HOST_CACHE");
		free(path);
	}
	if (!state.table)
		dca_error_set(err, state.open_err.code, "host: %s", state.open_err.msg);
	return state.table;
}

/* the table for a latency question; NULL with err set otherwise */
static dca_op_table *latency_table(dca_metric metric, int *rc, dca_error *err)
{
	dca_op_table *t;

	if (metric != DCA_METRIC_LATENCY) {
		*rc = dca_error_set(err, DCA_ERR_UNSUPPORTED, "host measures "
				    "latency only (no energy meter)");
		return NULL;
	}
	if (!(t = table(err)))
		*rc = state.open_err.code ? state.open_err.code : DCA_ERR_IO;
	return t;
}

static int host_op_cost(const dca_device *dev, dca_metric metric,
			const dca_op_desc *op, double *out, dca_error *err)
{
	int rc = 0;
	dca_op_table *t = latency_table(metric, &rc, err);

	(void)dev;
	return t ? dca_op_table_cost(t, op, out, NULL, err) : rc;
}

static int host_net_cost(const dca_device *dev, dca_metric metric,
			 const dca_net *net, double *out, dca_error *err)
{
	int rc = 0;
	dca_op_table *t = latency_table(metric, &rc, err);

	(void)dev;
	return t ? dca_op_table_net_cost(t, net, out, err) : rc;
}

static void host_describe(const dca_device *dev, void *file)
{
	FILE *f = file;
	dca_error err = { 0 };
	dca_op_table *t = table(&err);

	(void)dev;
	if (t)
		dca_op_table_describe(t, f);
	else
		fprintf(f, "%s\n", err.msg);
}

static void host_release(const dca_device *dev)
{
	(void)dev;
	dca_op_table_free(state.table);
	state.table = NULL;
}

static const dca_device host = {
	DCA_DEVICE_INIT,
	.name = "host",
	.summary = "this machine, measured op by op with the dcanas engine "
		   "(cached; see `dcanas profile`)",
	.op_cost = host_op_cost,
	.net_cost = host_net_cost,
	.describe = host_describe,
	.release = host_release,
	.runs_here = 1,
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_device(reg, &host, err);
}

DCA_MODULE_DEFINE("host_device", PACKAGE_VERSION,
		  "the host device: latency measured on this machine",
		  "MIT", register_plugins);
