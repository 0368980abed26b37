// SPDX-License-Identifier: MIT
/*
 * Micro-benchmark of the mm/ permission core (not a test): page walks per
 * second over 4 KiB and 1 GiB mappings, permission checks per second, and
 * map throughput. Built by `make bench-mm` without sanitizers at -O2.
 */
#include <stdio.h>
#include "tests/unit/support/rng.h"
#include <stdlib.h>
#include <time.h>

#include "hv/include/err.h"
#include "mm/perm.h"
#include "mm/pt_build.h"
#include "mm/pt_walk.h"

#define ARENA_BASE 0x1000000ULL
#define ARENA_PAGES 8192ULL

static unsigned char *arena;
static u64 arena_next;

static void *b_p2v(u64 pa)
{
	return arena + (pa - ARENA_BASE);
}

static int b_alloc(u64 *pa)
{
	if (arena_next == ARENA_PAGES)
		return -E_NOMEM;
	*pa = ARENA_BASE + arena_next++ * PAGE_SIZE;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static u64 rng = 88172645463325252ULL;

static u64 xorshift(void)
{
	return rng_next(&rng);
}

static void bench_walks(struct pt *pt, const struct perm_table *perm, u64 span,
			const char *what)
{
	const long n = 5000000;
	unsigned long ok = 0;
	struct pt_walk w;
	double t0 = now();

	for (long i = 0; i < n; i++) {
		u64 a = xorshift() % span;

		ok += pt_walk(&pt->fmt, &pt->mem, pt->root, a, PK_READ, perm, 0,
			      &w) == PTW_OK;
	}
	printf("walks (%s): %.1f M/s (%lu ok)\n", what, n / (now() - t0) / 1e6,
	       ok);
}

static void bench_perm(const struct perm_table *t)
{
	const long n = 200000000;
	unsigned long faults = 0;
	u64 r = 0x12345;
	double t0 = now();

	for (long i = 0; i < n; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		faults += perm_fault(t, (r >> 33) & 15, (r >> 40) & 31);
	}
	printf("permission checks: %.1f M/s (%lu faults)\n",
	       n / (now() - t0) / 1e6, faults);
}

int main(void)
{
	struct pt_mem_direct d = { b_p2v, b_alloc, NULL, ARENA_BASE,
				   ARENA_BASE + ARENA_PAGES * PAGE_SIZE };
	struct pt_mem mem = pt_mem_direct(&d);
	struct pt_format f;
	struct mmu_role r;
	struct perm_table perm;
	struct pt pt;
	double t0;

	arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
	if (!arena || pt_format_init(&f, PT_EPT, 46, PTF_MBEC | PTF_1G))
		return 1;
	mmu_role_init(&r, &f, false, false, false);
	perm_init(&perm, &r);
	if (pt_init(&pt, &f, &mem))
		return 1;
	t0 = now();
	if (pt_map(&pt, 0, 0, SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB, PTM_MAX_4K))
		return 1;
	printf("map 1 GiB with 4 KiB pages: %.1f ms (%llu tables)\n",
	       (now() - t0) * 1e3, (unsigned long long)arena_next);
	bench_walks(&pt, &perm, SZ_1G, "EPT 4 KiB leaves");
	if (pt_map(&pt, 0, 0, 4 * SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB, 0))
		return 1;
	bench_walks(&pt, &perm, 4 * SZ_1G, "EPT 1 GiB leaves");
	bench_perm(&perm);
	free(arena);
	return 0;
}
