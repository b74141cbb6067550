/* dcanas — seeded epochs, augmentation and float batches.
 *
 * One RNG stream drives both the epoch shuffles and the per-sample
 * augmentation, drawn in a fixed order (crop offsets, flip, cutout centre),
 * so the same seed always yields the same batches. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/comm.h>
#include <dcanas/data.h>

int dca_loader_init(dca_loader *l, const dca_dataset *d, int batch,
		    int shuffle_augment, const dca_augment *aug, uint64_t seed)
{
	int i;

	if (!l)
		return DCA_ERR_INVALID;
	memset(l, 0, sizeof *l);
	if (!d || d->n <= 0 || !d->images || !d->labels || batch <= 0 || d->c <= 0 ||
	    d->c > 4 || d->h <= 0 || d->w <= 0 || !(d->max_value > 0))
		return DCA_ERR_INVALID;
	if (aug) {
		l->aug = *aug;
		for (i = 0; i < d->c; i++)
			if (!(l->aug.std[i] > 0))
				return DCA_ERR_INVALID;
		if ((l->aug.crop_pad < 0 && l->aug.crop_pad != DCA_AUG_RESIZED_CROP) ||
		    l->aug.cutout < 0)
			return DCA_ERR_INVALID;
	} else {
		for (i = 0; i < 4; i++) {
			l->aug.mean[i] = 0.0f;
			l->aug.std[i] = 1.0f;
		}
	}
	l->order = malloc((size_t)d->n * sizeof *l->order);
	if (!l->order)
		return DCA_ERR_NOMEM;
	for (i = 0; i < d->n; i++)
		l->order[i] = i;
	l->d = d;
	l->batch = batch;
	l->drop_last = 0;
	l->augment = shuffle_augment ? 1 : 0;
	dca_rng_seed(&l->rng, seed);
	dca_loader_epoch(l);
	return 0;
}

void dca_loader_epoch(dca_loader *l)
{
	int i;

	if (!l || !l->order)
		return;
	l->pos = 0;
	if (!l->augment)
		return;
	/* each epoch's order depends on the rng state alone (not on the last
	 * epoch's order), so a resumed run replays it exactly */
	for (i = 0; i < l->d->n; i++)
		l->order[i] = i;
	for (i = l->d->n - 1; i > 0; i--) {
		int j = (int)dca_rng_below(&l->rng, (uint32_t)i + 1);
		int t = l->order[i];
		l->order[i] = l->order[j];
		l->order[j] = t;
	}
}

/* One sample's random augmentation, drawn in a fixed order */
typedef struct sample_aug {
	int pad, oy, ox, flip, cy, cx;
	int rrc, ry, rx, rh, rw;   /* a random-resized crop's box (rrc set) */
} sample_aug;

/* A random-resized crop's box, as torchvision's RandomResizedCrop draws it:
 * an area of 8-100% of the image and an aspect ratio between 3/4 and 4/3
 * (uniform in log), placed uniformly; after 10 boxes that do not fit, the
 * centre crop of the nearest aspect in that range. Always the same number
 * of draws (40), so the stream does not depend on the image. */
static void draw_resized_crop(dca_loader *l, sample_aug *a)
{
	const int H = l->d->h, W = l->d->w;
	const double lo = log(3.0 / 4.0), hi = log(4.0 / 3.0);
	int t, found = 0;

	a->rrc = 1;
	for (t = 0; t < 10; t++) {
		double area = (double)H * W * (0.08 + 0.92 * dca_rng_uniform(&l->rng));
		double ratio = exp(lo + (hi - lo) * dca_rng_uniform(&l->rng));
		int w = (int)lround(sqrt(area * ratio)), h = (int)lround(sqrt(area / ratio));
		uint32_t uy = (uint32_t)(dca_rng_next(&l->rng) >> 32);
		uint32_t ux = (uint32_t)(dca_rng_next(&l->rng) >> 32);

		if (found || w < 1 || h < 1 || w > W || h > H)
			continue;
		a->rh = h;
		a->rw = w;
		a->ry = (int)(uy % (uint32_t)(H - h + 1));
		a->rx = (int)(ux % (uint32_t)(W - w + 1));
		found = 1;
	}
	if (!found) {
		double ratio = (double)W / H;

		a->rh = H;
		a->rw = W;
		if (ratio < 3.0 / 4.0)
			a->rh = (int)lround(W / (3.0 / 4.0));
		else if (ratio > 4.0 / 3.0)
			a->rw = (int)lround(H * (4.0 / 3.0));
		a->ry = (H - a->rh) / 2;
		a->rx = (W - a->rw) / 2;
	}
}

static sample_aug draw_aug(dca_loader *l)
{
	sample_aug a = { 0 };

	if (l->augment && l->aug.crop_pad == DCA_AUG_RESIZED_CROP)
		draw_resized_crop(l, &a);
	else if (l->augment && l->aug.crop_pad > 0) {
		/* Window offset in the padded image, 0..2*pad on each axis. */
		a.pad = l->aug.crop_pad;
		a.oy = (int)dca_rng_below(&l->rng, (uint32_t)(2 * a.pad + 1));
		a.ox = (int)dca_rng_below(&l->rng, (uint32_t)(2 * a.pad + 1));
	}
	if (l->augment && l->aug.flip)
		a.flip = dca_rng_below(&l->rng, 2) == 1;
	if (l->augment && l->aug.cutout > 0) {
		a.cy = (int)dca_rng_below(&l->rng, (uint32_t)l->d->h);
		a.cx = (int)dca_rng_below(&l->rng, (uint32_t)l->d->w);
	}
	return a;
}

/* Source coordinate of output pixel i of n over a box [o, o + len):
 * pixel centres aligned (align_corners false), clamped to the box. */
static float box_coord(int i, int n, int o, int len)
{
	float s = ((float)i + 0.5f) * (float)len / (float)n - 0.5f;

	if (s < 0.0f)
		s = 0.0f;
	if (s > (float)(len - 1))
		s = (float)(len - 1);
	return (float)o + s;
}

/* The box of a, resized bilinearly to the whole H x W output (flipped when
 * a says), normalised; channel c of the sample in p. */
static void resized_crop_plane(const sample_aug *a, const uint8_t *p, int H, int W,
			       float scale, float bias, float *o)
{
	int y, x;

	for (y = 0; y < H; y++) {
		float sy = box_coord(y, H, a->ry, a->rh);
		int y0 = (int)sy, y1 = y0 + 1 < a->ry + a->rh ? y0 + 1 : y0;
		float fy = sy - (float)y0;
		for (x = 0; x < W; x++) {
			float sx = box_coord(a->flip ? W - 1 - x : x, W, a->rx, a->rw);
			int x0 = (int)sx, x1 = x0 + 1 < a->rx + a->rw ? x0 + 1 : x0;
			float fx = sx - (float)x0;
			float top = p[(size_t)y0 * W + x0] * (1.0f - fx) + p[(size_t)y0 * W + x1] * fx;
			float bot = p[(size_t)y1 * W + x0] * (1.0f - fx) + p[(size_t)y1 * W + x1] * fx;
			o[(size_t)y * W + x] = (top * (1.0f - fy) + bot * fy) * scale + bias;
		}
	}
}

/* One sample into out (C x H x W floats), augmented as a says. */
static void loader_sample(dca_loader *l, const sample_aug *a, const uint8_t *src,
			  float *out)
{
	const dca_dataset *d = l->d;
	const int C = d->c, H = d->h, W = d->w;
	const int pad = a->pad, oy = a->oy, ox = a->ox, flip = a->flip;
	int c, y, x;
	float scale[4], bias[4];

	for (c = 0; c < C; c++) {
		scale[c] = 1.0f / (d->max_value * l->aug.std[c]);
		bias[c] = -l->aug.mean[c] / l->aug.std[c];
	}
	for (c = 0; c < C; c++) {
		const uint8_t *p = src + (size_t)c * H * W;
		float *o = out + (size_t)c * H * W;
		if (a->rrc) {
			resized_crop_plane(a, p, H, W, scale[c], bias[c], o);
			continue;
		}
		for (y = 0; y < H; y++) {
			int sy = y + oy - pad;
			for (x = 0; x < W; x++) {
				int cx = flip ? W - 1 - x : x;
				int sx = cx + ox - pad;
				/* Padding is pixel 0, normalised like any other pixel. */
				float v = (sy >= 0 && sy < H && sx >= 0 && sx < W)
					? p[(size_t)sy * W + sx] : 0.0f;
				o[(size_t)y * W + x] = v * scale[c] + bias[c];
			}
		}
	}
	if (l->augment && l->aug.cutout > 0) {
		int side = l->aug.cutout;
		int y0 = a->cy - side / 2, x0 = a->cx - side / 2;
		int y1 = y0 + side, x1 = x0 + side;
		if (y0 < 0)
			y0 = 0;
		if (x0 < 0)
			x0 = 0;
		if (y1 > H)
			y1 = H;
		if (x1 > W)
			x1 = W;
		/* Zero after normalisation, as the DARTS cutout does. */
		for (c = 0; c < C; c++)
			for (y = y0; y < y1; y++)
				for (x = x0; x < x1; x++)
					out[((size_t)c * H + y) * W + x] = 0.0f;
	}
}

/* The next batch of the epoch, samples [lo, hi) of it built (the whole
 * batch's augmentation drawn): lo = 0, hi = -1 for all. Returns the
 * batch's size (0 at the end); *built the samples in *x. */
static int next_part(dca_loader *l, dca_graph *g, dca_tensor **x, int **labels,
		     int shard, int *built)
{
	const dca_dataset *d;
	size_t chw;
	int b, i, lo = 0, hi;
	dca_tensor *t;
	int *lab;

	if (x)
		*x = NULL;
	if (labels)
		*labels = NULL;
	if (!l || !l->order || !g || !x || !labels)
		return DCA_ERR_INVALID;
	d = l->d;
	for (;;) {
		if (l->pos >= d->n)
			return 0;
		b = d->n - l->pos < l->batch ? d->n - l->pos : l->batch;
		if (l->drop_last && b < l->batch) {
			l->pos = d->n;
			return 0;
		}
		hi = b;
		if (!shard)
			break;
		dca_comm_shard(b, &lo, &hi);
		if (b >= dca_comm_size())    /* every rank's shard has a sample */
			break;
		/* fewer samples than ranks (a last batch): skipped by all, its
		 * draws made, so the stream stays one process's */
		for (i = 0; i < b; i++)
			draw_aug(l);
		l->pos = d->n;
	}
	t = dca_tensor_new(g, hi - lo, d->c, d->h, d->w, 0);
	lab = dca_graph_alloc(g, (size_t)(hi - lo) * sizeof *lab);
	if (!t || !lab)
		return DCA_ERR_NOMEM;
	chw = (size_t)d->c * d->h * d->w;
	for (i = 0; i < b; i++) {
		int s = l->order[l->pos + i];
		sample_aug a = draw_aug(l);

		if (i < lo || i >= hi)
			continue;
		loader_sample(l, &a, d->images + (size_t)s * chw, t->data + (size_t)(i - lo) * chw);
		lab[i - lo] = d->labels[s];
	}
	l->pos += b;
	*x = t;
	*labels = lab;
	*built = hi - lo;
	return b;
}

int dca_loader_next(dca_loader *l, dca_graph *g, dca_tensor **x, int **labels)
{
	int built;

	return next_part(l, g, x, labels, 0, &built);
}

int dca_loader_next_shard(dca_loader *l, dca_graph *g, dca_tensor **x,
			  int **labels, int *global_b)
{
	int built = 0, b = next_part(l, g, x, labels, 1, &built);

	if (global_b)
		*global_b = b > 0 ? b : 0;
	return b > 0 ? built : b;
}

int dca_loader_batches(const dca_loader *l)
{
	if (!l || !l->d || l->batch <= 0)
		return 0;
	return l->drop_last ? l->d->n / l->batch : (l->d->n + l->batch - 1) / l->batch;
}

void dca_loader_free(dca_loader *l)
{
	if (!l)
		return;
	free(l->order);
	memset(l, 0, sizeof *l);
}
