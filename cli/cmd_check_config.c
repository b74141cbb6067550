/* dcanas check-config — validate an experiment file. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_check_config(int argc, char **argv)
{
	dca_registry *reg;
	dca_experiment exp;
	dca_error err = { 0 };
	json_t *j;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: dcanas check-config FILE\n"
		       "Validate an experiment file (JSON) and print the resolved values,\n"
		       "budgets in canonical units (count, bytes, ms, mJ). Exit 1 with the\n"
		       "JSON path, line and column of the first problem.\n");
		return 0;
	}
	if (argc != 2)
		return cli_fail("check-config: expects one FILE (see --help)");
	reg = cli_registry();
	if (!reg)
		return 1;
	if (dca_experiment_load(&exp, argv[1], reg, &err) != 0) {
		dca_registry_free(reg);
		return cli_fail("%s", err.msg);
	}
	j = dca_experiment_to_json(&exp);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(j);
	dca_registry_free(reg);
	return 0;
}
