/* dcanas — atomic file writes (see atomic_file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

int dcap_atomic_open(dcap_atomic_file *af, const char *path, dca_error *err)
{
	size_t n = strlen(path) + 24;
	int rc;

	af->path = path;
	af->f = NULL;
	af->tmp = malloc(n);
	if (!af->tmp)
		return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
	snprintf(af->tmp, n, "%s.tmp%ld", path, (long)getpid());
	af->f = fopen(af->tmp, "wb");
	if (!af->f) {
		rc = dca_error_set(err, DCA_ERR_IO, "%s: cannot write: %s",
				   af->tmp, strerror(errno));
		free(af->tmp);
		af->tmp = NULL;
		return rc;
	}
	return 0;
}

int dcap_atomic_commit(dcap_atomic_file *af, int write_failed, dca_error *err)
{
	int rc = 0;

	if (write_failed || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: write failed: %s",
				   af->tmp, strerror(errno));
	if (fclose(af->f) != 0 && rc == 0)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: write failed: %s",
				   af->tmp, strerror(errno));
	if (rc == 0 && rename(af->tmp, af->path) != 0)
		rc = dca_error_set(err, DCA_ERR_IO, "%s: cannot rename into place: %s",
				   af->path, strerror(errno));
	if (rc != 0)
		unlink(af->tmp);
	free(af->tmp);
	af->tmp = NULL;
	af->f = NULL;
	return rc;
}

int dcap_open_regular(const char *path, dca_error *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), flags;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		dca_error_set(err, DCA_ERR_INVALID, "%s: not a regular file (a %s); "
			      "give a file", path, S_ISFIFO(st.st_mode) ? "FIFO" :
			      S_ISDIR(st.st_mode) ? "folder" : "device or socket");
		return -2;
	}
	/* reads block again: a regular file never waits */
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}
