// SPDX-License-Identifier: MIT
/*
 * Guest page walk tests: guest x86 paging over EPT (MBEC) and NPT stage-2
 * tables in fake memory; guest #PF error codes, stage-2 faults at guest
 * paging-structure accesses and at the final access, with the exit
 * information hardware would report.
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "mm/gwalk.h"
#include "mm/pt_build.h"
#include "tests/unit/support/mm_fake_mem.h"

#define BASE 0x100000ULL
#define G(l) (BASE + (4 - (l)) * 0x1000ULL) /* guest table of level l */
#define GDATA (BASE + 0x8000)
#define LA 0x0000000000000123ULL /* indexes 0 everywhere */

#define CR0_PG BIT(31)
#define CR0_WP BIT(16)
#define CR4_PAE BIT(5)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)

struct genv {
	struct fmem fm;
	struct pt_mem mem;
	struct pt_format s2f;
	struct mmu_role s2r;
	struct perm_table s2p;
	struct pt s2;
	struct gwalk_stage2 st;
	struct gwalk_mode g;
};

static void guest_tables(struct genv *e, u64 leaf_bits)
{
	u64 t = PTE_P | PTE_RW | PTE_US;

	fmem_set(&e->fm, G(4), G(3) | t);
	fmem_set(&e->fm, G(3), G(2) | t);
	fmem_set(&e->fm, G(2), G(1) | t);
	fmem_set(&e->fm, G(1), GDATA | leaf_bits);
}

static void genv_up(struct genv *e, enum pt_type type, u32 s2flags, u64 cr0,
		    u64 cr4)
{
	fmem_init(&e->fm, BASE, 512, 16);
	e->mem = fmem_pt_mem(&e->fm);
	REQUIRE(pt_format_init(&e->s2f, type, 46, s2flags) == 0);
	mmu_role_init(&e->s2r, &e->s2f, false, false, false);
	perm_init(&e->s2p, &e->s2r);
	REQUIRE(pt_init(&e->s2, &e->s2f, &e->mem) == 0);
	REQUIRE(pt_map(&e->s2, 0, 0, SZ_1G, pt_acc_full(&e->s2f),
		       type == PT_EPT ? PT_ATTR_EPT_WB : 0, 0) == 0);
	e->st = (struct gwalk_stage2){ &e->s2f, &e->mem, e->s2.root, &e->s2p };
	REQUIRE(gwalk_mode_init(&e->g, cr0, G(4), cr4,
				EFER_LME | EFER_LMA | EFER_NXE, 46, 0) == 0);
	guest_tables(e, PTE_P | PTE_RW | PTE_US);
}

static void genv_down(struct genv *e)
{
	pt_destroy(&e->s2);
	fmem_fini(&e->fm);
}

static enum gwalk_status gw(struct genv *e, u64 la, unsigned op, unsigned cpl,
			    unsigned flags, struct gwalk *w)
{
	struct gwalk_access a = { .la = la, .op = op, .cpl = cpl };

	return gwalk(&e->g, &e->st, &e->mem, &a, flags, w);
}

TEST(ok_and_mbec_user_address)
{
	struct genv e;
	struct gwalk w;

	genv_up(&e, PT_EPT, PTF_MBEC, CR0_PG | CR0_WP, CR4_PAE);
	CHECK_EQ(gw(&e, LA, PK_READ, 0, 0, &w), GW_OK);
	CHECK_EQ(w.gpa, GDATA + 0x123);
	CHECK_EQ(w.hpa, GDATA + 0x123);
	CHECK(w.user_la);
	/* data page: R + XS only at stage 2 */
	REQUIRE(pt_protect(&e.s2, GDATA, 0x1000, ACC_READ | ACC_EXEC, 0) == 0);
	/* CPL3 fetch from a user-mode address needs XU */
	CHECK_EQ(gw(&e, LA, PK_FETCH, 3, 0, &w), GW_S2);
	CHECK(w.s2_final);
	CHECK_EQ(w.gpa, GDATA + 0x123);
	CHECK_EQ(w.s2.status, PTW_VIOLATION);
	CHECK_EQ(gwalk_ept_qual(&w, &e.g, true, true), 0x7ac);
	CHECK_EQ(gwalk_ept_qual(&w, &e.g, true, false), 0x1ac);
	/* CPL0 fetch from the same user-mode address: still XU (not CPL) */
	CHECK_EQ(gw(&e, LA, PK_FETCH, 0, 0, &w), GW_S2);
	/* supervisor-mode address: XS suffices */
	guest_tables(&e, PTE_P | PTE_RW);
	CHECK_EQ(gw(&e, LA, PK_FETCH, 0, 0, &w), GW_OK);
	CHECK(!w.user_la);
	CHECK_EQ(w.hpa, GDATA + 0x123);
	genv_down(&e);
}

TEST(paging_off_is_user)
{
	struct genv e;
	struct gwalk w;

	genv_up(&e, PT_EPT, PTF_MBEC, 0, 0);
	REQUIRE(pt_protect(&e.s2, GDATA, 0x1000, ACC_READ | ACC_EXEC, 0) == 0);
	CHECK_EQ(gw(&e, GDATA + 8, PK_FETCH, 0, 0, &w), GW_S2);
	CHECK(w.user_la);
	/* bits 9 (user) and 10 (writable) set, 11 (XD) clear */
	CHECK_EQ(gwalk_ept_qual(&w, &e.g, true, true), 0x7ac);
	CHECK_EQ(gw(&e, GDATA + 8, PK_READ, 0, 0, &w), GW_OK);
	CHECK_EQ(w.hpa, GDATA + 8);
	genv_down(&e);
}

TEST(stage2_fault_on_guest_table)
{
	struct genv e;
	struct gwalk w;

	genv_up(&e, PT_EPT, PTF_MBEC, CR0_PG | CR0_WP, CR4_PAE);
	REQUIRE(pt_unmap(&e.s2, G(1), 0x1000) == 0);
	CHECK_EQ(gw(&e, LA, PK_WRITE, 0, 0, &w), GW_S2);
	CHECK(!w.s2_final);
	CHECK_EQ(w.level, 1);
	CHECK_EQ(w.gpa, G(1));
	CHECK_EQ(w.s2.status, PTW_NOT_PRESENT);
	/* a data read of the table: bit 0, GLA valid, not final */
	CHECK_EQ(gwalk_ept_qual(&w, &e.g, true, true), 0x81);
	genv_down(&e);
	/*
	 * With EPT A/D, table accesses are writes, reported with both bit 0
	 * and bit 1 (SDM Vol. 3C Table 29-7); R=1 (bit 3) from the entry.
	 */
	genv_up(&e, PT_EPT, PTF_MBEC | PTF_AD, CR0_PG | CR0_WP, CR4_PAE);
	REQUIRE(pt_protect(&e.s2, G(2), 0x1000, ACC_READ, 0) == 0);
	CHECK_EQ(gw(&e, LA, PK_READ, 0, 0, &w), GW_S2);
	CHECK_EQ(w.level, 2);
	CHECK_EQ(gwalk_ept_qual(&w, &e.g, true, true), 0x8b);
	genv_down(&e);
}

TEST(npt_guest_walk_is_write)
{
	struct genv e;
	struct gwalk w;

	/* kvm-unit-tests npt_rw_pfwalk: read-only guest table: 0x2_0000_0007 */
	genv_up(&e, PT_NPT, PTF_NXE, CR0_PG | CR0_WP, CR4_PAE);
	REQUIRE(pt_protect(&e.s2, G(3), 0x1000,
			   ACC_READ | ACC_USER | ACC_X_BOTH, 0) == 0);
	CHECK_EQ(gw(&e, LA, PK_READ, 0, 0, &w), GW_S2);
	CHECK_EQ(gwalk_npt_exitinfo1(&w, &e.s2f, 0, 0), 0x200000007ULL);
	/* final access to an NX page at stage 2 */
	REQUIRE(pt_protect(&e.s2, G(3), 0x1000, pt_acc_full(&e.s2f), 0) == 0);
	REQUIRE(pt_protect(&e.s2, GDATA, 0x1000,
			   ACC_READ | ACC_WRITE | ACC_USER, 0) == 0);
	CHECK_EQ(gw(&e, LA, PK_FETCH, 0, 0, &w), GW_S2);
	CHECK(w.s2_final);
	CHECK_EQ(gwalk_npt_exitinfo1(&w, &e.s2f, 0, 0), 0x100000015ULL);
	genv_down(&e);
}

TEST(guest_page_faults)
{
	struct genv e;
	struct gwalk w;
	struct gwalk_access a = { .la = LA, .op = PK_READ, .cpl = 0 };

	genv_up(&e, PT_EPT, PTF_MBEC, CR0_PG | CR0_WP,
		CR4_PAE | CR4_SMEP | CR4_SMAP);
	/* not present at level 2, user write */
	fmem_set(&e.fm, G(2), 0);
	CHECK_EQ(gw(&e, LA, PK_WRITE, 3, 0, &w), GW_PF);
	CHECK_EQ(w.pf_error, PFEC_W | PFEC_U);
	CHECK_EQ(w.level, 2);
	/* reserved bit */
	guest_tables(&e, PTE_P | PTE_RW | PTE_US);
	fmem_set(&e.fm, G(3), fmem_get(&e.fm, G(3)) | BIT(51));
	CHECK_EQ(gw(&e, LA, PK_READ, 0, 0, &w), GW_PF);
	CHECK_EQ(w.pf_error, PFEC_P | PFEC_RSVD);
	/* SMEP: supervisor fetch from a user page */
	guest_tables(&e, PTE_P | PTE_RW | PTE_US);
	CHECK_EQ(gw(&e, LA, PK_FETCH, 0, 0, &w), GW_PF);
	CHECK_EQ(w.pf_error, PFEC_P | PFEC_ID);
	/* SMAP: supervisor read of a user page; AC overrides; implicit not */
	CHECK_EQ(gw(&e, LA, PK_READ, 0, 0, &w), GW_PF);
	CHECK_EQ(w.pf_error, PFEC_P);
	a.ac = true;
	CHECK_EQ(gwalk(&e.g, &e.st, &e.mem, &a, 0, &w), GW_OK);
	a.implicit = true;
	CHECK_EQ(gwalk(&e.g, &e.st, &e.mem, &a, 0, &w), GW_PF);
	/* WP: supervisor write to a read-only supervisor page */
	guest_tables(&e, PTE_P);
	CHECK_EQ(gw(&e, LA, PK_WRITE, 0, 0, &w), GW_PF);
	CHECK_EQ(w.pf_error, PFEC_P | PFEC_W);
	/* NX, user fetch */
	guest_tables(&e, PTE_P | PTE_US | PTE_NX);
	CHECK_EQ(gw(&e, LA, PK_FETCH, 3, 0, &w), GW_PF);
	CHECK_EQ(w.pf_error, PFEC_P | PFEC_U | PFEC_ID);
	/* non-canonical */
	CHECK_EQ(gw(&e, 0x0000800000000000ULL, PK_READ, 0, 0, &w), GW_GP);
	/* CR3 outside memory */
	e.g.cr3 = 0x7000000000ULL;
	CHECK_EQ(gw(&e, LA, PK_READ, 0, 0, &w), GW_S2);
	CHECK_EQ(w.s2.status, PTW_NOT_PRESENT);
	genv_down(&e);
}

TEST(guest_accessed_dirty)
{
	struct genv e;
	struct gwalk w;

	genv_up(&e, PT_EPT, PTF_MBEC, CR0_PG | CR0_WP, CR4_PAE);
	CHECK_EQ(gw(&e, LA, PK_WRITE, 3, GWF_SET_AD, &w), GW_OK);
	for (unsigned l = 1; l <= 4; l++)
		CHECK_EQ(fmem_get(&e.fm, G(l)) & PTE_A, PTE_A);
	CHECK_EQ(fmem_get(&e.fm, G(1)) & PTE_D, PTE_D);
	CHECK_EQ(fmem_get(&e.fm, G(2)) & PTE_D, 0);
	/* A/D update of a guest table that is read-only at stage 2 */
	guest_tables(&e, PTE_P | PTE_RW | PTE_US);
	REQUIRE(pt_protect(&e.s2, G(2), 0x1000, ACC_READ, 0) == 0);
	CHECK_EQ(gw(&e, LA, PK_READ, 3, 0, &w), GW_OK);
	CHECK_EQ(gw(&e, LA, PK_READ, 3, GWF_SET_AD, &w), GW_S2);
	CHECK_EQ(w.level, 2);
	CHECK_EQ(gwalk_ept_qual(&w, &e.g, true, true) & 0x1ff, 0x8a);
	genv_down(&e);
}

TEST(mode_init)
{
	struct gwalk_mode g;

	/* 32-bit / PAE paging are not implemented */
	CHECK_EQ(gwalk_mode_init(&g, CR0_PG, 0, 0, 0, 46, 0), -E_NOSUPP);
	CHECK_EQ(gwalk_mode_init(&g, CR0_PG, 0, CR4_PAE, 0, 46, 0), -E_NOSUPP);
	CHECK_EQ(gwalk_mode_init(&g, CR0_PG, 0x1fff, CR4_PAE, EFER_LMA, 46, 0),
		 0);
	CHECK_EQ(g.cr3, 0x1000);
	CHECK(!g.report_id);
}
