/* dcanas — datasets by name: the readers behind `--data KIND:PATH` and an
 * experiment's "data" section. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/data.h>

/* the kinds dca_dataset_load reads, and their images */
static const struct kind {
	const char *name;
	int c, h, w, classes;
} kinds[] = {
	{ "cifar10", 3, 32, 32, 10 },
	{ "cifar100", 3, 32, 32, 100 },
	{ "mnist", 1, 28, 28, 10 },
	{ "fashion-mnist", 1, 28, 28, 10 },
	{ "digits8x8", 1, 8, 8, 10 },
};

int dca_dataset_kind_shape(const char *kind, int *c, int *h, int *w,
			   int *classes, dca_error *err)
{
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, kind) == 0) {
			if (c)
				*c = kinds[i].c;
			if (h)
				*h = kinds[i].h;
			if (w)
				*w = kinds[i].w;
			if (classes)
				*classes = kinds[i].classes;
			return 0;
		}
	return dca_error_set(err, DCA_ERR_INVALID, "unknown dataset kind '%s'; "
			     "known: cifar10, cifar100, mnist, fashion-mnist, "
			     "digits8x8", kind);
}

/* path/name, or path/name.gz when only that exists */
static void pick(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	if (access(buf, R_OK) != 0)
		snprintf(buf, n, "%s/%s.gz", dir, name);
}

int dca_dataset_load(const char *kind, const char *path, dca_dataset *train,
		     dca_dataset *test, dca_augment *aug, dca_error *err)
{
	char a[1024], b[1024];
	int rc;

	memset(train, 0, sizeof *train);
	memset(test, 0, sizeof *test);
	memset(aug, 0, sizeof *aug);
	if (strcmp(kind, "cifar10") == 0) {
		rc = dca_cifar10_load_dir(train, path, 1, err);
		if (!rc)
			rc = dca_cifar10_load_dir(test, path, 0, err);
		aug->crop_pad = 4;
		aug->flip = 1;
	} else if (strcmp(kind, "cifar100") == 0) {
		const char *f[1] = { a };

		pick(a, sizeof a, path, "train.bin");
		rc = dca_cifar_load(train, f, 1, 1, err);
		pick(a, sizeof a, path, "test.bin");
		if (!rc)
			rc = dca_cifar_load(test, f, 1, 1, err);
		aug->crop_pad = 4;
		aug->flip = 1;
	} else if (strcmp(kind, "fashion-mnist") == 0 || strcmp(kind, "mnist") == 0) {
		pick(a, sizeof a, path, "train-images-idx3-ubyte");
		pick(b, sizeof b, path, "train-labels-idx1-ubyte");
		rc = dca_idx_load(train, a, b, err);
		pick(a, sizeof a, path, "t10k-images-idx3-ubyte");
		pick(b, sizeof b, path, "t10k-labels-idx1-ubyte");
		if (!rc)
			rc = dca_idx_load(test, a, b, err);
	} else if (strcmp(kind, "digits8x8") == 0) {
		dca_dataset all;

		pick(a, sizeof a, path, "digits8x8-images-idx3-ubyte");
		pick(b, sizeof b, path, "digits8x8-labels-idx1-ubyte");
		rc = dca_idx_load(&all, a, b, err);
		/* the set has no split of its own: hold out a fixed 20% */
		if (!rc) {
			rc = dca_dataset_split(&all, 0.2f, 0, 42, train, test, err);
			dca_dataset_free(&all);
		}
	} else {
		/* the kinds are listed once, with their shapes */
		if (dca_dataset_kind_shape(kind, NULL, NULL, NULL, NULL, err) == 0)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED, "dataset kind "
					     "'%s' has no reader", kind);
		return DCA_ERR_INVALID;
	}
	if (rc) {
		dca_dataset_free(train);
		dca_dataset_free(test);
		return rc;
	}
	dca_dataset_stats(train, aug);
	return 0;
}
