// SPDX-License-Identifier: MIT
/*
 * Host unit tests of L1's virtual MTRRs and PAT (hv/mtrr.c): the write
 * checks of SDM Vol. 3A 12.11.2 and 12.12.2 (exhaustive over every type
 * byte), the effective type with the precedence rules of 12.11.4.1 and the
 * block-uniformity answer stage 2 is built from, both against a reference
 * written independently below (exhaustive over small type combinations,
 * randomized beyond), and the stage-2 attribute encoding.
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "hv/mtrr.h"
#include "mm/pt_format.h"
#include "tests/unit/support/mm_fake_mem.h"
#include "tests/unit/support/rng.h"

/* ------------------------------------------------------------ reference */

static bool ref_type_ok(u64 t, bool wc)
{
	static const bool ok[8] = { true, true, false, false,
				    true, true, true,  false };

	if (t >= 8)
		return false;
	return t == 1 ? wc : ok[t];
}

/* Whether pa is inside variable range v, bit by bit (12.11.2.3). */
static bool ref_var_match(const struct mtrr_var *v, u64 pa, unsigned maxphy)
{
	if (!((v->mask >> 11) & 1))
		return false;
	for (unsigned b = 12; b < maxphy; b++) {
		if (!((v->mask >> b) & 1))
			continue;
		if (((pa >> b) & 1) != ((v->base >> b) & 1))
			return false;
	}
	return true;
}

/* The fixed-range field for pa < 1 MiB, found by walking table 12-9. */
static u8 ref_fixed(const struct mtrr_state *s, u64 pa)
{
	static const struct {
		u64 start, size;
		unsigned count, reg;
	} groups[] = {
		{ 0, 0x10000, 8, 0 },	    { 0x80000, 0x4000, 8, 1 },
		{ 0xa0000, 0x4000, 8, 2 },  { 0xc0000, 0x1000, 8, 3 },
		{ 0xc8000, 0x1000, 8, 4 },  { 0xd0000, 0x1000, 8, 5 },
		{ 0xd8000, 0x1000, 8, 6 },  { 0xe0000, 0x1000, 8, 7 },
		{ 0xe8000, 0x1000, 8, 8 },  { 0xf0000, 0x1000, 8, 9 },
		{ 0xf8000, 0x1000, 8, 10 },
	};

	for (unsigned g = 0; g < 11; g++)
		for (unsigned i = 0; i < groups[g].count; i++) {
			u64 lo = groups[g].start + i * groups[g].size;

			if (pa >= lo && pa < lo + groups[g].size)
				return (u8)(s->fixed[groups[g].reg] >> (8 * i));
		}
	return 0xff;
}

static u8 ref_type(const struct mtrr_state *s, u64 pa)
{
	unsigned n = (unsigned)(s->cap & 0xff), nmatch = 0;
	bool any_uc = false, all_same = true, only_wt_wb = true;
	u8 first = 0;

	if (!s->cap || !((s->def_type >> 11) & 1))
		return MT_UC;
	if (pa < 0x100000 && ((s->def_type >> 10) & 1) && ((s->cap >> 8) & 1))
		return ref_fixed(s, pa);
	for (unsigned i = 0; i < n; i++) {
		u8 t = (u8)(s->var[i].base & 0xff);

		if (!ref_var_match(&s->var[i], pa, s->maxphyaddr))
			continue;
		if (nmatch++ == 0)
			first = t;
		if (t != first)
			all_same = false;
		if (t == MT_UC)
			any_uc = true;
		if (t != MT_WT && t != MT_WB)
			only_wt_wb = false;
	}
	if (!nmatch)
		return (u8)(s->def_type & 0xff);
	if (any_uc)
		return MT_UC;
	if (all_same)
		return first;
	if (only_wt_wb)
		return MT_WT;
	return MT_UC; /* undefined in the SDM: Modex's documented choice */
}

/* ------------------------------------------------------------- helpers */

static struct mtrr_state base_state(void)
{
	/* QEMU-like: 8 pairs, fixed ranges, WC; WB default, enabled. */
	struct mtrr_state s = { .cap = 0x508,
				.def_type = 0xc06,
				.maxphyaddr = 40 };

	for (int i = 0; i < MTRR_NR_FIXED; i++)
		s.fixed[i] = 0x0606060606060606ULL;
	return s;
}

static const u8 valid_types[] = { MT_UC, MT_WC, MT_WT, MT_WP, MT_WB };

static u64 rng_state = 0x6d747272ULL;

static u64 rnd(void)
{
	return rng_next(&rng_state);
}

/* A variable range of 2^order bytes at a random aligned base below
 * 2^top, with a random type (contiguous mask). */
static struct mtrr_var rnd_var(unsigned maxphy, unsigned order, unsigned top)
{
	u64 size = 1ULL << order;
	u64 base = (rnd() % (1ULL << (top - order))) << order;
	u64 mask = ~(size - 1) & ((1ULL << maxphy) - 1) & PAGE_MASK;

	return (struct mtrr_var){ base | valid_types[rnd() % 5],
				  mask | MTRR_MASK_V };
}

static struct mtrr_state rnd_state(unsigned top)
{
	struct mtrr_state s = base_state();
	unsigned n = (unsigned)(rnd() % 9);

	s.def_type = (rnd() % 8 ? MTRR_DEF_E : 0) |
		     (rnd() % 2 ? MTRR_DEF_FE : 0) | valid_types[rnd() % 5];
	for (int i = 0; i < MTRR_NR_FIXED; i++)
		for (int b = 0; b < 8; b++)
			s.fixed[i] = (s.fixed[i] & ~(0xffULL << (8 * b))) |
				     ((u64)valid_types[rnd() % 5] << (8 * b));
	for (unsigned i = 0; i < n; i++) {
		s.var[i] = rnd_var(s.maxphyaddr,
				   12 + (unsigned)(rnd() % (top - 11)), top);
		if (rnd() % 6 == 0) /* a discontiguous mask */
			s.var[i].mask ^= BIT(12 + rnd() % (top - 12));
		if (rnd() % 8 == 0)
			s.var[i].mask &= ~MTRR_MASK_V;
	}
	return s;
}

/* ---------------------------------------------------------- validation */

TEST(def_type_every_type_byte)
{
	for (u64 t = 0; t < 256; t++) {
		for (u64 fl = 0; fl < 4; fl++) {
			struct mtrr_state s = base_state();
			u64 v = t | (fl << 10);

			CHECK_EQ(mtrr_write(&s, MSR_MTRR_DEF_TYPE, v) == 0,
				 ref_type_ok(t, true));
			/* Without WC in MTRRCAP, WC is reserved. */
			s = base_state();
			s.cap &= ~MTRRCAP_WC;
			CHECK_EQ(mtrr_write(&s, MSR_MTRR_DEF_TYPE, v) == 0,
				 ref_type_ok(t, false));
			/* Without fixed ranges FE cannot be set. */
			s = base_state();
			s.cap &= ~MTRRCAP_FIX;
			CHECK_EQ(mtrr_write(&s, MSR_MTRR_DEF_TYPE, v) == 0,
				 ref_type_ok(t, true) && !(fl & 1));
		}
	}
	/* Bits 8, 9 and 12-63 are reserved. */
	for (int b = 8; b < 64; b++) {
		struct mtrr_state s = base_state();

		if (b == 10 || b == 11)
			continue;
		CHECK_MSG(mtrr_write(&s, MSR_MTRR_DEF_TYPE, 0x6 | BIT(b)) != 0,
			  "bit %d", b);
		CHECK_EQ(s.def_type, 0xc06); /* refused: unchanged */
	}
}

TEST(fixed_every_field_and_byte)
{
	static const u32 fixed_msrs[] = { 0x250, 0x258, 0x259, 0x268,
					  0x269, 0x26a, 0x26b, 0x26c,
					  0x26d, 0x26e, 0x26f };

	for (unsigned m = 0; m < 11; m++)
		for (unsigned f = 0; f < 8; f++)
			for (u64 t = 0; t < 256; t++) {
				struct mtrr_state s = base_state();
				u64 v = (0x0606060606060606ULL &
					 ~(0xffULL << (8 * f))) |
					(t << (8 * f)),
				    r = 0;
				bool ok = ref_type_ok(t, true);

				CHECK_EQ(mtrr_write(&s, fixed_msrs[m], v) == 0,
					 ok);
				CHECK_EQ(mtrr_read(&s, fixed_msrs[m], &r), 0);
				CHECK_EQ(r, ok ? v : 0x0606060606060606ULL);
			}
	/* No fixed ranges in MTRRCAP: the MSRs do not exist. */
	struct mtrr_state s = base_state();
	u64 r;

	s.cap &= ~MTRRCAP_FIX;
	CHECK(mtrr_write(&s, 0x250, 0) != 0);
	CHECK(mtrr_read(&s, 0x26f, &r) != 0);
}

TEST(variable_pairs_reserved_bits_and_vcnt)
{
	static const unsigned widths[] = { 36, 39, 40, 46, 52 };

	for (unsigned w = 0; w < 5; w++) {
		for (int i = 0; i < 20000; i++) {
			struct mtrr_state s = base_state();
			u64 v = rnd() >> (rnd() % 64), r = 0;
			u64 addr = ((1ULL << widths[w]) - 1) & PAGE_MASK;
			bool base_ok = !(v & ~(addr | 0xff)) &&
				       ref_type_ok(v & 0xff, true);
			bool mask_ok = !(v & ~(addr | BIT(11)));
			u32 n = (u32)(rnd() % 8);

			s.maxphyaddr = (u8)widths[w];
			CHECK_EQ(mtrr_write(&s, 0x200 + 2 * n, v) == 0,
				 base_ok);
			CHECK_EQ(mtrr_write(&s, 0x201 + 2 * n, v) == 0,
				 mask_ok);
			CHECK_EQ(mtrr_read(&s, 0x200 + 2 * n, &r), 0);
			CHECK_EQ(r, base_ok ? v : 0);
			CHECK_EQ(mtrr_read(&s, 0x201 + 2 * n, &r), 0);
			CHECK_EQ(r, mask_ok ? v : 0);
		}
	}
	/* Pairs from VCNT on do not exist; MTRRCAP is read-only. */
	struct mtrr_state s = base_state();
	u64 r = 0;

	CHECK(mtrr_write(&s, 0x210, 6) != 0);
	CHECK(mtrr_read(&s, 0x211, &r) != 0);
	CHECK(mtrr_read(&s, 0x24f, &r) != 0);
	CHECK(mtrr_write(&s, MSR_MTRRCAP, 0x508) != 0);
	CHECK_EQ(mtrr_read(&s, MSR_MTRRCAP, &r), 0);
	CHECK_EQ(r, 0x508);
	/* No MTRRs at all: every MTRR MSR is #GP. */
	s.cap = 0;
	CHECK(mtrr_read(&s, MSR_MTRRCAP, &r) != 0);
	CHECK(mtrr_read(&s, MSR_MTRR_DEF_TYPE, &r) != 0);
	CHECK(mtrr_write(&s, 0x200, 6) != 0);
}

TEST(is_msr_and_cap_clamp)
{
	for (u32 m = 0; m < 0x400; m++) {
		bool want = m == 0xfe || (m >= 0x200 && m <= 0x24f) ||
			    m == 0x250 || m == 0x258 || m == 0x259 ||
			    (m >= 0x268 && m <= 0x26f) || m == 0x2ff;

		CHECK_MSG(mtrr_is_msr(m) == want, "msr %#x", m);
	}
	CHECK_EQ(mtrr_cap_for_l1(0x508), 0x508);
	CHECK_EQ(mtrr_cap_for_l1(0xd0a), 0xd0a);
	CHECK_EQ(mtrr_cap_for_l1(0x5ff), 0x500 | MTRR_MAX_VAR);
}

TEST(pat_every_entry_byte)
{
	for (int e = 0; e < 8; e++)
		for (u64 t = 0; t < 256; t++) {
			u64 pat = (0x0007040600070406ULL &
				   ~(0xffULL << (8 * e))) |
				  (t << (8 * e));
			bool ok = t < 8 && t != 2 && t != 3;

			CHECK_MSG(pat_valid(pat) == ok, "entry %d type %#x", e,
				  (unsigned)t);
		}
	CHECK(pat_valid(MODEX_HOST_PAT));
}

/* ------------------------------------------------------ effective type */

TEST(overlap_rules_exhaustive)
{
	/* Up to three ranges over one address, every type combination, each
	 * valid or not; the address inside all, one, or none of them. */
	for (unsigned combo = 0; combo < 6 * 6 * 6; combo++) {
		struct mtrr_state s = base_state();
		unsigned c = combo;

		for (int i = 0; i < 3; i++, c /= 6) {
			u64 mask = ~((SZ_2M << i) - 1) & ((1ULL << 40) - 1);

			if (c % 6 == 5)
				continue; /* range i unused */
			s.var[i] =
				(struct mtrr_var){ 0x40000000 |
							   valid_types[c % 6],
						   mask | MTRR_MASK_V };
		}
		for (u8 d = 0; d < 5; d++) {
			s.def_type = MTRR_DEF_E | valid_types[d];
			for (u64 pa = 0x40000000; pa < 0x40800000;
			     pa += 0x100000)
				CHECK_EQ(mtrr_type(&s, pa), ref_type(&s, pa));
		}
	}
}

TEST(effective_type_random_vs_reference)
{
	for (int i = 0; i < 3000; i++) {
		struct mtrr_state s = rnd_state(32);

		for (int j = 0; j < 200; j++) {
			u64 pa = (rnd() % (1ULL << 32)) & PAGE_MASK;

			if (j < 20)
				pa = (rnd() % 0x100000) & PAGE_MASK;
			CHECK_EQ(mtrr_type(&s, pa), ref_type(&s, pa));
		}
	}
	/* Disabled MTRRs make everything UC; MTRRs off by CPUID as well. */
	struct mtrr_state s = base_state();

	s.def_type = 0x406;
	CHECK_EQ(mtrr_type(&s, 0x100000), MT_UC);
	s = base_state();
	s.cap = 0;
	CHECK_EQ(mtrr_type(&s, 0x100000), MT_UC);
}

/* Every page of the block has the answered type (exhaustive per page). */
static bool check_block(const struct mtrr_state *s, u64 base, u64 size)
{
	u8 t = 0xee;

	if (!mtrr_block_uniform(s, base, size, &t))
		return false;
	for (u64 pa = base; pa < base + size; pa += PAGE_SIZE)
		REQUIRE(ref_type(s, pa) == t);
	return true;
}

TEST(block_uniform_never_lies)
{
	unsigned yes = 0, no = 0;

	for (int i = 0; i < 1500; i++) {
		/* Ranges within 64 MiB, so that 2 MiB blocks meet edges. */
		struct mtrr_state s = rnd_state(26);

		for (int j = 0; j < 8; j++) {
			u64 size = j < 6 ? SZ_2M : 1ULL << (13 + rnd() % 8);
			u64 base = (rnd() % (1ULL << 26)) & ~(size - 1);

			if (j == 0)
				base = 0;
			if (check_block(&s, base, size))
				yes++;
			else
				no++;
		}
	}
	/* Both answers occur often enough for the check to mean something. */
	CHECK(yes > 2000);
	CHECK(no > 1000);
	/* 4 KiB is always uniform. */
	struct mtrr_state s = rnd_state(26);
	u8 t;

	CHECK(mtrr_block_uniform(&s, 0x3000, PAGE_SIZE, &t));
	CHECK_EQ(t, ref_type(&s, 0x3000));
}

TEST(block_uniform_finds_large_blocks)
{
	/* Firmware-like: WB default, fixed ranges on, the PCI hole UC. */
	struct mtrr_state s = base_state();
	u8 t = 0xee;

	s.var[0] = (struct mtrr_var){ 0xc0000000 | MT_UC,
				      (~(SZ_1G - 1) & ((1ULL << 40) - 1)) |
					      MTRR_MASK_V };
	CHECK(mtrr_block_uniform(&s, 0xc0000000, SZ_1G, &t));
	CHECK_EQ(t, MT_UC);
	CHECK(mtrr_block_uniform(&s, SZ_1G, SZ_1G, &t));
	CHECK_EQ(t, MT_WB);
	CHECK(mtrr_block_uniform(&s, 0x100000000ULL, SZ_1G, &t));
	CHECK_EQ(t, MT_WB);
	/* Below 1 MiB the fixed ranges force small pages. */
	CHECK(!mtrr_block_uniform(&s, 0, SZ_2M, &t));
	/* A 2 MiB UC range inside a GiB: that GiB splits, its 2 MiB don't. */
	s.var[1] = (struct mtrr_var){ 0x40200000 | MT_UC,
				      (~(SZ_2M - 1) & ((1ULL << 40) - 1)) |
					      MTRR_MASK_V };
	CHECK(!mtrr_block_uniform(&s, SZ_1G, SZ_1G, &t));
	CHECK(mtrr_block_uniform(&s, 0x40200000, SZ_2M, &t));
	CHECK_EQ(t, MT_UC);
	CHECK(mtrr_block_uniform(&s, 0x40400000, SZ_2M, &t));
	CHECK_EQ(t, MT_WB);
}

TEST(types_differ)
{
	struct mtrr_state a = base_state(), b = a;

	CHECK(!mtrr_types_differ(&a, &b));
	b.var[3] = (struct mtrr_var){ MT_UC, MTRR_MASK_V };
	CHECK(mtrr_types_differ(&a, &b));
	/* With the MTRRs disabled on both sides everything stays UC. */
	a.def_type &= ~MTRR_DEF_E;
	b.def_type &= ~MTRR_DEF_E;
	CHECK(!mtrr_types_differ(&a, &b));
	b.def_type |= MTRR_DEF_E;
	CHECK(mtrr_types_differ(&a, &b));
	/* Fixed ranges only count while enabled. */
	a = base_state();
	a.def_type &= ~MTRR_DEF_FE;
	b = a;
	b.fixed[4] = 0;
	CHECK(!mtrr_types_differ(&a, &b));
	a.def_type |= MTRR_DEF_FE;
	b.def_type |= MTRR_DEF_FE;
	CHECK(mtrr_types_differ(&a, &b));
}

/* ------------------------------------------------------------- stage 2 */

TEST(stage2_attr_encodes_every_type)
{
	struct pt_format ept, npt;

	REQUIRE(pt_format_init(&ept, PT_EPT, 40, PTF_1G) == 0);
	REQUIRE(pt_format_init(&npt, PT_NPT, 40, PTF_NXE | PTF_1G) == 0);
	for (unsigned i = 0; i < 5; i++) {
		u8 mt = valid_types[i];
		u64 ea = stage2_mt_attr(PT_EPT, mt),
		    na = stage2_mt_attr(PT_NPT, mt);
		unsigned idx = ((na & PTE_PAT_4K) ? 4 : 0) |
			       ((na & PTE_PCD) ? 2 : 0) |
			       ((na & PTE_PWT) ? 1 : 0);

		/* EPT: memory type in bits 5:3, guest PAT not ignored. */
		CHECK_EQ(ea, (u64)mt << 3);
		/* NPT: the host PAT entry the bits select has the type. */
		CHECK_EQ(na & ~(PTE_PAT_4K | PTE_PCD | PTE_PWT), 0);
		CHECK_EQ((MODEX_HOST_PAT >> (8 * idx)) & 0xff, mt);
		for (unsigned l = 1; l <= 3; l++) {
			u64 e = 0, pa = pt_level_size(l);

			CHECK_EQ(pt_encode_leaf(&ept, l, pa, pt_acc_full(&ept),
						ea, &e, NULL),
				 0);
			CHECK_EQ((e >> 3) & 7, mt);
			CHECK(!(e & EPTE_IPAT));
			CHECK_EQ(pt_encode_leaf(&npt, l, pa, pt_acc_full(&npt),
						na, &e, NULL),
				 0);
			CHECK_EQ(!!(e & (l == 1 ? PTE_PAT_4K : PTE_PAT_LARGE)),
				 idx >> 2);
			CHECK_EQ(!!(e & PTE_PCD), (idx >> 1) & 1);
			CHECK_EQ(!!(e & PTE_PWT), idx & 1);
		}
	}
	/* A type stage 2 cannot name (UC-, reserved) falls back to UC. */
	CHECK_EQ(stage2_mt_attr(PT_EPT, MT_UC_MINUS), 0);
	CHECK_EQ(stage2_mt_attr(PT_EPT, 2), 0);
	CHECK_EQ((MODEX_HOST_PAT >> (8 * 3)) & 0xff, MT_UC);
	CHECK_EQ(stage2_mt_attr(PT_NPT, 3), PTE_PCD | PTE_PWT);
	/* Modex's own tables use entry 0: WB. */
	CHECK_EQ(MODEX_HOST_PAT & 0xff, MT_WB);
}

/* The MTRR type a stage-2 leaf gives (EPT memory type; NPT host PAT entry). */
static u8 leaf_type(const struct pt_format *f, unsigned level, u64 e)
{
	unsigned idx;

	if (f->type == PT_EPT)
		return (u8)((e >> 3) & 7);
	idx = ((e & (level == 1 ? PTE_PAT_4K : PTE_PAT_LARGE)) ? 4 : 0) |
	      ((e & PTE_PCD) ? 2 : 0) | ((e & PTE_PWT) ? 1 : 0);
	return (u8)(MODEX_HOST_PAT >> (8 * idx));
}

/* Build identity stage 2 over [0, @end) with @s's types, then walk every
 * page: identity, full access, the reference type; count the leaves. */
static unsigned check_stage2(enum pt_type type, const struct mtrr_state *s,
			     u64 end)
{
	struct pt_format f;
	struct fmem m;
	struct pt pt;
	struct pt_mem mem;
	unsigned leaves = 0;
	u64 last_leaf = ~0ULL;

	REQUIRE(pt_format_init(&f, type, 40,
			       PTF_1G | (type == PT_NPT ? PTF_NXE : 0)) == 0);
	fmem_init(&m, 0xf000000000ULL, 4096, 0);
	mem = fmem_pt_mem(&m);
	REQUIRE(pt_init(&pt, &f, &mem) == 0);
	REQUIRE(stage2_map_typed(&pt, s, 0, end, pt_acc_full(&f)) == 0);
	for (u64 pa = 0; pa < end; pa += PAGE_SIZE) {
		struct pt_walk w;

		REQUIRE(pt_lookup(&pt, pa, &w) == PTW_OK);
		REQUIRE(w.out == pa);
		REQUIRE(w.acc == pt_acc_full(&f));
		if (type == PT_EPT)
			REQUIRE(!(w.entry & EPTE_IPAT));
		CHECK_MSG(leaf_type(&f, w.level, w.entry) == ref_type(s, pa),
			  "type %u at %#llx, reference %u",
			  leaf_type(&f, w.level, w.entry),
			  (unsigned long long)pa, ref_type(s, pa));
		if (pa - (pa & ~(w.page_size - 1)) == 0 && w.entry != last_leaf)
			leaves++;
		last_leaf = w.entry;
		/* Skip the rest of a large page: it is one entry. */
		pa = (pa & ~(w.page_size - 1)) + w.page_size - PAGE_SIZE;
	}
	pt_destroy(&pt);
	fmem_fini(&m);
	return leaves;
}

TEST(stage2_map_typed_matches_reference)
{
	struct mtrr_state s = base_state();
	u64 gib_mask = (~(SZ_1G - 1) & ((1ULL << 40) - 1)) | MTRR_MASK_V;

	/* Firmware-like: fixed ranges (UC VGA hole), the PCI hole UC. */
	s.fixed[1] = 0x0606060606060606ULL;
	s.fixed[2] = 0;
	s.fixed[3] = 0x0505050505050505ULL;
	s.var[0] = (struct mtrr_var){ 0xc0000000 | MT_UC, gib_mask };
	for (int t = 0; t < 2; t++) {
		enum pt_type type = t ? PT_NPT : PT_EPT;
		unsigned leaves = check_stage2(type, &s, 4 * SZ_1G);

		/* 256 pages in the first MiB, 255 more to 2 MiB, 511 x 2 MiB
		 * to 1 GiB, then three 1 GiB leaves. */
		CHECK_EQ(leaves, 256 + 256 + 511 + 3);
	}
	/* Random states over 64 MiB, both formats. */
	for (int i = 0; i < 40; i++) {
		struct mtrr_state r = rnd_state(26);

		check_stage2(i & 1 ? PT_NPT : PT_EPT, &r, 1ULL << 26);
	}
}

TEST(stage2_map_typed_bounds_its_work)
{
	struct mtrr_state s = base_state();
	struct pt_format f;
	struct fmem m;
	struct pt pt;
	struct pt_mem mem;

	/* A mask of bit 12 alone: every other page of the machine is UC. */
	s.def_type &= ~MTRR_DEF_FE;
	s.var[0] = (struct mtrr_var){ MT_UC, BIT(12) | MTRR_MASK_V };
	REQUIRE(pt_format_init(&f, PT_EPT, 40, PTF_1G) == 0);
	fmem_init(&m, 0xf000000000ULL, 4096, 0);
	mem = fmem_pt_mem(&m);
	REQUIRE(pt_init(&pt, &f, &mem) == 0);
	CHECK_EQ(stage2_map_typed(&pt, &s, 0, (u64)STAGE2_MAX_PIECES * 4096,
				  pt_acc_full(&f)),
		 0);
	CHECK_EQ(stage2_map_typed(&pt, &s, 0, 2 * (u64)STAGE2_MAX_PIECES * 4096,
				  pt_acc_full(&f)),
		 -E_TOOBIG);
	pt_destroy(&pt);
	fmem_fini(&m);
}
