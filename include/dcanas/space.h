/* dcanas — search-space plugins.
 *
 * A space parses and prints architectures in its field's format and lists the
 * op descriptors of the evaluation network of an architecture. Registered with
 * dca_registry_add_space(); the registry borrows the struct for its lifetime
 * (modules are never unloaded, so a static struct is the usual choice). */
#ifndef DCANAS_SPACE_H
#define DCANAS_SPACE_H

#include <stdint.h>

#include <dcanas/error.h>
#include <dcanas/net.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The shape of the evaluation network. Zero fields mean "the space's
 * default" (see dca_space.default_shape). */
typedef struct dca_net_shape {
	int in_c, in_h, in_w;   /* input image */
	int classes;
	int width;              /* initial channels C */
	int cells;              /* cells (DARTS: layers) or cells per stage (NB201: N) */
	int auxiliary;          /* DARTS: include the auxiliary head */
} dca_net_shape;

/* An architecture as a discrete choice: for each edge, the index of its op
 * in op_names. Spaces that are not edge/op shaped may leave these unset. */
typedef struct dca_arch dca_arch; /* opaque, owned by the space */
struct dca_model;

typedef struct dca_space {
	const char *name;
	const char *summary;
	dca_net_shape default_shape;

	/* candidate ops on every edge, and the number of edges of an arch */
	int n_ops;
	const char *const *op_names;
	int n_edges;

	/* Parse text in the field's format. Returns a new arch or NULL with err set. */
	dca_arch *(*arch_parse)(const char *text, dca_error *err);
	/* Print in the field's format; returns a new malloc'ed string. */
	char *(*arch_format)(const dca_arch *arch);
	void (*arch_free)(dca_arch *arch);
	/* Fill choice[n_edges] with op indices (edge-op spaces only); -1 if the
	 * arch has no fixed edge set (DARTS chooses its input nodes too). */
	int (*arch_choices)(const dca_arch *arch, int *choice);
	/* Append the evaluation network of arch at shape to net (initialised). */
	int (*build_net)(const dca_arch *arch, const dca_net_shape *shape,
			 dca_net *net, dca_error *err);
	/* Build the trainable evaluation network (model.h), initialised from
	 * seed; *out is new. NULL where the space cannot train. */
	int (*build_model)(const dca_arch *arch, const dca_net_shape *shape,
			   uint64_t seed, struct dca_model **out, dca_error *err);
} dca_space;

/* Fill zero fields of *shape from the space's defaults. */
void dca_space_resolve_shape(const dca_space *space, dca_net_shape *shape);

#ifdef __cplusplus
}
#endif
#endif
