/* dcanas train / eval — train an architecture from scratch; measure it. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef struct train_args {
	const char *space, *arch, *data, *run_dir, *weights, *arch_json, *logits;
	const char *labels;      /* --labels: CIFAR-100's fine or coarse classes */
	int input[3];            /* --input: folder images' size (0: 3x32x32) */
	json_t *from_search;    /* the --arch-json document (owns space, arch) */
	dca_net_shape shape;
	dca_train_opts opts;
	int threads, per_class, resume;
} train_args;

static void usage(FILE *f, int eval)
{
	if (eval) {
		fprintf(f,
"Usage: dcanas eval --space NAME --arch ARCH --data KIND:PATH --weights FILE\n"
"Measure a trained network's accuracy on the test split of the data.\n"
"Shape options (--width, --cells, --auxiliary) and --labels must match the\n"
"training run.\n"
"  --logits FILE   also write one line per test image: its label, then its\n"
"                  logits (\"-\": standard output)\n");
		return;
	}
	fprintf(f,
"Usage: dcanas train --space NAME --arch ARCH --data KIND:PATH [OPTIONS]\n"
"Train the evaluation network of ARCH from scratch and report its test\n"
"accuracy. KIND is cifar10, cifar100, fashion-mnist, mnist, digits8x8 or\n"
"folder (DIR/train/CLASS/IMAGE.jpg|png, DIR/val or DIR/test; docs/data.md).\n\n"
"  --space NAME        nb201 or darts (see `dcanas plugins`)\n"
"  --arch TEXT         arch string or DARTS Genotype(...); --genotype too\n"
"  --arch-json FILE    a search's arch.json: its space, arch, width and cells\n"
"  --data KIND:PATH    e.g. cifar10:DIR, fashion-mnist:/usr/share/datasets/fashion-mnist\n"
"  --labels coarse     CIFAR-100's 20 superclasses (fine: its 100 classes)\n"
"  --input CxHxW       folder:DIR data: the size images are resized to (3x32x32)\n"
"  --epochs N          (10)      --batch-size N (64)    --lr X (0.025)\n"
"  --weight-decay X    (3e-4)    --grad-clip X (5)      --seed N (1)\n"
"  --width C --cells N --auxiliary      network shape (space defaults)\n"
"  --drop-path P       final drop-path probability (DARTS: 0.2)\n"
"  --cutout N          cutout square side (0: off)\n"
"  --label-smoothing X\n"
"  --per-class N       train on the first N images of each class only\n"
"  --test-every N      test every N epochs and after the last (default 1)\n"
"  --stop-after N      stop after N epochs of this call, checkpointed, as an\n"
"                      interruption would (continue with --resume)\n"
"  --threads N         cores to use (default: all)\n"
"  --run-dir DIR       write config, log.jsonl, checkpoints and weights here\n"
"  --resume            continue the run in --run-dir from its last checkpoint\n"
"                      (the same settings; --data may name another place\n"
"                      holding the same data: its fingerprint is checked)\n");
}

static int parse(int argc, char **argv, train_args *a, int eval)
{
	static const struct option opts[] = {
		{ "space", required_argument, 0, 's' }, { "arch", required_argument, 0, 'a' },
		{ "genotype", required_argument, 0, 'a' }, { "data", required_argument, 0, 'd' },
		{ "epochs", required_argument, 0, 'e' }, { "batch-size", required_argument, 0, 'b' },
		{ "lr", required_argument, 0, 'l' }, { "weight-decay", required_argument, 0, 'W' },
		{ "grad-clip", required_argument, 0, 'g' }, { "seed", required_argument, 0, 'S' },
		{ "width", required_argument, 0, 'w' }, { "cells", required_argument, 0, 'c' },
		{ "auxiliary", no_argument, 0, 'x' }, { "drop-path", required_argument, 0, 'p' },
		{ "cutout", required_argument, 0, 'C' }, { "label-smoothing", required_argument, 0, 'L' },
		{ "per-class", required_argument, 0, 'P' }, { "threads", required_argument, 0, 't' },
		{ "run-dir", required_argument, 0, 'r' }, { "resume", no_argument, 0, 'R' },
		{ "weights", required_argument, 0, 'F' }, { "help", no_argument, 0, 'h' },
		{ "arch-json", required_argument, 0, 'J' },
		{ "test-every", required_argument, 0, 'T' },
		{ "logits", required_argument, 0, 'G' },
		{ "labels", required_argument, 0, 'B' },
		{ "input", required_argument, 0, 'I' },
		{ "stop-after", required_argument, 0, 'A' },
		{ 0, 0, 0, 0 }
	};
	int o;
	double v = 0;

	memset(a, 0, sizeof *a);
	dca_train_opts_default(&a->opts);
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		/* each number within its limit (limits.h), named by its flag */
		static const cli_num_flag nums[] = {
			{ 'e', "--epochs", DCA_LIM_EPOCHS }, { 'b', "--batch-size", DCA_LIM_BATCH_SIZE },
			{ 'l', "--lr", DCA_LIM_LR }, { 'W', "--weight-decay", DCA_LIM_WEIGHT_DECAY },
			{ 'g', "--grad-clip", DCA_LIM_GRAD_CLIP }, { 'S', "--seed", DCA_LIM_SEED },
			{ 'w', "--width", DCA_LIM_WIDTH }, { 'c', "--cells", DCA_LIM_CELLS },
			{ 'p', "--drop-path", DCA_LIM_DROP_PATH }, { 'C', "--cutout", DCA_LIM_CUTOUT },
			{ 'L', "--label-smoothing", DCA_LIM_LABEL_SMOOTHING },
			{ 'P', "--per-class", DCA_LIM_PER_CLASS },
			{ 'T', "--test-every", DCA_LIM_COUNT_SMALL },
			{ 'A', "--stop-after", DCA_LIM_COUNT_SMALL },
		};

		if (cli_number_flag(nums, sizeof nums / sizeof *nums, o, optarg, &v))
			return 2;
		if (o == 't' && cli_threads("--threads", optarg, &a->threads))
			return 2;
		switch (o) {
		case 's': a->space = optarg; break;
		case 'a': a->arch = optarg; break;
		case 'd': a->data = optarg; break;
		case 'e': a->opts.epochs = (int)v; break;
		case 'b': a->opts.batch_size = (int)v; break;
		case 'l': a->opts.lr = (float)v; break;
		case 'W': a->opts.weight_decay = (float)v; break;
		case 'g': a->opts.grad_clip = (float)v; break;
		case 'S': a->opts.seed = (long)v; break;
		case 'w': a->shape.width = (int)v; break;
		case 'c': a->shape.cells = (int)v; break;
		case 'x': a->shape.auxiliary = 1; break;
		case 'p': a->opts.drop_path = (float)v; break;
		case 'C': a->opts.aug.cutout = (int)v; break;
		case 'L': a->opts.label_smoothing = (float)v; break;
		case 'P': a->per_class = (int)v; break;
		case 't': break;     /* above */
		case 'r': a->run_dir = optarg; break;
		case 'R': a->resume = 1; break;
		case 'F': a->weights = optarg; break;
		case 'J': a->arch_json = optarg; break;
		case 'T': a->opts.test_every = (int)v; break;
		case 'A': a->opts.stop_after = (int)v; break;
		case 'G': a->logits = optarg; break;
		case 'B': a->labels = optarg; break;
		case 'I':
			if (cli_parse_shape(optarg, &a->input[0], &a->input[1], &a->input[2]))
				return cli_fail("%s: --input expects CxHxW, e.g. 3x64x64, not "
						"'%s'", argv[0], optarg) + 1;
			break;
		case 'h': usage(stdout, eval); return 0;
		default: usage(stderr, eval); return 2;
		}
	}
	if (optind < argc)
		return cli_fail("%s: unexpected argument '%s' (see --help)", argv[0], argv[optind]) + 1;
	if (a->arch_json) {
		dca_error err = { 0 };
		json_t *sh;

		if (a->space || a->arch)
			return cli_fail("%s: --arch-json gives the space and arch; drop "
					"--space and --arch", argv[0]) + 1;
		if (!(a->from_search = dca_json_load_file(a->arch_json, &err)))
			return cli_fail("%s", err.msg) + 1;
		a->space = json_string_value(json_object_get(a->from_search, "space"));
		a->arch = json_string_value(json_object_get(a->from_search, "arch"));
		sh = json_object_get(a->from_search, "shape");
		if (!a->space || !a->arch || !json_is_object(sh))
			return cli_fail("%s: not a search's arch.json (no space, arch "
					"or shape)", a->arch_json) + 1;
		if (!a->shape.width)
			a->shape.width = (int)json_integer_value(json_object_get(sh, "width"));
		if (!a->shape.cells)
			a->shape.cells = (int)json_integer_value(json_object_get(sh, "cells"));
		{
			/* the same limits as the flags, on the file's values as
			 * written (a width of 2^40 + 8 is refused, not read as 8) */
			char where[600];

			snprintf(where, sizeof where, "%s: shape.width", a->arch_json);
			if (dca_limit_check(DCA_LIM_WIDTH, where, json_number_value(
					json_object_get(sh, "width")), &err))
				return cli_fail("%s", err.msg) + 1;
			snprintf(where, sizeof where, "%s: shape.cells", a->arch_json);
			if (dca_limit_check(DCA_LIM_CELLS, where, json_number_value(
					json_object_get(sh, "cells")), &err))
				return cli_fail("%s", err.msg) + 1;
		}
	}
	if (!a->space || !a->arch || !a->data)
		return cli_fail("%s: --space, --arch and --data are required (see --help)", argv[0]) + 1;
	if (!eval && a->logits)
		return cli_fail("train: --logits is an option of dcanas eval") + 1;
	if (eval && !a->weights)
		return cli_fail("eval: --weights FILE is required (a run's weights.dcaw)") + 1;
	if (a->resume && !a->run_dir)
		return cli_fail("train: --resume needs --run-dir") + 1;
	if (a->opts.epochs < 1 || a->opts.batch_size < 1)
		return cli_fail("train: --epochs and --batch-size must be at least 1") + 1;
	return -1;
}

static int run(int argc, char **argv, int eval)
{
	train_args a;
	dca_registry *reg = NULL;
	const dca_space *space;
	dca_arch *arch = NULL;
	dca_model *model = NULL;
	dca_dataset train = { 0 }, test = { 0 }, sub = { 0 };
	dca_augment aug;
	dca_error err = { 0 };
	char *canon = NULL, *cfg = NULL;
	int rc = parse(argc, argv, &a, eval), status = 1;

	if (rc >= 0) {
		json_decref(a.from_search);
		return rc;
	}
	dca_engine_init(a.threads);
	reg = cli_registry();
	if (!reg)
		return 1;
	space = dca_registry_space(reg, a.space, &err);
	if (!space || !(arch = space->arch_parse(a.arch, &err)))
		goto fail;
	if (cli_load_data(a.data, a.labels, a.input[0] ? a.input : NULL, &train, &test,
			  &aug) != 0)
		goto out;
	if (a.per_class > 0) {
		if (dca_dataset_subset(&train, a.per_class, &sub, &err))
			goto fail;
		dca_dataset_free(&train);
		train = sub;
	}
	a.shape.in_c = train.c;
	a.shape.in_h = train.h;
	a.shape.in_w = train.w;
	a.shape.classes = train.classes;
	dca_space_resolve_shape(space, &a.shape);
	if (dca_space_build_model(space, arch, &a.shape, (uint64_t)a.opts.seed, &model, &err))
		goto fail;
	canon = space->arch_format(arch);
	aug.cutout = a.opts.aug.cutout;
	a.opts.aug = aug;
	if (eval) {
		float acc, loss;
		FILE *lf = NULL;
		int bad;

		if (dca_model_load(model, a.weights, NULL, &err))
			goto fail;
		if (a.logits && !(lf = strcmp(a.logits, "-") ? fopen(a.logits, "w") : stdout)) {
			dca_error_set(&err, DCA_ERR_IO, "--logits %s: cannot write: %s",
				      a.logits, strerror(errno));
			goto fail;
		}
		bad = dca_evaluate_logits(model, &test, 256, &aug, lf, &acc, &loss, &err);
		if (lf && lf != stdout && fclose(lf) && !bad)
			bad = dca_error_set(&err, DCA_ERR_IO, "--logits %s: write "
					    "failed: %s", a.logits, strerror(errno));
		if (bad)
			goto fail;
		printf("test accuracy %.2f%% (loss %.4f) on %d images\n", acc, loss, test.n);
		status = 0;
		goto out;
	}
	{
		json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:i, s:b, s:i, s:i, s:f, s:f, "
				      "s:I, s:f, s:i, s:i}",
			"space", space->name, "arch", canon, "data", a.data,
			"width", a.shape.width, "cells", a.shape.cells, "auxiliary",
			a.shape.auxiliary, "epochs", a.opts.epochs, "batch_size",
			a.opts.batch_size, "lr", (double)a.opts.lr, "weight_decay",
			(double)a.opts.weight_decay, "seed", (json_int_t)a.opts.seed,
			"drop_path", (double)a.opts.drop_path, "cutout", a.opts.aug.cutout,
			"per_class", a.per_class);
		if (a.labels)
			json_object_set_new(j, "labels", json_string(a.labels));
		if (a.input[0])
			json_object_set_new(j, "input", json_pack("[i,i,i]", a.input[0],
								  a.input[1], a.input[2]));
		if (a.run_dir) {
			/* the data's fingerprint, for a run directory only (what
			 * a resume compares): the data may be found elsewhere */
			char fp[24];

			dca_dataset_pair_fingerprint(&train, &test, fp, sizeof fp);
			json_object_set_new(j, "data_fingerprint", json_string(fp));
		}
		cfg = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		/* dca_train writes it to the run directory once the run
		 * is accepted (new, or resumed with the same settings) */
		json_decref(j);
	}
	a.opts.run_dir = a.run_dir;
	a.opts.resume = a.resume;
	a.opts.config_json = cfg;
	a.opts.progress = isatty(STDERR_FILENO) ? stderr : NULL;
	if (dca_comm_writer())
		fprintf(stderr, "training %s %s: %zu parameters, %d train / %d test "
			"images, %d threads%s\n", space->name, canon,
			dca_model_param_count(model), train.n, test.n, dca_engine_threads(),
			dca_comm_size() > 1 ? " per rank" : "");
	if (dca_comm_writer() && dca_comm_size() > 1)
		fprintf(stderr, "data parallel over %d MPI ranks: batch %d split "
			"%d ways, batch norm synchronised\n", dca_comm_size(),
			a.opts.batch_size, dca_comm_size());
	{
		dca_train_result res;
		if (dca_train(model, &train, &test, &a.opts, &res, &err))
			goto fail;
		if (dca_comm_writer())
			printf("epochs %d  train loss %.4f  train acc %.2f%%  test acc "
			       "%.2f%%  %.1f s  %.0f images/s  peak RSS %.0f MiB%s\n",
			       res.epochs_done, res.train_loss, res.train_acc, res.test_acc,
			       res.seconds, res.images_per_second, dca_peak_rss_mib(),
			       dca_comm_size() > 1 ? " (rank 0)" : "");
		if (a.run_dir && res.epochs_done == a.opts.epochs && dca_comm_writer())
			fprintf(stderr, "export it: dcanas export --weights %s/weights.dcaw "
				"--format onnx --out %s/net.onnx   (or --format c --out "
				"%s/net.c)\n", a.run_dir, a.run_dir, a.run_dir);
	}
	status = 0;
	goto out;
fail:
	cli_fail("%s", err.msg);
out:
	free(cfg);
	free(canon);
	dca_model_free(model);
	if (arch)
		space->arch_free(arch);
	dca_dataset_free(&train);
	dca_dataset_free(&test);
	dca_registry_free(reg);
	json_decref(a.from_search);
	return status;
}

int cmd_train(int argc, char **argv)
{
	return run(argc, argv, 0);
}

int cmd_eval(int argc, char **argv)
{
	return run(argc, argv, 1);
}
