/* A module calling a function no library defines: loading must fail with
 * the loader's own message, not crash later. */
#include "config.h"
#include <dcanas/plugin.h>

void dca_function_that_does_not_exist(void);

static int reg_call(dca_registry *reg, dca_error *err)
{
	dca_function_that_does_not_exist();
	return 0;
}

static const dca_module_info info = {
	DCA_MODULE_INFO_INIT, .name = "unresolved", .version = "1.0",
	.register_plugins = reg_call,
};

const dca_module_info *dca_module_entry(void);
const dca_module_info *dca_module_entry(void) { return &info; }
