/* dcanas — the blocks that hold decoded images (private; core/data/image_store.c):
 * in memory up to DCANAS_DATA_MEMORY, beyond it in a mapped file on disk. */
#ifndef DCANAS_IMAGE_STORE_H
#define DCANAS_IMAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <dcanas/error.h>

/* n bytes for images: memory while the blocks held stay within the limit,
 * else a mapped file (said once on stderr). NULL with err set on failure. */
uint8_t *dca_images_alloc(size_t n, dca_error *err);
/* Release a block from dca_images_alloc, or from malloc/realloc. */
void dca_images_free(uint8_t *p);

#endif
