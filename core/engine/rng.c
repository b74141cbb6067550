/* dcanas — deterministic random numbers (xorshift128+ seeded by splitmix64). */
#include "config.h"

#include <math.h>

#include <dcanas/tensor.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void dca_rng_seed(dca_rng *r, uint64_t seed)
{
	r->s[0] = splitmix64(&seed);
	r->s[1] = splitmix64(&seed);
	if (!r->s[0] && !r->s[1])
		r->s[1] = 1;
}

uint64_t dca_rng_next(dca_rng *r)
{
	uint64_t a = r->s[0];
	const uint64_t b = r->s[1];

	r->s[0] = b;
	a ^= a << 23;
	r->s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return r->s[1] + b;
}

float dca_rng_uniform(dca_rng *r)
{
	return (float)(dca_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

float dca_rng_normal(dca_rng *r)
{
	/* Box-Muller; u1 in (0, 1] so the log is finite */
	double u1 = ((double)(dca_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	double u2 = (double)(dca_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);

	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

uint32_t dca_rng_below(dca_rng *r, uint32_t n)
{
	/* multiply-shift: unbiased enough for n << 2^32 */
	return (uint32_t)(((dca_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}
