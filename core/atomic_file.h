/* dcanas — write a file atomically: into PATH.tmpPID, then fsync and rename,
 * so an interrupted write never leaves a half file at PATH; and open one for
 * reading only when it is a regular file (private). */
#ifndef DCANAS_ATOMIC_FILE_H
#define DCANAS_ATOMIC_FILE_H

#include <stdio.h>

#include <dcanas/error.h>

typedef struct dcap_atomic_file {
	FILE *f;
	char *tmp;
	const char *path;   /* borrowed */
} dcap_atomic_file;

/* Open the temporary file; 0 or an error naming it. */
int dcap_atomic_open(dcap_atomic_file *af, const char *path, dca_error *err);
/* Flush, sync, close and rename into place; with write_failed set (or on
 * any failure) the temporary file is removed instead. 0 or an error. */
int dcap_atomic_commit(dcap_atomic_file *af, int write_failed, dca_error *err);

/* Open path for reading when it is a regular file, without blocking on a
 * FIFO: its fd; -1 with errno set when it cannot be opened (the caller
 * words that); -2 with err set when it is a FIFO, a device or a folder,
 * which would block or never end. */
int dcap_open_regular(const char *path, dca_error *err);

#endif
