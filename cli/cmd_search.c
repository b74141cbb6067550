/* dcanas search — run a search from an experiment file (or flags), or
 * resume one from its run directory. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

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
"  --data KIND:PATH    cifar10:DIR, fashion-mnist:DIR, mnist:DIR, digits8x8:DIR\n"
"  --per-class N       search on the first N training images of each class\n"
"  --device NAME       for latency and energy budgets (see `dcanas devices`)\n"
"  --budget NAME=MAX   e.g. params=2M, flops=100M, latency=20ms (repeatable;\n"
"                      replaces the file's budget of that name)\n"
"  --epochs N  --warmup N  --batch-size N  --k K (channel bottleneck)\n"
"  --lr X  --arch-lr X  --lambda-lr X  --seed N  --time-limit SECONDS\n"
"  --select MODE       how the result is chosen from the search's α: proxy\n"
"                      (default: the architectures within every budget, most\n"
"                      likely first, scored by training-free proxies, capacity\n"
"                      and α until the time limit), likely (the most likely\n"
"                      one), repair (argmax derivation, repaired)\n"
"  --select-k N        at most N candidates (default 10000)\n"
"  --threads N         cores to use (default: all)\n"
"  --quiet             no progress on stderr\n"
"  --resume RUNDIR     continue an interrupted run with its own config\n");
}

typedef struct search_args {
	const char *config, *out, *resume, *space, *optimizer, *data, *device, *select;
	const char *budgets[DCA_MAX_CONSTRAINTS];
	int n_budgets, threads, quiet, stop_after, overrides;
	/* numeric overrides; < 0: not given */
	double epochs, warmup, batch, k, lr, arch_lr, lambda_lr, seed, time_limit,
	       per_class, width, cells, search_width, search_cells, select_k;
} search_args;

static int parse(int argc, char **argv, search_args *a)
{
	static const struct option opts[] = {
		{ "out", required_argument, 0, 'o' }, { "resume", required_argument, 0, 'R' },
		{ "space", required_argument, 0, 's' }, { "optimizer", required_argument, 0, 'O' },
		{ "data", required_argument, 0, 'd' }, { "device", required_argument, 0, 'D' },
		{ "budget", required_argument, 0, 'B' }, { "epochs", required_argument, 0, 'e' },
		{ "warmup", required_argument, 0, 'u' }, { "batch-size", required_argument, 0, 'b' },
		{ "k", required_argument, 0, 'k' }, { "lr", required_argument, 0, 'l' },
		{ "arch-lr", required_argument, 0, 'a' }, { "lambda-lr", required_argument, 0, 'L' },
		{ "seed", required_argument, 0, 'S' }, { "time-limit", required_argument, 0, 'T' },
		{ "per-class", required_argument, 0, 'P' }, { "width", required_argument, 0, 'w' },
		{ "cells", required_argument, 0, 'c' }, { "threads", required_argument, 0, 't' },
		{ "quiet", no_argument, 0, 'q' }, { "stop-after", required_argument, 0, 'X' },
		{ "search-width", required_argument, 0, 'W' },
		{ "search-cells", required_argument, 0, 'C' },
		{ "select", required_argument, 0, 'M' },
		{ "select-k", required_argument, 0, 'K' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	double *num[128] = { 0 };
	int o;

	memset(a, 0, sizeof *a);
	a->epochs = a->warmup = a->batch = a->k = a->lr = a->arch_lr = a->lambda_lr =
		a->seed = a->time_limit = a->per_class = a->width = a->cells =
		a->search_width = a->search_cells = a->select_k = -1;
	num['e'] = &a->epochs; num['u'] = &a->warmup; num['b'] = &a->batch;
	num['k'] = &a->k; num['l'] = &a->lr; num['a'] = &a->arch_lr;
	num['L'] = &a->lambda_lr; num['S'] = &a->seed; num['T'] = &a->time_limit;
	num['P'] = &a->per_class; num['w'] = &a->width; num['c'] = &a->cells;
	num['W'] = &a->search_width; num['C'] = &a->search_cells;
	num['K'] = &a->select_k;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o > 0 && o < 128 && num[o]) {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || v < 0)
				return cli_fail("search: an option expects a non-negative "
						"number, got '%s'", optarg) + 1;
			*num[o] = v;
			a->overrides++;
			continue;
		}
		switch (o) {
		case 'o': a->out = optarg; break;
		case 'R': a->resume = optarg; break;
		case 's': a->space = optarg; a->overrides++; break;
		case 'O': a->optimizer = optarg; a->overrides++; break;
		case 'd': a->data = optarg; a->overrides++; break;
		case 'D': a->device = optarg; a->overrides++; break;
		case 'M': a->select = optarg; a->overrides++; break;
		case 'B':
			if (a->n_budgets == DCA_MAX_CONSTRAINTS)
				return cli_fail("search: at most %d --budget options",
						DCA_MAX_CONSTRAINTS) + 1;
			a->budgets[a->n_budgets++] = optarg;
			a->overrides++;
			break;
		case 't': a->threads = atoi(optarg); break;
		case 'q': a->quiet = 1; break;
		case 'X': a->stop_after = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
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
				"or other settings (only --threads and --quiet)") + 1;
	if (!a->resume && !a->config && !a->space)
		return cli_fail("search: give an experiment file, or at least --space "
				"and --data (see --help)") + 1;
	return -1;
}

/* --budget NAME=MAX: replace or add the budget of that name */
static int apply_budget(dca_experiment *e, dca_registry *reg, const char *spec)
{
	const char *eq = strchr(spec, '=');
	dca_error err = { 0 };
	const dca_constraint *c;
	dca_budget *b = NULL;
	char name[64];
	int i;

	if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof name)
		return cli_fail("--budget expects NAME=MAX, e.g. params=2M or "
				"latency=20ms; got '%s'", spec);
	snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
	if (!(c = dca_registry_constraint(reg, name, &err)))
		return cli_fail("--budget %s: %s", spec, err.msg);
	for (i = 0; i < e->n_budgets; i++)
		if (strcmp(e->budgets[i].name, name) == 0)
			b = &e->budgets[i];
	if (!b) {
		if (e->n_budgets == DCA_MAX_CONSTRAINTS)
			return cli_fail("--budget: at most %d budgets", DCA_MAX_CONSTRAINTS);
		b = &e->budgets[e->n_budgets++];
	}
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%s", name);
	snprintf(b->text, sizeof b->text, "%s", eq + 1);
	b->constraint = c;
	if (dca_unit_parse(c->unit, eq + 1, &b->max, &err))
		return cli_fail("--budget %s: %s", spec, err.msg);
	return 0;
}

static int apply_overrides(dca_experiment *e, dca_registry *reg, const search_args *a)
{
	int i;

	if (a->optimizer)
		snprintf(e->optimizer, sizeof e->optimizer, "%s", a->optimizer);
	if (a->device)
		snprintf(e->device, sizeof e->device, "%s", a->device);
	if (a->data) {
		const char *colon = strchr(a->data, ':');
		if (!colon || colon == a->data)
			return cli_fail("--data expects KIND:PATH, got '%s'", a->data);
		snprintf(e->dataset, sizeof e->dataset, "%.*s", (int)(colon - a->data), a->data);
		snprintf(e->data_path, sizeof e->data_path, "%s", colon + 1);
	}
	if (a->epochs >= 0) e->epochs = (int)a->epochs;
	if (a->warmup >= 0) e->warmup_epochs = (int)a->warmup;
	if (a->batch >= 0) e->batch_size = (int)a->batch;
	if (a->k >= 0) e->bottleneck_k = (int)a->k;
	if (a->lr >= 0) e->lr = a->lr;
	if (a->arch_lr >= 0) e->arch_lr = a->arch_lr;
	if (a->lambda_lr >= 0) e->lambda_lr = a->lambda_lr;
	if (a->seed >= 0) e->seed = (long)a->seed;
	if (a->time_limit >= 0) e->time_limit = a->time_limit;
	if (a->per_class >= 0) e->per_class = (int)a->per_class;
	if (a->width >= 0) e->shape.width = (int)a->width;
	if (a->cells >= 0) e->shape.cells = (int)a->cells;
	if (a->search_width >= 0) e->search_shape.width = (int)a->search_width;
	if (a->search_cells >= 0) e->search_shape.cells = (int)a->search_cells;
	if (a->select_k >= 0) e->select_k = (int)a->select_k;
	if (a->select) {
		if (dca_select_mode_from_name(a->select) < 0)
			return cli_fail("--select is '%s'; expected proxy, likely or repair",
					a->select);
		snprintf(e->select, sizeof e->select, "%s", a->select);
	}
	if (e->select_k < 1)
		return cli_fail("search: --select-k must be at least 1");
	if (e->batch_size < 1 || e->bottleneck_k < 1 || e->epochs < 1)
		return cli_fail("search: --epochs, --batch-size and --k must be at least 1");
	for (i = 0; i < a->n_budgets; i++)
		if (apply_budget(e, reg, a->budgets[i]))
			return 1;
	for (i = 0; i < e->n_budgets; i++)
		if (e->budgets[i].constraint->needs_device && !dca_registry_device(reg, e->device, NULL))
			return cli_fail("search: budget '%s' needs a device, and '%s' is "
					"not one (see `dcanas devices`; --device NAME)",
					e->budgets[i].name, e->device);
	return 0;
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
	int rc = parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (!(reg = cli_registry()))
		return 1;
	if (a.resume) {
		snprintf(cfg, sizeof cfg, "%s/config.json", a.resume);
		if (access(cfg, R_OK) != 0) {
			dca_registry_free(reg);
			return cli_fail("search --resume: %s: no config.json there; is "
					"it a search run directory?", a.resume);
		}
		rc = dca_experiment_load(&exp, cfg, reg, &err);
	} else if (a.config) {
		rc = dca_experiment_load(&exp, a.config, reg, &err);
	} else {
		char text[256];
		snprintf(text, sizeof text, "{\"space\": \"%s\"}", a.space);
		rc = dca_experiment_parse(&exp, text, "(command line)", reg, &err);
	}
	if (!rc && a.space && a.config && strcmp(a.space, exp.space) != 0)
		rc = dca_error_set(&err, DCA_ERR_INVALID, "--space %s differs from "
				   "the experiment's space '%s'", a.space, exp.space);
	if (rc) {
		dca_registry_free(reg);
		return cli_fail("%s", err.msg);
	}
	if (!a.resume && apply_overrides(&exp, reg, &a)) {
		dca_registry_free(reg);
		return 1;
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
	}
	dca_search_close(s);
	dca_registry_free(reg);
	if (rc == 1) {
		fprintf(stderr, "search: stopped early; continue with `dcanas search "
			"--resume %s`\n", out);
		return 0;
	}
	if (rc)
		return cli_fail("%s", err.msg);
	printf("%s/arch.json\n", out);
	return 0;
}
