/* dcanas — the blocks that hold decoded images (private; core/data/image_store.c):
 * in memory up to DCANAS_DATA_MEMORY, beyond it in a mapped file on disk. */
#ifndef DCANAS_IMAGE_STORE_H
#define DCANAS_IMAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <dcanas/error.h>

/* *out = n bytes for images: memory while the blocks held stay within the
 * limit, else a mapped file (said once on stderr, by the rank that writes
 * the terminal). 0, or the error's code with err set and *out NULL. */
int dca_images_alloc(size_t n, uint8_t **out, dca_error *err);
/* Release a block from dca_images_alloc, or from malloc/realloc. */
void dca_images_free(uint8_t *p);

#endif
