/* dcanas — what NAS-Bench-201 says about an architecture: its 200-epoch
 * test accuracy on CIFAR-10, CIFAR-100 and ImageNet16-120, read from the
 * benchmark table shipped with dcanas (data/nb201_test_acc.json.gz, made by
 * tools/make_nb201_table.py; provenance in docs/benchmarks.md). Only used to
 * report a result, never by a search. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/dcanas.h>

#include "nb201.h"

#define TABLE_FILE "nb201_test_acc.json.gz"

/* DCANAS_BENCHMARK_PATH (colon-separated folders), then the installed one */
static int find_table(char *path, size_t n)
{
	const char *env = getenv("DCANAS_BENCHMARK_PATH");

	while (env && *env) {
		const char *end = strchr(env, ':');
		size_t len = end ? (size_t)(end - env) : strlen(env);

		snprintf(path, n, "%.*s/%s", (int)len, env, TABLE_FILE);
		if (len && access(path, R_OK) == 0)
			return 0;
		env += len + (end ? 1 : 0);
	}
	snprintf(path, n, "%s/%s", DCA_BENCHMARKDIR, TABLE_FILE);
	return access(path, R_OK) == 0 ? 0 : -1;
}

int dcap_nb201_report(const dca_arch *arch, json_t *report, dca_error *err)
{
	static const char *const sets[] = { "cifar10", "cifar100", "ImageNet16-120" };
	char path[1024], *text;
	json_t *table, *entry, *acc;
	size_t i;

	if (find_table(path, sizeof path) != 0)
		return dca_error_set(err, DCA_ERR_NOTFOUND, "nb201: benchmark table "
				     "%s not found on DCANAS_BENCHMARK_PATH or in %s",
				     TABLE_FILE, DCA_BENCHMARKDIR);
	if (!(table = dca_json_load_file(path, err)))
		return DCA_ERR_IO;
	text = nb201_space_format(arch);
	entry = text ? json_object_get(json_object_get(table, "archs"), text) : NULL;
	if (!entry) {
		json_decref(table);
		free(text);
		return dca_error_set(err, DCA_ERR_NOTFOUND, "%s: no entry for %s",
				     path, text ? text : "(out of memory)");
	}
	acc = json_object();
	for (i = 0; i < sizeof sets / sizeof *sets; i++) {
		json_t *v = json_object_get(entry, sets[i]);
		if (json_is_number(v))
			json_object_set_new(acc, sets[i], json_real(json_number_value(v)));
	}
	json_object_set_new(report, "nb201_test_acc_200ep", acc);
	json_object_set(report, "nb201_index", json_object_get(entry, "index"));
	json_object_set_new(report, "nb201_table", json_string(path));
	json_decref(table);
	free(text);
	return 0;
}
