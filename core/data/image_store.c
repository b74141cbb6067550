/* dcanas — where decoded images live: in memory up to a limit, beyond it in
 * a file on disk mapped into memory, which the kernel reads back as batches
 * touch it, so a data set larger than memory still trains (at disk speed).
 *
 * The limit is DCANAS_DATA_MEMORY (bytes, or with a K/M/G/T suffix: 512M,
 * 8G), by default half of the machine's physical memory, and counts every
 * image block allocated here at once (a data set and its split copies).
 * The file is created in DCANAS_DATA_CACHE_DIR, else TMPDIR, else /var/tmp
 * (on disk; /tmp is often memory), unlinked at once (the kernel frees it
 * when the process ends, however it ends), and its blocks are reserved
 * before use, so a full disk is an error here and never a SIGBUS later. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dcanas/comm.h>

#include "image_store.h"

typedef struct block {
	void *p;
	size_t n;
	int mapped;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block *blocks;
static int n_blocks, cap_blocks;
static size_t in_memory;      /* bytes of the unmapped blocks */
static int said;              /* the first file's note is printed once */

/* DCANAS_DATA_MEMORY in bytes into *limit; 0, or an error when malformed */
static int memory_limit(size_t *limit, dca_error *err)
{
	const char *s = getenv("DCANAS_DATA_MEMORY");
	char *end;
	double v, mult = 1;

	if (!s || !*s) {
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

		*limit = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 2 : (size_t)1 << 31;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	switch (*end) {
	case 'K': case 'k': mult = 1024.0; end++; break;
	case 'M': case 'm': mult = 1024.0 * 1024; end++; break;
	case 'G': case 'g': mult = 1024.0 * 1024 * 1024; end++; break;
	case 'T': case 't': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	}
	if (errno || end == s || *end || !(v >= 0) || v * mult > 1e18)
		return dca_error_set(err, DCA_ERR_INVALID, "DCANAS_DATA_MEMORY=%s is not a "
				     "size: give bytes, or a number with K, M, G or T "
				     "(512M, 8G)", s);
	*limit = (size_t)(v * mult);
	return 0;
}

static const char *cache_dir(void)
{
	const char *d = getenv("DCANAS_DATA_CACHE_DIR");

	if (!d || !*d)
		d = getenv("TMPDIR");
	return d && *d ? d : "/var/tmp";
}

/* n bytes of a new unlinked file in the cache folder, mapped */
static void *map_file(size_t n, int *code, dca_error *err)
{
	char path[4096];
	const char *dir = cache_dir();
	void *p;
	int fd, rc;

	if (snprintf(path, sizeof path, "%s/dcanas-images-XXXXXX", dir) >= (int)sizeof path) {
		*code = dca_error_set(err, DCA_ERR_INVALID, "the data cache folder's "
				      "name is too long: %s", dir);
		return NULL;
	}
	if ((fd = mkstemp(path)) < 0) {
		*code = dca_error_set(err, DCA_ERR_IO, "cannot create a file for the decoded images "
				      "in %s: %s (set DCANAS_DATA_CACHE_DIR to a folder on a disk "
				      "with room)", dir, strerror(errno));
		return NULL;
	}
	unlink(path);
	if ((rc = posix_fallocate(fd, 0, (off_t)n)) != 0) {
		close(fd);
		*code = dca_error_set(err, DCA_ERR_IO, "cannot reserve %.1f GB for the decoded images "
				      "in %s: %s (free some, or set DCANAS_DATA_CACHE_DIR to "
				      "another disk)", n / 1e9, dir, strerror(rc));
		return NULL;
	}
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		*code = dca_error_set(err, DCA_ERR_NOMEM, "cannot map %.1f GB of decoded images from "
				      "%s: %s", n / 1e9, dir, strerror(errno));
		return NULL;
	}
	return p;
}

int dca_images_alloc(size_t n, uint8_t **out, dca_error *err)
{
	size_t limit = 0;
	void *p;
	int mapped = 0, rc;

	*out = NULL;
	if ((rc = memory_limit(&limit, err)))
		return rc;
	if (n == 0)
		n = 1;
	pthread_mutex_lock(&lock);
	if (n_blocks == cap_blocks) {
		int cap = cap_blocks ? 2 * cap_blocks : 8;
		block *b = realloc(blocks, (size_t)cap * sizeof *b);

		if (!b) {
			pthread_mutex_unlock(&lock);
			return dca_error_set(err, DCA_ERR_NOMEM, "out of memory");
		}
		blocks = b;
		cap_blocks = cap;
	}
	rc = 0;
	if (in_memory + n <= limit) {
		p = malloc(n);
		if (!p)
			rc = dca_error_set(err, DCA_ERR_NOMEM, "out of memory: %.0f MB of "
					   "decoded images (DCANAS_DATA_MEMORY lower than "
					   "that keeps them on disk instead)", n / 1e6);
	} else {
		p = map_file(n, &rc, err);
		mapped = 1;
		if (p && !said && dca_comm_writer()) {
			said = 1;
			fprintf(stderr, "dcanas: data: %.0f MB of decoded images do not fit "
				"the %.0f MB kept in memory (DCANAS_DATA_MEMORY; default half "
				"of this machine's memory): kept in a file in %s, read from "
				"disk as batches need them\n", n / 1e6, limit / 1e6, cache_dir());
		}
	}
	if (p) {
		blocks[n_blocks++] = (block){ p, n, mapped };
		if (!mapped)
			in_memory += n;
	}
	pthread_mutex_unlock(&lock);
	*out = p;
	return rc;
}

void dca_images_free(uint8_t *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&lock);
	for (i = 0; i < n_blocks; i++)
		if (blocks[i].p == p)
			break;
	if (i == n_blocks) {            /* a block a reader grew with realloc */
		pthread_mutex_unlock(&lock);
		free(p);
		return;
	}
	if (blocks[i].mapped)
		munmap(p, blocks[i].n);
	else {
		in_memory -= blocks[i].n;
		free(p);
	}
	blocks[i] = blocks[--n_blocks];
	if (n_blocks == 0) {
		free(blocks);
		blocks = NULL;
		cap_blocks = 0;
	}
	pthread_mutex_unlock(&lock);
}
