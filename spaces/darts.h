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
/* Search edges: node i of a cell has an edge from each of its 2+i inputs;
 * 14 per cell type, normal cell's first, so 28 in all. */
#define DARTS_CELL_EDGES 14

/* first edge into node i within a cell type */
static inline int darts_node_edge0(int node)
{
	return node * (node + 3) / 2;
}

/* global edge index of input j of node i in cell type t (0 normal, 1 reduce) */
static inline int darts_edge(int t, int node, int j)
{
	return t * DARTS_CELL_EDGES + darts_node_edge0(node) + j;
}

/* node and input of a within-cell edge index */
static inline int darts_edge_node(int e)
{
	int i = 0;

	while (i + 1 < DARTS_STEPS && darts_node_edge0(i + 1) <= e)
		i++;
	return i;
}

static inline int darts_edge_input(int e)
{
	return e - darts_node_edge0(darts_edge_node(e));
}

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

/* the evaluation network's default shape: CIFAR, C=36, 20 cells */
#define DARTS_DEFAULT_SHAPE { .in_c = 3, .in_h = 32, .in_w = 32, .classes = 10, \
			      .width = 36, .cells = 20, .auxiliary = 0 }

/* darts_genotype.c: the op names, "normal"/"reduce", and the genotype
 * codec behind dca_space's arch_* callbacks */
extern const char *const darts_op_names[DARTS_N_OPS];
extern const char *const darts_cell_key[2];
dca_arch *darts_arch_parse(const char *text, dca_error *err);
char *darts_arch_format(const dca_arch *a);
void darts_arch_free(dca_arch *a);
int darts_arch_choices(const dca_arch *a, int *choice);
dca_arch *darts_from_choices(const int *choice, dca_error *err);

/* darts_net.c: build_net and candidate_net */
int darts_build_net(const dca_arch *a, const dca_net_shape *shape,
		    dca_net *net, dca_error *err);
int darts_candidate_net(const dca_net_shape *shape, int edge, int op,
			dca_net *net, dca_error *err);

/* darts_net.c: refuse a shape (resolved) the network cannot have, naming
 * what is wrong */
int darts_check_shape(const dca_net_shape *shape, dca_error *err);
/* darts_model.c: the search supernet with channel bottleneck k (the
 * trainable evaluation network is the core's, from darts_build_net) */
int dcap_darts_build_supernet(const dca_net_shape *shape, int k, uint64_t seed,
			      struct dca_supernet **out, dca_error *err);

#endif
