/* dcanas — the one table of bounds on user-given numbers (limits.h). The
 * network sizes keep a search or a training within memory a machine has;
 * the rates and probabilities keep the maths defined. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <dcanas/limits.h>

static const dca_limit limits[DCA_LIM_COUNT] = {
	[DCA_LIM_WIDTH]           = { "a width (channels)", 1, 4096, 1 },
	[DCA_LIM_CELLS]           = { "a number of cells", 1, 1000, 1 },
	[DCA_LIM_CLASSES]         = { "a number of classes", 2, 1000000, 1 },
	[DCA_LIM_INPUT_CHANNELS]  = { "input channels", 1, 4096, 1 },
	[DCA_LIM_INPUT_SIZE]      = { "an image side (pixels)", 1, 4096, 1 },
	[DCA_LIM_EPOCHS]          = { "a number of epochs", 1, 100000, 1 },
	[DCA_LIM_WARMUP_EPOCHS]   = { "a number of warm-up epochs", 0, 100000, 1 },
	[DCA_LIM_BATCH_SIZE]      = { "a batch size", 1, 65536, 1 },
	[DCA_LIM_BOTTLENECK_K]    = { "a channel bottleneck K", 1, 64, 1 },
	[DCA_LIM_LR]              = { "a learning rate", 0, 100, 0 },
	[DCA_LIM_WEIGHT_DECAY]    = { "a weight decay", 0, 1, 0 },
	[DCA_LIM_GRAD_CLIP]       = { "a gradient clip", 0, 1e6, 0 },
	[DCA_LIM_LABEL_SMOOTHING] = { "a label smoothing", 0, 0.999, 0 },
	[DCA_LIM_DROP_PATH]       = { "a drop-path probability", 0, 0.999, 0 },
	[DCA_LIM_CUTOUT]          = { "a cutout side (pixels)", 0, 4096, 1 },
	[DCA_LIM_PER_CLASS]       = { "images per class", 0, 100000000, 1 },
	[DCA_LIM_SEED]            = { "a seed", -9007199254740992.0, 9007199254740992.0, 1 },
	[DCA_LIM_TIME_LIMIT]      = { "a time limit (seconds)", 0, 1e9, 0 },
	[DCA_LIM_THREADS]         = { "a number of threads", 0, 4096, 1 },
	[DCA_LIM_COUNT_SMALL]     = { "a count", 0, 100000, 1 },
};

const dca_limit *dca_limit_get(dca_limit_id id)
{
	return id >= 0 && id < DCA_LIM_COUNT ? &limits[id] : NULL;
}

int dca_limit_check(dca_limit_id id, const char *where, double v, dca_error *err)
{
	const dca_limit *l = dca_limit_get(id);

	if (!l)
		return dca_error_set(err, DCA_ERR_INVALID, "%s: no such limit", where);
	if (!isfinite(v) || v < l->min || v > l->max || (l->whole && v != floor(v)))
		return dca_error_set(err, DCA_ERR_INVALID, "%s: expects %s%s from %.15g "
				     "to %.15g, got %.15g", where, l->whole ? "a whole number, " : "",
				     l->what, l->min, l->max, v);
	return 0;
}

int dca_limit_parse(dca_limit_id id, const char *where, const char *text,
		    double *out, dca_error *err)
{
	const dca_limit *l = dca_limit_get(id);
	char *end;
	double v;

	errno = 0;
	v = text ? strtod(text, &end) : 0;
	if (!l || !text || end == text || *end || errno == ERANGE || !isfinite(v))
		return dca_error_set(err, DCA_ERR_INVALID, "%s: expects %s%s from %.15g "
				     "to %.15g, got '%s'", where, l && l->whole ? "a whole number, " : "",
				     l ? l->what : "a number", l ? l->min : 0, l ? l->max : 0,
				     text ? text : "");
	if (dca_limit_check(id, where, v, err))
		return DCA_ERR_INVALID;
	*out = v;
	return 0;
}
