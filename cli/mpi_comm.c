/* dcanas — the Open MPI backend of the core's communicator (comm.h).
 *
 * MPI starts only when an MPI launcher started this process (mpirun sets
 * OMPI_COMM_WORLD_SIZE; Hydra and PMIx launchers PMI_SIZE / PMIX_RANK), so
 * the program run by hand never initialises MPI. Built only --with-mpi;
 * without it the cli_comm_* functions below say that a launcher was used
 * on a build that cannot join it. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

static int launched(void)
{
	const char *n = getenv("OMPI_COMM_WORLD_SIZE");

	if (!n)
		n = getenv("PMI_SIZE");
	if (n)
		return atoi(n) > 1;
	return getenv("PMIX_RANK") != NULL;
}

#ifdef HAVE_MPI
#include <mpi.h>

static MPI_Comm world_comm = MPI_COMM_NULL, group_comm = MPI_COMM_NULL;
static dca_comm world, group;
static int started;

/* MPI counts are ints: long buffers go in pieces */
#define PIECE (1 << 28)

static int mpi_sum(MPI_Comm c, void *buf, size_t n, MPI_Datatype type, size_t elem)
{
	char *p = buf;

	while (n > 0) {
		int k = n > PIECE ? PIECE : (int)n;
		if (MPI_Allreduce(MPI_IN_PLACE, p, k, type, MPI_SUM, c) != MPI_SUCCESS)
			return -1;
		p += (size_t)k * elem;
		n -= (size_t)k;
	}
	return 0;
}

static int mpi_sum_float(void *ctx, float *buf, size_t n)
{
	return mpi_sum(*(MPI_Comm *)ctx, buf, n, MPI_FLOAT, sizeof *buf);
}

static int mpi_sum_double(void *ctx, double *buf, size_t n)
{
	return mpi_sum(*(MPI_Comm *)ctx, buf, n, MPI_DOUBLE, sizeof *buf);
}

static int mpi_bcast(void *ctx, void *buf, size_t bytes)
{
	char *p = buf;

	while (bytes > 0) {
		int k = bytes > PIECE ? PIECE : (int)bytes;
		if (MPI_Bcast(p, k, MPI_BYTE, 0, *(MPI_Comm *)ctx) != MPI_SUCCESS)
			return -1;
		p += k;
		bytes -= (size_t)k;
	}
	return 0;
}

static void mpi_abort(void *ctx, int code)
{
	(void)ctx;
	MPI_Abort(MPI_COMM_WORLD, code);
}

static void fill(dca_comm *c, MPI_Comm *mc)
{
	MPI_Comm_rank(*mc, &c->rank);
	MPI_Comm_size(*mc, &c->size);
	c->ctx = mc;
	c->allreduce_float = mpi_sum_float;
	c->allreduce_double = mpi_sum_double;
	c->bcast = mpi_bcast;
	c->abort = mpi_abort;
	c->seconds = c->messages = c->bytes = 0;
}

int cli_comm_start(void)
{
	int provided, local = 1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	MPI_Comm node;

	if (!launched())
		return 0;
	/* only the main thread calls MPI; OpenMP threads never do */
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return cli_fail("could not start MPI (the program was started by an "
				"MPI launcher)");
	started = 1;
	MPI_Comm_dup(MPI_COMM_WORLD, &world_comm);
	/* failures come back as codes; comm.c aborts every rank on them */
	MPI_Comm_set_errhandler(world_comm, MPI_ERRORS_RETURN);
	fill(&world, &world_comm);
	dca_comm_set(&world);
	/* ranks sharing this machine share its cores: each takes its part
	 * (at most what its binding allows), unless --threads says */
	if (MPI_Comm_split_type(world_comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
				&node) == MPI_SUCCESS) {
		MPI_Comm_size(node, &local);
		MPI_Comm_free(&node);
	}
	if (cores > 0 && local > 0)
		dca_engine_default_threads((int)(cores / local > 0 ? cores / local : 1));
	return 0;
}

int cli_comm_split(int ranks_per_group, int *group_index, int *groups)
{
	int rc;

	if (!started || world.size <= 1) {
		*group_index = 0;
		*groups = 1;
		return 0;
	}
	if (ranks_per_group < 1 || ranks_per_group > world.size ||
	    world.size % ranks_per_group)
		return cli_fail("--ranks-per-point %d: the %d ranks must split into "
				"groups of that many (a divisor of %d)", ranks_per_group,
				world.size, world.size);
	*group_index = world.rank / ranks_per_group;
	*groups = world.size / ranks_per_group;
	rc = MPI_Comm_split(world_comm, *group_index, world.rank, &group_comm);
	if (rc != MPI_SUCCESS)
		return cli_fail("could not split the MPI ranks into groups");
	MPI_Comm_set_errhandler(group_comm, MPI_ERRORS_RETURN);
	fill(&group, &group_comm);
	dca_comm_set(&group);
	return 0;
}

void cli_comm_world(void)
{
	if (started)
		dca_comm_set(&world);
}

int cli_comm_stop(int rc)
{
	if (!started)
		return rc;
	/* a rank that failed alone may have left the others inside a
	 * collective: its error (already printed) ends every rank, so nothing
	 * waits; a failure all ranks agreed on ends each normally */
	if (rc != 0 && world.size > 1 && !dca_comm_failed_together()) {
		fflush(stdout);
		fflush(stderr);
		MPI_Abort(MPI_COMM_WORLD, rc);
	}
	if (group_comm != MPI_COMM_NULL)
		MPI_Comm_free(&group_comm);
	MPI_Comm_free(&world_comm);
	dca_comm_set(NULL);
	MPI_Finalize();
	return rc;
}

int cli_comm_world_rank(void)
{
	return started && world.size > 1 ? world.rank : -1;
}

#else

int cli_comm_start(void)
{
	if (launched())
		return cli_fail("this dcanas was built without MPI, but an MPI launcher "
				"started it with more than one rank: rebuild with "
				"./configure --with-mpi (Debian: apt-get install "
				"libopenmpi-dev openmpi-bin), or run it without mpirun");
	return 0;
}

int cli_comm_split(int ranks_per_group, int *group_index, int *groups)
{
	(void)ranks_per_group;
	*group_index = 0;
	*groups = 1;
	return 0;
}

void cli_comm_world(void)
{
}

int cli_comm_stop(int rc)
{
	return rc;
}

int cli_comm_world_rank(void)
{
	return -1;
}

#endif
