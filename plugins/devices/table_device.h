/* dcanas — table devices (private): a device profile in memory, and what
 * the module's files share.
 *
 *   profile_load.c   the profile file: header, top-level checks, the JSON
 *                    field readers the tables use
 *   network_table.c  whole-network tables: load, sorted lookup by arch string
 *   op_table.c       per-op tables: load, first matching entry, summary
 *   table_device.c   the devices: lazy loading, callbacks, profile path scan
 *
 * The module reads and looks up; the core parses arch strings and fits the
 * additive model (network_fit.h). */
#ifndef DCANAS_TABLE_DEVICE_H
#define DCANAS_TABLE_DEVICE_H

#include <stdio.h>

#include <dcanas/dcanas.h>

/* A whole-network table; view is what the device hands out (it points into
 * the owned strings and arrays below). Archs are sorted for lookup. */
typedef struct td_net_table {
	dca_network_table view;
	char *space, *metric, *unit, *dataset, *note;
	char **archs;
	double *values;          /* scaled to the metric's unit */
	size_t n;
} td_net_table;

#define TD_OP_FIELDS 11

typedef struct td_op_entry {
	char *kind;
	int f[TD_OP_FIELDS];     /* cin cout h w kernel stride pad dilation groups
				  * bias n_in; -1: absent, matches anything */
	double value;
} td_op_entry;

typedef struct td_op_table {
	char *metric, *unit;
	td_op_entry *entries;
	size_t n;
} td_op_table;

typedef struct td_profile {
	char *file;
	char *name, *summary, *provenance, *license;
	td_net_table *nets;
	dca_network_table *views;  /* n_nets copies of nets[i].view, contiguous */
	size_t n_nets;
	td_op_table *ops;
	size_t n_ops;
} td_profile;

#define TD_NOMEM(err, file) \
	dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", file)

/* profile_load.c */
/* Load and check a whole profile; NULL with err = "FILE: JSON.PATH: REASON". */
td_profile *dcap_td_profile_load(const char *file, dca_error *err);
void dcap_td_profile_free(td_profile *p);
/* The header only (format version, name, summary): new strings in *name
 * and *summary (the name when absent), or an error naming the file. */
int dcap_td_header_read(const char *file, char **name, char **summary,
			dca_error *err);
const char *dcap_td_json_type(const json_t *j);
/* A string member (new copy; NULL when absent and not required). */
int dcap_td_get_string(const json_t *obj, const char *key, int required,
		       const char *file, const char *path, char **out,
		       dca_error *err);
/* A non-negative integer member; dflt when absent. */
int dcap_td_get_int(const json_t *obj, const char *key, int dflt,
		    const char *file, const char *path, int *out, dca_error *err);
/* A finite non-negative number. */
int dcap_td_get_value(const json_t *v, const char *file, const char *path,
		      const char *key, double *out, dca_error *err);
/* The scale from unit to its metric's unit (latency: ms, energy: mJ; other
 * metrics keep theirs); an error when the unit does not fit the metric.
 * *canon is the unit values are in after scaling (borrowed). */
int dcap_td_metric_unit(const char *metric, const char *unit, double *scale,
			const char **canon, const char *file, const char *path,
			dca_error *err);

/* network_table.c */
int dcap_td_net_table_load(const json_t *jt, td_net_table *t, const char *file,
			   const char *path, dca_error *err);
void dcap_td_net_table_free(td_net_table *t);
/* The value of arch, or NULL when it is not in the table. */
const double *dcap_td_net_table_find(const td_net_table *t, const char *arch);

/* op_table.c */
int dcap_td_op_table_load(const json_t *jt, td_op_table *t, const char *file,
			  const char *path, dca_error *err);
void dcap_td_op_table_free(td_op_table *t);
/* The first entry of p's op tables for metric that matches op. */
int dcap_td_op_cost(const td_profile *p, const char *device, const char *metric,
		    const dca_op_desc *op, double *out, dca_error *err);
/* One summary line per op table, plus its min/median/max. */
void dcap_td_op_tables_describe(const td_profile *p, FILE *f);

#endif
