/* A constraint whose struct_size (8) cannot even hold the 1.0 fields: the
 * registry must refuse it, naming the file and the initialiser to use. */
#include "config.h"
#include <dcanas/plugin.h>

static int one(const dca_net *net, const dca_space *sp, const dca_arch *a,
	       const dca_device *dev, double *out, dca_error *err)
{
	*out = 1;
	return 0;
}

static const dca_constraint tiny = {
	.struct_size = 8, .name = "tiny", .unit = DCA_UNIT_COUNT, .exact = one,
};

static int reg_tiny(dca_registry *reg, dca_error *err)
{
	return dca_registry_add_constraint(reg, &tiny, err);
}

DCA_MODULE_DEFINE("tiny_struct", "1.0", "a too-small struct_size", "MIT", reg_tiny);
