/* A constraint whose struct_size stops before the reserved room, as a
 * module built against an earlier, shorter 1.x layout would hand over: it
 * ends at an inaccessible page, so the registry must copy struct_size bytes
 * and no more. It must load and work (exact = 7). */
#include "config.h"

#include <stddef.h>

#include <dcanas/plugin.h>

#include "guard_page.h"

static int seven(const dca_net *net, const dca_space *sp, const dca_arch *a,
		 const dca_device *dev, double *out, dca_error *err)
{
	*out = 7;
	return 0;
}

#define SHORT_SIZE offsetof(dca_constraint, reserved)

static const dca_constraint shorter = {
	.struct_size = SHORT_SIZE,
	.name = "short_size", .summary = "a struct without the reserved room",
	.unit = DCA_UNIT_COUNT, .exact = seven,
};

static int reg_short(dca_registry *reg, dca_error *err)
{
	const dca_constraint *c = at_page_end(&shorter, SHORT_SIZE);

	if (!c)
		return dca_error_set(err, DCA_ERR_NOMEM, "short_struct: mmap failed");
	return dca_registry_add_constraint(reg, c, err);
}

DCA_MODULE_DEFINE("short_struct", "1.0", "a shorter constraint struct", "MIT",
		  reg_short);
