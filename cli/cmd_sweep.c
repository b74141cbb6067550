/* dcanas sweep — one search per (budget, seed), in turn, then the
 * accuracy-cost front: a table, a JSON summary and an SVG picture.
 *
 * Each point is `dcanas search` itself (cmd_search) with the sweep's other
 * arguments plus --budget NAME=VALUE --seed S --out DIR/POINT, so a point
 * is exactly the search a user would have typed. A point whose arch.json
 * exists is done; one with only a config.json was interrupted and resumes
 * (--resume). Running the same sweep again continues it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_VALUES 32
#define MAX_SEEDS 16

typedef struct point {
	char value[64];          /* the budget as given, e.g. "10ms" */
	int seed;
	char dir[4200];
	json_t *arch;            /* its arch.json, once done */
	double cost;             /* the swept constraint's exact cost */
	double budget;
	double acc;              /* the benchmark's accuracy; NAN: none */
	int met, front;
} point;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dcanas sweep [CONFIG] --budget NAME=V1,V2,... --out DIR [--seeds N]\n"
"                    [SEARCH OPTIONS]\n"
"One search per budget value and seed, in turn, each in DIR/NAME=V-seedS\n"
"(the same as `dcanas search ... --budget NAME=V --seed S --out` there), then\n"
"the accuracy-cost front: DIR/sweep.md (a table), DIR/sweep.json and\n"
"DIR/front.svg (every point, the front and the budgets drawn). Accuracy is\n"
"the benchmark's (NAS-Bench-201's table on the data searched, for the report\n"
"only) where the space has one. Run the same command again to continue an\n"
"interrupted sweep: finished points are kept, an interrupted one resumes.\n\n"
"  --budget NAME=V1,V2  the swept budget (several values); other --budget\n"
"                       flags (one value) hold for every point\n"
"  --seeds N            seeds 1..N per value (default 1)\n"
"  --out DIR            the sweep's folder (required)\n"
"  --ranks-per-point K  under mpirun: the ranks split into groups of K, each\n"
"                       group running its share of the points at once, each\n"
"                       point data parallel over its K ranks (default 1);\n"
"                       DIR must be on a file system every rank sees\n"
"Every other option is dcanas search's (see dcanas search --help).\n");
}

/* the swept constraint's exact cost, budget and whether met, from arch.json */
static int read_point(point *p, const char *name)
{
	char path[4300];
	dca_error err = { 0 };
	json_t *b, *bench, *h;
	size_t i;
	const char *k;

	snprintf(path, sizeof path, "%s/arch.json", p->dir);
	if (!(p->arch = dca_json_load_file(path, &err)))
		return -1;
	p->acc = NAN;
	json_array_foreach(json_object_get(p->arch, "budgets"), i, b)
		if (!strcmp(json_string_value(json_object_get(b, "name")), name)) {
			p->cost = json_number_value(json_object_get(b, "exact"));
			p->budget = json_number_value(json_object_get(b, "budget"));
		}
	p->met = json_is_true(json_object_get(p->arch, "all_met"));
	/* the figure on the data searched; else the benchmark's first one */
	if ((h = json_object_get(p->arch, "headline")))
		p->acc = json_number_value(json_object_get(h, "value"));
	else if ((bench = json_object_get(p->arch, "benchmark")))
		json_object_foreach(bench, k, b)
			if (json_is_object(b) && isnan(p->acc)) {
				const char *k2;
				json_t *v;
				json_object_foreach(b, k2, v)
					if (json_is_number(v) && isnan(p->acc))
						p->acc = json_number_value(v);
			}
	return 0;
}

/* the points no other beats in both cost (lower) and accuracy (higher) */
static void mark_front(point *pt, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		pt[i].front = pt[i].arch && pt[i].met && !isnan(pt[i].acc);
		for (j = 0; j < n && pt[i].front; j++)
			if (j != i && pt[j].arch && pt[j].met && !isnan(pt[j].acc) &&
			    pt[j].cost <= pt[i].cost && pt[j].acc >= pt[i].acc &&
			    (pt[j].cost < pt[i].cost || pt[j].acc > pt[i].acc))
				pt[i].front = 0;
	}
}

static int by_cost(const void *a, const void *b)
{
	const point *x = *(point *const *)a, *y = *(point *const *)b;

	return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* front.svg: accuracy against cost, every point, the front joined, each
 * budget a dashed line */
static int write_svg(const char *path, point *pt, int n, const char *name,
		     const char *unit, dca_error *err)
{
	const double W = 640, H = 420, L = 70, R = 20, T = 40, B = 60;
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
	point *front[MAX_VALUES * MAX_SEEDS];
	int i, k, nf = 0;
	FILE *f = fopen(path, "w");

	if (!f)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot write", path);
	for (i = 0; i < n; i++) {
		if (!pt[i].arch || isnan(pt[i].acc))
			continue;
		x0 = fmin(x0, fmin(pt[i].cost, pt[i].budget));
		x1 = fmax(x1, fmax(pt[i].cost, pt[i].budget));
		y0 = fmin(y0, pt[i].acc);
		y1 = fmax(y1, pt[i].acc);
		if (pt[i].front)
			front[nf++] = &pt[i];
	}
	if (x1 <= x0) {
		x0 -= 1;
		x1 += 1;
	}
	if (y1 - y0 < 1) {
		y0 -= 0.5;
		y1 += 0.5;
	}
	x0 -= 0.05 * (x1 - x0);
	x1 += 0.05 * (x1 - x0);
	y0 -= 0.05 * (y1 - y0);
	y1 += 0.05 * (y1 - y0);
#define X(v) (L + ((v) - x0) / (x1 - x0) * (W - L - R))
#define Y(v) (H - B - ((v) - y0) / (y1 - y0) * (H - T - B))
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%.0f\" y=\"22\" font-size=\"14\">dcanas sweep: accuracy against "
		"%s (%s)</text>\n", W, H, L, name, unit);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
		L, H - B, W - R, H - B, L, T, L, H - B);
	for (k = 0; k <= 4; k++) {
		double xv = x0 + (x1 - x0) * k / 4, yv = y0 + (y1 - y0) * k / 4;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.4g</text>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n",
			X(xv), H - B + 18, xv, L - 6, Y(yv) + 4, yv);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s (%s)</text>\n"
		"<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
		"text-anchor=\"middle\">accuracy (benchmark, %%)</text>\n",
		(L + W - R) / 2, H - 16, name, unit, (T + H - B) / 2, (T + H - B) / 2);
	for (i = 0; i < n; i++)      /* the budgets */
		if (pt[i].arch && (i == 0 || strcmp(pt[i].value, pt[i - 1].value)))
			fprintf(f, "<line class=\"budget\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
				"<text x=\"%.1f\" y=\"%.1f\" fill=\"#888\">%s</text>\n",
				X(pt[i].budget), T, X(pt[i].budget), H - B,
				X(pt[i].budget) + 3, T + 12, pt[i].value);
	qsort(front, (size_t)nf, sizeof *front, by_cost);
	if (nf > 1) {
		fprintf(f, "<polyline class=\"front\" fill=\"none\" stroke=\"#c00\" points=\"");
		for (i = 0; i < nf; i++)
			fprintf(f, "%.1f,%.1f ", X(front[i]->cost), Y(front[i]->acc));
		fprintf(f, "\"/>\n");
	}
	for (i = 0; i < n; i++)
		if (pt[i].arch && !isnan(pt[i].acc))
			fprintf(f, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
				"fill=\"%s\"><title>%s=%s seed %d: %.4g %s, %.2f%%</title>"
				"</circle>\n", X(pt[i].cost), Y(pt[i].acc),
				pt[i].front ? "#c00" : "#48c", name, pt[i].value, pt[i].seed,
				pt[i].cost, unit, pt[i].acc);
#undef X
#undef Y
	fprintf(f, "</svg>\n");
	return fclose(f) ? dca_error_set(err, DCA_ERR_IO, "%s: write failed", path) : 0;
}

static int sweep_run(int argc, char **argv)
{
	char name[64] = "", *values = NULL, *out = NULL, unit[32] = "";
	char *vals[MAX_VALUES];
	int n_vals = 0, seeds = 1, i, j, k, n_pass = 0, n_pt = 0, failed = 0;
	int ranks_per_point = 1, group = 0, groups = 1, leader;
	char **pass = calloc((size_t)argc + 12, sizeof *pass);
	point *pt = NULL;
	dca_error err = { 0 };
	json_t *summary = NULL;
	FILE *md = NULL;
	char path[4300];

	if (!pass)
		return cli_fail("out of memory");
	pass[n_pass++] = (char *)"search";
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			free(pass);
			return 0;
		}
		if (!strncmp(a, "--budget=", 9) || !strcmp(a, "--budget"))
			v = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : NULL;
		if (v && strchr(v, ',')) {        /* the swept budget */
			const char *eq = strchr(v, '=');
			if (values || !eq || eq == v || (size_t)(eq - v) >= sizeof name) {
				free(pass);
				return cli_fail("sweep: --budget %s: %s", v, values ?
						"one budget is swept (one --budget with "
						"a list of values)" : "expects NAME=V1,V2,...") + 1;
			}
			snprintf(name, sizeof name, "%.*s", (int)(eq - v), v);
			values = strdup(eq + 1);
			continue;
		} else if (v) {
			pass[n_pass++] = (char *)"--budget";
			pass[n_pass++] = (char *)v;
			continue;
		}
		if (!strcmp(a, "--seeds") && i + 1 < argc) {
			double d;
			if (cli_number(DCA_LIM_COUNT_SMALL, "--seeds", argv[++i], &d)) {
				free(pass);
				free(values);
				return 2;
			}
			seeds = (int)d;
			continue;
		}
		if (!strcmp(a, "--out") && i + 1 < argc) {
			out = argv[++i];
			continue;
		}
		if (!strcmp(a, "--ranks-per-point") && i + 1 < argc) {
			double d;
			if (cli_number(DCA_LIM_COUNT_SMALL, "--ranks-per-point", argv[++i], &d)) {
				free(pass);
				free(values);
				return 2;
			}
			ranks_per_point = (int)d;
			continue;
		}
		if (!strcmp(a, "--seed") || !strcmp(a, "--resume") || !strncmp(a, "--seed=", 7) ||
		    !strncmp(a, "--out=", 6) || !strncmp(a, "--resume=", 9)) {
			free(pass);
			return cli_fail("sweep: %s is the sweep's to set (--seeds N, --out DIR; "
					"run the same sweep again to continue it)", a) + 1;
		}
		pass[n_pass++] = argv[i];
	}
	if (!values || !out) {
		free(pass);
		free(values);
		usage(stderr);
		return cli_fail("sweep: give --budget NAME=V1,V2,... and --out DIR") + 1;
	}
	if (seeds < 1 || seeds > MAX_SEEDS) {
		free(pass);
		free(values);
		return cli_fail("sweep: --seeds must be 1 to %d", MAX_SEEDS) + 1;
	}
	for (char *s = strtok(values, ","); s; s = strtok(NULL, ","))
		if (*s && n_vals < MAX_VALUES)
			vals[n_vals++] = s;
	/* under mpirun: groups of ranks, point p run by group p mod groups */
	if (cli_comm_split(ranks_per_point, &group, &groups)) {
		free(pass);
		free(values);
		return 2;
	}
	leader = dca_comm_writer();
	pt = calloc((size_t)n_vals * seeds, sizeof *pt);
	if (!pt || (mkdir(out, 0777) && access(out, W_OK))) {
		cli_fail("sweep: cannot make the folder %s", out);
		goto fail;
	}
	for (i = 0; i < n_vals; i++)
		for (j = 1; j <= seeds; j++) {
			point *p = &pt[n_pt++];
			struct stat st;
			char budget[160], seed[16];
			int rc;

			snprintf(p->value, sizeof p->value, "%s", vals[i]);
			p->seed = j;
			snprintf(p->dir, sizeof p->dir, "%s/%s=%s-seed%d", out, name, vals[i], j);
			snprintf(path, sizeof path, "%s/arch.json", p->dir);
			if ((n_pt - 1) % groups != group) {
				continue;     /* another group's point */
			} else if (stat(path, &st) == 0) {
				if (leader)
					fprintf(stderr, "sweep: %s=%s seed %d: done (%s)\n",
						name, vals[i], j, p->dir);
			} else {
				char *args[8], cfg[4300];
				int n = 0;
				snprintf(cfg, sizeof cfg, "%s/config.json", p->dir);
				if (leader)
					fprintf(stderr, "sweep: %s=%s seed %d (point %d of %d) "
						"into %s", name, vals[i], j, n_pt,
						n_vals * seeds, p->dir);
				if (leader && groups > 1)
					fprintf(stderr, " (rank group %d of %d)", group + 1, groups);
				if (leader)
					fputc('\n', stderr);
				if (stat(cfg, &st) == 0) {
					/* interrupted: continue it (args is fresh) */
					args[n++] = (char *)"search";
					args[n++] = (char *)"--resume";
					args[n++] = p->dir;
					for (k = 1; k < n_pass && n + 2 < 8; k++)
						if (!strcmp(pass[k], "--quiet") ||
						    !strncmp(pass[k], "--threads=", 10))
							args[n++] = pass[k];
						else if (!strcmp(pass[k], "--threads") &&
							 k + 1 < n_pass) {
							args[n++] = pass[k++];
							args[n++] = pass[k];
						}
					rc = cmd_search(n, args);
				} else {
					/* a fresh argv each time: getopt permutes it */
					char **call = malloc((size_t)(n_pass + 6) * sizeof *call);
					if (!call) {
						cli_fail("out of memory");
						goto fail;
					}
					memcpy(call, pass, (size_t)n_pass * sizeof *call);
					snprintf(budget, sizeof budget, "%s=%s", name, vals[i]);
					snprintf(seed, sizeof seed, "%d", j);
					call[n_pass] = (char *)"--budget";
					call[n_pass + 1] = budget;
					call[n_pass + 2] = (char *)"--seed";
					call[n_pass + 3] = seed;
					call[n_pass + 4] = (char *)"--out";
					call[n_pass + 5] = p->dir;
					rc = cmd_search(n_pass + 6, call);
					free(call);
				}
				/* one rank's own failure may leave its group
				 * waiting: it ends every rank */
				if (rc && dca_comm_size() > 1 && !dca_comm_failed_together())
					cli_comm_stop(rc);
				if (!leader)
					continue;
				if (rc || stat(path, &st)) {
					fprintf(stderr, "sweep: %s=%s seed %d: no result (see "
						"above); the other points go on\n", name,
						vals[i], j);
					failed++;
					continue;
				}
			}
		}
	/* every group done: world rank 0 reads every point and reports */
	cli_comm_world();
	{
		double f = failed;
		dca_comm_sum_double(&f, 1);
		failed = (int)f;
	}
	if (!dca_comm_writer()) {
		free(pt);
		free(pass);
		free(values);
		return 0;      /* rank 0's outcome is the sweep's (cmd_sweep) */
	}
	for (i = 0; i < n_pt; i++) {
		struct stat st;

		snprintf(path, sizeof path, "%s/arch.json", pt[i].dir);
		if (stat(path, &st) == 0 && read_point(&pt[i], name))
			failed++;
	}
	mark_front(pt, n_pt);
	/* the table, the JSON summary, the picture */
	summary = json_object();
	json_object_set_new(summary, "swept", json_string(name));
	json_object_set_new(summary, "points", json_array());
	snprintf(path, sizeof path, "%s/sweep.md", out);
	if (!(md = fopen(path, "w"))) {
		cli_fail("sweep: %s: cannot write", path);
		goto fail;
	}
	for (i = 0; i < n_pt; i++) {
		json_t *b;
		size_t bi;
		if (!pt[i].arch)
			continue;
		json_array_foreach(json_object_get(pt[i].arch, "budgets"), bi, b)
			if (!strcmp(json_string_value(json_object_get(b, "name")), name))
				snprintf(unit, sizeof unit, "%s",
					 json_string_value(json_object_get(b, "unit")));
	}
	fprintf(md, "| %s budget | seed | found | %s (%s) | all budgets met | "
		"accuracy (benchmark) | on the front | architecture |\n"
		"|---|---|---|---|---|---|---|---|\n", name, name, unit);
	printf("%-12s %4s %14s %5s %9s %5s  %s\n", "budget", "seed", name, "met",
	       "accuracy", "front", "architecture");
	for (i = 0; i < n_pt; i++) {
		point *p = &pt[i];
		const char *arch = p->arch ? json_string_value(json_object_get(p->arch, "arch")) : "";
		char acc[32];

		if (!p->arch) {
			fprintf(md, "| %s | %d | no result | | | | | |\n", p->value, p->seed);
			printf("%-12s %4d %14s\n", p->value, p->seed, "no result");
			continue;
		}
		snprintf(acc, sizeof acc, isnan(p->acc) ? "-" : "%.2f", p->acc);
		fprintf(md, "| %s | %d | %s | %.6g | %s | %s | %s | `%s` |\n", p->value,
			p->seed, p->dir, p->cost, p->met ? "yes" : "NO", acc,
			p->front ? "yes" : "", arch);
		printf("%-12s %4d %14.6g %5s %9s %5s  %s\n", p->value, p->seed, p->cost,
		       p->met ? "yes" : "NO", acc, p->front ? "*" : "", arch);
		json_array_append_new(json_object_get(summary, "points"), json_pack(
			"{s:s, s:i, s:s, s:s, s:f, s:f, s:b, s:o, s:b}", "budget", p->value,
			"seed", p->seed, "run_dir", p->dir, "arch", arch, "cost", p->cost,
			"budget_value", p->budget, "all_met", p->met, "accuracy",
			isnan(p->acc) ? json_null() : json_real(p->acc), "front", p->front));
	}
	if (fclose(md)) {
		cli_fail("sweep: %s/sweep.md: write failed", out);
		md = NULL;
		goto fail;
	}
	md = NULL;
	snprintf(path, sizeof path, "%s/sweep.json", out);
	if (dca_json_save_file(summary, path, JSON_INDENT(2), &err)) {
		cli_fail("sweep: %s", err.msg);
		goto fail;
	}
	snprintf(path, sizeof path, "%s/front.svg", out);
	if (write_svg(path, pt, n_pt, name, unit, &err)) {
		cli_fail("sweep: %s", err.msg);
		goto fail;
	}
	printf("%s/sweep.md, %s/sweep.json, %s/front.svg\n", out, out, out);
	for (i = 0; i < n_pt; i++)
		json_decref(pt[i].arch);
	free(pt);
	free(pass);
	free(values);
	json_decref(summary);
	return failed ? cli_fail("sweep: %d point%s without a result", failed,
				 failed > 1 ? "s" : "") : 0;
fail:
	if (md)
		fclose(md);
	for (i = 0; pt && i < n_pt; i++)
		json_decref(pt[i].arch);
	free(pt);
	free(pass);
	free(values);
	json_decref(summary);
	return 1;
}

int cmd_sweep(int argc, char **argv)
{
	dca_error err = { 0 };
	int rc = sweep_run(argc, argv);

	/* under mpirun: every rank ends with rank 0's outcome (rank 0 has
	 * said it), none left waiting */
	cli_comm_world();
	if (dca_comm_size() > 1)
		rc = dca_comm_agree(rc, &err) ? 1 : 0;
	return rc;
}
