/* dcanas — the bounds on every number a user gives, in one table: command
 * line flags, experiment keys and a search's arch.json are checked against
 * the same limits (core/limits.c), so no input is silently truncated,
 * wrapped or grown into gigabytes. */
#ifndef DCANAS_LIMITS_H
#define DCANAS_LIMITS_H

#include <dcanas/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dca_limit_id {
	DCA_LIM_WIDTH,            /* initial channels of a network */
	DCA_LIM_CELLS,
	DCA_LIM_CLASSES,
	DCA_LIM_INPUT_CHANNELS,
	DCA_LIM_INPUT_SIZE,       /* image height or width */
	DCA_LIM_EPOCHS,
	DCA_LIM_WARMUP_EPOCHS,
	DCA_LIM_BATCH_SIZE,
	DCA_LIM_BOTTLENECK_K,
	DCA_LIM_LR,               /* any learning rate */
	DCA_LIM_WEIGHT_DECAY,
	DCA_LIM_GRAD_CLIP,
	DCA_LIM_LABEL_SMOOTHING,
	DCA_LIM_DROP_PATH,
	DCA_LIM_CUTOUT,
	DCA_LIM_PER_CLASS,
	DCA_LIM_SEED,
	DCA_LIM_TIME_LIMIT,       /* seconds */
	DCA_LIM_THREADS,          /* 0: all cores */
	DCA_LIM_COUNT_SMALL,      /* counts of runs, samples, candidates, epochs between tests */
	DCA_LIM_COUNT
} dca_limit_id;

typedef struct dca_limit {
	const char *what;         /* for messages, e.g. "a width (channels)" */
	double min, max;          /* inclusive */
	int whole;                /* must be a whole number */
} dca_limit;

const dca_limit *dca_limit_get(dca_limit_id id);
/* 0 when v is finite, within the limit and whole where it must be; else
 * an error naming where (a flag, a key, a file) and the allowed range. */
int dca_limit_check(dca_limit_id id, const char *where, double v, dca_error *err);
/* Parse text as a number within the limit (the whole text, finite); the
 * value in *out, or an error naming where, what was given and the range. */
int dca_limit_parse(dca_limit_id id, const char *where, const char *text,
		    double *out, dca_error *err);

#ifdef __cplusplus
}
#endif

#endif
