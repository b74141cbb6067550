/* dcanas — names and units of device metrics. */
#include "config.h"

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
