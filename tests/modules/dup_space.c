/* A module registering a space named "nb201" again. */
#include "config.h"
#include <stdlib.h>
#include <dcanas/plugin.h>

static dca_arch *p(const char *t, dca_error *e) { return NULL; }
static char *f(const dca_arch *a) { return NULL; }
static void fr(dca_arch *a) { }
static int b(const dca_arch *a, const dca_net_shape *s, dca_net *n, dca_error *e) { return -1; }

static const dca_space dup = {
	DCA_SPACE_INIT, .name = "nb201", .summary = "duplicate", .arch_parse = p,
	.arch_format = f, .arch_free = fr, .build_net = b,
};

static int reg_dup(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_space(reg, &dup, err);
}

DCA_MODULE_DEFINE("dup_space", "1.0", "registers nb201 again", "MIT", reg_dup);
