/* dcanas — run directories: one writer (a lock), no stale temporary
 * files, a log kept in step with the checkpoint (run_dir.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "run_dir.h"

#define LOCK_NAME ".lock"

/* NAME.tmp or NAME.tmp<digits>: what an interrupted atomic write leaves */
static int is_stale_tmp(const char *name)
{
	const char *t = strstr(name, ".tmp");

	if (!t || t == name)
		return 0;
	for (t += 4; *t; t++)
		if (*t < '0' || *t > '9')
			return 0;
	return 1;
}

static void remove_stale_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (is_stale_tmp(e->d_name)) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
}

int dcap_run_dir_lock(const char *dir, dca_error *err)
{
	char path[4096], pid[32];
	int fd, n;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot create the run "
				     "directory: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot open the run "
				     "directory's lock: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		n = (int)read(fd, pid, sizeof pid - 1);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\r\n")] = 0;
		close(fd);
		if (e == EWOULDBLOCK)
			return dca_error_set(err, DCA_ERR_INVALID, "%s: run directory in "
					     "use by PID %s (another dcanas run); wait "
					     "for it to end, or use another directory",
					     dir, pid[0] ? pid : "?");
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot lock: %s", path,
				     strerror(e));
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		int e = errno;

		close(fd);
		return dca_error_set(err, DCA_ERR_IO, "%s: %s", path, strerror(e));
	}
	remove_stale_tmp(dir);
	return fd;
}

void dcap_run_dir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);     /* releases the flock */
}

int dcap_run_dir_empty_but(const char *dir, const char *const *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 1;
	while (empty && (e = readdir(d))) {
		const char *const *k;
		int kept = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			   !strcmp(e->d_name, LOCK_NAME);

		for (k = keep; k && *k && !kept; k++)
			kept = !strcmp(e->d_name, *k);
		empty = kept;
	}
	closedir(d);
	return empty;
}

int dcap_log_append(const char *path, const char *text, dca_error *err)
{
	FILE *f = fopen(path, "a");
	int rc = 0;

	if (!f)
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot write the log: %s",
				     path, strerror(errno));
	if (fprintf(f, "%s\n", text) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: cannot write the log: %s",
				   path, strerror(errno));
	if (fclose(f) != 0 && !rc)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: cannot write the log: %s",
				   path, strerror(errno));
	return rc;
}

int dcap_log_trim(const char *path, int epochs, dca_error *err)
{
	char tmp[4096], line[1 << 16];
	FILE *in, *out;
	int rc = 0, failed = 0;

	if (!(in = fopen(path, "r")))
		return 0;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(out = fopen(tmp, "w"))) {
		fclose(in);
		return dca_error_set(err, DCA_ERR_IO, "%s: cannot rewrite: %s", tmp,
				     strerror(errno));
	}
	while (fgets(line, sizeof line, in)) {
		json_t *j = json_loads(line, 0, NULL);
		json_t *ep = j ? json_object_get(j, "epoch") : NULL;

		/* a line cut short by a kill does not parse: dropped */
		if (j && (!json_is_integer(ep) || json_integer_value(ep) <= epochs))
			failed |= fputs(line, out) < 0;
		json_decref(j);
	}
	fclose(in);
	if (fflush(out) != 0 || fsync(fileno(out)) != 0)
		failed = 1;
	if (fclose(out) != 0 || failed || rename(tmp, path) != 0) {
		rc = dca_error_set(err, DCA_ERR_IO, "%s: cannot rewrite: %s", path,
				   strerror(errno));
		unlink(tmp);
	}
	return rc;
}
