/* dcanas check-config — validate an experiment file: the parse a search
 * makes, then the checks it makes at once without reading its data. */
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
		       "Validate an experiment file (JSON) as `dcanas search` would before\n"
		       "reading its data, and print the resolved values, budgets in\n"
		       "canonical units (count, bytes, ms, mJ). Beyond the file's keys,\n"
		       "names and units, it refuses what a search refuses at once: a\n"
		       "space that cannot be searched, a budget its device cannot price\n"
		       "for the space, a budget no architecture meets. Those are checked\n"
		       "at the deployed shape: space.input and space.classes, else those\n"
		       "of the dataset kind (digits8x8: 1x8x8, 10 classes), else the\n"
		       "space's defaults; a search takes them from the data it reads.\n"
		       "Exit 1 with the JSON path, line and column of the first problem.\n");
		return 0;
	}
	if (argc != 2)
		return cli_fail("check-config: expects one FILE (see --help)");
	reg = cli_registry();
	if (!reg)
		return 1;
	if (dca_experiment_load(&exp, argv[1], reg, &err) != 0 ||
	    dca_search_check(&exp, &err) != 0) {
		dca_registry_free(reg);
		return cli_fail("%s", err.msg);
	}
	if (!exp.input_given && !exp.dataset[0])
		fprintf(stderr, "check-config: %s names no data: its budgets were "
			"checked at input %dx%dx%d, %d classes (the space's defaults); "
			"a search checks them again at its data's\n", argv[1],
			exp.shape.in_c, exp.shape.in_h, exp.shape.in_w, exp.shape.classes);
	j = dca_experiment_to_json(&exp);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	putchar('\n');
	json_decref(j);
	dca_registry_free(reg);
	return 0;
}
