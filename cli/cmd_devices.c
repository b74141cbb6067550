/* dcanas devices — list devices, show one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_devices(int argc, char **argv)
{
	dca_registry *reg;
	dca_error err = { 0 };
	size_t i;
	int show = argc >= 2 && strcmp(argv[1], "show") == 0;

	/* show NAME --threads N: the host device's table depends on it */
	if (show && argc == 5 && strcmp(argv[3], "--threads") == 0) {
		int threads;

		if (cli_threads("--threads", argv[4], &threads))
			return 2;
		dca_engine_init(threads);
		argc = 3;
	}

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage: dcanas devices [show NAME [--threads N]]\n"
		       "List every device (profiles on DCANAS_PROFILE_PATH and in the\n"
		       "installed profile folder, and device modules), or describe one:\n"
		       "its tables, provenance, and the additive latency model's fit\n"
		       "(R^2, worst error).\n");
		return 0;
	}
	if ((show && argc != 3) || (!show && argc != 1))
		return cli_fail("devices: usage: dcanas devices [show NAME]");
	reg = cli_registry();
	if (!reg)
		return 1;
	if (show) {
		const dca_device *d = dca_registry_device(reg, argv[2], &err);
		if (!d) {
			dca_registry_free(reg);
			return cli_fail("devices: %s", err.msg);
		}
		if (d->describe)
			d->describe(d, stdout);
		else
			printf("%s: %s\n", d->name, d->summary ? d->summary : "");
		/* the network tables, each with the core's fit; a profile that
		 * cannot be read fails the command, after what could be shown */
		if (dca_network_tables_describe(d, reg, stdout, stderr, &err) != 0) {
			dca_registry_free(reg);
			return cli_fail("devices: %s", err.msg);
		}
	} else {
		for (i = 0; i < dca_registry_count(reg); i++) {
			const dca_registry_entry *e = dca_registry_get(reg, i);
			if (e->kind == DCA_KIND_DEVICE)
				printf("%-14s %s\n", e->name, e->summary);
		}
	}
	dca_registry_free(reg);
	return 0;
}
