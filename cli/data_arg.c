/* dcanas CLI — "--data KIND:PATH" for train and eval. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_load_data(const char *spec, const char *labels, const int *input,
		  dca_dataset *train, dca_dataset *test, dca_augment *aug)
{
	dca_error err = { 0 };
	const char *colon = strchr(spec, ':');
	char kind[32];

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof kind)
		return cli_fail("--data expects KIND:PATH with KIND cifar10, cifar100, "
				"cifar100-coarse, fashion-mnist, mnist, digits8x8 or folder, got "
				"'%s'", spec);
	snprintf(kind, sizeof kind, "%.*s", (int)(colon - spec), spec);
	/* --labels: CIFAR-100's fine (100) or coarse (20) classes */
	if (labels && strcmp(labels, "fine") && strcmp(labels, "coarse"))
		return cli_fail("--labels must be fine or coarse, not '%s'", labels);
	if (labels && strcmp(kind, "cifar100") && strcmp(kind, "cifar100-coarse"))
		return cli_fail("--labels %s is for CIFAR-100 (--data cifar100:DIR); "
				"the data is %s", labels, kind);
	if (labels)
		snprintf(kind, sizeof kind, "%s", strcmp(labels, "coarse") ? "cifar100" :
			 "cifar100-coarse");
	if (dca_dataset_load_at(kind, colon + 1, input ? input[0] : 0, input ? input[1] : 0,
				input ? input[2] : 0, stderr, train, test, aug, &err))
		return cli_fail("--data: %s", err.msg);
	return 0;
}
