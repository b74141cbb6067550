/* libFuzzer harness: weights files (core/engine/weights.c): every array
 * it hands out is read to its end, as a model load would. */
#include "../../core/engine/weights.c"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_as_file(data, size, ".dcaw");
	dca_weights_file f;
	dca_error err = { 0 };
	volatile float sink = 0;
	int i;

	if (!path)
		return 0;
	if (dca_weights_open(path, &f, &err)) {
		FUZZ_REQUIRE(err.msg[0] != '\0');     /* a refusal says why */
		return 0;
	}
	FUZZ_REQUIRE(f.count >= 0 && f.meta != NULL);
	for (i = 0; i < f.count; i++) {
		const dca_named_array *a = &f.arrays[i];
		size_t n = (size_t)a->n * a->c * a->h * a->w;

		/* float-aligned, readable to its end, found by its name */
		FUZZ_REQUIRE(a->name && ((uintptr_t)a->data % sizeof(float)) == 0);
		for (size_t k = 0; k < n; k++)
			sink += a->data[k];
		FUZZ_REQUIRE(dca_weights_find(&f, a->name) != NULL);
	}
	dca_weights_close(&f);
	return 0;
}
