/* The four plugin structs exactly as the plugin ABI 1.0 headers declared
 * them (include/dcanas/{space,device,constraint,search}.h at 1.0), renamed
 * so they can sit beside the current ones. A module that uses these is what
 * a module built against the 1.0 headers hands the registry: no struct_size,
 * nothing after the last 1.0 field. The assertions check that 1.0 is still
 * a prefix of the current layout, field by field. */
#ifndef DCANAS_TEST_ABI_1_0_H
#define DCANAS_TEST_ABI_1_0_H

#include <stddef.h>
#include <dcanas/dcanas.h>

typedef struct space_1_0 {
	const char *name;
	const char *summary;
	dca_net_shape default_shape;
	int n_ops;
	const char *const *op_names;
	int n_edges;
	dca_arch *(*arch_parse)(const char *text, dca_error *err);
	char *(*arch_format)(const dca_arch *arch);
	void (*arch_free)(dca_arch *arch);
	int (*arch_choices)(const dca_arch *arch, int *choice);
	int (*build_net)(const dca_arch *arch, const dca_net_shape *shape,
			 dca_net *net, dca_error *err);
	int (*build_model)(const dca_arch *arch, const dca_net_shape *shape,
			   uint64_t seed, struct dca_model **out, dca_error *err);
	dca_net_shape search_shape;
	int (*build_supernet)(const dca_net_shape *shape, int k, uint64_t seed,
			      struct dca_supernet **out, dca_error *err);
	int (*candidate_net)(const dca_net_shape *shape, int edge, int op,
			     dca_net *net, dca_error *err);
	void (*derive)(const float *alpha, const float *beta, int *choice);
	double (*estimate)(const float *alpha, const float *beta,
			   const double *table, float scale, float *grad);
	dca_arch *(*arch_from_choices)(const int *choice, dca_error *err);
	char *(*arch_dot)(const dca_arch *arch);
	int (*arch_report)(const dca_arch *arch, json_t *report, dca_error *err);
} space_1_0;

typedef struct device_1_0 {
	const char *name;
	const char *summary;
	const char *source;
	void *state;
	int (*op_cost)(const dca_device *dev, dca_metric metric,
		       const dca_op_desc *op, double *out, dca_error *err);
	int (*arch_cost)(const dca_device *dev, dca_metric metric,
			 const dca_space *space, const dca_arch *arch,
			 double *out, dca_error *err);
	int (*edge_model)(const dca_device *dev, dca_metric metric,
			  const dca_space *space, double *table, double *bias,
			  dca_error *err);
	int (*net_cost)(const dca_device *dev, dca_metric metric,
			const dca_net *net, double *out, dca_error *err);
	void (*describe)(const dca_device *dev, void *file);
	void (*release)(const dca_device *dev);
	int runs_here;
} device_1_0;

typedef struct constraint_1_0 {
	const char *name;
	const char *summary;
	dca_unit unit;
	int needs_device;
	int (*exact)(const dca_net *net, const dca_space *space,
		     const dca_arch *arch, const dca_device *dev,
		     double *out, dca_error *err);
	int (*op_cost)(const dca_op_desc *op, const dca_device *dev,
		       double *out, dca_error *err);
} constraint_1_0;

typedef struct optimizer_1_0 {
	const char *name;
	const char *summary;
	int (*run)(dca_search *s, dca_error *err);
} optimizer_1_0;

#define SAME_OFFSET(old, cur, field) \
	_Static_assert(offsetof(old, field) == offsetof(cur, field), \
		       #cur "." #field " moved since plugin ABI 1.0")
/* a 1.0 field kept under another name: same offset and the same type */
#define RENAMED(old, field, cur, now) \
	SAME_OFFSET_AS(old, field, cur, now); \
	_Static_assert(__builtin_types_compatible_p(__typeof__(((old *)0)->field), \
						    __typeof__(((cur *)0)->now)), \
		       #cur "." #now " is not 1.0's " #field)
#define SAME_OFFSET_AS(old, field, cur, now) \
	_Static_assert(offsetof(old, field) == offsetof(cur, now), \
		       #cur "." #now " is not where 1.0's " #field " was")
/* a field added after 1.0 lies after struct_size, where a 1.0 struct has
 * already ended */
#define AFTER_1_0(cur, field) \
	_Static_assert(offsetof(cur, field) > offsetof(cur, struct_size), \
		       #cur "." #field " is inside the 1.0 layout")
/* the last 1.0 field ends where struct_size begins */
#define ENDS_AT_SIZE(old, cur, last) \
	_Static_assert(offsetof(old, last) + sizeof(((old *)0)->last) == \
		       offsetof(cur, struct_size), #cur ": 1.0 is not a prefix")

SAME_OFFSET(space_1_0, dca_space, name);
SAME_OFFSET(space_1_0, dca_space, summary);
SAME_OFFSET(space_1_0, dca_space, default_shape);
SAME_OFFSET(space_1_0, dca_space, n_ops);
SAME_OFFSET(space_1_0, dca_space, op_names);
SAME_OFFSET(space_1_0, dca_space, n_edges);
SAME_OFFSET(space_1_0, dca_space, arch_parse);
SAME_OFFSET(space_1_0, dca_space, arch_format);
SAME_OFFSET(space_1_0, dca_space, arch_free);
SAME_OFFSET(space_1_0, dca_space, arch_choices);
SAME_OFFSET(space_1_0, dca_space, build_net);
SAME_OFFSET(space_1_0, dca_space, build_model);
SAME_OFFSET(space_1_0, dca_space, search_shape);
SAME_OFFSET(space_1_0, dca_space, build_supernet);
SAME_OFFSET(space_1_0, dca_space, candidate_net);
SAME_OFFSET(space_1_0, dca_space, derive);
SAME_OFFSET(space_1_0, dca_space, estimate);
SAME_OFFSET(space_1_0, dca_space, arch_from_choices);
SAME_OFFSET(space_1_0, dca_space, arch_dot);
SAME_OFFSET(space_1_0, dca_space, arch_report);
ENDS_AT_SIZE(space_1_0, dca_space, arch_report);

SAME_OFFSET(device_1_0, dca_device, name);
SAME_OFFSET(device_1_0, dca_device, summary);
SAME_OFFSET(device_1_0, dca_device, source);
SAME_OFFSET(device_1_0, dca_device, state);
SAME_OFFSET(device_1_0, dca_device, op_cost);
RENAMED(device_1_0, arch_cost, dca_device, arch_cost_1_0);
RENAMED(device_1_0, edge_model, dca_device, edge_model_1_0);
SAME_OFFSET(device_1_0, dca_device, net_cost);
SAME_OFFSET(device_1_0, dca_device, describe);
SAME_OFFSET(device_1_0, dca_device, release);
SAME_OFFSET(device_1_0, dca_device, runs_here);
ENDS_AT_SIZE(device_1_0, dca_device, runs_here);
AFTER_1_0(dca_device, network_tables);
AFTER_1_0(dca_device, network_value);

SAME_OFFSET(constraint_1_0, dca_constraint, name);
SAME_OFFSET(constraint_1_0, dca_constraint, summary);
SAME_OFFSET(constraint_1_0, dca_constraint, unit);
SAME_OFFSET(constraint_1_0, dca_constraint, needs_device);
SAME_OFFSET(constraint_1_0, dca_constraint, exact);
SAME_OFFSET(constraint_1_0, dca_constraint, op_cost);
ENDS_AT_SIZE(constraint_1_0, dca_constraint, op_cost);
AFTER_1_0(dca_constraint, device_metric);

/* dca_experiment has no size field; modules only read it through a
 * pointer, so fields may go at its end only, after the 1.0 ones */
_Static_assert(offsetof(dca_experiment, select) >=
	       offsetof(dca_experiment, budgets) + sizeof(((dca_experiment *)0)->budgets),
	       "dca_experiment.select is inside the 1.0 layout");
_Static_assert(offsetof(dca_experiment, select_k) > offsetof(dca_experiment, budgets),
	       "dca_experiment.select_k is inside the 1.0 layout");

SAME_OFFSET(optimizer_1_0, dca_optimizer, name);
SAME_OFFSET(optimizer_1_0, dca_optimizer, summary);
SAME_OFFSET(optimizer_1_0, dca_optimizer, run);
ENDS_AT_SIZE(optimizer_1_0, dca_optimizer, run);

#endif
