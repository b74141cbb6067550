/* dcanas — image classification data: readers, splits, augmentation, batches.
 *
 * A dataset holds 8-bit images N x C x H x W and labels in memory. Readers
 * report a truncated or malformed file with its name and the byte offset. */
#ifndef DCANAS_DATA_H
#define DCANAS_DATA_H

#include <stdint.h>
#include <stdio.h>

#include <dcanas/error.h>
#include <dcanas/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_dataset {
	uint8_t *images;       /* n * c * h * w, owned */
	int *labels;           /* n, owned */
	int n, c, h, w;
	int classes;
	float max_value;       /* pixel scale: 255, or 16 for digits8x8 */
	char name[64];
} dca_dataset;

void dca_dataset_free(dca_dataset *d);

/* CIFAR-10/100 binary batches (gzip or not). files: paths; cifar100:
 * DCA_CIFAR10 (record = label, 3072 pixels), DCA_CIFAR100_FINE (record =
 * coarse label, fine label, 3072 pixels; the 100 fine classes) or
 * DCA_CIFAR100_COARSE (the same records; the 20 superclasses). */
enum { DCA_CIFAR10 = 0, DCA_CIFAR100_FINE = 1, DCA_CIFAR100_COARSE = 2 };
int dca_cifar_load(dca_dataset *d, const char *const *files, int n_files,
		   int cifar100, dca_error *err);
/* The standard files of a CIFAR-10 folder (data_batch_1..5 or test_batch,
 * .bin or .bin.gz); also accepts the mini set's train_1000/test_200. */
int dca_cifar10_load_dir(dca_dataset *d, const char *dir, int train, dca_error *err);
/* MNIST / Fashion-MNIST / digits8x8 IDX files (gzip or not). */
int dca_idx_load(dca_dataset *d, const char *images_path, const char *labels_path,
		 dca_error *err);

/* Train and test sets of a dataset by kind: cifar10 (a CIFAR-10 binary
 * folder), cifar100 (train.bin, test.bin: the 100 fine classes),
 * cifar100-coarse (the same files: the 20 superclasses), imagenet16
 * (ImageNet16-120), folder (image folders), fashion-mnist and mnist (IDX
 * files, gzip or not), digits8x8 (its IDX files; a fixed 20% held out as
 * test). aug receives the standard augmentation of the kind (crop + flip
 * for CIFAR) and the training set's normalisation. */
struct dca_augment;
int dca_dataset_load(const char *kind, const char *path, dca_dataset *train,
		     dca_dataset *test, struct dca_augment *aug, dca_error *err);
/* The same, with the image shape for kinds whose images are resized when
 * read (folder; 0: the kind's default, 3x32x32) — a fixed-shape kind given
 * another shape is an error — and log (may be NULL) for warnings about
 * files skipped and what was read. */
int dca_dataset_load_at(const char *kind, const char *path, int c, int h, int w,
			FILE *log, dca_dataset *train, dca_dataset *test,
			struct dca_augment *aug, dca_error *err);
/* ImageNet16-120 (imagenet16.c): DIR/train_data_batch_1..10 and
 * DIR/val_data, the down-sampled ImageNet's pickles, the images labelled
 * 1..120 as classes 0..119 (3x16x16). */
int dca_imagenet16_load(const char *dir, dca_dataset *train, dca_dataset *test,
			dca_error *err);
/* Image folders (folder.c): DIR/train/CLASS/IMAGE.{jpg,jpeg,png}, and DIR/val
 * or DIR/test (else 20% of each class, seed 42), decoded to c x h x w
 * (c 1 or 3; centre crop and box resize); undecodable files skipped with a
 * warning on log. */
int dca_folder_load(const char *dir, int c, int h, int w, FILE *log,
		    dca_dataset *train, dca_dataset *test, dca_error *err);
/* What a kind's images are (channels, height, width) and how many classes
 * it has, known without reading it; c, h, w, classes may be NULL. 0, or
 * DCA_ERR_INVALID for a kind dca_dataset_load does not read (err lists
 * the kinds). */
int dca_dataset_kind_shape(const char *kind, int *c, int *h, int *w,
			   int *classes, dca_error *err);
/* The name benchmarks (NAS-Bench-201, HW-NAS-Bench) give the data set of
 * kind: "cifar10", "cifar100" or "ImageNet16-120"; NULL for a kind they do
 * not cover (cifar100-coarse, mnist, ...). */
const char *dca_dataset_benchmark_name(const char *kind);

/* Class-balanced split: for each class, the first (1 - val) of its samples
 * in a seeded shuffle go to train, the rest to val. Give a fraction in (0,1)
 * or, when val_count > 0, a total count. Both outputs own copies. */
int dca_dataset_split(const dca_dataset *d, float val_fraction, int val_count,
		      uint64_t seed, dca_dataset *train, dca_dataset *val,
		      dca_error *err);
/* First n samples per class (for quick runs); owned copy. */
int dca_dataset_subset(const dca_dataset *d, int per_class, dca_dataset *out,
		       dca_error *err);

/* dca_augment.crop_pad's value for a random-resized crop instead of a
 * padded one: a box of 8-100% of the image's area, aspect 3/4 to 4/3,
 * resized back to the image's size (bilinear), as torchvision's
 * RandomResizedCrop; folder data trains with it. (A value a core before it
 * refused, so no field was added for it.) */
#define DCA_AUG_RESIZED_CROP (-1)

typedef struct dca_augment {
	int crop_pad;          /* random crop with zero padding of this many
				  pixels (0: off), or DCA_AUG_RESIZED_CROP */
	int flip;              /* random horizontal flip */
	int cutout;            /* cutout square side (0: off) */
	float mean[4], std[4]; /* per-channel normalisation, in [0,1] units */
} dca_augment;

/* Per-channel mean and std of a dataset (in [0,1] units) into aug. */
void dca_dataset_stats(const dca_dataset *d, dca_augment *aug);

/* A 64-bit fingerprint of d's shape, labels and pixels (FNV-1a), going on
 * from h (0 to start): the same data wherever it lies gives the same
 * value, so a run can be resumed from data that moved. */
uint64_t dca_dataset_fingerprint(const dca_dataset *d, uint64_t h);
/* The fingerprint of a training and a test split together, as the 16 hex
 * digits run directories record (train's config.json, a search's
 * data.fingerprint) into buf (at least 17 bytes). */
void dca_dataset_pair_fingerprint(const dca_dataset *train, const dca_dataset *test,
				  char *buf, size_t n);

/* Seeded epoch order and batches. */
typedef struct dca_loader {
	const dca_dataset *d;  /* borrowed */
	int batch, drop_last;
	int *order, pos;
	dca_rng rng;
	dca_augment aug;
	int augment;           /* apply crop/flip/cutout (training) */
} dca_loader;

int dca_loader_init(dca_loader *l, const dca_dataset *d, int batch,
		    int shuffle_augment, const dca_augment *aug, uint64_t seed);
/* Begin an epoch (reshuffles when shuffle_augment). */
void dca_loader_epoch(dca_loader *l);
/* Next batch into x (arena tensor of g, batch x C x H x W) and labels
 * (arena ints); returns the batch size, 0 at the end of the epoch. */
int dca_loader_next(dca_loader *l, dca_graph *g, dca_tensor **x, int **labels);
/* The same batch, spread over the ranks of comm.h: draws the whole batch's
 * shuffle and augmentation (as dca_loader_next, so every rank stays on the
 * one stream) and builds only this rank's shard (dca_comm_shard) into x
 * and labels. Returns the shard's size, 0 at the end of the epoch, and the
 * whole batch's size in *global_b. A batch smaller than the rank count (a
 * last one) is skipped, by every rank alike. One rank: dca_loader_next. */
int dca_loader_next_shard(dca_loader *l, dca_graph *g, dca_tensor **x,
			  int **labels, int *global_b);
int dca_loader_batches(const dca_loader *l);
void dca_loader_free(dca_loader *l);

#ifdef __cplusplus
}
#endif
#endif
