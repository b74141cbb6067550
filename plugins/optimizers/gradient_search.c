/* dcanas — the gradient-based search optimizers:
 *
 *   dcanas  DCA-NAS: first-order bilevel search on the weight-sharing
 *           supernet; each architecture step minimises the validation loss
 *           plus Σ_c λ_c (Ĉ_c(α) − B_c)/B_c, and each λ_c ≥ 0 follows
 *           projected dual ascent on its violation. The violation is that
 *           of the network the search would derive now (the additive model's
 *           cost of the current derived arch), not of the softmax-expected
 *           Ĉ: early in a search α is near uniform, Ĉ is the mean over all
 *           ops and far above what argmax derivation keeps, and a λ driven
 *           by it would push a network already within budget to collapse.
 *   darts   the same loop without the cost terms (first-order DARTS with
 *           the channel bottleneck and edge normalisation), a baseline.
 *
 * One step: a weight step (SGD on a training batch, α fixed), then, after
 * the warm-up epochs, an architecture step (Adam on α and β on a validation
 * batch, w fixed). Each epoch's shuffling and augmentation come from streams
 * seeded by (seed, epoch) and everything else is in the checkpoint, so a
 * resumed search ends where an uninterrupted one does.
 *
 * Spread over MPI ranks (comm.h), each rank takes its shard of every
 * training and validation batch; the weights' and α/β's gradients are
 * summed over ranks before their steps (the cost terms, the same on every
 * rank, are added after the sum); the time limit is decided on rank 0's
 * clock; rank 0 alone reads and writes the checkpoint and shares it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dcanas/dcanas.h>

#define ADAM_BETA1 0.5f      /* the DARTS architecture optimizer */
#define ADAM_BETA2 0.999f
#define ARCH_WEIGHT_DECAY 1e-3f
#define W_MOMENTUM 0.9f
#define W_WEIGHT_DECAY 3e-4f
#define W_CLIP 5.0f
#define W_LR_MIN 1e-3f

typedef struct run {
	dca_search *s;
	const dca_experiment *exp;
	const dca_space *sp;
	int constrained;
	dca_supernet *net;
	dca_sgd sgd;
	dca_adam adam;
	dca_tensor *arch[2];          /* alpha, beta */
	dca_loader train, val;
	dca_graph *g, *bg;            /* steps; batches */
	int sgd_ok, adam_ok, train_ok, val_ok;
	/* the plan (fitted to a time limit): batches per epoch (0 = all),
	 * epochs and warm-up epochs, kept in the checkpoint */
	int steps_per_epoch, epochs, warmup;
} run;

static void set_requires_grad(dca_tensor **t, int n, int on)
{
	int i;

	for (i = 0; i < n; i++)
		t[i]->requires_grad = on;
}

/* mean entropy (nats) of the edges' op distributions: with d = a - max(a)
 * and Z = Σ exp(d), H = log Z - Σ exp(d) d / Z, so no buffer of n_ops
 * probabilities (a fixed one overflowed for a space of more than 64 ops) */
static double alpha_entropy(const dca_supernet *n)
{
	double h = 0;
	int e, o;

	for (e = 0; e < n->n_edges; e++) {
		const float *a = n->alpha->data + (size_t)e * n->n_ops;
		double mx = a[0], z = 0, s = 0;

		for (o = 1; o < n->n_ops; o++)
			if (a[o] > mx)
				mx = a[o];
		for (o = 0; o < n->n_ops; o++) {
			double d = (double)a[o] - mx, q = exp(d);
			z += q;
			s += q * d;
		}
		h += log(z) - s / z;
	}
	return h / n->n_edges;
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                          */

typedef struct arrays {
	dca_named_array *a;
	char **names;
	int n, cap;
} arrays;

static int arrays_add(arrays *A, const char *prefix, const char *name,
		      const dca_tensor *t, float *data)
{
	if (A->n == A->cap) {
		int cap = A->cap ? 2 * A->cap : 64;
		dca_named_array *na = realloc(A->a, (size_t)cap * sizeof *na);
		char **nn = na ? realloc(A->names, (size_t)cap * sizeof *nn) : NULL;
		if (na)
			A->a = na;
		if (!nn)
			return -1;
		A->names = nn;
		A->cap = cap;
	}
	if (asprintf(&A->names[A->n], "%s%s", prefix, name) < 0)
		return -1;
	A->a[A->n] = (dca_named_array){ A->names[A->n], t->n, t->c, t->h, t->w, data };
	A->n++;
	return 0;
}

static void arrays_free(arrays *A)
{
	int i;

	for (i = 0; i < A->n; i++)
		free(A->names[i]);
	free(A->names);
	free(A->a);
}

/* every array of the run's state, in a fixed order */
static int collect(run *r, arrays *A)
{
	const dca_model *m = r->net->model;
	static const char *const an[2] = { "alpha", "beta" };
	int i, rc = 0;

	for (i = 0; i < m->n_params && !rc; i++)
		rc = arrays_add(A, "w/", m->param_names[i], m->params[i], m->params[i]->data);
	for (i = 0; i < m->n_buffers && !rc; i++)
		rc = arrays_add(A, "buf/", m->buffer_names[i], m->buffers[i], m->buffers[i]->data);
	for (i = 0; i < m->n_params && !rc; i++)
		rc = arrays_add(A, "momentum/", m->param_names[i], m->params[i], r->sgd.velocity[i]);
	for (i = 0; i < 2 && !rc; i++) {
		rc = arrays_add(A, "", an[i], r->arch[i], r->arch[i]->data);
		if (!rc)
			rc = arrays_add(A, "adam_m/", an[i], r->arch[i], r->adam.m[i]);
		if (!rc)
			rc = arrays_add(A, "adam_v/", an[i], r->arch[i], r->adam.v[i]);
	}
	return rc;
}

static int save(run *r, int epoch, dca_error *err)
{
	arrays A = { 0 };
	json_t *state, *lam = json_array();
	int i, rc;

	for (i = 0; i < dca_search_n_costs(r->s); i++)
		json_array_append_new(lam, json_real(dca_search_cost(r->s, i)->lambda));
	state = json_pack("{s:i, s:I, s:o, s:{s:i, s:i, s:i}}", "epoch", epoch,
			  "adam_t", (json_int_t)r->adam.t, "lambda", lam, "plan",
			  "steps_per_epoch", r->steps_per_epoch, "epochs", r->epochs,
			  "warmup_epochs", r->warmup);
	rc = collect(r, &A) || !state
		? dca_error_set(err, DCA_ERR_NOMEM, "out of memory")
		: dca_search_checkpoint_save(r->s, A.a, A.n, state, err);
	json_decref(state);
	arrays_free(&A);
	return rc;
}

/* returns the epoch to start from, or a negative code */
static int restore(run *r, dca_error *err)
{
	dca_weights_file f;
	json_t *state;
	arrays A = { 0 };
	int rc, i, epoch;

	rc = dca_search_checkpoint_load(r->s, &f, &state, err);
	if (rc <= 0)
		return rc;
	if (collect(r, &A)) {
		rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < A.n; i++) {
		const dca_named_array *a = dca_weights_find(&f, A.a[i].name);
		if (!a || a->n != A.a[i].n || a->c != A.a[i].c || a->h != A.a[i].h ||
		    a->w != A.a[i].w) {
			rc = dca_error_set(err, DCA_ERR_INVALID, "the checkpoint does "
					   "not fit this search: array '%s' %s", A.a[i].name,
					   a ? "has another shape" : "is missing");
			goto out;
		}
		memcpy(A.a[i].data, a->data, (size_t)a->n * a->c * a->h * a->w * sizeof(float));
	}
	r->adam.t = (long)json_integer_value(json_object_get(state, "adam_t"));
	for (i = 0; i < dca_search_n_costs(r->s); i++)
		dca_search_cost(r->s, i)->lambda =
			json_number_value(json_array_get(json_object_get(state, "lambda"), i));
	epoch = (int)json_integer_value(json_object_get(state, "epoch"));
	{
		json_t *plan = json_object_get(state, "plan");
		int pe = (int)json_integer_value(json_object_get(plan, "epochs"));

		if (pe > 0) {     /* else the configured schedule */
			r->steps_per_epoch = (int)json_integer_value(
				json_object_get(plan, "steps_per_epoch"));
			r->epochs = pe;
			r->warmup = (int)json_integer_value(json_object_get(plan, "warmup_epochs"));
		}
	}
	rc = epoch;
out:
	arrays_free(&A);
	json_decref(state);
	dca_weights_close(&f);
	return rc;
}

/* What rank 0 restored (or started with), on every rank: the arrays,
 * Adam's step, the λs, the plan and the epoch to start from */
static int share_state(run *r, int *start)
{
	arrays A = { 0 };
	int i, plan[3] = { r->steps_per_epoch, r->epochs, r->warmup };

	if (dca_comm_size() <= 1)
		return 0;
	if (collect(r, &A)) {
		arrays_free(&A);
		return -1;
	}
	for (i = 0; i < A.n; i++)
		dca_comm_bcast(A.a[i].data, (size_t)A.a[i].n * A.a[i].c * A.a[i].h *
			       A.a[i].w * sizeof(float));
	arrays_free(&A);
	dca_comm_bcast(start, sizeof *start);
	dca_comm_bcast(&r->adam.t, sizeof r->adam.t);
	dca_comm_bcast(plan, sizeof plan);
	r->steps_per_epoch = plan[0];
	r->epochs = plan[1];
	r->warmup = plan[2];
	for (i = 0; i < dca_search_n_costs(r->s); i++)
		dca_comm_bcast(&dca_search_cost(r->s, i)->lambda, sizeof(double));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */

/* share: this rank's part of the global batch (1 on one process) */
static int weight_step(run *r, dca_tensor *x, const int *labels, float share,
		       float *loss_out, int *correct, dca_error *err)
{
	dca_model *m = r->net->model;
	dca_tensor *logits, *loss;
	int i;

	dca_graph_reset(r->g);
	set_requires_grad(r->arch, 2, 0);
	logits = m->forward(m, r->g, x, 1, NULL);
	loss = logits ? dca_cross_entropy(r->g, logits, labels, 0) : NULL;
	set_requires_grad(r->arch, 2, 1);
	if (!loss)
		return dca_graph_error_set(r->g, err, "a weight step");
	if (!isfinite(loss->data[0]))
		return dca_error_set(err, DCA_ERR_INVALID, "the search diverged (loss "
				     "%g); lower optimizer.lr", loss->data[0]);
	for (i = 0; i < m->n_params; i++)
		dca_param_zero_grad(m->params[i]);
	if (dca_backward_scaled(r->g, loss, share))
		return dca_graph_error_set(r->g, err, "a weight step's backward pass");
	dca_comm_sum_grads(m->params, m->n_params);
	dca_sgd_step(&r->sgd);
	*loss_out = loss->data[0];
	*correct = dca_count_correct(logits, labels);
	return 0;
}

static int arch_step(run *r, dca_tensor *x, const int *labels, float share,
		     float *loss_out, int *correct, dca_error *err)
{
	dca_model *m = r->net->model;
	dca_tensor *logits, *loss;
	int i, nc = dca_search_n_costs(r->s);

	dca_graph_reset(r->g);
	set_requires_grad(m->params, m->n_params, 0);  /* no weight gradients */
	logits = m->forward(m, r->g, x, 1, NULL);
	loss = logits ? dca_cross_entropy(r->g, logits, labels, 0) : NULL;
	dca_param_zero_grad(r->arch[0]);
	dca_param_zero_grad(r->arch[1]);
	if (loss && dca_backward_scaled(r->g, loss, share))
		loss = NULL;
	set_requires_grad(m->params, m->n_params, 1);
	if (!loss)
		return dca_graph_error_set(r->g, err, "an architecture step");
	dca_comm_sum_grads(r->arch, 2);
	/* the cost terms: d/dα Σ λ_c (Ĉ_c − B_c)/B_c */
	for (i = 0; i < nc; i++) {
		dca_cost_model *cm = dca_search_cost(r->s, i);
		double B = cm->budget->max;

		if (!cm->additive)
			continue;
		cm->estimate = dca_cost_estimate(r->sp, cm, r->arch[0]->data,
						 r->arch[1]->data,
						 r->constrained ? (float)(cm->lambda / B) : 0.0f,
						 r->constrained ? r->arch[0]->grad : NULL);
	}
	dca_adam_step(&r->adam);
	if (r->constrained)
		for (i = 0; i < nc; i++) {
			dca_cost_model *cm = dca_search_cost(r->s, i);
			if (!cm->additive)
				continue;
			cm->derived = dca_cost_derived(r->sp, cm, r->arch[0]->data,
						       r->arch[1]->data);
			cm->lambda = dca_lambda_update(cm->lambda, cm->derived,
						       cm->budget->max, r->exp->lambda_lr);
		}
	*loss_out = loss->data[0];
	*correct = dca_count_correct(logits, labels);
	return 0;
}

/* the estimates at the current α (for the log before any arch step) */
static void refresh_estimates(run *r)
{
	int i;

	for (i = 0; i < dca_search_n_costs(r->s); i++) {
		dca_cost_model *cm = dca_search_cost(r->s, i);
		if (cm->additive) {
			cm->estimate = dca_cost_estimate(r->sp, cm, r->arch[0]->data,
							 r->arch[1]->data, 0, NULL);
			cm->derived = dca_cost_derived(r->sp, cm, r->arch[0]->data,
						       r->arch[1]->data);
		}
	}
}

static int log_epoch(run *r, int epoch, int steps, double tl, double ta, double vl,
		     double va, int arch_steps, double secs, dca_error *err)
{
	json_t *line, *costs = json_array();
	int *choice = calloc((size_t)r->sp->n_edges, sizeof *choice), i, rc;
	dca_arch *a;
	char *text = NULL;

	refresh_estimates(r);
	for (i = 0; i < dca_search_n_costs(r->s); i++) {
		dca_cost_model *cm = dca_search_cost(r->s, i);
		json_array_append_new(costs, json_pack("{s:s, s:o, s:o, s:f, s:f}",
			"name", cm->budget->name,
			"estimate", cm->additive ? json_real(cm->estimate) : json_null(),
			"derived", cm->additive ? json_real(cm->derived) : json_null(),
			"budget", cm->budget->max, "lambda", cm->lambda));
	}
	if (choice) {
		r->sp->derive(r->arch[0]->data, r->arch[1]->data, choice);
		if ((a = r->sp->arch_from_choices(choice, NULL))) {
			text = r->sp->arch_format(a);
			r->sp->arch_free(a);
		}
	}
	line = json_pack("{s:i, s:i, s:f, s:f, s:f, s:o, s:o, s:f, s:o, s:s?, s:f}",
		"epoch", epoch + 1, "steps", steps, "lr", (double)r->sgd.lr, "train_loss", tl,
		"train_acc", ta,
		"val_loss", arch_steps ? json_real(vl) : json_null(),
		"val_acc", arch_steps ? json_real(va) : json_null(),
		"alpha_entropy", alpha_entropy(r->net), "costs", costs,
		"derived", text, "epoch_seconds", secs);
	rc = line ? dca_search_log(r->s, line, err)
		  : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(line);
	free(text);
	free(choice);
	return rc;
}

static void progress(run *r, FILE *f, int epoch, int step, int steps, double loss,
		     double acc, double t_start, long done, long total)
{
	double el = dca_search_elapsed(r->s) - t_start;
	double left = done > 0 ? el / done * (total - done) : 0;
	int i;

	fprintf(f, "\repoch %d/%d step %d/%d loss %.3f acc %.1f%%", epoch + 1,
		r->epochs, step, steps, loss, acc);
	for (i = 0; i < dca_search_n_costs(r->s); i++) {
		dca_cost_model *cm = dca_search_cost(r->s, i);
		if (cm->additive && r->constrained)
			fprintf(f, " %s %.3g/%.3g λ%.2f", cm->budget->name, cm->derived,
				cm->budget->max, cm->lambda);
	}
	fprintf(f, " left %.0fs   ", left);
	fflush(f);
}

/* ------------------------------------------------------------------ */

static void run_free(run *r)
{
	if (r->sgd_ok)
		dca_sgd_free(&r->sgd);
	if (r->adam_ok)
		dca_adam_free(&r->adam);
	if (r->train_ok)
		dca_loader_free(&r->train);
	if (r->val_ok)
		dca_loader_free(&r->val);
	dca_graph_free(r->g);
	dca_graph_free(r->bg);
	dca_supernet_free(r->net);
}

/* ------------------------------------------------------------------ */
/* Fitting the schedule to a time limit                                 */

#define PLAN_STEPS 3        /* steps timed before the plan is made */
#define PLAN_MARGIN 0.9     /* of the loop's time, for checkpoints and logs */
#define PLAN_MIN_STEPS 8    /* per epoch, at least */

/* With a time limit, every epoch keeps its place in the schedule (the
 * cosine learning rate, the warm-up) but visits only as many batches (a
 * fresh random subset each epoch) as fit: from the time of the first
 * PLAN_STEPS steps, an architecture step costing about a weight step.
 * So a short search sees more images once rather than a few images many
 * times. When not even PLAN_MIN_STEPS per epoch fit, there are fewer
 * epochs instead, with the same share of warm-up. */
static void fit_plan(run *r, double step_secs, int arch_on, double loop_secs,
		     int batches)
{
	const dca_experiment *e = r->exp;
	/* weight steps the loop can afford, and per batch of every epoch */
	double budget = PLAN_MARGIN * loop_secs / (arch_on ? step_secs / 2 : step_secs);
	double per = r->warmup + 2.0 * (r->epochs - r->warmup);
	double fit = budget / per, share = (double)e->warmup_epochs / e->epochs;
	int epochs;

	r->steps_per_epoch = fit >= batches ? batches : (int)fit;
	if (fit >= PLAN_MIN_STEPS || batches <= PLAN_MIN_STEPS) {
		if (r->steps_per_epoch < 1)
			r->steps_per_epoch = batches;
		return;
	}
	r->steps_per_epoch = PLAN_MIN_STEPS;
	epochs = (int)(budget / (PLAN_MIN_STEPS * (2.0 - share)));
	if (epochs < 2)
		epochs = 2;
	if (epochs < r->epochs) {
		r->epochs = epochs;
		r->warmup = (int)(share * epochs + 0.5);
		if (r->warmup >= epochs)
			r->warmup = epochs - 1;
	}
}

/* After each epoch of a plan that cut the epochs, fit the count again to
 * the time left at the speed that epoch measured: the first steps, which
 * the plan is made from, run slower than the rest (buffers are made, caches
 * are cold), so a plan from them alone leaves much of the limit unused.
 * Only ever more epochs (the deadline stops an overrun); the warm-up keeps
 * its share while it lasts. Returns whether the count changed. */
static int refit_epochs(run *r, int done, double epoch_secs, int arch_was_on,
			double secs_left)
{
	const dca_experiment *e = r->exp;
	double share = (double)e->warmup_epochs / e->epochs;
	double w = epoch_secs / (arch_was_on ? 2.0 : 1.0);   /* a warm-up epoch */
	int n, best = 0, best_warmup = r->warmup;

	if (r->epochs >= e->epochs || w <= 0)
		return 0;
	for (n = r->epochs + 1; n <= e->epochs; n++) {
		int wu = arch_was_on ? r->warmup : (int)(share * n + 0.5), i;
		double cost = 0;

		if (wu < done && !arch_was_on)
			wu = done;
		if (wu >= n)
			wu = n - 1;
		for (i = done; i < n; i++)
			cost += i < wu ? w : 2 * w;
		if (cost > PLAN_MARGIN * secs_left)
			break;
		best = n;
		best_warmup = wu;
	}
	if (!best)
		return 0;
	r->epochs = best;
	r->warmup = best_warmup;
	return 1;
}

/* The supernet, optimizers and loaders; the checkpoint's state when
 * resuming. Returns the epoch to start from, or a negative error. */
static int setup(run *r, dca_error *err)
{
	const dca_experiment *e = r->exp;
	const dca_augment *aug = dca_search_augment(r->s);
	int rc;

	if ((rc = dca_space_require(r->sp, DCA_SPACE_SUPERNET,
				    "be searched by a gradient optimizer", err)))
		return rc;
	if ((rc = r->sp->build_supernet(dca_search_proxy_shape(r->s), e->bottleneck_k,
					(uint64_t)e->seed, &r->net, err)))
		return rc;
	r->arch[0] = r->net->alpha;
	r->arch[1] = r->net->beta;
	if (!(r->g = dca_graph_new()) || !(r->bg = dca_graph_new()) ||
	    dca_sgd_init(&r->sgd, r->net->model->params, r->net->model->n_params,
			 (float)e->lr, W_MOMENTUM, W_WEIGHT_DECAY, W_CLIP) ||
	    !(r->sgd_ok = 1) ||
	    dca_adam_init(&r->adam, r->arch, 2, (float)e->arch_lr, ADAM_BETA1,
			  ADAM_BETA2, 1e-8f, ARCH_WEIGHT_DECAY) ||
	    !(r->adam_ok = 1) ||
	    dca_loader_init(&r->train, dca_search_train_set(r->s), e->batch_size, 1, aug,
			    (uint64_t)e->seed) ||
	    !(r->train_ok = 1) ||
	    dca_loader_init(&r->val, dca_search_val_set(r->s), e->batch_size, 1, aug,
			    (uint64_t)e->seed + 1) ||
	    !(r->val_ok = 1))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	r->train.drop_last = 1;
	r->val.drop_last = 1;
	r->epochs = e->epochs;
	r->warmup = e->warmup_epochs;
	return restore(r, err);
}

static int gradient_run(dca_search *s, int constrained, dca_error *err)
{
	run r = { 0 };
	const dca_experiment *e = dca_search_experiment(s);
	FILE *pf = dca_search_progress(s);
	int rc, epoch, start, done_now = 0, out_of_time = 0;
	long total_steps, steps_done = 0;
	double t_start, t_plan = 0, deadline = dca_search_deadline(s);

	r.s = s;
	r.exp = e;
	r.sp = dca_search_space(s);
	r.constrained = constrained;
	start = setup(&r, err);
	/* a rank that failed to set up (rank 0 alone reads the checkpoint)
	 * stops every rank, before any of them waits on another */
	if ((rc = dca_comm_agree(start < 0 ? start : 0, err)) ||
	    (share_state(&r, &start) &&
	     (rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory")))) {
		run_free(&r);
		return rc;
	}
	if (start > 0 && pf)
		fprintf(pf, "resuming after epoch %d of %d\n", start, r.epochs);
	total_steps = (long)(r.steps_per_epoch ? r.steps_per_epoch :
			     dca_loader_batches(&r.train)) * (r.epochs - start);
	t_start = dca_search_elapsed(s);
	for (epoch = start; epoch < r.epochs; epoch++) {
		/* time decisions on rank 0's clock: every rank makes the same */
		double e0 = dca_search_elapsed_agreed(s), tl = 0, vl = 0;
		int tc = 0, vc = 0, seen = 0, vseen = 0, step = 0, steps, b, gb;
		int arch_on = epoch >= r.warmup;
		dca_tensor *x;
		int *labels;

		if (deadline > 0 && e0 >= deadline)
			break;
		/* streams seeded by (seed, epoch): resuming replays them */
		dca_rng_seed(&r.train.rng, (uint64_t)e->seed * 1000003u + (uint64_t)epoch);
		dca_rng_seed(&r.val.rng, (uint64_t)e->seed * 1000033u + (uint64_t)epoch + 7u);
		dca_loader_epoch(&r.train);
		dca_loader_epoch(&r.val);
		r.sgd.lr = dca_cosine_lr((float)e->lr, W_LR_MIN, epoch, r.epochs);
		steps = r.steps_per_epoch ? r.steps_per_epoch : dca_loader_batches(&r.train);
		while (step < steps) {
			float loss = 0;
			int ok = 0;

			if (deadline > 0 && !r.steps_per_epoch && epoch == 0) {
				/* time the first steps, then fit the plan */
				if (step == 0)
					t_plan = dca_search_elapsed_agreed(s);
				else if (step == PLAN_STEPS) {
					double now = dca_search_elapsed_agreed(s);
					fit_plan(&r, (now - t_plan) / PLAN_STEPS, arch_on,
						 deadline - t_plan, dca_loader_batches(&r.train));
					steps = r.steps_per_epoch;
					total_steps = (long)steps * r.epochs;
					if (pf)
						fprintf(pf, "plan: %d of %d batches per epoch, %d "
							"epochs (%d of warm-up), to fit the time "
							"limit of %.0f s\n", steps,
							dca_loader_batches(&r.train), r.epochs,
							r.warmup, e->time_limit);
				}
			}
			if (deadline > 0 && dca_search_elapsed_agreed(s) >= deadline) {
				out_of_time = 1;
				break;
			}
			/* batches live in their own arena: a step resets r.g */
			dca_graph_reset(r.bg);
			if ((b = dca_loader_next_shard(&r.train, r.bg, &x, &labels, &gb)) <= 0)
				break;
			if ((rc = weight_step(&r, x, labels, (float)b / gb, &loss, &ok, err)))
				goto out;
			tl += (double)loss * b;
			tc += ok;
			seen += b;
			if (arch_on) {
				dca_graph_reset(r.bg);
				if ((b = dca_loader_next_shard(&r.val, r.bg, &x, &labels, &gb)) <= 0) {
					dca_loader_epoch(&r.val);  /* validation set is shorter */
					b = dca_loader_next_shard(&r.val, r.bg, &x, &labels, &gb);
				}
				if (b > 0) {
					if ((rc = arch_step(&r, x, labels, (float)b / gb, &loss,
							    &ok, err)))
						goto out;
					vl += (double)loss * b;
					vc += ok;
					vseen += b;
				}
			}
			step++;
			steps_done++;
			if (pf && isatty(fileno(pf)))
				progress(&r, pf, epoch, step, steps, tl / seen, 100.0 * tc / seen,
					 t_start, steps_done, total_steps);
		}
		if (dca_comm_size() > 1) {
			/* the epoch's figures over every rank's shards, and every
			 * rank's weights and α, β rank 0's, bit for bit */
			double sums[6] = { tl, tc, seen, vl, vc, vseen };

			dca_comm_sum_double(sums, 6);
			tl = sums[0];
			tc = (int)sums[1];
			seen = (int)sums[2];
			vl = sums[3];
			vc = (int)sums[4];
			vseen = (int)sums[5];
			dca_comm_bcast_tensors(r.net->model->params, r.net->model->n_params);
			dca_comm_bcast_tensors(r.arch, 2);
		}
		if (out_of_time && seen == 0)
			break;      /* the limit fell between epochs: nothing to log */
		if (deadline > 0 && !out_of_time && step == steps) {
			double now = dca_search_elapsed_agreed(s);

			if (refit_epochs(&r, epoch + 1, now - e0, arch_on, deadline - now)) {
				total_steps = steps_done + (long)steps * (r.epochs - epoch - 1);
				if (pf)
					fprintf(pf, "\nplan: %d epochs (%d of warm-up) at the "
						"speed of epoch %d\n", r.epochs, r.warmup, epoch + 1);
			}
		}
		/* the log line, then the checkpoint: a resume drops lines past
		 * the checkpoint, so a kill between them loses nothing */
		if ((rc = log_epoch(&r, epoch, step, seen ? tl / seen : 0, seen ? 100.0 * tc / seen : 0,
				    vseen ? vl / vseen : 0, vseen ? 100.0 * vc / vseen : 0,
				    vseen, dca_search_elapsed(s) - e0, err)) ||
		    (rc = save(&r, epoch + 1, err)))
			goto out;
		if (pf)
			fprintf(pf, "\repoch %d/%d train loss %.3f acc %.1f%% %s (%.0fs)%30s\n",
				epoch + 1, r.epochs, seen ? tl / seen : 0,
				seen ? 100.0 * tc / seen : 0, vseen ? "" : "(warm-up)",
				dca_search_elapsed(s) - e0, "");
		if (pf && vseen)
			fprintf(pf, "  val loss %.3f acc %.1f%%\n", vl / vseen, 100.0 * vc / vseen);
		done_now++;
		if (out_of_time)
			break;
		if (dca_search_stop_after(s) > 0 && done_now >= dca_search_stop_after(s) &&
		    epoch + 1 < r.epochs)
			goto out;     /* as an interruption would: no result */
	}
	if (pf && deadline > 0 && dca_search_elapsed(s) >= deadline)
		fprintf(pf, "time limit: the search loop stopped at %.0f s of %.0f "
			"(epoch %d of %d)%s\n", dca_search_elapsed(s), e->time_limit,
			epoch + (epoch < r.epochs), r.epochs, deadline < e->time_limit
			? "; the rest is the selection stage's" : "");
	rc = dca_search_set_result_alpha(s, r.arch[0]->data, r.arch[1]->data, err);
out:
	run_free(&r);
	return rc;
}

static int dcanas_run(dca_search *s, dca_error *err)
{
	return gradient_run(s, 1, err);
}

static int darts_run(dca_search *s, dca_error *err)
{
	return gradient_run(s, 0, err);
}

static const dca_optimizer optimizers[] = {
	{ DCA_OPTIMIZER_INIT, .name = "dcanas",
	  .summary = "DCA-NAS: constraint-aware differentiable search "
		     "(Lagrangian on the derived network's estimated cost)",
	  .run = dcanas_run },
	{ DCA_OPTIMIZER_INIT, .name = "darts",
	  .summary = "first-order DARTS without constraints (baseline; budgets "
		     "are still enforced by repair)",
	  .run = darts_run },
};

static int register_plugins(dca_registry *reg, dca_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof optimizers / sizeof *optimizers; i++)
		if ((rc = dca_registry_add_optimizer(reg, &optimizers[i], err)))
			return rc;
	return 0;
}

DCA_MODULE_DEFINE("gradient_search", PACKAGE_VERSION,
		  "gradient-based search: dcanas (constrained) and darts",
		  "MIT", register_plugins);
