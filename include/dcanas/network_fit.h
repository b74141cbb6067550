/* dcanas — the additive per-edge model the core fits to a device's
 * whole-network table (device.h), for differentiable search.
 *
 *     cost(arch) ~= bias + sum over the edges e the arch keeps of w[e][op_e]
 *
 * The table's arch strings are read with the space's own parser
 * (arch_parse, then arch_choices), so the edge order and op indices are the
 * space's. Fitted over every arch of the table by non-negative least
 * squares: bias >= 0 and every w >= 0, so no arch, and no softmax mixture
 * of ops during search, is ever estimated below zero. Where plain least
 * squares is already non-negative on every arch the two are the same fit;
 * where it is not (raspi4: -5.04 ms for the all-'none' cell), the bound
 * moves the fit as little as least squares allows, and the report says so.
 *
 * A table that cannot determine every term (fewer archs than unknowns, an
 * op never seen on an edge, archs that do not separate the terms) is
 * refused with DCA_ERR_UNSUPPORTED and a message saying why: a fit with no
 * residual would otherwise report R^2 1.0000. */
#ifndef DCANAS_NETWORK_FIT_H
#define DCANAS_NETWORK_FIT_H

#include <stdio.h>

#include <dcanas/device.h>
#include <dcanas/error.h>
#include <dcanas/plugin.h>
#include <dcanas/space.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_network_fit {
	int n_edges, n_ops;        /* the space's */
	double bias;               /* >= 0 */
	double *w;                 /* n_edges * n_ops, w[e * n_ops + op] >= 0; owned */
	int *always_kept;          /* n_edges: 1 when every arch keeps edge e; owned */
	size_t n_archs;            /* archs fitted: every arch of the table */
	int n_unknowns;            /* terms the table determines: 1 + per edge
				    * (ops - 1) when always kept, else ops */
	double r2, rmse;           /* of the fitted model over the table */
	double worst_abs, worst_rel;  /* largest |model - table|, and relative
				       * to the table value (values > 0) */
	size_t worst_abs_at, worst_rel_at;  /* table indices */
	/* plain least squares, for the report: its lowest cost over the
	 * table's archs; the bound changed the fit when it is below 0 */
	double ls_min;
	size_t ls_min_at;
	double ls_r2;
} dca_network_fit;

/* Fit the model for space to table t (which must be for space). On success
 * fills *fit (free with dca_network_fit_free); on failure *fit holds
 * nothing to free and err says why, naming the table's source. */
int dca_network_fit_init(dca_network_fit *fit, const dca_space *space,
			 const dca_network_table *t, dca_error *err);
void dca_network_fit_free(dca_network_fit *fit);
/* The model's cost of an arch given as its choices (space.arch_choices):
 * bias + sum of w over the kept edges; >= 0. */
double dca_network_fit_predict(const dca_network_fit *fit, const int *choice);
/* Print the fit for humans (quality, the bound, per-edge costs relative to
 * the space's op 0), each line starting with indent. */
void dca_network_fit_print(const dca_network_fit *fit, const dca_space *space,
			   const dca_network_table *t, const char *indent, FILE *f);

/* Print every network table of dev (size, metric, min/median/max) and the
 * core's fit of each to out. A table for a space no loaded module provides
 * is not fitted: a warning naming its source goes to warn (may be NULL).
 * Returns 0, or an error when the device's tables cannot be read. */
int dca_network_tables_describe(const dca_device *dev, const dca_registry *reg,
				FILE *out, FILE *warn, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
