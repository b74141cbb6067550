/* dcanas — DARTS space: what its two files share (darts_space.c parses and
 * prints genotypes and lists the evaluation network's op descriptors;
 * darts_model.c builds the same network as a trainable model). */
#ifndef DCANAS_SPACES_DARTS_H
#define DCANAS_SPACES_DARTS_H

#include <stdint.h>

#include <dcanas/dcanas.h>
#include <dcanas/model.h>

#define DARTS_STEPS 4                   /* intermediate nodes per cell */
#define DARTS_PAIRS (2 * DARTS_STEPS)   /* (op, input) pairs per cell */
#define DARTS_STATES (DARTS_STEPS + 2)  /* states a concat may name */

enum {
	OP_NONE = 0,
	OP_MAX_POOL_3X3,
	OP_AVG_POOL_3X3,
	OP_SKIP_CONNECT,
	OP_SEP_CONV_3X3,
	OP_SEP_CONV_5X5,
	OP_DIL_CONV_3X3,
	OP_DIL_CONV_5X5,
	DARTS_N_OPS
};

/* One cell of a genotype: node i sums pairs 2i and 2i+1; input j of node i
 * indexes the states [c_{k-2}, c_{k-1}, node0, ..., node(i-1)]. */
typedef struct darts_cell {
	int op[DARTS_PAIRS];
	int in[DARTS_PAIRS];
	int n_concat;
	int concat[DARTS_STATES];
} darts_cell;

struct dca_arch {
	darts_cell cell[2]; /* 0: normal, 1: reduce */
};

/* darts_model.c: the trainable evaluation network (NetworkCIFAR); shape
 * fields must be resolved (non-zero) */
int dcap_darts_build_model(const dca_arch *arch, const dca_net_shape *shape,
			   uint64_t seed, struct dca_model **out, dca_error *err);

#endif
