/* dcanas — moves between architectures in edge form, shared by the
 * feasibility check, repair and the selection stage's beam.
 *
 * An architecture is a choice per edge (the op kept, or -1 where the edge
 * is not kept). A move changes the op of one kept edge, or moves a kept
 * edge to another edge with some op; the space says which results are
 * valid architectures (arch_from_choices). */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "search_internal.h"

/* append mv to *m (n used of *cap); 0, or -1 when out of memory */
static int push_move(dcap_move **m, int *n, int *cap, dcap_move mv)
{
	if (*n == *cap) {
		dcap_move *t = realloc(*m, (size_t)(*cap = *cap ? 2 * *cap : 64) * sizeof *t);
		if (!t)
			return -1;
		*m = t;
	}
	(*m)[(*n)++] = mv;
	return 0;
}

int dcap_list_moves(const dca_space *sp, const int *choice, dcap_move **out)
{
	int E = sp->n_edges, O = sp->n_ops, n = 0, cap = 0, e, e2, o, rc = 0;
	dcap_move *m = NULL;

	for (e = 0; e < E && !rc; e++) {
		if (choice[e] < 0)
			continue;
		for (o = 0; o < O && !rc; o++) {
			if (o != choice[e])
				rc = push_move(&m, &n, &cap, (dcap_move){ e, o, -1 });
			for (e2 = 0; e2 < E && !rc; e2++)
				if (choice[e2] < 0)
					rc = push_move(&m, &n, &cap, (dcap_move){ e2, o, e });
		}
	}
	if (rc) {
		free(m);
		m = NULL;
	}
	*out = m;
	return rc ? -1 : n;
}

void dcap_apply_move(int *choice, const dcap_move *mv, dcap_undo *u)
{
	if (u) {
		u->e = mv->e;
		u->op = choice[mv->e];
		u->e2 = mv->e2;
		u->op2 = mv->e2 >= 0 ? choice[mv->e2] : -1;
	}
	if (mv->e2 >= 0)
		choice[mv->e2] = -1;
	choice[mv->e] = mv->op;
}

void dcap_undo_move(int *choice, const dcap_undo *u)
{
	choice[u->e] = u->op;
	if (u->e2 >= 0)
		choice[u->e2] = u->op2;
}

int dcap_valid_choice(const dca_space *sp, const int *choice, dca_arch **arch)
{
	dca_arch *a = sp->arch_from_choices(choice, NULL);

	if (arch)
		*arch = a;
	else if (a)
		sp->arch_free(a);
	return a != NULL;
}

int dcap_next_choice(int *choice, int E, int O)
{
	int i;

	for (i = 0; i < E && ++choice[i] == O; i++)
		choice[i] = 0;
	return i < E;
}

double dcap_space_size(const dca_space *sp)
{
	return pow(sp->n_ops, sp->n_edges);
}
