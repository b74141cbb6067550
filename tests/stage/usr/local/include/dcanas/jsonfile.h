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
/* Write j to path atomically (temp file + rename), so an interrupted write
 * never leaves a half file. flags as json_dumpf. */
int dca_json_save_file(const json_t *j, const char *path, size_t flags, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
