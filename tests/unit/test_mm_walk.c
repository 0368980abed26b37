// SPDX-License-Identifier: MIT
/*
 * Walker tests on fake memory: typed results, malformed tables (loops,
 * pointers outside memory, reserved bits at each level), A/D updates, and
 * the exit-information vectors of REFERENCE.md sections 2 and 4.
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "mm/pt_build.h"
#include "mm/pt_walk.h"
#include "tests/unit/support/mm_fake_mem.h"

#define BASE 0x100000ULL
#define TBL(l) (BASE + (5 - (l)) * 0x1000ULL) /* table of level l */
#define DATA 0x40000000ULL /* leaf target; outside fake memory is fine */

struct wenv {
	struct fmem fm;
	struct pt_mem mem;
	struct pt_format f;
	struct perm_table perm;
};

static void wenv_up(struct wenv *e, enum pt_type type, u32 flags)
{
	struct mmu_role r;

	fmem_init(&e->fm, BASE, 64, 64);
	e->mem = fmem_pt_mem(&e->fm);
	REQUIRE(pt_format_init(&e->f, type, 46, flags) == 0);
	mmu_role_init(&r, &e->f, true, true, true);
	perm_init(&e->perm, &r);
}

/*
 * Chain for address 0: tables at TBL(4..leaf+1), leaf at `leaf` mapping
 * DATA. `bits[l]` are the permission bits of the entry at level l.
 */
static void chain(struct wenv *e, unsigned leaf, const u64 bits[6])
{
	bool ept = e->f.type == PT_EPT;

	for (unsigned l = 4; l > leaf; l--)
		fmem_set(&e->fm, TBL(l), TBL(l - 1) | bits[l]);
	fmem_set(&e->fm, TBL(leaf),
		 DATA | bits[leaf] | (leaf > 1 ? (ept ? EPTE_PS : PTE_PS) : 0) |
			 (ept ? PT_ATTR_EPT_WB : 0));
}

static enum pt_walk_status walk(struct wenv *e, u64 addr, unsigned kind,
				struct pt_walk *w)
{
	return pt_walk(&e->f, &e->mem, TBL(4), addr, kind, &e->perm, 0, w);
}

TEST(ok_and_not_present)
{
	struct wenv e;
	struct pt_walk w;
	u64 all[6] = { 0,
		       PTE_P | PTE_RW,
		       PTE_P | PTE_RW,
		       PTE_P | PTE_RW,
		       PTE_P | PTE_RW,
		       0 };

	wenv_up(&e, PT_X86, PTF_NXE | PTF_1G);
	for (unsigned leaf = 1; leaf <= 3; leaf++) {
		memset(e.fm.buf, 0, 4 * 0x1000);
		chain(&e, leaf, all);
		CHECK_EQ(walk(&e, 0x234, PK_WRITE, &w), PTW_OK);
		CHECK_EQ(w.level, leaf);
		CHECK_EQ(w.out, DATA + 0x234);
		CHECK_EQ(w.page_size, pt_level_size(leaf));
		CHECK_EQ(w.acc, ACC_READ | ACC_WRITE | ACC_X_BOTH);
		CHECK_EQ(w.entry_pa, TBL(leaf));
		/* supervisor page, user access */
		CHECK_EQ(walk(&e, 0x234, PK_READ | PK_USER, &w), PTW_VIOLATION);
		CHECK_EQ(w.level, leaf);
	}
	CHECK_EQ(walk(&e, 0x40000000, PK_READ, &w), PTW_NOT_PRESENT);
	CHECK_EQ(w.level, 3);
	CHECK_EQ(w.acc, 0);
	CHECK_EQ(walk(&e, 1ULL << 48, PK_READ, &w), PTW_BAD_ADDR);
	fmem_fini(&e.fm);
}

TEST(malformed_tables)
{
	struct wenv e;
	struct pt_walk w;

	wenv_up(&e, PT_X86, PTF_NXE);
	/* every level points back at the root: bounded, ends in a leaf */
	fmem_set(&e.fm, TBL(4), TBL(4) | PTE_P | PTE_RW);
	CHECK_EQ(walk(&e, 0, PK_READ, &w), PTW_OK);
	CHECK_EQ(w.out, TBL(4));
	CHECK_EQ(e.fm.reads, 4);
	/* table outside memory, at each level */
	for (unsigned l = 4; l >= 1; l--) {
		u64 bad = 0x7000000000ULL;

		fmem_set(&e.fm, TBL(4), TBL(3) | PTE_P | PTE_RW);
		fmem_set(&e.fm, TBL(3), TBL(2) | PTE_P | PTE_RW);
		fmem_set(&e.fm, TBL(2), TBL(1) | PTE_P | PTE_RW);
		fmem_set(&e.fm, TBL(1), DATA | PTE_P | PTE_RW);
		if (l < 4)
			fmem_set(&e.fm, TBL(l + 1), bad | PTE_P | PTE_RW);
		CHECK_EQ(pt_walk(&e.f, &e.mem, l == 4 ? bad : TBL(4), 0,
				 PK_READ, &e.perm, 0, &w),
			 PTW_BAD_TABLE);
		CHECK_EQ(w.level, l);
		CHECK_EQ(w.entry_pa, bad);
	}
	/* reserved bits at each level */
	for (unsigned l = 4; l >= 1; l--) {
		fmem_set(&e.fm, TBL(4), TBL(3) | PTE_P);
		fmem_set(&e.fm, TBL(3), TBL(2) | PTE_P);
		fmem_set(&e.fm, TBL(2), TBL(1) | PTE_P);
		fmem_set(&e.fm, TBL(1), DATA | PTE_P);
		fmem_set(&e.fm, TBL(l), fmem_get(&e.fm, TBL(l)) | BIT(50));
		CHECK_EQ(walk(&e, 0, PK_READ, &w), PTW_MISCONFIG);
		CHECK_EQ(w.level, l);
		CHECK_EQ(npt_exitinfo1(&w, &e.f, 0, NPFI_FINAL) & 0xf,
			 NPF_P | NPF_RSV | NPF_U);
	}
	fmem_fini(&e.fm);
}

TEST(builder_refuses_malformed)
{
	struct wenv e;
	struct pt pt;

	wenv_up(&e, PT_X86, PTF_NXE);
	e.fm.next = 0;
	memset(e.fm.used, 0, 64);
	REQUIRE(pt_init(&pt, &e.f, &e.mem) == 0);
	REQUIRE(pt_map(&pt, 0, 0, 0x1000, ACC_READ, 0, 0) == 0);
	/* corrupt the PML4E: reserved bit; then point it outside memory */
	fmem_set(&e.fm, pt.root, fmem_get(&e.fm, pt.root) | BIT(50));
	CHECK_EQ(pt_map(&pt, 0x1000, 0, 0x1000, ACC_READ, 0, 0), -E_INVAL);
	fmem_set(&e.fm, pt.root, 0x7000000000ULL | PTE_P | PTE_RW);
	CHECK_EQ(pt_map(&pt, 0x1000, 0, 0x1000, ACC_READ, 0, 0), -E_FAULT);
	fmem_set(&e.fm, pt.root, 0);
	pt_destroy(&pt);
	fmem_fini(&e.fm);
}

TEST(accessed_dirty)
{
	struct wenv e;
	struct pt_walk w;
	u64 rw = PTE_P | PTE_RW;
	u64 bits[6] = { 0, rw, rw, rw, rw, 0 };
	u64 eb[6] = { 0,
		      EPTE_R | EPTE_W,
		      EPTE_R | EPTE_W,
		      EPTE_R | EPTE_W,
		      EPTE_R | EPTE_W,
		      0 };

	wenv_up(&e, PT_X86, PTF_NXE);
	chain(&e, 1, bits);
	CHECK_EQ(pt_walk(&e.f, &e.mem, TBL(4), 0, PK_READ, &e.perm, PTW_SET_AD,
			 &w),
		 PTW_OK);
	for (unsigned l = 1; l <= 4; l++)
		CHECK_EQ(fmem_get(&e.fm, TBL(l)) & (PTE_A | PTE_D), PTE_A);
	CHECK_EQ(pt_walk(&e.f, &e.mem, TBL(4), 0, PK_WRITE, &e.perm, PTW_SET_AD,
			 &w),
		 PTW_OK);
	CHECK_EQ(fmem_get(&e.fm, TBL(1)) & PTE_D, PTE_D);
	CHECK_EQ(fmem_get(&e.fm, TBL(2)) & PTE_D, 0);
	/* no A/D on a fault */
	fmem_set(&e.fm, TBL(1), DATA | PTE_P);
	CHECK_EQ(pt_walk(&e.f, &e.mem, TBL(4), 0, PK_WRITE, &e.perm, PTW_SET_AD,
			 &w),
		 PTW_VIOLATION);
	CHECK_EQ(fmem_get(&e.fm, TBL(1)), DATA | PTE_P);
	fmem_fini(&e.fm);
	/* EPT: only with A/D enabled */
	wenv_up(&e, PT_EPT, 0);
	chain(&e, 1, eb);
	CHECK_EQ(pt_walk(&e.f, &e.mem, TBL(4), 0, PK_WRITE, &e.perm, PTW_SET_AD,
			 &w),
		 PTW_OK);
	CHECK_EQ(e.fm.cmpxchgs, 0);
	fmem_fini(&e.fm);
	wenv_up(&e, PT_EPT, PTF_AD);
	chain(&e, 1, eb);
	CHECK_EQ(pt_walk(&e.f, &e.mem, TBL(4), 0, PK_WRITE, &e.perm, PTW_SET_AD,
			 &w),
		 PTW_OK);
	CHECK_EQ(fmem_get(&e.fm, TBL(1)) & (EPTE_A | EPTE_D), EPTE_A | EPTE_D);
	CHECK_EQ(fmem_get(&e.fm, TBL(3)) & (EPTE_A | EPTE_D), EPTE_A);
	fmem_fini(&e.fm);
}

/*
 * REFERENCE.md section 2 (kvm-unit-tests' NPT tests): EXITINFO1 for a
 * CPL0 fetch or read of the tested page.
 */
static u64 npf(u32 flags, u64 leaf_bits, unsigned kind, unsigned cpl,
	       unsigned npfi)
{
	struct wenv e;
	struct pt_walk w;
	u64 t = PTE_P | PTE_RW | PTE_US;
	u64 bits[6] = { 0, leaf_bits, t, t, t, 0 };
	u64 v;

	wenv_up(&e, PT_NPT, flags);
	chain(&e, 1, bits);
	if (walk(&e, 0, kind, &w) == PTW_OK)
		v = 0;
	else
		v = npt_exitinfo1(&w, &e.f, cpl, NPFI_FINAL | npfi);
	fmem_fini(&e.fm);
	return v;
}

TEST(npt_gmet_vectors)
{
	u64 u = PTE_P | PTE_RW | PTE_US, s = PTE_P | PTE_RW;
	u32 gmet = PTF_NXE | PTF_GMET;

	/* GMET on: code page U=0 runs at CPL0 */
	CHECK_EQ(npf(gmet, s, PK_FETCH, 0, 0), 0);
	/* GMET on: U=0 + NX, CPL0 fetch: 0x1_0000_0011 (U ignored) */
	CHECK_EQ(npf(gmet, s | PTE_NX, PK_FETCH, 0, 0), 0x100000011ULL);
	/* GMET on: U=1, CPL0 fetch: 0x1_0000_0011 */
	CHECK_EQ(npf(gmet, u, PK_FETCH, 0, 0), 0x100000011ULL);
	/* erratum 1218 workaround: U = (CPL == 3) */
	CHECK_EQ(npf(gmet, u, PK_FETCH, 0, NPFI_ERRATUM_1218), 0x100000011ULL);
	CHECK_EQ(npf(gmet, u | PTE_NX, PK_FETCH | PK_USER, 3,
		     NPFI_ERRATUM_1218),
		 0x100000015ULL);
	/* GMET: U=1 user fetch runs */
	CHECK_EQ(npf(gmet, u, PK_FETCH | PK_USER, 3, 0), 0);
	/* GMET off: NX code page: 0x1_0000_0015 */
	CHECK_EQ(npf(PTF_NXE, u | PTE_NX, PK_FETCH, 0, 0), 0x100000015ULL);
	/* GMET off: U=0 page read: 0x1_0000_0005 */
	CHECK_EQ(npf(PTF_NXE, s, PK_READ, 0, 0), 0x100000005ULL);
	/* not present: P=0; guest-walk flag */
	CHECK_EQ(npf(PTF_NXE, 0, PK_WRITE, 0, 0), 0x100000006ULL);
	/* ID needs host NXE or SMEP */
	CHECK_EQ(npf(0, s, PK_FETCH, 0, 0), 0x100000005ULL);
	CHECK_EQ(npf(0, s, PK_FETCH, 0, NPFI_HOST_SMEP), 0x100000015ULL);
}

static u64 ept_bits(unsigned p)
{
	return (p & 1 ? EPTE_R : 0) | (p & 2 ? EPTE_W : 0) |
	       (p & 4 ? EPTE_XS : 0) | (p & 8 ? EPTE_XU : 0);
}

/* Expected outcome of one kvm-unit-tests EPT access case (section 4). */
static enum pt_walk_status ept_expect(unsigned p, bool mbec, bool xonly,
				      unsigned kind, u64 *qual)
{
	bool r = p & 1, w = p & 2, xs = p & 4, xu = mbec && (p & 8);
	static const u64 op[] = { EPTVQ_READ, EPTVQ_WRITE, EPTVQ_FETCH };
	bool ok;

	*qual = op[pk_op(kind)] | (r ? EPTVQ_R : 0) | (w ? EPTVQ_W : 0) |
		(xs ? EPTVQ_XS : 0) | (xu ? EPTVQ_XU : 0);
	if (!r && !w && !xs && !xu)
		return PTW_NOT_PRESENT;
	if ((w && !r) || (!r && !w && !xonly))
		return PTW_MISCONFIG;
	if (pk_op(kind) == PK_READ)
		ok = r;
	else if (pk_op(kind) == PK_WRITE)
		ok = w;
	else
		ok = (mbec && pk_is_user(kind)) ? xu : xs;
	return ok ? PTW_OK : PTW_VIOLATION;
}

static void ept_access_case(u32 flags, unsigned p, unsigned level, bool huge)
{
	static const unsigned kinds[] = { PK_READ, PK_WRITE, PK_FETCH,
					  PK_FETCH | PK_USER };
	bool mbec = flags & PTF_MBEC, xonly = flags & PTF_EXEC_ONLY;
	u64 full = ept_bits(15), bits[6] = { 0, full, full, full, full, 0 };
	unsigned leaf = huge ? level : 1;
	struct wenv e;

	wenv_up(&e, PT_EPT, flags | PTF_1G);
	bits[level] = ept_bits(p);
	chain(&e, leaf, bits);
	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct pt_walk w;
		u64 q;
		enum pt_walk_status want =
			ept_expect(p, mbec, xonly, kinds[i], &q);
		enum pt_walk_status got = walk(&e, 0x234, kinds[i], &w);

		CHECK_MSG(got == want,
			  "flags %#x p %#x level %u huge %d kind %u: %u != %u",
			  flags, p, level, huge, kinds[i], got, want);
		if (got == want && want != PTW_OK && want != PTW_MISCONFIG) {
			CHECK_EQ(w.level, want == PTW_VIOLATION ? leaf : level);
			CHECK_EQ(ept_violation_qual(&w, mbec, 0), q);
		}
	}
	fmem_fini(&e.fm);
}

TEST(ept_access_tests)
{
	static const u32 fl[] = { PTF_MBEC, PTF_MBEC | PTF_EXEC_ONLY, 0,
				  PTF_EXEC_ONLY };

	for (unsigned f = 0; f < ARRAY_SIZE(fl); f++)
		for (unsigned p = 0; p < 16; p++) {
			for (unsigned level = 1; level <= 4; level++)
				ept_access_case(fl[f], p, level, false);
			ept_access_case(fl[f], p, 2, true);
			ept_access_case(fl[f], p, 3, true);
		}
}

TEST(ept_qual_examples)
{
	struct pt_walk w = { .kind = PK_FETCH | PK_USER,
			     .acc = ACC_READ | ACC_EXEC,
			     .status = PTW_VIOLATION };

	/* MBEC user fetch of an XS-only page: bits 2, 3, 5 (bit 6 clear) */
	CHECK_EQ(ept_violation_qual(&w, true, 0), 0x2c);
	CHECK_EQ(ept_violation_qual(&w, true, EPTVQ_GLA_VALID | EPTVQ_FINAL),
		 0x1ac);
	w.acc = ACC_READ | ACC_USER_EXEC;
	w.kind = PK_FETCH;
	CHECK_EQ(ept_violation_qual(&w, true, 0), 0x4c);
	/* without MBEC, bit 6 is not reported */
	CHECK_EQ(ept_violation_qual(&w, false, 0), 0x0c);
}
