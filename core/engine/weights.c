/* dcanas — weight and checkpoint files (see weights.h for the layout). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <dcanas/model.h>
#include <dcanas/weights.h>

#include "../atomic_file.h"

static const char MAGIC[4] = { 'D', 'C', 'A', 'W' };

struct writer {
	FILE *f;
	uLong crc;
	int bad;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->bad = 1;
	w->crc = crc32(w->crc, p, (uInt)n);
}

static void put_u32(struct writer *w, uint32_t v)
{
	unsigned char b[4] = { v & 255, (v >> 8) & 255, (v >> 16) & 255, v >> 24 };

	put(w, b, 4);
}

int dca_weights_save(const char *path, const dca_named_array *arrays, int count,
		     const char *meta, dca_error *err)
{
	dcap_atomic_file af;
	struct writer w = { NULL, 0, 0 };
	int i, rc = dcap_atomic_open(&af, path, err);

	if (rc)
		return rc;
	w.f = af.f;
	w.crc = crc32(0L, Z_NULL, 0);
	if (!meta)
		meta = "{}";
	put(&w, MAGIC, 4);
	put_u32(&w, DCA_WEIGHTS_VERSION);
	put_u32(&w, (uint32_t)strlen(meta));
	put(&w, meta, strlen(meta));
	put_u32(&w, (uint32_t)count);
	for (i = 0; i < count; i++) {
		const dca_named_array *a = &arrays[i];
		size_t len = strlen(a->name);
		unsigned char l[2] = { len & 255, (len >> 8) & 255 };
		put(&w, l, 2);
		put(&w, a->name, len);
		put_u32(&w, (uint32_t)a->n);
		put_u32(&w, (uint32_t)a->c);
		put_u32(&w, (uint32_t)a->h);
		put_u32(&w, (uint32_t)a->w);
		/* float32 little-endian: this build runs on little-endian hosts */
		put(&w, a->data, (size_t)a->n * a->c * a->h * a->w * sizeof(float));
	}
	{
		uLong crc = w.crc;
		put_u32(&w, (uint32_t)crc);
	}
	return dcap_atomic_commit(&af, w.bad, err);
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int dca_weights_open(const char *path, dca_weights_file *f, dca_error *err)
{
	int fd = dcap_open_regular(path, err);
	FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
	unsigned char *b;
	long size;
	size_t off, need, data_bytes = 0, *offs = NULL;
	uint32_t version, mlen, count, i;

	memset(f, 0, sizeof *f);
	if (!fp) {
		if (fd >= 0)
			close(fd);
		return fd == -2 ? DCA_ERR_INVALID
			       : dca_error_set(err, DCA_ERR_IO, "%s: cannot open: %s", path,
					       strerror(errno));
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot read", path);
	}
	b = malloc((size_t)size + 1);
	if (!b) {
		fclose(fp);
		return dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", path);
	}
	if (fread(b, 1, (size_t)size, fp) != (size_t)size) {
		fclose(fp);
		free(b);
		return dca_error_set(err, DCA_ERR_IO, "%s: read error", path);
	}
	fclose(fp);
	f->buf = b;
#define NEED(k, what) do { need = (k); if (off + need > (size_t)size) { \
	dca_error_set(err, DCA_ERR_IO, "%s: truncated at byte offset %zu " \
		      "(file is %ld bytes; expected %s)", path, off, size, what); \
	goto fail; } } while (0)
	off = 0;
	NEED(12, "the DCAW header");
	if (memcmp(b, MAGIC, 4) != 0) {
		dca_error_set(err, DCA_ERR_INVALID, "%s: not a dcanas weight file "
			      "(no DCAW header at byte offset 0)", path);
		goto fail;
	}
	version = get_u32(b + 4);
	if (version != DCA_WEIGHTS_VERSION) {
		dca_error_set(err, DCA_ERR_INVALID, "%s: weight file version %u, this "
			      "dcanas reads version %d", path, version, DCA_WEIGHTS_VERSION);
		goto fail;
	}
	mlen = get_u32(b + 8);
	off = 12;
	NEED((size_t)mlen + 4, "the metadata");
	f->meta = malloc(mlen + 1);
	if (!f->meta) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto fail;
	}
	memcpy(f->meta, b + off, mlen);
	f->meta[mlen] = '\0';
	off += mlen;
	count = get_u32(b + off);
	off += 4;
	if (count > (uint32_t)size / 18) {
		dca_error_set(err, DCA_ERR_INVALID, "%s: corrupt array count %u at "
			      "byte offset %zu", path, count, off - 4);
		goto fail;
	}
	f->arrays = calloc(count ? count : 1, sizeof *f->arrays);
	offs = calloc(count ? count : 1, sizeof *offs);
	if (!f->arrays || !offs) {
		dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < count; i++) {
		dca_named_array *a = &f->arrays[i];
		size_t len, elems;
		char *name;
		NEED(2, "an array name length");
		len = b[off] | (size_t)b[off + 1] << 8;
		off += 2;
		NEED(len + 16, "an array name and shape");
		name = malloc(len + 1);
		if (!name) {
			dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto fail;
		}
		memcpy(name, b + off, len);
		name[len] = '\0';
		a->name = name;
		off += len;
		a->n = (int)get_u32(b + off);
		a->c = (int)get_u32(b + off + 4);
		a->h = (int)get_u32(b + off + 8);
		a->w = (int)get_u32(b + off + 12);
		off += 16;
		f->count = (int)i + 1;
		/* each dimension and the product bounded by the file's size, so
		 * the product cannot wrap */
		if (a->n < 0 || a->c < 0 || a->h < 0 || a->w < 0 ||
		    (elems = (size_t)a->n * a->c) > (size_t)size ||
		    (elems *= (size_t)a->h) > (size_t)size ||
		    (elems *= (size_t)a->w) > (size_t)size) {
			dca_error_set(err, DCA_ERR_INVALID, "%s: corrupt shape of array '%s' "
				      "at byte offset %zu", path, name, off - 16);
			goto fail;
		}
		NEED(elems * sizeof(float), "array data");
		offs[i] = off;              /* copied once the file checks out */
		data_bytes += elems * sizeof(float);
		off += elems * sizeof(float);
	}
	NEED(4, "the CRC-32 trailer");
	if (off + 4 != (size_t)size) {
		dca_error_set(err, DCA_ERR_INVALID, "%s: %ld bytes of trailing data "
			      "after byte offset %zu", path, size - (long)(off + 4), off + 4);
		goto fail;
	}
	{
		uint32_t want = get_u32(b + off);
		uint32_t got = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)off);
		if (got != want) {
			dca_error_set(err, DCA_ERR_INVALID, "%s: checksum mismatch (file "
				      "corrupted); stored CRC-32 %08x at byte offset %zu, "
				      "computed %08x", path, want, off, got);
			goto fail;
		}
	}
#undef NEED
	{
		/* the arrays, copied to one float-aligned block (in the file they
		 * sit at any byte offset, and a misaligned float* is undefined) */
		float *al = malloc(data_bytes ? data_bytes : 1);
		size_t at = 0;

		if (!al) {
			dca_error_set(err, DCA_ERR_NOMEM, "%s: out of memory", path);
			goto fail;
		}
		for (i = 0; i < count; i++) {
			dca_named_array *a = &f->arrays[i];
			size_t n = (size_t)a->n * a->c * a->h * a->w;

			memcpy(al + at, b + offs[i], n * sizeof(float));
			a->data = al + at;
			at += n;
		}
		free(f->buf);
		f->buf = al;
	}
	free(offs);
	return 0;
fail:
	free(offs);
	dca_weights_close(f);
	return err ? err->code : DCA_ERR_INVALID;
}

void dca_weights_close(dca_weights_file *f)
{
	int i;

	for (i = 0; i < f->count; i++)
		free((char *)f->arrays[i].name);
	free(f->meta);
	free(f->arrays);
	free(f->buf);
	memset(f, 0, sizeof *f);
}

const dca_named_array *dca_weights_find(const dca_weights_file *f, const char *name)
{
	int i;

	for (i = 0; i < f->count; i++)
		if (strcmp(f->arrays[i].name, name) == 0)
			return &f->arrays[i];
	return NULL;
}

/* ---- models ---------------------------------------------------------------- */

int dca_model_save(const dca_model *m, const char *path, const char *meta,
		   dca_error *err)
{
	int n = m->n_params + m->n_buffers, i, rc;
	dca_named_array *a = calloc((size_t)(n ? n : 1), sizeof *a);

	if (!a)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const dca_tensor *t = i < m->n_params ? m->params[i] :
				      m->buffers[i - m->n_params];
		a[i].name = i < m->n_params ? m->param_names[i] :
			    m->buffer_names[i - m->n_params];
		a[i].n = t->n;
		a[i].c = t->c;
		a[i].h = t->h;
		a[i].w = t->w;
		a[i].data = t->data;
	}
	rc = dca_weights_save(path, a, n, meta, err);
	free(a);
	return rc;
}

static int load_one(const dca_weights_file *f, const char *path,
		    const char *name, dca_tensor *t, dca_error *err)
{
	const dca_named_array *a = dca_weights_find(f, name);

	if (!a)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: has no tensor '%s': "
				     "the file is for another architecture or shape",
				     path, name);
	if (a->n != t->n || a->c != t->c || a->h != t->h || a->w != t->w)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: tensor '%s' is "
				     "%dx%dx%dx%d in the file, %dx%dx%dx%d in the model",
				     path, name, a->n, a->c, a->h, a->w, t->n, t->c,
				     t->h, t->w);
	memcpy(t->data, a->data, t->size * sizeof(float));
	return 0;
}

int dca_model_load(dca_model *m, const char *path, char **meta, dca_error *err)
{
	dca_weights_file f;
	int i, rc;

	if ((rc = dca_weights_open(path, &f, err)) != 0)
		return rc;
	for (i = 0; i < m->n_params && rc == 0; i++)
		rc = load_one(&f, path, m->param_names[i], m->params[i], err);
	for (i = 0; i < m->n_buffers && rc == 0; i++)
		rc = load_one(&f, path, m->buffer_names[i], m->buffers[i], err);
	if (rc == 0 && meta)
		*meta = strdup(f.meta);
	dca_weights_close(&f);
	return rc;
}
