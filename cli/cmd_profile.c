/* dcanas profile — measure, on this machine with the dcanas engine, the
 * forward latency of every op a search space can put in its evaluation
 * network, into a per-op device profile (the `host` device's table unless
 * --out names another file); with --validate N, also run N random networks
 * end to end, fit the per-network overhead and record how well the sum of
 * ops predicts them (Kendall tau, median relative error). The work is the
 * library's (dca_profile_space, profile.h); this file reads flags and
 * prints. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/profile.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dcanas profile --space NAME [OPTIONS]\n"
"Measure the forward latency of every op the space's evaluation network can\n"
"contain, on this machine, into a per-op device profile (docs/devices.md).\n"
"Without --out it fills the `host` device's table. An interrupted run keeps\n"
"what it measured; running it again continues.\n\n"
"  --space NAME        nb201 or darts\n"
"  --input CxHxW       (3x32x32)   --classes N (10)\n"
"  --width C --cells N the evaluation network (space defaults)\n"
"  --batch N           images per forward (1)\n"
"  --warmup N --runs N untimed and timed runs per op (3, 15)\n"
"  --threads N         cores to use (default: all)\n"
"  --out FILE          write this profile instead of the host table\n"
"  --validate N        also time N random networks end to end: fit the\n"
"                      per-network overhead, report Kendall tau and the\n"
"                      median relative error of the estimate\n"
"  --points FILE       with --validate: write arch, estimate, measured (TSV)\n"
"  --seed N            for the random networks (1)\n");
}

/* Ctrl-C or SIGTERM: stop after the op being measured; what was measured
 * is saved, and the next run continues from it */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int cmd_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "space", required_argument, 0, 's' }, { "input", required_argument, 0, 'i' },
		{ "classes", required_argument, 0, 'k' }, { "width", required_argument, 0, 'w' },
		{ "cells", required_argument, 0, 'c' }, { "batch", required_argument, 0, 'b' },
		{ "warmup", required_argument, 0, 'W' }, { "runs", required_argument, 0, 'r' },
		{ "threads", required_argument, 0, 't' }, { "out", required_argument, 0, 'o' },
		{ "validate", required_argument, 0, 'v' }, { "points", required_argument, 0, 'p' },
		{ "seed", required_argument, 0, 'S' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *space_name = NULL, *out = NULL, *points = NULL;
	dca_net_shape sh = { 0 };
	dca_timing_opts to;
	int o, threads = 0, n_validate = 0, status = 1;
	long seed = 1;
	dca_registry *reg;
	const dca_space *sp;
	dca_op_table *t = NULL;
	dca_error err = { 0 };
	dca_profile_ctl ctl = { stderr, &stop_requested };
	FILE *pf = NULL;
	char *path = NULL;

	dca_timing_opts_default(&to);
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		/* each number within its limit (limits.h), named by its flag */
		static const cli_num_flag nums[] = {
			{ 'k', "--classes", DCA_LIM_CLASSES }, { 'w', "--width", DCA_LIM_WIDTH },
			{ 'c', "--cells", DCA_LIM_CELLS }, { 'b', "--batch", DCA_LIM_BATCH_SIZE },
			{ 'W', "--warmup", DCA_LIM_COUNT_SMALL }, { 'r', "--runs", DCA_LIM_COUNT_SMALL },
			{ 'v', "--validate", DCA_LIM_COUNT_SMALL }, { 'S', "--seed", DCA_LIM_SEED },
		};
		double v = 0;

		if (cli_number_flag(nums, sizeof nums / sizeof *nums, o, optarg, &v))
			return 2;
		switch (o) {
		case 's': space_name = optarg; break;
		case 'i':
			if (cli_parse_shape(optarg, &sh.in_c, &sh.in_h, &sh.in_w))
				return cli_fail("profile: --input expects CxHxW, e.g. 3x32x32 "
						"(channels and sides up to 4096)");
			break;
		case 'k': sh.classes = (int)v; break;
		case 'w': sh.width = (int)v; break;
		case 'c': sh.cells = (int)v; break;
		case 'b': to.batch = (int)v; break;
		case 'W': to.warmup = (int)v; break;
		case 'r': to.runs = (int)v; break;
		case 't':
			if (cli_threads("--threads", optarg, &threads))
				return 2;
			break;
		case 'o': out = optarg; break;
		case 'v': n_validate = (int)v; break;
		case 'p': points = optarg; break;
		case 'S': seed = (long)v; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!space_name)
		return cli_fail("profile: --space is required (see --help)");
	if (to.batch < 1 || to.runs < 1 || to.warmup < 0 || n_validate < 0 ||
	    sh.classes < 0 || sh.width < 0 || sh.cells < 0)
		return cli_fail("profile: --batch and --runs must be at least 1; "
				"counts are not negative");
	dca_engine_init(threads);
	if (!(reg = cli_registry()))
		return 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!(sp = dca_registry_space(reg, space_name, &err)))
		goto fail;
	dca_space_resolve_shape(sp, &sh);
	path = out ? strdup(out) : dca_host_cache_path(&to);
	if (!path) {
		dca_error_set(&err, DCA_ERR_IO, "profile: no cache folder of this "
			      "user's own for the op table; set HOME, DCANAS_HOST_CACHE "
			      "or --out");
		goto fail;
	}
	if (!(t = dca_op_table_open(path, &to, &err)))
		goto fail;
	if (points && !(pf = fopen(points, "w"))) {
		dca_error_set(&err, DCA_ERR_IO, "%s: cannot write", points);
		goto fail;
	}
	{
		char host[512];
		dca_host_describe(host, sizeof host);
		fprintf(stderr, "profile: %s at C=%d, %d cells, input %dx%dx%d, batch %d "
			"on %s\n", sp->name, sh.width, sh.cells, sh.in_c, sh.in_h, sh.in_w,
			to.batch, host);
	}
	if (dca_profile_space(t, sp, &sh, n_validate, (uint64_t)seed, pf, &ctl, &err) ||
	    dca_op_table_save(t, &err))
		goto fail;
	dca_op_table_describe(t, stdout);
	status = 0;
	goto out;
fail:
	cli_fail("%s", err.msg);
out:
	if (pf)
		fclose(pf);
	dca_op_table_free(t);      /* saves what was measured */
	free(path);
	dca_registry_free(reg);
	return status;
}
