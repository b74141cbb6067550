/* dcanas — the plugin registry: loads modules and keeps what they register.
 *
 * Modules are loaded with libltdl, eagerly, and never unloaded. Because ltdl
 * binds lazily, a module with an unresolved symbol would load and then die at
 * its first call; so each file is first opened with dlopen(RTLD_NOW) to turn
 * that into a load error carrying the real loader message.
 *
 * What a module registers is copied into zeroed structs the registry owns,
 * sized by what the module's headers declared (see plugin.h), so a newer
 * core never reads past the end of an older module's struct.
 *
 * Loading a folder never stops at a broken module: the module is rolled back
 * (whatever it registered is dropped), recorded with its error, and reported
 * as a warning, so one stale .so cannot take every command down with it. In
 * strict mode (CI) the first such failure is returned instead. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ltdl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dcanas/optimizer.h>
#include <dcanas/plugin.h>

/* One registered plugin: the public entry (whose object is the registry's
 * copy) and the pointer the module handed over, for device release(). */
typedef struct item {
	dca_registry_entry e;
	const void *handed;
} item;

struct dca_registry {
	item *items;
	size_t n, cap;
	char **files;            /* module files loaded (owned) */
	size_t n_files, cap_files;
	dca_registry_skip *skipped;   /* modules that failed (strings owned) */
	size_t n_skipped, cap_skipped;
	int strict;
	FILE *log;               /* warnings about skipped modules; borrowed */
	const char *loading;     /* file being registered now */
	const char *loading_version;
};

static int ltdl_users;

static const char *const kind_names[DCA_KIND_COUNT] = {
	"space", "optimizer", "constraint", "device",
};

const char *dca_kind_name(dca_kind kind)
{
	return (unsigned)kind < DCA_KIND_COUNT ? kind_names[kind] : "?";
}

/* Each kind's struct as 1.1 lays it out: the 1.0 fields end where
 * struct_size begins, so a 1.0 struct is exactly the first v1_0 bytes. */
typedef struct layout {
	size_t v1_0;             /* bytes of the 1.0 fields = offset of struct_size */
	size_t size;             /* sizeof, this version */
	const char *init;        /* the macro that sets struct_size */
} layout;

static const layout layouts[DCA_KIND_COUNT] = {
	[DCA_KIND_SPACE] = { offsetof(dca_space, struct_size), sizeof(dca_space),
			     "DCA_SPACE_INIT" },
	[DCA_KIND_OPTIMIZER] = { offsetof(dca_optimizer, struct_size),
				 sizeof(dca_optimizer), "DCA_OPTIMIZER_INIT" },
	[DCA_KIND_CONSTRAINT] = { offsetof(dca_constraint, struct_size),
				  sizeof(dca_constraint), "DCA_CONSTRAINT_INIT" },
	[DCA_KIND_DEVICE] = { offsetof(dca_device, struct_size), sizeof(dca_device),
			      "DCA_DEVICE_INIT" },
};

/* every kind's name comes first, so it can be read before the size is known */
_Static_assert(offsetof(dca_space, name) == 0 && offsetof(dca_optimizer, name) == 0 &&
	       offsetof(dca_constraint, name) == 0 && offsetof(dca_device, name) == 0,
	       "plugin structs start with their name");

/* Remove the newest entry: release a device (the registry owns it), free
 * the copy. */
static void drop_last(dca_registry *reg)
{
	item *it = &reg->items[--reg->n];

	if (it->e.kind == DCA_KIND_DEVICE) {
		const dca_device *d = it->e.object;
		if (d->release)
			d->release(it->handed);
	}
	free((void *)it->e.object);
}

dca_registry *dca_registry_new(void)
{
	dca_registry *reg = calloc(1, sizeof *reg);
	const char *strict = getenv("DCANAS_STRICT_PLUGINS");

	if (!reg)
		return NULL;
	/* any value but 0: a CI that writes "yes" must not get lenient mode */
	reg->strict = strict && *strict && strcmp(strict, "0") != 0;
	reg->log = stderr;
	if (ltdl_users++ == 0)
		lt_dlinit();
	return reg;
}

void dca_registry_free(dca_registry *reg)
{
	size_t i;

	if (!reg)
		return;
	/* modules stay resident: what the copies point to may live in them;
	 * devices a module allocated are handed back to it */
	while (reg->n > 0)
		drop_last(reg);
	for (i = 0; i < reg->n_files; i++)
		free(reg->files[i]);
	free(reg->files);
	for (i = 0; i < reg->n_skipped; i++) {
		free((char *)reg->skipped[i].file);
		free((char *)reg->skipped[i].reason);
	}
	free(reg->skipped);
	free(reg->items);
	free(reg);
}

const char *dca_registry_loading_file(const dca_registry *reg)
{
	return reg->loading;
}

void dca_registry_set_strict(dca_registry *reg, int strict)
{
	reg->strict = strict != 0;
}

int dca_registry_strict(const dca_registry *reg)
{
	return reg->strict;
}

void dca_registry_set_log(dca_registry *reg, FILE *log)
{
	reg->log = log;
}

size_t dca_registry_skipped_count(const dca_registry *reg)
{
	return reg->n_skipped;
}

const dca_registry_skip *dca_registry_skipped(const dca_registry *reg, size_t i)
{
	return i < reg->n_skipped ? &reg->skipped[i] : NULL;
}

static const char *loading_name(const dca_registry *reg)
{
	return reg->loading ? reg->loading : "(built-in)";
}

/* A zeroed copy, owned by the registry, of the struct a module handed over:
 * a 1.0 caller's struct is its 1.0 fields; a later caller's is struct_size
 * bytes, of which at most this version's sizeof are read. *got is how many
 * bytes came from the module: a field that ends past it is the registry's. */
static int copy_plugin(dca_registry *reg, dca_kind kind, const void *obj,
		       unsigned abi_minor, void **out, size_t *got, dca_error *err)
{
	const layout *l = &layouts[kind];
	size_t n = l->v1_0;
	uint32_t declared, own = (uint32_t)l->size;
	void *copy;

	*out = NULL;
	if (!obj)
		return dca_error_set(err, DCA_ERR_PLUGIN, "%s: registers a NULL %s",
				     loading_name(reg), dca_kind_name(kind));
	if (abi_minor >= 1) {
		memcpy(&declared, (const char *)obj + l->v1_0, sizeof declared);
		if (declared < l->v1_0 + sizeof declared) {
			const char *name = *(const char *const *)obj;
			return dca_error_set(err, DCA_ERR_PLUGIN,
				"%s: %s '%s' has struct_size %u, smaller than the "
				"%zu bytes of the plugin ABI 1.0 fields and the size "
				"itself; start its initialiser with %s", loading_name(reg),
				dca_kind_name(kind), name ? name : "?", declared,
				l->v1_0 + sizeof declared, l->init);
		}
		n = declared < l->size ? declared : l->size;
	}
	if (!(copy = calloc(1, l->size)))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	memcpy(copy, obj, n);
	*got = n;
	/* the copy is a whole struct of this version */
	memcpy((char *)copy + l->v1_0, &own, sizeof own);
	*out = copy;
	return 0;
}

/* Append the copy; on failure the caller frees it. */
static int add_entry(dca_registry *reg, dca_kind kind, const char *name,
		     const char *summary, const void *copy, const void *handed,
		     dca_error *err)
{
	size_t i;

	for (i = 0; i < reg->n; i++) {
		const dca_registry_entry *e = &reg->items[i].e;
		if (e->kind == kind && strcmp(e->name, name) == 0)
			return dca_error_set(err, DCA_ERR_PLUGIN,
				"%s: the %s '%s' is already registered by %s; "
				"remove one of the two modules from the plugin path",
				loading_name(reg), dca_kind_name(kind), name, e->file);
	}
	if (reg->n == reg->cap) {
		size_t ncap = reg->cap ? reg->cap * 2 : 32;
		item *ni = realloc(reg->items, ncap * sizeof *ni);
		if (!ni)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		reg->items = ni;
		reg->cap = ncap;
	}
	reg->items[reg->n++] = (item){
		.e = {
			.kind = kind, .name = name, .summary = summary ? summary : "",
			.object = copy, .file = loading_name(reg),
			.version = reg->loading_version ? reg->loading_version
							: PACKAGE_VERSION,
		},
		.handed = handed,
	};
	return 0;
}

/* Up to 8 missing names, joined for a message. */
typedef struct missing {
	const char *names[8];
	int n;
	char text[160];
} missing;

static void need(missing *m, int present, const char *name)
{
	if (!present && m->n < 8)
		m->names[m->n++] = name;
}

static const char *missing_text(missing *m)
{
	size_t len = 0;
	int i;

	m->text[0] = '\0';
	for (i = 0; i < m->n && len < sizeof m->text; i++)
		len += (size_t)snprintf(m->text + len, sizeof m->text - len, "%s%s",
					i ? ", " : "", m->names[i]);
	return m->text;
}

static int check_name(dca_registry *reg, dca_kind kind, const char *name,
		      dca_error *err)
{
	if (!name || !*name)
		return dca_error_set(err, DCA_ERR_PLUGIN,
				     "%s: registers a %s with no name",
				     loading_name(reg), dca_kind_name(kind));
	return 0;
}

/* The callbacks space.h lists as required, each checked once here. */
static int check_space(dca_registry *reg, const dca_space *s, dca_error *err)
{
	missing m = { .n = 0 };
	int searchable;

	need(&m, s->arch_parse != NULL, "arch_parse");
	need(&m, s->arch_format != NULL, "arch_format");
	need(&m, s->arch_free != NULL, "arch_free");
	need(&m, s->build_net != NULL, "build_net");
	if (m.n)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: space '%s' lacks %s, which every space needs "
			"(space.h); the module cannot be used", loading_name(reg),
			s->name, missing_text(&m));
	searchable = s->candidate_net || s->derive || s->estimate ||
		     s->arch_from_choices || s->build_supernet;
	if (!searchable)
		return 0;
	need(&m, s->n_edges > 0, "n_edges");
	need(&m, s->n_ops > 0, "n_ops");
	need(&m, s->op_names != NULL, "op_names");
	need(&m, s->candidate_net != NULL, "candidate_net");
	need(&m, s->derive != NULL, "derive");
	need(&m, s->estimate != NULL, "estimate");
	need(&m, s->arch_from_choices != NULL, "arch_from_choices");
	if (m.n)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: space '%s' has search callbacks but lacks %s; a "
			"searchable space sets all of n_edges, n_ops, op_names, "
			"candidate_net, derive, estimate and arch_from_choices "
			"(space.h)", loading_name(reg), s->name, missing_text(&m));
	return 0;
}

/* The device metric of a constraint from a module that predates
 * device_metric (1.0). The 1.0 core took a device's table for a budget by
 * its unit; that guess is kept only where it cannot be wrong, for the
 * constraints called latency and energy: any other (a latency_p99 in
 * seconds, say) gets no table rather than the latency one, and its op_cost
 * gives the search's estimate. */
static const char *metric_before_1_1(const dca_constraint *c)
{
	if (!c->needs_device)
		return NULL;
	if (c->unit == DCA_UNIT_SECONDS && strcmp(c->name, "latency") == 0)
		return "latency";
	if (c->unit == DCA_UNIT_JOULES && strcmp(c->name, "energy") == 0)
		return "energy";
	return NULL;
}

static int check_constraint(dca_registry *reg, const dca_constraint *c,
			    dca_error *err)
{
	if (!c->exact)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: constraint '%s' has no exact() callback, which every "
			"command that prices an architecture calls (constraint.h)",
			loading_name(reg), c->name);
	return 0;
}

static int check_device(dca_registry *reg, const dca_device *d, dca_error *err)
{
	int tables = d->network_tables != NULL, lookup = d->network_value != NULL;

	if (tables != lookup)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: device '%s' sets %s but not %s; a device with network "
			"tables sets both (device.h)", loading_name(reg), d->name,
			tables ? "network_tables" : "network_value",
			tables ? "network_value" : "network_tables");
	if (!d->op_cost && !d->net_cost && !tables) {
		/* a 1.0 device priced by arch_cost alone: the core no longer
		 * calls it, so say that rather than "nothing" */
		if (d->arch_cost_1_0 || d->edge_model_1_0)
			return dca_error_set(err, DCA_ERR_PLUGIN,
				"%s: device '%s' prices only through the plugin ABI "
				"1.0 arch_cost/edge_model, which this dcanas no longer "
				"calls; rebuild it against this dcanas's headers with "
				"network_tables and network_value, or op_cost (device.h)",
				loading_name(reg), d->name);
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: device '%s' has none of op_cost, net_cost and "
			"network_tables, so it cannot price anything (device.h)",
			loading_name(reg), d->name);
	}
	return 0;
}

static int check_optimizer(dca_registry *reg, const dca_optimizer *o,
			   dca_error *err)
{
	if (!o->run)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: optimizer '%s' has no run() callback (optimizer.h)",
			loading_name(reg), o->name);
	return 0;
}

int dca_registry_add_space_abi(dca_registry *reg, const dca_space *space,
			       unsigned abi_minor, dca_error *err)
{
	void *copy;
	size_t got;
	int rc = copy_plugin(reg, DCA_KIND_SPACE, space, abi_minor, &copy, &got, err);
	dca_space *s = copy;

	if (rc == 0 && !(rc = check_name(reg, DCA_KIND_SPACE, s->name, err)) &&
	    !(rc = check_space(reg, s, err)))
		rc = add_entry(reg, DCA_KIND_SPACE, s->name, s->summary, s, space, err);
	if (rc != 0)
		free(s);
	return rc;
}

int dca_registry_add_constraint_abi(dca_registry *reg, const dca_constraint *c,
				    unsigned abi_minor, dca_error *err)
{
	void *copy;
	size_t got;
	int rc = copy_plugin(reg, DCA_KIND_CONSTRAINT, c, abi_minor, &copy, &got, err);
	dca_constraint *k = copy;

	if (rc == 0 && !(rc = check_name(reg, DCA_KIND_CONSTRAINT, k->name, err)) &&
	    !(rc = check_constraint(reg, k, err))) {
		if (got < offsetof(dca_constraint, device_metric) + sizeof k->device_metric)
			k->device_metric = metric_before_1_1(k);
		rc = add_entry(reg, DCA_KIND_CONSTRAINT, k->name, k->summary, k, c, err);
	}
	if (rc != 0)
		free(k);
	return rc;
}

int dca_registry_add_device_abi(dca_registry *reg, const dca_device *dev,
				unsigned abi_minor, dca_error *err)
{
	void *copy;
	size_t got;
	int rc = copy_plugin(reg, DCA_KIND_DEVICE, dev, abi_minor, &copy, &got, err);
	dca_device *d = copy;

	/* on failure the caller still owns dev (it was not registered) */
	if (rc == 0 && !(rc = check_name(reg, DCA_KIND_DEVICE, d->name, err)) &&
	    !(rc = check_device(reg, d, err)))
		rc = add_entry(reg, DCA_KIND_DEVICE, d->name, d->summary, d, dev, err);
	if (rc != 0) {
		free(d);
		return rc;
	}
	/* table devices come from profile files: show the profile, not the .so */
	if (d->source)
		reg->items[reg->n - 1].e.file = d->source;
	return 0;
}

int dca_registry_add_optimizer_abi(dca_registry *reg, const dca_optimizer *o,
				   unsigned abi_minor, dca_error *err)
{
	void *copy;
	size_t got;
	int rc = copy_plugin(reg, DCA_KIND_OPTIMIZER, o, abi_minor, &copy, &got, err);
	dca_optimizer *k = copy;

	if (rc == 0 && !(rc = check_name(reg, DCA_KIND_OPTIMIZER, k->name, err)) &&
	    !(rc = check_optimizer(reg, k, err)))
		rc = add_entry(reg, DCA_KIND_OPTIMIZER, k->name, k->summary, k, o, err);
	if (rc != 0)
		free(k);
	return rc;
}

/* What modules built against the 1.0 headers call (no macros there). */
int (dca_registry_add_space)(dca_registry *reg, const dca_space *s, dca_error *err)
{
	return dca_registry_add_space_abi(reg, s, 0, err);
}

int (dca_registry_add_constraint)(dca_registry *reg, const dca_constraint *c,
				  dca_error *err)
{
	return dca_registry_add_constraint_abi(reg, c, 0, err);
}

int (dca_registry_add_device)(dca_registry *reg, const dca_device *d, dca_error *err)
{
	return dca_registry_add_device_abi(reg, d, 0, err);
}

int (dca_registry_add_optimizer)(dca_registry *reg, const dca_optimizer *o,
				 dca_error *err)
{
	return dca_registry_add_optimizer_abi(reg, o, 0, err);
}

static const void *lookup(const dca_registry *reg, dca_kind kind,
			  const char *name, dca_error *err)
{
	size_t i, len = 0;
	char known[512];

	known[0] = '\0';
	for (i = 0; i < reg->n; i++) {
		const dca_registry_entry *e = &reg->items[i].e;
		if (e->kind != kind)
			continue;
		if (strcmp(e->name, name) == 0)
			return e->object;
		if (len < sizeof known - 2)
			len += (size_t)snprintf(known + len, sizeof known - len,
						"%s%s", len ? ", " : "", e->name);
	}
	dca_error_set(err, DCA_ERR_NOTFOUND,
		      "unknown %s '%s'; known: %s (see `dcanas plugins`; "
		      "modules are searched on DCANAS_PLUGIN_PATH)",
		      dca_kind_name(kind), name, len ? known : "none");
	return NULL;
}

const dca_space *dca_registry_space(const dca_registry *reg, const char *name,
				    dca_error *err)
{
	return lookup(reg, DCA_KIND_SPACE, name, err);
}

const dca_constraint *dca_registry_constraint(const dca_registry *reg,
					      const char *name, dca_error *err)
{
	return lookup(reg, DCA_KIND_CONSTRAINT, name, err);
}

const dca_device *dca_registry_device(const dca_registry *reg, const char *name,
				      dca_error *err)
{
	return lookup(reg, DCA_KIND_DEVICE, name, err);
}

const dca_optimizer *dca_registry_optimizer(const dca_registry *reg,
					    const char *name, dca_error *err)
{
	return lookup(reg, DCA_KIND_OPTIMIZER, name, err);
}

size_t dca_registry_count(const dca_registry *reg)
{
	return reg->n;
}

const dca_registry_entry *dca_registry_get(const dca_registry *reg, size_t i)
{
	return i < reg->n ? &reg->items[i].e : NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The shared object behind a libtool .la file (its dlname, in .libs/ for an
 * uninstalled module), or a copy of path itself; NULL with err set. */
static char *shared_object_of(const char *path, dca_error *err)
{
	FILE *f;
	char line[1024], dlname[512] = "";
	char *dir, *slash, *so;
	size_t n;
	struct stat st;

	if (!ends_with(path, ".la")) {
		if (!(so = strdup(path)))
			dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return so;
	}
	f = fopen(path, "r");
	if (!f) {
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot read: %s", path,
			      strerror(errno));
		return NULL;
	}
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "dlname='%511[^']'", dlname) == 1)
			break;
	fclose(f);
	if (!dlname[0]) {
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: not a libtool module (no "
			      "dlname in the .la file); remove it from the plugin "
			      "folder", path);
		return NULL;
	}
	if (!(dir = strdup(path))) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		return NULL;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	n = strlen(dir) + strlen(dlname) + 8;
	so = malloc(n);
	if (so) {
		snprintf(so, n, "%s.libs/%s", dir, dlname);
		if (stat(so, &st) != 0)
			snprintf(so, n, "%s%s", dir, dlname);
	} else {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	}
	free(dir);
	return so;
}

/* 1 when the file starts with the ELF magic; 0 when it does not; -1 when it
 * cannot be read (errno set). dlopen's own words for a text file ("invalid
 * ELF header", "file too short") do not say what the file is. */
static int is_elf(const char *file)
{
	unsigned char magic[4];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, magic, sizeof magic);
	close(fd);
	return n == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

/* Open so with every symbol bound now; NULL with err set, in words that say
 * what to do. */
static void *probe_now(const char *path, const char *so, dca_error *err)
{
	void *h;
	const char *why;
	int elf = is_elf(so);

	if (elf < 0) {
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot open %s: %s", path,
			      so, strerror(errno));
		return NULL;
	}
	if (!elf && strcmp(path, so) == 0) {
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot load module: not a "
			      "shared object (no ELF header); remove it from the "
			      "plugin folder", path);
		return NULL;
	}
	if (!elf) {
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot load module: the "
			      "shared object it names, %s, has no ELF header; "
			      "rebuild the module", path, so);
		return NULL;
	}
	if ((h = dlopen(so, RTLD_NOW | RTLD_LOCAL)))
		return h;
	why = dlerror();
	if (!why)
		why = "unknown loader error";
	if (strstr(why, "undefined symbol"))
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot load module: %s (a "
			      "missing symbol means the module was built against "
			      "another dcanas or lacks a library; check it with "
			      "ldd -r %s)", path, why, so);
	else if (strstr(why, "cannot open shared object file"))
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot load module: %s (a "
			      "library it needs is missing; check it with ldd %s)",
			      path, why, so);
	else
		dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot load module: %s",
			      path, why);
	return NULL;
}

/* Check the descriptor a module's entry returned; 0 or err set. */
static int check_info(const char *path, const dca_module_info *info,
		      dca_error *err)
{
	if (!info)
		return dca_error_set(err, DCA_ERR_PLUGIN, "%s: %s() returned NULL",
				     path, DCA_MODULE_ENTRY_NAME);
	if (info->abi_major != DCA_ABI_MAJOR || info->abi_minor > DCA_ABI_MINOR)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: module '%s' was built for dcanas plugin ABI %u.%u, "
			"but this dcanas has ABI %d.%d; rebuild the module against "
			"this dcanas's headers", path, info->name ? info->name : "?",
			info->abi_major, info->abi_minor, DCA_ABI_MAJOR, DCA_ABI_MINOR);
	if (info->struct_size < sizeof(dca_module_info))
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: module descriptor is too small (struct_size %u, but a "
			"dca_module_info is %zu bytes); fill it with "
			"DCA_MODULE_INFO_INIT or write it with DCA_MODULE_DEFINE",
			path, info->struct_size, sizeof(dca_module_info));
	if (!info->name || !*info->name)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: module descriptor has no name; set .name (see "
			"DCA_MODULE_DEFINE)", path);
	if (!info->register_plugins)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: module '%s' has no register function; set "
			".register_plugins (see DCA_MODULE_DEFINE)", path, info->name);
	return 0;
}

/* Drop every entry added since entry n0 (a module that failed half-way):
 * devices it handed over are released, as the registry owns them. */
static void roll_back(dca_registry *reg, size_t n0)
{
	while (reg->n > n0)
		drop_last(reg);
}

/* Call the module's register function with the file named in any error. */
static int register_module(dca_registry *reg, const char *path,
			   const dca_module_info *info, dca_error *err)
{
	dca_error local = { 0 };
	size_t n0 = reg->n;
	int rc;

	reg->loading = path;
	reg->loading_version = info->version;
	rc = info->register_plugins(reg, &local);
	reg->loading = NULL;
	reg->loading_version = NULL;
	if (rc == 0)
		return 0;
	roll_back(reg, n0);
	if (!local.code)
		return dca_error_set(err, rc, "%s: module '%s' failed to register "
				     "(error %d, no message)", path, info->name, rc);
	/* the registry's own messages name the file; a module's may not */
	if (strstr(local.msg, path))
		return dca_error_set(err, rc, "%s", local.msg);
	return dca_error_set(err, rc, "%s: module '%s' failed to register: %s",
			     path, info->name, local.msg);
}

int dca_registry_load_file(dca_registry *reg, const char *path, dca_error *err)
{
	lt_dlhandle h;
	dca_module_entry_fn entry;
	const dca_module_info *info;
	char *so, *file;
	void *probe;
	int rc;

	if (!(so = shared_object_of(path, err)))
		return err && err->code ? err->code : DCA_ERR_PLUGIN;
	/* bind now, to report unresolved symbols with the loader's own words */
	probe = probe_now(path, so, err);
	free(so);
	if (!probe)
		return DCA_ERR_PLUGIN;
	h = lt_dlopen(path);
	dlclose(probe);
	if (!h)
		return dca_error_set(err, DCA_ERR_PLUGIN, "%s: cannot load module: %s",
				     path, lt_dlerror());
	entry = (dca_module_entry_fn)(uintptr_t)lt_dlsym(h, DCA_MODULE_ENTRY_NAME);
	if (!entry)
		return dca_error_set(err, DCA_ERR_PLUGIN,
			"%s: not a dcanas module: no '%s' symbol exported",
			path, DCA_MODULE_ENTRY_NAME);
	info = entry();
	if ((rc = check_info(path, info, err)) != 0)
		return rc;
	if (reg->n_files == reg->cap_files) {
		size_t ncap = reg->cap_files ? reg->cap_files * 2 : 16;
		char **nf = realloc(reg->files, ncap * sizeof *nf);
		if (!nf)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		reg->files = nf;
		reg->cap_files = ncap;
	}
	if (!(file = strdup(path)))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	/* entries point at this copy: keep it even when registration fails */
	reg->files[reg->n_files++] = file;
	return register_module(reg, file, info, err);
}

/* A module that failed to load: an error in strict mode, else a warning and
 * a record for `dcanas plugins`. */
static int skip_module(dca_registry *reg, const char *file,
		       const dca_error *why, dca_error *err)
{
	dca_registry_skip *sk;

	if (reg->strict || why->code == DCA_ERR_NOMEM)
		return dca_error_set(err, why->code, "%s", why->msg);
	if (reg->n_skipped == reg->cap_skipped) {
		size_t ncap = reg->cap_skipped ? reg->cap_skipped * 2 : 8;
		dca_registry_skip *ns = realloc(reg->skipped, ncap * sizeof *ns);
		if (!ns)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		reg->skipped = ns;
		reg->cap_skipped = ncap;
	}
	sk = &reg->skipped[reg->n_skipped];
	sk->file = strdup(file);
	sk->reason = strdup(why->msg);
	if (!sk->file || !sk->reason) {
		free((char *)sk->file);
		free((char *)sk->reason);
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	}
	reg->n_skipped++;
	if (reg->log)
		fprintf(reg->log, "dcanas: warning: skipping module: %s\n", why->msg);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dca_registry_load_dir(dca_registry *reg, const char *dir, dca_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		dca_error why = { 0 };
		if (errno == ENOENT)
			return 0;
		dca_error_set(&why, DCA_ERR_IO, "%s: cannot read plugin "
			      "directory: %s", dir, strerror(errno));
		return skip_module(reg, dir, &why, err);
	}
	while ((de = readdir(d))) {
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *p;
		if (!ends_with(de->d_name, ".la") && !ends_with(de->d_name, ".so"))
			continue;
		if (n == cap) {
			char **nn;
			cap = cap ? cap * 2 : 16;
			nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
				goto out;
			}
			names = nn;
		}
		p = malloc(len);
		if (!p) {
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(p, len, "%s/%s", dir, de->d_name);
		names[n++] = p;
	}
	qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n && rc == 0; i++) {
		dca_error why = { 0 };
		/* x.so beside x.la is the same module: load it once, via the .la */
		if (ends_with(names[i], ".so")) {
			size_t len = strlen(names[i]);
			char la[4096];
			struct stat st;
			snprintf(la, sizeof la, "%.*s.la", (int)(len - 3), names[i]);
			if (stat(la, &st) == 0)
				continue;
		}
		if (dca_registry_load_file(reg, names[i], &why) != 0)
			rc = skip_module(reg, names[i], &why, err);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int dca_registry_load_default(dca_registry *reg, dca_error *err)
{
	const char *path = getenv("DCANAS_PLUGIN_PATH");
	const char *nosys = getenv("DCANAS_NO_SYSTEM_PLUGINS");
	int rc;

	if (path && *path) {
		char *copy = strdup(path), *save = NULL, *dir;
		if (!copy)
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		for (dir = strtok_r(copy, ":", &save); dir;
		     dir = strtok_r(NULL, ":", &save)) {
			rc = dca_registry_load_dir(reg, dir, err);
			if (rc != 0) {
				free(copy);
				return rc;
			}
		}
		free(copy);
	}
	if (nosys && strcmp(nosys, "1") == 0)
		return 0;
	return dca_registry_load_dir(reg, DCA_PLUGINDIR, err);
}
