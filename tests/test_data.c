/* Data: CIFAR and IDX readers, splits, stats, the batch loader. */
#include "config.h"
#include "check_main.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <png.h>

#include <zlib.h>

#include <sys/resource.h>

#include <dcanas/comm.h>
#include <dcanas/data.h>
#include <dcanas/tensor.h>

#define MINI_TRAIN "cifar10-mini/train_1000.bin.gz"
#define MINI_TEST "cifar10-mini/test_200.bin.gz"
#define DIGITS_IMG "digits8x8/digits8x8-images-idx3-ubyte.gz"
#define DIGITS_LAB "digits8x8/digits8x8-labels-idx1-ubyte.gz"
#define FASHION "/usr/share/datasets/fashion-mnist/"

static char tmpdir[256];

/* A private scratch folder, made by main() before Check forks the tests
 * and removed at exit. */
static int tmp_init(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/dca_test_data_XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) != NULL;
}

static const char *tmp_path(const char *name, char *buf, size_t n)
{
	ck_assert(tmpdir[0] != '\0');
	snprintf(buf, n, "%s/%s", tmpdir, name);
	return buf;
}

static void tmp_cleanup(void)
{
	char cmd[300];
	if (tmpdir[0] && strstr(tmpdir, "dca_test_data_")) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

/* Whole decompressed contents of a (gzip) file; *len receives the size. */
static unsigned char *slurp(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	unsigned char *b = malloc(cap);
	int r;

	ck_assert_ptr_nonnull(gz);
	for (;;) {
		if (n == cap)
			b = realloc(b, cap *= 2);
		r = gzread(gz, b + n, (unsigned)(cap - n));
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	gzclose(gz);
	*len = n;
	return b;
}

static void write_file(const char *path, const void *buf, size_t len, int gzip)
{
	if (gzip) {
		gzFile gz = gzopen(path, "wb");
		ck_assert_ptr_nonnull(gz);
		ck_assert_int_eq(gzwrite(gz, buf, (unsigned)len), (int)len);
		ck_assert_int_eq(gzclose(gz), Z_OK);
	} else {
		FILE *f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
		fclose(f);
	}
}

static void count_classes(const dca_dataset *d, int *cnt)
{
	int i, bad = 0;
	memset(cnt, 0, sizeof(int) * (size_t)d->classes);
	/* One assertion at the end: Check's are slow under valgrind. */
	for (i = 0; i < d->n; i++) {
		if (d->labels[i] < 0 || d->labels[i] >= d->classes)
			bad++;
		else
			cnt[d->labels[i]]++;
	}
	ck_assert_int_eq(bad, 0);
}

static void load_mini(dca_dataset *d, const char *rel)
{
	char buf[1024];
	const char *p = test_data_file(rel, buf, sizeof buf);
	dca_error err = { 0 };
	ck_assert_msg(dca_cifar_load(d, &p, 1, 0, &err) == 0, "%s", err.msg);
}

static void load_digits(dca_dataset *d)
{
	char a[1024], b[1024];
	const char *pi = test_data_file(DIGITS_IMG, a, sizeof a);
	const char *pl = test_data_file(DIGITS_LAB, b, sizeof b);
	dca_error err = { 0 };
	ck_assert_msg(dca_idx_load(d, pi, pl, &err) == 0, "%s", err.msg);
}

/* ---- readers ---- */

START_TEST(cifar_mini)
{
	dca_dataset d;
	int cnt[10], k;
	const size_t last = (size_t)999 * 3072;

	load_mini(&d, MINI_TRAIN);
	ck_assert_int_eq(d.n, 1000);
	ck_assert_int_eq(d.c, 3);
	ck_assert_int_eq(d.h, 32);
	ck_assert_int_eq(d.w, 32);
	ck_assert_int_eq(d.classes, 10);
	ck_assert_float_eq(d.max_value, 255.0f);
	ck_assert_str_eq(d.name, "cifar10");
	count_classes(&d, cnt);
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(cnt[k], 100);
	/* Expected values read with python3 (gzip module) from the raw bytes
	 * of train_1000.bin.gz: record 0 has label 2, R(0,0)=201, G(0,0)=201,
	 * B(0,0)=199, R(5,7)=192, B(31,31)=57; record 999 has label 6 and
	 * G(10,20)=160. */
	ck_assert_int_eq(d.labels[0], 2);
	ck_assert_int_eq(d.images[0], 201);
	ck_assert_int_eq(d.images[1024], 201);
	ck_assert_int_eq(d.images[2048], 199);
	ck_assert_int_eq(d.images[5 * 32 + 7], 192);
	ck_assert_int_eq(d.images[3071], 57);
	ck_assert_int_eq(d.labels[999], 6);
	ck_assert_int_eq(d.images[last + 1024 + 10 * 32 + 20], 160);
	dca_dataset_free(&d);
	ck_assert_ptr_null(d.images);

	load_mini(&d, MINI_TEST);
	ck_assert_int_eq(d.n, 200);
	count_classes(&d, cnt);
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(cnt[k], 20);
	/* python3: test_200 record 0 has label 5, R(0,0)=27, B(31,31)=156;
	 * record 199 has label 8, G(10,20)=131. */
	ck_assert_int_eq(d.labels[0], 5);
	ck_assert_int_eq(d.images[0], 27);
	ck_assert_int_eq(d.images[3071], 156);
	ck_assert_int_eq(d.labels[199], 8);
	ck_assert_int_eq(d.images[(size_t)199 * 3072 + 1024 + 10 * 32 + 20], 131);
	dca_dataset_free(&d);
}
END_TEST

START_TEST(cifar_dirs)
{
	char buf[1024], dir[1024];
	dca_dataset d;
	dca_error err = { 0 };
	int cnt[10], k;

	test_data_file("cifar10-mini", buf, sizeof buf);
	ck_assert_msg(dca_cifar10_load_dir(&d, buf, 1, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n, 1000);
	dca_dataset_free(&d);
	ck_assert_msg(dca_cifar10_load_dir(&d, buf, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n, 200);
	dca_dataset_free(&d);

	/* The full set's test batch: 10000 records, 1000 per class. */
	ck_assert_ptr_nonnull(test_data_file("cifar10", dir, sizeof dir));
	ck_assert_msg(dca_cifar10_load_dir(&d, dir, 0, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n, 10000);
	count_classes(&d, cnt);
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(cnt[k], 1000);
	dca_dataset_free(&d);

	/* A folder without CIFAR files: the message lists what was looked for. */
	ck_assert_int_eq(dca_cifar10_load_dir(&d, tmp_path("", buf, sizeof buf), 1, &err),
			 DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, "data_batch_1..5") && strstr(err.msg, "train_1000") &&
		      strstr(err.msg, tmpdir), "%s", err.msg);
	ck_assert_ptr_null(d.images);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_cifar10_load_dir(&d, tmpdir, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, "test_batch") && strstr(err.msg, "test_200"), "%s",
		      err.msg);
}
END_TEST

START_TEST(cifar_bad_files)
{
	char src[1024], path[512];
	const char *p = path;
	unsigned char *raw, *gzbytes;
	size_t len, glen;
	dca_dataset d;
	dca_error err = { 0 };
	FILE *f;

	test_data_file(MINI_TRAIN, src, sizeof src);
	raw = slurp(src, &len);
	ck_assert_uint_eq(len, 3073000);

	/* Cut inside record 3, plain and gzip: offset 3 * 3073 = 9219. */
	write_file(tmp_path("cut.bin", path, sizeof path), raw, 3073 * 3 + 100, 0);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "offset 9219") &&
		      strstr(err.msg, "truncated") && strstr(err.msg, "3073 bytes"),
		      "%s", err.msg);
	ck_assert_ptr_null(d.images);
	ck_assert_int_eq(d.n, 0);
	dca_error_clear(&err);
	write_file(tmp_path("cut.bin.gz", path, sizeof path), raw, 3073 * 3 + 100, 1);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "offset 9219"), "%s", err.msg);
	dca_error_clear(&err);
	/* Read as CIFAR-100 the first record's (coarse, fine) bytes are
	 * (2, 201): the fine label is out of range. */
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 1, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, "record 0") && strstr(err.msg, "label 201"), "%s",
		      err.msg);
	dca_error_clear(&err);

	/* A label out of range: record 1 (offset 3073) says 12. */
	raw[3073] = 12;
	write_file(tmp_path("badlabel.bin", path, sizeof path), raw, 3073 * 4, 0);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "record 1") &&
		      strstr(err.msg, "offset 3073") && strstr(err.msg, "label 12"),
		      "%s", err.msg);
	dca_error_clear(&err);
	raw[3073] = 1;

	/* Corrupt gzip: the compressed stream cut in half. */
	write_file(tmp_path("whole.bin.gz", path, sizeof path), raw, 3073 * 50, 1);
	f = fopen(path, "rb");
	gzbytes = malloc(1 << 20);
	glen = fread(gzbytes, 1, 1 << 20, f);
	fclose(f);
	write_file(tmp_path("half.bin.gz", path, sizeof path), gzbytes, glen / 2, 0);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "offset"), "%s", err.msg);
	dca_error_clear(&err);
	/* Garbage in the middle of the deflate data. */
	memset(gzbytes + glen / 3, 0x5a, 64);
	write_file(tmp_path("garbled.bin.gz", path, sizeof path), gzbytes, glen, 0);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "offset"), "%s", err.msg);
	dca_error_clear(&err);

	/* Missing file; and two files concatenate. */
	tmp_path("nope.bin", path, sizeof path);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) != NULL, "%s", err.msg);
	dca_error_clear(&err);
	{
		char a[512], b[512];
		const char *two[2] = { a, b };
		write_file(tmp_path("a.bin", a, sizeof a), raw, 3073 * 2, 0);
		write_file(tmp_path("b.bin.gz", b, sizeof b), raw + 3073 * 2, 3073 * 3, 1);
		ck_assert_msg(dca_cifar_load(&d, two, 2, 0, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(d.n, 5);
		ck_assert_int_eq(d.labels[2], raw[3073 * 2]);
		ck_assert_int_eq(d.images[2 * 3072 + 5], raw[3073 * 2 + 1 + 5]);
		dca_dataset_free(&d);
	}
	/* Bytes after the gzip data (a page appended to a download): refused,
	 * naming where the gzip data ends; two gzip members are one file. */
	write_file(tmp_path("junk.bin.gz", path, sizeof path), raw, 3073 * 5, 1);
	f = fopen(path, "rb");
	glen = fread(gzbytes, 1, 1 << 20, f);
	fclose(f);
	memcpy(gzbytes + glen, "<html>404</html>\n", 17);
	write_file(path, gzbytes, glen + 17, 0);
	ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "17 bytes after the gzip data"),
		      "%s", err.msg);
	{
		char want[64];
		snprintf(want, sizeof want, "from byte offset %zu", glen);
		ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
	}
	dca_error_clear(&err);
	{
		char a[512], cmd[2048];
		write_file(tmp_path("m1.gz", a, sizeof a), raw, 3073 * 2, 1);
		write_file(tmp_path("m2.gz", path, sizeof path), raw + 3073 * 2, 3073 * 3, 1);
		snprintf(cmd, sizeof cmd, "cat '%s' '%s' > '%s/two.bin.gz'", a, path, tmpdir);
		ck_assert_int_eq(system(cmd), 0);
		tmp_path("two.bin.gz", path, sizeof path);
		ck_assert_msg(dca_cifar_load(&d, &p, 1, 0, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(d.n, 5);
		dca_dataset_free(&d);
		/* and junk after the second member */
		snprintf(cmd, sizeof cmd, "printf 'junk' >> '%s'", path);
		ck_assert_int_eq(system(cmd), 0);
		ck_assert_int_eq(dca_cifar_load(&d, &p, 1, 0, &err), DCA_ERR_IO);
		ck_assert_msg(strstr(err.msg, "4 bytes after the gzip data"), "%s", err.msg);
		dca_error_clear(&err);
	}
	free(gzbytes);
	free(raw);
}
END_TEST

/* A generated CIFAR-100 file (record = coarse label, fine label, 3072
 * pixels) read with its fine and with its coarse labels, by kind and
 * through the loader of --data; a coarse label out of range is refused. */
START_TEST(cifar100_fine_and_coarse)
{
	enum { N = 60, REC = 3074 };
	unsigned char *raw = malloc((size_t)N * REC);
	char dir[512], path[600];
	dca_dataset tr, te;
	dca_augment aug;
	dca_error err = { 0 };
	int i;

	for (i = 0; i < N; i++) {
		raw[(size_t)i * REC] = (unsigned char)(i % 20);
		raw[(size_t)i * REC + 1] = (unsigned char)(i % 20 * 5 + i % 5);
		memset(raw + (size_t)i * REC + 2, i, 3072);
	}
	tmp_path("c100", dir, sizeof dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof path, "%s/train.bin", dir);
	write_file(path, raw, (size_t)N * REC, 0);
	snprintf(path, sizeof path, "%s/test.bin.gz", dir);
	write_file(path, raw, (size_t)40 * REC, 1);

	ck_assert_msg(dca_dataset_load("cifar100", dir, &tr, &te, &aug, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tr.classes, 100);
	ck_assert_int_eq(tr.n, N);
	ck_assert_int_eq(te.n, 40);
	ck_assert_int_eq(tr.labels[7], 7 * 5 + 2);
	ck_assert_int_eq(tr.images[7 * 3072 + 100], 7);
	ck_assert_str_eq(tr.name, "cifar100");
	dca_dataset_free(&tr);
	dca_dataset_free(&te);

	ck_assert_msg(dca_dataset_load("cifar100-coarse", dir, &tr, &te, &aug, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(tr.classes, 20);
	ck_assert_int_eq(tr.labels[7], 7);
	ck_assert_int_eq(tr.labels[27], 7);
	ck_assert_int_eq(te.labels[39], 19);
	ck_assert_int_eq(tr.images[27 * 3072], 27);
	ck_assert_str_eq(tr.name, "cifar100-coarse");
	{
		int c, h, w, k;
		ck_assert_int_eq(dca_dataset_kind_shape("cifar100-coarse", &c, &h, &w, &k, &err), 0);
		ck_assert_int_eq(k, 20);
	}
	dca_dataset_free(&tr);
	dca_dataset_free(&te);

	/* record 3's coarse label 25: not a superclass */
	raw[3 * REC] = 25;
	snprintf(path, sizeof path, "%s/train.bin", dir);
	write_file(path, raw, (size_t)N * REC, 0);
	ck_assert_int_ne(dca_dataset_load("cifar100-coarse", dir, &tr, &te, &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "record 3") && strstr(err.msg, "coarse label 25") &&
		      strstr(err.msg, "train.bin"), "%s", err.msg);
	dca_error_clear(&err);
	/* the fine reading refuses it too: the record is malformed either way */
	ck_assert_int_ne(dca_dataset_load("cifar100", dir, &tr, &te, &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "coarse label 25"), "%s", err.msg);
	free(raw);
}
END_TEST

/* ---- image folders: JPEG and PNG files written with the same libraries ---- */

/* a w x h image of one colour (rgb), as JPEG (quality 95) */
static void write_jpeg(const char *path, int w, int h, const unsigned char *rgb)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr em;
	unsigned char *row = malloc((size_t)w * 3);
	FILE *f = fopen(path, "wb");
	int x;

	ck_assert_ptr_nonnull(f);
	for (x = 0; x < w; x++)
		memcpy(row + 3 * x, rgb, 3);
	ci.err = jpeg_std_error(&em);
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_set_quality(&ci, 95, TRUE);
	jpeg_start_compress(&ci, TRUE);
	while (ci.next_scanline < ci.image_height)
		jpeg_write_scanlines(&ci, &row, 1);
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	fclose(f);
	free(row);
}

/* a w x h PNG: grey (channels 1), RGB (3) or RGBA (4) of one colour; its
 * left half (channels 3) another colour, to see the centre crop */
static void write_png(const char *path, int w, int h, int channels,
		      const unsigned char *px, const unsigned char *left)
{
	png_image img;
	unsigned char *buf = malloc((size_t)w * h * channels);
	int i;

	for (i = 0; i < w * h; i++)
		memcpy(buf + (size_t)i * channels, left && i % w < w / 2 ? left : px,
		       (size_t)channels);
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = channels == 1 ? PNG_FORMAT_GRAY : channels == 3 ? PNG_FORMAT_RGB :
		     PNG_FORMAT_RGBA;
	ck_assert_msg(png_image_write_to_file(&img, path, 0, buf, 0, NULL), "%s", img.message);
	free(buf);
}

static void mkdirs(const char *root, const char *sub)
{
	char p[700];

	snprintf(p, sizeof p, "%s/%s", root, sub);
	ck_assert_int_eq(mkdir(p, 0700), 0);
}

/* DIR/train/{cat,dog,emu} (JPEG, grey and RGBA PNG of several sizes, and
 * a truncated JPEG, a PNG with a bad CRC, an empty file), DIR/test/{cat,
 * emu}: classes by sorted name, centre crop and resize, bad files skipped
 * with a warning naming them, the split's classes checked. */
START_TEST(folder_images)
{
	static const unsigned char red[3] = { 200, 20, 20 }, blue[3] = { 10, 30, 220 };
	static const unsigned char grey[1] = { 128 }, rgba[4] = { 0, 200, 0, 255 };
	char root[512], p[800], log_path[600], line[1000];
	dca_dataset tr, te;
	dca_augment aug;
	dca_error err = { 0 };
	FILE *log;
	int i, warnings = 0;
	size_t plane = 32 * 32;

	tmp_path("images", root, sizeof root);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	mkdirs(root, "train");
	mkdirs(root, "train/cat");
	mkdirs(root, "train/dog");
	mkdirs(root, "train/emu");
	mkdirs(root, "test");
	mkdirs(root, "test/cat");
	mkdirs(root, "test/emu");
	for (i = 0; i < 6; i++) {
		snprintf(p, sizeof p, "%s/train/cat/c%d.jpg", root, i);
		write_jpeg(p, 40 + i, 30, red);
		/* 64x32, left half red, right half blue: the centre crop
		 * keeps half of each */
		snprintf(p, sizeof p, "%s/train/dog/d%d.PNG", root, i);
		write_png(p, 64, 32, 3, blue, red);
		snprintf(p, sizeof p, "%s/train/emu/e%d.png", root, i);
		write_png(p, 20, 24, i % 2 ? 1 : 4, i % 2 ? grey : rgba, NULL);
	}
	snprintf(p, sizeof p, "%s/test/cat/t.jpeg", root);
	write_jpeg(p, 32, 32, red);
	snprintf(p, sizeof p, "%s/test/emu/t.png", root);
	write_png(p, 16, 16, 1, grey, NULL);
	/* not images: a text file, a hidden file */
	snprintf(p, sizeof p, "%s/train/cat/notes.txt", root);
	write_file(p, "hello", 5, 0);
	/* bad files: a JPEG cut in half, a PNG with its CRC broken, 0 bytes */
	{
		size_t len;
		unsigned char *b;
		snprintf(p, sizeof p, "%s/train/cat/c0.jpg", root);
		b = slurp(p, &len);      /* gzread reads plain files as they are */
		snprintf(p, sizeof p, "%s/train/cat/cut.jpg", root);
		write_file(p, b, len / 2, 0);
		free(b);
		snprintf(p, sizeof p, "%s/train/dog/d0.PNG", root);
		b = slurp(p, &len);
		b[29] ^= 0xff;           /* a byte of IHDR's CRC */
		snprintf(p, sizeof p, "%s/train/dog/badcrc.png", root);
		write_file(p, b, len, 0);
		free(b);
		snprintf(p, sizeof p, "%s/train/emu/empty.png", root);
		write_file(p, "", 0, 0);
	}
	tmp_path("folder.log", log_path, sizeof log_path);
	log = fopen(log_path, "w");
	ck_assert_msg(dca_dataset_load_at("folder", root, 3, 32, 32, log, &tr, &te, &aug,
					  &err) == 0, "%s", err.msg);
	fclose(log);
	ck_assert_int_eq(tr.classes, 3);
	ck_assert_int_eq(tr.n, 18);
	ck_assert_int_eq(te.n, 2);
	ck_assert_int_eq(tr.c, 3);
	ck_assert_int_eq(tr.h, 32);
	/* sorted: cat 0, dog 1, emu 2; files in sorted order */
	ck_assert_int_eq(tr.labels[0], 0);
	ck_assert_int_eq(tr.labels[6], 1);
	ck_assert_int_eq(tr.labels[17], 2);
	ck_assert_int_eq(te.labels[1], 2);
	/* a red JPEG stays red (JPEG's loss is a few levels) */
	ck_assert_int_lt(abs(tr.images[0] - 200), 8);
	ck_assert_int_lt(abs(tr.images[2 * plane] - 20), 8);
	/* the dog's centre crop: red on the left, blue on the right */
	ck_assert_int_eq(tr.images[6 * 3 * plane + 0], 200);
	ck_assert_int_eq(tr.images[6 * 3 * plane + 31], 10);
	ck_assert_int_eq(tr.images[6 * 3 * plane + 2 * plane + 31], 220);
	/* the RGBA emu (opaque green) and the grey one widened to RGB */
	ck_assert_int_eq(tr.images[12 * 3 * plane + plane + 5], 200);
	ck_assert_int_eq(tr.images[13 * 3 * plane + 2 * plane + 5], 128);
	ck_assert(aug.flip && aug.crop_pad == DCA_AUG_RESIZED_CROP);
	log = fopen(log_path, "r");
	while (fgets(line, sizeof line, log))
		if (strstr(line, "warning: skipping")) {
			warnings++;
			ck_assert_msg(strstr(line, "cut.jpg") || strstr(line, "badcrc.png") ||
				      strstr(line, "empty.png"), "%s", line);
		}
	fclose(log);
	ck_assert_int_eq(warnings, 3);
	dca_dataset_free(&tr);
	dca_dataset_free(&te);

	/* grey, 16x16: the luma of red */
	ck_assert_msg(dca_dataset_load_at("folder", root, 1, 16, 16, NULL, &tr, &te, &aug,
					  &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tr.c, 1);
	ck_assert_int_lt(abs(tr.images[0] - (int)(0.299 * 200 + 0.587 * 20 + 0.114 * 20 + 0.5)), 8);
	dca_dataset_free(&tr);
	dca_dataset_free(&te);

	/* a test class the training folder lacks: named */
	mkdirs(root, "test/fox");
	snprintf(p, sizeof p, "%s/test/fox/f.png", root);
	write_png(p, 8, 8, 1, grey, NULL);
	ck_assert_int_ne(dca_dataset_load_at("folder", root, 3, 32, 32, NULL, &tr, &te,
					     &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "test/fox") && strstr(err.msg, "does not have"),
		      "%s", err.msg);
	dca_error_clear(&err);
	snprintf(p, sizeof p, "rm -r '%s/test'", root);
	ck_assert_int_eq(system(p), 0);
	/* no test folder: 20% of each class held out, seed 42 */
	ck_assert_msg(dca_dataset_load_at("folder", root, 3, 32, 32, NULL, &tr, &te, &aug,
					  &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tr.n + te.n, 18);
	ck_assert_int_ge(te.n, 3);
	dca_dataset_free(&tr);
	dca_dataset_free(&te);
	/* an empty class folder: named */
	mkdirs(root, "train/gnu");
	ck_assert_int_ne(dca_dataset_load_at("folder", root, 3, 32, 32, NULL, &tr, &te,
					     &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "train/gnu") && strstr(err.msg, "without images"),
		      "%s", err.msg);
	dca_error_clear(&err);
	/* a fixed-shape kind asked for another input */
	ck_assert_int_ne(dca_dataset_load_at("cifar10", root, 3, 16, 16, NULL, &tr, &te,
					     &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "only folder data is resized"), "%s", err.msg);
	dca_error_clear(&err);
	/* no train folder */
	ck_assert_int_ne(dca_dataset_load_at("folder", "/nonexistent", 3, 32, 32, NULL, &tr,
					     &te, &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "no train folder"), "%s", err.msg);
}
END_TEST

START_TEST(digits)
{
	dca_dataset d;
	static const int want[10] = { 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 };
	int cnt[10], k;

	load_digits(&d);
	ck_assert_int_eq(d.n, 1797);
	ck_assert_int_eq(d.c, 1);
	ck_assert_int_eq(d.h, 8);
	ck_assert_int_eq(d.w, 8);
	ck_assert_int_eq(d.classes, 10);
	ck_assert_float_eq(d.max_value, 16.0f);
	ck_assert_str_eq(d.name, "digits8x8");
	count_classes(&d, cnt);
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(cnt[k], want[k]);
	/* python3: labels start 0..9; image 0 row 0 is 0 0 5 13 9 1 0 0. */
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(d.labels[k], k);
	ck_assert_int_eq(d.images[2], 5);
	ck_assert_int_eq(d.images[3], 13);
	ck_assert_int_eq(d.images[4], 9);
	dca_dataset_free(&d);
}
END_TEST

/* A header that promises far more images than the file holds: refused as
 * truncated, after reading what is there — never a buffer of the promised
 * size first (32 GiB here; the address space is capped at 1 GiB so the old
 * allocation would fail as "out of memory"; not under ASan, which reserves
 * more than that). Found by tests/fuzz/run.sh idx. */
START_TEST(idx_promise_beyond_data)
{
	static const unsigned char img[16 + 4] = { 0, 0, 8, 3, 8, 0, 0, 0, 0, 0, 0, 16,
						   0, 0, 0, 16, 1, 2, 3, 4 };
	static const unsigned char lab[8 + 1] = { 0, 0, 8, 1, 0, 0, 0, 1, 0 };
	char pi[512], pl[512];
	dca_dataset d;
	dca_error err = { 0 };
	struct rlimit was, cap;

	write_file(tmp_path("promise-img", pi, sizeof pi), img, sizeof img, 0);
	write_file(tmp_path("promise-lab", pl, sizeof pl), lab, sizeof lab, 0);
	getrlimit(RLIMIT_AS, &was);
	cap = was;
#ifndef __SANITIZE_ADDRESS__
	cap.rlim_cur = (rlim_t)1 << 30;
	setrlimit(RLIMIT_AS, &cap);
#endif
	ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
	setrlimit(RLIMIT_AS, &was);
	ck_assert_msg(strstr(err.msg, "truncated") && strstr(err.msg, pi), "%s", err.msg);
}
END_TEST

START_TEST(idx_bad_files)
{
	char si[1024], sl[1024], pi[512], pl[512];
	unsigned char *img, *lab;
	size_t ilen, llen;
	dca_dataset d;
	dca_error err = { 0 };

	test_data_file(DIGITS_IMG, si, sizeof si);
	test_data_file(DIGITS_LAB, sl, sizeof sl);
	img = slurp(si, &ilen);
	lab = slurp(sl, &llen);
	ck_assert_uint_eq(ilen, 16 + 1797 * 64);
	ck_assert_uint_eq(llen, 8 + 1797);
	write_file(tmp_path("lab.gz", pl, sizeof pl), lab, llen, 1);

	/* Plain (not gzip) copies load the same. */
	write_file(tmp_path("img-plain", pi, sizeof pi), img, ilen, 0);
	ck_assert_msg(dca_idx_load(&d, pi, pl, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n, 1797);
	dca_dataset_free(&d);

	/* Junk after the labels' gzip data: refused, naming the labels file. */
	{
		char cmd[1200];
		write_file(tmp_path("img-ok.gz", pi, sizeof pi), img, ilen, 1);
		write_file(tmp_path("lab-junk.gz", pl, sizeof pl), lab, llen, 1);
		snprintf(cmd, sizeof cmd, "printf 'xyz' >> '%s'", pl);
		ck_assert_int_eq(system(cmd), 0);
		ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
		ck_assert_msg(strstr(err.msg, pl) && strstr(err.msg, "3 bytes after the gzip data"),
			      "%s", err.msg);
		dca_error_clear(&err);
		write_file(tmp_path("lab.gz", pl, sizeof pl), lab, llen, 1);
	}

	/* Wrong magic. */
	img[3] = 0x04;
	write_file(tmp_path("img-magic.gz", pi, sizeof pi), img, ilen, 1);
	ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, pi) && strstr(err.msg, "magic 0x00000804"), "%s",
		      err.msg);
	ck_assert_ptr_null(d.images);
	dca_error_clear(&err);
	img[3] = 0x03;

	/* Swapped arguments are named as such. */
	ck_assert_int_eq(dca_idx_load(&d, pl, si, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, "swapped") != NULL, "%s", err.msg);
	dca_error_clear(&err);

	/* Images cut short inside image 10: data ends at 16 + 645 = 661. */
	write_file(tmp_path("img-cut.gz", pi, sizeof pi), img, 16 + 645, 1);
	ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, pi) && strstr(err.msg, "truncated") &&
		      strstr(err.msg, "offset 661"), "%s", err.msg);
	dca_error_clear(&err);

	/* Header cut short. */
	write_file(tmp_path("img-hdr", pi, sizeof pi), img, 10, 0);
	ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, "truncated") && strstr(err.msg, "offset 10"), "%s",
		      err.msg);
	dca_error_clear(&err);

	/* Labels: fewer than images, and cut short. */
	write_file(tmp_path("img.gz", pi, sizeof pi), img, ilen, 1);
	lab[6] = 0;
	lab[7] = 5;
	write_file(tmp_path("lab-few", pl, sizeof pl), lab, 8 + 5, 0);
	ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, pl) && strstr(err.msg, "5 labels") &&
		      strstr(err.msg, "1797 images"), "%s", err.msg);
	dca_error_clear(&err);
	lab[6] = 0x07;
	lab[7] = 0x05;
	write_file(tmp_path("lab-cut", pl, sizeof pl), lab, 8 + 1000, 0);
	ck_assert_int_eq(dca_idx_load(&d, pi, pl, &err), DCA_ERR_IO);
	ck_assert_msg(strstr(err.msg, pl) && strstr(err.msg, "offset 1008"), "%s", err.msg);
	dca_error_clear(&err);
	free(img);
	free(lab);
}
END_TEST

/* Debian's dataset-fashion-mnist, when installed; 0 (and a message) when
 * not */
static int have_fashion(void)
{
	if (access(FASHION "train-images-idx3-ubyte.gz", R_OK) == 0 &&
	    access(FASHION "train-labels-idx1-ubyte.gz", R_OK) == 0)
		return 1;
	fprintf(stderr, "SKIP: Fashion-MNIST not installed in " FASHION
		" (apt-get install dataset-fashion-mnist)\n");
	return 0;
}

START_TEST(fashion_mnist)
{
	dca_dataset d;
	dca_error err = { 0 };
	int cnt[10], k;

	ck_assert_msg(dca_idx_load(&d, FASHION "train-images-idx3-ubyte.gz",
				   FASHION "train-labels-idx1-ubyte.gz", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n, 60000);
	ck_assert_int_eq(d.c, 1);
	ck_assert_int_eq(d.h, 28);
	ck_assert_int_eq(d.w, 28);
	ck_assert_int_eq(d.classes, 10);
	ck_assert_float_eq(d.max_value, 255.0f);
	ck_assert_str_eq(d.name, "fashion-mnist");
	count_classes(&d, cnt);
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(cnt[k], 6000);
	dca_dataset_free(&d);
}
END_TEST

/* ---- splits ---- */

/* n samples with uneven classes; image i holds i in its first two bytes. */
static void synth(dca_dataset *d, const int *counts, int classes)
{
	int k, i, n = 0;
	memset(d, 0, sizeof *d);
	for (k = 0; k < classes; k++)
		n += counts[k];
	d->images = calloc((size_t)n, 4);
	d->labels = malloc((size_t)n * sizeof(int));
	for (i = 0; i < n; i++) {
		d->images[4 * i] = (uint8_t)(i & 255);
		d->images[4 * i + 1] = (uint8_t)(i >> 8);
	}
	/* Interleave the classes so grouping is exercised. */
	for (i = 0, k = 0; i < n; k = (k + 1) % classes) {
		int used = 0, j;
		for (j = 0; j < i; j++)
			used += d->labels[j] == k;
		if (used < counts[k])
			d->labels[i++] = k;
	}
	d->n = n;
	d->c = 1;
	d->h = 2;
	d->w = 2;
	d->classes = classes;
	d->max_value = 255;
	snprintf(d->name, sizeof d->name, "synth");
}

static int synth_id(const dca_dataset *d, int i)
{
	return d->images[4 * i] | d->images[4 * i + 1] << 8;
}

/* train and val together hold every sample of d exactly once, with its label. */
static void check_partition(const dca_dataset *d, const dca_dataset *a,
			    const dca_dataset *b)
{
	int *seen = calloc((size_t)d->n, sizeof(int)), i;
	ck_assert_int_eq(a->n + b->n, d->n);
	for (i = 0; i < a->n; i++) {
		int id = synth_id(a, i);
		ck_assert_int_lt(id, d->n);
		ck_assert_int_eq(a->labels[i], d->labels[id]);
		seen[id]++;
	}
	for (i = 0; i < b->n; i++) {
		int id = synth_id(b, i);
		ck_assert_int_lt(id, d->n);
		ck_assert_int_eq(b->labels[i], d->labels[id]);
		seen[id]++;
	}
	for (i = 0; i < d->n; i++)
		ck_assert_int_eq(seen[i], 1);
	free(seen);
}

/* an MNIST-layout folder with n images of h x w and the given labels */
static void write_idx_split(const char *dir, const char *prefix, int n, int h, int w,
			    const unsigned char *labels)
{
	unsigned char img[16 + 4096], lab[8 + 64];
	char path[1200];
	size_t i;

	memset(img, 7, sizeof img);
	memset(img, 0, 16);
	memcpy(img, "\0\0\x08\x03", 4);
	for (i = 0; i < 3; i++) {
		int v = i == 0 ? n : i == 1 ? h : w;
		img[4 + 4 * i + 3] = (unsigned char)v;
		img[4 + 4 * i + 2] = (unsigned char)(v >> 8);
	}
	memcpy(lab, "\0\0\x08\x01", 4);
	memset(lab + 4, 0, 4);
	lab[7] = (unsigned char)n;
	memcpy(lab + 8, labels, (size_t)n);
	snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, prefix);
	write_file(path, img, 16 + (size_t)n * h * w, 0);
	snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, prefix);
	write_file(path, lab, 8 + (size_t)n, 0);
}

/* what the networks need of a pair of splits, checked at load (issue 12):
 * a test label the classifier has no output for, another image shape, and
 * images too small to halve twice, each an error naming the folder */
START_TEST(pair_checks)
{
	static const unsigned char tr[] = { 0, 1, 1 }, bad[] = { 0, 5 }, ok[] = { 1, 0 };
	char dir[300];
	dca_dataset a, b;
	dca_augment aug;
	dca_error err = { 0 };

	tmp_path("pair", dir, sizeof dir);
	ck_assert_int_eq(mkdir(dir, 0777), 0);
	write_idx_split(dir, "train", 3, 8, 8, tr);
	write_idx_split(dir, "t10k", 2, 8, 8, bad);
	ck_assert_int_ne(dca_dataset_load("mnist", dir, &a, &b, &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "label 5") && strstr(err.msg, dir), "%s", err.msg);
	dca_error_clear(&err);      /* the first error is kept otherwise */
	write_idx_split(dir, "t10k", 2, 8, 9, ok);
	ck_assert_int_ne(dca_dataset_load("mnist", dir, &a, &b, &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "1x8x9 but the training images 1x8x8"), "%s", err.msg);
	dca_error_clear(&err);
	write_idx_split(dir, "train", 3, 1, 1, tr);
	write_idx_split(dir, "t10k", 2, 1, 1, ok);
	ck_assert_int_ne(dca_dataset_load("mnist", dir, &a, &b, &aug, &err), 0);
	ck_assert_msg(strstr(err.msg, "too small"), "%s", err.msg);
	dca_error_clear(&err);
	write_idx_split(dir, "train", 3, 8, 8, tr);
	write_idx_split(dir, "t10k", 2, 8, 8, ok);
	ck_assert_msg(dca_dataset_load("mnist", dir, &a, &b, &aug, &err) == 0, "%s", err.msg);
	dca_dataset_free(&a);
	dca_dataset_free(&b);
}
END_TEST

START_TEST(split_fraction)
{
	static const int counts[5] = { 71, 61, 50, 40, 28 };
	dca_dataset d, tr, va;
	dca_error err = { 0 };
	int cnt[10], k;

	synth(&d, counts, 5);
	ck_assert_msg(dca_dataset_split(&d, 0.25f, 0, 7, &tr, &va, &err) == 0, "%s", err.msg);
	check_partition(&d, &tr, &va);
	count_classes(&va, cnt);
	for (k = 0; k < 5; k++)
		ck_assert_int_eq(cnt[k], (int)lround(0.25 * counts[k]));
	ck_assert_int_eq(tr.classes, 5);
	ck_assert_int_eq(tr.c, 1);
	ck_assert_float_eq(va.max_value, 255.0f);
	dca_dataset_free(&tr);
	dca_dataset_free(&va);
	dca_dataset_free(&d);
}
END_TEST

/* Real data: digits, 10% per class. */
START_TEST(split_fraction_digits)
{
	dca_dataset d, tr, va;
	dca_error err = { 0 };
	int cnt[10];

	load_digits(&d);
	ck_assert_msg(dca_dataset_split(&d, 0.1f, 0, 1, &tr, &va, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(va.n, 179);  /* 18 x 9 + round(17.4) = 17 */
	ck_assert_int_eq(tr.n, 1797 - 179);
	count_classes(&va, cnt);
	ck_assert_int_eq(cnt[8], 17);
	ck_assert_int_eq(cnt[0], 18);
	dca_dataset_free(&tr);
	dca_dataset_free(&va);
	dca_dataset_free(&d);
}
END_TEST

START_TEST(split_count)
{
	static const int counts[5] = { 71, 61, 50, 40, 28 };
	static const int want[5] = { 29, 24, 20, 16, 11 };  /* 28.4 24.4 20 16 11.2 + 1 */
	dca_dataset d, tr, va;
	dca_error err = { 0 };
	int cnt[5], k;

	synth(&d, counts, 5);
	ck_assert_msg(dca_dataset_split(&d, 0, 100, 3, &tr, &va, &err) == 0, "%s", err.msg);
	check_partition(&d, &tr, &va);
	ck_assert_int_eq(va.n, 100);
	count_classes(&va, cnt);
	for (k = 0; k < 5; k++)
		ck_assert_int_eq(cnt[k], want[k]);
	dca_dataset_free(&tr);
	dca_dataset_free(&va);

	/* Errors: no side may be empty; the fraction must be in (0,1). */
	ck_assert_int_eq(dca_dataset_split(&d, 0, 250, 3, &tr, &va, &err), DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "250") != NULL, "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_dataset_split(&d, 0.0f, 0, 3, &tr, &va, &err), DCA_ERR_INVALID);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_dataset_split(&d, 1.0f, 0, 3, &tr, &va, &err), DCA_ERR_INVALID);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_dataset_split(&d, 0.001f, 0, 3, &tr, &va, &err), DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "empty") != NULL, "%s", err.msg);
	ck_assert_ptr_null(tr.images);
	ck_assert_ptr_null(va.images);
	dca_error_clear(&err);
	ck_assert_int_eq(dca_dataset_split(&d, 0.999f, 0, 3, &tr, &va, &err), DCA_ERR_INVALID);
	dca_dataset_free(&d);
}
END_TEST

START_TEST(split_seeded)
{
	static const int counts[3] = { 40, 30, 30 };
	dca_dataset d, t1, v1, t2, v2, t3, v3;
	dca_error err = { 0 };

	synth(&d, counts, 3);
	ck_assert_int_eq(dca_dataset_split(&d, 0.3f, 0, 42, &t1, &v1, &err), 0);
	ck_assert_int_eq(dca_dataset_split(&d, 0.3f, 0, 42, &t2, &v2, &err), 0);
	ck_assert_int_eq(dca_dataset_split(&d, 0.3f, 0, 43, &t3, &v3, &err), 0);
	ck_assert_int_eq(v1.n, 30);
	ck_assert_int_eq(v1.n, v2.n);
	ck_assert_int_eq(memcmp(v1.images, v2.images, (size_t)v1.n * 4), 0);
	ck_assert_int_eq(memcmp(t1.images, t2.images, (size_t)t1.n * 4), 0);
	ck_assert_int_eq(v1.n, v3.n);
	ck_assert_int_ne(memcmp(v1.images, v3.images, (size_t)v1.n * 4), 0);
	dca_dataset_free(&t1);
	dca_dataset_free(&v1);
	dca_dataset_free(&t2);
	dca_dataset_free(&v2);
	dca_dataset_free(&t3);
	dca_dataset_free(&v3);
	dca_dataset_free(&d);
}
END_TEST

START_TEST(subset_and_stats)
{
	dca_dataset d, s;
	dca_error err = { 0 };
	dca_augment aug;
	int cnt[10], k;

	load_mini(&d, MINI_TRAIN);
	ck_assert_msg(dca_dataset_subset(&d, 7, &s, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(s.n, 70);
	count_classes(&s, cnt);
	for (k = 0; k < 10; k++)
		ck_assert_int_eq(cnt[k], 7);
	/* File order is kept: the first sample is the dataset's first. */
	ck_assert_int_eq(s.labels[0], d.labels[0]);
	ck_assert_int_eq(memcmp(s.images, d.images, 3072), 0);
	dca_dataset_free(&s);
	ck_assert_int_eq(dca_dataset_subset(&d, 0, &s, &err), DCA_ERR_INVALID);

	/* python3 over train_1000 (population std, pixel / 255):
	 * mean 0.486849 0.480645 0.445650, std 0.241610 0.240177 0.260118. */
	dca_dataset_stats(&d, &aug);
	ck_assert_float_eq_tol(aug.mean[0], 0.486849f, 1e-5f);
	ck_assert_float_eq_tol(aug.mean[1], 0.480645f, 1e-5f);
	ck_assert_float_eq_tol(aug.mean[2], 0.445650f, 1e-5f);
	ck_assert_float_eq_tol(aug.std[0], 0.241610f, 1e-5f);
	ck_assert_float_eq_tol(aug.std[1], 0.240177f, 1e-5f);
	ck_assert_float_eq_tol(aug.std[2], 0.260118f, 1e-5f);
	ck_assert_float_eq(aug.mean[3], 0.0f);
	ck_assert_float_eq(aug.std[3], 1.0f);
	dca_dataset_free(&d);
}
END_TEST

/* ---- loader ---- */

START_TEST(loader_batches)
{
	dca_dataset d;
	dca_augment aug = { 0 };
	dca_loader l;
	dca_graph *g;
	dca_tensor *x;
	int *lab, b, nb = 0, seen = 0;
	float want;

	load_mini(&d, MINI_TRAIN);
	dca_dataset_stats(&d, &aug);
	ck_assert_int_eq(dca_loader_init(&l, &d, 64, 0, &aug, 1), 0);
	ck_assert_int_eq(dca_loader_batches(&l), 16);
	g = dca_graph_new();
	while ((b = dca_loader_next(&l, g, &x, &lab)) > 0) {
		int i;
		ck_assert_int_eq(x->n, b);
		ck_assert_int_eq(x->c, 3);
		ck_assert_int_eq(x->h, 32);
		ck_assert_int_eq(x->w, 32);
		ck_assert_int_eq(b, nb < 15 ? 64 : 1000 - 15 * 64);
		/* No shuffle: file order. */
		for (i = 0; i < b; i++)
			ck_assert_int_eq(lab[i], d.labels[seen + i]);
		if (nb == 0) {
			/* Record 0: R(0,0) = 201, B(31,31) = 57. */
			want = (201.0f / 255.0f - aug.mean[0]) / aug.std[0];
			ck_assert_float_eq_tol(x->data[0], want, 1e-5f);
			want = (57.0f / 255.0f - aug.mean[2]) / aug.std[2];
			ck_assert_float_eq_tol(x->data[3071], want, 1e-5f);
		}
		seen += b;
		nb++;
		dca_graph_reset(g);
	}
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(nb, 16);
	ck_assert_int_eq(seen, 1000);
	ck_assert_int_eq(dca_loader_next(&l, g, &x, &lab), 0);
	/* A new epoch starts over. */
	dca_loader_epoch(&l);
	ck_assert_int_eq(dca_loader_next(&l, g, &x, &lab), 64);
	dca_loader_free(&l);

	/* Bad arguments. */
	ck_assert_int_ne(dca_loader_init(&l, &d, 0, 0, &aug, 1), 0);
	aug.std[1] = 0;
	ck_assert_int_ne(dca_loader_init(&l, &d, 8, 0, &aug, 1), 0);
	dca_graph_free(g);
	dca_dataset_free(&d);
}
END_TEST

/* The unaugmented, normalised sample s into out. */
static void plain(const dca_dataset *d, const dca_augment *aug, int s, float *out)
{
	int c, i;
	for (c = 0; c < d->c; c++)
		for (i = 0; i < d->h * d->w; i++)
			out[c * d->h * d->w + i] =
				(d->images[((size_t)s * d->c + c) * d->h * d->w + i] / d->max_value -
				 aug->mean[c]) / aug->std[c];
}

START_TEST(loader_flip_crop)
{
	dca_dataset d;
	dca_augment aug = { 0 };
	dca_loader l;
	dca_graph *g;
	dca_tensor *x;
	int *lab, b, i, c, y, xx, flipped = 0, cropped = 0, cnt[10] = { 0 };
	float ref[3072];

	load_mini(&d, MINI_TRAIN);
	dca_dataset_stats(&d, &aug);
	g = dca_graph_new();

	/* Flip only: each output is the image or its mirror, about half each. */
	aug.flip = 1;
	ck_assert_int_eq(dca_loader_init(&l, &d, 1000, 1, &aug, 5), 0);
	b = dca_loader_next(&l, g, &x, &lab);
	ck_assert_int_eq(b, 1000);
	for (i = 0; i < b; i++) {
		const float *o = x->data + (size_t)i * 3072;
		int s = l.order[i], is_same = 1, is_flip = 1;
		ck_assert_int_eq(lab[i], d.labels[s]);
		cnt[lab[i]]++;
		plain(&d, &aug, s, ref);
		for (c = 0; c < 3; c++)
			for (y = 0; y < 32; y++)
				for (xx = 0; xx < 32; xx++) {
					float v = o[(c * 32 + y) * 32 + xx];
					is_same &= fabsf(v - ref[(c * 32 + y) * 32 + xx]) < 1e-5f;
					is_flip &= fabsf(v - ref[(c * 32 + y) * 32 + 31 - xx]) < 1e-5f;
				}
		ck_assert_msg(is_same || is_flip, "sample %d is neither itself nor its mirror", s);
		flipped += is_flip && !is_same;
	}
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(cnt[i], 100);
	ck_assert_msg(flipped > 400 && flipped < 600, "flipped %d of 1000", flipped);
	/* Shuffled: not file order. */
	for (i = 0, c = 0; i < 1000; i++)
		c += l.order[i] == i;
	ck_assert_int_lt(c, 50);
	dca_loader_free(&l);
	dca_graph_reset(g);

	/* Crop only (pad 4): each output is the image shifted by (dy,dx) in
	 * [-4,4]^2, the uncovered border being pixel 0, i.e. -mean/std. */
	aug.flip = 0;
	aug.crop_pad = 4;
	memset(cnt, 0, sizeof cnt);
	ck_assert_int_eq(dca_loader_init(&l, &d, 1000, 1, &aug, 6), 0);
	b = dca_loader_next(&l, g, &x, &lab);
	ck_assert_int_eq(b, 1000);
	for (i = 0; i < b; i++) {
		const float *o = x->data + (size_t)i * 3072;
		int s = l.order[i], dy, dx, found = 0;
		cnt[lab[i]]++;
		plain(&d, &aug, s, ref);
		for (dy = -4; dy <= 4 && !found; dy++)
			for (dx = -4; dx <= 4 && !found; dx++) {
				int ok = 1;
				for (c = 0; c < 3 && ok; c++)
					for (y = 0; y < 32 && ok; y++)
						for (xx = 0; xx < 32 && ok; xx++) {
							int sy = y + dy, sx = xx + dx;
							float want = (sy < 0 || sy > 31 || sx < 0 || sx > 31)
								? -aug.mean[c] / aug.std[c]
								: ref[(c * 32 + sy) * 32 + sx];
							ok = fabsf(o[(c * 32 + y) * 32 + xx] - want) < 1e-5f;
						}
				if (ok) {
					found = 1;
					cropped += dy != 0 || dx != 0;
				}
			}
		ck_assert_msg(found, "sample %d is not a shifted copy", s);
	}
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(cnt[i], 100);
	/* 1 in 81 offsets is (0,0). */
	ck_assert_msg(cropped > 900, "only %d of 1000 samples were shifted", cropped);
	dca_loader_free(&l);
	dca_graph_free(g);
	dca_dataset_free(&d);
}
END_TEST

/* All batches of two epochs, concatenated. */
static float *run_epochs(const dca_dataset *d, const dca_augment *aug, uint64_t seed,
			 int **labels_out)
{
	dca_loader l;
	dca_graph *g = dca_graph_new();
	size_t chw = (size_t)d->c * d->h * d->w, at = 0;
	float *all = malloc(2 * (size_t)d->n * chw * sizeof(float));
	int *labs = malloc(2 * (size_t)d->n * sizeof(int)), e, b, *lab;
	dca_tensor *x;

	ck_assert_int_eq(dca_loader_init(&l, d, 48, 1, aug, seed), 0);
	for (e = 0; e < 2; e++) {
		if (e)
			dca_loader_epoch(&l);
		while ((b = dca_loader_next(&l, g, &x, &lab)) > 0) {
			memcpy(all + at * chw, x->data, (size_t)b * chw * sizeof(float));
			memcpy(labs + at, lab, (size_t)b * sizeof(int));
			at += (size_t)b;
			dca_graph_reset(g);
		}
	}
	ck_assert_uint_eq(at, 2 * (size_t)d->n);
	dca_loader_free(&l);
	dca_graph_free(g);
	*labels_out = labs;
	return all;
}

START_TEST(loader_determinism)
{
	dca_dataset d, s;
	dca_error err = { 0 };
	dca_augment aug = { .crop_pad = 4, .flip = 1, .cutout = 16 };
	float *a, *b, *c;
	int *la, *lb, *lc;
	size_t bytes;

	load_mini(&d, MINI_TRAIN);
	ck_assert_int_eq(dca_dataset_subset(&d, 20, &s, &err), 0);
	dca_dataset_stats(&s, &aug);
	a = run_epochs(&s, &aug, 11, &la);
	b = run_epochs(&s, &aug, 11, &lb);
	c = run_epochs(&s, &aug, 12, &lc);
	bytes = 2 * (size_t)s.n * 3072 * sizeof(float);
	ck_assert_int_eq(memcmp(a, b, bytes), 0);
	ck_assert_int_eq(memcmp(la, lb, 2 * (size_t)s.n * sizeof(int)), 0);
	ck_assert_int_ne(memcmp(a, c, bytes), 0);
	ck_assert_int_ne(memcmp(la, lc, 2 * (size_t)s.n * sizeof(int)), 0);
	/* The two epochs of one run differ in order. */
	ck_assert_int_ne(memcmp(la, la + s.n, (size_t)s.n * sizeof(int)), 0);
	free(a);
	free(b);
	free(c);
	free(la);
	free(lb);
	free(lc);
	dca_dataset_free(&s);
	dca_dataset_free(&d);
}
END_TEST

/* Shards over ranks: each rank builds exactly its slice of the batch one
 * process draws (crops, flips and cutout included), the slices tile the
 * batch, and a batch smaller than the rank count is skipped by all. The
 * loader reads only the communicator's rank and size: a fake one serves. */
START_TEST(loader_shards)
{
	dca_dataset d = { 0 };
	dca_augment aug = { .crop_pad = 2, .flip = 1, .cutout = 3 };
	const int n = 37, batch = 10, chw = 3 * 8 * 8;
	int i, size, rank, c;

	d.n = n;
	d.c = 3;
	d.h = d.w = 8;
	d.classes = 5;
	d.max_value = 255;
	d.images = malloc((size_t)n * chw);
	d.labels = malloc((size_t)n * sizeof(int));
	for (i = 0; i < n * chw; i++)
		d.images[i] = (uint8_t)(i * 37 + i / 5);
	for (i = 0; i < n; i++)
		d.labels[i] = i % 5;
	for (c = 0; c < 3; c++) {
		aug.mean[c] = 0.5f;
		aug.std[c] = 0.25f;
	}
	for (size = 2; size <= 8; size *= 2)
		for (rank = 0; rank < size; rank++) {
			dca_comm fake = { .rank = rank, .size = size };
			dca_loader one, part;
			dca_graph *g1 = dca_graph_new(), *g2 = dca_graph_new();
			int epoch, b, got, gb;

			ck_assert_int_eq(dca_loader_init(&one, &d, batch, 1, &aug, 5), 0);
			ck_assert_int_eq(dca_loader_init(&part, &d, batch, 1, &aug, 5), 0);
			for (epoch = 0; epoch < 2; epoch++) {
				dca_loader_epoch(&one);
				dca_loader_epoch(&part);
				for (;;) {
					dca_tensor *x1, *x2;
					int *l1, *l2, lo, hi;

					dca_graph_reset(g1);
					dca_graph_reset(g2);
					b = dca_loader_next(&one, g1, &x1, &l1);
					dca_comm_set(&fake);
					got = dca_loader_next_shard(&part, g2, &x2, &l2, &gb);
					if (b > 0)
						dca_comm_shard(b, &lo, &hi);
					dca_comm_set(NULL);
					if (b > 0 && b < size) {  /* the last batch, 7 */
						ck_assert_int_eq(got, 0);
						break;
					}
					ck_assert_int_eq(gb, b > 0 ? b : 0);
					if (b <= 0) {
						ck_assert_int_eq(got, 0);
						break;
					}
					ck_assert_int_eq(got, hi - lo);
					ck_assert_int_gt(got, 0);
					ck_assert_int_eq(x2->n, got);
					ck_assert_int_eq(memcmp(x2->data, x1->data + (size_t)lo * chw,
								(size_t)got * chw * sizeof(float)), 0);
					ck_assert_int_eq(memcmp(l2, l1 + lo, (size_t)got * sizeof(int)), 0);
				}
			}
			dca_loader_free(&one);
			dca_loader_free(&part);
			dca_graph_free(g1);
			dca_graph_free(g2);
		}
	/* the shards tile a batch, contiguous, sizes within one of each other */
	for (size = 1; size <= 5; size++) {
		int next = 0;

		for (rank = 0; rank < size; rank++) {
			dca_comm fake = { .rank = rank, .size = size };
			int lo, hi;

			dca_comm_set(&fake);
			dca_comm_shard(13, &lo, &hi);
			dca_comm_set(NULL);
			ck_assert_int_eq(lo, next);
			ck_assert(hi - lo == 13 / size || hi - lo == 13 / size + 1);
			next = hi;
		}
		ck_assert_int_eq(next, 13);
	}
	/* one process: agreement is the identity, and nothing failed together */
	{
		dca_error err = { 0 };

		ck_assert_int_eq(dca_comm_size(), 1);
		ck_assert_int_eq(dca_comm_agree(DCA_ERR_IO, &err), DCA_ERR_IO);
		ck_assert_int_eq(dca_comm_agree(0, &err), 0);
		ck_assert_int_eq(dca_comm_same_text("a", "x", &err), 0);
	}
	dca_dataset_free(&d);
}
END_TEST

/* n 3x32x32 images of 2 classes (all label 0), pixels left to the caller */
static void planes_32(dca_dataset *d, int n)
{
	memset(d, 0, sizeof *d);
	d->n = n;
	d->c = 3;
	d->h = d->w = 32;
	d->classes = 2;
	d->max_value = 255;
	d->images = malloc((size_t)n * 3072);
	d->labels = calloc((size_t)n, sizeof(int));
	ck_assert(d->images && d->labels);
}

START_TEST(loader_resized_crop)
{
	/* Images that are a ramp along x (8 per pixel), mean 0 / std 1: a
	 * random-resized crop keeps every row the same, monotonic (flipped:
	 * falling), spanning its box's width; boxes vary from small to whole. */
	dca_dataset d = { 0 };
	dca_augment aug = { .crop_pad = DCA_AUG_RESIZED_CROP, .flip = 1 };
	dca_loader l, again;
	dca_graph *g = dca_graph_new(), *g2 = dca_graph_new();
	dca_tensor *x, *x2;
	int *lab, i, c, y, xx, rising = 0, falling = 0, small = 0, whole = 0;
	const int n = 300;

	planes_32(&d, n);
	for (i = 0; i < n * 3072; i++)
		d.images[i] = (uint8_t)(8 * (i % 32));
	for (c = 0; c < 3; c++) {
		aug.mean[c] = 0;
		aug.std[c] = 1;
	}
	ck_assert_int_eq(dca_loader_init(&l, &d, n, 1, &aug, 4), 0);
	ck_assert_int_eq(dca_loader_next(&l, g, &x, &lab), n);
	for (i = 0; i < n; i++) {
		const float *o = x->data + (size_t)i * 3072;
		float span = (o[31] - o[0]) * 255.0f / 8.0f;   /* in source pixels */
		int up = 1, down = 1;

		for (c = 0; c < 3; c++)
			for (y = 0; y < 32; y++)
				for (xx = 0; xx < 32; xx++)
					ck_assert_float_eq(o[(c * 32 + y) * 32 + xx], o[xx]);
		for (xx = 1; xx < 32; xx++) {
			up &= o[xx] >= o[xx - 1];
			down &= o[xx] <= o[xx - 1];
		}
		ck_assert(up || down);
		rising += up && span > 0;
		falling += down && span < 0;
		span = fabsf(span);
		/* the narrowest box: 8% of the area at aspect 4/3 tall, 8 px */
		ck_assert_float_ge(span, 7.0f);
		ck_assert_float_le(span, 31.01f);
		small += span < 16.0f;
		whole += span > 30.0f;
		ck_assert_float_ge(o[0] < o[31] ? o[0] : o[31], 0.0f);
		ck_assert_float_le(o[0] > o[31] ? o[0] : o[31], 248.0f / 255.0f + 1e-6f);
	}
	ck_assert_int_gt(rising, n / 4);
	ck_assert_int_gt(falling, n / 4);
	ck_assert_int_gt(small, n / 10);
	ck_assert_int_gt(whole, 0);
	/* the same seed, the same crops */
	ck_assert_int_eq(dca_loader_init(&again, &d, n, 1, &aug, 4), 0);
	ck_assert_int_eq(dca_loader_next(&again, g2, &x2, &lab), n);
	ck_assert_int_eq(memcmp(x->data, x2->data, x->size * sizeof(float)), 0);
	dca_loader_free(&again);
	dca_loader_free(&l);
	/* evaluation (no augmentation) leaves the image as it is */
	dca_graph_reset(g);
	ck_assert_int_eq(dca_loader_init(&l, &d, n, 0, &aug, 4), 0);
	ck_assert_int_eq(dca_loader_next(&l, g, &x, &lab), n);
	for (xx = 0; xx < 32; xx++)
		ck_assert_float_eq_tol(x->data[xx], 8.0f * xx / 255.0f, 1e-6f);
	dca_loader_free(&l);
	/* another negative crop is no mode */
	aug.crop_pad = -2;
	ck_assert_int_eq(dca_loader_init(&l, &d, n, 1, &aug, 4), DCA_ERR_INVALID);
	dca_graph_free(g);
	dca_graph_free(g2);
	free(d.images);
	free(d.labels);
}
END_TEST

START_TEST(loader_cutout)
{
	/* White images, mean 0 / std 1: every pixel is 1 except the cutout. */
	dca_dataset d = { 0 };
	dca_augment aug = { .cutout = 8 };
	dca_loader l;
	dca_graph *g = dca_graph_new();
	dca_tensor *x;
	int *lab, i, c, y, xx, full = 0, clipped = 0;
	const int n = 200;

	planes_32(&d, n);
	memset(d.images, 255, (size_t)n * 3072);
	for (c = 0; c < 3; c++) {
		aug.mean[c] = 0;
		aug.std[c] = 1;
	}
	ck_assert_int_eq(dca_loader_init(&l, &d, n, 1, &aug, 9), 0);
	ck_assert_int_eq(dca_loader_next(&l, g, &x, &lab), n);
	for (i = 0; i < n; i++) {
		int y0 = 32, y1 = -1, x0 = 32, x1 = -1, zeros = 0, odd = 0;
		const float *o = x->data + (size_t)i * 3072;
		for (y = 0; y < 32; y++)
			for (xx = 0; xx < 32; xx++) {
				float v = o[y * 32 + xx];
				odd += !(v == 0.0f || fabsf(v - 1.0f) < 1e-6f);
				for (c = 1; c < 3; c++)
					odd += o[(c * 32 + y) * 32 + xx] != v;
				if (v == 0.0f) {  /* cutout writes exact zeros */
					zeros++;
					y0 = y < y0 ? y : y0;
					y1 = y > y1 ? y : y1;
					x0 = xx < x0 ? xx : x0;
					x1 = xx > x1 ? xx : x1;
				}
			}
		/* The zeros form one filled rectangle of at most 8 x 8, the
		 * same in every channel; everything else is 1. */
		ck_assert_int_eq(odd, 0);
		ck_assert_int_gt(zeros, 0);
		ck_assert_int_eq(zeros, (y1 - y0 + 1) * (x1 - x0 + 1));
		ck_assert_int_le(y1 - y0 + 1, 8);
		ck_assert_int_le(x1 - x0 + 1, 8);
		if (zeros == 64)
			full++;
		else
			clipped++;
	}
	ck_assert_int_gt(full, n / 2);
	ck_assert_int_gt(clipped, 0);
	dca_loader_free(&l);

	/* Crop padding on the same white images with mean 0.5 / std 0.25:
	 * inside 2.0, padded pixels (0 before normalisation) -2.0. */
	aug.cutout = 0;
	aug.crop_pad = 4;
	for (c = 0; c < 3; c++) {
		aug.mean[c] = 0.5f;
		aug.std[c] = 0.25f;
	}
	dca_graph_reset(g);
	ck_assert_int_eq(dca_loader_init(&l, &d, n, 1, &aug, 9), 0);
	ck_assert_int_eq(dca_loader_next(&l, g, &x, &lab), n);
	full = clipped = 0;
	for (i = 0; i < (int)x->size; i++) {
		float v = x->data[i];
		clipped += !(fabsf(v - 2.0f) < 1e-5f || fabsf(v + 2.0f) < 1e-5f);
		full += v < 0;
	}
	ck_assert_int_eq(clipped, 0);
	ck_assert_int_gt(full, 0);
	dca_loader_free(&l);
	dca_graph_free(g);
	dca_dataset_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("data");
	TCase *rd = tcase_create("readers");
	TCase *sp = tcase_create("splits");
	TCase *ld = tcase_create("loader");
	SRunner *sr;
	int failed, skipped = 0;

	/* The full CIFAR test batch and Fashion-MNIST take a while under valgrind. */
	if (!tmp_init()) {
		fprintf(stderr, "cannot create a temporary folder in %s\n", tmpdir);
		return EXIT_FAILURE;
	}
	tcase_set_timeout(rd, 600);
	tcase_set_timeout(ld, 300);
	tcase_add_test(sp, split_fraction);
	tcase_add_test(rd, pair_checks);
	tcase_add_test(rd, cifar100_fine_and_coarse);
	tcase_add_test(rd, folder_images);
	tcase_add_test(sp, split_count);
	tcase_add_test(sp, split_seeded);
	tcase_add_test(ld, loader_cutout);
	tcase_add_test(ld, loader_resized_crop);
	tcase_add_test(ld, loader_shards);
	tcase_add_test(rd, idx_promise_beyond_data);
	/* the rest read the shared data: left out, and the run a skip, without it */
	if (test_skip_without_data()) {
		skipped = 1;
	} else {
		tcase_add_test(rd, cifar_mini);
		tcase_add_test(rd, cifar_dirs);
		tcase_add_test(rd, cifar_bad_files);
		tcase_add_test(rd, digits);
		tcase_add_test(rd, idx_bad_files);
		tcase_add_test(sp, split_fraction_digits);
		tcase_add_test(sp, subset_and_stats);
		tcase_add_test(ld, loader_batches);
		tcase_add_test(ld, loader_flip_crop);
		tcase_add_test(ld, loader_determinism);
	}
	if (have_fashion())
		tcase_add_test(rd, fashion_mnist);
	else
		skipped = 1;
	suite_add_tcase(s, rd);
	suite_add_tcase(s, sp);
	suite_add_tcase(s, ld);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tmp_cleanup();
	return failed ? EXIT_FAILURE : skipped ? TEST_EXIT_SKIP : EXIT_SUCCESS;
}
