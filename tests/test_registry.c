/* The plugin registry: loading, listing, and every load error. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

#include "modules/abi_1_0.h"
#include "modules/guard_page.h"

static const char *load_err(const char *module)
{
	static dca_error err;
	char path[1024];
	dca_registry *reg = dca_registry_new();

	dca_error_clear(&err);
	snprintf(path, sizeof path, "%s/%s", getenv("DCANAS_TEST_MODULES"), module);
	ck_assert_int_ne(dca_registry_load_file(reg, path, &err), 0);
	ck_assert_msg(strstr(err.msg, path) != NULL, "message names the file: %s", err.msg);
	dca_registry_free(reg);
	return err.msg;
}

START_TEST(loads_build_tree_modules)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	const char *want[] = { "nb201", "darts" };
	size_t i;

	for (i = 0; i < 2; i++)
		ck_assert_msg(dca_registry_space(reg, want[i], &err) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "params", &err));
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "peak_memory", &err));
	ck_assert_ptr_nonnull(dca_registry_device(reg, "raspi4", &err));
	ck_assert_ptr_null(dca_registry_space(reg, "nope", &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown space 'nope'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "nb201"));
	for (i = 0; i < dca_registry_count(reg); i++) {
		const dca_registry_entry *e = dca_registry_get(reg, i);
		ck_assert_ptr_nonnull(e->file);
		ck_assert_ptr_nonnull(e->version);
	}
	dca_registry_free(reg);
}
END_TEST

/* "ABI major.minor" of this core, for messages that name both versions */
static const char *our_abi(int major_add, int minor_add)
{
	static char buf[2][32];
	static int which;

	which ^= 1;
	snprintf(buf[which], sizeof buf[which], "ABI %d.%d",
		 DCA_ABI_MAJOR + major_add, major_add ? 0 : DCA_ABI_MINOR + minor_add);
	return buf[which];
}

START_TEST(wrong_abi)
{
	const char *m = load_err("bad_abi.la");
	ck_assert_msg(strstr(m, our_abi(1, 0)) && strstr(m, our_abi(0, 0)), "%s", m);
}
END_TEST

START_TEST(newer_minor_abi)
{
	const char *m = load_err("newer_minor.la");
	ck_assert_msg(strstr(m, our_abi(0, 1)) && strstr(m, our_abi(0, 0)), "%s", m);
}
END_TEST

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static dca_registry *load_ok(const char *module)
{
	dca_error err = { 0 };
	char path[1024];
	dca_registry *reg = dca_registry_new();

	snprintf(path, sizeof path, "%s/%s", getenv("DCANAS_TEST_MODULES"), module);
	if (dca_registry_load_file(reg, path, &err) != 0)
		ck_abort_msg("%s", err.msg);
	return reg;
}

/* A module built against the 1.0 headers (tests/modules/abi_1_0.c: its
 * structs end at an inaccessible page) loads, and every plugin in it works
 * through the registry's copies, whose 1.1 fields are filled in. */
START_TEST(abi_1_0_module_works)
{
	dca_registry *reg = load_ok("abi_1_0.la");
	dca_error err = { 0 };
	const dca_space *sp = dca_registry_space(reg, "abi10", &err);
	const dca_constraint *c = dca_registry_constraint(reg, "abi10_ops", &err);
	const dca_constraint *lat = dca_registry_constraint(reg, "abi10_latency", &err);
	const dca_device *d = dca_registry_device(reg, "abi10_board", &err);
	const dca_optimizer *o = dca_registry_optimizer(reg, "abi10", &err);
	const dca_network_table *t;
	dca_net_shape shape = { 0 };
	dca_net net;
	dca_arch *a;
	double v = 0;
	size_t i;

	ck_assert_msg(sp && c && lat && d && o, "%s", err.msg);
	ck_assert_uint_eq(sp->struct_size, sizeof(dca_space));
	ck_assert_uint_eq(c->struct_size, sizeof(dca_constraint));
	ck_assert_uint_eq(d->struct_size, sizeof(dca_device));
	ck_assert_uint_eq(o->struct_size, sizeof(dca_optimizer));
	ck_assert(all_zero(sp->reserved, sizeof sp->reserved));
	ck_assert(all_zero(d->reserved, sizeof d->reserved));
	ck_assert(all_zero(c->reserved, sizeof c->reserved));
	ck_assert_ptr_null(sp->build_model);
	/* fields after 1.0: a 1.0 device has no network tables, whatever it
	 * had in the 1.0 slots, and its constraints name no device metric */
	ck_assert_ptr_null(d->network_tables);
	ck_assert_ptr_null(d->network_value);
	ck_assert_ptr_nonnull(d->arch_cost_1_0);
	ck_assert_ptr_nonnull(d->edge_model_1_0);
	ck_assert_ptr_null(c->device_metric);
	ck_assert_ptr_null(lat->device_metric);
	for (i = 0; i < dca_registry_count(reg); i++)
		ck_assert_str_eq(dca_registry_get(reg, i)->version, "1.0");

	a = sp->arch_parse("8", &err);
	ck_assert_msg(a != NULL, "%s", err.msg);
	dca_space_resolve_shape(sp, &shape);
	dca_net_init(&net);
	ck_assert_int_eq(sp->build_net(a, &shape, &net, &err), 0);
	ck_assert_uint_eq(net.n_ops, 3);
	ck_assert_int_eq(c->exact(&net, sp, a, NULL, &v, &err), 0);
	ck_assert_double_eq(v, 3);
	ck_assert_int_eq(d->op_cost(d, DCA_METRIC_LATENCY, &net.ops[0], &v, &err), 0);
	ck_assert_double_eq(v, 1);
	/* the core prices the 1.0 device by its op costs, never through the
	 * 1.0 slots (arch_cost would say 42; called as network_tables, it
	 * aborts) */
	ck_assert_int_eq(dca_device_cost(d, "latency", sp, a, &net, &v, &err), 0);
	ck_assert_double_eq(v, 3);
	ck_assert_int_eq(dca_device_network_table(d, "abi10", "latency", &t, &err),
			 DCA_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, "its network tables: none"), "%s", err.msg);
	ck_assert_int_eq(dca_device_network_value(d, "latency", sp, a, &v, &err),
			 DCA_ERR_UNSUPPORTED);
	ck_assert_int_eq(dca_network_tables_describe(d, reg, stderr, stderr, &err), 0);
	/* a 1.0 constraint reads the 1.0 slots itself, and gets them */
	ck_assert_int_eq(lat->exact(&net, sp, a, d, &v, &err), 0);
	ck_assert_double_eq(v, 42);
	dca_error_clear(&err);
	ck_assert_int_eq(o->run(NULL, &err), DCA_ERR_UNSUPPORTED);
	ck_assert_str_eq(err.msg, "abi10 optimizer ran");
	dca_net_free(&net);
	sp->arch_free(a);
	dca_registry_free(reg);
}
END_TEST

/* A struct_size short of this version's sizeof: that many bytes are read
 * (the struct ends at an inaccessible page), the rest is zero. */
START_TEST(short_struct_works)
{
	dca_registry *reg = load_ok("short_struct.la");
	dca_error err = { 0 };
	const dca_constraint *c = dca_registry_constraint(reg, "short_size", &err);
	double v = 0;

	ck_assert_msg(c != NULL, "%s", err.msg);
	ck_assert_uint_eq(c->struct_size, sizeof(dca_constraint));
	ck_assert(all_zero(c->reserved, sizeof c->reserved));
	ck_assert_int_eq(c->exact(NULL, NULL, NULL, NULL, &v, &err), 0);
	ck_assert_double_eq(v, 7);
	dca_registry_free(reg);
}
END_TEST

START_TEST(tiny_struct_refused)
{
	const char *m = load_err("tiny_struct.la");
	ck_assert_msg(strstr(m, "constraint 'tiny' has struct_size 8") &&
		      strstr(m, "DCA_CONSTRAINT_INIT"), "%s", m);
}
END_TEST

START_TEST(space_without_parse_refused)
{
	const char *m = load_err("no_parse.la");
	ck_assert_msg(strstr(m, "space 'no_parse' lacks arch_parse"), "%s", m);
}
END_TEST

static int ops_exact(const dca_net *net, const dca_space *sp, const dca_arch *a,
		     const dca_device *dev, double *out, dca_error *err)
{
	*out = 1;
	return 0;
}

/* Lookups hand out the registry's copy, not the caller's struct; a struct
 * filled without its INIT macro is refused with the macro named. */
START_TEST(lookups_return_copies)
{
	static const dca_constraint mine = {
		DCA_CONSTRAINT_INIT, .name = "mine", .exact = ops_exact,
	};
	static const dca_constraint no_init = { .name = "no_init", .exact = ops_exact };
	dca_registry *reg = dca_registry_new();
	dca_error err = { 0 };
	const dca_constraint *c;

	ck_assert_int_eq(dca_registry_add_constraint(reg, &mine, &err), 0);
	c = dca_registry_constraint(reg, "mine", &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_ne(c, &mine);
	ck_assert_ptr_eq(c->exact, ops_exact);
	ck_assert_ptr_eq(dca_registry_get(reg, 0)->object, c);
	ck_assert_int_eq(dca_registry_add_constraint(reg, &no_init, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, "(built-in): constraint 'no_init' has struct_size 0") &&
		      strstr(err.msg, "DCA_CONSTRAINT_INIT"), "%s", err.msg);
	ck_assert_uint_eq(dca_registry_count(reg), 1);
	dca_registry_free(reg);
}
END_TEST

static dca_arch *p_none(const char *t, dca_error *e) { return NULL; }
static char *f_none(const dca_arch *a) { return NULL; }
static void fr_none(dca_arch *a) { }
static int b_none(const dca_arch *a, const dca_net_shape *s, dca_net *n, dca_error *e)
{
	return -1;
}
static void derive_none(const float *alpha, const float *beta, int *choice) { }

/* Search callbacks come all together or not at all. */
START_TEST(partial_search_space_refused)
{
	static const dca_space half = {
		DCA_SPACE_INIT, .name = "half", .arch_parse = p_none,
		.arch_format = f_none, .arch_free = fr_none, .build_net = b_none,
		.n_edges = 2, .n_ops = 2, .derive = derive_none,
	};
	static const dca_space codec_only = {
		DCA_SPACE_INIT, .name = "codec_only", .arch_parse = p_none,
		.arch_format = f_none, .arch_free = fr_none, .build_net = b_none,
	};
	dca_registry *reg = dca_registry_new();
	dca_error err = { 0 };

	ck_assert_int_eq(dca_registry_add_space(reg, &half, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, "space 'half' has search callbacks but lacks "
			     "op_names, candidate_net, estimate, arch_from_choices"),
		      "%s", err.msg);
	ck_assert_int_eq(dca_registry_add_space(reg, &codec_only, NULL), 0);
	/* commands ask for the parts they need, and are told what is missing */
	dca_error_clear(&err);
	ck_assert_uint_eq(dca_space_parts(dca_registry_space(reg, "codec_only", NULL)),
			  DCA_SPACE_CODEC | DCA_SPACE_NET);
	ck_assert_int_eq(dca_space_require(dca_registry_space(reg, "codec_only", NULL),
					   DCA_SPACE_NET, "be costed", &err), 0);
	ck_assert_int_eq(dca_space_require(dca_registry_space(reg, "codec_only", NULL),
					   DCA_SPACE_SEARCH, "be searched", &err),
			 DCA_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, "space 'codec_only' cannot be searched: it "
			     "lacks its search part (n_edges"), "%s", err.msg);
	dca_registry_free(reg);
}
END_TEST

/* the in-tree spaces have every part */
START_TEST(space_parts)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	const char *const names[] = { "nb201", "darts" };
	size_t i;

	for (i = 0; i < 2; i++) {
		const dca_space *sp = dca_registry_space(reg, names[i], &err);

		ck_assert_msg(sp != NULL, "%s", err.msg);
		ck_assert_uint_eq(dca_space_parts(sp), DCA_SPACE_CODEC | DCA_SPACE_NET |
				  DCA_SPACE_SEARCH | DCA_SPACE_SUPERNET | DCA_SPACE_CHOICES);
		ck_assert_int_eq(dca_space_require(sp, DCA_SPACE_SUPERNET, "x", &err), 0);
	}
	dca_registry_free(reg);
}
END_TEST

static int two_ms(const dca_device *dev, dca_metric metric, const dca_op_desc *op,
		  double *out, dca_error *err)
{
	*out = 2;
	return 0;
}

static int no_tables(const dca_device *dev, const dca_network_table **t,
		     size_t *n, dca_error *err)
{
	*t = NULL;
	*n = 0;
	return 0;
}

static int no_value(const dca_device *dev, const char *space, const char *metric,
		    const char *arch, double *out, dca_error *err)
{
	return dca_error_set(err, DCA_ERR_UNSUPPORTED, "no tables");
}

/* A 1.0 constraint (1.0's latency: the device's arch_cost, else its op
 * costs) used with a device built now: the 1.0 slot it reads is NULL, not
 * the network_tables that replaced it in device-fit, so it falls back to
 * the op costs instead of calling network_tables as arch_cost. */
START_TEST(abi_1_0_constraint_on_new_device)
{
	dca_registry *reg = load_ok("abi_1_0.la");
	static const dca_device now = {
		DCA_DEVICE_INIT, .name = "now_board", .op_cost = two_ms,
		.network_tables = no_tables, .network_value = no_value,
	};
	dca_error err = { 0 };
	const dca_space *sp;
	const dca_constraint *lat;
	const dca_device *d;
	dca_net_shape shape = { 0 };
	dca_net net;
	dca_arch *a;
	double v = 0;

	ck_assert_int_eq(dca_registry_add_device(reg, &now, &err), 0);
	sp = dca_registry_space(reg, "abi10", &err);
	lat = dca_registry_constraint(reg, "abi10_latency", &err);
	d = dca_registry_device(reg, "now_board", &err);
	ck_assert_msg(sp && lat && d, "%s", err.msg);
	ck_assert_ptr_null(d->arch_cost_1_0);
	ck_assert_ptr_null(d->edge_model_1_0);
	a = sp->arch_parse("8", &err);
	ck_assert_ptr_nonnull(a);
	dca_space_resolve_shape(sp, &shape);
	dca_net_init(&net);
	ck_assert_int_eq(sp->build_net(a, &shape, &net, &err), 0);
	ck_assert_int_eq(lat->exact(&net, sp, a, d, &v, &err), 0);
	ck_assert_double_eq(v, 6);
	dca_net_free(&net);
	sp->arch_free(a);
	dca_registry_free(reg);
}
END_TEST

static int one_exact(const dca_net *net, const dca_space *sp, const dca_arch *a,
		     const dca_device *dev, double *out, dca_error *err)
{
	*out = 1;
	return 0;
}

/* Register a 1.0 constraint (ending at an inaccessible page) as a 1.0
 * module does; the registry's copy. */
static const dca_constraint *add_1_0(dca_registry *reg, const char *name,
				     dca_unit unit, int needs_device)
{
	constraint_1_0 c = { .name = name, .summary = "1.0", .unit = unit,
			     .needs_device = needs_device, .exact = one_exact };
	const void *at = at_page_end(&c, sizeof c);
	dca_error err = { 0 };

	ck_assert_ptr_nonnull(at);
	if ((dca_registry_add_constraint)(reg, at, &err) != 0)
		ck_abort_msg("%s", err.msg);
	return dca_registry_constraint(reg, name, NULL);
}

/* A 1.0 constraint has no device_metric. The registry gives the 1.0
 * latency and energy constraints their metric (the table the 1.0 core
 * gave them), and every other one none: a latency_p99 in seconds is not
 * handed the latency table, and a 1.1 constraint's NULL stays NULL. */
START_TEST(abi_1_0_constraint_metric)
{
	static const dca_constraint now_latency = {
		DCA_CONSTRAINT_INIT, .name = "latency", .unit = DCA_UNIT_SECONDS,
		.needs_device = 1, .exact = one_exact,
	};
	dca_registry *reg = dca_registry_new();
	dca_registry *reg2 = dca_registry_new();
	dca_error err = { 0 };
	const dca_constraint *c;

	c = add_1_0(reg, "latency", DCA_UNIT_SECONDS, 1);
	ck_assert_str_eq(c->device_metric, "latency");
	ck_assert_uint_eq(c->struct_size, sizeof(dca_constraint));
	ck_assert(all_zero(c->reserved, sizeof c->reserved));
	c = add_1_0(reg, "energy", DCA_UNIT_JOULES, 1);
	ck_assert_str_eq(c->device_metric, "energy");
	ck_assert_ptr_null(add_1_0(reg, "latency_p99", DCA_UNIT_SECONDS, 1)->device_metric);
	ck_assert_ptr_null(add_1_0(reg, "energy_nj", DCA_UNIT_JOULES, 1)->device_metric);
	ck_assert_ptr_null(add_1_0(reg, "params", DCA_UNIT_COUNT, 0)->device_metric);
	/* a name alone is not enough: the unit and the device must match */
	ck_assert_ptr_null(add_1_0(reg2, "latency", DCA_UNIT_COUNT, 1)->device_metric);
	ck_assert_ptr_null(add_1_0(reg2, "energy", DCA_UNIT_JOULES, 0)->device_metric);
	dca_registry_free(reg2);
	reg2 = dca_registry_new();
	ck_assert_int_eq(dca_registry_add_constraint(reg2, &now_latency, &err), 0);
	ck_assert_ptr_null(dca_registry_constraint(reg2, "latency", &err)->device_metric);
	dca_registry_free(reg2);
	dca_registry_free(reg);
}
END_TEST

static int arch_only(const dca_device *dev, dca_metric metric, const dca_space *sp,
		     const dca_arch *a, double *out, dca_error *err)
{
	*out = 1;
	return 0;
}

/* Devices that cannot price anything now: a 1.0 device with only
 * arch_cost (no longer called: the message says so), and network tables
 * without their lookup, or the reverse. */
START_TEST(device_pricing_refused)
{
	device_1_0 old = { .name = "arch_only", .arch_cost = arch_only };
	static const dca_device tables_only = {
		DCA_DEVICE_INIT, .name = "tables_only", .op_cost = two_ms,
		.network_tables = no_tables,
	};
	static const dca_device value_only = {
		DCA_DEVICE_INIT, .name = "value_only", .network_value = no_value,
	};
	static const dca_device nothing = { DCA_DEVICE_INIT, .name = "nothing" };
	dca_registry *reg = dca_registry_new();
	dca_error err = { 0 };
	const void *at = at_page_end(&old, sizeof old);

	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq((dca_registry_add_device)(reg, at, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, "device 'arch_only' prices only through the "
			     "plugin ABI 1.0 arch_cost") &&
		      strstr(err.msg, "network_tables and network_value"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_registry_add_device(reg, &tables_only, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, "device 'tables_only' sets network_tables but "
			     "not network_value"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_registry_add_device(reg, &value_only, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, "device 'value_only' sets network_value but "
			     "not network_tables"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_registry_add_device(reg, &nothing, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, "device 'nothing' has none of op_cost, "
			     "net_cost and network_tables"), "%s", err.msg);
	ck_assert_uint_eq(dca_registry_count(reg), 0);
	dca_registry_free(reg);
}
END_TEST

static const dca_device *released;

static int dev_op(const dca_device *dev, dca_metric metric, const dca_op_desc *op,
		  double *out, dca_error *err)
{
	*out = dev->runs_here;
	return 0;
}

static void dev_release(const dca_device *dev)
{
	released = dev;
	free((void *)dev);
}

/* The registry owns a device it accepted and releases it with the pointer
 * it was given; callbacks get the registry's copy. */
START_TEST(device_release_gets_handed_pointer)
{
	dca_device *mine = calloc(1, sizeof *mine);
	dca_registry *reg = dca_registry_new();
	dca_error err = { 0 };
	const dca_device *d;
	double v = 0;

	*mine = (dca_device){ DCA_DEVICE_INIT, .name = "mine", .op_cost = dev_op,
			      .release = dev_release, .runs_here = 1 };
	ck_assert_int_eq(dca_registry_add_device(reg, mine, &err), 0);
	d = dca_registry_device(reg, "mine", &err);
	ck_assert_ptr_ne(d, mine);
	ck_assert_int_eq(d->op_cost(d, DCA_METRIC_LATENCY, NULL, &v, &err), 0);
	ck_assert_double_eq(v, 1);
	released = NULL;
	dca_registry_free(reg);
	ck_assert_ptr_eq(released, mine);
}
END_TEST

START_TEST(no_entry_symbol)
{
	const char *m = load_err("no_entry.la");
	ck_assert_msg(strstr(m, "dca_module_entry") != NULL, "%s", m);
}
END_TEST

START_TEST(null_descriptor)
{
	const char *m = load_err("null_info.la");
	ck_assert_msg(strstr(m, "returned NULL") != NULL, "%s", m);
}
END_TEST

START_TEST(unresolved_symbol)
{
	const char *m = load_err("unresolved.la");
	ck_assert_msg(strstr(m, "undefined symbol: dca_function_that_does_not_exist") != NULL, "%s", m);
}
END_TEST

START_TEST(not_a_module)
{
	char path[1024];
	FILE *f;
	dca_error err = { 0 };
	dca_registry *reg = dca_registry_new();

	snprintf(path, sizeof path, "/tmp/dcanas-test-%ld.so", (long)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an ELF file\n", f);
	fclose(f);
	ck_assert_int_eq(dca_registry_load_file(reg, path, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "not a shared object"),
		      "%s", err.msg);
	/* ldd cannot help with a text file */
	ck_assert_msg(strstr(err.msg, "ldd") == NULL, "%s", err.msg);
	unlink(path);
	dca_registry_free(reg);
}
END_TEST

/* The register function's own message gains the file, and what the module
 * registered before failing is dropped. */
START_TEST(register_fails)
{
	dca_error err = { 0 };
	char path[1024];
	dca_registry *reg = dca_registry_new();
	const char *m = load_err("regfail.la");

	snprintf(path, sizeof path, "%s/regfail.la", getenv("DCANAS_TEST_MODULES"));
	ck_assert_msg(strstr(m, "module 'regfail' failed to register: refusing on purpose"),
		      "%s", m);
	ck_assert_int_ne(dca_registry_load_file(reg, path, &err), 0);
	ck_assert_uint_eq(dca_registry_count(reg), 0);
	ck_assert_ptr_null(dca_registry_constraint(reg, "regfail_half", NULL));
	dca_registry_free(reg);
}
END_TEST

START_TEST(no_register_function)
{
	const char *m = load_err("no_register.la");
	ck_assert_msg(strstr(m, "'no_register' has no register function"), "%s", m);
	ck_assert_msg(strstr(m, "struct") == NULL, "%s", m);
}
END_TEST

/* The test modules folder holds one module per load error: loading it skips
 * each with a warning naming its file, and the good modules stay usable. */
static const char *const broken[] = {
	"bad_abi.la", "dup_space.la", "newer_minor.la", "no_entry.la",
	"no_parse.la", "no_register.la", "null_info.la", "regfail.la",
	"tiny_struct.la", "unresolved.la",
};
#define N_BROKEN (sizeof broken / sizeof broken[0])

START_TEST(folder_skips_broken_modules)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	char log_text[16384];
	FILE *log = tmpfile();
	size_t i, j, len;

	ck_assert_ptr_nonnull(log);
	dca_registry_set_strict(reg, 0);
	dca_registry_set_log(reg, log);
	ck_assert_int_eq(dca_registry_load_dir(reg, getenv("DCANAS_TEST_MODULES"), &err), 0);
	ck_assert_int_eq(err.code, 0);
	rewind(log);
	len = fread(log_text, 1, sizeof log_text - 1, log);
	log_text[len] = '\0';
	fclose(log);
	for (i = 0; i < N_BROKEN; i++) {
		int found = 0;
		for (j = 0; j < dca_registry_skipped_count(reg); j++) {
			const dca_registry_skip *sk = dca_registry_skipped(reg, j);
			if (strstr(sk->file, broken[i])) {
				found = 1;
				ck_assert_msg(strstr(sk->reason, sk->file), "%s", sk->reason);
			}
		}
		ck_assert_msg(found, "%s not recorded as skipped", broken[i]);
		ck_assert_msg(strstr(log_text, broken[i]), "no warning for %s:\n%s",
			      broken[i], log_text);
	}
	ck_assert_ptr_nonnull(strstr(log_text, "dcanas: warning: skipping module: "));
	/* what loaded before is intact, nb201 is still the real one */
	ck_assert_ptr_nonnull(dca_registry_space(reg, "nb201", &err));
	ck_assert_ptr_nonnull(dca_registry_space(reg, "nb201", &err)->build_supernet);
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "params", &err));
	ck_assert_ptr_null(dca_registry_constraint(reg, "regfail_half", NULL));
	/* and the good test modules load beside the broken ones */
	ck_assert_ptr_nonnull(dca_registry_space(reg, "abi10", &err));
	ck_assert_ptr_nonnull(dca_registry_constraint(reg, "short_size", &err));
	ck_assert_uint_eq(dca_registry_skipped_count(reg), N_BROKEN);
	dca_registry_free(reg);
}
END_TEST

START_TEST(strict_folder_fails)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };

	ck_assert_int_eq(dca_registry_strict(reg), 1);
	ck_assert_int_eq(dca_registry_load_dir(reg, getenv("DCANAS_TEST_MODULES"), &err),
			 DCA_ERR_PLUGIN);
	/* the first broken module in name order */
	ck_assert_msg(strstr(err.msg, "bad_abi.la"), "%s", err.msg);
	ck_assert_uint_eq(dca_registry_skipped_count(reg), 0);
	dca_registry_free(reg);
}
END_TEST

static int strict_with_env(const char *value)
{
	dca_registry *reg;
	int strict;

	if (value)
		setenv("DCANAS_STRICT_PLUGINS", value, 1);
	else
		unsetenv("DCANAS_STRICT_PLUGINS");
	reg = dca_registry_new();
	strict = dca_registry_strict(reg);
	dca_registry_free(reg);
	return strict;
}

START_TEST(strict_from_environment)
{
	ck_assert_int_eq(strict_with_env("1"), 1);
	ck_assert_int_eq(strict_with_env("yes"), 1);
	ck_assert_int_eq(strict_with_env("0"), 0);
	ck_assert_int_eq(strict_with_env(""), 0);
	ck_assert_int_eq(strict_with_env(NULL), 0);
}
END_TEST

START_TEST(duplicate_name)
{
	dca_registry *reg = test_registry();
	dca_error err = { 0 };
	char path[1024];
	const dca_registry_entry *orig = NULL;
	size_t i;

	for (i = 0; i < dca_registry_count(reg); i++)
		if (strcmp(dca_registry_get(reg, i)->name, "nb201") == 0)
			orig = dca_registry_get(reg, i);
	ck_assert_ptr_nonnull(orig);
	snprintf(path, sizeof path, "%s/dup_space.la", getenv("DCANAS_TEST_MODULES"));
	ck_assert_int_eq(dca_registry_load_file(reg, path, &err), DCA_ERR_PLUGIN);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, orig->file) &&
		      strstr(err.msg, "'nb201'"), "%s", err.msg);
	/* the first one stays */
	ck_assert_ptr_nonnull(dca_registry_space(reg, "nb201", &err));
	ck_assert_str_ne(dca_registry_space(reg, "nb201", &err)->summary, "duplicate");
	dca_registry_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, loads_build_tree_modules);
	tcase_add_test(tc, wrong_abi);
	tcase_add_test(tc, newer_minor_abi);
	tcase_add_test(tc, abi_1_0_module_works);
	tcase_add_test(tc, abi_1_0_constraint_on_new_device);
	tcase_add_test(tc, abi_1_0_constraint_metric);
	tcase_add_test(tc, device_pricing_refused);
	tcase_add_test(tc, short_struct_works);
	tcase_add_test(tc, tiny_struct_refused);
	tcase_add_test(tc, space_without_parse_refused);
	tcase_add_test(tc, lookups_return_copies);
	tcase_add_test(tc, partial_search_space_refused);
	tcase_add_test(tc, space_parts);
	tcase_add_test(tc, device_release_gets_handed_pointer);
	tcase_add_test(tc, no_entry_symbol);
	tcase_add_test(tc, null_descriptor);
	tcase_add_test(tc, unresolved_symbol);
	tcase_add_test(tc, not_a_module);
	tcase_add_test(tc, duplicate_name);
	tcase_add_test(tc, register_fails);
	tcase_add_test(tc, no_register_function);
	tcase_add_test(tc, folder_skips_broken_modules);
	tcase_add_test(tc, strict_folder_fails);
	tcase_add_test(tc, strict_from_environment);
	suite_add_tcase(s, tc);
	return test_run(s);
}
