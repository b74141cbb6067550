/* dcanas tests — table devices (plugins/devices/).
 *
 * table_device.c is included directly so its static functions can be
 * exercised without the registry; the module's other files are linked in.
 * Profiles are read from $DCANAS_SRCDIR/devices/profiles (DCANAS_SRCDIR
 * defaults to ".." then "."). The device only loads and looks up: arch
 * strings are keys to it, so no space is needed here (the core's fit is
 * tested in test_network_fit.c). */
#include "../plugins/devices/table_device.c"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------ profile location */

static const char *profile_dir(void)
{
	static char buf[4096];
	const char *cands[3];
	const char *env = getenv("DCANAS_SRCDIR");
	int i, n = 0;

	if (env && *env)
		cands[n++] = env;
	cands[n++] = "..";
	cands[n++] = ".";
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "%s/devices/profiles/raspi4.json.gz",
			 cands[i]);
		if (access(buf, R_OK) == 0) {
			snprintf(buf, sizeof buf, "%s/devices/profiles", cands[i]);
			return buf;
		}
	}
	ck_abort_msg("devices/profiles/raspi4.json.gz not found (set DCANAS_SRCDIR "
		     "to the source tree; run tools/make_profiles.py)");
	return NULL;
}

/* A device as registration makes it: header only, tables on first use. */
static dca_device *open_device(const char *path)
{
	dca_error err = { 0 };
	td_lazy *lz = td_read_header(path, &err);
	ck_assert_msg(lz != NULL, "header of %s: %s", path, err.msg);
	return td_device_new(lz);
}

static dca_device *open_shipped(const char *name)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s.json.gz", profile_dir(), name);
	return open_device(path);
}

/* ------------------------------------------------------------ lookups */

static double cost_of(const dca_device *dev, const char *text, int *rc)
{
	dca_error err = { 0 };
	double v = -1;
	*rc = dev->network_value(dev, "nb201", "latency", text, &v, &err);
	return v;
}

/* ------------------------------------------------- scanning helpers */

typedef struct collected {
	dca_device *devs[64];
	int n;
} collected;

static int collect(void *ctx, dca_device *dev, dca_error *err)
{
	collected *c = ctx;
	(void)err;
	c->devs[c->n++] = dev;
	return 0;
}

static char tmpdir_a[256], tmpdir_b[256];

static void make_tmpdirs(void)
{
	strcpy(tmpdir_a, "/tmp/dcanas-td-a-XXXXXX");
	strcpy(tmpdir_b, "/tmp/dcanas-td-b-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir_a));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir_b));
}

static void write_file(const char *dir, const char *name, const char *text,
		       char *path_out, size_t n)
{
	FILE *f;
	snprintf(path_out, n, "%s/%s", dir, name);
	f = fopen(path_out, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void rm_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Run a scan of path_list, capturing the log; returns a malloc'ed string. */
static char *scan_log(const char *path_list, collected *c, int *rc)
{
	FILE *log = tmpfile();
	dca_error err = { 0 };
	long len;
	char *s;

	ck_assert_ptr_nonnull(log);
	*rc = td_scan_path(path_list, collect, c, log, &err);
	fflush(log);
	len = ftell(log);
	rewind(log);
	s = calloc(1, (size_t)len + 1);
	if (len > 0 && fread(s, 1, (size_t)len, log) != (size_t)len)
		ck_abort_msg("reading log");
	fclose(log);
	fprintf(stderr, "%s", s);   /* show what a user would see */
	return s;
}

#define SMALL_PROFILE(name, value) \
	"{\"dcanas_profile\": 1, \"name\": \"" name "\", \"summary\": \"t\"," \
	" \"network_tables\": [{\"space\": \"nb201\", \"metric\": \"latency\"," \
	" \"unit\": \"ms\", \"archs\": {\"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\": " \
	value "}}]}\n"

/* ------------------------------------------------------------ tests */

/* Expected values: /work/shared/data/hw-nas-bench/hwnasbench_nb201_partial.json.gz
 * ("archs"[arch]["cifar10"]["raspi4_latency"]), read with python3 json:
 *   index 6111 |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|
 *     -> 68.40410818003875
 *   index 0 -> 10.481976820010459 (README: 10.48). */
#define ARCH_6111 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
#define ARCH_0 "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"

START_TEST(test_raspi4_exact)
{
	dca_device *dev = open_shipped("raspi4");
	const dca_network_table *t;
	td_profile *p;
	dca_error err = { 0 };
	dca_op_desc op;
	size_t n, i;
	double v;
	int rc;

	ck_assert_str_eq(dev->name, "raspi4");
	ck_assert_ptr_nonnull(strstr(dev->summary, "Raspberry Pi 4"));
	ck_assert_ptr_null(((td_lazy *)dev->state)->p);   /* lazy */
	p = td_get(dev, &err);
	ck_assert_msg(p != NULL, "%s", err.msg);
	ck_assert_int_eq((int)p->n_nets, 1);
	v = cost_of(dev, ARCH_6111, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(v == 68.40410818003875, "raspi4 arch 6111: %.17g", v);
	v = cost_of(dev, ARCH_0, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(v == 10.481976820010459, "raspi4 arch 0: %.17g", v);
	ck_assert_msg(fabs(v - 10.48) < 0.005, "README says 10.48");

	/* the table as the core sees it: metadata, 15625 sorted archs */
	ck_assert_int_eq(dev->network_tables(dev, &t, &n, &err), 0);
	ck_assert_int_eq((int)n, 1);
	ck_assert_str_eq(t->space, "nb201");
	ck_assert_str_eq(t->metric, "latency");
	ck_assert_str_eq(t->unit, "ms");
	ck_assert_str_eq(t->dataset, "cifar10");
	ck_assert_int_eq(t->input[0], 3);
	ck_assert_int_eq(t->input[2], 32);
	ck_assert_str_eq(t->source, dev->source);
	ck_assert_int_eq((int)t->n, 15625);
	for (i = 1; i < t->n; i++)
		ck_assert(strcmp(t->archs[i - 1], t->archs[i]) < 0);
	for (i = 0; i < t->n && strcmp(t->archs[i], ARCH_6111) != 0; i++)
		;
	ck_assert(i < t->n && t->values[i] == 68.40410818003875);

	/* energy: no table */
	rc = dev->network_value(dev, "nb201", "energy", ARCH_0, &v, &err);
	ck_assert_int_eq(rc, DCA_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "energy"));
	/* no op tables in the converted profiles */
	memset(&op, 0, sizeof op);
	dca_error_clear(&err);
	rc = dev->op_cost(dev, DCA_METRIC_LATENCY, &op, &v, &err);
	ck_assert_int_eq(rc, DCA_ERR_UNSUPPORTED);
	td_device_free(dev);
}
END_TEST

START_TEST(test_other_devices_arch0)
{
	/* arch 0 per the shared data files (python3 json) */
	static const struct { const char *name; double v; } want[] = {
		{ "pixel3", 3.6058499999999998 },
		{ "eyeriss", 3.645620000000001 },
		{ "fpga", 2.57296 },
		{ "1080ti_1", 10.75437068939209 },
		{ "samsung_s7", 29 },
		{ "gold_6226", 10.524625778198242 },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof want / sizeof *want; i++) {
		dca_device *dev = open_shipped(want[i].name);
		double v = cost_of(dev, ARCH_0, &rc);
		ck_assert_int_eq(rc, 0);
		ck_assert_msg(v == want[i].v, "%s arch 0: %.17g != %.17g",
			      want[i].name, v, want[i].v);
		td_device_free(dev);
	}
}
END_TEST

START_TEST(test_not_found)
{
	char path[600];
	dca_error err = { 0 };
	dca_device *dev;
	double v;
	int rc;

	make_tmpdirs();
	write_file(tmpdir_a, "one.json", SMALL_PROFILE("one", "1.5"), path,
		   sizeof path);
	dev = open_device(path);
	v = cost_of(dev, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert(v == 1.5);
	rc = dev->network_value(dev, "nb201", "latency", ARCH_0, &v, &err);
	ck_assert_int_eq(rc, DCA_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, ARCH_0));
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	/* another space, or another metric name: no table */
	dca_error_clear(&err);
	rc = dev->network_value(dev, "darts", "latency", ARCH_0, &v, &err);
	ck_assert_int_eq(rc, DCA_ERR_UNSUPPORTED);
	dca_error_clear(&err);
	rc = dev->network_value(dev, "nb201", "latency_p99",
				"|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", &v, &err);
	ck_assert_int_eq(rc, DCA_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "latency_p99"));
	td_device_free(dev);
	rm_dir(tmpdir_a);
	rm_dir(tmpdir_b);
}
END_TEST

/* Units are converted to the metric's (us -> ms); a metric of another name
 * keeps its unit and is found by that name. */
START_TEST(test_units_and_metric_names)
{
	char path[600];
	dca_error err = { 0 };
	const dca_network_table *t;
	dca_device *dev;
	size_t n;
	double v;

	make_tmpdirs();
	write_file(tmpdir_a, "u.json",
		   "{\"dcanas_profile\": 1, \"name\": \"u\", \"network_tables\": ["
		   "{\"space\": \"nb201\", \"metric\": \"latency\", \"unit\": \"us\","
		   " \"archs\": {\"b\": 2500, \"a\": 1000}},"
		   "{\"space\": \"nb201\", \"metric\": \"latency_p99\", \"unit\": \"ms\","
		   " \"note\": \"99th percentile\", \"archs\": {\"a\": 1.7}}]}",
		   path, sizeof path);
	dev = open_device(path);
	ck_assert_int_eq(dev->network_tables(dev, &t, &n, &err), 0);
	ck_assert_int_eq((int)n, 2);
	ck_assert_str_eq(t[0].unit, "ms");
	ck_assert_str_eq(t[0].archs[0], "a");     /* sorted */
	ck_assert(fabs(t[0].values[0] - 1.0) < 1e-12 && fabs(t[0].values[1] - 2.5) < 1e-12);
	ck_assert_str_eq(t[1].metric, "latency_p99");
	ck_assert_str_eq(t[1].unit, "ms");
	ck_assert_str_eq(t[1].note, "99th percentile");
	ck_assert_int_eq(dev->network_value(dev, "nb201", "latency_p99", "a", &v, &err), 0);
	ck_assert(v == 1.7);
	ck_assert_int_eq(dev->network_value(dev, "nb201", "latency", "b", &v, &err), 0);
	ck_assert(fabs(v - 2.5) < 1e-12);
	td_device_free(dev);
	rm_dir(tmpdir_a);
	rm_dir(tmpdir_b);
}
END_TEST

START_TEST(test_malformed)
{
	collected c = { .n = 0 };
	char bad_json[600], bad_num[600], ok[600], bad_type[600], no_name[600];
	char *log;
	int i;
	int rc;

	make_tmpdirs();
	write_file(tmpdir_a, "a_bad_json.json", "{\"dcanas_profile\": 1, \"name\": ",
		   bad_json, sizeof bad_json);
	write_file(tmpdir_a, "b_bad_num.json", SMALL_PROFILE("badnum", "\"fast\""),
		   bad_num, sizeof bad_num);
	write_file(tmpdir_a, "c_good.json", SMALL_PROFILE("good", "2"), ok,
		   sizeof ok);
	write_file(tmpdir_a, "d_bad_type.json",
		   "{\"dcanas_profile\": 1, \"name\": \"x\", \"network_tables\": "
		   "[{\"space\": \"nb201\", \"metric\": \"latency\", \"unit\": \"ms\", "
		   "\"archs\": []}]}", bad_type, sizeof bad_type);
	write_file(tmpdir_a, "ignored.txt", "not a profile", ok, sizeof ok);

	write_file(tmpdir_a, "e_no_name.json.gz", "{\"dcanas_profile\": 1}",
		   no_name, sizeof no_name);

	log = scan_log(tmpdir_a, &c, &rc);
	ck_assert_int_eq(rc, 0);
	/* headers: the bad JSON and the nameless one are skipped, naming the
	 * file; the others register (their tables are checked on first use) */
	ck_assert_int_eq(c.n, 3);
	ck_assert_str_eq(c.devs[0]->name, "badnum");
	ck_assert_str_eq(c.devs[1]->name, "good");
	ck_assert_str_eq(c.devs[2]->name, "x");
	{
		char want[700];
		snprintf(want, sizeof want, "dcanas: skipping device profile %s:",
			 bad_json);
		ck_assert_msg(strstr(log, want) != NULL, "log: %s", log);
		snprintf(want, sizeof want, "dcanas: skipping device profile %s: name: missing",
			 no_name);
		ck_assert_msg(strstr(log, want) != NULL, "log: %s", log);
	}
	ck_assert_ptr_null(strstr(log, "ignored.txt"));
	free(log);

	/* first use: the bad tables fail with the file and the JSON path; the
	 * good device works */
	{
		dca_error err = { 0 };
		const char *none = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
		const dca_network_table *t;
		size_t n;
		double v = -1;
		ck_assert_int_eq(c.devs[1]->network_value(c.devs[1], "nb201", "latency",
							  none, &v, &err), 0);
		ck_assert(v == 2.0);
		rc = c.devs[0]->network_value(c.devs[0], "nb201", "latency", none, &v, &err);
		ck_assert_int_eq(rc, DCA_ERR_INVALID);
		fprintf(stderr, "first use of badnum: %s\n", err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, bad_num));
		ck_assert_ptr_nonnull(strstr(err.msg, "network_tables[0].archs[\"|none~0|"));
		ck_assert_ptr_nonnull(strstr(err.msg, "expected a number, got a string"));
		dca_error_clear(&err);
		rc = c.devs[2]->network_tables(c.devs[2], &t, &n, &err);
		ck_assert_int_eq(rc, DCA_ERR_INVALID);
		fprintf(stderr, "first use of x: %s\n", err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, bad_type));
		ck_assert_ptr_nonnull(strstr(err.msg, "network_tables[0].archs:"));
	}

	/* direct load: the error names the file and the JSON path */
	{
		dca_error err = { 0 };
		ck_assert_ptr_null(dcap_td_profile_load(bad_num, &err));
		ck_assert_int_eq(err.code, DCA_ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(err.msg, bad_num));
		ck_assert_ptr_nonnull(strstr(err.msg, "network_tables[0].archs"));
	}
	for (i = 0; i < c.n; i++)
		td_device_free(c.devs[i]);
	rm_dir(tmpdir_a);
	rm_dir(tmpdir_b);
}
END_TEST

START_TEST(test_duplicate)
{
	collected c = { .n = 0 };
	char first[600], second[600], list[600], *log;
	int rc;

	make_tmpdirs();
	write_file(tmpdir_a, "dev.json", SMALL_PROFILE("twin", "1"), first,
		   sizeof first);
	write_file(tmpdir_b, "other.json", SMALL_PROFILE("twin", "2"), second,
		   sizeof second);
	snprintf(list, sizeof list, "%s::%s:/nonexistent/dcanas", tmpdir_a,
		 tmpdir_b);
	log = scan_log(list, &c, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.devs[0]->source, first);   /* the first one wins */
	ck_assert_msg(strstr(log, first) && strstr(log, second) &&
		      strstr(log, "twin"), "log: %s", log);
	free(log);
	td_device_free(c.devs[0]);
	rm_dir(tmpdir_a);
	rm_dir(tmpdir_b);
}
END_TEST

START_TEST(test_op_table)
{
	collected c = { .n = 0 };
	char path[600], *log;
	dca_op_desc op;
	dca_error err = { 0 };
	double v = -1;
	int rc;

	make_tmpdirs();
	write_file(tmpdir_a, "ops.json",
		   "{\"dcanas_profile\": 1, \"name\": \"ops\", \"op_tables\": "
		   "[{\"metric\": \"latency\", \"unit\": \"us\", \"entries\": ["
		   "{\"kind\": \"conv\", \"cin\": 16, \"cout\": 16, \"h\": 32, \"w\": 32,"
		   " \"kernel\": 3, \"stride\": 1, \"pad\": 1, \"dilation\": 1,"
		   " \"groups\": 1, \"value\": 120},"
		   "{\"kind\": \"relu\", \"value\": 0}]}]}",
		   path, sizeof path);
	log = scan_log(tmpdir_a, &c, &rc);
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(log, "");
	free(log);
	memset(&op, 0, sizeof op);
	op.kind = DCA_OP_CONV;
	op.cin = op.cout = 16;
	op.h = op.w = 32;
	op.kernel = 3; op.stride = 1; op.pad = 1; op.dilation = 1; op.groups = 1;
	rc = c.devs[0]->op_cost(c.devs[0], DCA_METRIC_LATENCY, &op, &v, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert(fabs(v - 0.12) < 1e-12);   /* us -> ms */
	op.kind = DCA_OP_RELU;
	rc = c.devs[0]->op_cost(c.devs[0], DCA_METRIC_LATENCY, &op, &v, &err);
	ck_assert_int_eq(rc, 0);
	ck_assert(v == 0);
	op.kind = DCA_OP_CONV;
	op.kernel = 5;
	rc = c.devs[0]->op_cost(c.devs[0], DCA_METRIC_LATENCY, &op, &v, &err);
	ck_assert_int_eq(rc, DCA_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "kernel=5"));
	td_device_free(c.devs[0]);
	rm_dir(tmpdir_a);
	rm_dir(tmpdir_b);
}
END_TEST

/* The core's header reader: values cut by a chunk boundary are read again,
 * members before the wanted ones are stepped over, reading stops once all
 * are found, and errors name the file and the byte. */
START_TEST(test_json_members)
{
	static const char *const keys[] = { "dcanas_profile", "name", "summary" };
	char path[600];
	dca_error err = { 0 };
	json_t *h;
	size_t n;
	FILE *f;

	make_tmpdirs();
	/* a 200 KB member first; then the number 12345 straddles byte 262144,
	 * where the reader's input ends once that member is read (chunks
	 * double from 8 KiB) */
	snprintf(path, sizeof path, "%s/big.json", tmpdir_a);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"big\": \"", f);
	for (n = 0; n < 200000; n++)
		fputc('a', f);
	fputs("\", \"dcanas_profile\":", f);
	while (ftell(f) < 262144 - 3)
		fputc(' ', f);
	fputs("12345, \"name\" : \"n\", \"summary\": \"s\", \"rest\": [1, 2, oops", f);
	fclose(f);
	h = dca_json_load_members(path, keys, 3, &err);
	ck_assert_msg(h != NULL, "%s", err.msg);
	ck_assert_int_eq((int)json_integer_value(json_object_get(h, "dcanas_profile")), 12345);
	ck_assert_str_eq(json_string_value(json_object_get(h, "name")), "n");
	ck_assert_str_eq(json_string_value(json_object_get(h, "summary")), "s");
	ck_assert_int_eq((int)json_object_size(h), 3);   /* big was dropped */
	json_decref(h);

	/* a key that is absent: read to the end of the object */
	write_file(tmpdir_a, "short.json", "{\"name\": \"x\", \"n\": [1, {\"a\": 2}]}",
		   path, sizeof path);
	h = dca_json_load_members(path, keys, 3, &err);
	ck_assert_msg(h != NULL, "%s", err.msg);
	ck_assert_int_eq((int)json_object_size(h), 1);
	json_decref(h);

	/* errors: the file and the byte */
	write_file(tmpdir_a, "cut.json", "{\"name\": \"abc", path, sizeof path);
	ck_assert_ptr_null(dca_json_load_members(path, keys, 3, &err));
	ck_assert_int_eq(err.code, DCA_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, path));
	ck_assert_msg(strstr(err.msg, "byte 13: premature end") != NULL, "%s", err.msg);
	dca_error_clear(&err);
	write_file(tmpdir_a, "arr.json", "[1, 2]", path, sizeof path);
	ck_assert_ptr_null(dca_json_load_members(path, keys, 3, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "expected a JSON object"));
	dca_error_clear(&err);
	write_file(tmpdir_a, "colon.json", "{\"name\" \"x\"}", path, sizeof path);
	ck_assert_ptr_null(dca_json_load_members(path, keys, 3, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "expected ':'"));
	dca_error_clear(&err);
	ck_assert_ptr_null(dca_json_load_members("/nonexistent/p.json", keys, 3, &err));
	ck_assert_int_eq(err.code, DCA_ERR_IO);
	rm_dir(tmpdir_a);
	rm_dir(tmpdir_b);
}
END_TEST

START_TEST(test_module_info)
{
	const dca_module_info *mi = dca_module_entry();
	ck_assert_str_eq(mi->name, "table");
	ck_assert_int_eq(mi->abi_major, DCA_ABI_MAJOR);
	ck_assert_ptr_nonnull(mi->register_plugins);
}
END_TEST

static Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("table");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_module_info);
	tcase_add_test(tc, test_json_members);
	tcase_add_test(tc, test_raspi4_exact);
	tcase_add_test(tc, test_other_devices_arch0);
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_units_and_metric_names);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_duplicate);
	tcase_add_test(tc, test_op_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(devices_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
