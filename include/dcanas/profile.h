/* dcanas — measuring latency on this machine with the engine itself: one op
 * from its descriptor, or a whole trainable network end to end (forward,
 * inference mode); a per-op table of them; profiling a search space into
 * that table. Used by `dcanas profile` and the `host` device. */
#ifndef DCANAS_PROFILE_H
#define DCANAS_PROFILE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <dcanas/error.h>
#include <dcanas/model.h>
#include <dcanas/net.h>
#include <dcanas/space.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_timing_opts {
	int batch;       /* images per forward (1) */
	int warmup;      /* untimed runs first (3) */
	int runs;        /* timed runs (15) */
} dca_timing_opts;

void dca_timing_opts_default(dca_timing_opts *o);

typedef struct dca_timing {
	double median_ms;
	double spread_ms;   /* interquartile range */
} dca_timing;

/* Forward latency of the op an op descriptor describes, on random inputs
 * and weights. Zero and identity ops cost nothing (not run). */
int dca_time_op(const dca_op_desc *op, const dca_timing_opts *o, dca_timing *t,
		dca_error *err);
/* Forward latency of a whole network (eval mode) at input c x h x w. */
int dca_time_model(dca_model *m, int c, int h, int w, const dca_timing_opts *o,
		   dca_timing *t, dca_error *err);

/* The key of an op in a per-op table: every field that changes its cost. */
void dca_op_key(const dca_op_desc *op, char *buf, size_t n);
/* One op-table entry (docs/devices.md) for op with the given value. */
json_t *dca_op_entry(const dca_op_desc *op, double value_ms);

/* "CPU model, N threads, OPENBLAS_CORETYPE=X" of this machine now. */
void dca_host_describe(char *buf, size_t n);

/* ------------------------------------------------------------------ */
/* A measured per-op latency table (core/host/host_table.c): a device profile
 * (docs/devices.md, format 1, one op table) whose header records the
 * machine and settings it was measured with. Ops missing from it are
 * measured when first asked for, so a table builds itself on first use. */
typedef struct dca_op_table dca_op_table;

/* Where this machine's table lives for these settings:
 * $DCANAS_HOST_CACHE (a file), else $XDG_CACHE_HOME/dcanas or
 * ~/.cache/dcanas (the account's home when HOME is unset, else a folder of
 * this user's own in the temporary directory), named by CPU model,
 * threads, OPENBLAS_CORETYPE, batch. NULL when there is no safe folder. */
char *dca_host_cache_path(const dca_timing_opts *o);
/* Open path (a missing file is an empty table). A file measured on another
 * machine or with other settings is an error naming both. */
dca_op_table *dca_op_table_open(const char *path, const dca_timing_opts *o,
				dca_error *err);
void dca_op_table_free(dca_op_table *t);   /* saves what is new first */
int dca_op_table_save(dca_op_table *t, dca_error *err);
/* The op's latency: from the table, else measured now and added. *measured
 * (may be NULL) says which. */
int dca_op_table_cost(dca_op_table *t, const dca_op_desc *op, double *ms,
		      int *measured, dca_error *err);
/* Σ op latencies of net plus the fitted per-network overhead. */
int dca_op_table_net_cost(dca_op_table *t, const dca_net *net, double *ms,
			  dca_error *err);
const char *dca_op_table_path(const dca_op_table *t);
/* The timing settings the table was opened with (borrowed). */
const dca_timing_opts *dca_op_table_timing(const dca_op_table *t);
size_t dca_op_table_count(const dca_op_table *t);
/* The overhead model: measured - Σ ops ~= per_net + per_op * n_ops. */
void dca_op_table_set_overhead(dca_op_table *t, double per_net_ms, double per_op_ms);
void dca_op_table_get_overhead(const dca_op_table *t, double *per_net_ms, double *per_op_ms);
/* The table's JSON object of estimate quality per space (borrowed; the
 * caller may add to it; saved with the table). */
json_t *dca_op_table_quality(dca_op_table *t);
/* Print header, size, overhead and quality to f. */
void dca_op_table_describe(const dca_op_table *t, FILE *f);

/* Kendall's tau-b of two series of n values. */
double dca_kendall_tau(const double *a, const double *b, int n);

/* ------------------------------------------------------------------ */
/* Profiling a search space (core/profile_space.c; `dcanas profile`)   */

/* How a long profiling run reports and stops; a NULL ctl, or NULL fields,
 * mean silent and uninterrupted. */
typedef struct dca_profile_ctl {
	FILE *progress;       /* progress (rewritten in place on a terminal) */
	/* polled before each op and each network: when set (by a signal
	 * handler, say) the run stops with DCA_ERR_IO after what it was
	 * measuring, and what it measured stays in the table */
	const volatile sig_atomic_t *stop;
} dca_profile_ctl;

/* Every op the evaluation network of sp at shape sh can contain: each
 * candidate op on every edge, and the skeleton of one derived network,
 * appended to all (initialised and freed by the caller; repeats are
 * kept). DCA_ERR_UNSUPPORTED for a space that lists no candidates. */
int dca_profile_space_ops(const dca_space *sp, const dca_net_shape *sh,
			  dca_net *all, dca_error *err);
/* Measure into t every distinct op of ops it does not hold yet; prints to
 * ctl->progress how many were distinct and how many measured now. */
int dca_op_table_measure(dca_op_table *t, const dca_net *ops,
			 const dca_profile_ctl *ctl, dca_error *err);
/* Time n random networks of sp (random logits through its derivation
 * rule; seeded) at sh end to end, store each one's (Σ ops from t, op
 * count, measured) in t's quality for sp, replacing what was there, and
 * refit the overhead from every space's points (dca_op_table_fit_overhead).
 * points (may be NULL) gets one TSV line per network: arch, ops_sum_ms,
 * n_ops, measured_ms. sp needs derive, arch_from_choices and build_model. */
int dca_op_table_validate(dca_op_table *t, const dca_space *sp, const dca_net_shape *sh,
			  int n, uint64_t seed, FILE *points, const dca_profile_ctl *ctl,
			  dca_error *err);
/* The overhead model's least-squares fit, measured - Σ ops ~= per_net +
 * per_op * n_ops, over the points of every space in t's quality (left as
 * it is with fewer than 2 points). */
void dca_op_table_fit_overhead(dca_op_table *t);
/* For every space in t's quality: Kendall tau and median relative error of
 * Σ ops + overhead against the measured latencies, and the count. */
int dca_op_table_score(dca_op_table *t, dca_error *err);
/* All of `dcanas profile`: the space's ops measured into t, n_validate
 * networks validated (none when 0), every space scored. Saving t is the
 * caller's (dca_op_table_save, or dca_op_table_free). */
int dca_profile_space(dca_op_table *t, const dca_space *sp, const dca_net_shape *sh,
		      int n_validate, uint64_t seed, FILE *points,
		      const dca_profile_ctl *ctl, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
