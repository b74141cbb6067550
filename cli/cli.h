/* dcanas command-line program: one file per subcommand. */
#ifndef DCANAS_CLI_H
#define DCANAS_CLI_H

#include <stdio.h>

#include <dcanas/comm.h>
#include <dcanas/dcanas.h>
#include <dcanas/model.h>
#include <dcanas/train.h>

/* A registry with every module found; prints the error and returns NULL.
 * Modules that fail to load are skipped with a warning on stderr, or are an
 * error under --strict-plugins or DCANAS_STRICT_PLUGINS=1. */
dca_registry *cli_registry(void);
/* The same, with the skip warnings sent to log (NULL: none). */
dca_registry *cli_registry_log(FILE *log);
/* Print "dcanas: MSG" to stderr; returns 1 (the exit status for errors). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse "3x32x32" into c, h, w (within limits.h's bounds). */
int cli_parse_shape(const char *text, int *c, int *h, int *w);
/* A flag's number within a limit (limits.h) into *out; prints the error
 * (naming the flag, what it got and the range) and returns 1 when not. */
int cli_number(dca_limit_id id, const char *flag, const char *text, double *out);
/* A command's numeric flags, each with its limit */
typedef struct cli_num_flag {
	int opt;                  /* getopt's value for the flag */
	const char *flag;         /* "--epochs", for messages */
	dca_limit_id lim;
} cli_num_flag;
/* When opt is one of flags[n]: its value (text) within the flag's limit
 * into *v; prints the error and returns 1 when not. 0 otherwise. */
int cli_number_flag(const cli_num_flag *flags, size_t n, int opt, const char *text,
		    double *v);
/* --threads: within the limit, and capped (with a warning) at the cores
 * this machine has; 0 means all. */
int cli_threads(const char *flag, const char *text, int *out);

/* "--data KIND:PATH": load train and test sets and their normalisation;
 * labels (NULL, "fine" or "coarse": --labels) picks CIFAR-100's classes;
 * input (NULL, or C, H, W: --input) the size folder images are resized to. */
int cli_load_data(const char *spec, const char *labels, const int *input,
		  dca_dataset *train, dca_dataset *test, dca_augment *aug);

/* MPI (cli/mpi_comm.c): join the job when an MPI launcher started this
 * process (else nothing; 1 on failure, printed); split the ranks into
 * groups of ranks_per_group, each its own communicator (sweep); back to
 * the whole job; leave it with the exit status rc (a failure ends every
 * rank); this rank in the whole job, or -1 when not one of several. */
int cli_comm_start(void);
int cli_comm_split(int ranks_per_group, int *group_index, int *groups);
void cli_comm_world(void);
int cli_comm_stop(int rc);
int cli_comm_world_rank(void);

int cmd_plugins(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_cost(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

#endif
