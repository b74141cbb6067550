/* libFuzzer harness: the ImageNet16 pickle interpreter (core/data/
 * imagenet16.c) on arbitrary bytes, the input a hostile or corrupt batch
 * file gives it. Beside no crash or sanitizer report: what it accepts has
 * labels 1..120 stored as classes 0..119, and a refusal says why. Build and
 * run: sh tests/fuzz/run.sh pickle SECONDS. */
#include "../../core/data/imagenet16.c"
#include "fuzz_file.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dca_dataset d;
	dca_error err = { 0 };
	size_t cap = 0;

	memset(&d, 0, sizeof d);
	if (parse_batch(data, size, "fuzz", &d, &cap, &err) == 0) {
		for (int i = 0; i < d.n; i++)
			FUZZ_REQUIRE(d.labels[i] >= 0 && d.labels[i] < 120);
	} else {
		FUZZ_REQUIRE(err.msg[0] != '\0');
	}
	dca_dataset_free(&d);
	return 0;
}
