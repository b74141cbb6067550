/* dcanas — datasets: free, class-balanced split, per-class subset, stats. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/data.h>

#include "image_store.h"

void dca_dataset_free(dca_dataset *d)
{
	if (!d)
		return;
	dca_images_free(d->images);
	free(d->labels);
	memset(d, 0, sizeof *d);
}

static int dataset_check(const dca_dataset *d, const char *who, dca_error *err)
{
	if (!d || d->n <= 0 || !d->images || !d->labels || d->classes <= 0 ||
	    d->c <= 0 || d->h <= 0 || d->w <= 0)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: empty or unloaded dataset", who);
	return 0;
}

/* Copy the samples with keep[i] == want, in their original order. */
static int dataset_pick(const dca_dataset *d, const unsigned char *keep, int want,
			int count, const char *suffix, dca_dataset *out, dca_error *err)
{
	size_t chw = (size_t)d->c * d->h * d->w;
	int i, k = 0, rc;

	memset(out, 0, sizeof *out);
	if ((rc = dca_images_alloc((size_t)count * chw, &out->images, err)))
		return rc;
	out->labels = malloc((size_t)count * sizeof *out->labels);
	if (!out->labels) {
		dca_dataset_free(out);
		return dca_error_set(err, DCA_ERR_NOMEM,
				     "out of memory copying %d samples of %s", count, d->name);
	}
	for (i = 0; i < d->n; i++) {
		if (keep[i] != want)
			continue;
		memcpy(out->images + (size_t)k * chw, d->images + (size_t)i * chw, chw);
		out->labels[k++] = d->labels[i];
	}
	out->n = k;
	out->c = d->c;
	out->h = d->h;
	out->w = d->w;
	out->classes = d->classes;
	out->max_value = d->max_value;
	snprintf(out->name, sizeof out->name, "%.*s%s",
		 (int)(sizeof out->name - 1 - strlen(suffix)), d->name, suffix);
	return 0;
}

int dca_dataset_split(const dca_dataset *d, float val_fraction, int val_count,
		      uint64_t seed, dca_dataset *train, dca_dataset *val,
		      dca_error *err)
{
	int *count = NULL, *start = NULL, *fill = NULL, *idx = NULL, *nval = NULL;
	unsigned char *is_val = NULL;
	int i, k, rc = 0, total_val = 0;
	dca_rng rng;

	if (train)
		memset(train, 0, sizeof *train);
	if (val)
		memset(val, 0, sizeof *val);
	if (!train || !val)
		return dca_error_set(err, DCA_ERR_INVALID, "dca_dataset_split: no outputs given");
	if ((rc = dataset_check(d, "dca_dataset_split", err)) != 0)
		return rc;
	if (val_count <= 0 && !(val_fraction > 0.0f && val_fraction < 1.0f))
		return dca_error_set(err, DCA_ERR_INVALID,
				     "split of %s: validation fraction must be in (0, 1), got %g "
				     "(or give a validation count > 0)", d->name, val_fraction);
	if (val_count >= d->n)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "split of %s: validation count %d leaves no training samples "
				     "(the dataset has %d)", d->name, val_count, d->n);

	count = calloc((size_t)d->classes, sizeof *count);
	start = calloc((size_t)d->classes + 1, sizeof *start);
	fill = calloc((size_t)d->classes, sizeof *fill);
	nval = calloc((size_t)d->classes, sizeof *nval);
	idx = malloc((size_t)d->n * sizeof *idx);
	is_val = calloc((size_t)d->n, 1);
	if (!count || !start || !fill || !nval || !idx || !is_val) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "split of %s: out of memory", d->name);
		goto out;
	}
	for (i = 0; i < d->n; i++) {
		if (d->labels[i] < 0 || d->labels[i] >= d->classes) {
			rc = dca_error_set(err, DCA_ERR_INVALID,
					   "split of %s: sample %d has label %d outside 0..%d",
					   d->name, i, d->labels[i], d->classes - 1);
			goto out;
		}
		count[d->labels[i]]++;
	}
	/* Indices grouped by class, in file order. */
	for (k = 0; k < d->classes; k++)
		start[k + 1] = start[k] + count[k];
	for (i = 0; i < d->n; i++) {
		int c = d->labels[i];
		idx[start[c] + fill[c]++] = i;
	}

	if (val_count > 0) {
		/* Proportional shares, the remainder to the first classes that
		 * can still give a sample while keeping one for training. */
		int rem = val_count;
		for (k = 0; k < d->classes; k++) {
			nval[k] = (int)((int64_t)val_count * count[k] / d->n);
			rem -= nval[k];
		}
		int keep_one = 1;
		while (rem > 0) {
			int gave = 0;
			for (k = 0; k < d->classes && rem > 0; k++) {
				if (nval[k] < count[k] - keep_one) {
					nval[k]++;
					rem--;
					gave = 1;
				}
			}
			if (!gave)
				keep_one = 0;  /* tiny classes: let them go wholly */
		}
	} else {
		for (k = 0; k < d->classes; k++)
			nval[k] = (int)lround((double)val_fraction * count[k]);
	}
	for (k = 0; k < d->classes; k++)
		total_val += nval[k];
	if (total_val == 0 || total_val == d->n) {
		rc = dca_error_set(err, DCA_ERR_INVALID,
				   "split of %s (%d samples, %d classes): the %s side would be "
				   "empty; choose a validation %s", d->name, d->n, d->classes,
				   total_val == 0 ? "validation" : "training",
				   val_count > 0 ? "count" : "fraction further from 0 and 1");
		goto out;
	}

	/* Seeded Fisher-Yates per class; the last nval[k] go to validation. */
	dca_rng_seed(&rng, seed);
	for (k = 0; k < d->classes; k++) {
		int *a = idx + start[k];
		for (i = count[k] - 1; i > 0; i--) {
			int j = (int)dca_rng_below(&rng, (uint32_t)i + 1);
			int t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		for (i = count[k] - nval[k]; i < count[k]; i++)
			is_val[a[i]] = 1;
	}
	if ((rc = dataset_pick(d, is_val, 0, d->n - total_val, "-train", train, err)) != 0)
		goto out;
	if ((rc = dataset_pick(d, is_val, 1, total_val, "-val", val, err)) != 0) {
		dca_dataset_free(train);
		goto out;
	}
out:
	free(count);
	free(start);
	free(fill);
	free(nval);
	free(idx);
	free(is_val);
	return rc;
}

int dca_dataset_subset(const dca_dataset *d, int per_class, dca_dataset *out,
		       dca_error *err)
{
	int *seen = NULL, i, total = 0, rc;
	unsigned char *keep = NULL;

	if (out)
		memset(out, 0, sizeof *out);
	if (!out)
		return dca_error_set(err, DCA_ERR_INVALID, "dca_dataset_subset: no output given");
	if ((rc = dataset_check(d, "dca_dataset_subset", err)) != 0)
		return rc;
	if (per_class <= 0)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "subset of %s: samples per class must be > 0, got %d",
				     d->name, per_class);
	seen = calloc((size_t)d->classes, sizeof *seen);
	keep = calloc((size_t)d->n, 1);
	if (!seen || !keep) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "subset of %s: out of memory", d->name);
		goto out;
	}
	for (i = 0; i < d->n; i++) {
		int c = d->labels[i];
		if (c >= 0 && c < d->classes && seen[c] < per_class) {
			seen[c]++;
			keep[i] = 1;
			total++;
		}
	}
	rc = dataset_pick(d, keep, 1, total, "", out, err);
out:
	free(seen);
	free(keep);
	return rc;
}

void dca_dataset_stats(const dca_dataset *d, dca_augment *aug)
{
	size_t hw, i;
	int c, s;

	if (!aug)
		return;
	for (c = 0; c < 4; c++) {
		aug->mean[c] = 0.0f;
		aug->std[c] = 1.0f;
	}
	if (!d || d->n <= 0 || !d->images || d->max_value <= 0)
		return;
	hw = (size_t)d->h * d->w;
	for (c = 0; c < d->c && c < 4; c++) {
		double sum = 0, sq = 0, cnt = (double)d->n * hw, m, var;
		for (s = 0; s < d->n; s++) {
			const uint8_t *p = d->images + ((size_t)s * d->c + c) * hw;
			uint64_t a = 0, b = 0;
			for (i = 0; i < hw; i++) {
				a += p[i];
				b += (uint64_t)p[i] * p[i];
			}
			sum += (double)a;
			sq += (double)b;
		}
		m = sum / cnt;
		var = sq / cnt - m * m;
		aug->mean[c] = (float)(m / d->max_value);
		aug->std[c] = (float)(sqrt(var > 0 ? var : 0) / d->max_value);
		if (!(aug->std[c] > 0))
			aug->std[c] = 1.0f;  /* a constant channel: keep values finite */
	}
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t dca_dataset_fingerprint(const dca_dataset *d, uint64_t h)
{
	int32_t shape[5] = { d->n, d->c, d->h, d->w, d->classes };
	size_t i;

	if (h == 0)
		h = 0xcbf29ce484222325ull;     /* FNV-1a's offset basis */
	h = fnv1a(h, shape, sizeof shape);
	for (i = 0; i < (size_t)d->n; i++) {
		int32_t l = d->labels[i];
		h = fnv1a(h, &l, sizeof l);
	}
	return fnv1a(h, d->images, (size_t)d->n * d->c * d->h * d->w);
}

void dca_dataset_pair_fingerprint(const dca_dataset *train, const dca_dataset *test,
				  char *buf, size_t n)
{
	snprintf(buf, n, "%016llx", (unsigned long long)
		 dca_dataset_fingerprint(test, dca_dataset_fingerprint(train, 0)));
}
