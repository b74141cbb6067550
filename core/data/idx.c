/* dcanas — MNIST IDX files (MNIST, Fashion-MNIST, digits8x8), plain or gzip. */
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

#define IDX_IMAGES 0x00000803u
#define IDX_LABELS 0x00000801u

/* Read exactly len bytes; *got receives what was read. 0, or an error
 * naming the file and the decompressed offset reached. */
static int idx_read(gzFile gz, const char *path, void *buf, size_t len, size_t *got,
		    long base, dca_error *err)
{
	unsigned char *p = buf;
	int errnum, r;
	const char *zmsg;

	*got = 0;
	while (*got < len) {
		size_t want = len - *got;
		if (want > (1u << 30))
			want = 1u << 30;
		r = gzread(gz, p + *got, (unsigned)want);
		zmsg = gzerror(gz, &errnum);
		if (r < 0 || errnum != Z_OK)
			return dca_error_set(err, DCA_ERR_IO,
					     "%s: corrupt or truncated gzip data at compressed "
					     "byte offset %ld (decompressed offset %ld): %s", path,
					     (long)gzoffset(gz), base + (long)*got + (r > 0 ? r : 0),
					     dcap_zlib_message(zmsg, path));
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* idx_read into a buffer of its own that grows as data arrives (from 16
 * MiB, doubling, to len at most): a header that promises more than the
 * file holds costs no more memory than the file's data. *out: the buffer
 * (freed by the caller, also on error). */
static int idx_read_grown(gzFile gz, const char *path, unsigned char **out, size_t len,
			  size_t *got, long base, dca_error *err)
{
	size_t cap = len < ((size_t)1 << 24) ? len : (size_t)1 << 24, part;
	unsigned char *buf = malloc(cap ? cap : 1), *more;
	int rc;

	*out = buf;
	*got = 0;
	for (;;) {
		if (!buf)
			return dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory for %zu "
					     "bytes of images", path, cap);
		if ((rc = idx_read(gz, path, buf + *got, cap - *got, &part,
				   base + (long)*got, err)))
			return rc;
		*got += part;
		if (*got < cap || cap == len)
			return 0;        /* the data ended, or all of it is in */
		cap = cap > len / 2 ? len : 2 * cap;
		more = realloc(buf, cap);
		if (!more)
			return dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory for %zu "
					     "bytes of images", path, cap);
		*out = buf = more;
	}
}

static uint32_t idx_be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* After the payload the file must end: extra bytes mean wrong dimensions. */
static int idx_expect_end(gzFile gz, const char *path, long at, dca_error *err)
{
	unsigned char c;
	size_t got;
	int rc = idx_read(gz, path, &c, 1, &got, at, err);
	if (rc)
		return rc;
	if (got)
		return dca_error_set(err, DCA_ERR_IO,
				     "%s: malformed: unexpected data after the last item at "
				     "byte offset %ld (do the header dimensions match the file?)",
				     path, at);
	return 0;
}

static const char *idx_magic_hint(uint32_t magic)
{
	if (magic == IDX_LABELS)
		return " (this is a labels file: are images and labels swapped?)";
	if (magic == IDX_IMAGES)
		return " (this is an images file: are images and labels swapped?)";
	if ((magic & 0xffff0000u) == 0x1f8b0000u)
		return " (gzip data inside gzip? decompress it once)";
	return "";
}

/* Open an IDX file and read its header of hlen bytes into h, checking the
 * magic number; what ("images" or "labels") names it in messages. On
 * success *out is the open file, positioned after the header. */
static int idx_open_header(const char *path, const char *what, uint32_t want,
			   unsigned char *h, size_t hlen, gzFile *out, dca_error *err)
{
	size_t got;
	uint32_t magic;
	int rc;
	int fd = dcap_open_regular(path, err);
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;

	*out = NULL;
	if (!gz && fd >= 0)
		close(fd);
	if (!gz)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot open IDX %s file "
				     "(check the path and permissions)", path, what);
	gzbuffer(gz, 1 << 17);
	if ((rc = idx_read(gz, path, h, hlen, &got, 0, err)) != 0)
		goto fail;
	if (got >= 4 && idx_be32(h) != want) {
		magic = idx_be32(h);
		rc = dca_error_set(err, DCA_ERR_IO,
				   "%s: not an IDX %s file: magic 0x%08x at byte offset 0, "
				   "expected 0x%08x%s", path, what, magic, want,
				   idx_magic_hint(magic));
		goto fail;
	}
	if (got < hlen) {
		rc = dca_error_set(err, DCA_ERR_IO, "%s: truncated: the %zu-byte IDX %s "
				   "header ends at byte offset %zu", path, hlen, what, got);
		goto fail;
	}
	*out = gz;
	return 0;
fail:
	gzclose(gz);
	return rc;
}

static int idx_read_images(dca_dataset *d, const char *path, dca_error *err)
{
	unsigned char h[16];
	size_t got, bytes;
	uint32_t n, rows, cols;
	int rc;
	gzFile gz;

	if ((rc = idx_open_header(path, "images", IDX_IMAGES, h, sizeof h, &gz, err)))
		return rc;
	n = idx_be32(h + 4);
	rows = idx_be32(h + 8);
	cols = idx_be32(h + 12);
	if (n == 0 || rows == 0 || cols == 0 || rows > 4096 || cols > 4096 ||
	    (uint64_t)n * rows * cols > ((uint64_t)1 << 36) || n > 0x7fffffffu) {
		rc = dca_error_set(err, DCA_ERR_IO,
				   "%s: malformed IDX images header: %u images of %u x %u "
				   "(byte offset 4)", path, n, rows, cols);
		goto out;
	}
	bytes = (size_t)n * rows * cols;
	if ((rc = idx_read_grown(gz, path, &d->images, bytes, &got, 16, err)) != 0)
		goto out;
	if (got < bytes) {
		size_t per = (size_t)rows * cols;
		rc = dca_error_set(err, DCA_ERR_IO,
				   "%s: truncated: header promises %u images of %ux%u (%zu bytes "
				   "after the 16-byte header) but the data ends at byte offset %zu, "
				   "inside image %zu", path, n, rows, cols, bytes, 16 + got, got / per);
		goto out;
	}
	if ((rc = idx_expect_end(gz, path, (long)(16 + bytes), err)) != 0 ||
	    (rc = dcap_gz_check_end(path, 16 + (uint64_t)bytes, err)) != 0)
		goto out;
	d->n = (int)n;
	d->c = 1;
	d->h = (int)rows;
	d->w = (int)cols;
out:
	gzclose(gz);
	return rc;
}

static int idx_read_labels(dca_dataset *d, const char *path, dca_error *err)
{
	unsigned char h[8], *lab = NULL;
	size_t got, i;
	uint32_t n;
	int rc, maxl = 0;
	gzFile gz;

	if ((rc = idx_open_header(path, "labels", IDX_LABELS, h, sizeof h, &gz, err)))
		return rc;
	n = idx_be32(h + 4);
	if (n != (uint32_t)d->n) {
		rc = dca_error_set(err, DCA_ERR_IO,
				   "%s: malformed: %u labels (header, byte offset 4) but the "
				   "images file has %d images", path, n, d->n);
		goto out;
	}
	lab = malloc(n);
	d->labels = malloc((size_t)n * sizeof *d->labels);
	if (!lab || !d->labels) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory for %u labels", path, n);
		goto out;
	}
	if ((rc = idx_read(gz, path, lab, n, &got, 8, err)) != 0)
		goto out;
	if (got < n) {
		rc = dca_error_set(err, DCA_ERR_IO,
				   "%s: truncated: header promises %u labels but the data ends "
				   "at byte offset %zu", path, n, 8 + got);
		goto out;
	}
	if ((rc = idx_expect_end(gz, path, (long)(8 + n), err)) != 0 ||
	    (rc = dcap_gz_check_end(path, 8 + (uint64_t)n, err)) != 0)
		goto out;
	/* Unsigned bytes: every label is < 256 by construction. */
	for (i = 0; i < n; i++) {
		d->labels[i] = lab[i];
		if (lab[i] > maxl)
			maxl = lab[i];
	}
	d->classes = maxl + 1;
out:
	free(lab);
	gzclose(gz);
	return rc;
}

/* A short name: "digits8x8" from "digits8x8-images-idx3-ubyte.gz"; for the
 * generic MNIST names (train-..., t10k-...) the folder's name. */
static void idx_name(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');
	const char *dash;
	size_t len;

	base = base ? base + 1 : path;
	if (strncmp(base, "train-", 6) == 0 || strncmp(base, "t10k-", 5) == 0) {
		if (base > path + 1) {
			const char *end = base - 1, *start = end;
			while (start > path && start[-1] != '/')
				start--;
			if (end > start) {
				len = (size_t)(end - start);
				snprintf(out, n, "%.*s", (int)len, start);
				return;
			}
		}
		snprintf(out, n, "mnist");
		return;
	}
	dash = strchr(base, '-');
	len = dash ? (size_t)(dash - base) : strlen(base);
	snprintf(out, n, "%.*s", (int)len, base);
}

int dca_idx_load(dca_dataset *d, const char *images_path, const char *labels_path,
		 dca_error *err)
{
	size_t i, total;
	unsigned maxp = 0;
	int rc;

	if (!d)
		return dca_error_set(err, DCA_ERR_INVALID, "dca_idx_load: no dataset given");
	memset(d, 0, sizeof *d);
	if (!images_path || !labels_path)
		return dca_error_set(err, DCA_ERR_INVALID,
				     "dca_idx_load: both an images and a labels path are needed");
	if ((rc = idx_read_images(d, images_path, err)) != 0 ||
	    (rc = idx_read_labels(d, labels_path, err)) != 0) {
		dca_dataset_free(d);
		return rc;
	}
	total = (size_t)d->n * d->h * d->w;
	for (i = 0; i < total; i++)
		if (d->images[i] > maxp)
			maxp = d->images[i];
	/* The UCI digits store counts 0..16 per 4x4 block (README); any file
	 * whose pixels never exceed 16 is taken to be on that scale. */
	d->max_value = maxp <= 16 ? 16.0f : 255.0f;
	idx_name(images_path, d->name, sizeof d->name);
	return 0;
}
