/* dcanas — asking a device: metric names, its network tables, exact costs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/device.h>

const char *dca_metric_name(dca_metric m)
{
	return m == DCA_METRIC_LATENCY ? "latency" :
	       m == DCA_METRIC_ENERGY ? "energy" : "?";
}

const char *dca_metric_unit(dca_metric m)
{
	return m == DCA_METRIC_LATENCY ? "ms" : m == DCA_METRIC_ENERGY ? "mJ" : "?";
}

int dca_metric_from_name(const char *name, dca_metric *out)
{
	int m;

	for (m = 0; m < DCA_METRIC_COUNT; m++)
		if (name && strcmp(name, dca_metric_name((dca_metric)m)) == 0) {
			*out = (dca_metric)m;
			return 0;
		}
	return DCA_ERR_NOTFOUND;
}

/* "latency for nb201, energy for nb201" into buf, or "none" */
static void list_tables(const dca_network_table *t, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	snprintf(buf, len, "none");
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s for %s",
					 i ? ", " : "", t[i].metric, t[i].space);
}

int dca_device_network_table(const dca_device *dev, const char *space,
			     const char *metric, const dca_network_table **out,
			     dca_error *err)
{
	const dca_network_table *t = NULL;
	size_t n = 0, i;
	char have[400];
	int rc;

	if (dev->network_tables &&
	    (rc = dev->network_tables(dev, &t, &n, err)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (strcmp(t[i].space, space) == 0 && strcmp(t[i].metric, metric) == 0) {
			*out = &t[i];
			return 0;
		}
	list_tables(t, n, have, sizeof have);
	return dca_error_set(err, DCA_ERR_UNSUPPORTED,
			     "device %s has no '%s' table for space %s (its network "
			     "tables: %s; %s)", dev->name, metric, space, have,
			     dev->source ? dev->source : "no source");
}

int dca_device_network_value(const dca_device *dev, const char *metric,
			     const dca_space *space, const dca_arch *arch,
			     double *out, dca_error *err)
{
	char *text;
	int rc;

	if (!dev->network_value)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "device %s has no "
				     "network tables", dev->name);
	if (!space->arch_format)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "space %s cannot "
				     "print architectures, so device %s cannot look "
				     "them up", space->name, dev->name);
	if (!(text = space->arch_format(arch)))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	rc = dev->network_value(dev, space->name, metric, text, out, err);
	free(text);
	return rc;
}

int dca_device_cost(const dca_device *dev, const char *metric,
		    const dca_space *space, const dca_arch *arch,
		    const dca_net *net, double *out, dca_error *err)
{
	dca_error local = { 0 };
	const dca_network_table *t;
	dca_metric m;
	size_t i;
	double s = 0;
	int rc;

	if (!dev)
		return dca_error_set(err, DCA_ERR_INVALID, "%s needs a device "
				     "(--device NAME; see `dcanas devices`)", metric);
	if (space && arch) {
		rc = dca_device_network_table(dev, space->name, metric, &t, &local);
		if (rc == 0)
			return dca_device_network_value(dev, metric, space, arch, out, err);
		if (rc != DCA_ERR_UNSUPPORTED)
			return dca_error_set(err, rc, "%s", local.msg);
	}
	if (dca_metric_from_name(metric, &m) != 0)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED, "%s; per-op costs "
				     "exist for latency and energy only, so '%s' has "
				     "no other source: add a '%s' network table to the "
				     "profile (docs/devices.md)", local.code ? local.msg
				     : "no architecture given to look up", metric, metric);
	if (dev->net_cost)
		return dev->net_cost(dev, m, net, out, err);
	if (!dev->op_cost)
		return dca_error_set(err, DCA_ERR_UNSUPPORTED,
			"device '%s' has no %s model for space '%s' (no network "
			"table and no per-op table); profile it with a per-op table "
			"(docs/devices.md)", dev->name, metric,
			space ? space->name : "?");
	for (i = 0; i < net->n_ops; i++) {
		double v;
		if ((rc = dev->op_cost(dev, m, &net->ops[i], &v, err)) != 0)
			return rc;
		s += v;
	}
	*out = s;
	return 0;
}
