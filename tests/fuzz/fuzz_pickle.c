/* libFuzzer harness: the ImageNet16 pickle interpreter (core/data/
 * imagenet16.c) on arbitrary bytes, the input a hostile or corrupt batch
 * file gives it. Build and run: sh tests/fuzz/run.sh pickle SECONDS. */
#include "../../core/data/imagenet16.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dca_dataset d;
	dca_error err = { 0 };
	size_t cap = 0;

	memset(&d, 0, sizeof d);
	parse_batch(data, size, "fuzz", &d, &cap, &err);
	dca_dataset_free(&d);
	return 0;
}
