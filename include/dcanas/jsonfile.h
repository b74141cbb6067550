/* dcanas — JSON files, plain or gzip'ed (read with zlib). */
#ifndef DCANAS_JSONFILE_H
#define DCANAS_JSONFILE_H

#include <jansson.h>
#include <dcanas/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Load path (gzip detected by content). Returns a new reference or NULL with
 * err naming the file, line and column. */
json_t *dca_json_load_file(const char *path, dca_error *err);
/* The members named in keys[n_keys] of the top-level object of path (plain
 * or gzip), read only as far as needed: reading stops once every key has
 * been seen (or at the object's end), so a header written before a large
 * table costs a few KiB of input, not the whole file. Every value is parsed
 * by Jansson; members met before the wanted ones are parsed and dropped.
 * Returns a new object with the keys found (the first of duplicates), or
 * NULL with err naming the file and the byte offset of a syntax error. */
json_t *dca_json_load_members(const char *path, const char *const *keys,
			      size_t n_keys, dca_error *err);
/* Write j to path atomically (temp file + rename), so an interrupted write
 * never leaves a half file. flags as json_dumpf. */
int dca_json_save_file(const json_t *j, const char *path, size_t flags, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
