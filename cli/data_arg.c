/* dcanas CLI — "--data KIND:PATH" for train and eval. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_load_data(const char *spec, dca_dataset *train, dca_dataset *test,
		  dca_augment *aug)
{
	dca_error err = { 0 };
	const char *colon = strchr(spec, ':');
	char kind[32], a[1024], b[1024];
	int rc;

	memset(aug, 0, sizeof *aug);
	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof kind)
		return cli_fail("--data expects KIND:PATH with KIND cifar10, "
				"fashion-mnist, mnist or digits8x8, got '%s'", spec);
	snprintf(kind, sizeof kind, "%.*s", (int)(colon - spec), spec);
	spec = colon + 1;
	if (strcmp(kind, "cifar10") == 0) {
		rc = dca_cifar10_load_dir(train, spec, 1, &err);
		if (!rc)
			rc = dca_cifar10_load_dir(test, spec, 0, &err);
		aug->crop_pad = 4;
		aug->flip = 1;
	} else if (strcmp(kind, "fashion-mnist") == 0 || strcmp(kind, "mnist") == 0) {
		snprintf(a, sizeof a, "%s/train-images-idx3-ubyte.gz", spec);
		snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte.gz", spec);
		rc = dca_idx_load(train, a, b, &err);
		snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte.gz", spec);
		snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte.gz", spec);
		if (!rc)
			rc = dca_idx_load(test, a, b, &err);
	} else if (strcmp(kind, "digits8x8") == 0) {
		dca_dataset all;
		snprintf(a, sizeof a, "%s/digits8x8-images-idx3-ubyte.gz", spec);
		snprintf(b, sizeof b, "%s/digits8x8-labels-idx1-ubyte.gz", spec);
		rc = dca_idx_load(&all, a, b, &err);
		/* the set has no split of its own: hold out a fixed 20% */
		if (!rc) {
			rc = dca_dataset_split(&all, 0.2f, 0, 42, train, test, &err);
			dca_dataset_free(&all);
		}
	} else {
		return cli_fail("--data: unknown dataset kind '%s'; known: cifar10, "
				"fashion-mnist, mnist, digits8x8", kind);
	}
	if (rc)
		return cli_fail("%s", err.msg);
	dca_dataset_stats(train, aug);
	return 0;
}
