/* A module built for a future plugin ABI: the registry must refuse it. */
#include "config.h"
#include <dcanas/plugin.h>

static int reg_none(dca_registry *reg, dca_error *err) { return 0; }

static const dca_module_info info = {
	.abi_major = DCA_ABI_MAJOR + 1, .abi_minor = 0,
	.struct_size = sizeof(dca_module_info), .name = "bad_abi",
	.version = "9.9", .register_plugins = reg_none,
};

const dca_module_info *dca_module_entry(void);
const dca_module_info *dca_module_entry(void) { return &info; }
