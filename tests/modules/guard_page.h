/* Test modules: place a struct so that it ends exactly where an
 * inaccessible page begins. A registry that reads one byte past the struct
 * the module declared faults, whatever the compiler put after a static. */
#ifndef DCANAS_TEST_GUARD_PAGE_H
#define DCANAS_TEST_GUARD_PAGE_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A copy of the n bytes at src (n a multiple of 8, so the copy is aligned),
 * followed by a PROT_NONE page; NULL when mmap fails. Never unmapped: the
 * registry may keep pointers into it (a device's release gets it back). */
static inline void *at_page_end(const void *src, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (n + page - 1) / page * page;
	char *p = mmap(NULL, span + page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + span, page, PROT_NONE) != 0)
		return NULL;
	memcpy(p + span - n, src, n);
	return p + span - n;
}

#endif
