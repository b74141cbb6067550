/* A module built for a newer minor of this plugin ABI: its structs may hold
 * fields this core does not know, so it is refused, with both versions. */
#include "config.h"
#include <dcanas/plugin.h>

static int reg_none(dca_registry *reg, dca_error *err) { return 0; }

static const dca_module_info info = {
	.abi_major = DCA_ABI_MAJOR, .abi_minor = DCA_ABI_MINOR + 1,
	.struct_size = sizeof(dca_module_info), .name = "newer_minor",
	.version = "1.0", .register_plugins = reg_none,
};

const dca_module_info *dca_module_entry(void);
const dca_module_info *dca_module_entry(void) { return &info; }
