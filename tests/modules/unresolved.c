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

DCA_MODULE_DEFINE("unresolved", "1.0", "calls a missing function", "MIT",
		  reg_call);
