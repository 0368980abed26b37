// SPDX-License-Identifier: MIT
/*
 * Builder tests on fake memory: host W^X mappings, 4K/2M/1G choice,
 * split and merge, unmap freeing tables, protect, error paths.
 */
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#include "hv/include/err.h"
#include "mm/pt_build.h"
#include "tests/unit/support/mm_fake_mem.h"

#define MEM_BASE 0x100000ULL
#define MEM_PAGES 4096

struct env {
	struct fmem fm;
	struct pt_mem mem;
	struct pt_format f;
	struct pt pt;
};

static void env_up(struct env *e, enum pt_type type, u32 flags)
{
	fmem_init(&e->fm, MEM_BASE, MEM_PAGES, 0);
	e->mem = fmem_pt_mem(&e->fm);
	REQUIRE(pt_format_init(&e->f, type, 46, flags) == 0);
	REQUIRE(pt_init(&e->pt, &e->f, &e->mem) == 0);
}

static void env_down(struct env *e)
{
	pt_destroy(&e->pt);
	CHECK_EQ(e->fm.live, 0);
	fmem_fini(&e->fm);
}

static u64 look(struct env *e, u64 va, unsigned *level, acc_t *acc)
{
	struct pt_walk w;

	if (pt_lookup(&e->pt, va, &w) != PTW_OK)
		return ~0ULL;
	if (level)
		*level = w.level;
	if (acc)
		*acc = w.acc;
	return w.out;
}

TEST(host_wx_map)
{
	struct env e;
	unsigned level;
	acc_t acc;
	struct pt_walk w;

	env_up(&e, PT_X86, PTF_NXE | PTF_1G);
	/* text RX, rodata R, data RW+NX: 4K granular, sign-extended too */
	CHECK_EQ(pt_map(&e.pt, 0x200000, 0x200000, 0x3000, ACC_READ | ACC_EXEC,
			0, 0),
		 0);
	CHECK_EQ(pt_map(&e.pt, 0x203000, 0x203000, 0x1000, ACC_READ, 0, 0), 0);
	CHECK_EQ(pt_map(&e.pt, 0x204000, 0x204000, 0x2000, ACC_READ | ACC_WRITE,
			0, 0),
		 0);
	CHECK_EQ(look(&e, 0x201234, &level, &acc), 0x201234);
	CHECK_EQ(level, 1);
	CHECK(acc & ACC_EXEC);
	CHECK(!(acc & ACC_WRITE));
	CHECK(!(acc & ACC_USER));
	CHECK_EQ(look(&e, 0x203000, NULL, &acc), 0x203000);
	CHECK(!(acc & (ACC_EXEC | ACC_WRITE)));
	CHECK_EQ(look(&e, 0x205ff8, NULL, &acc), 0x205ff8);
	CHECK_EQ(acc & (ACC_EXEC | ACC_WRITE), ACC_WRITE);
	CHECK_EQ(look(&e, 0x206000, NULL, NULL), ~0ULL);
	CHECK_EQ(pt_lookup(&e.pt, 0x206000, &w), PTW_NOT_PRESENT);
	CHECK_EQ(w.level, 1);
	/* raw bits: text P|RW=0|NX=0; data NX */
	CHECK_EQ(pt_lookup(&e.pt, 0x200000, &w), PTW_OK);
	CHECK_EQ(w.entry & (PTE_P | PTE_RW | PTE_US | PTE_NX), PTE_P);
	CHECK_EQ(pt_lookup(&e.pt, 0x204000, &w), PTW_OK);
	CHECK_EQ(w.entry & (PTE_P | PTE_RW | PTE_US | PTE_NX),
		 PTE_P | PTE_RW | PTE_NX);
	/* upper half */
	CHECK_EQ(pt_map(&e.pt, 0xffffffff80000000ULL, 0x200000, 0x1000,
			ACC_READ, 0, 0),
		 0);
	CHECK_EQ(look(&e, 0xffffffff80000010ULL, NULL, NULL), 0x200010);
	CHECK_EQ(pt_map(&e.pt, 0x0000800000000000ULL, 0, 0x1000, ACC_READ, 0,
			0),
		 -E_INVAL);
	CHECK_EQ(pt_lookup(&e.pt, 0x0000800000000000ULL, &w), PTW_BAD_ADDR);
	env_down(&e);
}

static int count_leaf(void *arg, u64 va, u64 entry, unsigned level)
{
	unsigned *n = arg;

	(void)va;
	(void)entry;
	n[level]++;
	return 0;
}

static int wx_check(void *arg, u64 va, u64 entry, unsigned level)
{
	(void)arg;
	(void)va;
	(void)level;
	return (entry & PTE_RW) && !(entry & PTE_NX);
}

TEST(page_size_choice)
{
	struct env e;
	unsigned n[6] = { 0 }, level;

	env_up(&e, PT_X86, PTF_NXE | PTF_1G);
	/* 4K head, 2M body, 1G, 2M, 4K tail */
	u64 va = SZ_1G - SZ_2M - 0x1000,
	    size = 0x1000 + SZ_2M + SZ_1G + SZ_2M + 0x1000;
	CHECK_EQ(pt_map(&e.pt, va, va, size, ACC_READ | ACC_WRITE, 0, 0), 0);
	CHECK_EQ(pt_for_each_leaf(&e.pt, count_leaf, n), 0);
	CHECK_EQ(n[3], 1);
	CHECK_EQ(n[2], 2);
	CHECK_EQ(n[1], 2);
	CHECK_EQ(look(&e, SZ_1G + 12345, &level, NULL), SZ_1G + 12345);
	CHECK_EQ(level, 3);
	CHECK_EQ(look(&e, SZ_1G - SZ_2M + 5, &level, NULL), SZ_1G - SZ_2M + 5);
	CHECK_EQ(level, 2);
	CHECK_EQ(pt_for_each_leaf(&e.pt, wx_check, NULL), 0);
	/* misaligned pa: no large pages possible */
	CHECK_EQ(pt_map(&e.pt, 4 * SZ_1G, 0x1000, SZ_2M, ACC_READ, 0, 0), 0);
	CHECK_EQ(look(&e, 4 * SZ_1G + SZ_2M - 1, &level, NULL), SZ_2M + 0xfff);
	CHECK_EQ(level, 1);
	/* 4K only */
	CHECK_EQ(pt_map(&e.pt, 8 * SZ_1G, 0, SZ_2M, ACC_READ, 0, PTM_MAX_4K),
		 0);
	CHECK_EQ(look(&e, 8 * SZ_1G, &level, NULL), 0);
	CHECK_EQ(level, 1);
	env_down(&e);
}

TEST(split_and_merge)
{
	struct env e;
	unsigned level;
	acc_t acc;
	long live;

	env_up(&e, PT_X86, PTF_NXE | PTF_1G);
	CHECK_EQ(pt_map(&e.pt, 0, 0, SZ_1G, ACC_READ | ACC_WRITE, 0, 0), 0);
	live = e.fm.live;
	CHECK_EQ(look(&e, 0x12345678, &level, NULL), 0x12345678);
	CHECK_EQ(level, 3);
	/* protect one 4K page: 1G splits into 2M, one 2M into 4K */
	CHECK_EQ(pt_protect(&e.pt, 0x12345000, 0x1000, ACC_READ, 0), 0);
	CHECK_EQ(look(&e, 0x12345678, &level, &acc), 0x12345678);
	CHECK_EQ(level, 1);
	CHECK(!(acc & ACC_WRITE));
	CHECK_EQ(look(&e, 0x12346000, &level, &acc), 0x12346000);
	CHECK_EQ(level, 1);
	CHECK(acc & ACC_WRITE);
	CHECK_EQ(look(&e, 0x30000000, &level, &acc), 0x30000000);
	CHECK_EQ(level, 2);
	CHECK_EQ(e.fm.live, live + 2);
	/* protect back: merges to 1G again and frees both tables */
	CHECK_EQ(pt_protect(&e.pt, 0x12345000, 0x1000, ACC_READ | ACC_WRITE, 0),
		 0);
	CHECK_EQ(look(&e, 0x12345678, &level, NULL), 0x12345678);
	CHECK_EQ(level, 3);
	CHECK_EQ(e.fm.live, live);
	/* remap a 4K page elsewhere, then back */
	CHECK_EQ(pt_map(&e.pt, 0x200000, 0x7000000, 0x1000,
			ACC_READ | ACC_WRITE, 0, 0),
		 0);
	CHECK_EQ(look(&e, 0x200010, &level, NULL), 0x7000010);
	CHECK_EQ(look(&e, 0x201010, &level, NULL), 0x201010);
	CHECK_EQ(pt_map(&e.pt, 0x200000, 0x200000, 0x1000, ACC_READ | ACC_WRITE,
			0, 0),
		 0);
	CHECK_EQ(look(&e, 0x200010, &level, NULL), 0x200010);
	CHECK_EQ(level, 3);
	CHECK_EQ(e.fm.live, live);
	/* no merge when asked */
	CHECK_EQ(pt_protect(&e.pt, 0, 0x1000, ACC_READ, PTM_NO_MERGE), 0);
	CHECK_EQ(pt_protect(&e.pt, 0, 0x1000, ACC_READ | ACC_WRITE,
			    PTM_NO_MERGE),
		 0);
	look(&e, 0, &level, NULL);
	CHECK_EQ(level, 1);
	env_down(&e);
}

/* PTM_ALIAS (Modex's sink): every page of the range maps to one page,
 * over large leaves that split, and the range's neighbours stay. */
TEST(alias_maps_every_page_to_one)
{
	static const enum pt_type types[] = { PT_EPT, PT_NPT, PT_X86 };

	for (unsigned t = 0; t < 3; t++) {
		struct env e;
		unsigned level;
		acc_t acc;
		u64 s = 0x1ff000, end = 0x603000, sink = 0x7654000;

		env_up(&e, types[t], types[t] == PT_EPT ? 0 : PTF_NXE | PTF_1G);
		CHECK_EQ(pt_map(&e.pt, 0, 0, SZ_1G, ACC_READ | ACC_WRITE, 0, 0),
			 0);
		CHECK_EQ(pt_map(&e.pt, s, sink, end - s, ACC_READ, 0,
				PTM_ALIAS),
			 0);
		for (u64 va = s; va < end; va += 0x1000) {
			CHECK_MSG(look(&e, va + 0x123, &level, &acc) ==
					  sink + 0x123,
				  "type %u va %#lx", t, (unsigned long)va);
			CHECK_EQ(level, 1);
			CHECK(!(acc & ACC_WRITE));
		}
		CHECK_EQ(look(&e, s - 0x1000, NULL, &acc), s - 0x1000);
		CHECK(acc & ACC_WRITE);
		CHECK_EQ(look(&e, end, NULL, NULL), end);
		CHECK_EQ(look(&e, 0x30000000, &level, NULL), 0x30000000);
		/* Mapping the alias again changes nothing. */
		CHECK_EQ(pt_map(&e.pt, s, sink, end - s, ACC_READ, 0,
				PTM_ALIAS),
			 0);
		CHECK_EQ(look(&e, 0x400000, NULL, NULL), sink);
		/* An unaligned or out-of-range alias target is refused. */
		CHECK_EQ(pt_map(&e.pt, s, sink + 8, 0x1000, ACC_READ, 0,
				PTM_ALIAS),
			 -E_INVAL);
		env_down(&e);
	}
}

TEST(unmap_frees_tables)
{
	struct env e;
	struct pt_walk w;

	env_up(&e, PT_X86, PTF_NXE);
	CHECK_EQ(pt_map(&e.pt, 0x40000000, 0x1000, 0x3000, ACC_READ, 0, 0), 0);
	CHECK_EQ(e.fm.live, 4); /* root, PDPT, PD, PT */
	CHECK_EQ(pt_unmap(&e.pt, 0x40001000, 0x1000), 0);
	CHECK_EQ(pt_lookup(&e.pt, 0x40001000, &w), PTW_NOT_PRESENT);
	CHECK_EQ(look(&e, 0x40002000, NULL, NULL), 0x3000);
	CHECK_EQ(pt_unmap(&e.pt, 0x40000000, SZ_2M), 0);
	CHECK_EQ(e.fm.live, 1);
	CHECK_EQ(pt_lookup(&e.pt, 0x40002000, &w), PTW_NOT_PRESENT);
	CHECK_EQ(w.level, 4);
	/* unmap part of a 2M page: split, rest stays */
	CHECK_EQ(pt_map(&e.pt, 0, 0, SZ_2M, ACC_READ, 0, 0), 0);
	CHECK_EQ(pt_unmap(&e.pt, 0x1000, 0x1000), 0);
	CHECK_EQ(look(&e, 0x2000, NULL, NULL), 0x2000);
	CHECK_EQ(look(&e, 0x1000, NULL, NULL), ~0ULL);
	CHECK_EQ(pt_unmap(&e.pt, 0, SZ_1G), 0);
	CHECK_EQ(e.fm.live, 1);
	env_down(&e);
}

TEST(errors)
{
	struct env e;

	env_up(&e, PT_X86, PTF_NXE);
	CHECK_EQ(pt_map(&e.pt, 0x1001, 0, 0x1000, ACC_READ, 0, 0), -E_INVAL);
	CHECK_EQ(pt_map(&e.pt, 0x1000, 0x1, 0x1000, ACC_READ, 0, 0), -E_INVAL);
	CHECK_EQ(pt_map(&e.pt, 0x1000, 0, 0, ACC_READ, 0, 0), -E_INVAL);
	CHECK_EQ(pt_map(&e.pt, 0x1000, 1ULL << 46, 0x1000, ACC_READ, 0, 0),
		 -E_INVAL);
	CHECK_EQ(pt_map(&e.pt, 0x1000, 0, 0x1000, ACC_READ, BIT(9), 0),
		 -E_INVAL);
	/* write-only cannot be expressed: refused unless rounding allowed */
	CHECK_EQ(pt_map(&e.pt, 0x1000, 0, 0x1000, ACC_WRITE, 0, 0), -E_NOSUPP);
	CHECK_EQ(pt_map(&e.pt, 0x1000, 0, 0x1000, ACC_WRITE, 0, PTM_ROUND_DOWN),
		 0);
	/* out of memory: fails cleanly, tables stay walkable */
	e.fm.fail_after = e.fm.allocs;
	CHECK_EQ(pt_map(&e.pt, 1ULL << 40, 0, 0x1000, ACC_READ, 0, 0),
		 -E_NOMEM);
	e.fm.fail_after = -1;
	CHECK_EQ(pt_map(&e.pt, 1ULL << 40, 0, 0x1000, ACC_READ, 0, 0), 0);
	env_down(&e);
}

/*
 * Randomized: map/unmap/protect over 4 GiB against a per-page shadow;
 * after every operation lookups agree at the range edges and at random
 * pages; in the end nothing leaks.
 */
#define RND_PAGES (4 * SZ_1G / SZ_4K)

struct shadow {
	u64 pa; /* ~0: unmapped */
	acc_t acc;
};

static u64 rnd_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	return rng_next(&rnd_state);
}

static u64 rnd_size(void)
{
	switch (rnd() % 4) {
	case 0:
		return SZ_4K * (1 + rnd() % 8);
	case 1:
		return SZ_2M * (1 + rnd() % 3);
	case 2:
		return SZ_2M * (1 + rnd() % 3) + SZ_4K * (rnd() % 3);
	default:
		return SZ_1G;
	}
}

static acc_t decoded(const struct pt_format *f, acc_t acc)
{
	u64 e;

	if (pt_encode_leaf(f, 1, 0, acc, 0, &e, NULL) < 0)
		return 0xff;
	return pt_entry_acc(f, e);
}

static bool agree(struct env *e, struct shadow *sh, u64 page)
{
	struct pt_walk w;
	enum pt_walk_status s = pt_lookup(&e->pt, page * SZ_4K + 8, &w);

	if (sh[page].pa == ~0ULL)
		return s == PTW_NOT_PRESENT;
	return s == PTW_OK && w.out == sh[page].pa + 8 &&
	       w.acc == decoded(&e->f, sh[page].acc);
}

static void rnd_op(struct env *e, struct shadow *sh, u64 *lo, u64 *hi)
{
	static const acc_t accs[] = { ACC_READ, ACC_READ | ACC_WRITE,
				      ACC_READ | ACC_EXEC };
	u64 size = rnd_size(), va, pa, op = rnd() % 4;
	acc_t acc = accs[rnd() % 3];

	va = (rnd() % (RND_PAGES - size / SZ_4K + 1)) * SZ_4K;
	if (size == SZ_1G || rnd() % 2)
		va &= ~(SZ_2M - 1);
	pa = (rnd() % 3) ? va : va + SZ_2M * (rnd() % 4) + SZ_4K * (rnd() % 2);
	*lo = va / SZ_4K;
	*hi = (va + size) / SZ_4K;
	if (op == 3) {
		CHECK_EQ(pt_unmap(&e->pt, va, size), 0);
	} else if (op == 2) {
		CHECK_EQ(pt_protect(&e->pt, va, size, acc, 0), 0);
	} else {
		CHECK_EQ(pt_map(&e->pt, va, pa, size, acc, 0, 0), 0);
	}
	for (u64 p = *lo; p < *hi; p++) {
		if (op == 3)
			sh[p].pa = ~0ULL;
		else if (op == 2 && sh[p].pa != ~0ULL)
			sh[p].acc = acc;
		else if (op < 2)
			sh[p] = (struct shadow){ pa + (p - *lo) * SZ_4K, acc };
	}
}

static void random_against_shadow(enum pt_type type, u32 flags)
{
	struct env e;
	struct shadow *sh = calloc(RND_PAGES, sizeof(*sh));
	unsigned bad = 0;

	REQUIRE(sh);
	for (u64 p = 0; p < RND_PAGES; p++)
		sh[p].pa = ~0ULL;
	env_up(&e, type, flags);
	for (unsigned i = 0; i < 400 && bad < 5; i++) {
		u64 lo, hi;

		rnd_op(&e, sh, &lo, &hi);
		u64 probe[] = { lo, hi - 1, lo ? lo - 1 : 0,
				hi < RND_PAGES ? hi : 0, rnd() % RND_PAGES };
		for (unsigned k = 0; k < ARRAY_SIZE(probe); k++)
			if (!agree(&e, sh, probe[k]))
				bad++;
		for (unsigned k = 0; k < 200; k++)
			if (!agree(&e, sh, rnd() % RND_PAGES))
				bad++;
	}
	CHECK_EQ(bad, 0);
	fprintf(stderr, "  randomized: %ld tables allocated, %ld freed\n",
		e.fm.allocs, e.fm.frees);
	CHECK(e.fm.frees > 20); /* splits and merges did happen */
	/* full sweep of the first GiB and a count of leaves */
	for (u64 p = 0; p < SZ_1G / SZ_4K && bad < 5; p++)
		if (!agree(&e, sh, p))
			bad++;
	CHECK_EQ(bad, 0);
	/* identity-map everything alike: merges back to four 1 GiB leaves */
	CHECK_EQ(pt_map(&e.pt, 0, 0, 4 * SZ_1G, ACC_READ, 0, 0), 0);
	unsigned n[6] = { 0 };
	CHECK_EQ(pt_for_each_leaf(&e.pt, count_leaf, n), 0);
	CHECK_EQ(n[3], 4);
	CHECK_EQ(n[2] + n[1], 0);
	CHECK_EQ(e.fm.live, 2);
	env_down(&e);
	free(sh);
}

TEST(randomized_against_shadow)
{
	random_against_shadow(PT_X86, PTF_NXE | PTF_1G);
}

/* The DMA formats through the same builder (reads, writes, no execute). */
TEST(randomized_against_shadow_iommu)
{
	random_against_shadow(PT_VTD, PTF_1G);
	random_against_shadow(PT_AMDVI, 0);
}

static unsigned char *direct_arena;
static u64 direct_next;

static void *direct_p2v(u64 pa)
{
	return direct_arena + (pa - MEM_BASE);
}

static int direct_alloc_page(u64 *pa)
{
	if (direct_next == 64)
		return -E_NOMEM;
	*pa = MEM_BASE + direct_next++ * PAGE_SIZE;
	/* dirty it: the direct ops must zero new tables */
	memset(direct_p2v(*pa), 0xff, PAGE_SIZE);
	return 0;
}

TEST(direct_memory_ops)
{
	struct pt_mem_direct d = { direct_p2v, direct_alloc_page, NULL,
				   MEM_BASE, MEM_BASE + 64 * PAGE_SIZE };
	struct pt_mem mem = pt_mem_direct(&d);
	struct pt_format f;
	struct pt pt;
	struct pt_walk w;
	u64 v;

	direct_arena = aligned_alloc(PAGE_SIZE, 64 * PAGE_SIZE);
	direct_next = 0;
	REQUIRE(direct_arena);
	REQUIRE(pt_format_init(&f, PT_X86, 46, PTF_NXE) == 0);
	REQUIRE(pt_init(&pt, &f, &mem) == 0);
	CHECK_EQ(pt_map(&pt, 0x200000, 0x200000, 0x5000, ACC_READ | ACC_EXEC, 0,
			0),
		 0);
	CHECK_EQ(pt_lookup(&pt, 0x204abc, &w), PTW_OK);
	CHECK_EQ(w.out, 0x204abc);
	CHECK_EQ(pt_walk(&f, &mem, 0x7000000, 0, PK_READ, NULL, 0, &w),
		 PTW_BAD_TABLE);
	CHECK_EQ(mem.ops->read(mem.ctx, MEM_BASE + 64 * PAGE_SIZE, &v),
		 -E_FAULT);
	CHECK_EQ(mem.ops->read(mem.ctx, MEM_BASE + 4, &v), -E_FAULT);
	CHECK_EQ(mem.ops->cmpxchg(mem.ctx, MEM_BASE, 12345, 1), -E_BUSY);
	pt_destroy(&pt);
	free(direct_arena);
}
