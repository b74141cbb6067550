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
	{ "cifar100-coarse", 3, 32, 32, 20 },   /* the same files, 20 superclasses */
	{ "mnist", 1, 28, 28, 10 },
	{ "fashion-mnist", 1, 28, 28, 10 },
	{ "digits8x8", 1, 8, 8, 10 },
	{ "folder", 3, 32, 32, 0 },   /* any size (resized when read), classes from it */
	{ "imagenet16", 3, 16, 16, 120 },   /* ImageNet16-120 */
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
			     "known: cifar10, cifar100, cifar100-coarse, mnist, "
			     "fashion-mnist, digits8x8, folder, imagenet16", kind);
}

const char *dca_dataset_benchmark_name(const char *kind)
{
	if (!strcmp(kind, "cifar10") || !strcmp(kind, "cifar100"))
		return kind;
	return !strcmp(kind, "imagenet16") ? "ImageNet16-120" : NULL;
}

/* path/name, or path/name.gz when only that exists */
static void pick(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	if (access(buf, R_OK) != 0)
		snprintf(buf, n, "%s/%s.gz", dir, name);
}

#define MIN_SIDE 4   /* the networks halve an image's sides twice */

/* What the networks and the evaluation assume of a training and test set:
 * one image shape, big enough for two halvings, and no test label the
 * classifier (sized by the training labels) has no output for. */
static int check_pair(const char *path, const dca_dataset *train,
		      const dca_dataset *test, dca_error *err)
{
	int i, top = -1;

	if (train->h < MIN_SIDE || train->w < MIN_SIDE)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: images of %dx%d are too "
				     "small: the networks halve their sides twice, so "
				     "they must be at least %dx%d", path, train->h,
				     train->w, MIN_SIDE, MIN_SIDE);
	if (test->c != train->c || test->h != train->h || test->w != train->w)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: the test images are "
				     "%dx%dx%d but the training images %dx%dx%d; give "
				     "both splits of one data set", path, test->c,
				     test->h, test->w, train->c, train->h, train->w);
	for (i = 0; i < test->n; i++)
		if (test->labels[i] > top)
			top = test->labels[i];
	if (top >= train->classes)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: the test set has label "
				     "%d, but the training labels have only %d classes "
				     "(0 to %d); give both splits of one data set",
				     path, top, train->classes, train->classes - 1);
	return 0;
}

int dca_dataset_load(const char *kind, const char *path, dca_dataset *train,
		     dca_dataset *test, dca_augment *aug, dca_error *err)
{
	return dca_dataset_load_at(kind, path, 0, 0, 0, NULL, train, test, aug, err);
}

int dca_dataset_load_at(const char *kind, const char *path, int c, int h, int w,
			FILE *log, dca_dataset *train, dca_dataset *test,
			dca_augment *aug, dca_error *err)
{
	char a[1024], b[1024];
	int rc, kc, kh, kw;

	memset(train, 0, sizeof *train);
	memset(test, 0, sizeof *test);
	memset(aug, 0, sizeof *aug);
	if (dca_dataset_kind_shape(kind, &kc, &kh, &kw, NULL, err))
		return DCA_ERR_INVALID;
	if (c && strcmp(kind, "folder") && (c != kc || h != kh || w != kw))
		return dca_error_set(err, DCA_ERR_INVALID, "%s images are %dx%dx%d; "
				     "only folder data is resized to another input "
				     "(%dx%dx%d asked)", kind, kc, kh, kw, c, h, w);
	if (strcmp(kind, "folder") == 0) {
		rc = dca_folder_load(path, c ? c : kc, c ? h : kh, c ? w : kw, log,
				     train, test, err);
		/* the usual augmentation of image folders: a random-resized
		 * crop and a flip */
		aug->crop_pad = DCA_AUG_RESIZED_CROP;
		aug->flip = 1;
	} else if (strcmp(kind, "imagenet16") == 0) {
		rc = dca_imagenet16_load(path, train, test, err);
		aug->crop_pad = 2;      /* NAS-Bench-201's: a crop with padding 2, a flip */
		aug->flip = 1;
	} else if (strcmp(kind, "cifar10") == 0) {
		rc = dca_cifar10_load_dir(train, path, 1, err);
		if (!rc)
			rc = dca_cifar10_load_dir(test, path, 0, err);
		aug->crop_pad = 4;
		aug->flip = 1;
	} else if (strcmp(kind, "cifar100") == 0 || strcmp(kind, "cifar100-coarse") == 0) {
		const char *f[1] = { a };
		int labels = kind[8] ? DCA_CIFAR100_COARSE : DCA_CIFAR100_FINE;

		pick(a, sizeof a, path, "train.bin");
		rc = dca_cifar_load(train, f, 1, labels, err);
		pick(a, sizeof a, path, "test.bin");
		if (!rc)
			rc = dca_cifar_load(test, f, 1, labels, err);
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
	if (!rc)
		rc = check_pair(path, train, test, err);
	if (rc) {
		dca_dataset_free(train);
		dca_dataset_free(test);
		return rc;
	}
	dca_dataset_stats(train, aug);
	return 0;
}
