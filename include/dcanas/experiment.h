/* dcanas — experiment configuration files (JSON, read with Jansson).
 *
 * {
 *   "space":       {"name": "nb201", "width": 16, "cells": 5,
 *                   "input": [3, 32, 32], "classes": 10, "auxiliary": false,
 *                   "search_width": 16, "search_cells": 5},
 *   "optimizer":   {"name": "dcanas", "epochs": 50, "batch_size": 64,
 *                   "seed": 1, "time_limit": 1200, ...},
 *   "data":        {"dataset": "cifar10", "path": "DIR", "val_fraction": 0.5,
 *                   "per_class": 500},
 *   "device":      "raspi4",
 *   "constraints": [{"name": "params", "max": "3.5M"},
 *                   {"name": "latency", "max": "20ms"}]
 * }
 *
 * Every key is checked: an unknown key is an error, never a silent default.
 * Errors name the JSON path and the file's line and column.
 *
 * The shape: "space.input" and "space.classes" when given; else those of
 * the dataset kind ("data.dataset": digits8x8 is 1x8x8 with 10 classes);
 * else the space's defaults. A search checks them against the data it
 * reads (dca_search_open). */
#ifndef DCANAS_EXPERIMENT_H
#define DCANAS_EXPERIMENT_H

#include <dcanas/constraint.h>
#include <jansson.h>
#include <dcanas/device.h>
#include <dcanas/error.h>
#include <dcanas/optimizer.h>
#include <dcanas/space.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DCA_MAX_CONSTRAINTS 16

typedef struct dca_budget {
	char name[64];           /* constraint plugin name */
	const dca_constraint *constraint; /* resolved (borrowed) */
	double max;              /* canonical unit of the constraint */
	char text[64];           /* as written, for messages */
} dca_budget;

typedef struct dca_experiment {
	char source[512];        /* file name, for messages */
	char space[64];
	dca_net_shape shape;     /* the deployed network (budgets apply to it) */
	int input_given, classes_given; /* else taken from the dataset */
	dca_net_shape search_shape; /* supernet width/cells; 0: the space's */
	char optimizer[64];
	int epochs, batch_size, warmup_epochs, bottleneck_k;
	double lr, arch_lr, lambda_lr;
	long seed;
	double time_limit;       /* seconds of search (0: epochs decide) */
	int candidate_epochs;    /* random search: training epochs per sample */
	char dataset[64];
	char data_path[512];
	double val_fraction;
	int per_class;           /* first n training images per class (0: all) */
	char device[64];
	int n_budgets;
	dca_budget budgets[DCA_MAX_CONSTRAINTS];
	/* added after ABI 1.0 (fields only ever go at the end) */
	char select[16];         /* how the result is chosen from α: "proxy"
				  * (the select_k most likely feasible archs,
				  * scored by training-free proxies), "likely"
				  * (the most likely feasible arch), "repair"
				  * (argmax derivation, repaired when over a
				  * budget) */
	int select_k;
	/* added in 1.1 after select_k: what the names resolve to, set by the
	 * parse when it is given a registry (borrowed from it: valid until
	 * dca_registry_free; NULL without one). The budgets' constraints are
	 * budgets[i].constraint. dca_search_open uses these and looks no name
	 * up again. */
	struct {
		const dca_space *space;
		const dca_optimizer *optimizer;
		/* NULL when the experiment names no device, needs none, and the
		 * default ("host") is not loaded */
		const dca_device *device;
	} resolved;
	/* added in 1.2: the data's fingerprint as a run directory records it
	 * ("data.fingerprint", 16 hex digits; dca_dataset_fingerprint of the
	 * training and test splits), "" when not given. A search checks the
	 * data it reads against it, so a resumed run may find its data
	 * elsewhere (--resume RUNDIR --data KIND:PATH) but not other data. */
	char data_fingerprint[24];
} dca_experiment;

struct dca_registry;

/* Parse and validate. The registry (may be NULL) resolves plugin names
 * (into exp->resolved and budgets[i].constraint) so an unknown space,
 * optimizer, device or constraint is reported against its path. */
int dca_experiment_load(dca_experiment *exp, const char *path,
			struct dca_registry *reg, dca_error *err);
int dca_experiment_parse(dca_experiment *exp, const char *text,
			 const char *source, struct dca_registry *reg,
			 dca_error *err);

/* ---- Overrides: settings from outside the file (command-line flags) ----
 *
 * Overrides are merged into the file's JSON before its one parse: a value
 * given by a flag is checked exactly as the same value in the file (same
 * ranges, units, names), read from its text as the type its key expects,
 * and a message about it names the flag and the JSON path instead of a
 * line of the file ("--budget params=2 apples: constraints[0].max: budget
 * 'params' expects a number like 3.5M ..."). A later override of the same
 * setting replaces an earlier one, as a later flag does.
 *
 * dca_experiment_overrides_new returns a new set (NULL: out of memory);
 * free it with dca_experiment_overrides_free (NULL is fine). The functions
 * below copy their strings. origin is how messages name the setting,
 * usually the flag ("--epochs"); NULL: the path. */
typedef struct dca_experiment_overrides dca_experiment_overrides;

dca_experiment_overrides *dca_experiment_overrides_new(void);
void dca_experiment_overrides_free(dca_experiment_overrides *ov);
/* path: "device", or "space.KEY", "optimizer.KEY", "data.KEY" for any key
 * of those sections (space.input as "CxHxW") (the file's "space": "nb201" becomes
 * {"name": "nb201", ...}). An override of space.name must agree with the
 * file's space: the file's shape and budgets are for it. DCA_ERR_INVALID
 * for a path no experiment has. */
int dca_experiment_override(dca_experiment_overrides *ov, const char *path,
			    const char *text, const char *origin, dca_error *err);
/* spec "NAME=MAX" (e.g. "latency=20ms"): sets the max of the file's budget
 * NAME, or adds one. DCA_ERR_INVALID when spec is not NAME=MAX. */
int dca_experiment_override_budget(dca_experiment_overrides *ov, const char *spec,
				   const char *origin, dca_error *err);
/* spec "KIND:PATH": data.dataset and data.path. DCA_ERR_INVALID when spec
 * is not KIND:PATH. */
int dca_experiment_override_data(dca_experiment_overrides *ov, const char *spec,
				 const char *origin, dca_error *err);
/* dca_experiment_parse/_load with ov (borrowed; may be NULL) merged in.
 * text may be NULL: the overrides alone (an empty file, "{}"). */
int dca_experiment_parse_with_overrides(dca_experiment *exp, const char *text,
					const char *source,
					const dca_experiment_overrides *ov,
					struct dca_registry *reg, dca_error *err);
int dca_experiment_load_with_overrides(dca_experiment *exp, const char *path,
				       const dca_experiment_overrides *ov,
				       struct dca_registry *reg, dca_error *err);
/* DCA_SELECT_* of a selection mode's name, or -1. */
enum { DCA_SELECT_PROXY = 0, DCA_SELECT_LIKELY, DCA_SELECT_REPAIR };
int dca_select_mode_from_name(const char *name);
/* Resolved values as JSON (new reference). */
json_t *dca_experiment_to_json(const dca_experiment *exp);

#ifdef __cplusplus
}
#endif
#endif
