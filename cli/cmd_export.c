/* dcanas export — a trained network as an ONNX model or C99 source. */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define CHECK_IMAGES 4

typedef struct export_args {
	const char *weights, *format, *out, *name, *data, *arch_json;
	const char *space, *arch;
	dca_net_shape shape;
	int int8, calibration, int8_test;
} export_args;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dcanas export --weights FILE --format onnx|c --out PATH [OPTIONS]\n"
"Write a trained network for deployment, in inference form (batch norm\n"
"folded into the convolutions, no drop-path, no auxiliary head), with the\n"
"input normalisation it was trained with as its first step: it takes one\n"
"image as floats in [0, 1], channels first.\n\n"
"  --weights FILE     a trained network (dcanas train --run-dir DIR writes\n"
"                     DIR/weights.dcaw); it names its space, arch and shape.\n"
"                     A run's DIR/checkpoint.dcaw works too, with --data\n"
"  --format onnx      an ONNX model (opset 13): input \"image\" [N,C,H,W],\n"
"                     output \"logits\" [N,classes]\n"
"  --format c         C99 source, no dependencies: PATH (NAME.c) and NAME.h\n"
"                     beside it, with void NAME_run(const float *in, float *out)\n"
"  --out PATH         the file to write (for c, a name ending in .c)\n"
"  --name NAME        C identifier prefix (default: PATH's base name)\n"
"  --arch-json FILE   or --space NAME --arch ARCH [--width C --cells N]:\n"
"                     the architecture, when the weights do not name it\n"
"                     (and a check that they are of it, when they do)\n"
"  --data KIND:PATH   take the normalisation from this data set, for weights\n"
"                     written before dcanas stored it in them; with --int8,\n"
"                     the images to calibrate on (training split) and to\n"
"                     measure the accuracy change on (test split)\n"
"  --int8             (with --format c) post-training int8 quantization:\n"
"                     weights per output channel, activations per tensor from\n"
"                     their largest value on calibration images, int32 sums;\n"
"                     prints the test accuracy before and after\n"
"  --calibration N    images for --int8's calibration (256)\n"
"  --int8-test N      test images for --int8's accuracy change (1000; 0: all)\n"
"The export is run against the engine on %d random images before it is\n"
"written; a difference in the logits above 1e-4 of their size is an error.\n",
		CHECK_IMAGES);
}

static int parse(int argc, char **argv, export_args *a)
{
	static const struct option opts[] = {
		{ "weights", required_argument, 0, 'W' }, { "format", required_argument, 0, 'f' },
		{ "out", required_argument, 0, 'o' }, { "name", required_argument, 0, 'n' },
		{ "data", required_argument, 0, 'd' }, { "arch-json", required_argument, 0, 'J' },
		{ "space", required_argument, 0, 's' }, { "arch", required_argument, 0, 'a' },
		{ "genotype", required_argument, 0, 'a' },
		{ "width", required_argument, 0, 'w' }, { "cells", required_argument, 0, 'c' },
		{ "int8", no_argument, 0, 'q' }, { "calibration", required_argument, 0, 'C' },
		{ "int8-test", required_argument, 0, 'T' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	static const cli_num_flag nums[] = {
		{ 'w', "--width", DCA_LIM_WIDTH }, { 'c', "--cells", DCA_LIM_CELLS },
		{ 'C', "--calibration", DCA_LIM_PER_CLASS }, { 'T', "--int8-test", DCA_LIM_PER_CLASS },
	};
	int o;
	double v = 0;

	memset(a, 0, sizeof *a);
	a->calibration = 256;
	a->int8_test = 1000;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (cli_number_flag(nums, sizeof nums / sizeof *nums, o, optarg, &v))
			return 2;
		switch (o) {
		case 'W': a->weights = optarg; break;
		case 'f': a->format = optarg; break;
		case 'o': a->out = optarg; break;
		case 'n': a->name = optarg; break;
		case 'd': a->data = optarg; break;
		case 'J': a->arch_json = optarg; break;
		case 's': a->space = optarg; break;
		case 'a': a->arch = optarg; break;
		case 'w': a->shape.width = (int)v; break;
		case 'c': a->shape.cells = (int)v; break;
		case 'q': a->int8 = 1; break;
		case 'C': a->calibration = (int)v; break;
		case 'T': a->int8_test = (int)v; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return cli_fail("export: unexpected argument '%s' (see --help)", argv[optind]) + 1;
	if (!a->weights || !a->format || !a->out)
		return cli_fail("export: --weights, --format and --out are required "
				"(see --help)") + 1;
	if (strcmp(a->format, "onnx") && strcmp(a->format, "c"))
		return cli_fail("export: --format must be onnx or c, not '%s'", a->format) + 1;
	if (!strcmp(a->format, "c") &&
	    (strlen(a->out) < 3 || strcmp(a->out + strlen(a->out) - 2, ".c")))
		return cli_fail("export: --format c writes NAME.c and NAME.h: --out "
				"must end in .c (got '%s')", a->out) + 1;
	if (a->int8 && strcmp(a->format, "c"))
		return cli_fail("export: --int8 writes C only; use --format c") + 1;
	if (a->int8 && !a->data)
		return cli_fail("export: --int8 needs --data KIND:PATH, the data set to "
				"calibrate on and to measure the accuracy change on") + 1;
	if (a->int8 && a->calibration < 1)
		return cli_fail("export: --calibration must be at least 1") + 1;
	if (a->arch_json && (a->space || a->arch))
		return cli_fail("export: --arch-json gives the space and arch; drop "
				"--space and --arch") + 1;
	return -1;
}

/* What the weights' metadata says (dcanas train writes it): space, arch,
 * shape, input normalisation. Fields absent stay as they are. */
static int read_meta(const char *meta, const char *path, export_args *a,
		     json_t **doc, float *mean, float *std, dca_error *err)
{
	json_t *j = meta && *meta ? json_loads(meta, 0, NULL) : NULL, *in, *v;
	size_t i;
	int have_norm = 0;

	if (j && json_is_string(json_object_get(j, "config"))) {
		/* a checkpoint: the run's settings are its "config" */
		json_t *cfg = json_loads(json_string_value(json_object_get(j, "config")),
					 0, NULL);
		json_decref(j);
		j = cfg;
	}
	*doc = j;
	if (!j)
		return 0;
	if (!a->space && !a->arch && !a->arch_json) {
		a->space = json_string_value(json_object_get(j, "space"));
		a->arch = json_string_value(json_object_get(j, "arch"));
	}
#define INT_FIELD(obj, key, field) \
	if (!a->shape.field && json_is_integer(v = json_object_get(obj, key))) \
		a->shape.field = (int)json_integer_value(v)
	INT_FIELD(j, "width", width);
	INT_FIELD(j, "cells", cells);
	INT_FIELD(j, "classes", classes);
	if (json_is_true(json_object_get(j, "auxiliary")))
		a->shape.auxiliary = 1;
	in = json_object_get(j, "input");
	if (json_is_object(in)) {
		json_t *jm = json_object_get(in, "mean"), *js = json_object_get(in, "std");
		INT_FIELD(in, "c", in_c);
		INT_FIELD(in, "h", in_h);
		INT_FIELD(in, "w", in_w);
		if (json_is_array(jm) && json_is_array(js) && json_array_size(jm) ==
		    (size_t)a->shape.in_c && json_array_size(js) == (size_t)a->shape.in_c &&
		    a->shape.in_c <= 4) {
			for (i = 0; i < json_array_size(jm); i++) {
				mean[i] = (float)json_number_value(json_array_get(jm, i));
				std[i] = (float)json_number_value(json_array_get(js, i));
			}
			have_norm = 1;
		} else
			return dca_error_set(err, DCA_ERR_INVALID, "%s: the metadata's "
					     "input normalisation is malformed", path);
	}
#undef INT_FIELD
	return have_norm;
}

/* the engine's logits and the export's on random [0, 1] images: the
 * largest difference relative to the largest logit */
static int check_against_engine(const dca_space *sp, const dca_arch *arch,
				const dca_net_shape *sh, const char *weights,
				const dca_export_net *x, const float *mean,
				const float *std, double *rel, dca_error *err)
{
	dca_model *m = NULL;
	dca_graph *g = NULL;
	dca_tensor *in, *logits;
	int n = sh->in_c * sh->in_h * sh->in_w, i, k, c, rc = -1;
	float *img = malloc((size_t)n * sizeof *img);
	float *out = malloc((size_t)sh->classes * sizeof *out);
	double most = 0, diff = 0;
	dca_rng rng;

	if (!img || !out || !(g = dca_graph_new())) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (dca_space_build_model(sp, arch, sh, 1, &m, err) || dca_model_load(m, weights, NULL, err))
		goto out;
	dca_rng_seed(&rng, 12345);
	in = dca_tensor_new(g, CHECK_IMAGES, sh->in_c, sh->in_h, sh->in_w, 0);
	if (!in) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < CHECK_IMAGES; k++)
		for (i = 0; i < n; i++) {
			float p = dca_rng_uniform(&rng);
			c = i / (sh->in_h * sh->in_w);
			in->data[(size_t)k * n + i] = (p - mean[c]) / std[c];
		}
	logits = m->forward(m, g, in, 0, NULL);
	if (!logits) {
		dca_graph_error_set(g, err, "export check");
		goto out;
	}
	dca_rng_seed(&rng, 12345);
	for (k = 0; k < CHECK_IMAGES; k++) {
		for (i = 0; i < n; i++)
			img[i] = dca_rng_uniform(&rng);
		if (dca_export_run(x, img, out, err))
			goto out;
		for (i = 0; i < sh->classes; i++) {
			double e = logits->data[(size_t)k * sh->classes + i];
			most = fmax(most, fabs(e));
			diff = fmax(diff, fabs(e - out[i]));
		}
	}
	*rel = diff / fmax(most, 1e-12);
	rc = 0;
out:
	free(img);
	free(out);
	dca_graph_free(g);
	dca_model_free(m);
	return rc;
}

/* image i of d as floats in [0, 1] into out */
static void image_f32(const dca_dataset *d, int i, float *out)
{
	size_t n = (size_t)d->c * d->h * d->w, k;
	const uint8_t *p = d->images + (size_t)i * n;

	for (k = 0; k < n; k++)
		out[k] = p[k] / d->max_value;
}

/* top-1 accuracy (percent) of x (classes logits) on the first n images of d */
static int accuracy(const dca_export_net *x, const dca_dataset *d, int n, int classes,
		    float *img, float *logits, float *acc, dca_error *err)
{
	int i, j, best, correct = 0;

	for (i = 0; i < n; i++) {
		image_f32(d, i, img);
		if (dca_export_run(x, img, logits, err))
			return -1;
		for (best = 0, j = 1; j < classes; j++)
			if (logits[j] > logits[best])
				best = j;
		correct += best == d->labels[i];
	}
	*acc = n ? 100.0f * correct / n : 0.0f;
	return 0;
}

/* --int8: the float export's accuracy on n_test test images, calibration
 * on n_cal training images spread over the split, quantization, the int8
 * accuracy on the same test images */
static int quantize(dca_export_net *x, const dca_dataset *train, const dca_dataset *test,
		    int n_cal, int n_test, float *acc_f, float *acc_q, int *tested,
		    dca_error *err)
{
	size_t per = (size_t)train->c * train->h * train->w;
	float *cal, *img = malloc(per * sizeof *img);
	float *logits = malloc((size_t)train->classes * sizeof *logits);
	int i, rc = -1;

	if (n_cal > train->n)
		n_cal = train->n;
	if (n_test <= 0 || n_test > test->n)
		n_test = test->n;
	*tested = n_test;
	cal = malloc((size_t)n_cal * per * sizeof *cal);
	if (!cal || !img || !logits) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	fprintf(stderr, "int8: the float network on %d test images, calibration on "
		"%d training images, the int8 network on the test images\n",
		n_test, n_cal);
	for (i = 0; i < n_cal; i++)
		image_f32(train, (int)((long)i * train->n / n_cal), cal + (size_t)i * per);
	if (accuracy(x, test, n_test, train->classes, img, logits, acc_f, err) ||
	    dca_export_quantize(x, cal, n_cal, err) ||
	    accuracy(x, test, n_test, train->classes, img, logits, acc_q, err))
		goto out;
	rc = 0;
out:
	free(cal);
	free(img);
	free(logits);
	return rc;
}

/* the C name from PATH's base name: letters, digits and _ */
static void default_name(const char *path, char *name, size_t n)
{
	const char *base = strrchr(path, '/');
	size_t i, k = 0;

	base = base ? base + 1 : path;
	if (!isalpha((unsigned char)base[0]) && base[0] != '_')
		k = (size_t)snprintf(name, n, "net_");
	for (i = 0; base[i] && strcmp(base + i, ".c") && k + 1 < n; i++)
		name[k++] = isalnum((unsigned char)base[i]) ? base[i] : '_';
	name[k] = 0;
}

int cmd_export(int argc, char **argv)
{
	export_args a;
	dca_registry *reg = NULL;
	const dca_space *sp = NULL;
	dca_arch *arch = NULL;
	dca_weights_file wf = { 0 };
	int wf_open = 0, have_norm, rc = parse(argc, argv, &a), status = 1;
	json_t *meta = NULL, *from_search = NULL;
	dca_net net, deploy;
	dca_export_net *x = NULL;
	dca_error err = { 0 };
	float mean[4] = { 0 }, std[4] = { 1, 1, 1, 1 }, acc_f = 0, acc_q = 0;
	dca_dataset train = { 0 }, test = { 0 };
	int data_loaded = 0, n_test = 0;
	char *canon = NULL, doc[1024], name[128], *path_h = NULL;
	double rel = 0;

	dca_net_init(&net);
	dca_net_init(&deploy);
	if (rc >= 0)
		return rc;
	if (dca_weights_open(a.weights, &wf, &err))
		goto fail;
	wf_open = 1;
	if (a.arch_json) {
		json_t *sh;
		if (!(from_search = dca_json_load_file(a.arch_json, &err)))
			goto fail;
		a.space = json_string_value(json_object_get(from_search, "space"));
		a.arch = json_string_value(json_object_get(from_search, "arch"));
		sh = json_object_get(from_search, "shape");
		if (!a.space || !a.arch || !json_is_object(sh)) {
			dca_error_set(&err, DCA_ERR_INVALID, "%s: not a search's arch.json "
				      "(no space, arch or shape)", a.arch_json);
			goto fail;
		}
		if (!a.shape.width)
			a.shape.width = (int)json_integer_value(json_object_get(sh, "width"));
		if (!a.shape.cells)
			a.shape.cells = (int)json_integer_value(json_object_get(sh, "cells"));
	}
	{
		/* a space given on the command line must be the weights' (the
		 * arch is compared below, once parsed) */
		const char *given = a.space, *trained;
		have_norm = read_meta(wf.meta, a.weights, &a, &meta, mean, std, &err);
		if (have_norm < 0)
			goto fail;
		trained = json_string_value(json_object_get(meta, "space"));
		if (given && trained && strcmp(given, trained)) {
			dca_error_set(&err, DCA_ERR_INVALID, "%s: the weights are of space "
				      "'%s', not '%s'", a.weights, trained, given);
			goto fail;
		}
	}
	if (!a.space || !a.arch) {
		dca_error_set(&err, DCA_ERR_INVALID, "%s does not name its space and "
			      "arch (weights from an older dcanas, or not from dcanas "
			      "train); give --arch-json FILE or --space and --arch",
			      a.weights);
		goto fail;
	}
	if (a.data) {
		/* CIFAR-100's coarse or fine classes, as trained */
		const char *labels = json_string_value(json_object_get(meta, "labels"));
		dca_augment aug;
		int input[3] = { a.shape.in_c, a.shape.in_h, a.shape.in_w };
		if (cli_load_data(a.data, labels, have_norm ? input : NULL, &train, &test, &aug))
			goto out;
		data_loaded = 1;
		if (!have_norm) {
			a.shape.in_c = train.c;
			a.shape.in_h = train.h;
			a.shape.in_w = train.w;
			a.shape.classes = train.classes;
			memcpy(mean, aug.mean, sizeof mean);
			memcpy(std, aug.std, sizeof std);
			have_norm = 1;
		} else if (train.c != a.shape.in_c || train.h != a.shape.in_h ||
			   train.w != a.shape.in_w || (a.shape.classes &&
			   (train.classes != a.shape.classes || test.classes > a.shape.classes))) {
			dca_error_set(&err, DCA_ERR_INVALID, "--data %s has %dx%dx%d "
				      "images of %d classes; the network was trained on "
				      "%dx%dx%d images of %d", a.data, train.c, train.h,
				      train.w, train.classes, a.shape.in_c, a.shape.in_h,
				      a.shape.in_w, a.shape.classes);
			goto fail;
		}
	}
	if (!have_norm) {
		dca_error_set(&err, DCA_ERR_INVALID, "%s does not hold the input "
			      "normalisation it was trained with (a checkpoint, or "
			      "weights from an older dcanas); give --data KIND:PATH, "
			      "the data it was trained on", a.weights);
		goto fail;
	}
	if (!(reg = cli_registry()))
		goto out;
	if (!(sp = dca_registry_space(reg, a.space, &err)) ||
	    !(arch = sp->arch_parse(a.arch, &err)))
		goto fail;
	if (meta && json_string_value(json_object_get(meta, "arch"))) {
		/* the same architecture, however it was written */
		dca_arch *trained = sp->arch_parse(json_string_value(
			json_object_get(meta, "arch")), &err);
		char *t = trained ? sp->arch_format(trained) : NULL;
		canon = sp->arch_format(arch);
		if (trained)
			sp->arch_free(trained);
		if (!t || !canon || strcmp(t, canon)) {
			dca_error_set(&err, DCA_ERR_INVALID, "%s: the weights are of "
				      "%s, not %s", a.weights, t ? t : "another arch",
				      canon ? canon : a.arch);
			free(t);
			goto fail;
		}
		free(t);
		free(canon);
		canon = NULL;
	}
	dca_space_resolve_shape(sp, &a.shape);
	canon = sp->arch_format(arch);
	/* every array of the file must belong to the network as trained
	 * (auxiliary head included); the deployed network leaves the head out */
	if (sp->build_net(arch, &a.shape, &net, &err) ||
	    dca_export_bind(&net, &wf, 1, mean, std, &x, &err))
		goto fail_weights;
	if (a.shape.auxiliary) {
		dca_net_shape d = a.shape;
		dca_export_free(x);
		x = NULL;
		d.auxiliary = 0;
		if (sp->build_net(arch, &d, &deploy, &err) ||
		    dca_export_bind(&deploy, &wf, 0, mean, std, &x, &err))
			goto fail_weights;
	}
	if (check_against_engine(sp, arch, &a.shape, a.weights, x, mean, std, &rel, &err))
		goto fail;
	if (!(rel <= 1e-4)) {
		dca_error_set(&err, DCA_ERR_INVALID, "the exported network does not "
			      "reproduce the engine's logits (largest difference %.3g of "
			      "their size): a bug; nothing was written", rel);
		goto fail;
	}
	if (a.int8 && quantize(x, &train, &test, a.calibration, a.int8_test, &acc_f,
			       &acc_q, &n_test, &err))
		goto fail;
	{
		int c, k = snprintf(doc, sizeof doc, "dcanas export of %s%s %s (width %d, "
				    "cells %d, %d classes). Input: one image as floats in "
				    "[0, 1], NCHW, %dx%dx%d; the normalisation it was "
				    "trained with, (x - mean) / std per channel, is the "
				    "first step: mean", a.int8 ? "int8 " : "", sp->name,
				    canon, a.shape.width,
				    a.shape.cells, a.shape.classes, a.shape.in_c,
				    a.shape.in_h, a.shape.in_w);
		for (c = 0; c < a.shape.in_c && k > 0 && (size_t)k < sizeof doc; c++)
			k += snprintf(doc + k, sizeof doc - (size_t)k, " %.6g", (double)mean[c]);
		if (k > 0 && (size_t)k < sizeof doc)
			k += snprintf(doc + k, sizeof doc - (size_t)k, ", std");
		for (c = 0; c < a.shape.in_c && k > 0 && (size_t)k < sizeof doc; c++)
			k += snprintf(doc + k, sizeof doc - (size_t)k, " %.6g", (double)std[c]);
		if (k > 0 && (size_t)k < sizeof doc)
			snprintf(doc + k, sizeof doc - (size_t)k, ". Output: logits.");
	}
	if (!strcmp(a.format, "onnx")) {
		if (dca_export_onnx(x, a.out, doc, &err))
			goto fail;
	} else {
		size_t n = strlen(a.out);
		if (a.name)
			snprintf(name, sizeof name, "%s", a.name);
		else
			default_name(a.out, name, sizeof name);
		if (!(path_h = strdup(a.out))) {
			dca_error_set(&err, DCA_ERR_NOMEM, "out of memory");
			goto fail;
		}
		path_h[n - 1] = 'h';
		if (dca_export_c(x, name, a.out, path_h, doc, &err))
			goto fail;
	}
	{
		dca_export_info info;
		struct stat st;
		dca_export_get_info(x, &info);
		printf("exported %s %s to %s%s%s (%s)\n", sp->name, canon, a.out,
		       path_h ? " and " : "", path_h ? path_h : "",
		       path_h ? "C99" : "ONNX, opset 13");
		if (stat(a.out, &st) == 0)
			printf("  file         %.1f KiB\n", st.st_size / 1024.0);
		printf("  activations  %zu bytes in one arena (%s)\n"
		       "  constants    %zu bytes (%s)\n"
		       "  checked      the float network against the engine on %d random images: largest "
		       "logit difference %.2g of their size\n",
		       info.arena_bytes, info.int8 ? "int8: a quarter of the peak_memory "
		       "constraint's count" : "the peak_memory constraint's count",
		       info.weight_bytes, info.int8 ? "int8 weights, float factors" :
		       "float; batch norm folded into the convolutions",
		       CHECK_IMAGES, rel);
		if (a.int8)
			printf("  int8         test accuracy %.2f%% (float %.2f%%, change %+.2f "
			       "points) on %d test images; calibrated on %d training images\n",
			       acc_q, acc_f, acc_q - acc_f, n_test,
			       a.calibration < train.n ? a.calibration : train.n);
	}
	status = 0;
	goto out;
fail_weights:
	cli_fail("export: %s: %s", a.weights, err.msg);
	goto out;
fail:
	cli_fail("export: %s", err.msg);
out:
	free(path_h);
	free(canon);
	dca_export_free(x);
	dca_net_free(&net);
	dca_net_free(&deploy);
	if (arch)
		sp->arch_free(arch);
	if (wf_open)
		dca_weights_close(&wf);
	json_decref(meta);
	json_decref(from_search);
	dca_registry_free(reg);
	if (data_loaded) {
		dca_dataset_free(&train);
		dca_dataset_free(&test);
	}
	return status;
}
