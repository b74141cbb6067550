/* dcanas — plugin modules and the registry.
 *
 * A module is a libtool module exporting exactly one symbol,
 * DCA_MODULE_ENTRY_NAME, a function returning a pointer to a static
 * dca_module_info (DCA_MODULE_DEFINE writes both). The core accepts a module
 * whose abi_major equals its own and whose abi_minor is not newer, then calls
 * its register function, which adds spaces, optimizers, constraints and
 * devices to the registry. Modules are loaded eagerly and never unloaded.
 *
 * Versions. Every struct a module hands over (dca_module_info, dca_space,
 * dca_device, dca_constraint, dca_optimizer) carries its size and reserved
 * room; the registry copies each into a zeroed struct of its own, reading
 * no more than the module's struct holds. DCA_ABI_MINOR grows when fields
 * are added at the end of those structs (older modules keep loading: the new
 * fields read as zero); DCA_ABI_MAJOR when anything else changes, in them or
 * in the engine structs modules share (see optimizer.h), and older modules
 * are then refused with both versions named.
 *   1.0  first release.
 *   1.1  struct_size and reserved room at the end of dca_space, dca_device,
 *        dca_constraint and dca_optimizer; the 1.0 layout is a prefix.
 *        After struct_size: dca_device.network_tables and network_value
 *        (a 1.0 device has no network tables) and
 *        dca_constraint.device_metric. dca_device's 1.0 arch_cost and
 *        edge_model stay in place, never called (arch_cost_1_0,
 *        edge_model_1_0). dca_experiment gains select, select_k and
 *        resolved (the plugins its names resolve to) at its end (modules
 *        only read it through a pointer).
 *   1.2  dca_net gains binds at its end (per op: the parameters' names and
 *        a conv's input offset, for dcanas export; dca_net_param_last,
 *        dca_net_conv_offset). Modules hold a dca_net only through the
 *        core's pointers, and dca_op_desc is unchanged. dca_experiment
 *        gains data_fingerprint at its end.
 *   1.3  dca_net gains flags (per op: DCA_OP_FLAG_DROP_PATH) and aux_output
 *        at its end: what training needs beyond the deployed network, now
 *        that the core builds the trainable network from build_net
 *        (dca_space_build_model, dca_model_from_net); dca_space.build_model
 *        becomes optional (the in-tree spaces leave it NULL). */
#ifndef DCANAS_PLUGIN_H
#define DCANAS_PLUGIN_H

#include <stdint.h>
#include <stdio.h>

#include <dcanas/constraint.h>
#include <dcanas/device.h>
#include <dcanas/error.h>
#include <dcanas/optimizer.h>
#include <dcanas/space.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DCA_ABI_MAJOR 1
#define DCA_ABI_MINOR 3
#define DCA_MODULE_ENTRY_NAME "dca_module_entry"

typedef struct dca_registry dca_registry;

typedef enum dca_kind {
	DCA_KIND_SPACE = 0,
	DCA_KIND_OPTIMIZER,
	DCA_KIND_CONSTRAINT,
	DCA_KIND_DEVICE,
	DCA_KIND_COUNT
} dca_kind;

typedef struct dca_module_info {
	uint32_t abi_major;
	uint32_t abi_minor;
	uint32_t struct_size;      /* sizeof(dca_module_info) the module saw */
	const char *name;
	const char *version;
	const char *summary;
	const char *license;
	/* Add this module's plugins to reg. Return 0 or a negative code with err set. */
	int (*register_plugins)(dca_registry *reg, dca_error *err);
	void *reserved[8];         /* room to grow without breaking the ABI */
} dca_module_info;

/* Initialiser for the fixed ABI fields of a module's descriptor. */
#define DCA_MODULE_INFO_INIT \
	.abi_major = DCA_ABI_MAJOR, .abi_minor = DCA_ABI_MINOR, \
	.struct_size = sizeof(dca_module_info)

typedef const dca_module_info *(*dca_module_entry_fn)(void);

/* A module's descriptor and its entry function, at file scope:
 *
 *   DCA_MODULE_DEFINE("my_module", "1.0", "what it adds", "MIT",
 *                     register_plugins);
 *
 * register_fn is an int (*)(dca_registry *, dca_error *). The expansion
 * ends with a declaration, so the trailing semicolon is ordinary C. */
#define DCA_MODULE_DEFINE(name_, version_, summary_, license_, register_fn_) \
	static const dca_module_info dca_module_info_of_this_module = {      \
		DCA_MODULE_INFO_INIT,                                        \
		.name = (name_),                                             \
		.version = (version_),                                       \
		.summary = (summary_),                                       \
		.license = (license_),                                       \
		.register_plugins = (register_fn_),                          \
	};                                                                   \
	const dca_module_info *dca_module_entry(void);                       \
	const dca_module_info *dca_module_entry(void)                        \
	{                                                                    \
		return &dca_module_info_of_this_module;                      \
	}                                                                    \
	const dca_module_info *dca_module_entry(void)

/* Registry lifecycle. dca_registry_new reads DCANAS_STRICT_PLUGINS: set to
 * anything but "" or "0", the registry starts in strict mode. */
dca_registry *dca_registry_new(void);
void dca_registry_free(dca_registry *reg);

/* Load one module file (.la or .so). On failure the registry is left as it
 * was (whatever the module registered is dropped) and err names the file and
 * the reason; whether that is fatal is the caller's choice. */
int dca_registry_load_file(dca_registry *reg, const char *path, dca_error *err);
/* Load every module in a directory (sorted by name). A module that fails to
 * load is skipped: a warning goes to the log and dca_registry_skipped()
 * records it, and the others load. In strict mode the first failure is
 * returned instead (modules loaded before it stay). Out of memory is always
 * an error. A directory that does not exist is empty. */
int dca_registry_load_dir(dca_registry *reg, const char *dir, dca_error *err);
/* Load every directory on DCANAS_PLUGIN_PATH (colon-separated), then the
 * installed plugin dir unless DCANAS_NO_SYSTEM_PLUGINS=1 (the test suite sets
 * it so an installed copy cannot shadow the build tree). Skips as above. */
int dca_registry_load_default(dca_registry *reg, dca_error *err);

/* Strict mode: a module that fails to load is an error, not a warning (CI,
 * `dcanas --strict-plugins`). */
void dca_registry_set_strict(dca_registry *reg, int strict);
int dca_registry_strict(const dca_registry *reg);
/* Where the warnings about skipped modules go: stderr by default; NULL for
 * none (a caller that reports dca_registry_skipped() itself). Borrowed. */
void dca_registry_set_log(dca_registry *reg, FILE *log);

/* The modules skipped while loading folders, in load order. Borrowed. */
typedef struct dca_registry_skip {
	const char *file;     /* the module file (or plugin folder) */
	const char *reason;   /* the load error; it names the file */
} dca_registry_skip;

size_t dca_registry_skipped_count(const dca_registry *reg);
const dca_registry_skip *dca_registry_skipped(const dca_registry *reg, size_t i);

/* Called by modules from their register function. The registry copies the
 * struct into a zeroed one it owns and checks the callbacks every command
 * needs (each kind's header lists them); the copy is what lookups return,
 * and what the struct points to (strings, state) stays borrowed. On failure
 * nothing is registered, err names the module file, and the caller keeps
 * what it handed over (a device it allocated, say).
 *
 * These are macros: they pass the plugin ABI minor the caller is compiled
 * against, which says whether the struct has a struct_size (1.1 on) or is a
 * 1.0 struct without one. A struct_size smaller than the 1.0 fields plus the
 * size field itself is refused (was the struct filled without
 * DCA_SPACE_INIT and friends?). */
int dca_registry_add_space_abi(dca_registry *reg, const dca_space *space,
			       unsigned abi_minor, dca_error *err);
int dca_registry_add_constraint_abi(dca_registry *reg, const dca_constraint *c,
				    unsigned abi_minor, dca_error *err);
int dca_registry_add_device_abi(dca_registry *reg, const dca_device *dev,
				unsigned abi_minor, dca_error *err);
int dca_registry_add_optimizer_abi(dca_registry *reg, const dca_optimizer *o,
				   unsigned abi_minor, dca_error *err);
#define dca_registry_add_space(reg, space, err) \
	dca_registry_add_space_abi((reg), (space), DCA_ABI_MINOR, (err))
#define dca_registry_add_constraint(reg, c, err) \
	dca_registry_add_constraint_abi((reg), (c), DCA_ABI_MINOR, (err))
#define dca_registry_add_device(reg, dev, err) \
	dca_registry_add_device_abi((reg), (dev), DCA_ABI_MINOR, (err))
#define dca_registry_add_optimizer(reg, o, err) \
	dca_registry_add_optimizer_abi((reg), (o), DCA_ABI_MINOR, (err))
/* The functions modules built against the 1.0 headers call: the struct has
 * the 1.0 layout (no struct_size), whatever the caller. */
int (dca_registry_add_space)(dca_registry *reg, const dca_space *space, dca_error *err);
int (dca_registry_add_constraint)(dca_registry *reg, const dca_constraint *c,
				  dca_error *err);
int (dca_registry_add_device)(dca_registry *reg, const dca_device *dev, dca_error *err);
int (dca_registry_add_optimizer)(dca_registry *reg, const dca_optimizer *o,
				 dca_error *err);
/* File of the module being loaded now (NULL outside registration): lets a
 * module locate data shipped next to it. */
const char *dca_registry_loading_file(const dca_registry *reg);

/* Lookup: the registry's copy, valid until dca_registry_free; NULL with err
 * naming the known names when absent. */
const dca_space *dca_registry_space(const dca_registry *reg, const char *name, dca_error *err);
const dca_constraint *dca_registry_constraint(const dca_registry *reg, const char *name, dca_error *err);
const dca_device *dca_registry_device(const dca_registry *reg, const char *name, dca_error *err);
const dca_optimizer *dca_registry_optimizer(const dca_registry *reg, const char *name,
					    dca_error *err);

/* Enumerate everything registered. Entries are borrowed. */
typedef struct dca_registry_entry {
	dca_kind kind;
	const char *name;
	const char *version;   /* module version */
	const char *file;      /* module file (or profile file for table devices) */
	const char *summary;
	const void *object;    /* the registry's copy: dca_space*, dca_device*, ... */
} dca_registry_entry;

size_t dca_registry_count(const dca_registry *reg);
const dca_registry_entry *dca_registry_get(const dca_registry *reg, size_t i);
const char *dca_kind_name(dca_kind kind);

#ifdef __cplusplus
}
#endif
#endif
