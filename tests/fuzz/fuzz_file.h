/* Shared by the file-reader harnesses: libFuzzer's bytes as a file (the
 * readers take paths), one per process, rewritten for each input. */
#ifndef DCANAS_FUZZ_FILE_H
#define DCANAS_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a reader promises of any input, checked on each: a broken promise
 * aborts, which libFuzzer reports as a crash with the input kept. */
#define FUZZ_REQUIRE(cond)                                                  \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz: %s:%d: %s does not hold\n", \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

/* a data set a reader returned: images, labels within its classes */
#define FUZZ_REQUIRE_DATASET(d)                                             \
	do {                                                                \
		FUZZ_REQUIRE((d).n > 0 && (d).images && (d).labels &&       \
			     (d).classes > 0 && (d).c > 0 && (d).h > 0 &&   \
			     (d).w > 0);                                    \
		for (int k_ = 0; k_ < (d).n; k_++)                          \
			FUZZ_REQUIRE((d).labels[k_] >= 0 &&                 \
				     (d).labels[k_] < (d).classes);         \
	} while (0)

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
