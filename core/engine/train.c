/* dcanas — the training loop, evaluation, checkpoints and resume. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dcanas/comm.h>
#include <dcanas/jsonfile.h>
#include <dcanas/ops.h>
#include <dcanas/optim.h>
#include <dcanas/train.h>
#include <dcanas/weights.h>

#include "../run_dir.h"

void dca_train_opts_default(dca_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 10;
	o->batch_size = 64;
	o->lr = 0.025f;
	o->lr_min = 0.0f;
	o->momentum = 0.9f;
	o->weight_decay = 3e-4f;
	o->grad_clip = 5.0f;
	o->aux_weight = 0.4f;
	o->drop_path = 0.0f;
	o->label_smoothing = 0.0f;
	o->seed = 1;
	o->test_every = 1;
}

double dca_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double dca_peak_rss_mib(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ru.ru_maxrss / 1024.0;   /* KiB on Linux */
}

int dca_count_correct(const dca_tensor *logits, const int *labels)
{
	int i, j, correct = 0;

	for (i = 0; i < logits->n; i++) {
		const float *row = logits->data + (size_t)i * logits->c;
		int best = 0;
		for (j = 1; j < logits->c; j++)
			if (row[j] > row[best])
				best = j;
		correct += best == labels[i];
	}
	return correct;
}

/* one line per sample: its label, then its logits (to 9 digits: exact) */
static void write_logits(FILE *f, const dca_tensor *logits, const int *labels)
{
	int i, j;

	for (i = 0; i < logits->n; i++) {
		fprintf(f, "%d", labels[i]);
		for (j = 0; j < logits->c; j++)
			fprintf(f, " %.9g", (double)logits->data[(size_t)i * logits->c + j]);
		fputc('\n', f);
	}
}

/* Evaluation in g's arena: inside training, the training graph's, which is
 * larger than a forward pass needs, so evaluating takes no memory of its
 * own (a graph of its own held a second arena beside training's). spread:
 * over the ranks of comm.h, each a contiguous part of d, the counts
 * summed (training's evaluations; a lone evaluation is one process's). */
static int evaluate_in(dca_graph *g, dca_model *m, const dca_dataset *d, int batch,
		       const dca_augment *norm, FILE *logits_out, int spread,
		       float *acc, float *loss, dca_error *err)
{
	dca_loader l;
	dca_dataset part = *d;
	dca_tensor *x, *logits, *ce;
	int *labels, b;
	double sums[3] = { 0, 0, 0 };  /* correct, loss, seen */

	if (spread && dca_comm_size() > 1) {
		int lo, hi;
		size_t chw = (size_t)d->c * d->h * d->w;

		dca_comm_shard(d->n, &lo, &hi);
		part.images = d->images + (size_t)lo * chw;
		part.labels = d->labels + lo;
		part.n = hi - lo;
	}
	if (part.n > 0 && dca_loader_init(&l, &part, batch, 0, norm, 0) != 0)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	if (part.n > 0)
		dca_loader_epoch(&l);
	while (part.n > 0) {
		dca_graph_reset(g);
		b = dca_loader_next(&l, g, &x, &labels);
		if (b <= 0)
			break;
		logits = m->forward(m, g, x, 0, NULL);
		ce = logits ? dca_cross_entropy(g, logits, labels, 0.0f) : NULL;
		if (!ce) {
			dca_loader_free(&l);
			return dca_graph_error_set(g, err, "evaluation");
		}
		sums[0] += dca_count_correct(logits, labels);
		sums[1] += (double)ce->data[0] * b;
		if (logits_out)
			write_logits(logits_out, logits, labels);
		sums[2] += b;
	}
	if (part.n > 0)
		dca_loader_free(&l);
	if (spread)
		dca_comm_sum_double(sums, 3);
	*acc = sums[2] > 0 ? (float)(100.0 * sums[0] / sums[2]) : 0.0f;
	if (loss)
		*loss = sums[2] > 0 ? (float)(sums[1] / sums[2]) : 0.0f;
	return 0;
}

int dca_evaluate(dca_model *m, const dca_dataset *d, int batch,
		 const dca_augment *norm, float *acc, float *loss, dca_error *err)
{
	return dca_evaluate_logits(m, d, batch, norm, NULL, acc, loss, err);
}

int dca_evaluate_logits(dca_model *m, const dca_dataset *d, int batch,
			const dca_augment *norm, FILE *logits_out, float *acc,
			float *loss, dca_error *err)
{
	dca_graph *g = dca_graph_new();
	int rc;

	if (!g)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	rc = evaluate_in(g, m, d, batch, norm, logits_out, 0, acc, loss, err);
	dca_graph_free(g);
	return rc;
}

/* The final weights' metadata: the run's settings, and what deploying the
 * network needs beside its arrays (dcanas export): the input's shape, the
 * class count and the per-channel normalisation of [0, 1] pixels. */
static char *weights_meta(const dca_train_opts *o, const dca_dataset *train)
{
	json_t *j = o->config_json ? json_loads(o->config_json, 0, NULL) : NULL;
	json_t *mean = json_array(), *std = json_array();
	char *text = NULL;
	int c;

	if (!j)
		j = json_object();
	for (c = 0; c < train->c && mean && std; c++) {
		json_array_append_new(mean, json_real(o->aug.mean[c]));
		json_array_append_new(std, json_real(o->aug.std[c]));
	}
	if (j && mean && std &&
	    !json_object_set_new(j, "input", json_pack("{s:i, s:i, s:i, s:O, s:O}",
			"c", train->c, "h", train->h, "w", train->w, "mean", mean,
			"std", std)) &&
	    !json_object_set_new(j, "classes", json_integer(train->classes)))
		text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(mean);
	json_decref(std);
	json_decref(j);
	return text;
}

static char *run_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/* params, buffers and momentum as named arrays for a checkpoint */
static int save_checkpoint(const dca_model *m, const dca_sgd *opt, int epoch,
			   const dca_train_opts *o, dca_error *err)
{
	int n = 2 * m->n_params + m->n_buffers, i, k = 0, rc;
	dca_named_array *a = calloc((size_t)n, sizeof *a);
	char **names = calloc((size_t)m->n_params, sizeof *names);
	char *path = run_path(o->run_dir, "checkpoint.dcaw"), *meta;
	json_t *j;

	if (!a || !names || !path) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < m->n_params; i++) {
		const dca_tensor *t = m->params[i];
		a[k++] = (dca_named_array){ m->param_names[i], t->n, t->c, t->h, t->w, t->data };
	}
	for (i = 0; i < m->n_buffers; i++) {
		const dca_tensor *t = m->buffers[i];
		a[k++] = (dca_named_array){ m->buffer_names[i], t->n, t->c, t->h, t->w, t->data };
	}
	for (i = 0; i < m->n_params && opt->velocity; i++) {
		const dca_tensor *t = m->params[i];
		size_t len = strlen(m->param_names[i]) + 16;
		names[i] = malloc(len);
		if (!names[i]) {
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(names[i], len, "momentum/%s", m->param_names[i]);
		a[k++] = (dca_named_array){ names[i], t->n, t->c, t->h, t->w, opt->velocity[i] };
	}
	/* the thread count changes the sums' order, so the result: kept, and
	 * a resume on another count says so */
	j = json_pack("{s:i, s:s, s:i}", "epoch", epoch, "config",
		      o->config_json ? o->config_json : "", "threads", dca_engine_threads());
	meta = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	rc = dca_weights_save(path, a, k, meta, err);
	free(meta);
out:
	if (names)
		for (i = 0; i < m->n_params; i++)
			free(names[i]);
	free(names);
	free(a);
	free(path);
	return rc;
}

/* A checkpoint written on another thread count than this run's: the
 * resumed run is valid, but not bit-identical to an uninterrupted one */
void dca_threads_warning(FILE *f, const char *checkpoint, int threads)
{
	if (f && threads > 0 && threads != dca_engine_threads())
		fprintf(f, "dcanas: %s was written with %d threads, this run has %d: "
			"the result may differ slightly from an uninterrupted run "
			"(resume with --threads %d for the same one)\n", checkpoint,
			threads, dca_engine_threads(), threads);
}

/* The checkpoint's settings (was) against this command's (now): the same
 * text, or, where both are JSON objects with a "data_fingerprint", the same
 * but for "data": data that moved (another path, the same images and
 * labels) is accepted, and said so on progress. */
static int same_settings(const char *was, const char *now, const char *path,
			 FILE *progress, dca_error *err)
{
	json_t *a = json_loads(was, 0, NULL), *b = json_loads(now, 0, NULL);
	const char *fa = json_string_value(json_object_get(a, "data_fingerprint"));
	const char *fb = json_string_value(json_object_get(b, "data_fingerprint"));
	const char *da = json_string_value(json_object_get(a, "data"));
	const char *db = json_string_value(json_object_get(b, "data"));
	int rc = 0;

	if (strcmp(was, now) == 0)
		goto out;
	if (fa && fb && da && db && strcmp(fa, fb) != 0) {
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: the data %s is not the data "
				   "this run was started with (%s): fingerprint %s, not %s; "
				   "resume with the same data, or use a new run directory",
				   path, db, da, fb, fa);
		goto out;
	}
	if (fa && fb && da && db) {
		/* the same settings but for where the data lies */
		json_t *moved = json_deep_copy(b);

		json_object_set_new(moved, "data", json_string(da));
		if (json_equal(a, moved)) {
			if (progress)
				fprintf(progress, "dcanas: the data moved: %s, started "
					"with %s (same fingerprint %s)\n", db, da, fb);
			json_decref(moved);
			goto out;
		}
		json_decref(moved);
	}
	if (!fa && fb) {
		/* a run started before settings carried the fingerprint */
		json_t *older = json_deep_copy(b);

		json_object_del(older, "data_fingerprint");
		rc = json_equal(a, older) ? 0 : 1;
		json_decref(older);
		if (rc == 0)
			goto out;
	}
	rc = dca_error_set(err, DCA_ERR_INVALID, "%s: this run was started with "
			   "different settings; resume it with the same command, or use "
			   "a new run directory", path);
out:
	json_decref(a);
	json_decref(b);
	return rc;
}

/* Returns the epochs already done (>= 0) or a negative error. */
static int load_checkpoint(dca_model *m, dca_sgd *opt, const dca_train_opts *o,
			   dca_error *err)
{
	char *path = run_path(o->run_dir, "checkpoint.dcaw");
	dca_weights_file f;
	json_t *meta = NULL;
	const char *cfg;
	int rc, i, epoch = -1;
	struct stat st;

	if (!path)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	if (stat(path, &st) != 0) {
		free(path);
		return 0; /* nothing to resume: start from epoch 0 */
	}
	rc = dca_weights_open(path, &f, err);
	if (rc) {
		free(path);
		return rc;
	}
	rc = dca_model_load(m, path, NULL, err);
	for (i = 0; i < m->n_params && rc == 0 && opt->velocity; i++) {
		char name[512];
		const dca_named_array *a;
		snprintf(name, sizeof name, "momentum/%s", m->param_names[i]);
		a = dca_weights_find(&f, name);
		if (!a || (size_t)a->n * a->c * a->h * a->w != m->params[i]->size)
			rc = dca_error_set(err, DCA_ERR_INVALID, "%s: no momentum for "
					   "'%s'", path, m->param_names[i]);
		else
			memcpy(opt->velocity[i], a->data, m->params[i]->size * sizeof(float));
	}
	if (rc == 0) {
		meta = json_loads(f.meta, 0, NULL);
		cfg = json_string_value(json_object_get(meta, "config"));
		epoch = (int)json_integer_value(json_object_get(meta, "epoch"));
		dca_threads_warning(o->progress ? o->progress : stderr, path, (int)json_integer_value(
					json_object_get(meta, "threads")));
		if (o->config_json && cfg)
			rc = same_settings(cfg, o->config_json, path,
					   o->progress ? o->progress : stderr, err);
	}
	json_decref(meta);
	dca_weights_close(&f);
	free(path);
	return rc ? rc : epoch;
}

/* one line of log.jsonl, written before that epoch's checkpoint (a resume
 * drops lines past the checkpoint); a failed write is an error */
static int log_epoch(const dca_train_opts *o, json_t *line, dca_error *err)
{
	char *path, *text;
	int rc;

	if (!o->run_dir)
		return 0;
	path = run_path(o->run_dir, "log.jsonl");
	text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
	rc = path && text ? dcap_log_append(path, text, err)
			  : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	free(text);
	free(path);
	return rc;
}

/* Take the run directory: lock it; refuse one that holds a run unless
 * resuming. Returns the lock's fd or a negative error. */
static int open_run_dir(const dca_train_opts *o, dca_error *err)
{
	static const char *const run_files[] = { "config.json", "log.jsonl",
						 "checkpoint.dcaw", "weights.dcaw" };
	int fd = dcap_run_dir_lock(o->run_dir, err);
	size_t i;

	if (fd < 0 || o->resume)
		return fd;
	for (i = 0; i < sizeof run_files / sizeof *run_files; i++) {
		char *path = run_path(o->run_dir, run_files[i]);
		int there = path && access(path, F_OK) == 0;

		free(path);
		if (there) {
			dcap_run_dir_unlock(fd);
			return dca_error_set(err, DCA_ERR_INVALID, "%s already holds a "
					     "run; use --resume to continue it, or "
					     "another --run-dir", o->run_dir);
		}
	}
	return fd;
}

/* config.json, once the run is accepted (new, or a resume whose
 * checkpoint has the same settings) */
static int write_config(const dca_train_opts *o, dca_error *err)
{
	json_t *j = o->config_json ? json_loads(o->config_json, 0, NULL) : NULL;
	char *path = run_path(o->run_dir, "config.json");
	int rc = 0;

	/* settings that are not a JSON object (a library caller's own
	 * fingerprint) are kept in the checkpoints only */
	if (json_is_object(j) && path)
		rc = dca_json_save_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS, err);
	else if (json_is_object(j))
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(j);
	free(path);
	return rc;
}

/* the last epoch's figures from the log, for a resume of a finished run */
static void result_from_log(const dca_train_opts *o, int epochs, dca_train_result *res)
{
	char *path = run_path(o->run_dir, "log.jsonl"), line[1 << 16];
	FILE *f = path ? fopen(path, "r") : NULL;

	while (f && fgets(line, sizeof line, f)) {
		json_t *j = json_loads(line, 0, NULL);

		if (j && json_integer_value(json_object_get(j, "epoch")) == epochs) {
			res->train_loss = (float)json_number_value(json_object_get(j, "train_loss"));
			res->train_acc = (float)json_number_value(json_object_get(j, "train_acc"));
			res->test_loss = (float)json_number_value(json_object_get(j, "test_loss"));
			res->test_acc = (float)json_number_value(json_object_get(j, "test_acc"));
		}
		json_decref(j);
	}
	if (f)
		fclose(f);
	free(path);
}

static void format_time(double s, char *buf, size_t n)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}

/* A checkpoint rank 0 read, on every rank: weights, BN statistics and
 * momentum (the run directory need not be visible to the others) */
static void share_state(dca_model *m, dca_sgd *opt, int *start)
{
	int i;

	dca_comm_bcast(start, sizeof *start);
	dca_comm_bcast_tensors(m->params, m->n_params);
	dca_comm_bcast_tensors(m->buffers, m->n_buffers);
	for (i = 0; i < m->n_params && opt->velocity; i++)
		dca_comm_bcast(opt->velocity[i], m->params[i]->size * sizeof(float));
}

int dca_train(dca_model *m, const dca_dataset *train, const dca_dataset *test,
	      const dca_train_opts *opts, dca_train_result *res, dca_error *err)
{
	dca_graph *g = NULL;
	dca_loader l;
	dca_sgd opt;
	int epoch, start = 0, rc = 0, loader_ok = 0, opt_ok = 0, lock_fd = -1;
	char *log_path;
	long steps_per_epoch, total_steps;
	double t0 = dca_seconds(), images = 0;
	/* over ranks (comm.h), rank 0 alone keeps the run directory and the
	 * terminal: the others run without them */
	dca_train_opts mine = *opts;
	const dca_train_opts *o = &mine;

	if (!dca_comm_writer()) {
		mine.run_dir = NULL;
		mine.progress = NULL;
	}
	memset(res, 0, sizeof *res);
	if (o->epochs < 1 || o->batch_size < 1)
		return dca_error_set(err, DCA_ERR_INVALID, "train: epochs and batch "
				     "size must be positive");
	if ((rc = dca_comm_same_text(o->config_json, "training settings", err)))
		return rc;
	if (o->run_dir && (lock_fd = open_run_dir(o, err)) < 0) {
		rc = lock_fd;
		goto agree;
	}
	g = dca_graph_new();
	if (!g || dca_loader_init(&l, train, o->batch_size, 1, &o->aug, (uint64_t)o->seed) != 0) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto agree;
	}
	loader_ok = 1;
	if (dca_sgd_init(&opt, m->params, m->n_params, o->lr, o->momentum,
			 o->weight_decay, o->grad_clip) != 0) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto agree;
	}
	opt_ok = 1;
	if (o->resume && o->run_dir) {
		start = load_checkpoint(m, &opt, o, err);
		if (start < 0) {
			rc = start;
			start = 0;
			goto agree;
		}
		if (start > 0 && o->progress)
			fprintf(o->progress, "resuming after epoch %d of %d\n", start, o->epochs);
		log_path = run_path(o->run_dir, "log.jsonl");
		rc = log_path ? dcap_log_trim(log_path, start, err)
			      : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		free(log_path);
		if (rc)
			goto agree;
	}
	if (o->run_dir)
		rc = write_config(o, err);
agree:
	/* a rank that failed (its data, the run directory) stops every rank */
	if ((rc = dca_comm_agree(rc, err)))
		goto out;
	if (opts->resume && dca_comm_size() > 1)
		share_state(m, &opt, &start);
	if (start >= o->epochs) {      /* a finished run: its last figures */
		if (o->run_dir)
			result_from_log(o, start, res);
		res->epochs_done = start;
		goto out;
	}
	steps_per_epoch = dca_loader_batches(&l);
	total_steps = steps_per_epoch * o->epochs;
	for (epoch = start; epoch < o->epochs; epoch++) {
		double e0 = dca_seconds(), loss_sum = 0;
		int correct = 0, seen = 0, step = 0, b, tested;
		dca_tensor *x, *logits, *aux, *loss;
		int *labels;
		json_t *line;

		/* streams seeded by (seed, epoch): resuming replays them exactly */
		dca_rng_seed(&l.rng, (uint64_t)o->seed * 1000003u + (uint64_t)epoch);
		dca_rng_seed(&m->rng, (uint64_t)o->seed * 7919u + (uint64_t)epoch + 17u +
			     104729u * (uint64_t)dca_comm_rank());   /* drop-path: each rank its own */
		dca_loader_epoch(&l);
		m->drop_path_prob = o->drop_path * epoch / o->epochs;
		opt.lr = dca_cosine_lr(o->lr, o->lr_min, epoch, o->epochs);
		while (1) {
			int i, global_b;
			dca_graph_reset(g);
			b = dca_loader_next_shard(&l, g, &x, &labels, &global_b);
			if (b <= 0)
				break;
			logits = m->forward(m, g, x, 1, &aux);
			loss = logits ? dca_cross_entropy(g, logits, labels, o->label_smoothing) : NULL;
			if (loss && aux && o->aux_weight > 0) {
				dca_tensor *al = dca_cross_entropy(g, aux, labels, o->label_smoothing);
				dca_tensor *wt = dca_tensor_new(g, 1, 1, 1, 1, 0);
				if (al && wt) {
					wt->data[0] = o->aux_weight;
					loss = dca_add(g, loss, dca_scale(g, al, wt));
				} else {
					loss = NULL;
				}
			}
			if (!loss) {
				rc = dca_graph_error_set(g, err, "training step");
				goto out;
			}
			if (!isfinite(loss->data[0])) {
				rc = dca_error_set(err, DCA_ERR_INVALID, "training diverged "
					"(loss %g at epoch %d, step %d); lower --lr", loss->data[0],
					epoch + 1, step + 1);
				goto out;
			}
			for (i = 0; i < m->n_params; i++)
				dca_param_zero_grad(m->params[i]);
			/* the shard's share of the global batch's mean loss */
			if (dca_backward_scaled(g, loss, (float)b / global_b)) {
				rc = dca_graph_error_set(g, err, "a training step's backward pass");
				goto out;
			}
			dca_comm_sum_grads(m->params, m->n_params);
			dca_sgd_step(&opt);
			loss_sum += (double)loss->data[0] * b;
			correct += dca_count_correct(logits, labels);
			seen += b;
			images += global_b;
			step++;
			if (o->progress) {
				double el = dca_seconds() - t0, rate = images / (el > 0 ? el : 1);
				long done = (long)(epoch - start) * steps_per_epoch + step;
				long left = total_steps - (long)start * steps_per_epoch - done;
				char eta[32];
				format_time(left * (el / done), eta, sizeof eta);
				fprintf(o->progress, "\repoch %d/%d step %d/%ld loss %.4f acc %.1f%% "
					"%.0f img/s left %s   ", epoch + 1, o->epochs, step,
					steps_per_epoch, loss_sum / seen, 100.0 * correct / seen,
					rate, eta);
				fflush(o->progress);
			}
		}
		{       /* the epoch's figures over every rank's shards */
			double sums[3] = { loss_sum, correct, seen };

			dca_comm_sum_double(sums, 3);
			loss_sum = sums[0];
			correct = (int)sums[1];
			seen = (int)sums[2];
			/* every rank's weights are rank 0's, bit for bit */
			dca_comm_bcast_tensors(m->params, m->n_params);
		}
		res->train_loss = seen ? (float)(loss_sum / seen) : 0;
		res->train_acc = seen ? 100.0f * correct / seen : 0;
		line = json_pack("{s:i, s:f, s:f, s:f, s:f}", "epoch", epoch + 1,
				 "lr", (double)opt.lr, "train_loss", (double)res->train_loss,
				 "train_acc", (double)res->train_acc, "seconds", dca_seconds() - e0);
		tested = test && (epoch + 1 == o->epochs || o->test_every <= 1 ||
				  (epoch + 1) % o->test_every == 0);
		if (tested) {
			rc = evaluate_in(g, m, test, o->batch_size, &o->aug, NULL, 1,
					 &res->test_acc, &res->test_loss, err);
			if (rc) {
				json_decref(line);
				goto out;
			}
			json_object_set_new(line, "test_loss", json_real(res->test_loss));
			json_object_set_new(line, "test_acc", json_real(res->test_acc));
		}
		json_object_set_new(line, "peak_rss_mib", json_real(dca_peak_rss_mib()));
		if (dca_comm_size() > 1) {   /* spread over ranks: time in collectives */
			json_object_set_new(line, "ranks", json_integer(dca_comm_size()));
			json_object_set_new(line, "comm_seconds", json_real(dca_comm_seconds()));
			json_object_set_new(line, "comm_messages", json_real(dca_comm_messages()));
			json_object_set_new(line, "comm_bytes", json_real(dca_comm_bytes()));
		}
		rc = log_epoch(o, line, err);
		json_decref(line);
		if (rc)
			goto out;
		if (o->progress) {
			fprintf(o->progress, "\repoch %d/%d loss %.4f acc %.1f%%", epoch + 1,
				o->epochs, res->train_loss, res->train_acc);
			if (tested)
				fprintf(o->progress, " test acc %.2f%%", res->test_acc);
			fprintf(o->progress, " (%.1fs)                    \n", dca_seconds() - e0);
		}
		if (o->run_dir && (rc = save_checkpoint(m, &opt, epoch + 1, o, err)))
			goto out;
		res->epochs_done = epoch + 1;
		if (o->stop_after > 0 && epoch + 1 - start >= o->stop_after &&
		    epoch + 1 < o->epochs)
			goto out;
	}
	res->epochs_done = o->epochs;
	if (o->run_dir) {
		char *path = run_path(o->run_dir, "weights.dcaw");
		char *meta = weights_meta(o, train);
		rc = path && meta ? dca_model_save(m, path, meta, err) :
		     dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		free(meta);
		free(path);
	}
out:
	res->seconds = dca_seconds() - t0;
	res->images_per_second = res->seconds > 0 ? images / res->seconds : 0;
	if (opt_ok)
		dca_sgd_free(&opt);
	if (loader_ok)
		dca_loader_free(&l);
	dca_graph_free(g);
	dcap_run_dir_unlock(lock_fd);
	return rc;
}
