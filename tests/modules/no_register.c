/* A descriptor of the right size with no register function: the error must
 * say that, not quote two equal struct sizes. */
#include "config.h"
#include <dcanas/plugin.h>

static const dca_module_info info = {
	DCA_MODULE_INFO_INIT, .name = "no_register", .version = "1.0",
};

const dca_module_info *dca_module_entry(void);
const dca_module_info *dca_module_entry(void) { return &info; }
