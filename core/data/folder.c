/* dcanas — image folders: DIR/train/CLASS/IMAGE.{jpg,jpeg,png}, and DIR/val
 * or DIR/test beside it (torchvision's ImageFolder layout).
 *
 * Classes are the train folder's subfolders in sorted order (class i is the
 * i-th name). Every image is decoded (libjpeg, libpng), converted to the
 * wanted channels (grey: luma; colour: RGB, alpha dropped), centre-cropped
 * to the wanted aspect and resized by box averaging, then kept as 8-bit
 * pixels (n x C x H x W bytes; 50,000 images at 3x32x32 take 150 MB): in
 * memory, or on disk when beyond DCANAS_DATA_MEMORY (image_store.c).
 * Files decode in parallel.
 * An image that does not decode (corrupt, truncated, empty) is skipped
 * with a warning naming it; a class folder without one image is an error
 * naming it. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>

#include <dcanas/data.h>
#include <dcanas/train.h>

#include "image_store.h"

#define MSG 300

typedef struct image_file {
	char *path;
	int label;
	char msg[MSG];     /* why it did not decode; empty when it did */
} image_file;

/* 1: JPEG, 2: PNG, 0: not an image by its name */
static int image_kind(const char *name)
{
	const char *dot = strrchr(name, '.');
	char ext[8];
	size_t i;

	if (!dot || strlen(dot + 1) >= sizeof ext)
		return 0;
	for (i = 0; dot[1 + i]; i++)
		ext[i] = (char)tolower((unsigned char)dot[1 + i]);
	ext[i] = 0;
	if (!strcmp(ext, "jpg") || !strcmp(ext, "jpeg"))
		return 1;
	return !strcmp(ext, "png") ? 2 : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir that are folders (dirs = 1) or image files
 * (dirs = 0); dot-names skipped. NULL with err set when dir cannot be read. */
static char **list_dir(const char *dir, int dirs, int *n, dca_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, path[4096];
	int cap = 0;

	*n = 0;
	if (!d) {
		dca_error_set(err, DCA_ERR_IO, "%s: cannot read the folder", dir);
		return NULL;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) || (dirs ? !S_ISDIR(st.st_mode) :
					(!S_ISREG(st.st_mode) || !image_kind(e->d_name))))
			continue;
		if (*n == cap) {
			char **q = realloc(v, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *q);
			if (!q)
				goto oom;
			v = q;
		}
		if (!(v[*n] = strdup(e->d_name)))
			goto oom;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, (size_t)*n, sizeof *v, by_name);
	return v ? v : calloc(1, sizeof *v);
oom:
	closedir(d);
	while (*n > 0)
		free(v[--*n]);
	free(v);
	dca_error_set(err, DCA_ERR_NOMEM, "out of memory listing %s", dir);
	return NULL;
}

static void free_names(char **v, int n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/* ---- decoding: into 8-bit RGB, width x height x 3 ------------------- */

typedef struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char *msg;
} jpeg_fail;

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	jpeg_fail *f = (jpeg_fail *)cinfo->err;

	(*cinfo->err->format_message)(cinfo, f->msg);
	longjmp(f->jump, 1);
}

/* libjpeg's warnings (a truncated file is one: "Premature end of JPEG
 * file") are failures here: the image would be partly grey */
static void jpeg_fail_message(j_common_ptr cinfo, int level)
{
	if (level < 0)
		jpeg_fail_exit(cinfo);
}

/* The most pixels one image may decode to: 134M (402 MB of RGB, per
 * decoding thread). A JPEG is decoded scaled down first (below), so only a
 * header that claims more than this at 1/8 of its size is refused. */
#define DECODE_MAX_PIXELS ((size_t)1 << 27)

static int too_large(unsigned w, unsigned h, char *msg)
{
	if ((size_t)w * h <= DECODE_MAX_PIXELS)
		return 0;
	snprintf(msg, MSG, "an image of %ux%u pixels: more than dcanas decodes "
		 "(%zu million pixels)", w, h, DECODE_MAX_PIXELS / 1000000);
	return 1;
}

/* The JPEG decoded at 1/8, 1/4, 1/2 or full size: the smallest of those
 * that still covers ow x oh (libjpeg scales in the DCT, cheaply and
 * well), so a photo costs a fraction of its full decode. */
static unsigned char *decode_jpeg(const char *path, int ow, int oh, int *w, int *h,
				  char *msg)
{
	struct jpeg_decompress_struct cinfo;
	jpeg_fail fail;
	unsigned char *volatile rgb = NULL;
	FILE *f = fopen(path, "rb");
	JSAMPROW row;

	if (!f) {
		snprintf(msg, MSG, "cannot open it");
		return NULL;
	}
	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.emit_message = jpeg_fail_message;
	fail.msg = msg;
	if (setjmp(fail.jump)) {
		jpeg_destroy_decompress(&cinfo);
		fclose(f);
		free(rgb);
		return NULL;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, f);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_RGB;
	cinfo.scale_num = 1;
	for (cinfo.scale_denom = 8; cinfo.scale_denom > 1; cinfo.scale_denom /= 2)
		if ((cinfo.image_width + cinfo.scale_denom - 1) / cinfo.scale_denom >= (unsigned)ow &&
		    (cinfo.image_height + cinfo.scale_denom - 1) / cinfo.scale_denom >= (unsigned)oh)
			break;
	jpeg_calc_output_dimensions(&cinfo);
	if (too_large(cinfo.output_width, cinfo.output_height, msg))
		longjmp(fail.jump, 1);
	jpeg_start_decompress(&cinfo);
	*w = (int)cinfo.output_width;
	*h = (int)cinfo.output_height;
	if (!(rgb = malloc((size_t)*w * *h * 3))) {
		snprintf(msg, MSG, "out of memory for %dx%d pixels", *w, *h);
		longjmp(fail.jump, 1);
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		row = rgb + (size_t)cinfo.output_scanline * *w * 3;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	fclose(f);
	return rgb;
}

static unsigned char *decode_png(const char *path, int *w, int *h, char *msg)
{
	png_image img;
	unsigned char *rgb;

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		snprintf(msg, MSG, "%s", img.message);
		return NULL;
	}
	img.format = PNG_FORMAT_RGB;   /* grey widened, alpha composed on black */
	if (too_large(img.width, img.height, msg)) {
		png_image_free(&img);
		return NULL;
	}
	if (!(rgb = malloc(PNG_IMAGE_SIZE(img)))) {
		png_image_free(&img);
		snprintf(msg, MSG, "out of memory for %ux%u pixels", img.width, img.height);
		return NULL;
	}
	if (!png_image_finish_read(&img, NULL, rgb, 0, NULL)) {
		snprintf(msg, MSG, "%s", img.message);
		png_image_free(&img);
		free(rgb);
		return NULL;
	}
	*w = (int)img.width;
	*h = (int)img.height;
	return rgb;
}

/* The centre crop of rgb (sw x sh) with the aspect of ow x oh, resized by
 * averaging the source pixels under each output pixel (the nearest one
 * when enlarging), into c planes (1: luma, 3: RGB) at out. */
static void crop_resize(const unsigned char *rgb, int sw, int sh, int c, int oh,
			int ow, unsigned char *out)
{
	double cw = sw, ch = sh, x0 = 0, y0 = 0, sx, sy;
	int oy, ox, k;

	if ((double)sw * oh > (double)sh * ow) {       /* wider: crop the sides */
		cw = (double)sh * ow / oh;
		x0 = (sw - cw) / 2;
	} else {
		ch = (double)sw * oh / ow;
		y0 = (sh - ch) / 2;
	}
	sx = cw / ow;
	sy = ch / oh;
	for (oy = 0; oy < oh; oy++) {
		int ya = (int)floor(y0 + oy * sy), yb = (int)ceil(y0 + (oy + 1) * sy);
		if (yb <= ya)
			yb = ya + 1;
		if (yb > sh)
			yb = sh;
		for (ox = 0; ox < ow; ox++) {
			int xa = (int)floor(x0 + ox * sx), xb = (int)ceil(x0 + (ox + 1) * sx);
			double sum[3] = { 0, 0, 0 };
			int y, x, n;

			if (xb <= xa)
				xb = xa + 1;
			if (xb > sw)
				xb = sw;
			for (y = ya; y < yb; y++)
				for (x = xa; x < xb; x++)
					for (k = 0; k < 3; k++)
						sum[k] += rgb[((size_t)y * sw + x) * 3 + k];
			n = (yb - ya) * (xb - xa);
			if (c == 1)
				out[oy * ow + ox] = (unsigned char)((0.299 * sum[0] + 0.587 * sum[1] +
								     0.114 * sum[2]) / n + 0.5);
			else
				for (k = 0; k < 3; k++)
					out[((size_t)k * oh + oy) * ow + ox] =
						(unsigned char)(sum[k] / n + 0.5);
		}
	}
}

/* decode and resize every file into d (n slots); a file that fails gets
 * its reason in msg and label -1 */
static void decode_all(image_file *files, int n, int c, int h, int w, unsigned char *px)
{
	int i;

#pragma omp parallel for schedule(dynamic, 4)
	for (i = 0; i < n; i++) {
		int sw = 0, sh = 0;
		unsigned char *rgb = image_kind(files[i].path) == 1 ?
			decode_jpeg(files[i].path, w, h, &sw, &sh, files[i].msg) :
			decode_png(files[i].path, &sw, &sh, files[i].msg);

		if (rgb && (sw < 1 || sh < 1)) {
			snprintf(files[i].msg, MSG, "an image of %dx%d pixels", sw, sh);
			free(rgb);
			rgb = NULL;
		}
		if (!rgb) {
			if (!files[i].msg[0])
				snprintf(files[i].msg, MSG, "it does not decode");
			continue;
		}
		crop_resize(rgb, sw, sh, c, h, w, px + (size_t)i * c * h * w);
		free(rgb);
	}
}

/* One split: the images of root/<class> for each of the classes (names,
 * sorted), decoded into d. A class of the split that train does not have
 * (classes != NULL: its names) is an error, as is one without images. */
static int load_split(const char *root, char **classes, int n_classes, int c, int h,
		      int w, FILE *log, dca_dataset *d, dca_error *err)
{
	char **sub, dir[4096];
	int n_sub, i, j, k, n = 0, cap = 0, rc = 0;
	image_file *files = NULL;
	double t0 = dca_seconds();

	memset(d, 0, sizeof *d);
	if (!(sub = list_dir(root, 1, &n_sub, err)))
		return DCA_ERR_IO;
	for (i = 0; i < n_sub && !rc; i++) {
		char **names;
		int n_names, label = -1;

		for (j = 0; j < n_classes; j++)
			if (!strcmp(classes[j], sub[i]))
				label = j;
		if (label < 0) {
			rc = dca_error_set(err, DCA_ERR_INVALID, "%s/%s: a class the "
					   "training folder does not have (its classes: "
					   "%s ... %s)", root, sub[i], classes[0],
					   classes[n_classes - 1]);
			break;
		}
		snprintf(dir, sizeof dir, "%s/%s", root, sub[i]);
		if (!(names = list_dir(dir, 0, &n_names, err))) {
			rc = DCA_ERR_IO;
			break;
		}
		if (n_names == 0)
			rc = dca_error_set(err, DCA_ERR_INVALID, "%s: a class folder "
					   "without images (.jpg, .jpeg, .png): add some "
					   "or remove the folder", dir);
		for (k = 0; k < n_names && !rc; k++) {
			if (n == cap) {
				image_file *q = realloc(files, (size_t)(cap = cap ? 2 * cap : 256) *
							sizeof *q);
				if (!q) {
					rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
					break;
				}
				files = q;
			}
			files[n].label = label;
			files[n].msg[0] = 0;
			files[n].path = malloc(strlen(dir) + strlen(names[k]) + 2);
			if (!files[n].path) {
				rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
				break;
			}
			sprintf(files[n].path, "%s/%s", dir, names[k]);
			n++;
		}
		free_names(names, n_names);
	}
	free_names(sub, n_sub);
	if (!rc && n == 0)
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: no class folders with "
				   "images (expected %s/<class>/*.jpg or *.png)", root, root);
	if (!rc) {
		size_t per = (size_t)c * h * w;
		int *count = calloc((size_t)n_classes, sizeof *count), kept = 0;

		d->labels = malloc((size_t)n * sizeof *d->labels);
		if (!count || !d->labels) {
			free(count);
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = dca_images_alloc((size_t)n * per, &d->images, err))) {
			free(count);
			goto out;
		}
		decode_all(files, n, c, h, w, d->images);
		for (i = 0; i < n; i++) {
			if (files[i].msg[0]) {
				if (log)
					fprintf(log, "dcanas: warning: skipping %s: %s\n",
						files[i].path, files[i].msg);
				continue;
			}
			if (kept != i)
				memmove(d->images + (size_t)kept * per,
					d->images + (size_t)i * per, per);
			d->labels[kept++] = files[i].label;
			count[files[i].label]++;
		}
		d->n = kept;
		for (j = 0; j < n_classes && !rc; j++) {
			snprintf(dir, sizeof dir, "%s/%s", root, classes[j]);
			if (count[j] == 0) {
				struct stat st;
				/* a class of train missing from val/test is fine */
				if (stat(dir, &st) == 0)
					rc = dca_error_set(err, DCA_ERR_INVALID, "%s: none of "
							   "its images decodes (see the "
							   "warnings above)", dir);
			}
		}
		free(count);
		if (log && !rc)
			fprintf(log, "data: %s: %d images decoded to %dx%dx%d in %.1f s "
				"(%.0f images/s)%s\n", root, kept, c, h, w,
				dca_seconds() - t0, kept / fmax(dca_seconds() - t0, 1e-9),
				kept < n ? ", some skipped" : "");
	}
out:
	for (i = 0; i < n; i++)
		free(files[i].path);
	free(files);
	if (rc) {
		dca_dataset_free(d);
		return rc;
	}
	d->c = c;
	d->h = h;
	d->w = w;
	d->classes = n_classes;
	d->max_value = 255.0f;
	snprintf(d->name, sizeof d->name, "folder");
	return 0;
}

int dca_folder_load(const char *dir, int c, int h, int w, FILE *log,
		    dca_dataset *train, dca_dataset *test, dca_error *err)
{
	char root[4096], other[4096];
	char **classes;
	int n_classes, rc;
	struct stat st;

	memset(train, 0, sizeof *train);
	memset(test, 0, sizeof *test);
	if (c != 1 && c != 3)
		return dca_error_set(err, DCA_ERR_INVALID, "folder data: %d channels; "
				     "images are read as grey (1) or colour (3)", c);
	snprintf(root, sizeof root, "%s/train", dir);
	if (stat(root, &st) || !S_ISDIR(st.st_mode))
		return dca_error_set(err, DCA_ERR_IO, "%s: no train folder; folder data "
				     "is DIR/train/<class>/*.{jpg,png}, with DIR/val or "
				     "DIR/test beside it", dir);
	if (!(classes = list_dir(root, 1, &n_classes, err)))
		return DCA_ERR_IO;
	if (n_classes < 2) {
		free_names(classes, n_classes);
		return dca_error_set(err, DCA_ERR_INVALID, "%s: %d class folder%s; a "
				     "classifier needs at least 2", root, n_classes,
				     n_classes == 1 ? "" : "s");
	}
	rc = load_split(root, classes, n_classes, c, h, w, log, train, err);
	snprintf(other, sizeof other, "%s/val", dir);
	if (stat(other, &st) || !S_ISDIR(st.st_mode))
		snprintf(other, sizeof other, "%s/test", dir);
	if (!rc && stat(other, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = load_split(other, classes, n_classes, c, h, w, log, test, err);
	} else if (!rc) {
		/* no held-out folder: a fixed share of each class */
		dca_dataset all = *train;

		if (log)
			fprintf(log, "data: %s has no val or test folder: 20%% of each "
				"class held out for testing (seed 42)\n", dir);
		rc = dca_dataset_split(&all, 0.2f, 0, 42, train, test, err);
		dca_dataset_free(&all);
	}
	free_names(classes, n_classes);
	if (rc) {
		dca_dataset_free(train);
		dca_dataset_free(test);
	}
	return rc;
}
