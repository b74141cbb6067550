/* dcanas — the command-line program: dispatch to subcommands. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	int spread;     /* runs over MPI ranks; the others run on rank 0 alone */
} commands[] = {
	{ "search", cmd_search, "search an architecture within budgets (DCA-NAS) and derive it", 1 },
	{ "sweep", cmd_sweep, "one search per budget value and seed, and the accuracy-cost front", 1 },
	{ "profile", cmd_profile, "measure op latencies on this machine into a device profile", 0 },
	{ "train", cmd_train, "train an architecture from scratch on a dataset", 1 },
	{ "eval", cmd_eval, "measure a trained network on the test split", 0 },
	{ "export", cmd_export, "write a trained network as an ONNX model or C99 source", 0 },
	{ "cost", cmd_cost, "print the exact costs of an architecture on a device", 0 },
	{ "check-config", cmd_check_config, "validate an experiment file and print the resolved values", 0 },
	{ "plugins", cmd_plugins, "list every loaded space, optimizer, constraint and device", 0 },
	{ "devices", cmd_devices, "list devices, or show one with its latency model's fit", 0 },
};

int cli_fail(const char *fmt, ...)
{
	char msg[4096];
	const unsigned char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* a message quotes what the user gave (keys, paths, flags): control
	 * bytes in it (ANSI escapes) are shown, not sent to the terminal */
	/* over MPI ranks: an error all ranks agreed on, rank 0 alone says;
	 * one rank's own error says which rank */
	if (dca_comm_size() > 1 && dca_comm_failed_together() && !dca_comm_writer())
		return 1;
	fputs("dcanas: ", stderr);
	if (cli_comm_world_rank() >= 0 && !dca_comm_failed_together())
		fprintf(stderr, "rank %d: ", cli_comm_world_rank());
	for (p = (const unsigned char *)msg; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	fputc('\n', stderr);
	return 1;
}

int cli_parse_shape(const char *text, int *c, int *h, int *w)
{
	const dca_limit *ch = dca_limit_get(DCA_LIM_INPUT_CHANNELS);
	const dca_limit *side = dca_limit_get(DCA_LIM_INPUT_SIZE);
	long lc, lh, lw;
	char tail;

	if (sscanf(text, "%ldx%ldx%ld%c", &lc, &lh, &lw, &tail) != 3 ||
	    lc < ch->min || lc > ch->max || lh < side->min || lh > side->max ||
	    lw < side->min || lw > side->max)
		return -1;
	*c = (int)lc;
	*h = (int)lh;
	*w = (int)lw;
	return 0;
}

int cli_number(dca_limit_id id, const char *flag, const char *text, double *out)
{
	dca_error err = { 0 };

	return dca_limit_parse(id, flag, text, out, &err) ? cli_fail("%s", err.msg) : 0;
}

int cli_number_flag(const cli_num_flag *flags, size_t n, int opt, const char *text,
		    double *v)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (opt == flags[k].opt)
			return cli_number(flags[k].lim, flags[k].flag, text, v);
	return 0;
}

int cli_threads(const char *flag, const char *text, int *out)
{
	double v;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cli_number(DCA_LIM_THREADS, flag, text, &v))
		return 1;
	*out = (int)v;
	if (cores > 0 && v > cores) {
		fprintf(stderr, "dcanas: %s %s: this machine has %ld cores; using %ld\n",
			flag, text, cores, cores);
		*out = (int)cores;
	}
	return 0;
}

/* The uninstalled program (in the build tree) uses the build tree's modules
 * and profiles unless the user chose others. */
static void use_build_tree_when_uninstalled(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	size_t len = strlen(DCA_ABS_BUILDDIR);

	if (n <= 0)
		return;
	exe[n] = '\0';
	if (strncmp(exe, DCA_ABS_BUILDDIR, len) != 0 || exe[len] != '/')
		return;
	setenv("DCANAS_PLUGIN_PATH", DCA_BUILD_PLUGIN_PATH, 0);
	setenv("DCANAS_PROFILE_PATH", DCA_BUILD_PROFILE_PATH, 0);
	setenv("DCANAS_BENCHMARK_PATH", DCA_BUILD_BENCHMARK_PATH, 0);
	setenv("DCANAS_NO_SYSTEM_PLUGINS", "1", 0);
}

/* --strict-plugins: a module that fails to load is an error */
static int strict_plugins;

dca_registry *cli_registry_log(FILE *log)
{
	dca_error err = { 0 };
	dca_registry *reg = dca_registry_new();

	if (!reg) {
		cli_fail("out of memory");
		return NULL;
	}
	if (strict_plugins)
		dca_registry_set_strict(reg, 1);
	dca_registry_set_log(reg, log);
	if (dca_registry_load_default(reg, &err) != 0) {
		cli_fail("%s", err.msg);
		dca_registry_free(reg);
		return NULL;
	}
	return reg;
}

dca_registry *cli_registry(void)
{
	return cli_registry_log(stderr);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: dcanas [--strict-plugins] COMMAND [OPTIONS]\n"
		"Find neural networks that fit a device (DCA-NAS).\n\nCommands:\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`dcanas COMMAND --help` describes each command.\n"
		"A module that fails to load is skipped with a warning; with\n"
		"--strict-plugins (or DCANAS_STRICT_PLUGINS=1) it is an error.\n"
		"Environment: DCANAS_PLUGIN_PATH (module folders), "
		"DCANAS_PROFILE_PATH (device profile folders),\n"
		"DCANAS_DATA_MEMORY (decoded images kept in memory; beyond it on disk, in\n"
		"DCANAS_DATA_CACHE_DIR: docs/data.md).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	use_build_tree_when_uninstalled();
	dca_engine_init(0);   /* every core; commands with --threads change it */
	/* global options come before the command */
	while (argc >= 2 && strcmp(argv[1], "--strict-plugins") == 0) {
		strict_plugins = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dcanas %s (plugin ABI %d.%d, %s)\n", PACKAGE_VERSION,
		       DCA_ABI_MAJOR, DCA_ABI_MINOR,
#ifdef HAVE_MPI
		       "MPI"
#else
		       "no MPI"
#endif
		       );
		return 0;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			int rc = cli_comm_start();

			if (rc)
				return rc;
			dca_engine_init(0);   /* a rank's share of the cores */
			/* a command that does not spread its work runs once, on
			 * rank 0: the others would write the same files at once */
			if (!commands[i].spread && !dca_comm_writer())
				return cli_comm_stop(0);
			return cli_comm_stop(commands[i].run(argc - 1, argv + 1));
		}
	fprintf(stderr, "dcanas: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
