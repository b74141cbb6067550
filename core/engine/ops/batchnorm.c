/* dcanas — batch normalisation over N, H, W per channel.
 *
 * Training: normalise with the batch mean and biased variance; update the
 * running stats as PyTorch does, r = (1 - momentum) r + momentum * stat, with
 * the unbiased variance. Eval: normalise with the running stats (or with the
 * batch's when no running stats are given, like track_running_stats=False).
 * Each plane (one sample, one channel) is summed in float vector lanes and
 * the plane sums in double; channels are spread over threads and each is
 * summed by one thread in a fixed order, so results are deterministic.
 * The variance comes from the same pass as the mean, on values shifted by
 * the first plane's mean so E[x^2] - E[x]^2 does not cancel.
 *
 * Spread over ranks (comm.h), training normalises with the statistics of
 * the whole global batch (synchronised batch norm): the forward pass sums
 * each channel over ranks twice (mean, then squares about it), the
 * backward pass sums dy and dy * x̂; each rank's γ and β gradients stay its
 * own, summed with the other gradients before the step. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/comm.h>
#include <dcanas/ops.h>

#include "op_common.h"

enum { A_BATCH_STATS, A_SYNCED };

/* sum of (x - k) and of (x - k)^2 over one plane */
static void plane_moments(const float *restrict x, size_t hw, float k,
			  double *s1, double *s2)
{
	float a = 0, b = 0;
	size_t j;

#pragma omp simd reduction(+ : a, b)
	for (j = 0; j < hw; j++) {
		float d = x[j] - k;
		a += d;
		b += d * d;
	}
	*s1 += a;
	*s2 += b;
}

/* sum of g and of g * (x - mu) * is over one plane */
static void plane_grad_sums(const float *restrict x, const float *restrict g,
			    size_t hw, float mu, float is, double *sg, double *sgx)
{
	float a = 0, b = 0;
	size_t j;

#pragma omp simd reduction(+ : a, b)
	for (j = 0; j < hw; j++) {
		a += g[j];
		b += g[j] * ((x[j] - mu) * is);
	}
	*sg += a;
	*sgx += b;
}

/* saved: mean[C] then invstd[C], then (synchronised) the global count as
 * a double's bytes */

/* the elements per channel over every rank: saved after mean and invstd */
static double saved_count(const float *saved, int c)
{
	double m;

	memcpy(&m, saved + 2 * (size_t)c, sizeof m);
	return m;
}

/* the global sums of dy and dy * x̂ per channel (synchronised backward) */
static double *global_grad_sums(dca_tensor *x, const float *y_grad,
				const float *mean, const float *invstd)
{
	int n = x->n, c = x->c;
	size_t hw = (size_t)x->h * x->w;
	double *sums = malloc(2 * (size_t)c * sizeof *sums);
	long ci;

	if (!sums)
		return NULL;
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(dynamic)
	for (ci = 0; ci < c; ci++) {
		double sg = 0, sgx = 0;
		int i;

		for (i = 0; i < n; i++) {
			size_t off = ((size_t)i * c + ci) * hw;
			plane_grad_sums(x->data + off, y_grad + off, hw, mean[ci],
					invstd[ci], &sg, &sgx);
		}
		sums[ci] = sg;
		sums[c + ci] = sgx;
	}
	dca_comm_sum_double(sums, 2 * (size_t)c);
	return sums;
}

static void bn_backward(dca_graph *g, dca_node *nd)
{
	dca_tensor *x = nd->in[0], *gamma = nd->in[1], *beta = nd->in[2];
	dca_tensor *y = nd->out;
	const float *mean = nd->saved, *invstd = mean + x->c;
	int batch = nd->iarg[A_BATCH_STATS];
	int n = x->n, c = x->c;
	size_t hw = (size_t)x->h * x->w;
	double m = (double)n * hw;
	int fresh = grad_fresh(nd, 0);
	double *global = NULL;
	long ci;

	(void)g;
	if (nd->iarg[A_SYNCED]) {
		m = saved_count(nd->saved, c);
		/* out of memory here cannot be agreed on: the job stops */
		if (!(global = global_grad_sums(x, y->grad, mean, invstd))) {
			dca_error e = { .code = DCA_ERR_NOMEM };
			snprintf(e.msg, sizeof e.msg, "out of memory in batch norm's backward");
			dca_comm_fail(DCA_ERR_NOMEM, &e);
		}
	}
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(dynamic)
	for (ci = 0; ci < c; ci++) {
		double sg = 0, sgx = 0;
		float mu = mean[ci], is = invstd[ci];
		float gm = gamma ? gamma->data[ci] : 1.0f;
		int i;
		size_t j;

		for (i = 0; i < n; i++) {
			size_t off = ((size_t)i * c + ci) * hw;
			plane_grad_sums(x->data + off, y->grad + off, hw, mu, is, &sg, &sgx);
		}
		if (gamma && gamma->requires_grad)
			gamma->grad[ci] += (float)sgx;
		if (beta && beta->requires_grad)
			beta->grad[ci] += (float)sg;
		if (x->requires_grad) {
			float k = gm * is;
			double tg = global ? global[ci] : sg, tgx = global ? global[c + ci] : sgx;
			float mg = batch ? (float)(tg / m) : 0.0f;
			float mgx = batch ? (float)(tgx / m) : 0.0f;
			for (i = 0; i < n; i++) {
				const float *restrict xr = x->data + ((size_t)i * c + ci) * hw;
				const float *restrict gr = y->grad + ((size_t)i * c + ci) * hw;
				float *restrict xg = x->grad + ((size_t)i * c + ci) * hw;
				if (fresh)
#pragma omp simd
					for (j = 0; j < hw; j++) {
						float xh = (xr[j] - mu) * is;
						xg[j] = k * (gr[j] - mg - xh * mgx);
					}
				else
#pragma omp simd
					for (j = 0; j < hw; j++) {
						float xh = (xr[j] - mu) * is;
						xg[j] += k * (gr[j] - mg - xh * mgx);
					}
			}
		}
	}
	free(global);
}

/* The global batch's mean and sum of squares about it, per channel, into
 * mean[c] and var_sum[c] (var_sum has room for 2 c + 1 values); returns
 * the elements per channel over ranks. The same arithmetic as one
 * process: moments about a shift, rank 0's first plane's mean (one
 * process's shift), so a spread run differs only in summation order. */
static double global_moments(const dca_tensor *x, double *mean, double *var_sum)
{
	int n = x->n, c = x->c;
	size_t hw = (size_t)x->h * x->w;
	double count;
	long ci;

	for (ci = 0; ci < c; ci++) {
		double s = 0, v = 0;

		plane_moments(x->data + (size_t)ci * hw, hw, 0.0f, &s, &v);
		mean[ci] = s / (double)hw;
	}
	dca_comm_bcast(mean, (size_t)c * sizeof *mean);
#pragma omp parallel for if (x->size >= PAR_MIN) schedule(dynamic)
	for (ci = 0; ci < c; ci++) {
		double s = 0, v = 0;
		int i;

		for (i = 0; i < n; i++)
			plane_moments(x->data + ((size_t)i * c + ci) * hw, hw,
				      (float)mean[ci], &s, &v);
		var_sum[ci] = s;
		var_sum[c + ci] = v;
	}
	var_sum[2 * c] = (double)n * hw;
	dca_comm_sum_double(var_sum, 2 * (size_t)c + 1);
	count = var_sum[2 * c];
	for (ci = 0; ci < c; ci++) {
		double s = var_sum[ci], dmu = s / count;
		double v = var_sum[c + ci] - s * dmu;   /* squares about the mean */

		var_sum[ci] = v < 0 ? 0 : v;
		mean[ci] = dmu + (float)mean[ci];
	}
	return count;
}

dca_tensor *dca_batchnorm(dca_graph *g, dca_tensor *x, dca_tensor *gamma,
			  dca_tensor *beta, dca_tensor *running_mean,
			  dca_tensor *running_var, int training, float momentum,
			  float eps)
{
	int n = x->n, c = x->c;
	size_t hw = (size_t)x->h * x->w;
	size_t m = (size_t)n * hw;
	int batch = training || !running_mean || !running_var;
	int synced = training && dca_comm_size() > 1;
	double *gmean = NULL, *gvar = NULL, gcount = 0;
	dca_tensor *y, *in[3];
	dca_node *nd;
	float *saved;
	long ci;

	OP_REQUIRE((!gamma || (int)gamma->size == c) && (!beta || (int)beta->size == c) &&
		   (!running_mean || (int)running_mean->size == c) &&
		   (!running_var || (int)running_var->size == c),
		   "gamma, beta and running stats need %d values, one per channel", c);
	y = dca_tensor_new_uninit(g, n, c, x->h, x->w);
	saved = dca_graph_alloc(g, 2 * (size_t)c * sizeof *saved + sizeof gcount);
	if (!y || !saved)
		return NULL;
	if (synced) {
		gmean = malloc((3 * (size_t)c + 1) * sizeof *gmean);   /* mean, var_sum */
		if (!gmean) {
			dca_error e = { .code = DCA_ERR_NOMEM };
			snprintf(e.msg, sizeof e.msg, "out of memory in batch norm");
			dca_comm_fail(DCA_ERR_NOMEM, &e);
			return NULL;
		}
		gvar = gmean + c;
		gcount = global_moments(x, gmean, gvar);
		m = (size_t)gcount;
	}

#pragma omp parallel for if (x->size >= PAR_MIN) schedule(dynamic)
	for (ci = 0; ci < c; ci++) {
		float mu, is, gm = gamma ? gamma->data[ci] : 1.0f;
		float bt = beta ? beta->data[ci] : 0.0f;
		int i;
		size_t j;

		if (synced) {
			double v = gvar[ci] > 0 ? gvar[ci] : 0;
			mu = (float)gmean[ci];
			is = (float)(1.0 / sqrt(v / gcount + eps));
			if (running_mean && running_var) {
				double unb = gcount > 1 ? v / (gcount - 1) : v;
				running_mean->data[ci] = (1.0f - momentum) * running_mean->data[ci] +
							 momentum * mu;
				running_var->data[ci] = (1.0f - momentum) * running_var->data[ci] +
							momentum * (float)unb;
			}
		} else if (batch) {
			double s = 0, v = 0, dmu, shift;
			/* shift: the first plane's mean, near the channel's */
			plane_moments(x->data + (size_t)ci * hw, hw, 0.0f, &s, &v);
			shift = s / (double)hw;
			s = v = 0;
			for (i = 0; i < n; i++)
				plane_moments(x->data + ((size_t)i * c + ci) * hw, hw,
					      (float)shift, &s, &v);
			dmu = s / (double)m;
			/* sum of squares about the mean */
			v = v - s * dmu;
			if (v < 0)
				v = 0;
			dmu += (float)shift;
			mu = (float)dmu;
			is = (float)(1.0 / sqrt(v / (double)m + eps));
			if (training && running_mean && running_var) {
				/* unbiased for the running estimate; one value has none */
				double unb = m > 1 ? v / (double)(m - 1) : v;
				running_mean->data[ci] = (1.0f - momentum) * running_mean->data[ci] +
							 momentum * (float)dmu;
				running_var->data[ci] = (1.0f - momentum) * running_var->data[ci] +
							momentum * (float)unb;
			}
		} else {
			mu = running_mean->data[ci];
			is = (float)(1.0 / sqrt((double)running_var->data[ci] + eps));
		}
		saved[ci] = mu;
		saved[c + ci] = is;
		for (i = 0; i < n; i++) {
			const float *restrict xr = x->data + ((size_t)i * c + ci) * hw;
			float *restrict yr = y->data + ((size_t)i * c + ci) * hw;
			float k = gm * is;
#pragma omp simd
			for (j = 0; j < hw; j++)
				yr[j] = (xr[j] - mu) * k + bt;
		}
	}

	free(gmean);
	memcpy(saved + 2 * (size_t)c, &gcount, sizeof gcount);
	in[0] = x;
	in[1] = gamma;
	in[2] = beta;
	nd = dca_graph_record(g, y, bn_backward, in, 3);
	if (nd) {
		nd->iarg[A_BATCH_STATS] = batch;
		nd->iarg[A_SYNCED] = synced;
		nd->assigns = 1;        /* dx covers every element of x */
		nd->farg[0] = eps;
		nd->saved = saved;
	} else if (dca_any_requires_grad(in, 3)) {
		return NULL;
	}
	return y;
}
