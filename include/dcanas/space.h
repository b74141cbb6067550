/* dcanas — search-space plugins.
 *
 * A space parses and prints architectures in its field's format and lists the
 * op descriptors of the evaluation network of an architecture. Registered with
 * dca_registry_add_space(), which copies the struct into one the registry
 * owns (lookups return that copy); what its pointers point to stays borrowed
 * for the registry's lifetime (modules are never unloaded, so static data is
 * the usual choice). Fill it with designated initialisers after
 * DCA_SPACE_INIT, so fields a later version adds stay zero.
 *
 * A space has parts (DCA_SPACE_*), each a group of fields that is complete
 * or absent; the registry checks that once, when the space registers, and
 * refuses a space with half a part, naming the module file and what is
 * missing. Commands then ask for the parts they need (dca_space_require):
 *   codec (every space): name, arch_parse, arch_format, arch_free; optional
 *     format_name, summary, arch_report, arch_dot (for people only).
 *   net (every space): build_net, default_shape. Enough for `dcanas cost`
 *     and `check-config`; also what training runs: the core builds the
 *     trainable network from build_net (dca_space_build_model), which needs
 *     every op with parameters named (dca_net_param_last). build_model is
 *     an optional override for a network op descriptors cannot express.
 *   search: n_edges, n_ops, op_names, candidate_net, derive, estimate and
 *     arch_from_choices; search_shape optional. `dcanas search`, `sweep`
 *     and `profile` need it.
 *   supernet: build_supernet (with the search part): the gradient
 *     optimizers (dcanas, darts) need it; the random one does not.
 *   choices: arch_choices (with the search part): a sampled arch can be
 *     repaired, a device's whole-network table fitted per edge, and `cost`
 *     prints a device's additive estimate. */
#ifndef DCANAS_SPACE_H
#define DCANAS_SPACE_H

#include <stdint.h>

#include <jansson.h>

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
struct dca_supernet;

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
	/* Fill choice[n_edges] with the op kept on each edge, or -1 for an edge
	 * the arch does not keep (DARTS keeps 2 of the edges into each node).
	 * Returns -1 when the arch cannot be written so (a DARTS genotype that
	 * takes one input twice, or a concat other than the four nodes). */
	int (*arch_choices)(const dca_arch *arch, int *choice);
	/* Append the evaluation network of arch at shape to net (initialised). */
	int (*build_net)(const dca_arch *arch, const dca_net_shape *shape,
			 dca_net *net, dca_error *err);
	/* Optional, normally NULL: the core builds the trainable network from
	 * build_net (dca_space_build_model). Set it only for a network the op
	 * descriptors cannot express: the trainable evaluation network
	 * (model.h), initialised from seed; *out is new. It must be the
	 * network build_net describes (costs come from build_net). */
	int (*build_model)(const dca_arch *arch, const dca_net_shape *shape,
			   uint64_t seed, struct dca_model **out, dca_error *err);

	/* --- searching (search.h); NULL where the space cannot be searched --- */
	/* The supernet's default shape (the search proxy, e.g. DARTS C=16 with
	 * 8 cells); zero fields take default_shape's. */
	dca_net_shape search_shape;
	/* The weight-sharing supernet at shape (the search proxy) with channel
	 * bottleneck k; alpha/beta laid out as n_edges x n_ops / n_edges. */
	int (*build_supernet)(const dca_net_shape *shape, int k, uint64_t seed,
			      struct dca_supernet **out, dca_error *err);
	/* Append to net the op descriptors that op `op` on edge `edge` adds to
	 * the evaluation network at shape (summed over the cells sharing it). */
	int (*candidate_net)(const dca_net_shape *shape, int edge, int op,
			     dca_net *net, dca_error *err);
	/* The derivation rule: choice[e] = op kept on edge e, or -1. */
	void (*derive)(const float *alpha, const float *beta, int *choice);
	/* The differentiable estimate that follows the derivation rule: over
	 * the edges the rule keeps at (alpha, beta), the expected candidate
	 * cost table[e * n_ops + op] under the softmax of the ops the rule may
	 * keep. grad (may be NULL) += scale * d(estimate)/d(alpha). */
	double (*estimate)(const float *alpha, const float *beta,
			   const double *table, float scale, float *grad);
	/* The arch keeping choice[e] on each edge (inverse of arch_choices);
	 * NULL with err set when the choice is not a valid arch. */
	dca_arch *(*arch_from_choices)(const int *choice, dca_error *err);
	/* Graphviz DOT drawing of the arch's cells (new malloc'ed string). */
	char *(*arch_dot)(const dca_arch *arch);
	/* Add what published benchmarks say about arch to report (NB201: the
	 * table's test accuracies); may be NULL. Never used by a search. */
	int (*arch_report)(const dca_arch *arch, json_t *report, dca_error *err);

	/* --- plugin ABI 1.1: the struct's size, and room to grow --- */
	/* sizeof(dca_space) where the module was built (DCA_SPACE_INIT). The
	 * registry copies that many bytes, at most its own sizeof, into a
	 * zeroed struct: fields newer than the module read as zero. Everything
	 * above is the 1.0 layout, unchanged, so a module built against the
	 * 1.0 headers (which has no struct_size) is read as exactly that. */
	uint32_t struct_size;
	/* --- 1.1 additions (zero in a module built against 1.0 headers) --- */
	/* The name of the arch format, for reports (arch.json's "format"),
	 * e.g. "DARTS genotype"; NULL: the space's name. */
	const char *format_name;
	void *reserved[7];       /* zero; later fields take these slots */
} dca_space;

/* The first designated initialiser of every dca_space:
 *   static const dca_space my_space = { DCA_SPACE_INIT, .name = "...", ... }; */
#define DCA_SPACE_INIT .struct_size = sizeof(dca_space)

/* The parts of a space (see the top of this file) */
enum {
	DCA_SPACE_CODEC = 1u << 0,
	DCA_SPACE_NET = 1u << 1,
	DCA_SPACE_SEARCH = 1u << 2,
	DCA_SPACE_SUPERNET = 1u << 3,
	DCA_SPACE_CHOICES = 1u << 4
};
/* The parts sp has (DCA_SPACE_* bits). */
unsigned dca_space_parts(const dca_space *sp);
/* 0 when sp has every part in `parts`; else DCA_ERR_UNSUPPORTED with err
 * naming the space, what it was asked for (`purpose`, e.g. "be searched")
 * and the fields of the parts it lacks. */
int dca_space_require(const dca_space *sp, unsigned parts, const char *purpose,
		      dca_error *err);

/* The trainable evaluation network of arch at shape, initialised from
 * seed: the space's build_model when it has one, else the core's network
 * from its build_net (dca_model_from_net in model.h). *out is new. */
int dca_space_build_model(const dca_space *space, const dca_arch *arch,
			  const dca_net_shape *shape, uint64_t seed,
			  struct dca_model **out, dca_error *err);

/* Fill zero fields of *shape from the space's defaults. */
void dca_space_resolve_shape(const dca_space *space, dca_net_shape *shape);
/* The same from any defaults (a space's code, before it is registered) */
void dca_net_shape_fill(dca_net_shape *shape, const dca_net_shape *defaults);

#ifdef __cplusplus
}
#endif
#endif
