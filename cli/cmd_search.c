/* dcanas search — run a search from an experiment file (or flags), or
 * resume one from its run directory. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dcanas/jsonfile.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dcanas search [OPTIONS] CONFIG.json\n"
"       dcanas search --space NAME --data KIND:PATH [--budget NAME=MAX]... [OPTIONS]\n"
"       dcanas search --resume RUNDIR\n"
"Search an architecture that meets every budget (DCA-NAS by default), derive\n"
"it, check every budget on the deployed network exactly (repairing it when\n"
"one is broken), and write the run directory: config.json, log.jsonl,\n"
"checkpoint.dcaw, arch.json, cells.dot (and cells.svg with Graphviz).\n\n"
"Options override the experiment file:\n"
"  --out DIR           run directory (default: runs/SPACE-OPTIMIZER-TIME)\n"
"  --space NAME        nb201 or darts        --width C --cells N (deployed net)\n"
"  --search-width C --search-cells N         the supernet's (search proxy)\n"
"  --optimizer NAME    dcanas, darts or random\n"
"  --data KIND:PATH    cifar10:DIR, cifar100:DIR, fashion-mnist:DIR, mnist:DIR,\n"
"                      digits8x8:DIR\n"
"  --labels coarse     CIFAR-100's 20 superclasses (fine: its 100 classes)\n"
"  --input CxHxW       folder data: the size images are resized to (3x32x32)\n"
"  --per-class N       search on the first N training images of each class\n"
"  --device NAME       for latency and energy budgets (see `dcanas devices`)\n"
"  --budget NAME=MAX   e.g. params=2M, flops=100M, latency=20ms (repeatable;\n"
"                      replaces the file's budget of that name)\n"
"  --epochs N  --warmup N  --batch-size N  --k K (channel bottleneck)\n"
"  --lr X  --arch-lr X  --lambda-lr X  --seed N  --time-limit SECONDS\n"
"  --select MODE       how the result is chosen from the search's α: proxy\n"
"                      (default: the architectures within every budget, most\n"
"                      likely first, scored by training-free proxies, capacity\n"
"                      and α until the time limit, or as long again as the\n"
"                      search took without one), likely (the most likely\n"
"                      one), repair (argmax derivation, repaired)\n"
"  --select-k N        at most N candidates (default 10000)\n"
"  --threads N         cores to use (default: all)\n"
"  --quiet             no progress on stderr\n"
"  --resume RUNDIR     continue an interrupted run with its own config (and\n"
"                      --data KIND:PATH when its data moved: the same data,\n"
"                      checked by its fingerprint)\n");
}

typedef struct search_args {
	const char *config, *out, *resume, *space;
	dca_experiment_overrides *ov;  /* every experiment setting given */
	int threads, quiet, stop_after, overrides;
	const char *data;              /* --data, the one setting a resume takes */
} search_args;

/* The flags that are experiment settings, and the key each overrides;
 * the library reads and checks their values, as it does the file's. */
static const struct setting {
	const char *flag, *path;
} settings[] = {
	{ "space", "space.name" }, { "width", "space.width" },
	{ "cells", "space.cells" }, { "search-width", "space.search_width" },
	{ "search-cells", "space.search_cells" }, { "optimizer", "optimizer.name" },
	{ "epochs", "optimizer.epochs" }, { "warmup", "optimizer.warmup_epochs" },
	{ "batch-size", "optimizer.batch_size" }, { "k", "optimizer.bottleneck_k" },
	{ "lr", "optimizer.lr" }, { "arch-lr", "optimizer.arch_lr" },
	{ "lambda-lr", "optimizer.lambda_lr" }, { "seed", "optimizer.seed" },
	{ "time-limit", "optimizer.time_limit" }, { "select", "optimizer.select" },
	{ "select-k", "optimizer.select_k" }, { "per-class", "data.per_class" },
	{ "labels", "data.labels" }, { "input", "space.input" },
	{ "device", "device" },
	{ "data", NULL },      /* KIND:PATH */
	{ "budget", NULL },    /* NAME=MAX */
};
#define N_SETTINGS (int)(sizeof settings / sizeof settings[0])
enum { OPT_OUT = 256, OPT_RESUME, OPT_THREADS, OPT_QUIET, OPT_STOP_AFTER, OPT_HELP };

static int parse(int argc, char **argv, search_args *a)
{
	struct option opts[N_SETTINGS + 7];
	dca_error err = { 0 };
	int o, i, rc = 0;

	memset(a, 0, sizeof *a);
	memset(opts, 0, sizeof opts);
	/* a setting's option value is its index in settings */
	for (i = 0; i < N_SETTINGS; i++)
		opts[i] = (struct option){ settings[i].flag, required_argument, 0, i };
	opts[i++] = (struct option){ "out", required_argument, 0, OPT_OUT };
	opts[i++] = (struct option){ "resume", required_argument, 0, OPT_RESUME };
	opts[i++] = (struct option){ "threads", required_argument, 0, OPT_THREADS };
	opts[i++] = (struct option){ "quiet", no_argument, 0, OPT_QUIET };
	opts[i++] = (struct option){ "stop-after", required_argument, 0, OPT_STOP_AFTER };
	opts[i++] = (struct option){ "help", no_argument, 0, OPT_HELP };
	if (!(a->ov = dca_experiment_overrides_new()))
		return cli_fail("out of memory") + 1;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o >= 0 && o < N_SETTINGS) {
			char flag[32];

			snprintf(flag, sizeof flag, "--%s", settings[o].flag);
			rc = strcmp(settings[o].flag, "data") == 0
			     ? dca_experiment_override_data(a->ov, optarg, flag, &err)
			     : strcmp(settings[o].flag, "budget") == 0
			     ? dca_experiment_override_budget(a->ov, optarg, flag, &err)
			     : dca_experiment_override(a->ov, settings[o].path, optarg,
						       flag, &err);
			if (rc)
				return cli_fail("%s", err.msg) + 1;
			if (strcmp(settings[o].flag, "space") == 0)
				a->space = optarg;
			if (strcmp(settings[o].flag, "data") == 0)
				a->data = optarg;
			else
				a->overrides++;
			continue;
		}
		switch (o) {
		case OPT_OUT: a->out = optarg; break;
		case OPT_RESUME: a->resume = optarg; break;
		case OPT_THREADS:
			if (cli_threads("--threads", optarg, &a->threads))
				return 2;
			break;
		case OPT_QUIET: a->quiet = 1; break;
		case OPT_STOP_AFTER: {
			double v;

			if (cli_number(DCA_LIM_COUNT_SMALL, "--stop-after", optarg, &v))
				return 2;
			a->stop_after = (int)v;
			break;
		}
		case 'h': case OPT_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		a->config = argv[optind++];
	if (optind < argc)
		return cli_fail("search: unexpected argument '%s' (see --help)", argv[optind]) + 1;
	if (a->resume && (a->config || a->overrides || a->out))
		return cli_fail("search: --resume RUNDIR continues a run with the "
				"config in RUNDIR/config.json; it takes no CONFIG, --out "
				"or other settings (only --data, when the data moved, "
				"--threads and --quiet)") + 1;
	if (!a->resume && !a->config && !a->space)
		return cli_fail("search: give an experiment file, or at least --space "
				"and --data (see --help)") + 1;
	return -1;
}

extern char **environ;

/* Graphviz's dot, when installed: dot -Tsvg -o svg in. 0 when it made svg. */
static int run_dot(const char *in, const char *svg)
{
	char *argv[] = { "dot", "-Tsvg", "-o", (char *)svg, (char *)in, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc = -1;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "dot", &fa, NULL, argv, environ) == 0 &&
	    waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		rc = 0;
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* The run's cells.dot (arch.json's "drawing", written by the library) as
 * cells.svg when Graphviz is installed, recorded as arch.json's
 * "drawing_svg" (arch.json rewritten atomically). Without Graphviz, or
 * when it fails, the .dot stays and arch.json names only it. */
static void draw_svg(const char *run_dir)
{
	char arch[1100], dot[1100], svg[1100];
	dca_error err = { 0 };
	json_t *j;

	snprintf(arch, sizeof arch, "%s/arch.json", run_dir);
	if (!(j = dca_json_load_file(arch, NULL)))
		return;
	if (json_is_string(json_object_get(j, "drawing"))) {
		snprintf(dot, sizeof dot, "%s/%s", run_dir,
			 json_string_value(json_object_get(j, "drawing")));
		snprintf(svg, sizeof svg, "%s/cells.svg", run_dir);
		if (run_dot(dot, svg) == 0) {
			json_object_set_new(j, "drawing_svg", json_string("cells.svg"));
			if (dca_json_save_file(j, arch, JSON_INDENT(2), &err))
				fprintf(stderr, "dcanas: warning: %s\n", err.msg);
		}
	}
	json_decref(j);
}

int cmd_search(int argc, char **argv)
{
	search_args a;
	dca_registry *reg;
	dca_experiment exp;
	dca_search_opts so = { 0 };
	dca_search *s = NULL;
	dca_error err = { 0 };
	char out[1024], cfg[1100];
	int ran = 0, rc = parse(argc, argv, &a);

	if (rc >= 0) {
		dca_experiment_overrides_free(a.ov);
		return rc;
	}
	if (!(reg = cli_registry())) {
		dca_experiment_overrides_free(a.ov);
		return 1;
	}
	/* one parse: the file (or the run's config.json), the flags merged in */
	if (a.resume) {
		snprintf(cfg, sizeof cfg, "%s/config.json", a.resume);
		if (access(cfg, R_OK) != 0) {
			dca_registry_free(reg);
			dca_experiment_overrides_free(a.ov);
			return cli_fail("search --resume: %s: no config.json there; is "
					"it a search run directory?", a.resume);
		}
		/* --data: the data moved; the run's fingerprint must match */
		rc = dca_experiment_load_with_overrides(&exp, cfg, a.data ? a.ov : NULL,
							reg, &err);
		if (!rc && a.data && !exp.data_fingerprint[0]) {
			dca_registry_free(reg);
			dca_experiment_overrides_free(a.ov);
			return cli_fail("search --resume %s --data %s: the run does not "
					"record a fingerprint of its data (an older dcanas), "
					"so other data cannot be told apart: put the data "
					"back where config.json says, or start a new search",
					a.resume, a.data);
		}
	} else if (a.config) {
		rc = dca_experiment_load_with_overrides(&exp, a.config, a.ov, reg, &err);
	} else {
		rc = dca_experiment_parse_with_overrides(&exp, NULL, "(command line)",
							 a.ov, reg, &err);
	}
	dca_experiment_overrides_free(a.ov);
	if (rc) {
		dca_registry_free(reg);
		return cli_fail("%s", err.msg);
	}
	if (a.resume) {
		snprintf(out, sizeof out, "%s", a.resume);
	} else if (a.out) {
		snprintf(out, sizeof out, "%s", a.out);
	} else {
		time_t t = time(NULL);
		char stamp[32];
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&t));
		snprintf(out, sizeof out, "runs/%s-%s-%s", exp.space, exp.optimizer, stamp);
		if (access("runs", F_OK) != 0 && mkdir("runs", 0777) != 0) {
			dca_registry_free(reg);
			return cli_fail("search: cannot create ./runs; give --out DIR");
		}
	}
	dca_engine_init(a.threads);
	if (!dca_comm_writer())
		a.quiet = 1;    /* over MPI ranks, rank 0 reports */
	else if (dca_comm_size() > 1 && !a.quiet)
		fprintf(stderr, "search: data parallel over %d MPI ranks (%d threads "
			"each): every batch split %d ways, batch norm synchronised\n",
			dca_comm_size(), dca_engine_threads(), dca_comm_size());
	so.run_dir = out;
	so.resume = a.resume != NULL;
	so.progress = a.quiet ? NULL : stderr;
	so.stop_after = a.stop_after;
	rc = dca_search_open(&s, &exp, reg, &so, &err);
	if (!rc) {
		if (!a.quiet)
			fprintf(stderr, "search: %s on %s (%d training, %d validation "
				"images), run directory %s\n", exp.optimizer, exp.space,
				dca_search_train_set(s)->n, dca_search_val_set(s)->n, out);
		rc = dca_search_run(s, &err);
		ran = 1;
	}
	dca_search_close(s);
	dca_registry_free(reg);
	/* arch.json is written (also when the result breaks a budget) */
	if (ran && (rc == 0 || rc == DCA_ERR_INFEASIBLE) && dca_comm_writer())
		draw_svg(out);
	if (rc == 1) {
		fprintf(stderr, "search: stopped early; continue with `dcanas search "
			"--resume %s`\n", out);
		return 0;
	}
	if (rc)
		return cli_fail("%s", err.msg);
	if (!dca_comm_writer())
		return 0;
	if (!a.quiet) {
		/* folder data is resized: train at the searched input */
		char input[48] = "";
		if (!strcmp(exp.dataset, "folder"))
			snprintf(input, sizeof input, " --input %dx%dx%d", exp.shape.in_c,
				 exp.shape.in_h, exp.shape.in_w);
		fprintf(stderr, "next: train it, then export it for the device:\n"
			"  dcanas train --arch-json %s/arch.json --data %s:%s%s --run-dir %s/train\n"
			"  dcanas export --weights %s/train/weights.dcaw --format onnx "
			"--out %s/net.onnx   (or --format c --out %s/net.c)\n",
			out, exp.dataset, exp.data_path, input, out, out, out, out);
	}
	printf("%s/arch.json\n", out);
	return 0;
}
