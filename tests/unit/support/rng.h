/* SPDX-License-Identifier: MIT */
/*
 * The tests' pseudo-random generator: xorshift64* (Vigna, 2016), seeded
 * per test file so that every randomized test is reproducible.
 */
#ifndef MODEX_TESTS_UNIT_SUPPORT_RNG_H
#define MODEX_TESTS_UNIT_SUPPORT_RNG_H

#include <stdint.h>

/* Next value of the generator whose state is *s (never 0). */
static inline uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

#endif /* MODEX_TESTS_UNIT_SUPPORT_RNG_H */
