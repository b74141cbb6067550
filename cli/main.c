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
} commands[] = {
	{ "search", cmd_search, "search an architecture within budgets (DCA-NAS) and derive it" },
	{ "profile", cmd_profile, "measure op latencies on this machine into a device profile" },
	{ "train", cmd_train, "train an architecture from scratch on a dataset" },
	{ "eval", cmd_eval, "measure a trained network on the test split" },
	{ "cost", cmd_cost, "print the exact costs of an architecture on a device" },
	{ "check-config", cmd_check_config, "validate an experiment file and print the resolved values" },
	{ "plugins", cmd_plugins, "list every loaded space, optimizer, constraint and device" },
	{ "devices", cmd_devices, "list devices, or show one with its latency model's fit" },
};

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("dcanas: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_parse_shape(const char *text, int *c, int *h, int *w)
{
	char tail;

	return sscanf(text, "%dx%dx%d%c", c, h, w, &tail) == 3 && *c > 0 &&
	       *h > 0 && *w > 0 ? 0 : -1;
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
		"DCANAS_PROFILE_PATH (device profile folders).\n");
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
		printf("dcanas %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
		       DCA_ABI_MAJOR, DCA_ABI_MINOR);
		return 0;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "dcanas: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
