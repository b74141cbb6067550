/* dcanas — NAS-Bench-201 space: what its two files share. */
#ifndef DCANAS_SPACES_NB201_H
#define DCANAS_SPACES_NB201_H

#include <dcanas/dcanas.h>
#include <dcanas/model.h>

#define NB201_EDGES 6
#define NB201_NODES 4

enum { OP_NONE, OP_SKIP, OP_CONV1, OP_CONV3, OP_AVGPOOL, NB201_OPS };

struct dca_arch {
	int op[NB201_EDGES]; /* edge order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2 */
};

/* edge index of (to, from) in arch-string order */
static inline int edge_index(int to, int from)
{
	return (to - 1) * to / 2 + from;
}

extern const char *const nb201_op_names[NB201_OPS];
/* the arch string |op~0|+|op~0|op~1|+|op~0|op~1|op~2| (malloc'ed) */
char *nb201_space_format(const dca_arch *a);

/* nb201_model.c: the supernet (the trainable evaluation network is the
 * core's, from the op descriptors of nb201_space.c) */
int dcap_nb201_build_supernet(const dca_net_shape *shape, int k, uint64_t seed,
			      struct dca_supernet **out, dca_error *err);

/* nb201_table.c: the benchmark's 200-epoch test accuracies of arch */
int dcap_nb201_report(const dca_arch *arch, json_t *report, dca_error *err);

#endif
