/* dcanas — what a run directory's owners share (private): the search
 * (core/search/rundir.c) and training (core/engine/train.c).
 *
 * A run directory has one writer at a time: an exclusive flock on its
 * `.lock` file, which holds the owner's PID for the message another
 * process gets. Its log (log.jsonl, one JSON object a line with an
 * "epoch") is written before the checkpoint of that epoch; on resume the
 * lines past the checkpoint are dropped, so a kill between the two, at
 * any point, leaves a log in step with the checkpoint. */
#ifndef DCANAS_RUN_DIR_H
#define DCANAS_RUN_DIR_H

#include <dcanas/error.h>

/* Create dir when absent and lock it: the lock's fd (>= 0; close it, or
 * exit, to release) or a negative error ("in use by PID N"). Removes the
 * temporary files an interrupted write left (NAME.tmp, NAME.tmpPID). */
int dcap_run_dir_lock(const char *dir, dca_error *err);
void dcap_run_dir_unlock(int fd);
/* Whether dir holds nothing but, at most, the files named in keep
 * (NULL-terminated) and the lock */
int dcap_run_dir_empty_but(const char *dir, const char *const *keep);
/* Append one line (text, then a newline) to path and sync it; an error
 * naming the file when any step fails. */
int dcap_log_append(const char *path, const char *text, dca_error *err);
/* Keep the lines of path whose "epoch" is at most epochs (and lines with
 * no epoch); absent path: nothing to do. */
int dcap_log_trim(const char *path, int epochs, dca_error *err);

#endif
