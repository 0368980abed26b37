// SPDX-License-Identifier: MIT
/*
 * Shadow stage-2 tables (nested/shadow.c): loops and pointers outside L1's
 * RAM, the page budget and recycling, invalidation, roles and MBEC's bit
 * 10, GMET, accessed/dirty flags, statistics, the flush protocol, and the
 * l0_lookup adapter over an mm/-built stage 2. The model-driven
 * comparison is test_shadow_vs_ref.c; the world is
 * tests/unit/support/shadow_world.h.
 */
#include "tests/unit/support/shadow_world.h"

#include "hv/include/err.h"
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

/* ------------------------------------- loops and pointers outside RAM */

static struct sw_world *ept_plain(struct sw_world *w, bool mbec, bool exec_only)
{
	struct ref_ept_cfg e1 = sw_ept_cfg(mbec, exec_only);
	struct ref_ept_cfg e0 = sw_ept_cfg(true, true);

	e0.maxphyaddr = S_MAXPHY;
	sw_world_ept(w, &e1, &e0, 64);
	sw_l0_uniform(w, sw_ept_bits(15), SZ_1G, HPA_OFF);
	return w;
}

static struct sw_world *npt_plain(struct sw_world *w, bool gmet, bool l0_gmet)
{
	struct ref_npt_cfg n1 = sw_npt_cfg(gmet, true);
	struct ref_npt_cfg n0 = sw_npt_cfg(l0_gmet, true);

	n0.maxphyaddr = S_MAXPHY;
	sw_world_npt(w, &n1, &n0, 64);
	sw_l0_uniform(w, PTE_P | PTE_RW | (l0_gmet ? 0 : PTE_US), SZ_1G,
		      HPA_OFF);
	return w;
}

static void clear_tables(struct sw_world *w)
{
	for (u64 pa = PAGE_SIZE; pa < 32 * PAGE_SIZE; pa += PAGE_SIZE)
		memset(fmem_ptr(&w->l1, pa), 0, PAGE_SIZE);
	shadow_invalidate_all(&w->cache);
}

static void fault_expect(struct sw_world *w, u64 root, u64 l2, unsigned kind,
			 enum shadow_result want, struct shadow_fault *f)
{
	shadow_fault(&w->cache, root, &w->role, l2, kind, f);
	CHECK_MSG(f->result == want, "l2 %#" PRIx64 " kind %u: %d, not %d", l2,
		  kind, f->result, want);
}

static void loops(struct sw_world *w)
{
	u64 full = w->ept ? sw_ept_bits(7) : PTE_P | PTE_RW | PTE_US;
	u64 outside = (L1_PAGES + 5) * PAGE_SIZE;
	struct shadow_fault f;

	/* The root points at itself: every level reads PML4[0]; the last
	 * read is a leaf mapping L2 page 0 to L1's own root table. */
	clear_tables(w);
	fmem_set(&w->l1, PML4_PA, PML4_PA | full);
	for (int op = 0; op < 3; op++)
		CHECK(sw_fault_case(w, PML4_PA, 0x10, op, 1, false, -1));
	fault_expect(w, PML4_PA, 0x10, PK_WRITE, SH_FIXED, &f);
	CHECK_EQ(f.l1_gpa, PML4_PA + 0x10);
	CHECK(sw_fault_case(w, PML4_PA, SZ_4K, PK_READ, 0, false, -1));
	/* A PDPT entry pointing back at the root. */
	clear_tables(w);
	fmem_set(&w->l1, PML4_PA, PDPT_PA | full);
	fmem_set(&w->l1, PDPT_PA, PML4_PA | full);
	for (int op = 0; op < 3; op++)
		CHECK(sw_fault_case(w, PML4_PA, 0x18, op, 0, false, -1));
	/* The root, then a page directory, outside L1's RAM. */
	clear_tables(w);
	fault_expect(w, outside, 0, PK_READ, SH_BAD_TABLE, &f);
	CHECK_EQ(f.l1_gpa, outside);
	CHECK_EQ(f.l1.level, 4);
	fault_expect(w, SH_BASE, 0, PK_READ, SH_BAD_TABLE, &f);
	CHECK_EQ(f.l1_gpa, SH_BASE);
	fmem_set(&w->l1, PML4_PA, PDPT_PA | full);
	fmem_set(&w->l1, PDPT_PA, PD_PA | full);
	fmem_set(&w->l1, PD_PA, outside | full);
	fault_expect(w, PML4_PA, 0, PK_FETCH, SH_BAD_TABLE, &f);
	CHECK_EQ(f.l1_gpa, outside);
	CHECK_EQ(f.l1.level, 1);
	CHECK(sw_fault_case(w, PML4_PA, 0, PK_READ, 0, false, -1));
	/* A leaf into an L0 hole: nothing is installed. */
	sw_build_chain(w, 1, 7, 15);
	shadow_invalidate_all(&w->cache);
	w->l0.hole_lo = L1_TARGET;
	w->l0.hole_hi = L1_TARGET + SZ_1G;
	fault_expect(w, PML4_PA, L2_GPA, PK_READ, SH_L0_FAULT, &f);
	CHECK_EQ(f.l1_gpa, sw_leaf_target(1) + (L2_GPA & 0xfff));
	CHECK_EQ(f.page_size, 0);
	CHECK_EQ(shadow_pages(&w->cache), 1); /* the root only */
	w->l0.hole_lo = w->l0.hole_hi = 0;
	/* Beyond the 48-bit walk: not present at the top level. */
	fault_expect(w, PML4_PA, 1ULL << 48, PK_READ, SH_L1_FAULT, &f);
	CHECK_EQ(f.l1.status, PTW_NOT_PRESENT);
	CHECK_EQ(f.l1.level, 4);
	/* Not a valid kind: nothing done. */
	fault_expect(w, PML4_PA, L2_GPA, 3, SH_INTERNAL, &f);
}

TEST(loops_and_bad_pointers)
{
	struct sw_world w;

	loops(ept_plain(&w, false, false));
	CHECK(sw_world_fini(&w));
	loops(ept_plain(&w, true, true));
	CHECK(sw_world_fini(&w));
	loops(npt_plain(&w, false, true));
	CHECK(sw_world_fini(&w));
	loops(npt_plain(&w, true, true));
	CHECK(sw_world_fini(&w));
	CHECK_EQ(sw_bad_n, 0);
}

/* ---------------------------------------------------------- budget */

#define BUDGET 8
#define NROOTS 12
#define SPAN (8 * SZ_2M) /* L2 memory mapped with 4 KiB leaves */

/* PML4s at pages 20.., one PDPT, one PD, 8 PTs at pages 4..11. */
static void budget_tables(struct sw_world *w)
{
	u64 full = sw_ept_bits(7),
	    leaf = full | (u64)EPT_MT_WB << EPTE_MT_SHIFT;

	clear_tables(w);
	for (unsigned r = 0; r < NROOTS; r++)
		fmem_set(&w->l1, (20 + r) * PAGE_SIZE, PDPT_PA | full);
	fmem_set(&w->l1, PDPT_PA, PD_PA | full);
	for (unsigned t = 0; t < 8; t++) {
		u64 pt = (4 + t) * PAGE_SIZE;

		fmem_set(&w->l1, PD_PA + 8 * t, pt | full);
		for (unsigned i = 0; i < 512; i++)
			fmem_set(&w->l1, pt + 8 * i,
				 (L1_TARGET + (t * 512 + i) * SZ_4K) | leaf);
	}
}

/* Every valid context's shadow at l2: absent, or the right hpa. */
static void check_all_contexts(struct sw_world *w, u64 l2)
{
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++) {
		const struct shadow_ctx *x = &w->cache.ctx[i];
		struct sw_walk m;

		if (!x->valid)
			continue;
		sw_model_walk(w, true, x->pt.root, l2, REF_READ, 0, &m);
		if (m.status == REF_OK)
			CHECK_EQ(m.out, L1_TARGET + l2 + HPA_OFF);
		CHECK(m.status == REF_OK || m.status == REF_NOT_PRESENT);
	}
}

TEST(budget_recycling)
{
	struct sw_world w;
	u64 rng = 0xb0d9e7;
	struct shadow_cache tiny;
	struct shadow_env env;

	ept_plain(&w, false, false);
	env = w.env;
	env.max_pages = SHADOW_MIN_PAGES - 1;
	CHECK_EQ(shadow_cache_init(&tiny, &env), -E_INVAL);
	w.env.max_pages = BUDGET;
	REQUIRE(shadow_cache_init(&w.cache, &w.env) == 0);
	budget_tables(&w);
	for (unsigned i = 0; i < 4000; i++) {
		u64 r = rng_next(&rng);
		u64 root = (20 + r % NROOTS) * PAGE_SIZE;
		u64 l2 = (r >> 8) % SPAN;
		struct shadow_fault f;
		struct sw_walk m;

		fault_expect(&w, root, l2, (r >> 40) % 3, SH_FIXED, &f);
		CHECK(shadow_pages(&w.cache) <= BUDGET);
		CHECK_EQ(w.sh.live, shadow_pages(&w.cache));
		sw_model_walk(&w, true, f.root, l2, (r >> 40) % 3, 0, &m);
		CHECK_EQ(m.status, REF_OK);
		CHECK_EQ(m.out, L1_TARGET + l2 + HPA_OFF);
		check_all_contexts(&w, (r >> 20) % SPAN);
	}
	fprintf(stderr,
		"budget: %u pages, %" PRIu64 " recycles, %" PRIu64
		" contexts, peak %" PRIu64 "\n",
		BUDGET, w.cache.stats.recycles, w.cache.stats.contexts,
		w.cache.stats.pages_peak);
	CHECK(w.cache.stats.recycles > 100);
	CHECK(w.cache.stats.pages_peak <= BUDGET);
	CHECK(shadow_take_flush(&w.cache));
	CHECK(!shadow_take_flush(&w.cache));
	CHECK(sw_world_fini(&w));
}

TEST(pool_exhausted)
{
	struct sw_world w;
	struct shadow_fault f;

	ept_plain(&w, false, false);
	budget_tables(&w);
	fault_expect(&w, 20 * PAGE_SIZE, 0, PK_READ, SH_FIXED, &f);
	fault_expect(&w, 21 * PAGE_SIZE, 0, PK_READ, SH_FIXED, &f);
	/* Modex's pool itself runs dry: recycling cannot help. */
	w.sh.fail_after = w.sh.allocs;
	fault_expect(&w, 20 * PAGE_SIZE, 5 * SZ_2M, PK_READ, SH_NOMEM, &f);
	/* Root 21's context went to make room; root 20's shadow stayed. */
	CHECK(f.root != 0);
	CHECK(sw_fault_case(&w, 20 * PAGE_SIZE, 0, REF_READ, 0, false, 1));
	CHECK_EQ(w.sh.live, shadow_pages(&w.cache));
	CHECK_EQ(shadow_root(&w.cache, 22 * PAGE_SIZE, &w.role), 0);
	CHECK(w.cache.stats.nomem >= 1);
	w.sh.fail_after = -1;
	CHECK(sw_fault_case(&w, 20 * PAGE_SIZE, 5 * SZ_2M, REF_READ, 0, false,
			    1));
	CHECK(sw_world_fini(&w));
}

TEST(lru_slots)
{
	struct sw_world w;
	u64 roots[SHADOW_CTX_MAX + 1];
	struct shadow_fault f;

	ept_plain(&w, false, false);
	budget_tables(&w);
	for (unsigned i = 0; i <= SHADOW_CTX_MAX; i++) {
		roots[i] = shadow_root(&w.cache, (20 + i) * PAGE_SIZE, &w.role);
		CHECK(roots[i] != 0);
		if (i == SHADOW_CTX_MAX - 1) /* root 0 becomes most recent */
			fault_expect(&w, 20 * PAGE_SIZE, 0, PK_READ, SH_FIXED,
				     &f);
	}
	/* The ninth took the slot of the least recently used: root 1. */
	CHECK_EQ(w.cache.stats.recycles, 1);
	CHECK_EQ(shadow_root(&w.cache, 20 * PAGE_SIZE, &w.role), roots[0]);
	for (unsigned i = 2; i <= SHADOW_CTX_MAX; i++)
		CHECK_EQ(shadow_root(&w.cache, (20 + i) * PAGE_SIZE, &w.role),
			 roots[i]);
	CHECK_EQ(w.cache.stats.contexts, SHADOW_CTX_MAX + 1);
	shadow_root(&w.cache, 21 * PAGE_SIZE, &w.role);
	CHECK_EQ(w.cache.stats.contexts, SHADOW_CTX_MAX + 2);
	CHECK(sw_world_fini(&w));
}

/* ---------------------------------------------------- invalidation */

static bool shadow_grants(struct sw_world *w, u64 sroot, u64 l2, int op, int u)
{
	struct sw_walk m;

	sw_model_walk(w, true, sroot, l2, op, u, &m);
	return m.status == REF_OK;
}

static void set_leaf(struct sw_world *w, unsigned p)
{
	fmem_set(&w->l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 sw_leaf_target(1) | sw_ept_bits(p) |
			 (u64)EPT_MT_WB << EPTE_MT_SHIFT);
}

TEST(invalidation)
{
	struct sw_world w;
	struct shadow_role mbec_role;
	struct pt_format f1;
	struct shadow_fault f;
	u64 a, am, b, a2;

	ept_plain(&w, false, false);
	sw_build_chain(&w, 1, 7, 15);
	memcpy(fmem_ptr(&w.l1, 20 * PAGE_SIZE), fmem_ptr(&w.l1, PML4_PA),
	       PAGE_SIZE);
	REQUIRE(pt_format_init(&f1, PT_EPT, L1_MAXPHY, PTF_MBEC | PTF_1G) == 0);
	REQUIRE(shadow_role_init(&mbec_role, &f1, &w.l0.fmt) == 0);
	a = shadow_root(&w.cache, PML4_PA, &w.role);
	am = shadow_root(&w.cache, PML4_PA, &mbec_role);
	b = shadow_root(&w.cache, 20 * PAGE_SIZE, &w.role);
	CHECK(a && am && b && a != am && a != b);
	/* EPTP's low bits (memory type, walk length, A/D) are not identity. */
	CHECK_EQ(shadow_root(&w.cache, PML4_PA | 0x5e, &w.role), a);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, 20 * PAGE_SIZE, L2_GPA, PK_READ, SH_FIXED, &f);
	shadow_fault(&w.cache, PML4_PA, &mbec_role, L2_GPA, PK_READ, &f);
	CHECK_EQ(f.result, SH_FIXED);
	(void)shadow_take_flush(&w.cache);
	/* Single context: both roles of that root go, the other stays. */
	shadow_invalidate_root(&w.cache, PML4_PA);
	CHECK_EQ(w.cache.stats.invalidations, 2);
	CHECK(shadow_take_flush(&w.cache));
	CHECK_EQ(shadow_root(&w.cache, 20 * PAGE_SIZE, &w.role), b);
	CHECK(shadow_grants(&w, b, L2_GPA, REF_READ, 0));
	a2 = shadow_root(&w.cache, PML4_PA, &w.role);
	CHECK(!shadow_grants(&w, a2, L2_GPA, REF_READ, 0));
	CHECK_EQ(w.cache.stats.contexts, 4);
	/* Loosened by L1 without INVEPT: seen at the next fault. */
	set_leaf(&w, 1);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L1_FAULT, &f);
	set_leaf(&w, 3);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	/* Tightened without INVEPT: the shadow may keep it, as a TLB may;
	 * after INVEPT it is gone. */
	set_leaf(&w, 1);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	shadow_invalidate_root(&w.cache, PML4_PA);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L1_FAULT, &f);
	/* L0's stage 2 changed: after shadow_invalidate_all() the shadow
	 * follows it. */
	set_leaf(&w, 7);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	sw_l0_uniform(&w, EPTE_R, SZ_1G, HPA_OFF);
	shadow_invalidate_all(&w.cache);
	CHECK_EQ(shadow_pages(&w.cache), 0);
	CHECK_EQ(w.sh.live, 0);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L0_FAULT, &f);
	fault_expect(&w, PML4_PA, L2_GPA, PK_FETCH, SH_L0_FAULT, &f);
	CHECK(sw_world_fini(&w));
}

/* ----------------------------------------------------- MBEC, bit 10 */

TEST(roles)
{
	struct pt_format e, em, n, ng, ex;
	struct shadow_role r;
	struct sw_world w;
	struct shadow_fault f;

	REQUIRE(pt_format_init(&e, PT_EPT, 46, 0) == 0);
	REQUIRE(pt_format_init(&em, PT_EPT, 46, PTF_MBEC) == 0);
	REQUIRE(pt_format_init(&ex, PT_EPT, 46, PTF_EXEC_ONLY) == 0);
	REQUIRE(pt_format_init(&n, PT_NPT, 46, PTF_NXE) == 0);
	REQUIRE(pt_format_init(&ng, PT_NPT, 46, PTF_NXE | PTF_GMET) == 0);
	CHECK_EQ(shadow_role_init(&r, &em, &e), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &ng, &n), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &ex, &e), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &e, &n), -E_NOSUPP);
	/* A 5-level L1 walk on 4-level tables: only while every GPA fits
	 * the shorter walk (MAXPHYADDR 46 does, 52 does not). */
	REQUIRE(pt_format_init(&ex, PT_EPT, 46, PTF_5LEVEL) == 0);
	CHECK_EQ(shadow_role_init(&r, &ex, &e), 0);
	CHECK_EQ(shadow_role_init(&r, &e, &ex), 0);
	REQUIRE(pt_format_init(&ex, PT_EPT, 52, PTF_5LEVEL) == 0);
	CHECK_EQ(shadow_role_init(&r, &ex, &e), -E_NOSUPP);
	REQUIRE(pt_format_init(&ex, PT_NPT, 46, PTF_NXE | PTF_5LEVEL) == 0);
	CHECK_EQ(shadow_role_init(&r, &ex, &n), 0);
	REQUIRE(pt_format_init(&ex, PT_NPT, 52, PTF_NXE | PTF_5LEVEL) == 0);
	CHECK_EQ(shadow_role_init(&r, &ex, &n), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &e, &em), 0);
	CHECK_EQ(shadow_role_init(&r, &em, &em), 0);
	CHECK_EQ(shadow_role_init(&r, &n, &ng), 0);
	REQUIRE(pt_format_init(&ex, PT_NPT, 46, 0) == 0);
	CHECK_EQ(shadow_role_init(&r, &n, &ex), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &ex, &n), 0);
	/* A role built by hand that no shadow can express. */
	ept_plain(&w, false, false);
	r = (struct shadow_role){ .l1_fmt = ng, .s_fmt = w.l0.fmt };
	CHECK_EQ(shadow_root(&w.cache, PML4_PA, &r), 0);
	CHECK_EQ(shadow_fault(&w.cache, PML4_PA, &r, 0, PK_READ, &f),
		 SH_INTERNAL);
	CHECK_EQ(w.cache.stats.contexts, 0);
	CHECK(sw_world_fini(&w));
}

/* A 4-level EPT12 shadowed in a 5-level EPT01's format. */
TEST(five_level_l0)
{
	struct pt_format f1, f5;
	struct shadow_role r;
	struct shadow_fault f;
	struct pt_walk pw;
	struct sw_world w;

	ept_plain(&w, false, false);
	sw_build_chain(&w, 1, 7, 15);
	REQUIRE(pt_format_init(&f1, PT_EPT, L1_MAXPHY, PTF_1G) == 0);
	REQUIRE(pt_format_init(&f5, PT_EPT, S_MAXPHY, PTF_1G | PTF_5LEVEL) ==
		0);
	REQUIRE(shadow_role_init(&r, &f1, &f5) == 0);
	w.l0.fmt = f5;
	CHECK_EQ(shadow_fault(&w.cache, PML4_PA, &r, L2_GPA, PK_FETCH, &f),
		 SH_FIXED);
	CHECK_EQ(pt_walk(&f5, &w.sh_mem, f.root, L2_GPA, PK_READ, NULL, 0, &pw),
		 PTW_OK);
	CHECK_EQ(pw.out, sw_leaf_target(1) + (L2_GPA & 0xfff) + HPA_OFF);
	CHECK_EQ(pw.level, 1);
	CHECK(sw_world_fini(&w));
}

/* A 5-level EPT12 (its PML5 entry 0 pointing at the usual chain)
 * shadowed in a 4-level EPT01's format: L1's tables are walked with five
 * levels, the shadow has four, and translates L2_GPA as L1 does. */
#define PML5_PA 0x9000ULL
TEST(five_level_l1)
{
	struct pt_format f1, f4;
	struct shadow_role r;
	struct shadow_fault f;
	struct pt_walk pw;
	struct sw_world w;

	ept_plain(&w, false, false);
	sw_build_chain(&w, 1, 7, 15);
	memset(fmem_ptr(&w.l1, PML5_PA), 0, PAGE_SIZE);
	fmem_set(&w.l1, PML5_PA, PML4_PA | sw_ept_bits(15));
	REQUIRE(pt_format_init(&f1, PT_EPT, L1_MAXPHY, PTF_1G | PTF_5LEVEL) ==
		0);
	REQUIRE(pt_format_init(&f4, PT_EPT, S_MAXPHY, PTF_1G) == 0);
	REQUIRE(shadow_role_init(&r, &f1, &f4) == 0);
	w.l0.fmt = f4;
	CHECK_EQ(shadow_fault(&w.cache, PML5_PA, &r, L2_GPA, PK_FETCH, &f),
		 SH_FIXED);
	CHECK_EQ(pt_walk(&f4, &w.sh_mem, f.root, L2_GPA, PK_READ, NULL, 0, &pw),
		 PTW_OK);
	CHECK_EQ(pw.out, sw_leaf_target(1) + (L2_GPA & 0xfff) + HPA_OFF);
	/* Nothing at PML5 index 1: an L1 fault, not a shadow entry. */
	CHECK_EQ(shadow_fault(&w.cache, PML5_PA, &r, 1ULL << 48, PK_READ, &f),
		 SH_L1_FAULT);
	CHECK(sw_world_fini(&w));
}

/* The shadow leaf's raw entry at L2_GPA (level 1). */
static u64 shadow_pte(struct sw_world *w, u64 sroot)
{
	struct sw_walk m;

	sw_model_walk(w, true, sroot, L2_GPA, REF_READ, 0, &m);
	return m.leaf;
}

TEST(ept_bit10)
{
	struct sw_world w;
	struct shadow_fault f;
	unsigned sup = pk_make(PK_FETCH, false), user = pk_make(PK_FETCH, true);

	/* XU alone: ignored without MBEC (not present, qualification 0x4). */
	ept_plain(&w, false, true);
	sw_build_chain(&w, 1, 8, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_FAULT, &f);
	CHECK_EQ(f.l1.status, PTW_NOT_PRESENT);
	CHECK_EQ(ept_violation_qual(&f.l1, false, 0), EPTVQ_FETCH);
	/* R|W|XS without XU: both fetches execute, X is written to both. */
	sw_build_chain(&w, 1, 7, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & (EPTE_XS | EPTE_XU),
		 EPTE_XS | EPTE_XU);
	CHECK(sw_world_fini(&w));
	/* With MBEC and no execute-only support: a misconfiguration. */
	ept_plain(&w, true, false);
	sw_build_chain(&w, 1, 8, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_MISCONFIG, &f);
	CHECK(sw_world_fini(&w));
	/* With MBEC and execute-only: user fetches only. */
	ept_plain(&w, true, true);
	sw_build_chain(&w, 1, 8, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & 0x407, EPTE_XU);
	fault_expect(&w, PML4_PA, L2_GPA, sup, SH_L1_FAULT, &f);
	CHECK_EQ(ept_violation_qual(&f.l1, true, 0), EPTVQ_FETCH | EPTVQ_XU);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_L1_FAULT, &f);
	/* R|W|XS: supervisor fetches only; the shadow has XU clear. */
	sw_build_chain(&w, 1, 7, 15);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_FAULT, &f);
	CHECK_EQ(ept_violation_qual(&f.l1, true, 0),
		 EPTVQ_FETCH | EPTVQ_R | EPTVQ_W | EPTVQ_XS);
	fault_expect(&w, PML4_PA, L2_GPA, sup, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & 0x407, EPTE_R | EPTE_W | EPTE_XS);
	/* XU in a non-leaf entry only: user fetches need it everywhere. */
	sw_build_chain(&w, 1, 15, 7);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_FAULT, &f);
	fault_expect(&w, PML4_PA, L2_GPA, sup, SH_FIXED, &f);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 1));
	CHECK(sw_world_fini(&w));
}

/* ------------------------------------------------------------ GMET */

static void npt_leaf(struct sw_world *w, u64 bits)
{
	sw_build_chain(w, 1, 1, 7);
	fmem_set(&w->l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 sw_leaf_target(1) | bits | PTE_A | PTE_D);
	shadow_invalidate_all(&w->cache);
}

static u64 npf_info(struct sw_world *w, const struct shadow_fault *f, u8 cpl)
{
	return npt_exitinfo1(&f->l1, &w->role.l1_fmt, cpl,
			     NPFI_FINAL | NPFI_ERRATUM_1218);
}

TEST(npt_gmet)
{
	struct sw_world w;
	struct shadow_fault f;
	unsigned sup_x = pk_make(PK_FETCH, false);
	unsigned user_x = pk_make(PK_FETCH, true);

	/* GMET in L1 and L0: L0's leaves are U=0 (both modes). */
	npt_plain(&w, true, true);
	/* A user page: a CPL0 fetch faults (U not reported, erratum 1218
	 * rule), a CPL3 fetch is granted, and the shadow keeps U=1 so that
	 * the CPU faults CPL0 fetches too: L0's U=0 must not clear it. */
	npt_leaf(&w, PTE_P | PTE_RW | PTE_US);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000011ULL);
	fault_expect(&w, PML4_PA, L2_GPA, user_x, SH_FIXED, &f);
	CHECK(shadow_pte(&w, f.root) & PTE_US);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 0));
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_READ, 0));
	/* U=0: executable at CPL0 and CPL3. */
	npt_leaf(&w, PTE_P | PTE_RW);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_FIXED, &f);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 1));
	/* NX: nobody, U not reported for CPL0. */
	npt_leaf(&w, PTE_P | PTE_RW | PTE_NX);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000011ULL);
	CHECK(sw_world_fini(&w));
	/* No GMET in L1 on a GMET L0: every access is a user access, the
	 * shadow needs U=1 although L0's own leaf has U=0. */
	npt_plain(&w, false, true);
	npt_leaf(&w, PTE_P | PTE_RW | PTE_US);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK(shadow_pte(&w, f.root) & PTE_US);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 0));
	npt_leaf(&w, PTE_P | PTE_RW);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000005ULL);
	npt_leaf(&w, PTE_P | PTE_RW | PTE_US | PTE_NX);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000015ULL);
	CHECK(sw_world_fini(&w));
}

/* --------------------------------------------------- accessed/dirty */

TEST(accessed_dirty)
{
	struct sw_world w;
	struct shadow_fault f;
	struct ref_ept_cfg e1 = sw_ept_cfg(false, false);
	struct ref_ept_cfg e0 = sw_ept_cfg(true, true);

	e1.ad_enabled = true;
	e0.maxphyaddr = S_MAXPHY;
	sw_world_ept(&w, &e1, &e0, 64);
	sw_l0_uniform(&w, sw_ept_bits(15), SZ_1G, HPA_OFF);
	sw_build_chain(&w, 1, 3, 15);
	/* A read sets A at every level, and leaves W to the first write. */
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	for (int l = 1; l <= 4; l++)
		CHECK(fmem_get(&w.l1,
			       sw_table_pa[l] + 8 * pt_index(L2_GPA, l)) &
		      EPTE_A);
	CHECK(!(fmem_get(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1)) & EPTE_D));
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	CHECK(fmem_get(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1)) & EPTE_D);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	CHECK(sw_world_fini(&w));
	/* Without A/D: nothing written to L1's tables, W at once. */
	ept_plain(&w, false, false);
	sw_build_chain(&w, 1, 3, 15);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK_EQ(w.l1.cmpxchgs, 0);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	CHECK(sw_world_fini(&w));
	/* NPT always has them. */
	npt_plain(&w, false, false);
	sw_build_chain(&w, 1, 7, 15);
	fmem_set(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 sw_leaf_target(1) | PTE_P | PTE_RW | PTE_US);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK(fmem_get(&w.l1, PML4_PA) & PTE_A);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	CHECK(fmem_get(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1)) & PTE_D);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	CHECK(sw_world_fini(&w));
}

/* ------------------------------------------------------- statistics */

TEST(stats)
{
	struct sw_world w;
	struct shadow_fault f;
	const struct shadow_stats *s = &w.cache.stats;

	ept_plain(&w, false, false);
	sw_build_chain(&w, 2, 1, 15);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L1_FAULT, &f);
	fault_expect(&w, PML4_PA, L2_GPA + SZ_1G, PK_READ, SH_L1_FAULT, &f);
	sw_build_chain(&w, 1, 3, 15);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	sw_l0_uniform(&w, EPTE_R, SZ_1G, HPA_OFF);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L0_FAULT, &f);
	CHECK_EQ(s->faults, 5);
	CHECK_EQ(s->fixed, 2);
	CHECK_EQ(s->reflected, 2);
	CHECK_EQ(s->l0_faults, 1);
	CHECK_EQ(s->leaves[2], 1);
	CHECK_EQ(s->leaves[1], 2);
	CHECK_EQ(s->invalidations, 1);
	CHECK_EQ(s->contexts, 2);
	CHECK_EQ(s->pages, shadow_pages(&w.cache));
	CHECK(s->pages_peak >= s->pages);
	CHECK(sw_world_fini(&w));
}

/* ------------------------------------------------------------ flush */

TEST(flush_protocol)
{
	struct sw_world w;
	struct shadow_fault f;
	u64 r0;

	ept_plain(&w, false, false);
	sw_build_chain(&w, 1, 7, 15);
	/* New leaves where nothing was: nothing freed, no flush. */
	r0 = shadow_root(&w.cache, PML4_PA, &w.role);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, PML4_PA, L2_GPA + SZ_4K, PK_READ, SH_L1_FAULT, &f);
	CHECK_EQ(f.root, r0);
	CHECK(!shadow_take_flush(&w.cache));
	/* L1 now maps the 2 MiB around it with one leaf: the shadow's page
	 * table gives way to a 2 MiB leaf and is freed: flush. */
	sw_build_chain(&w, 2, 7, 15);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK_EQ(f.page_size, SZ_2M);
	CHECK(shadow_take_flush(&w.cache));
	CHECK(!shadow_take_flush(&w.cache));
	/* A context recycled for a new root: flush. */
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++)
		CHECK(shadow_root(&w.cache, (20 + i) * PAGE_SIZE, &w.role));
	CHECK(shadow_take_flush(&w.cache));
	CHECK(sw_world_fini(&w));
}

/* ------------------------------------------- L0 from an mm/ stage 2 */

static int l0_from_pt(void *ctx, u64 gpa, u64 *hpa, acc_t *acc, u64 *attr,
		      u64 *size)
{
	return shadow_l0_pt_lookup(ctx, gpa, hpa, acc, attr, size);
}

static void l0_pt_case(const struct pt *l0, u64 gpa, u64 hpa, acc_t acc,
		       u64 attr, u64 size)
{
	u64 h, at, sz;
	acc_t a;

	REQUIRE(shadow_l0_pt_lookup(l0, gpa, &h, &a, &at, &sz) == 0);
	CHECK_EQ(h, hpa);
	CHECK_EQ(a, acc);
	CHECK_EQ(at, attr);
	CHECK_EQ(sz, size);
}

/* EPT01 and NPT01 built by mm/, as hv/guest.c builds them. */
TEST(l0_pt_lookup)
{
	struct fmem m;
	struct pt_mem pm;
	struct pt_format ef, nf;
	struct pt l0;
	u64 uc = (u64)EPT_MT_UC << EPTE_MT_SHIFT;
	u64 wt = ((u64)EPT_MT_WT << EPTE_MT_SHIFT) | EPTE_IPAT, h, at, sz;
	acc_t a;

	fmem_init(&m, SH_BASE, 64, 0);
	pm = fmem_pt_mem(&m);
	REQUIRE(pt_format_init(&ef, PT_EPT, S_MAXPHY, PTF_1G | PTF_MBEC) == 0);
	REQUIRE(pt_init(&l0, &ef, &pm) == 0);
	REQUIRE(pt_map(&l0, 0, 0, 4 * SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB, 0) ==
		0);
	REQUIRE(pt_map(&l0, SZ_1G + SZ_2M, SZ_1G + SZ_2M, SZ_2M, ACC_RWX_BOTH,
		       wt, 0) == 0);
	REQUIRE(pt_map(&l0, 0xfee00000, 0x7000, SZ_4K, ACC_READ, uc, 0) == 0);
	l0_pt_case(&l0, 0x12345678 + 2 * SZ_1G, 0x12345000 + 2 * SZ_1G,
		   ACC_RWX_BOTH, PT_ATTR_EPT_WB, SZ_1G);
	l0_pt_case(&l0, SZ_1G + SZ_2M + 0x1234, SZ_1G + SZ_2M + 0x1000,
		   ACC_RWX_BOTH, wt, SZ_2M);
	l0_pt_case(&l0, 0xfee00020, 0x7000, ACC_READ, uc, SZ_4K);
	CHECK_EQ(shadow_l0_pt_lookup(&l0, 5 * SZ_1G, &h, &a, &at, &sz),
		 -E_FAULT);
	pt_destroy(&l0);
	REQUIRE(pt_format_init(&nf, PT_NPT, S_MAXPHY,
			       PTF_1G | PTF_NXE | PTF_GMET) == 0);
	REQUIRE(pt_init(&l0, &nf, &pm) == 0);
	REQUIRE(pt_map(&l0, 0, 0, 4 * SZ_1G, ACC_RWX_BOTH, 0, 0) == 0);
	REQUIRE(pt_map(&l0, SZ_2M, SZ_2M, SZ_2M, ACC_RWX_BOTH,
		       PTE_PAT_4K | PTE_PCD, 0) == 0);
	REQUIRE(pt_map(&l0, 0xfee00000, 0x7000, SZ_4K, ACC_READ | ACC_WRITE,
		       PTE_PAT_4K | PTE_PWT, 0) == 0);
	l0_pt_case(&l0, SZ_2M + 8, SZ_2M, ACC_RWX_BOTH, PTE_PAT_4K | PTE_PCD,
		   SZ_2M);
	l0_pt_case(&l0, 0xfee00000, 0x7000, ACC_READ | ACC_WRITE,
		   PTE_PAT_4K | PTE_PWT, SZ_4K);
	l0_pt_case(&l0, 2 * SZ_1G, 2 * SZ_1G, ACC_RWX_BOTH, 0, SZ_1G);
	l0_pt_case(&l0, 3 * SZ_1G, 3 * SZ_1G, ACC_RWX_BOTH, 0, SZ_2M);
	pt_destroy(&l0);
	fmem_fini(&m);
}

/* A shadow over an mm/-built EPT01: L0's memory types reach the leaves,
 * L1's (EPT12 MT) do not. */
TEST(memory_types_from_l0)
{
	struct sw_world w;
	struct fmem m;
	struct pt_mem pm;
	struct pt l0;
	struct shadow_fault f;
	u64 wc = (u64)EPT_MT_WC << EPTE_MT_SHIFT;

	ept_plain(&w, false, false);
	fmem_init(&m, 0x20000000000ULL, 64, 0);
	pm = fmem_pt_mem(&m);
	REQUIRE(pt_init(&l0, &w.l0.fmt, &pm) == 0);
	REQUIRE(pt_map(&l0, 0, HPA_OFF, 4 * SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB,
		       0) == 0);
	REQUIRE(pt_map(&l0, sw_leaf_target(1), HPA_OFF + sw_leaf_target(1),
		       SZ_4K, ACC_READ | ACC_WRITE, wc, 0) == 0);
	w.env.l0_lookup = l0_from_pt;
	w.env.ctx = &l0;
	REQUIRE(shadow_cache_init(&w.cache, &w.env) == 0);
	/* EPT12's leaf says UC; L0 says WC for that page. */
	sw_build_chain(&w, 1, 7, 15);
	fmem_set(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 sw_leaf_target(1) | sw_ept_bits(7) | EPTE_IPAT);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & (EPTE_MT_MASK | EPTE_IPAT), wc);
	CHECK_EQ(f.acc, ACC_READ | ACC_WRITE);
	fault_expect(&w, PML4_PA, L2_GPA, PK_FETCH, SH_L0_FAULT, &f);
	pt_destroy(&l0);
	fmem_fini(&m);
	CHECK(sw_world_fini(&w));
}
