/* dcanas — the processes a run is spread over (data parallelism).
 *
 * A run is one process unless the program was started by an MPI launcher
 * (`mpirun -np N dcanas train ...`); then the core holds a communicator of
 * N ranks and the training and search loops split every global batch over
 * them: each rank takes a contiguous shard of the batch the single process
 * would have drawn (the loader draws the whole batch's shuffle and
 * augmentation on every rank and builds only its shard), the loss gradient
 * is seeded with the shard's share of the batch, batch normalisation uses
 * the statistics of the whole global batch (synchronised), and the
 * gradients are summed over ranks before each optimizer step. So N ranks
 * compute what one process computes, up to the order of float sums.
 *
 * The core only dispatches: the program installs a backend (the dcanas
 * program's is Open MPI's, cli/mpi_comm.c, when built --with-mpi); without
 * one every call is the one-process identity. Every function here is
 * collective: all ranks of the current communicator call it, in the same
 * order, or the run hangs. Rank 0 is the run's only writer (run directory,
 * log, checkpoints, terminal). */
#ifndef DCANAS_COMM_H
#define DCANAS_COMM_H

#include <stddef.h>

#include <dcanas/error.h>
#include <dcanas/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A backend: a group of ranks and its collectives. Each returns 0, or
 * non-zero when the transport failed (the caller aborts the run). */
typedef struct dca_comm {
	int rank, size;
	void *ctx;
	int (*allreduce_float)(void *ctx, float *buf, size_t n);    /* sum */
	int (*allreduce_double)(void *ctx, double *buf, size_t n);  /* sum */
	int (*bcast)(void *ctx, void *buf, size_t bytes);           /* from rank 0 */
	/* ends every rank of the whole job (not only this group) with code */
	void (*abort)(void *ctx, int code);
	double seconds;          /* spent in collectives so far */
	double messages, bytes;  /* collectives so far, and their payload */
} dca_comm;

/* The current communicator (never NULL: a one-rank group without a
 * backend). dca_comm_set(NULL) returns to that; it returns the previous. */
dca_comm *dca_comm_current(void);
dca_comm *dca_comm_set(dca_comm *c);
int dca_comm_rank(void);
int dca_comm_size(void);
/* whether this rank writes files and the terminal: rank 0 */
int dca_comm_writer(void);
/* seconds this process has spent in the current group's collectives, how
 * many it made and their payload (each rank's buffer) in bytes */
double dca_comm_seconds(void);
double dca_comm_messages(void);
double dca_comm_bytes(void);

/* Collectives over the current group. A transport failure aborts the job
 * (the backend's abort), so these return only on success. */
void dca_comm_sum_float(float *buf, size_t n);
void dca_comm_sum_double(double *buf, size_t n);
void dca_comm_bcast(void *buf, size_t bytes);

/* Every rank passes its own outcome (rc, err); every rank gets the same
 * one back: 0 when all succeeded, else the lowest failing rank's code,
 * with its message in err (prefixed "rank R: " when more than one rank).
 * Used where ranks may fail apart (loading data, reading a checkpoint), so
 * all stop with that error instead of some waiting for the others. */
int dca_comm_agree(int rc, dca_error *err);
/* Whether the last failure was one every rank agreed on (dca_comm_agree,
 * dca_comm_same_text): then rank 0 reports it and every rank can end
 * normally, none being left inside a collective. */
int dca_comm_failed_together(void);
/* An error where ranks cannot agree (in the middle of a step): print it
 * on stderr with the rank and end the whole job with exit status 1.
 * One process: returns rc, for the caller to return. */
int dca_comm_fail(int rc, const dca_error *err);
/* Refuse ranks started with different settings: text (a run's settings)
 * must be the same on every rank. */
int dca_comm_same_text(const char *text, const char *what, dca_error *err);

/* This rank's shard [*lo, *hi) of a global batch of b samples: contiguous,
 * sizes differing by at most one. */
void dca_comm_shard(int b, int *lo, int *hi);

/* Data parallelism over the current group: sum the gradients of params
 * over ranks (one message, the gradients end to end). A no-op on one. */
void dca_comm_sum_grads(dca_tensor **params, int n);
/* Rank 0's values of these tensors on every rank (states read from a
 * checkpoint by rank 0, and weights kept bitwise the same) */
void dca_comm_bcast_tensors(dca_tensor **t, int n);

#ifdef __cplusplus
}
#endif
#endif
