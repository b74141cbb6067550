/* dcanas — helpers shared by every search space. */
#include "config.h"

#include <dcanas/model.h>
#include <dcanas/space.h>

void dca_net_shape_fill(dca_net_shape *shape, const dca_net_shape *d)
{
	if (!shape->in_c)
		shape->in_c = d->in_c;
	if (!shape->in_h)
		shape->in_h = d->in_h;
	if (!shape->in_w)
		shape->in_w = d->in_w;
	if (!shape->classes)
		shape->classes = d->classes;
	if (!shape->width)
		shape->width = d->width;
	if (!shape->cells)
		shape->cells = d->cells;
}

void dca_space_resolve_shape(const dca_space *space, dca_net_shape *shape)
{
	dca_net_shape_fill(shape, &space->default_shape);
}

int dca_space_build_model(const dca_space *sp, const dca_arch *arch,
			  const dca_net_shape *shape, uint64_t seed,
			  struct dca_model **out, dca_error *err)
{
	dca_net net;
	int rc;

	*out = NULL;
	if (sp->build_model)
		return sp->build_model(arch, shape, seed, out, err);
	dca_net_init(&net);
	rc = sp->build_net(arch, shape, &net, err);
	if (!rc)
		rc = dca_model_from_net(&net, seed, out, err);
	dca_net_free(&net);
	return rc;
}
