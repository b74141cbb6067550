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

unsigned dca_space_parts(const dca_space *sp)
{
	unsigned p = 0;

	if (sp->name && sp->arch_parse && sp->arch_format && sp->arch_free)
		p |= DCA_SPACE_CODEC;
	if (sp->build_net)
		p |= DCA_SPACE_NET;
	if (sp->n_edges > 0 && sp->n_ops > 0 && sp->op_names && sp->candidate_net &&
	    sp->derive && sp->estimate && sp->arch_from_choices)
		p |= DCA_SPACE_SEARCH;
	if ((p & DCA_SPACE_SEARCH) && sp->build_supernet)
		p |= DCA_SPACE_SUPERNET;
	if ((p & DCA_SPACE_SEARCH) && sp->arch_choices)
		p |= DCA_SPACE_CHOICES;
	return p;
}

/* what each part is made of, for messages */
static const struct {
	unsigned part;
	const char *fields;
} part_fields[] = {
	{ DCA_SPACE_CODEC, "its codec (arch_parse, arch_format, arch_free)" },
	{ DCA_SPACE_NET, "build_net" },
	{ DCA_SPACE_SEARCH, "its search part (n_edges, n_ops, op_names, candidate_net, "
			    "derive, estimate, arch_from_choices)" },
	{ DCA_SPACE_SUPERNET, "build_supernet (the gradient optimizers train a "
			      "supernet; the random optimizer does not)" },
	{ DCA_SPACE_CHOICES, "arch_choices" },
};

int dca_space_require(const dca_space *sp, unsigned parts, const char *purpose,
		      dca_error *err)
{
	unsigned lacks = parts & ~dca_space_parts(sp);
	size_t i;

	for (i = 0; i < sizeof part_fields / sizeof part_fields[0]; i++)
		if (lacks & part_fields[i].part)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED, "space '%s' cannot "
					     "%s: it lacks %s (space.h)", sp->name,
					     purpose, part_fields[i].fields);
	return 0;
}
