/* dcanas — CIFAR-10/100 binary batches (plain or gzip). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include <dcanas/data.h>

#include "../atomic_file.h"
#include "gz_end.h"
#include "zlib_message.h"

#define CIFAR_PIXELS 3072   /* 3 x 32 x 32 */

/* Grow the dataset's arrays to hold at least want records. */
static int cifar_reserve(dca_dataset *d, int *cap, int want, dca_error *err)
{
	uint8_t *im;
	int *lab;
	int nc = *cap ? *cap : 1024;

	if (want <= *cap)
		return 0;
	while (nc < want)
		nc *= 2;
	im = realloc(d->images, (size_t)nc * CIFAR_PIXELS);
	if (!im)
		return dca_error_set(err, DCA_ERR_NOMEM,
				     "out of memory reading CIFAR data (%d records)", nc);
	d->images = im;
	lab = realloc(d->labels, (size_t)nc * sizeof *lab);
	if (!lab)
		return dca_error_set(err, DCA_ERR_NOMEM,
				     "out of memory reading CIFAR data (%d records)", nc);
	d->labels = lab;
	*cap = nc;
	return 0;
}

/* Append every record of one file. */
static int cifar_read_file(dca_dataset *d, int *cap, const char *path,
			   int cifar100, dca_error *err)
{
	const int rec = cifar100 ? CIFAR_PIXELS + 2 : CIFAR_PIXELS + 1;
	const int classes = cifar100 == DCA_CIFAR100_COARSE ? 20 : cifar100 ? 100 : 10;
	unsigned char buf[CIFAR_PIXELS + 2];
	long offset = 0, index = 0;
	int got, errnum, rc = 0;
	const char *zmsg;
	int fd = dcap_open_regular(path, err);
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;

	if (!gz && fd >= 0)
		close(fd);
	if (!gz)
		return dca_error_set(err, DCA_ERR_IO,
				     "%s: cannot open CIFAR batch file (check the path and permissions)",
				     path);
	gzbuffer(gz, 1 << 17);
	for (;;) {
		got = gzread(gz, buf, (unsigned)rec);
		/* A gzip stream cut short reads as end of file plus an error. */
		zmsg = gzerror(gz, &errnum);
		if (got < 0 || errnum != Z_OK) {
			rc = dca_error_set(err, DCA_ERR_IO,
					   "%s: corrupt or truncated gzip data at compressed byte "
					   "offset %ld (decompressed offset %ld): %s",
					   path, (long)gzoffset(gz), offset + (got > 0 ? got : 0),
					   dcap_zlib_message(zmsg, path));
			break;
		}
		if (got == 0)
			break;
		if (got < rec) {
			rc = dca_error_set(err, DCA_ERR_IO,
					   "%s: truncated: incomplete record at byte offset %ld "
					   "(records are %d bytes)", path, offset, rec);
			break;
		}
		{
			/* CIFAR-100 records hold the coarse label, then the fine */
			int label = cifar100 == DCA_CIFAR100_FINE ? buf[1] : buf[0];
			if (cifar100 && (buf[0] >= 20 || buf[1] >= 100)) {
				rc = dca_error_set(err, DCA_ERR_IO,
						   "%s: malformed: record %ld at byte offset %ld has "
						   "coarse label %d and fine label %d, expected 0..19 "
						   "and 0..99 (is this a CIFAR-100 file?)",
						   path, index, offset, buf[0], buf[1]);
				break;
			}
			if (label >= classes) {
				rc = dca_error_set(err, DCA_ERR_IO,
						   "%s: malformed: record %ld at byte offset %ld has "
						   "label %d, expected 0..%d (is this a CIFAR-%d file?)",
						   path, index, offset, label, classes - 1,
						   cifar100 ? 100 : 10);
				break;
			}
			if ((rc = cifar_reserve(d, cap, d->n + 1, err)) != 0)
				break;
			d->labels[d->n] = label;
			memcpy(d->images + (size_t)d->n * CIFAR_PIXELS, buf + (rec - CIFAR_PIXELS),
			       CIFAR_PIXELS);
			d->n++;
		}
		offset += rec;
		index++;
	}
	gzclose(gz);
	if (rc == 0 && index == 0)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: empty: no CIFAR records in the file",
				   path);
	if (rc == 0)
		rc = dcap_gz_check_end(path, (uint64_t)offset, err);
	return rc;
}

int dca_cifar_load(dca_dataset *d, const char *const *files, int n_files,
		   int cifar100, dca_error *err)
{
	int cap = 0, rc, i;

	if (!d)
		return dca_error_set(err, DCA_ERR_INVALID, "dca_cifar_load: no dataset given");
	memset(d, 0, sizeof *d);
	if (!files || n_files <= 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "dca_cifar_load: no files given (n_files = %d)", n_files);
	for (i = 0; i < n_files; i++) {
		if ((rc = cifar_read_file(d, &cap, files[i], cifar100, err)) != 0) {
			dca_dataset_free(d);
			return rc;
		}
	}
	d->c = 3;
	d->h = 32;
	d->w = 32;
	d->classes = cifar100 == DCA_CIFAR100_COARSE ? 20 : cifar100 ? 100 : 10;
	d->max_value = 255.0f;
	snprintf(d->name, sizeof d->name, "%s", cifar100 == DCA_CIFAR100_COARSE ?
		 "cifar100-coarse" : cifar100 ? "cifar100" : "cifar10");
	return 0;
}

/* dir/base.bin or dir/base.bin.gz, whichever is readable (plain first). */
static int cifar_find(const char *dir, const char *base, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.bin", dir, base);
	if (access(out, R_OK) == 0)
		return 1;
	snprintf(out, n, "%s/%s.bin.gz", dir, base);
	return access(out, R_OK) == 0;
}

int dca_cifar10_load_dir(dca_dataset *d, const char *dir, int train, dca_error *err)
{
	char paths[5][4096];
	const char *list[5];
	int n = 0, i, missing = -1;

	if (d)
		memset(d, 0, sizeof *d);
	if (!d || !dir)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "dca_cifar10_load_dir: no dataset or folder given");
	if (train) {
		for (i = 0; i < 5; i++) {
			char base[32];
			snprintf(base, sizeof base, "data_batch_%d", i + 1);
			if (cifar_find(dir, base, paths[n], sizeof paths[n]))
				n++;
			else if (missing < 0)
				missing = i + 1;
		}
		if (n > 0 && n < 5)
			return dca_error_set(err, DCA_ERR_IO,
					     "%s: incomplete CIFAR-10 training set: found %d of "
					     "data_batch_1..5 but not data_batch_%d.bin[.gz]",
					     dir, n, missing);
		if (n == 0 && cifar_find(dir, "train_1000", paths[0], sizeof paths[0]))
			n = 1;
	} else {
		if (cifar_find(dir, "test_batch", paths[0], sizeof paths[0]) ||
		    cifar_find(dir, "test_200", paths[0], sizeof paths[0]))
			n = 1;
	}
	if (n == 0)
		return dca_error_set(err, DCA_ERR_IO,
				     "%s: no CIFAR-10 %s files found: looked for %s (.bin or "
				     ".bin.gz); point to the cifar10 or cifar10-mini folder of "
				     "shared/data", dir, train ? "training" : "test",
				     train ? "data_batch_1..5 and train_1000" : "test_batch and test_200");
	for (i = 0; i < n; i++)
		list[i] = paths[i];
	return dca_cifar_load(d, list, n, 0, err);
}
