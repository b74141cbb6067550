/* dcanas — the current communicator and the collectives the training and
 * search loops build on (include/dcanas/comm.h). The transport is the
 * installed backend's; what is here works the same on any. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/comm.h>
#include <dcanas/train.h>

static dca_comm one_process = { .rank = 0, .size = 1 };
static dca_comm *current = &one_process;
/* the last error every rank agreed on (dca_comm_agree, same_text) */
static int failed_together;

int dca_comm_failed_together(void)
{
	return failed_together;
}

dca_comm *dca_comm_current(void)
{
	return current;
}

dca_comm *dca_comm_set(dca_comm *c)
{
	dca_comm *was = current;

	current = c ? c : &one_process;
	return was;
}

int dca_comm_rank(void)
{
	return current->rank;
}

int dca_comm_size(void)
{
	return current->size;
}

int dca_comm_writer(void)
{
	return current->rank == 0;
}

double dca_comm_seconds(void)
{
	return current->seconds;
}

double dca_comm_messages(void)
{
	return current->messages;
}

double dca_comm_bytes(void)
{
	return current->bytes;
}

/* after a collective of bytes that began at t0 */
static void account(double t0, size_t bytes)
{
	current->seconds += dca_seconds() - t0;
	current->messages += 1;
	current->bytes += (double)bytes;
}

/* after the message: the whole job ends (the backend's abort) */
static void end_every_rank(void)
{
	fflush(stderr);
	if (current->abort)
		current->abort(current->ctx, 1);
	exit(1);
}

/* a transport failure: nothing can be agreed any more */
static void transport_failed(const char *what)
{
	fprintf(stderr, "dcanas: rank %d: %s over the ranks failed; stopping "
		"every rank\n", current->rank, what);
	end_every_rank();
}

void dca_comm_sum_float(float *buf, size_t n)
{
	double t0;

	if (current->size <= 1 || n == 0)
		return;
	t0 = dca_seconds();
	if (current->allreduce_float(current->ctx, buf, n))
		transport_failed("a sum");
	account(t0, n * sizeof *buf);
}

void dca_comm_sum_double(double *buf, size_t n)
{
	double t0;

	if (current->size <= 1 || n == 0)
		return;
	t0 = dca_seconds();
	if (current->allreduce_double(current->ctx, buf, n))
		transport_failed("a sum");
	account(t0, n * sizeof *buf);
}

void dca_comm_bcast(void *buf, size_t bytes)
{
	double t0;

	if (current->size <= 1 || bytes == 0)
		return;
	t0 = dca_seconds();
	if (current->bcast(current->ctx, buf, bytes))
		transport_failed("a broadcast");
	account(t0, bytes);
}

int dca_comm_agree(int rc, dca_error *err)
{
	double *failed;
	int r, first = -1, code = 0;
	char msg[sizeof err->msg];

	if (current->size <= 1)
		return rc;
	/* one slot per rank: its code where it failed */
	failed = calloc((size_t)current->size, sizeof *failed);
	if (!failed)
		transport_failed("agreeing on an outcome (out of memory)");
	failed[current->rank] = rc;
	dca_comm_sum_double(failed, (size_t)current->size);
	for (r = 0; r < current->size && first < 0; r++)
		if (failed[r] != 0) {
			first = r;
			code = (int)failed[r];
		}
	free(failed);
	failed_together = first >= 0;
	if (first < 0)
		return 0;
	/* the first failing rank's message, to every rank: it sends it as
	 * rank 0 would, through a sum (zeros elsewhere) */
	{
		double *text = calloc(sizeof msg, sizeof *text);
		size_t i;

		if (!text)
			transport_failed("agreeing on an outcome (out of memory)");
		if (current->rank == first)
			for (i = 0; i < sizeof msg && err->msg[i]; i++)
				text[i] = (unsigned char)err->msg[i];
		dca_comm_sum_double(text, sizeof msg);
		for (i = 0; i + 1 < sizeof msg && text[i] != 0; i++)
			msg[i] = (char)text[i];
		msg[i] = '\0';
		free(text);
	}
	if (first == 0)
		return dca_error_set(err, code, "%s", msg);
	return dca_error_set(err, code, "rank %d: %s", first, msg);
}

int dca_comm_fail(int rc, const dca_error *err)
{
	if (current->size <= 1)
		return rc;
	fprintf(stderr, "dcanas: rank %d of %d: %s; stopping every rank\n",
		current->rank, current->size, err->msg);
	end_every_rank();
	return rc;
}

/* FNV-1a, 64 bits: enough to tell settings apart */
static uint64_t text_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int dca_comm_same_text(const char *text, const char *what, dca_error *err)
{
	uint64_t mine = text_hash(text), root = mine;
	int differs;

	if (current->size <= 1)
		return 0;
	dca_comm_bcast(&root, sizeof root);
	differs = root != mine;
	{
		double n = differs;
		dca_comm_sum_double(&n, 1);
		differs = n > 0;
	}
	failed_together = differs;
	if (differs)
		return dca_error_set(err, DCA_ERR_INVALID, "the ranks were started "
				     "with different %s; give every rank the same "
				     "command and configuration", what);
	return 0;
}

void dca_comm_shard(int b, int *lo, int *hi)
{
	long r = current->rank, n = current->size;

	*lo = (int)(b * r / n);
	*hi = (int)(b * (r + 1) / n);
}

void dca_comm_sum_grads(dca_tensor **params, int n)
{
	size_t total = 0, at = 0;
	float *buf;
	int i;

	if (current->size <= 1)
		return;
	for (i = 0; i < n; i++)
		if (params[i]->grad)
			total += params[i]->size;
	if (!(buf = malloc(total * sizeof *buf)))
		transport_failed("summing gradients (out of memory)");
	for (i = 0; i < n; i++)
		if (params[i]->grad) {
			memcpy(buf + at, params[i]->grad, params[i]->size * sizeof *buf);
			at += params[i]->size;
		}
	dca_comm_sum_float(buf, total);
	for (i = 0, at = 0; i < n; i++)
		if (params[i]->grad) {
			memcpy(params[i]->grad, buf + at, params[i]->size * sizeof *buf);
			at += params[i]->size;
		}
	free(buf);
}

void dca_comm_bcast_tensors(dca_tensor **t, int n)
{
	int i;

	for (i = 0; i < n && current->size > 1; i++)
		dca_comm_bcast(t[i]->data, t[i]->size * sizeof(float));
}
