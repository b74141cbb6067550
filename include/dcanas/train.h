/* dcanas — training a model from scratch, evaluating it, resuming.
 *
 * A run directory holds: config.json (what was asked), log.jsonl (one JSON
 * object per epoch), checkpoint.dcaw (weights, BN statistics and momentum
 * after the last finished epoch, rewritten atomically) and weights.dcaw (the
 * final weights). Each epoch's shuffling, augmentation and drop-path draw
 * from streams seeded by (seed, epoch), so a run resumed from a checkpoint
 * gives the same result as one never interrupted. */
#ifndef DCANAS_TRAIN_H
#define DCANAS_TRAIN_H

#include <stdio.h>

#include <dcanas/data.h>
#include <dcanas/error.h>
#include <dcanas/model.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dca_train_opts {
	int epochs;
	int batch_size;
	float lr, lr_min, momentum, weight_decay, grad_clip;
	float aux_weight;        /* DARTS auxiliary loss weight (0.4) */
	float drop_path;         /* final drop-path probability (linear ramp) */
	float label_smoothing;
	dca_augment aug;         /* crop/flip/cutout and normalisation */
	long seed;
	const char *run_dir;     /* NULL: no files written */
	int resume;              /* continue from run_dir/checkpoint.dcaw */
	FILE *progress;          /* terminal progress (NULL: none) */
	const char *config_json; /* stored in checkpoints to refuse a mismatch */
	int stop_after;          /* > 0: return after this many epochs in this
				  * call, as an interruption would (tests) */
	int test_every;          /* evaluate on test every N epochs and after
				  * the last (default 1; a short recipe's
				  * evaluations can cost more than its training) */
} dca_train_opts;

void dca_train_opts_default(dca_train_opts *o);

typedef struct dca_train_result {
	int epochs_done;
	float train_loss, train_acc;   /* last epoch, percent */
	float test_loss, test_acc;     /* on the evaluation set, percent */
	double seconds;
	double images_per_second;
} dca_train_result;

/* Train m on train; evaluate on test (may be NULL) every o->test_every
 * epochs and after the last. */
int dca_train(dca_model *m, const dca_dataset *train, const dca_dataset *test,
	      const dca_train_opts *o, dca_train_result *res, dca_error *err);

/* Correct predictions of logits (N x C) against labels. */
int dca_count_correct(const dca_tensor *logits, const int *labels);
/* A monotonic clock, in seconds. */
double dca_seconds(void);
/* This process's peak resident memory so far, in MiB (what the system
 * counts, not an in-process tally): logged per epoch by train and search. */
double dca_peak_rss_mib(void);
/* On f, when threads (a checkpoint's, from checkpoint) is not this
 * engine's count: a warning that the resumed result may differ slightly. */
void dca_threads_warning(FILE *f, const char *checkpoint, int threads);

/* Accuracy (percent) and mean loss of m on d, in eval mode. */
int dca_evaluate(dca_model *m, const dca_dataset *d, int batch,
		 const dca_augment *norm, float *acc, float *loss, dca_error *err);
/* The same, writing to logits_out (may be NULL) one line per sample of d,
 * in order: its label, then its logits (dcanas eval --logits). */
int dca_evaluate_logits(dca_model *m, const dca_dataset *d, int batch,
			const dca_augment *norm, FILE *logits_out, float *acc,
			float *loss, dca_error *err);

#ifdef __cplusplus
}
#endif
#endif
