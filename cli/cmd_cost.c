/* dcanas cost — the exact costs of one architecture, optionally on a device. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dcanas cost --space NAME --arch ARCH [--device NAME] [OPTIONS]\n"
"Print every constraint loaded (params, FLOPs as multiply-accumulates, peak\n"
"activation memory, and any a module adds) of the evaluation network of\n"
"ARCH, each in its unit; those that need a device (latency, energy, ...)\n"
"with --device. A device's value is its table's exact one; where the device\n"
"has a whole-network table for the constraint's metric, the additive\n"
"per-edge model's estimate follows. --json prints full precision (a\n"
"table's value reads back exactly) and counts as integers. A metric the\n"
"device does not have is n/a; a device profile that cannot be read is an\n"
"error (exit 1), after the rest is shown.\n\n"
"  --space NAME      search space (nb201, darts, ...; see `dcanas plugins`)\n"
"  --arch TEXT       architecture in the space's format (NAS-Bench-201 arch\n"
"                    string, DARTS Genotype(...)); --genotype is the same\n"
"  --device NAME     target device (see `dcanas devices`)\n"
"  --input CxHxW     input shape (default: the space's, e.g. 3x32x32)\n"
"  --classes N       number of classes\n"
"  --width C         initial channels (nb201: 16, darts: 36)\n"
"  --cells N         cells (nb201: per stage, 5; darts: layers, 20)\n"
"  --auxiliary       include the DARTS auxiliary head\n"
"  --json            print JSON instead of text\n"
"  --threads N       cores for the host device's measurements (default: all)\n");
}

/* One constraint's value for the architecture. */
struct metric_out {
	const dca_constraint *c;
	int ok;
	double value;
	char error[1100];
	int has_estimate;      /* the device's additive per-edge model */
	double estimate;
};

/* The additive per-edge model's estimate for metric, where the device has
 * a whole-network table for the space (the core fits it, as a search
 * would). */
static int model_estimate(const dca_device *dev, const dca_space *space,
			  const char *metric, const dca_arch *arch, double *out)
{
	const dca_network_table *t;
	dca_network_fit fit;
	int *choice, rc = -1;

	if (!(dca_space_parts(space) & DCA_SPACE_CHOICES) ||
	    dca_device_network_table(dev, space->name, metric, &t, NULL) != 0 ||
	    dca_network_fit_init(&fit, space, t, NULL) != 0)
		return -1;
	choice = calloc((size_t)space->n_edges, sizeof *choice);
	if (choice && space->arch_choices(arch, choice) == 0) {
		*out = dca_network_fit_predict(&fit, choice);
		rc = 0;
	}
	free(choice);
	dca_network_fit_free(&fit);
	return rc;
}

/* A count or a number of bytes as a JSON integer (3349342, not
 * 3349342.0); any other value as a real, printed to full precision by the
 * caller. */
static json_t *json_value(dca_unit unit, double v)
{
	if ((unit == DCA_UNIT_COUNT || unit == DCA_UNIT_BYTES) && v == floor(v) &&
	    fabs(v) < 9007199254740992.0)    /* 2^53: every such double is whole */
		return json_integer((json_int_t)v);
	return json_real(v);
}

int cmd_cost(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "space", required_argument, 0, 's' },
		{ "arch", required_argument, 0, 'a' },
		{ "threads", required_argument, 0, 't' },
		{ "genotype", required_argument, 0, 'a' },
		{ "device", required_argument, 0, 'd' },
		{ "input", required_argument, 0, 'i' },
		{ "classes", required_argument, 0, 'k' },
		{ "width", required_argument, 0, 'w' },
		{ "cells", required_argument, 0, 'c' },
		{ "auxiliary", no_argument, 0, 'x' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *space_name = NULL, *arch_text = NULL, *device_name = NULL;
	dca_net_shape shape = { 0 };
	int json = 0, o, i, n = 0, status = 1, has_measured = 0, shown_measured = 0, threads;
	double v;
	dca_timing measured = { 0 };
	dca_registry *reg = NULL;
	const dca_space *space;
	const dca_device *dev = NULL;
	dca_arch *arch = NULL;
	dca_net net;
	dca_error err = { 0 }, broken = { 0 };
	struct metric_out *m = NULL;
	char *canon = NULL;
	size_t k;

	dca_net_init(&net);
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's': space_name = optarg; break;
		case 'a': arch_text = optarg; break;
		case 'd': device_name = optarg; break;
		case 'i':
			if (cli_parse_shape(optarg, &shape.in_c, &shape.in_h, &shape.in_w))
				return cli_fail("cost: --input expects CxHxW like 3x32x32 (channels "
						"up to 4096, sides up to 4096), got '%s'", optarg) + 1;
			break;
		case 'k':
			if (cli_number(DCA_LIM_CLASSES, "--classes", optarg, &v))
				return 2;
			shape.classes = (int)v;
			break;
		case 'w':
			if (cli_number(DCA_LIM_WIDTH, "--width", optarg, &v))
				return 2;
			shape.width = (int)v;
			break;
		case 'c':
			if (cli_number(DCA_LIM_CELLS, "--cells", optarg, &v))
				return 2;
			shape.cells = (int)v;
			break;
		case 'x': shape.auxiliary = 1; break;
		case 'j': json = 1; break;
		case 't':
			if (cli_threads("--threads", optarg, &threads))
				return 2;
			dca_engine_init(threads);
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return cli_fail("cost: unexpected argument '%s' (see --help)", argv[optind]);
	if (!space_name || !arch_text)
		return cli_fail("cost: --space and --arch are required (see --help)");
	reg = cli_registry();
	if (!reg)
		return 1;
	space = dca_registry_space(reg, space_name, &err);
	if (!space)
		goto fail;
	if (device_name && !(dev = dca_registry_device(reg, device_name, &err)))
		goto fail;
	arch = space->arch_parse(arch_text, &err);
	if (!arch)
		goto fail;
	dca_space_resolve_shape(space, &shape);
	if (space->build_net(arch, &shape, &net, &err) != 0)
		goto fail;
	/* every constraint loaded, in the registry's order: a module's are
	 * shown as the built-in ones are */
	if (!(m = calloc(dca_registry_count(reg) + 1, sizeof *m))) {
		dca_error_set(&err, DCA_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (k = 0; k < dca_registry_count(reg); k++) {
		const dca_registry_entry *e = dca_registry_get(reg, k);
		struct metric_out *mi = &m[n];
		dca_error e2 = { 0 };

		if (e->kind != DCA_KIND_CONSTRAINT)
			continue;
		mi->c = e->object;
		n++;
		if (mi->c->needs_device && !dev) {
			snprintf(mi->error, sizeof mi->error, "needs --device");
			continue;
		}
		if (mi->c->exact(&net, space, arch, mi->c->needs_device ? dev : NULL,
				 &mi->value, &e2) == 0)
			mi->ok = 1;
		else
			snprintf(mi->error, sizeof mi->error, "%s", e2.msg);
		/* a metric the device does not have is n/a; one it cannot read
		 * (a broken profile) fails the command once the rest is shown */
		if (!mi->ok && e2.code != DCA_ERR_UNSUPPORTED && e2.code != DCA_ERR_NOTFOUND &&
		    !broken.code)
			broken = e2;
		/* the estimate a search would use, from the device's table for
		 * the metric this constraint names */
		if (mi->ok && dev && mi->c->device_metric)
			mi->has_estimate = model_estimate(dev, space, mi->c->device_metric,
							  arch, &mi->estimate) == 0;
	}
	if (dev && dev->runs_here) {
		/* this machine: run the network end to end beside the estimate */
		dca_model *model = NULL;
		dca_timing_opts to;

		dca_timing_opts_default(&to);
		if (dca_space_build_model(space, arch, &shape, 1, &model, &err) ||
		    dca_time_model(model, shape.in_c, shape.in_h, shape.in_w, &to,
				   &measured, &err)) {
			dca_model_free(model);
			goto fail;
		}
		dca_model_free(model);
		has_measured = 1;
	}
	canon = space->arch_format(arch);
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:{s:[i,i,i], s:i, s:i, s:i, s:b}}",
			"space", space->name, "arch", canon ? canon : "", "shape",
			"input", shape.in_c, shape.in_h, shape.in_w, "classes",
			shape.classes, "width", shape.width, "cells", shape.cells,
			"auxiliary", shape.auxiliary);
		char key[128];

		if (dev)
			json_object_set_new(j, "device", json_string(dev->name));
		for (i = 0; i < n; i++) {
			json_object_set_new(j, m[i].c->name, m[i].ok ?
				json_value(m[i].c->unit, m[i].value) : json_null());
			if (m[i].has_estimate) {
				snprintf(key, sizeof key, "%s_model_estimate", m[i].c->name);
				json_object_set_new(j, key, json_real(m[i].estimate));
			}
		}
		if (has_measured)
			json_object_set_new(j, "latency_measured", json_pack("{s:f, s:f}",
				"median", measured.median_ms, "spread", measured.spread_ms));
		/* 17 significant digits: every double reads back as itself */
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
		putchar('\n');
		json_decref(j);
	} else {
		char buf[64];

		printf("space        %s (input %dx%dx%d, %d classes, width %d, %d cells%s)\n",
		       space->name, shape.in_c, shape.in_h, shape.in_w, shape.classes,
		       shape.width, shape.cells, shape.auxiliary ? ", auxiliary head" : "");
		printf("arch         %s\n", canon ? canon : "?");
		if (dev)
			printf("device       %s\n", dev->name);
		for (i = 0; i < n; i++) {
			const dca_constraint *c = m[i].c;
			/* the end-to-end run is a latency: under the first of those */
			int latency = !shown_measured && c->device_metric &&
				      strcmp(c->device_metric, "latency") == 0;

			if (c->needs_device && !dev)
				continue;    /* shown when a device is given */
			if (m[i].ok) {
				printf("%-12s %s", c->name, dca_unit_format(c->unit,
				       m[i].value, buf, sizeof buf));
				if (c->unit == DCA_UNIT_COUNT)
					printf(" (%.0f)", m[i].value);
				if (c->needs_device)
					printf(dev->runs_here ? " (estimate: sum of measured ops"
					       " + overhead)" : " (device table)");
				putchar('\n');
			} else {
				printf("%-12s n/a: %s\n", c->name, m[i].error);
			}
			if (m[i].has_estimate)
				printf("%-12s %s (additive per-edge model)\n", "  estimate",
				       dca_unit_format(c->unit, m[i].estimate, buf, sizeof buf));
			if (latency && has_measured) {
				printf("%-12s %s (run end to end here, batch 1; spread %.3f ms)\n",
				       "  measured", dca_unit_format(DCA_UNIT_SECONDS,
				       measured.median_ms, buf, sizeof buf), measured.spread_ms);
				shown_measured = 1;
			}
		}
		if (has_measured && !shown_measured)
			printf("%-12s %s (run end to end here, batch 1; spread %.3f ms)\n",
			       "measured", dca_unit_format(DCA_UNIT_SECONDS,
			       measured.median_ms, buf, sizeof buf), measured.spread_ms);
	}
	if (broken.code) {
		err = broken;
		goto fail;
	}
	status = 0;
	goto out;
fail:
	cli_fail("cost: %s", err.msg);
out:
	free(m);
	free(canon);
	if (arch)
		space->arch_free(arch);
	dca_net_free(&net);
	dca_registry_free(reg);
	return status;
}
