/* Training end to end: weight files, learning on digits8x8 and on the
 * CIFAR-10 mini set, determinism, and resume after an interruption. */
#include "config.h"
#include "check_main.h"
#include <math.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include <dcanas/weights.h>

#define ARCH "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"

static dca_registry *reg;
static const dca_space *space;

static void setup(void)
{
	dca_error err = { 0 };
	reg = test_registry();
	space = dca_registry_space(reg, "nb201", &err);
	ck_assert_msg(space != NULL, "%s", err.msg);
}

static void teardown(void) { dca_registry_free(reg); }

static dca_model *small_model(int in_c, int hw, int classes, int width)
{
	dca_error err = { 0 };
	dca_arch *a = space->arch_parse(ARCH, &err);
	dca_net_shape shape = { in_c, hw, hw, classes, width, 1, 0 };
	dca_model *m = NULL;
	ck_assert_ptr_nonnull(a);
	ck_assert_msg(dca_space_build_model(space, a, &shape, 7, &m, &err) == 0, "%s", err.msg);
	space->arch_free(a);
	return m;
}

static void load_digits(dca_dataset *train, dca_dataset *test, dca_augment *aug)
{
	char a[1024], b[1024];
	dca_dataset all;
	dca_error err = { 0 };

	test_data_file("digits8x8/digits8x8-images-idx3-ubyte.gz", a, sizeof a);
	test_data_file("digits8x8/digits8x8-labels-idx1-ubyte.gz", b, sizeof b);
	ck_assert_msg(dca_idx_load(&all, a, b, &err) == 0, "%s", err.msg);
	ck_assert_msg(dca_dataset_split(&all, 0.2f, 0, 42, train, test, &err) == 0, "%s", err.msg);
	dca_dataset_free(&all);
	memset(aug, 0, sizeof *aug);
	dca_dataset_stats(train, aug);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/dcanas-train-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

START_TEST(weight_files)
{
	dca_model *m = small_model(1, 8, 10, 4), *m2 = small_model(1, 8, 10, 4);
	dca_error err = { 0 };
	char *dir = tmpdir(), path[512], cut[512], cmd[1200];
	struct stat st;
	FILE *f;
	char *meta = NULL;

	snprintf(path, sizeof path, "%s/w.dcaw", dir);
	m->params[0]->data[3] = 0.125f;
	ck_assert_msg(dca_model_save(m, path, "{\"x\":1}", &err) == 0, "%s", err.msg);
	ck_assert_msg(dca_model_load(m2, path, &meta, &err) == 0, "%s", err.msg);
	ck_assert_float_eq(m2->params[0]->data[3], 0.125f);
	ck_assert_str_eq(meta, "{\"x\":1}");
	free(meta);
	/* arrays at odd byte offsets in the file (names of odd length) are
	 * handed out float-aligned, with their values */
	{
		static const float v1[] = { 1.5f }, v2[] = { -2.25f, 4 };
		dca_named_array arr[2] = { { "a", 1, 1, 1, 1, (float *)v1 },
					   { "bcd", 1, 2, 1, 1, (float *)v2 } };
		char odd[600];
		dca_weights_file wf;
		int k;

		snprintf(odd, sizeof odd, "%s/odd.dcaw", dir);
		ck_assert_msg(dca_weights_save(odd, arr, 2, "{}", &err) == 0, "%s", err.msg);
		ck_assert_msg(dca_weights_open(odd, &wf, &err) == 0, "%s", err.msg);
		for (k = 0; k < 2; k++)
			ck_assert_uint_eq((uintptr_t)wf.arrays[k].data % sizeof(float), 0);
		ck_assert_float_eq(wf.arrays[0].data[0], 1.5f);
		ck_assert_float_eq(wf.arrays[1].data[1], 4.0f);
		dca_weights_close(&wf);
	}
	ck_assert_int_eq(stat(path, &st), 0);
	/* truncated: the offset where it stops making sense */
	snprintf(cut, sizeof cut, "%s/cut.dcaw", dir);
	snprintf(cmd, sizeof cmd, "head -c %ld %s > %s", (long)st.st_size - 100, path, cut);
	ck_assert_int_eq(system(cmd), 0);
	dca_error_clear(&err);
	ck_assert_int_ne(dca_model_load(m2, cut, NULL, &err), 0);
	ck_assert_msg(strstr(err.msg, "truncated at byte offset") && strstr(err.msg, cut), "%s", err.msg);
	/* one flipped byte: the checksum catches it */
	f = fopen(path, "r+b");
	fseek(f, st.st_size / 2, SEEK_SET);
	fputc(0x5a ^ fgetc(f), f);
	fclose(f);
	f = fopen(path, "r+b");
	fseek(f, st.st_size / 2, SEEK_SET);
	{
		int c = fgetc(f);
		fseek(f, st.st_size / 2, SEEK_SET);
		fputc(c ^ 0x01, f);
	}
	fclose(f);
	dca_error_clear(&err);
	ck_assert_int_ne(dca_model_load(m2, path, NULL, &err), 0);
	ck_assert_msg(strstr(err.msg, "checksum mismatch") != NULL, "%s", err.msg);
	/* not a weight file */
	dca_error_clear(&err);
	ck_assert_int_ne(dca_model_load(m2, "/etc/hostname", NULL, &err), 0);
	ck_assert_msg(strstr(err.msg, "not a dcanas weight file") || strstr(err.msg, "truncated"), "%s", err.msg);
	/* another architecture's file */
	{
		dca_model *other = small_model(1, 8, 10, 6);
		dca_error_clear(&err);
		snprintf(path, sizeof path, "%s/o.dcaw", dir);
		ck_assert_int_eq(dca_model_save(other, path, NULL, &err), 0);
		ck_assert_int_ne(dca_model_load(m2, path, NULL, &err), 0);
		ck_assert_msg(strstr(err.msg, "in the file") != NULL, "%s", err.msg);
		dca_model_free(other);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
	dca_model_free(m);
	dca_model_free(m2);
}
END_TEST

static int train_digits_cfg(const char *run_dir, int resume, int stop_after,
			    int epochs, const char *config, dca_train_result *r,
			    dca_error *err);

static int train_digits_rc(const char *run_dir, int resume, int stop_after,
			   int epochs, dca_train_result *r, dca_error *err)
{
	return train_digits_cfg(run_dir, resume, stop_after, epochs, "{\"test\": 1}", r, err);
}

/* settings as config (the command's JSON, compared on resume) */
static int train_digits_cfg(const char *run_dir, int resume, int stop_after,
			    int epochs, const char *config, dca_train_result *r,
			    dca_error *err)
{
	dca_dataset train, test;
	dca_augment aug;
	dca_train_opts o;
	dca_model *m;
	int rc;

	memset(r, 0, sizeof *r);
	load_digits(&train, &test, &aug);
	m = small_model(1, 8, 10, 8);
	dca_train_opts_default(&o);
	o.epochs = epochs;
	o.batch_size = 32;
	o.lr = 0.05f;
	o.aug = aug;
	o.run_dir = run_dir;
	o.resume = resume;
	o.stop_after = stop_after;
	o.config_json = config;
	rc = dca_train(m, &train, &test, &o, r, err);
	dca_model_free(m);
	dca_dataset_free(&train);
	dca_dataset_free(&test);
	return rc;
}

static dca_train_result train_digits(const char *run_dir, int resume, int stop_after,
				     int epochs)
{
	dca_train_result r;
	dca_error err = { 0 };

	ck_assert_msg(train_digits_rc(run_dir, resume, stop_after, epochs, &r, &err) == 0,
		      "%s", err.msg);
	return r;
}

START_TEST(learns_digits)
{
	dca_train_result r = train_digits(NULL, 0, 0, 3);

	printf("digits8x8: %d epochs, train acc %.2f%%, test acc %.2f%%, %.1f s\n",
	       r.epochs_done, r.train_acc, r.test_acc, r.seconds);
	ck_assert_msg(r.train_acc > 90.0f, "train acc %.2f", r.train_acc);
	ck_assert_msg(r.test_acc > 90.0f, "test acc %.2f", r.test_acc);
}
END_TEST

START_TEST(deterministic_and_resumable)
{
	char *a = tmpdir(), *b = tmpdir(), pa[600], pb[600], cmd[1300];
	dca_train_result full, part, rest;

	full = train_digits(a, 0, 0, 3);
	ck_assert_int_eq(full.epochs_done, 3);
	part = train_digits(b, 0, 1, 3);      /* "interrupted" after epoch 1 */
	ck_assert_int_eq(part.epochs_done, 1);
	/* killed after epoch 2's log line, before its checkpoint, while a line
	 * was half written and a checkpoint's temporary file was being
	 * written: the resume drops both lines and the temporary file */
	snprintf(cmd, sizeof cmd, "printf '{\"epoch\": 2, \"train_loss\": 9}\\n{\"epoch\": 3, \"tr' "
		 ">> %s/log.jsonl && echo x > %s/checkpoint.dcaw.tmp4242", b, b);
	ck_assert_int_eq(system(cmd), 0);
	rest = train_digits(b, 1, 0, 3);      /* resumed */
	ck_assert_int_eq(rest.epochs_done, 3);
	ck_assert_msg(rest.train_loss == full.train_loss && rest.test_acc == full.test_acc,
		      "resumed %.9g/%.4f vs uninterrupted %.9g/%.4f", rest.train_loss,
		      rest.test_acc, full.train_loss, full.test_acc);
	snprintf(pa, sizeof pa, "%s/weights.dcaw", a);
	snprintf(pb, sizeof pb, "%s/weights.dcaw", b);
	snprintf(cmd, sizeof cmd, "cmp -s %s %s", pa, pb);
	ck_assert_msg(system(cmd) == 0, "weights of the resumed run differ");
	snprintf(cmd, sizeof cmd, "test $(wc -l < %s/log.jsonl) -eq 3 && ! grep -q '\"train_loss\": 9' "
		 "%s/log.jsonl", b, b);
	ck_assert_msg(system(cmd) == 0, "log.jsonl has one line per epoch");
	snprintf(cmd, sizeof cmd, "test ! -e %s/checkpoint.dcaw.tmp4242 && test -f %s/config.json", b, b);
	ck_assert_msg(system(cmd) == 0, "a stale temporary file was left, or no config.json");
	/* resuming a finished run reports its figures, not zeros */
	part = train_digits(b, 1, 0, 3);
	ck_assert_int_eq(part.epochs_done, 3);
	ck_assert_msg(fabsf(part.test_acc - full.test_acc) < 1e-3f,   /* the log's 6 digits */
		      "finished run resumed: test acc %.2f, not %.2f",
		      part.test_acc, full.test_acc);
	/* a run directory in use is refused, naming the process */
	{
		char lock[700], want[64];
		dca_error err = { 0 };
		int fd;

		snprintf(lock, sizeof lock, "%s/.lock", b);
		ck_assert_int_ge(fd = open(lock, O_RDWR | O_CREAT, 0666), 0);
		ck_assert_int_eq(flock(fd, LOCK_EX), 0);
		ck_assert_int_eq(ftruncate(fd, 0), 0);
		ck_assert_int_gt(write(fd, "4242\n", 5), 0);
		ck_assert_int_ne(train_digits_rc(b, 1, 0, 3, &part, &err), 0);
		snprintf(want, sizeof want, "in use by PID 4242");
		ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
		close(fd);
		dca_error_clear(&err);
		ck_assert_msg(train_digits_rc(b, 1, 0, 3, &part, &err) == 0, "%s", err.msg);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s %s", a, b);
	ck_assert_int_eq(system(cmd), 0);
	free(a);
	free(b);
}
END_TEST

/* n random 3x32x32 images of 10 classes (memory, not learning, is tested) */
static void random_images(dca_dataset *d, int n, uint64_t seed)
{
	dca_rng rng;
	size_t i;

	memset(d, 0, sizeof *d);
	d->n = n;
	d->c = 3;
	d->h = d->w = 32;
	d->classes = 10;
	d->max_value = 255;
	d->images = malloc((size_t)n * 3 * 32 * 32);
	d->labels = malloc((size_t)n * sizeof *d->labels);
	ck_assert(d->images && d->labels);
	dca_rng_seed(&rng, seed);
	for (i = 0; i < (size_t)n * 3 * 32 * 32; i++)
		d->images[i] = (uint8_t)dca_rng_below(&rng, 256);
	for (i = 0; i < (size_t)n; i++)
		d->labels[i] = (int)(i % 10);
}

/* the epoch's "peak_rss_mib" in RUN/log.jsonl */
static double logged_peak(const char *run, int epoch)
{
	char cmd[700];
	double v = -1;
	FILE *p;

	snprintf(cmd, sizeof cmd, "sed -n '%dp' %s/log.jsonl | "
		 "sed 's/.*\"peak_rss_mib\": *\\([0-9.e+]*\\).*/\\1/'", epoch, run);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%lf", &v), 1);
	pclose(p);
	return v;
}

/* Peak memory is the training step's: evaluation shares its arena, and
 * nothing grows from epoch to epoch (an evaluation graph of its own once
 * held a second arena, and its freed blocks stayed in malloc's heap). */
START_TEST(memory_flat_across_epochs)
{
	char *run = tmpdir(), cmd[700];
	dca_dataset train, test;
	dca_augment aug = { 0 };
	dca_train_opts o;
	dca_train_result r;
	dca_error err = { 0 };
	dca_model *m = small_model(3, 32, 10, 16);
	double trained, p1, p2, p5;

	random_images(&train, 256, 1);
	random_images(&test, 256, 2);
	dca_dataset_stats(&train, &aug);
	dca_train_opts_default(&o);
	o.batch_size = 64;
	o.aug = aug;
	/* training alone first: the process's peak from then on is the
	 * step's, and evaluating must not raise it */
	o.epochs = 1;
	ck_assert_msg(dca_train(m, &train, NULL, &o, &r, &err) == 0, "%s", err.msg);
	trained = dca_peak_rss_mib();
	o.epochs = 5;
	o.run_dir = run;
	ck_assert_msg(dca_train(m, &train, &test, &o, &r, &err) == 0, "%s", err.msg);
	p1 = logged_peak(run, 1);
	p2 = logged_peak(run, 2);
	p5 = logged_peak(run, 5);
	printf("peak RSS: %.1f MiB training alone; %.1f / %.1f / %.1f MiB after "
	       "epochs 1 / 2 / 5 with evaluation\n", trained, p1, p2, p5);
#ifdef __SANITIZE_ADDRESS__
	/* ASan's quarantine keeps freed memory resident: no figure to hold */
	p1 = trained;
	p5 = p2;
#endif
	/* 2 MiB of slack: the log, JSON and checkpoint buffers */
	ck_assert_msg(p1 <= trained + 2, "evaluation raised the peak %.1f -> %.1f MiB",
		      trained, p1);
	ck_assert_msg(p5 <= p2 + 2, "peak grew from epoch 2 (%.1f MiB) to 5 (%.1f MiB)",
		      p2, p5);
	snprintf(cmd, sizeof cmd, "rm -rf %s", run);
	ck_assert_int_eq(system(cmd), 0);
	free(run);
	dca_model_free(m);
	dca_dataset_free(&train);
	dca_dataset_free(&test);
}
END_TEST

/* a network whose classifier does not fit its input (a space module's
 * bug): 3x32x32 images into a linear layer of 10 x 5 */
static dca_tensor *misfit_forward(dca_model *m, dca_graph *g, dca_tensor *x,
				  int training, dca_tensor **aux)
{
	(void)training;
	if (aux)
		*aux = NULL;
	return dca_linear(g, x, m->params[0], NULL);
}

/* Training such a network is an error naming the op, not an abort. */
START_TEST(misfit_network_is_an_error)
{
	dca_dataset train;
	dca_augment aug = { 0 };
	dca_train_opts o;
	dca_train_result r;
	dca_error err = { 0 };
	dca_model *m = dca_model_new(1);

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(dca_model_param(m, 10, 5, 1, 1, "fc.weight"));
	m->forward = misfit_forward;
	random_images(&train, 64, 3);
	dca_dataset_stats(&train, &aug);
	dca_train_opts_default(&o);
	o.epochs = 1;
	o.aug = aug;
	ck_assert_int_eq(dca_train(m, &train, NULL, &o, &r, &err), DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "training step: dca_linear: input has 3072 features") != NULL,
		      "%s", err.msg);
	dca_model_free(m);
	dca_dataset_free(&train);
}
END_TEST

/* Resuming from data that moved: the same fingerprint under another path
 * is accepted; another fingerprint, or another setting, is refused. */
START_TEST(resume_from_moved_data)
{
	static const char *const started =
		"{\"data\": \"digits8x8:/a\", \"data_fingerprint\": \"f1\", \"lr\": 1}";
	static const char *const moved =
		"{\"data\": \"digits8x8:/b\", \"data_fingerprint\": \"f1\", \"lr\": 1}";
	static const char *const other_data =
		"{\"data\": \"digits8x8:/b\", \"data_fingerprint\": \"f2\", \"lr\": 1}";
	static const char *const other_lr =
		"{\"data\": \"digits8x8:/b\", \"data_fingerprint\": \"f1\", \"lr\": 2}";
	char *run = tmpdir(), cmd[700];
	dca_train_result r;
	dca_error err = { 0 };

	ck_assert_msg(train_digits_cfg(run, 0, 1, 2, started, &r, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(r.epochs_done, 1);
	ck_assert_int_eq(train_digits_cfg(run, 1, 0, 2, other_data, &r, &err), DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "digits8x8:/b is not the data this run was started "
			     "with (digits8x8:/a): fingerprint f2, not f1"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_int_eq(train_digits_cfg(run, 1, 0, 2, other_lr, &r, &err), DCA_ERR_INVALID);
	ck_assert_msg(strstr(err.msg, "started with different settings"), "%s", err.msg);
	dca_error_clear(&err);
	ck_assert_msg(train_digits_cfg(run, 1, 0, 2, moved, &r, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(r.epochs_done, 2);
	/* a run started before settings carried a fingerprint resumes too */
	snprintf(cmd, sizeof cmd, "rm -rf %s/*", run);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(train_digits_cfg(run, 0, 1, 2, "{\"data\": \"digits8x8:/b\", "
				       "\"lr\": 1}", &r, &err) == 0, "%s", err.msg);
	ck_assert_msg(train_digits_cfg(run, 1, 0, 2, moved, &r, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(r.epochs_done, 2);
	/* config.json now names where the data is */
	snprintf(cmd, sizeof cmd, "grep -q 'digits8x8:/b' %s/config.json", run);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", run);
	ck_assert_int_eq(system(cmd), 0);
	free(run);
}
END_TEST

/* The fingerprint follows the data, not where it lies or its copy. */
START_TEST(dataset_fingerprint)
{
	dca_dataset a, b;
	uint64_t fa, fb;

	random_images(&a, 32, 5);
	random_images(&b, 32, 5);
	fa = dca_dataset_fingerprint(&a, 0);
	fb = dca_dataset_fingerprint(&b, 0);
	ck_assert(fa == fb);
	b.images[1000] ^= 1;
	ck_assert(dca_dataset_fingerprint(&b, 0) != fa);
	b.images[1000] ^= 1;
	b.labels[3] = (b.labels[3] + 1) % 10;
	ck_assert(dca_dataset_fingerprint(&b, 0) != fa);
	/* going on from another value: another result */
	ck_assert(dca_dataset_fingerprint(&a, fa) != fa);
	dca_dataset_free(&a);
	dca_dataset_free(&b);
}
END_TEST

START_TEST(cifar_mini_loss_falls)
{
	char dirbuf[1024];
	const char *dir = test_data_file("cifar10-mini", dirbuf, sizeof dirbuf);
	dca_dataset train, test;
	dca_augment aug;
	dca_train_opts o;
	dca_train_result r1, r2;
	dca_error err = { 0 };
	dca_model *m;

	ck_assert_msg(dca_cifar10_load_dir(&train, dir, 1, &err) == 0, "%s", err.msg);
	ck_assert_msg(dca_cifar10_load_dir(&test, dir, 0, &err) == 0, "%s", err.msg);
	memset(&aug, 0, sizeof aug);
	dca_dataset_stats(&train, &aug);
	m = small_model(3, 32, 10, 4);
	dca_train_opts_default(&o);
	o.epochs = 3;
	o.batch_size = 50;
	o.lr = 0.05f;
	o.aug = aug;
	o.stop_after = 1;
	ck_assert_msg(dca_train(m, &train, NULL, &o, &r1, &err) == 0, "%s", err.msg);
	/* two more epochs on the same model (a fresh schedule; only the trend matters) */
	o.stop_after = 0;
	o.epochs = 2;
	ck_assert_msg(dca_train(m, &train, &test, &o, &r2, &err) == 0, "%s", err.msg);
	printf("cifar10-mini: loss %.4f after 1 epoch, %.4f after 3; test acc %.1f%%\n",
	       r1.train_loss, r2.train_loss, r2.test_acc);
	ck_assert_msg(r2.train_loss < r1.train_loss - 0.05f, "loss %.4f -> %.4f",
		      r1.train_loss, r2.train_loss);
	dca_model_free(m);
	dca_dataset_free(&train);
	dca_dataset_free(&test);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("train");
	TCase *tc = tcase_create("train");
	int skipped;

	dca_engine_init(2);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, weight_files);
	tcase_add_test(tc, memory_flat_across_epochs);
	tcase_add_test(tc, misfit_network_is_an_error);
	tcase_add_test(tc, dataset_fingerprint);
	/* the rest train on the shared data: left out, and the run a skip, without it */
	skipped = test_skip_without_data();
	if (!skipped) {
		tcase_add_test(tc, learns_digits);
		tcase_add_test(tc, deterministic_and_resumable);
		tcase_add_test(tc, resume_from_moved_data);
		tcase_add_test(tc, cifar_mini_loss_falls);
	}
	suite_add_tcase(s, tc);
	return test_run_skipped(s, skipped);
}
