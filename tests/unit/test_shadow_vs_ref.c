// SPDX-License-Identifier: MIT
/*
 * Shadow stage-2 tables (nested/shadow.c) against the independent
 * reference model: exhaustive EPT12 and NPT12 permission sets at every
 * level with a restrictive entry above, L0 variants and access kinds;
 * page sizes; seeded random L1 tables over a random L0. The world and the
 * expected composition are in tests/unit/support/shadow_world.h.
 */
#include "tests/unit/support/shadow_world.h"

#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

/* ------------------------------------------------------ exhaustive */

static void exhaustive(struct sw_world *w, const u64 *l0v, unsigned nl0)
{
	for (int level = 3; level >= 1; level--)
		for (unsigned q = 0; q < 16; q++)
			for (unsigned p = 0; p < 16; p++) {
				sw_build_chain(w, level, p, q);
				for (unsigned i = 0; i < nl0; i++) {
					sw_l0_uniform(w, l0v[i], SZ_1G,
						      HPA_OFF);
					for (int op = 0; op < 3; op++)
						for (int u = 0; u < 2; u++) {
							shadow_invalidate_all(
								&w->cache);
							sw_fault_case(
								w, PML4_PA,
								L2_GPA, op, u,
								true, level);
						}
				}
			}
}

static const u64 l0_ept_variants[] = {
	EPTE_R | EPTE_W | EPTE_XS | EPTE_XU,
	EPTE_R | EPTE_W,
	EPTE_R,
	EPTE_R | EPTE_XS | EPTE_XU,
	EPTE_R | EPTE_XS, /* supervisor-only execute under MBEC */
	EPTE_R | EPTE_XU, /* user-only execute under MBEC */
	0, /* L0 maps nothing */
};

static const u64 l0_npt_variants[] = {
	PTE_P | PTE_RW | PTE_US,
	PTE_P | PTE_RW,
	PTE_P,
	PTE_P | PTE_US,
	PTE_P | PTE_RW | PTE_NX,
	PTE_P | PTE_US | PTE_NX,
	PTE_P | PTE_RW | PTE_US | PTE_NX,
	0,
};

TEST(ept_exhaustive)
{
	/* L1's MBEC x exec-only x L0's (hardware) MBEC. */
	static const bool cfgs[][3] = {
		{ 0, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 },
		{ 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 1 },
	};
	unsigned long before = sw_cases;

	for (unsigned i = 0; i < ARRAY_SIZE(cfgs); i++) {
		struct ref_ept_cfg e1 = sw_ept_cfg(cfgs[i][0], cfgs[i][1]);
		struct ref_ept_cfg e0 = sw_ept_cfg(cfgs[i][2], true);
		struct sw_world w;

		e0.maxphyaddr = S_MAXPHY;
		sw_world_ept(&w, &e1, &e0, 64);
		exhaustive(&w, l0_ept_variants, ARRAY_SIZE(l0_ept_variants));
		CHECK(sw_world_fini(&w));
	}
	sw_report("ept_exhaustive", before);
	CHECK_EQ(sw_bad_n, 0);
}

TEST(npt_exhaustive)
{
	/* L1's GMET x L1's EFER.NXE x L0's (hardware) GMET. */
	static const bool cfgs[][3] = {
		{ 0, 1, 0 }, { 0, 1, 1 }, { 1, 1, 1 },
		{ 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 1 },
	};
	unsigned long before = sw_cases;

	for (unsigned i = 0; i < ARRAY_SIZE(cfgs); i++) {
		struct ref_npt_cfg n1 = sw_npt_cfg(cfgs[i][0], cfgs[i][1]);
		struct ref_npt_cfg n0 = sw_npt_cfg(cfgs[i][2], true);
		struct sw_world w;

		n0.maxphyaddr = S_MAXPHY;
		sw_world_npt(&w, &n1, &n0, 64);
		exhaustive(&w, l0_npt_variants, ARRAY_SIZE(l0_npt_variants));
		CHECK(sw_world_fini(&w));
	}
	sw_report("npt_exhaustive", before);
	CHECK_EQ(sw_bad_n, 0);
}

/* ------------------------------------------------------ page sizes */

/* The shadow leaf is min(L1's leaf, L0's size), within what the shadow
 * format has and what the host address's alignment allows. */
static void page_sizes(struct sw_world *w, u64 full_l0)
{
	static const u64 sizes[] = { SZ_4K, SZ_2M, SZ_1G };
	static const u64 offs[] = { HPA_OFF, HPA_OFF + SZ_2M, HPA_OFF + SZ_4K };
	unsigned full = w->ept ? 7 : 7;
	bool g1 = w->ept ? w->esh.pages_1g : w->nsh.pages_1g;

	for (int level = 1; level <= 3; level++)
		for (unsigned i = 0; i < 3; i++)
			for (unsigned j = 0; j < 3; j++) {
				int want = MIN(level, (int)i + 1);
				u64 size, base, off = offs[j];
				struct shadow_fault f;
				struct sw_walk m;

				want = MIN(want, g1 ? 3 : 2);
				want = MIN(want, 3 - (int)j);
				size = pt_level_size(want);
				sw_build_chain(w, level, full, 15);
				sw_l0_uniform(w, full_l0, sizes[i], off);
				shadow_invalidate_all(&w->cache);
				CHECK(sw_fault_case(w, PML4_PA, L2_GPA,
						    REF_READ, 0, true, want));
				shadow_fault(&w->cache, PML4_PA, &w->role,
					     L2_GPA, PK_READ, &f);
				CHECK_EQ(f.page_size, size);
				base = L2_GPA & ~(size - 1);
				/* First and last byte map; the bytes around
				 * do not (the shadow was empty). */
				sw_model_walk(w, true, f.root, base + size - 1,
					      REF_READ, 0, &m);
				CHECK_EQ(m.status, REF_OK);
				CHECK_EQ(m.out,
					 sw_leaf_target(level) +
						 ((L2_GPA &
						   (pt_level_size(level) - 1)) |
						  (size - 1)) +
						 off);
				sw_model_walk(w, true, f.root, base, REF_READ,
					      0, &m);
				CHECK_EQ(m.status, REF_OK);
				sw_model_walk(w, true, f.root, base + size,
					      REF_READ, 0, &m);
				CHECK(m.status != REF_OK);
				sw_model_walk(w, true, f.root, base - 1,
					      REF_READ, 0, &m);
				CHECK(m.status != REF_OK);
			}
}

TEST(page_sizes)
{
	unsigned long before = sw_cases;

	for (int g = 0; g < 2; g++) {
		struct ref_ept_cfg e1 = sw_ept_cfg(true, false);
		struct ref_ept_cfg e0 = sw_ept_cfg(true, false);
		struct ref_npt_cfg n1 = sw_npt_cfg(false, true);
		struct ref_npt_cfg n0 = sw_npt_cfg(true, true);
		struct sw_world w;

		e0.pages_1g = g;
		n0.pages_1g = g;
		e0.maxphyaddr = n0.maxphyaddr = S_MAXPHY;
		sw_world_ept(&w, &e1, &e0, 64);
		page_sizes(&w, sw_ept_bits(15));
		CHECK(sw_world_fini(&w));
		sw_world_npt(&w, &n1, &n0, 64);
		page_sizes(&w, PTE_P | PTE_RW | PTE_US);
		CHECK(sw_world_fini(&w));
	}
	sw_report("page_sizes", before);
	CHECK_EQ(sw_bad_n, 0);
}

/* ---------------------------------------------------------- random */

#define RND_TABLES 12 /* L1 table pages 1..12 */

static u64 rnd_perm(struct sw_world *w, u64 *rng)
{
	u64 r = rng_next(rng);

	if (r % 8)
		return w->ept ? sw_ept_bits(7 | (r & 8)) :
				PTE_P | PTE_RW | PTE_US | (r & 8 ? PTE_NX : 0);
	return w->ept ? sw_ept_bits((r >> 8) & 15) : sw_npt_bits((r >> 8) & 15);
}

/* Occasional reserved, ignored and attribute bits. */
static u64 rnd_extra(struct sw_world *w, u64 *rng, bool leaf)
{
	u64 r = rng_next(rng), e = 0;

	if (w->ept && leaf)
		e |= r % 16 ? (u64)EPT_MT_WB << EPTE_MT_SHIFT :
			      ((r >> 4) & 7) << EPTE_MT_SHIFT;
	else if (w->ept && r % 32 == 1)
		e |= (u64)EPT_MT_WB << EPTE_MT_SHIFT; /* reserved here */
	if (!w->ept)
		e |= (r & 0x100 ? PTE_A : 0) | (r & 0x200 ? PTE_D : 0) |
		     (r % 32 == 3 ? BIT(8) : 0);
	if (r % 64 == 5)
		e |= BIT(L1_MAXPHY); /* beyond L1's MAXPHYADDR */
	if (leaf && r % 64 == 6)
		e |= SZ_4K; /* a low address bit of a large page */
	if (w->ept && r % 16 == 7)
		e |= EPTE_A | EPTE_D;
	return e;
}

/* Table pages by the level they are meant for: 1-3 PML4, 4-6 PDPT, 7-9
 * PD, 10-12 PT; entries mostly point one level down. */
static u64 rnd_table(u64 r, int level)
{
	return (1 + (4 - level) * 3 + r % 3) * PAGE_SIZE;
}

static u64 rnd_leaf(struct sw_world *w, u64 *rng, int level, u64 r)
{
	u64 size = pt_level_size(level);
	u64 target = L1_TARGET + ((r >> 20) % (4 * SZ_1G / size)) * size;

	return target | rnd_perm(w, rng) | rnd_extra(w, rng, true) |
	       (level > 1 ? PTE_PS : 0);
}

static u64 rnd_entry(struct sw_world *w, u64 *rng, int level)
{
	u64 r = rng_next(rng);

	switch (r % 16) {
	case 0:
		return 0;
	case 1: /* any table: loops, tables used at two levels */
		return (1 + (r >> 8) % RND_TABLES) * PAGE_SIZE |
		       rnd_perm(w, rng);
	case 2: /* outside L1's RAM */
		return (L1_PAGES + (r >> 8) % 8) * PAGE_SIZE | rnd_perm(w, rng);
	case 3:
		return rng_next(rng);
	default:
		break;
	}
	if (level == 1 || (level <= 3 && r % 5 == 0))
		return rnd_leaf(w, rng, level, r);
	return rnd_table(r >> 8, level - 1) | rnd_perm(w, rng) |
	       rnd_extra(w, rng, false);
}

static void random_tree(struct sw_world *w, u64 *rng)
{
	for (unsigned t = 1; t <= RND_TABLES; t++) {
		u64 *page = fmem_ptr(&w->l1, t * PAGE_SIZE);
		int level = 4 - (int)(t - 1) / 3;

		memset(page, 0, PAGE_SIZE);
		for (unsigned i = 0; i < 4; i++)
			page[i] = rnd_entry(w, rng, level);
	}
}

static u64 rnd_l2(u64 *rng)
{
	u64 r = rng_next(rng);
	u64 a = r & 0xfff;

	for (int l = 1; l <= 4; l++)
		a |= ((r >> (12 + 2 * l)) & 3) << pt_level_shift(l);
	return a & ~7ULL;
}

static void random_world(struct sw_world *w, u64 seed, unsigned trees)
{
	u64 rng = seed;

	w->l0.random = true;
	w->l0.seed = seed;
	w->l0.off = HPA_OFF;
	for (unsigned t = 0; t < trees; t++) {
		random_tree(w, &rng);
		shadow_invalidate_all(&w->cache);
		for (unsigned i = 0; i < 24; i++) {
			u64 r = rng_next(&rng);

			sw_fault_case(w, PML4_PA, rnd_l2(&rng), r % 3,
				      (r >> 2) & 1, false, -1);
		}
	}
}

static const u64 l0_npt_random[] = {
	PTE_P | PTE_RW | PTE_US,
	PTE_P | PTE_RW,
	PTE_P | PTE_US | PTE_NX,
	PTE_P,
};

TEST(random_vs_model)
{
	/* L1 MBEC, exec-only, A/D, 1 GiB; L0 MBEC, 1 GiB. */
	static const bool ecfg[][6] = {
		{ 0, 0, 0, 1, 0, 1 }, { 0, 1, 1, 1, 1, 1 },
		{ 1, 0, 0, 1, 1, 1 }, { 1, 1, 1, 1, 1, 0 },
		{ 1, 1, 0, 0, 1, 1 }, { 0, 0, 1, 0, 1, 0 },
	};
	/* L1 GMET, NXE, 1 GiB; L0 GMET, 1 GiB. */
	static const bool ncfg[][5] = {
		{ 0, 1, 1, 0, 1 }, { 0, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1 },
		{ 1, 0, 0, 1, 0 }, { 0, 1, 0, 1, 1 },
	};
	unsigned long before = sw_cases;

	for (unsigned i = 0; i < ARRAY_SIZE(ecfg); i++) {
		struct ref_ept_cfg e1 = sw_ept_cfg(ecfg[i][0], ecfg[i][1]);
		struct ref_ept_cfg e0 = sw_ept_cfg(ecfg[i][4], true);
		struct sw_world w;

		e1.ad_enabled = ecfg[i][2];
		e1.pages_1g = ecfg[i][3];
		e0.pages_1g = ecfg[i][5];
		e0.maxphyaddr = S_MAXPHY;
		sw_world_ept(&w, &e1, &e0, 64);
		w.l0.choices = l0_ept_variants;
		w.l0.nr_choices = ARRAY_SIZE(l0_ept_variants) - 1;
		random_world(&w, 0x5eed0000 + i, 300);
		CHECK(sw_world_fini(&w));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ncfg); i++) {
		struct ref_npt_cfg n1 = sw_npt_cfg(ncfg[i][0], ncfg[i][1]);
		struct ref_npt_cfg n0 = sw_npt_cfg(ncfg[i][3], true);
		struct sw_world w;

		n1.pages_1g = ncfg[i][2];
		n0.pages_1g = ncfg[i][4];
		n0.maxphyaddr = S_MAXPHY;
		sw_world_npt(&w, &n1, &n0, 64);
		w.l0.choices = l0_npt_random;
		w.l0.nr_choices = ARRAY_SIZE(l0_npt_random);
		random_world(&w, 0xa11ce000 + i, 300);
		CHECK(sw_world_fini(&w));
	}
	sw_report("random_vs_model", before);
	CHECK_EQ(sw_bad_n, 0);
}
