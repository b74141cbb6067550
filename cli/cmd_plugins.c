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
		       "DCANAS_PLUGIN_PATH and in the installed plugin folder, then\n"
		       "every module that was skipped and why (`dcanas --strict-plugins\n"
		       "plugins` fails on the first one instead).\n");
		return 0;
	}
	if (argc > 1)
		return cli_fail("plugins: unexpected argument '%s' (see --help)", argv[1]);
	/* skipped modules are listed below, not warned about */
	reg = cli_registry_log(NULL);
	if (!reg)
		return 1;
	printf("%-11s %-14s %-8s %s\n", "KIND", "NAME", "VERSION", "FILE");
	for (i = 0; i < dca_registry_count(reg); i++) {
		const dca_registry_entry *e = dca_registry_get(reg, i);
		printf("%-11s %-14s %-8s %s\n", dca_kind_name(e->kind), e->name,
		       e->version, e->file);
	}
	if (dca_registry_skipped_count(reg))
		printf("\nSKIPPED (not loaded; --strict-plugins makes this an error)\n");
	for (i = 0; i < dca_registry_skipped_count(reg); i++)
		printf("%s\n", dca_registry_skipped(reg, i)->reason);
	dca_registry_free(reg);
	return 0;
}
