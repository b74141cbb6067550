/* dcanas — weight and checkpoint files.
 *
 * Layout (little-endian): "DCAW", u32 version (1), u32 metadata length,
 * metadata (JSON text), u32 array count; per array: u16 name length, name,
 * u32 n, c, h, w, float32 data; then u32 CRC-32 of every byte before it.
 * A file of the wrong size or checksum is refused with the byte offset
 * where it stops making sense. Files are written atomically (temp + rename). */
#ifndef DCANAS_WEIGHTS_H
#define DCANAS_WEIGHTS_H

#include <dcanas/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DCA_WEIGHTS_VERSION 1

typedef struct dca_named_array {
	const char *name;
	int n, c, h, w;
	float *data;
} dca_named_array;

int dca_weights_save(const char *path, const dca_named_array *arrays, int count,
		     const char *meta_json, dca_error *err);

typedef struct dca_weights_file {
	char *meta;               /* NUL-terminated metadata */
	dca_named_array *arrays;  /* point into buf */
	int count;
	void *buf;                /* the arrays' data, float-aligned, owned */
} dca_weights_file;

int dca_weights_open(const char *path, dca_weights_file *f, dca_error *err);
void dca_weights_close(dca_weights_file *f);
const dca_named_array *dca_weights_find(const dca_weights_file *f, const char *name);

#ifdef __cplusplus
}
#endif
#endif
