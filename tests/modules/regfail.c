/* A module whose register function fails with its own message, which does
 * not name the file: the loader must add it. It registers a constraint
 * first, so the failure also checks that a half-registered module is rolled
 * back. */
#include "config.h"
#include <dcanas/plugin.h>

static int exact(const dca_net *net, const dca_space *space, const dca_arch *arch,
		 const dca_device *dev, double *out, dca_error *err)
{
	*out = 1;
	return 0;
}

static const dca_constraint half = {
	DCA_CONSTRAINT_INIT, .name = "regfail_half", .summary = "registered before the failure",
	.unit = DCA_UNIT_COUNT, .exact = exact,
};

static int reg_fail(dca_registry *reg, dca_error *err)
{
	int rc = dca_registry_add_constraint(reg, &half, err);

	if (rc)
		return rc;
	return dca_error_set(err, DCA_ERR_INVALID, "refusing on purpose");
}

DCA_MODULE_DEFINE("regfail", "1.0", "a register function that fails", "MIT",
		  reg_fail);
