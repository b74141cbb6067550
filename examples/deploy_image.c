/* Run a network exported by `dcanas export --format c --name net` on one
 * image: a binary PPM (P6, colour) or PGM (P5, grey) file of the network's
 * input size, e.g. made with `convert photo.jpg -resize 32x32! img.ppm`.
 * Prints the class with the largest logit, then every logit.
 *
 *   dcanas export --weights W.dcaw --format c --name net --out net.c
 *   cc -std=c99 -O2 -o classify deploy_image.c net.c
 *   ./classify img.ppm
 *
 * Plain C99 and the exported files; nothing else. */
#include <stdio.h>

#include "net.h"

static float image[net_INPUT_C * net_INPUT_H * net_INPUT_W];
static unsigned char pixels[net_INPUT_H * net_INPUT_W * 3];

/* the next number of a PNM header, skipping blanks and # comments */
static int header_number(FILE *f)
{
	int c, v = 0, digits = 0;

	while ((c = getc(f)) != EOF) {
		if (c == '#')
			while ((c = getc(f)) != EOF && c != '\n')
				;
		else if (c >= '0' && c <= '9') {
			v = 10 * v + (c - '0');
			digits++;
		} else if (digits)
			break;            /* one blank ends the number */
	}
	return digits ? v : -1;
}

int main(int argc, char **argv)
{
	float logits[net_CLASSES];
	int kind, w, h, maxval, planes, best = 0, c, p;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: %s IMAGE.ppm|IMAGE.pgm (%dx%d)\n", argv[0],
			net_INPUT_W, net_INPUT_H);
		return 2;
	}
	kind = getc(f) == 'P' ? getc(f) : 0;
	planes = kind == '6' ? 3 : kind == '5' ? 1 : 0;
	w = header_number(f);
	h = header_number(f);
	maxval = header_number(f);
	if (!planes || w != net_INPUT_W || h != net_INPUT_H || maxval < 1 || maxval > 255 ||
	    fread(pixels, (size_t)planes, (size_t)w * h, f) != (size_t)w * h) {
		fprintf(stderr, "%s: not a binary PPM/PGM of %dx%d with 8-bit samples\n",
			argv[1], net_INPUT_W, net_INPUT_H);
		return 1;
	}
	fclose(f);
	/* interleaved pixels to channels first, in [0, 1]; a grey image
	 * fills every channel, a colour one is averaged for a grey network */
	for (c = 0; c < net_INPUT_C; c++)
		for (p = 0; p < w * h; p++) {
			float v;
			if (planes == 1)
				v = pixels[p];
			else if (net_INPUT_C == 1)
				v = (pixels[3 * p] + pixels[3 * p + 1] + pixels[3 * p + 2]) / 3.0f;
			else
				v = pixels[3 * p + (c < 3 ? c : 2)];
			image[c * w * h + p] = v / (float)maxval;
		}
	net_run(image, logits);
	for (c = 1; c < net_CLASSES; c++)
		if (logits[c] > logits[best])
			best = c;
	printf("class %d\n", best);
	for (c = 0; c < net_CLASSES; c++)
		printf("%d %g\n", c, logits[c]);
	return 0;
}
