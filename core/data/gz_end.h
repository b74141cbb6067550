/* dcanas — the end of a gzip data file (private; core/data/gz_end.c). */
#ifndef DCANAS_GZ_END_H
#define DCANAS_GZ_END_H

#include <stdint.h>

#include <dcanas/error.h>

/* 0 when path is not gzip, or its gzip data runs to the end of the file;
 * else an error naming the bytes that follow it. size_read: the bytes the
 * reader decompressed from it. */
int dcap_gz_check_end(const char *path, uint64_t size_read, dca_error *err);

#endif
