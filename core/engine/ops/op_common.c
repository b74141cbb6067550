/* dcanas — helpers shared by the op files. */
#include "config.h"

#include "op_common.h"

#define DOT_CHUNK 16384

double dcap_dot_fixed(const float *a, const float *b, size_t n)
{
	size_t nchunk = (n + DOT_CHUNK - 1) / DOT_CHUNK;
	double stackpart[64], *part = stackpart, s = 0;
	long c;

	if (nchunk > 64)
		part = malloc(nchunk * sizeof *part);
	if (nchunk <= 1 || !part) {
		size_t i;
		for (i = 0; i < n; i++)
			s += (double)a[i] * b[i];
		return s;
	}
#pragma omp parallel for schedule(static)
	for (c = 0; c < (long)nchunk; c++) {
		size_t lo = (size_t)c * DOT_CHUNK, hi = lo + DOT_CHUNK, i;
		double t = 0;
		if (hi > n)
			hi = n;
		for (i = lo; i < hi; i++)
			t += (double)a[i] * b[i];
		part[c] = t;
	}
	for (c = 0; c < (long)nchunk; c++)
		s += part[c];
	if (part != stackpart)
		free(part);
	return s;
}
