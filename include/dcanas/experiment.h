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
 * Errors name the JSON path and the file's line and column. */
#ifndef DCANAS_EXPERIMENT_H
#define DCANAS_EXPERIMENT_H

#include <dcanas/constraint.h>
#include <jansson.h>
#include <dcanas/error.h>
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
} dca_experiment;

struct dca_registry;

/* Parse and validate. The registry (may be NULL) resolves plugin names so
 * an unknown space, device or constraint is reported against its path. */
int dca_experiment_load(dca_experiment *exp, const char *path,
			struct dca_registry *reg, dca_error *err);
int dca_experiment_parse(dca_experiment *exp, const char *text,
			 const char *source, struct dca_registry *reg,
			 dca_error *err);
/* DCA_SELECT_* of a selection mode's name, or -1. */
enum { DCA_SELECT_PROXY = 0, DCA_SELECT_LIKELY, DCA_SELECT_REPAIR };
int dca_select_mode_from_name(const char *name);
/* Resolved values as JSON (new reference). */
json_t *dca_experiment_to_json(const dca_experiment *exp);

#ifdef __cplusplus
}
#endif
#endif
