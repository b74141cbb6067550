/* dcanas — the deployed network's schedule and memory layout.
 *
 * One plan for the peak_memory constraint and the code dcanas export
 * generates, so that a peak-memory budget is a promise about that code:
 * the constraint reports the size of the arena the generated code
 * declares. The rules are in net.h (dca_net_plan). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <dcanas/net.h>

void dca_net_plan_free(dca_net_plan *p)
{
	free(p->writes);
	free(p->offset);
	memset(p, 0, sizeof *p);
}

typedef struct span {
	int t;            /* tensor */
	long start, end;  /* alive from op start to op end, both included */
	size_t bytes;
} span;

static int by_size_then_start(const void *a, const void *b)
{
	const span *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->t - y->t;
}

typedef struct placed {
	size_t off, end;
} placed;

static int by_offset(const void *a, const void *b)
{
	const placed *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* 1 when op i is a batchnorm folded into the convolution that produced its
 * input: no other op reads that output, and it is not the net's output */
static int folds(const dca_net *net, const int *readers, size_t i)
{
	const dca_op_desc *op = &net->ops[i];
	size_t j;

	if (op->kind != DCA_OP_BATCHNORM || op->in[0] == net->output ||
	    readers[op->in[0]] != 1)
		return 0;
	for (j = i; j-- > 0;)
		if (net->ops[j].out == op->in[0])
			return net->ops[j].kind == DCA_OP_CONV;
	return 0;
}

int dca_net_plan_make(const dca_net *net, dca_net_plan *p)
{
	size_t nt = net->n_tensors ? net->n_tensors : 1, no = net->n_ops, i, k;
	int *readers = calloc(nt, sizeof *readers);
	span *sp = malloc(nt * sizeof *sp);
	placed *pl = malloc(nt * sizeof *pl);
	size_t n_sp = 0;
	int j;

	memset(p, 0, sizeof *p);
	p->writes = malloc((no ? no : 1) * sizeof *p->writes);
	p->offset = malloc(nt * sizeof *p->offset);
	if (!readers || !sp || !pl || !p->writes || !p->offset)
		goto oom;
	for (i = 0; i < no; i++)
		for (j = 0; j < net->ops[i].n_in; j++) {
			int k2, dup = 0;
			for (k2 = 0; k2 < j; k2++)
				dup |= net->ops[i].in[k2] == net->ops[i].in[j];
			readers[net->ops[i].in[j]] += !dup;
		}
	/* what each op writes: a folded BN nothing, its conv the BN's output */
	for (i = 0; i < no; i++)
		p->writes[i] = net->ops[i].out;
	for (i = 0; i < no; i++)
		if (folds(net, readers, i)) {
			for (k = i; k-- > 0;)
				if (net->ops[k].out == net->ops[i].in[0])
					break;
			p->writes[k] = net->ops[i].out;
			p->writes[i] = -1;
		}
	/* lifetimes: from the op that writes a tensor (the input: before the
	 * first op) to its last reader (the output: past the last op) */
	for (k = 0; k < nt; k++)
		p->offset[k] = -1;
	{
		long *start = malloc(nt * sizeof *start), *end = malloc(nt * sizeof *end);
		if (!start || !end) {
			free(start);
			free(end);
			goto oom;
		}
		for (k = 0; k < nt; k++)
			start[k] = end[k] = -2;
		if (net->input >= 0)
			start[net->input] = end[net->input] = -1;
		for (i = 0; i < no; i++)
			if (p->writes[i] >= 0)
				start[p->writes[i]] = end[p->writes[i]] = (long)i;
		for (i = 0; i < no; i++) {
			long at = (long)i;
			if (p->writes[i] < 0)
				continue;
			/* a folded conv reads its inputs while it writes the BN's output */
			for (j = 0; j < net->ops[i].n_in; j++) {
				int t = net->ops[i].in[j];
				if (start[t] > -2 && end[t] < at)
					end[t] = at;
			}
		}
		if (net->output >= 0 && start[net->output] > -2)
			end[net->output] = (long)no;
		for (k = 0; k < net->n_tensors; k++)
			if (start[k] > -2)
				sp[n_sp++] = (span){ (int)k, start[k], end[k],
						     (size_t)(4.0 * net->tensors[k].c *
							      net->tensors[k].h *
							      net->tensors[k].w) };
		free(start);
		free(end);
	}
	/* greedy by size: the largest first, each at the lowest offset clear
	 * of every placed tensor alive at the same time */
	qsort(sp, n_sp, sizeof *sp, by_size_then_start);
	p->arena_bytes = 0;
	for (i = 0; i < n_sp; i++) {
		size_t n_pl = 0, off = 0;
		for (k = 0; k < i; k++)
			if (sp[k].start <= sp[i].end && sp[i].start <= sp[k].end)
				pl[n_pl++] = (placed){ (size_t)p->offset[sp[k].t],
						       (size_t)p->offset[sp[k].t] + sp[k].bytes };
		qsort(pl, n_pl, sizeof *pl, by_offset);
		for (k = 0; k < n_pl; k++) {
			if (pl[k].off >= off + sp[i].bytes)
				break;
			if (pl[k].end > off)
				off = pl[k].end;
		}
		p->offset[sp[i].t] = (long)off;
		if (off + sp[i].bytes > p->arena_bytes)
			p->arena_bytes = off + sp[i].bytes;
	}
	free(readers);
	free(sp);
	free(pl);
	return 0;
oom:
	free(readers);
	free(sp);
	free(pl);
	dca_net_plan_free(p);
	return -1;
}
