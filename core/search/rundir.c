/* dcanas — a search's run directory: config.json (the experiment as it
 * runs, what --resume reads back), log.jsonl, checkpoint.dcaw and the paths
 * of the files in it.
 *
 * A run directory is created empty and locked while a search runs in it
 * (../run_dir.h); resuming reads its checkpoint and keeps only the log
 * lines the checkpoint covers, so a resumed run writes the same files as
 * one never interrupted. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dcanas/jsonfile.h>
#include <dcanas/search.h>
#include <dcanas/train.h>
#include <dcanas/weights.h>

#include "../run_dir.h"
#include <dcanas/comm.h>

#include "search_internal.h"

/* The experiment as it runs, for config.json (what --resume reads back):
 * the shapes resolved from the data and the space, which the experiment
 * itself leaves as the user gave them. */
static json_t *run_config(const dca_search *s)
{
	dca_experiment rec = s->exp;

	rec.shape.in_c = s->final.in_c;
	rec.shape.in_h = s->final.in_h;
	rec.shape.in_w = s->final.in_w;
	rec.shape.classes = s->final.classes;
	rec.input_given = rec.classes_given = 1;
	rec.search_shape.width = s->proxy.width;
	rec.search_shape.cells = s->proxy.cells;
	/* the data's absolute path: a resume from another directory finds it */
	if (rec.data_path[0]) {
		char *abs = realpath(rec.data_path, NULL);

		if (abs && strlen(abs) < sizeof rec.data_path)
			snprintf(rec.data_path, sizeof rec.data_path, "%s", abs);
		free(abs);
	}
	return dca_experiment_to_json(&rec);
}

int dcap_open_run_dir(dca_search *s, dca_error *err)
{
	char *path;
	json_t *cfg;
	int rc;

	static const char *const no_work[] = { "config.json", NULL };

	snprintf(s->run_dir, sizeof s->run_dir, "%s", s->opts.run_dir);
	if ((s->lock_fd = dcap_run_dir_lock(s->run_dir, err)) < 0)
		return s->lock_fd;
	if (s->opts.resume)
		goto write;      /* the same settings; the data may have moved */
	/* at most the config.json of a run that failed before its first
	 * epoch: no work to lose */
	if (!dcap_run_dir_empty_but(s->run_dir, no_work))
		return dca_error_set(err, DCA_ERR_INVALID, "%s: the run directory "
				     "is not empty; continue that run with `dcanas search "
				     "--resume %s`, or name a new directory with --out",
				     s->run_dir, s->run_dir);
write:
	path = dca_search_path(s, "config.json");
	cfg = run_config(s);
	rc = path && cfg ? dca_json_save_file(cfg, path, JSON_INDENT(2) | JSON_SORT_KEYS, err)
			 : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(cfg);
	free(path);
	return rc;
}



char *dca_search_path(const dca_search *s, const char *file)
{
	size_t n = strlen(s->run_dir) + strlen(file) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", s->run_dir, file);
	return p;
}

int dca_search_log(dca_search *s, json_t *line, dca_error *err)
{
	char *path, *text;
	int rc;

	json_object_set_new(line, "time", json_real(dca_search_elapsed(s)));
	json_object_set_new(line, "peak_rss_mib", json_real(dca_peak_rss_mib()));
	if (dca_comm_size() > 1) {     /* spread over ranks: time in collectives */
		json_object_set_new(line, "ranks", json_integer(dca_comm_size()));
		json_object_set_new(line, "comm_seconds", json_real(dca_comm_seconds()));
		json_object_set_new(line, "comm_messages", json_real(dca_comm_messages()));
		json_object_set_new(line, "comm_bytes", json_real(dca_comm_bytes()));
	}
	if (!s->run_dir[0])
		return 0;
	path = dca_search_path(s, "log.jsonl");
	text = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	rc = path && text ? dcap_log_append(path, text, err)
			  : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	free(path);
	free(text);
	return rc;
}

int dca_search_checkpoint_save(dca_search *s, const dca_named_array *arrays,
			       int count, json_t *state, dca_error *err)
{
	char *path, *meta;
	json_t *m;
	int rc;

	if (!s->run_dir[0])
		return 0;
	m = json_pack("{s:O, s:f, s:i}", "state", state, "elapsed", dca_search_elapsed(s),
		      "threads", dca_engine_threads());
	meta = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	path = dca_search_path(s, "checkpoint.dcaw");
	rc = path && meta ? dca_weights_save(path, arrays, count, meta, err)
			  : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	json_decref(m);
	free(meta);
	free(path);
	return rc;
}

int dca_search_checkpoint_load(dca_search *s, dca_weights_file *f,
			       json_t **state, dca_error *err)
{
	char *path;
	json_t *m;
	json_error_t je;
	int rc;

	*state = NULL;
	if (!s->run_dir[0] || !s->opts.resume)
		return 0;
	if (!(path = dca_search_path(s, "checkpoint.dcaw")))
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;    /* interrupted before the first epoch ended */
	}
	rc = dca_weights_open(path, f, err);
	if (rc) {
		free(path);
		return rc;
	}
	m = json_loads(f->meta, 0, &je);
	if (!m || !json_is_object(json_object_get(m, "state"))) {
		dca_weights_close(f);
		json_decref(m);
		rc = dca_error_set(err, DCA_ERR_INVALID, "%s: the checkpoint's "
				   "metadata is not a search state", path);
		free(path);
		return rc;
	}
	s->elapsed_before = json_number_value(json_object_get(m, "elapsed"));
	dca_threads_warning(s->opts.progress ? s->opts.progress : stderr, path,
			    (int)json_integer_value(json_object_get(m, "threads")));
	free(path);
	s->t0 = dca_seconds();
	*state = json_incref(json_object_get(m, "state"));
	json_decref(m);
	/* the log is written before the checkpoint: drop what it has past it */
	path = dca_search_path(s, "log.jsonl");
	rc = path ? dcap_log_trim(path, (int)json_integer_value(json_object_get(*state,
			"epoch")), err) : dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	free(path);
	if (rc) {
		dca_weights_close(f);
		json_decref(*state);
		*state = NULL;
		return rc;
	}
	return 1;
}
