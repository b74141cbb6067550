/* dcanas — peak activation memory.
 *
 * Schedule assumed (documented in docs/constraints.md): batch 1, ops run one
 * at a time in the order the space lists them (the reference implementation's
 * forward order); a tensor is allocated when its op starts and freed right
 * after its last reader finishes; while an op runs, its inputs and its output
 * are all alive. No in-place ops, no operator fusion. Weights are not
 * counted (they live in flash on a microcontroller). Identity/skip edges
 * alias their input and cost nothing. */
#include "config.h"

#include <stdlib.h>

#include "peak_memory.h"

double dcap_peak_memory(const dca_net *net)
{
	long *last_use;
	size_t i, t;
	int j;
	double live = 0, peak = 0;
	long end = (long)net->n_ops;

	last_use = malloc((net->n_tensors ? net->n_tensors : 1) * sizeof *last_use);
	if (!last_use)
		return -1;
	for (t = 0; t < net->n_tensors; t++)
		last_use[t] = -1;
	for (i = 0; i < net->n_ops; i++)
		for (j = 0; j < net->ops[i].n_in; j++)
			last_use[net->ops[i].in[j]] = (long)i;
	if (net->output >= 0)
		last_use[net->output] = end;
	if (net->input >= 0) {
		live = dca_tensor_bytes(net, net->input);
		peak = live;
	}
	for (i = 0; i < net->n_ops; i++) {
		const dca_op_desc *op = &net->ops[i];
		live += dca_tensor_bytes(net, op->out);
		if (live > peak)
			peak = live;
		/* free what this op read for the last time, and a dead output */
		for (j = 0; j < op->n_in; j++) {
			int in = op->in[j], k, dup = 0;
			for (k = 0; k < j; k++)
				dup |= op->in[k] == in;
			if (!dup && last_use[in] == (long)i)
				live -= dca_tensor_bytes(net, in);
		}
		if (last_use[op->out] < 0)
			live -= dca_tensor_bytes(net, op->out);
	}
	free(last_use);
	return peak;
}
