/* A space without arch_parse, which every space needs: refused at
 * registration with the file named, not at the first `dcanas cost`. */
#include "config.h"
#include <dcanas/plugin.h>

static char *f(const dca_arch *a) { return NULL; }
static void fr(dca_arch *a) { }
static int b(const dca_arch *a, const dca_net_shape *s, dca_net *n, dca_error *e) { return -1; }

static const dca_space no_parse = {
	DCA_SPACE_INIT, .name = "no_parse", .summary = "cannot read an arch",
	.arch_format = f, .arch_free = fr, .build_net = b,
};

static int reg_space(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_space(reg, &no_parse, err);
}

DCA_MODULE_DEFINE("no_parse", "1.0", "a space without arch_parse", "MIT",
		  reg_space);
