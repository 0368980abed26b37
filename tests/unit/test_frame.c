// SPDX-License-Identifier: MIT
/*
 * Unit tests for mm/frame.c over fake physical memory: a buffer standing
 * for [FAKE_BASE, FAKE_BASE + FAKE_SIZE). Exclusions, the first MiB,
 * zeroing, runs, exhaustion, bad frees, and a randomized comparison with
 * a per-frame shadow model.
 */
#include "mm/frame.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#define FAKE_BASE 0x100000ull
#define FAKE_SIZE 0x2000000ull /* 32 MiB */
#define FAKE_END (FAKE_BASE + FAKE_SIZE)
#define MIB 0x100000ull

static u8 *fake;
static int bad_p2v;

static void *fake_p2v(hpa_t pa)
{
	static u8 scratch[PAGE_SIZE];

	if (!fake)
		fake = aligned_alloc(PAGE_SIZE, FAKE_SIZE);
	if (pa < FAKE_BASE || pa >= FAKE_END) {
		bad_p2v++;
		return scratch;
	}
	return fake + (pa - FAKE_BASE);
}

static void fill_fake(u8 v)
{
	fake_p2v(FAKE_BASE);
	memset(fake, v, FAKE_SIZE);
}

#define R(s, e) ((struct mem_range){ (s), (e) })

TEST(basic_layout_and_exclusions)
{
	const struct mem_range avail[] = { R(0, 0x9fc00),
					   R(0x100000, 0x2100000) };
	const struct mem_range excl[] = { R(0x100000, 0x180000),
					  R(0x200800, 0x202001) };
	hpa_t pa;
	u64 n = 0;

	bad_p2v = 0;
	REQUIRE(frame_init(avail, 2, excl, 2, fake_p2v) == 0);
	/* 0x180000..0x2100000 is 8064 frames; 3 excluded, 1 bitmap page. */
	CHECK_EQ(frame_total_count(), 8060);
	CHECK_EQ(frame_free_count(), 8060);
	CHECK_EQ(frame_alloc(&pa, 0), 0);
	CHECK_EQ(pa, 0x181000); /* 0x180000 holds the bitmaps */
	n++;
	while (frame_alloc(&pa, 0) == 0) {
		n++;
		CHECK(pa >= 0x181000 && pa < 0x2100000);
		CHECK_MSG(pa < 0x200000 || pa >= 0x203000, "pa %#lx", pa);
	}
	CHECK_EQ(n, 8060);
	CHECK_EQ(frame_free_count(), 0);
	CHECK_EQ(frame_alloc(&pa, 0), -E_NOMEM);
	CHECK_EQ(frame_alloc_run(1, 1, 0, &pa), -E_NOMEM);
	CHECK_EQ(bad_p2v, 0);
}

TEST(first_mib_never_handed_out)
{
	const struct mem_range avail[] = { R(0, 0x200000) };
	hpa_t pa, lowest = ~0ull;
	u64 n = 0;

	REQUIRE(frame_init(avail, 1, NULL, 0, fake_p2v) == 0);
	CHECK_EQ(frame_total_count(), 255);
	while (frame_alloc(&pa, 0) == 0) {
		lowest = MIN(lowest, pa);
		n++;
	}
	CHECK_EQ(n, 255);
	CHECK_EQ(lowest, 0x101000);
	frame_free(0x80000, 1);
	frame_free(0, 16);
	CHECK_EQ(frame_bad_free_count(), 2);
	CHECK_EQ(frame_free_count(), 0);
}

TEST(ranges_aligned_inwards_and_outwards)
{
	const struct mem_range avail[] = { R(0x100001, 0x104fff) };
	const struct mem_range avail2[] = { R(0x100000, 0x110000) };
	const struct mem_range excl2[] = { R(0x104fff, 0x105001),
					   R(0x109000, 0x109000) /* empty */ };
	hpa_t pa;

	/* Inwards: [0x101000, 0x104000), 3 frames, one for the bitmaps. */
	REQUIRE(frame_init(avail, 1, NULL, 0, fake_p2v) == 0);
	CHECK_EQ(frame_total_count(), 2);
	CHECK_EQ(frame_alloc(&pa, 0), 0);
	CHECK_EQ(pa, 0x102000);
	/* Outwards: 0x104000 and 0x105000 are both excluded. */
	REQUIRE(frame_init(avail2, 1, excl2, 2, fake_p2v) == 0);
	CHECK_EQ(frame_total_count(), 16 - 2 - 1);
	for (int i = 0; i < 13; i++) {
		REQUIRE(frame_alloc(&pa, 0) == 0);
		CHECK(pa != 0x104000 && pa != 0x105000 && pa != 0x100000);
	}
}

TEST(overlapping_avail_counted_once)
{
	const struct mem_range avail[] = { R(0x200000, 0x400000),
					   R(0x100000, 0x300000),
					   R(0x400000, 0x500000) };

	REQUIRE(frame_init(avail, 3, NULL, 0, fake_p2v) == 0);
	CHECK_EQ(frame_total_count(), 0x400 - 1);
}

TEST(bad_init_input)
{
	const struct mem_range low[] = { R(0, 0x9fc00), R(0x100000, 0x100fff) };
	const struct mem_range avail[] = { R(0x100000, 0x200000) };
	const struct mem_range all[] = { R(0xff000, 0x201000) };
	hpa_t pa;

	CHECK_EQ(frame_init(low, 2, NULL, 0, fake_p2v), -E_INVAL);
	CHECK_EQ(frame_init(NULL, 0, NULL, 0, fake_p2v), -E_INVAL);
	CHECK_EQ(frame_init(avail, 1, all, 1, fake_p2v), -E_INVAL);
	CHECK_EQ(frame_init(avail, 1, NULL, 0, NULL), -E_INVAL);
	CHECK_EQ(frame_alloc(&pa, 0), -E_NOMEM);
	CHECK_EQ(frame_alloc_run(1, 1, 0, &pa), -E_NOMEM);
	CHECK_EQ(frame_free_count(), 0);
	frame_free(0x100000, 1);
	CHECK_EQ(frame_bad_free_count(), 1);
}

TEST(bitmaps_need_a_large_enough_run)
{
	/* Span of 4 GiB + : 2 bitmaps of 128 KiB; small runs are skipped. */
	const struct mem_range avail[] = { R(0x100000, 0x102000),
					   R(0x104000, 0x1000000),
					   R(0x100000000ull, 0x100010000ull) };
	const struct mem_range tiny[] = { R(0x100000, 0x101000),
					  R(0x1000000000ull, 0x1000001000ull) };
	hpa_t pa;

	bad_p2v = 0;
	REQUIRE(frame_init(avail, 3, NULL, 0, fake_p2v) == 0);
	/* (0x100010000 - 0x100000) / 4K frames / 8 * 2 bytes = 256 KiB. */
	CHECK_EQ(frame_total_count(), 2 + (0xf00 - 4 - 64) + 16);
	CHECK_EQ(frame_alloc(&pa, 0), 0);
	CHECK_EQ(pa, 0x100000);
	CHECK_EQ(frame_alloc(&pa, 0), 0);
	CHECK_EQ(pa, 0x101000);
	CHECK_EQ(frame_alloc(&pa, 0), 0);
	CHECK_EQ(pa, 0x104000 + 64 * PAGE_SIZE);
	CHECK_EQ(bad_p2v, 0);
	CHECK_EQ(frame_init(tiny, 2, NULL, 0, fake_p2v), -E_NOMEM);
}

TEST(zeroing)
{
	const struct mem_range avail[] = { R(0x100000, 0x400000) };
	hpa_t a, b, c;
	u8 *p;

	fill_fake(0xab);
	REQUIRE(frame_init(avail, 1, NULL, 0, fake_p2v) == 0);
	REQUIRE(frame_alloc(&a, FRAME_ZERO) == 0);
	REQUIRE(frame_alloc(&b, 0) == 0);
	REQUIRE(frame_alloc_run(8, 8, FRAME_ZERO, &c) == 0);
	p = fake_p2v(a);
	for (u64 i = 0; i < PAGE_SIZE; i++)
		REQUIRE(p[i] == 0);
	CHECK_EQ(((u8 *)fake_p2v(b))[100], 0xab);
	p = fake_p2v(c);
	for (u64 i = 0; i < 8 * PAGE_SIZE; i++)
		REQUIRE(p[i] == 0);
	CHECK_EQ(p[8 * PAGE_SIZE], 0xab);
}

TEST(runs_and_alignment)
{
	const struct mem_range avail[] = { R(0x100000, 0x1100000) };
	const struct mem_range excl[] = { R(0x5ff000, 0x600000) };
	hpa_t pa, pa2;

	REQUIRE(frame_init(avail, 1, excl, 1, fake_p2v) == 0);
	CHECK_EQ(frame_alloc_run(0, 1, 0, &pa), -E_INVAL);
	CHECK_EQ(frame_alloc_run(1, 0, 0, &pa), -E_INVAL);
	CHECK_EQ(frame_alloc_run(1, 3, 0, &pa), -E_INVAL);
	CHECK_EQ(frame_alloc_run(1ull << 40, 1, 0, &pa), -E_NOMEM);
	CHECK_EQ(frame_alloc_run(1, 1ull << 60, 0, &pa), -E_NOMEM);
	REQUIRE(frame_alloc_run(3, 1, 0, &pa) == 0);
	CHECK_EQ(pa, 0x101000); /* after the bitmap page */
	REQUIRE(frame_alloc_run(16, 16, 0, &pa) == 0);
	CHECK_EQ(pa, 0x110000);
	REQUIRE(frame_alloc(&pa2, 0) == 0);
	CHECK_EQ(pa2, 0x104000); /* the gap left below the run */
	/* 2 MiB aligned: 0x200000 is free; the next must skip the hole. */
	REQUIRE(frame_alloc_run(512, 512, 0, &pa) == 0);
	CHECK_EQ(pa, 0x200000);
	REQUIRE(frame_alloc_run(512, 512, 0, &pa) == 0);
	CHECK_EQ(pa, 0x600000); /* 0x5ff000 is excluded */
	REQUIRE(frame_alloc_run(0x80, 1, 0, &pa) == 0);
	CHECK_EQ(pa, 0x120000);
	frame_free(0x200000, 512);
	REQUIRE(frame_alloc_run(256, 256, 0, &pa) == 0);
	CHECK_EQ(pa, 0x200000);
	CHECK_EQ(frame_bad_free_count(), 0);
}

TEST(free_and_reuse_and_bad_frees)
{
	const struct mem_range avail[] = { R(0x100000, 0x200000) };
	const struct mem_range excl[] = { R(0x150000, 0x151000) };
	hpa_t a, b;
	u64 free0;

	REQUIRE(frame_init(avail, 1, excl, 1, fake_p2v) == 0);
	free0 = frame_free_count();
	REQUIRE(frame_alloc(&a, 0) == 0);
	REQUIRE(frame_alloc(&b, 0) == 0);
	CHECK_EQ(frame_free_count(), free0 - 2);
	frame_free(a, 1);
	CHECK_EQ(frame_free_count(), free0 - 1);
	REQUIRE(frame_alloc(&b, 0) == 0);
	CHECK_EQ(b, a); /* lowest first: reused */
	frame_free(b, 1);
	frame_free(b, 1); /* double free */
	CHECK_EQ(frame_bad_free_count(), 1);
	frame_free(0x150000, 1); /* excluded */
	frame_free(0x100000, 1); /* the bitmaps */
	frame_free(0x180001, 1); /* unaligned */
	frame_free(0x200000, 1); /* past the span */
	frame_free(0x1ff000, 2); /* runs past the span */
	frame_free(0x1ff000, ~(size_t)0);
	frame_free(~0ull & PAGE_MASK, 1);
	CHECK_EQ(frame_bad_free_count(), 8);
	frame_free(0x101000, 0); /* nothing */
	CHECK_EQ(frame_bad_free_count(), 8);
	CHECK_EQ(frame_free_count(), free0 - 1);
	/* A run partly free: the free frame is reported, the rest freed. */
	REQUIRE(frame_alloc_run(4, 1, 0, &a) == 0);
	frame_free(a + PAGE_SIZE, 1);
	frame_free(a, 4);
	CHECK_EQ(frame_bad_free_count(), 9);
	CHECK_EQ(frame_free_count(), free0 - 1);
}

/* ---------------------------------------------- randomized vs a model */

#define MF (FAKE_SIZE / PAGE_SIZE) /* model frames, from FAKE_BASE */

enum { M_NEVER, M_FREE, M_USED };

static u8 model[MF];
static u64 rng = 0x2545f4914f6cdd1dull;

static u64 rnd(void)
{
	return rng_next(&rng);
}

static u64 mpa(u64 f)
{
	return FAKE_BASE + f * PAGE_SIZE;
}

/* Independent statement of the rules: whole pages, excl grown. */
static void model_init(const struct mem_range *av, int na,
		       const struct mem_range *ex, int ne)
{
	u64 lo = MF, hi = 0, words, pages, run = 0;

	for (u64 f = 0; f < MF; f++) {
		bool ok = false;

		for (int i = 0; i < na; i++)
			ok |= av[i].start <= mpa(f) && mpa(f + 1) <= av[i].end;
		for (int i = 0; i < ne; i++)
			if (ex[i].start < ex[i].end &&
			    ex[i].start < mpa(f + 1) && mpa(f) < ex[i].end)
				ok = false;
		model[f] = ok ? M_FREE : M_NEVER;
		if (ok) {
			lo = MIN(lo, f);
			hi = f + 1;
		}
	}
	words = (hi - lo + 63) / 64;
	pages = (words * 16 + PAGE_SIZE - 1) / PAGE_SIZE;
	for (u64 f = lo; f < hi; f++) {
		run = model[f] == M_FREE ? run + 1 : 0;
		if (run == pages) {
			memset(model + f + 1 - pages, M_NEVER, pages);
			break;
		}
	}
}

static u64 model_free(void)
{
	u64 n = 0;

	for (u64 f = 0; f < MF; f++)
		n += model[f] == M_FREE;
	return n;
}

/* Lowest run of nr free frames aligned to align; MF if none. */
static u64 model_find(u64 nr, u64 align)
{
	for (u64 f = 0; f + nr <= MF; f++) {
		u64 k;

		if (mpa(f) / PAGE_SIZE % align)
			continue;
		for (k = 0; k < nr && model[f + k] == M_FREE; k++)
			;
		if (k == nr)
			return f;
	}
	return MF;
}

struct block {
	u64 f, nr;
};

static void random_ranges(struct mem_range *av, int *na, struct mem_range *ex,
			  int *ne)
{
	*na = (int)(rnd() % 4) + 1;
	for (int i = 0; i < *na; i++) {
		u64 s = FAKE_BASE + rnd() % 0x400000;

		av[i] = R(s - rnd() % 2 * 0x800, s + rnd() % 0x300000 + 0x123);
	}
	*ne = (int)(rnd() % 5);
	for (int i = 0; i < *ne; i++) {
		u64 s = FAKE_BASE + rnd() % 0x600000;

		ex[i] = R(s, s + rnd() % 0x40000);
	}
	/* Sometimes memory below 1 MiB too (never reached through p2v). */
	if (rnd() % 3 == 0)
		av[(*na)++] = R(0x1000, 0x9f000 + rnd() % 0x80000);
}

static void random_op(struct block *blocks, int *nb, u64 *bad)
{
	u64 r = rnd() % 10, nr, align, f;
	hpa_t pa;
	int ret;

	if (r < 3) {
		f = model_find(1, 1);
		ret = frame_alloc(&pa, 0);
		REQUIRE(ret == (f == MF ? -E_NOMEM : 0));
		nr = 1;
	} else if (r < 6) {
		nr = rnd() % 40 + 1;
		align = 1ull << (rnd() % 7);
		f = model_find(nr, align);
		ret = frame_alloc_run(nr, align, 0, &pa);
		REQUIRE(ret == (f == MF ? -E_NOMEM : 0));
	} else if (r < 9 && *nb) {
		int i = (int)(rnd() % (u64)*nb);

		frame_free(mpa(blocks[i].f), blocks[i].nr);
		memset(model + blocks[i].f, M_FREE, blocks[i].nr);
		blocks[i] = blocks[--*nb];
		return;
	} else {
		/* A bad free: a free frame or a never-usable one. */
		f = rnd() % MF;
		if (model[f] == M_USED)
			return;
		frame_free(mpa(f), 1);
		++*bad;
		return;
	}
	if (ret)
		return;
	REQUIRE(pa == mpa(f));
	memset(model + f, M_USED, nr);
	blocks[(*nb)++] = (struct block){ f, nr };
}

TEST(randomized_against_model)
{
	static struct block blocks[MF];

	bad_p2v = 0;
	for (int round = 0; round < 60; round++) {
		struct mem_range av[6], ex[5];
		int na, ne, nb = 0;
		u64 bad = 0;

		random_ranges(av, &na, ex, &ne);
		model_init(av, na, ex, ne);
		if (!model_free()) {
			REQUIRE(frame_init(av, (unsigned)na, ex, (unsigned)ne,
					   fake_p2v) != 0);
			continue;
		}
		REQUIRE(frame_init(av, (unsigned)na, ex, (unsigned)ne,
				   fake_p2v) == 0);
		REQUIRE(frame_total_count() == model_free());
		for (int op = 0; op < 3000; op++) {
			random_op(blocks, &nb, &bad);
			REQUIRE(frame_free_count() == model_free());
			REQUIRE(frame_bad_free_count() == bad);
		}
	}
	CHECK_EQ(bad_p2v, 0);
}
