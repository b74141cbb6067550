/* dcanas plugins — list what the registry loaded. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_plugins(int argc, char **argv)
{
	dca_registry *reg;
	size_t i;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: dcanas plugins\n"
		       "List kind, name, version and file of every plugin found on\n"
		       "DCANAS_PLUGIN_PATH and in the installed plugin folder.\n");
		return 0;
	}
	if (argc > 1)
		return cli_fail("plugins: unexpected argument '%s' (see --help)", argv[1]);
	reg = cli_registry();
	if (!reg)
		return 1;
	printf("%-11s %-14s %-8s %s\n", "KIND", "NAME", "VERSION", "FILE");
	for (i = 0; i < dca_registry_count(reg); i++) {
		const dca_registry_entry *e = dca_registry_get(reg, i);
		printf("%-11s %-14s %-8s %s\n", dca_kind_name(e->kind), e->name,
		       e->version, e->file);
	}
	dca_registry_free(reg);
	return 0;
}
