/* dcanas — trainable models: owned parameters, buffers, standard layers. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/model.h>
#include <dcanas/ops.h>

dca_model *dca_model_new(uint64_t seed)
{
	dca_model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	dca_rng_seed(&m->init_rng, seed);
	dca_rng_seed(&m->rng, seed ^ 0x5eed5eed5eedULL);
	return m;
}

void dca_model_free(dca_model *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < m->n_params; i++) {
		dca_param_free(m->params[i]);
		free(m->param_names[i]);
	}
	for (i = 0; i < m->n_buffers; i++) {
		dca_param_free(m->buffers[i]);
		free(m->buffer_names[i]);
	}
	free(m->params);
	free(m->param_names);
	free(m->buffers);
	free(m->buffer_names);
	if (m->state_free)
		m->state_free(m->state);
	free(m);
}

size_t dca_model_param_count(const dca_model *m)
{
	size_t s = 0;
	int i;

	for (i = 0; i < m->n_params; i++)
		s += m->params[i]->size;
	return s;
}

static dca_tensor *add_tensor(dca_tensor ***list, char ***names, int *n, int *cap,
			      int requires_grad, int d0, int d1, int d2, int d3,
			      const char *fmt, va_list ap)
{
	char buf[256];
	dca_tensor *t;
	char *name;

	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 64;
		dca_tensor **nl = realloc(*list, (size_t)ncap * sizeof *nl);
		char **nn;
		if (!nl)
			return NULL;
		*list = nl;
		nn = realloc(*names, (size_t)ncap * sizeof *nn);
		if (!nn)
			return NULL;
		*names = nn;
		*cap = ncap;
	}
	vsnprintf(buf, sizeof buf, fmt, ap);
	t = dca_param_new(d0, d1, d2, d3, requires_grad);
	name = strdup(buf);
	if (!t || !name) {
		dca_param_free(t);
		free(name);
		return NULL;
	}
	(*list)[*n] = t;
	(*names)[*n] = name;
	(*n)++;
	return t;
}

dca_tensor *dca_model_param(dca_model *m, int n, int c, int h, int w,
			    const char *fmt, ...)
{
	va_list ap;
	dca_tensor *t;

	va_start(ap, fmt);
	t = add_tensor(&m->params, &m->param_names, &m->n_params, &m->cap_params,
		       1, n, c, h, w, fmt, ap);
	va_end(ap);
	return t;
}

dca_tensor *dca_model_buffer(dca_model *m, int n, int c, int h, int w,
			     const char *fmt, ...)
{
	va_list ap;
	dca_tensor *t;

	va_start(ap, fmt);
	t = add_tensor(&m->buffers, &m->buffer_names, &m->n_buffers,
		       &m->cap_buffers, 0, n, c, h, w, fmt, ap);
	va_end(ap);
	return t;
}

void dca_model_init_uniform(dca_model *m, dca_tensor *t, int fan_in)
{
	/* PyTorch's default: kaiming_uniform(a=sqrt(5)) gives bound 1/sqrt(fan_in) */
	float bound = 1.0f / sqrtf((float)(fan_in > 0 ? fan_in : 1));
	size_t i;

	for (i = 0; i < t->size; i++)
		t->data[i] = (2.0f * dca_rng_uniform(&m->init_rng) - 1.0f) * bound;
}

int dca_conv_init(dca_model *m, dca_conv *c, int cin, int cout, int k,
		  int stride, int pad, int dilation, int groups, int bias,
		  const char *name)
{
	int fan_in = cin / groups * k * k;

	c->w = dca_model_param(m, cout, cin / groups, k, k, "%s.weight", name);
	c->b = bias ? dca_model_param(m, 1, cout, 1, 1, "%s.bias", name) : NULL;
	if (!c->w || (bias && !c->b))
		return DCA_ERR_NOMEM;
	dca_model_init_uniform(m, c->w, fan_in);
	if (c->b)
		dca_model_init_uniform(m, c->b, fan_in);
	c->stride = stride;
	c->pad = pad;
	c->dilation = dilation;
	c->groups = groups;
	return 0;
}

int dca_bn_init(dca_model *m, dca_bn *bn, int channels, int affine, const char *name)
{
	size_t i;

	bn->gamma = bn->beta = NULL;
	if (affine) {
		bn->gamma = dca_model_param(m, 1, channels, 1, 1, "%s.weight", name);
		bn->beta = dca_model_param(m, 1, channels, 1, 1, "%s.bias", name);
		if (!bn->gamma || !bn->beta)
			return DCA_ERR_NOMEM;
		for (i = 0; i < bn->gamma->size; i++)
			bn->gamma->data[i] = 1.0f;
	}
	bn->mean = dca_model_buffer(m, 1, channels, 1, 1, "%s.running_mean", name);
	bn->var = dca_model_buffer(m, 1, channels, 1, 1, "%s.running_var", name);
	if (!bn->mean || !bn->var)
		return DCA_ERR_NOMEM;
	for (i = 0; i < bn->var->size; i++)
		bn->var->data[i] = 1.0f;
	return 0;
}

int dca_fc_init(dca_model *m, dca_fc *fc, int in, int out, const char *name)
{
	fc->w = dca_model_param(m, out, in, 1, 1, "%s.weight", name);
	fc->b = dca_model_param(m, 1, out, 1, 1, "%s.bias", name);
	if (!fc->w || !fc->b)
		return DCA_ERR_NOMEM;
	dca_model_init_uniform(m, fc->w, in);
	dca_model_init_uniform(m, fc->b, in);
	return 0;
}

dca_tensor *dca_conv_apply(dca_graph *g, const dca_conv *c, dca_tensor *x)
{
	return dca_conv2d(g, x, c->w, c->b, c->stride, c->pad, c->dilation, c->groups);
}

dca_tensor *dca_relu_conv_apply(dca_graph *g, const dca_conv *c, dca_tensor *x)
{
	return dca_relu_conv2d(g, x, c->w, c->b, c->stride, c->pad, c->dilation,
			       c->groups);
}

dca_tensor *dca_bn_apply(dca_graph *g, const dca_bn *bn, dca_tensor *x, int training)
{
	return dca_batchnorm(g, x, bn->gamma, bn->beta, bn->mean, bn->var,
			     training, 0.1f, 1e-5f);
}

dca_tensor *dca_fc_apply(dca_graph *g, const dca_fc *fc, dca_tensor *x)
{
	return dca_linear(g, x, fc->w, fc->b);
}
