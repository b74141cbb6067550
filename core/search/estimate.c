/* dcanas — the differentiable cost estimate Ĉ_c(α) of one budget, and the
 * λ update.
 *
 * A cost model is additive over the derived network's edges:
 *     cost(arch) ~= fixed + Σ_e table[e][op(e)],
 * where table[e][o] is the cost of the ops that candidate o on edge e adds
 * to the deployed network (the space's candidate_net, costed by the
 * constraint op by op) and fixed is everything else (stem, preprocessing,
 * reductions, classifier: the deployed network of a reference arch minus
 * its edges). For params, MACs and per-op latency sums this is exact. Where
 * the device has a whole-network table (HW-NAS-Bench) for the metric the
 * constraint names (dca_constraint.device_metric), the core's fit of that
 * table gives the model instead (network_fit.h); its terms are all >= 0, so
 * Ĉ never goes below zero. Ĉ then follows the space's derivation rule
 * (dca_space.estimate). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dcanas/network_fit.h>
#include <dcanas/search.h>


/* what building a cost model needs */
typedef struct cost_env {
	const dca_space *space;
	const dca_net_shape *final_shape;
	const dca_device *dev;
} cost_env;

void dca_softmax_logits(const float *a, int n, double *p)
{
	double mx = a[0], z = 0;
	int i;

	for (i = 1; i < n; i++)
		if (a[i] > mx)
			mx = a[i];
	for (i = 0; i < n; i++)
		z += p[i] = exp((double)a[i] - mx);
	for (i = 0; i < n; i++)
		p[i] /= z;
}

double dca_cost_estimate(const dca_space *space, const dca_cost_model *cm,
			 const float *alpha, const float *beta, float scale,
			 float *grad)
{
	if (!cm->additive)
		return NAN;
	return cm->fixed + space->estimate(alpha, beta, cm->table, scale, grad);
}

double dca_cost_derived(const dca_space *space, const dca_cost_model *cm,
			const float *alpha, const float *beta)
{
	int choice[256], e;
	double c = cm->fixed;

	if (!cm->additive || space->n_edges > 256)
		return NAN;
	space->derive(alpha, beta, choice);
	for (e = 0; e < space->n_edges; e++)
		if (choice[e] >= 0)
			c += cm->table[e * space->n_ops + choice[e]];
	return c;
}

double dca_lambda_update(double lambda, double estimate, double budget, double eta)
{
	double v = lambda + eta * (estimate - budget) / budget;

	return v > 0 ? v : 0;
}

/* the constraint's cost of every op of net */
static int net_cost(const dca_constraint *c, const dca_device *dev,
		    const dca_net *net, double *out, dca_error *err)
{
	size_t i;
	double s = 0, v;
	int rc;

	for (i = 0; i < net->n_ops; i++) {
		if ((rc = c->op_cost(&net->ops[i], dev, &v, err)))
			return rc;
		s += v;
	}
	*out = s;
	return 0;
}

/* table from candidate descriptors; fixed from a reference arch */
static int descriptor_model(const cost_env *env, dca_cost_model *cm, dca_error *err)
{
	const dca_space *sp = env->space;
	const dca_constraint *c = cm->budget->constraint;
	int n = sp->n_edges * sp->n_ops, e, o, rc = 0;
	int *ref = calloc((size_t)sp->n_edges, sizeof *ref);
	float *zero_a = calloc((size_t)n, sizeof *zero_a);
	float *zero_b = calloc((size_t)sp->n_edges, sizeof *zero_b);
	dca_arch *arch = NULL;
	dca_net net;
	double total;

	if (!ref || !zero_a || !zero_b) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (e = 0; e < sp->n_edges && !rc; e++)
		for (o = 0; o < sp->n_ops && !rc; o++) {
			dca_net_init(&net);
			rc = sp->candidate_net(env->final_shape, e, o, &net, err);
			if (!rc)
				rc = net_cost(c, env->dev, &net, &cm->table[e * sp->n_ops + o], err);
			dca_net_free(&net);
		}
	if (rc)
		goto out;
	sp->derive(zero_a, zero_b, ref);
	if (!(arch = sp->arch_from_choices(ref, err))) {
		rc = DCA_ERR_INVALID;
		goto out;
	}
	/* the reference network's exact cost, so that what the device adds to
	 * a network beyond its ops (the host's measured overhead) is in fixed */
	dca_net_init(&net);
	rc = sp->build_net(arch, env->final_shape, &net, err);
	if (!rc)
		rc = c->exact(&net, sp, arch, c->needs_device ? env->dev : NULL, &total, err);
	dca_net_free(&net);
	if (rc)
		goto out;
	cm->fixed = total;
	for (e = 0; e < sp->n_edges; e++)
		if (ref[e] >= 0)
			cm->fixed -= cm->table[e * sp->n_ops + ref[e]];
	cm->additive = 1;
	cm->source = "op descriptors";
out:
	if (arch)
		sp->arch_free(arch);
	free(ref);
	free(zero_a);
	free(zero_b);
	return rc;
}

/* The model from the core's fit of the device's table for the constraint's
 * metric. DCA_ERR_UNSUPPORTED when the device has no such table or the fit
 * refuses it (*have_table tells which; why in err). */
static int network_model(const cost_env *env, dca_cost_model *cm,
			 int *have_table, dca_error *err)
{
	const dca_space *sp = env->space;
	const dca_network_table *t;
	dca_network_fit fit;
	int rc;

	*have_table = 0;
	if ((rc = dca_device_network_table(env->dev, sp->name,
					   cm->budget->constraint->device_metric,
					   &t, err)))
		return rc;
	*have_table = 1;
	if ((rc = dca_network_fit_init(&fit, sp, t, err)))
		return rc;
	memcpy(cm->table, fit.w, (size_t)sp->n_edges * sp->n_ops * sizeof *cm->table);
	cm->fixed = fit.bias;
	cm->additive = 1;
	cm->source = "additive edge model: the core's non-negative least-squares "
		     "fit to the device's network table";
	dca_network_fit_free(&fit);
	return 0;
}

static int cost_model_build(dca_cost_model *cm, const dca_space *sp,
			    const dca_net_shape *final_shape, const dca_device *dev,
			    const dca_budget *b, dca_error *err)
{
	cost_env envs = { sp, final_shape, dev }, *env = &envs;
	const dca_constraint *c = b->constraint;
	dca_error table_err = { 0 }, local = { 0 };
	int rc, have_table = 0;

	memset(cm, 0, sizeof *cm);
	cm->budget = b;
	cm->source = "none: checked exactly on the derived network only";
	cm->table = calloc((size_t)sp->n_edges * sp->n_ops, sizeof *cm->table);
	if (!cm->table)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	/* the device's table for the metric the constraint names, by name */
	if (c->needs_device && c->device_metric && env->dev) {
		rc = network_model(env, cm, &have_table, &table_err);
		if (rc == 0)
			return 0;
		if (rc != DCA_ERR_UNSUPPORTED)
			return dca_error_set(err, rc, "budget '%s': %s", b->name,
					     table_err.msg);
	}
	if (!c->op_cost) {
		if (table_err.code && c->device_metric)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED, "budget '%s': %s; "
					     "and constraint %s has no per-op costs, so "
					     "the search would have no estimate of it",
					     b->name, table_err.msg, c->name);
		return 0;
	}
	rc = descriptor_model(env, cm, &local);
	if (rc == DCA_ERR_UNSUPPORTED) {   /* no per-op table: exact checks only */
		/* a table that is there but cannot be fitted is worth saying */
		if (have_table)
			return dca_error_set(err, DCA_ERR_UNSUPPORTED, "budget '%s': %s",
					     b->name, table_err.msg);
		memset(cm->table, 0, (size_t)sp->n_edges * sp->n_ops * sizeof *cm->table);
		cm->fixed = 0;
		return 0;
	}
	if (rc)
		return dca_error_set(err, rc, "%s", local.msg);
	return 0;
}

int dca_cost_model_init(dca_cost_model *cm, const dca_space *sp,
			const dca_net_shape *final_shape, const dca_device *dev,
			const dca_budget *b, dca_error *err)
{
	int rc = cost_model_build(cm, sp, final_shape, dev, b, err);

	/* a failed model holds nothing: dca_search_open counts only the
	 * models built, and never frees the one that failed */
	if (rc)
		dca_cost_model_free(cm);
	return rc;
}

void dca_cost_model_free(dca_cost_model *cm)
{
	free(cm->table);
	cm->table = NULL;
}
