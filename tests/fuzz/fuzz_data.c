/* libFuzzer harness: the data readers on any file (FUZZ_READER: cifar10,
 * cifar100 — binary records, gzip or not —, idx — images and labels, the
 * input split at its first byte's share —, or image — a JPEG or PNG for
 * image folders, decoded). The reader's source is compiled in. Beside no
 * crash or sanitizer report: what a reader accepts is a data set with
 * labels within its classes (a decoded image, a size), and a refusal says
 * why. */
#include "fuzz_file.h"

#if defined(FUZZ_IMAGE)
#include "../../core/data/folder.c"
#elif defined(FUZZ_IDX)
#include "../../core/data/idx.c"
#else
#include "../../core/data/cifar.c"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dca_error err = { 0 };
	dca_dataset d;

	memset(&d, 0, sizeof d);
#if defined(FUZZ_IMAGE)
	{
		char msg[MSG];
		int w = 0, h = 0, png = size > 0 && data[0] == 0x89;
		const char *path = fuzz_as_file(data, size, png ? ".png" : ".jpg");
		unsigned char *px = NULL;

		if (!path)
			return 0;
		msg[0] = '\0';
		/* at the default input's size, as the program decodes */
		px = png ? decode_png(path, &w, &h, msg) : decode_jpeg(path, 32, 32, &w, &h, msg);
		if (px)
			FUZZ_REQUIRE(w > 0 && h > 0);
		else
			FUZZ_REQUIRE(msg[0] != '\0');
		free(px);
		(void)err;
	}
#elif defined(FUZZ_IDX)
	{
		/* the first byte: where the images file ends and labels begin */
		size_t cut = size ? (size_t)data[0] * (size - 1) / 255 + 1 : 0;
		static char images[300];
		const char *p;

		if (!size)
			return 0;
		p = fuzz_as_file(data + 1, cut - 1, "-images");
		if (!p)
			return 0;
		snprintf(images, sizeof images, "%s", p);
		if (!(p = fuzz_as_file(data + cut, size - cut, "-labels")))
			return 0;
		if (dca_idx_load(&d, images, p, &err) == 0)
			FUZZ_REQUIRE_DATASET(d);
		else
			FUZZ_REQUIRE(err.msg[0] != '\0');
	}
#else
	{
		const char *path = fuzz_as_file(data, size, ".bin");
		const char *files[1] = { path };

		if (path && dca_cifar_load(&d, files, 1, FUZZ_CIFAR, &err) == 0)
			FUZZ_REQUIRE_DATASET(d);
		else if (path)
			FUZZ_REQUIRE(err.msg[0] != '\0');
	}
#endif
	dca_dataset_free(&d);
	return 0;
}
