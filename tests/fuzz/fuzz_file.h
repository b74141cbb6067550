/* Shared by the file-reader harnesses: libFuzzer's bytes as a file (the
 * readers take paths), one per process, rewritten for each input. */
#ifndef DCANAS_FUZZ_FILE_H
#define DCANAS_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as the file at the returned path (suffix: its name's end, which
 * some readers go by); NULL when it cannot be written */
static const char *fuzz_as_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/dcanas-fuzz-%ld%s",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid(), suffix);
	if (!(f = fopen(path, "wb")))
		return NULL;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	return path;
}

/* data as a NUL-terminated string (new) */
static char *fuzz_as_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	if (t) {
		for (size_t i = 0; i < size; i++)
			t[i] = (char)data[i];
		t[size] = '\0';
	}
	return t;
}

#endif
