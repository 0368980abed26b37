// SPDX-License-Identifier: MIT
/*
 * The demo L2's page tables and EPT12 (demo.h). Both identity-map
 * [0, L2_IDENT_TOP), where the image lies: L2's paging with 2 MiB pages
 * (user-accessible, so CPL 3 can use the library's stack), EPT12 with
 * 4 KiB pages so each of the demo pages gets a leaf of its own. The demo
 * pages' aliases are at DEMO_LA_BASE, one 4 KiB page each.
 * Context: L1 at CPL 0, one CPU, before L2 runs.
 */
#include "tests/guest/demo/demo.h"

#include "tests/guest/vmx/vmx.h"

#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_U BIT(2)
#define PTE_PS BIT(7)
#define TWO_MIB 0x200000ULL
#define DEMO_LA_BASE 0x40000000ULL /* PML4E 0, PDPTE 1 */
#define NR_IDENT_PT (L2_IDENT_TOP / TWO_MIB)

typedef u64 table_t[512] __aligned(4096);

/* L2's paging structures (SDM Vol. 3A 5.5). */
static table_t l2_pml4, l2_pdpt, l2_pd_ident, l2_pd_demo, l2_pt_demo;
/* EPT12 (SDM Vol. 3C 29.3.2). */
static table_t ept_pml4, ept_pdpt, ept_pd;
static table_t ept_pt[NR_IDENT_PT];

u64 demo_la(enum demo_page page, enum demo_alias alias)
{
	return DEMO_LA_BASE + (2 * page + alias) * 4096;
}

u64 demo_gpa(enum demo_page page)
{
	static char *const pages[NR_PG] = { demo_kcode, demo_ucode, demo_data };

	return (u64)pages[page];
}

u64 demo_policy(enum demo_page page, bool mbec)
{
	switch (page) {
	case PG_KCODE:
		return EPT_R | EPT_X;
	case PG_UCODE:
		return EPT_R | (mbec ? EPT_XU : EPT_X);
	default:
		return EPT_R | EPT_W;
	}
}

static u64 *ept_leaf(u64 gpa)
{
	return &ept_pt[gpa / TWO_MIB][(gpa >> 12) & 511];
}

void demo_world_init(bool mbec, u64 *eptp, u64 *cr3)
{
	u64 upw = PTE_P | PTE_W | PTE_U;

	/*
	 * SDM Vol. 3C 29.3.3: the access rights are the AND over the levels,
	 * so the non-leaf entries allow everything (XU is ignored without
	 * MBEC) and each leaf carries the policy.
	 */
	ept_pml4[0] = (u64)ept_pdpt | EPT_PERMS;
	ept_pdpt[0] = (u64)ept_pd | EPT_PERMS;
	for (u64 i = 0; i < NR_IDENT_PT; i++) {
		ept_pd[i] = (u64)ept_pt[i] | EPT_PERMS;
		for (u64 j = 0; j < 512; j++)
			ept_pt[i][j] = (i * TWO_MIB + j * 4096) | EPT_R |
				       EPT_W | EPT_MT_WB;
	}
	for (unsigned p = 0; p < NR_PG; p++)
		*ept_leaf(demo_gpa(p)) =
			demo_gpa(p) | demo_policy(p, mbec) | EPT_MT_WB;
	/* SDM Vol. 3C 25.6.11: memory type, walk length - 1, the root. */
	*eptp = (u64)ept_pml4 | (3 << 3) |
		(vmx_caps.ept_vpid & EPT_CAP_WB ? 6 : 0);

	l2_pml4[0] = (u64)l2_pdpt | upw;
	l2_pdpt[0] = (u64)l2_pd_ident | upw;
	for (u64 i = 0; i < NR_IDENT_PT; i++)
		l2_pd_ident[i] = i * TWO_MIB | upw | PTE_PS;
	l2_pdpt[1] = (u64)l2_pd_demo | upw;
	l2_pd_demo[0] = (u64)l2_pt_demo | upw;
	for (unsigned p = 0; p < NR_PG; p++) {
		u64 la = demo_la(p, AL_SUP);

		l2_pt_demo[(la >> 12) & 511] = demo_gpa(p) | PTE_P | PTE_W;
		la = demo_la(p, AL_USER);
		l2_pt_demo[(la >> 12) & 511] = demo_gpa(p) | upw;
	}
	*cr3 = (u64)l2_pml4;
}
