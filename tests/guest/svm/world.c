// SPDX-License-Identifier: MIT
/*
 * L2's world as the L1 test hypervisor builds it: L2's page tables,
 * GDT, IDT, TSS and stacks (tests/guest/l2/, shared with the VMX test
 * hypervisor), and NPT12, L1's own 4-level nested page tables (APM Vol. 2
 * 15.25: long-mode format). Both identity-map
 * [0, L2_IDENT_TOP) (the image, so L2 runs the functions of svm/entry.S
 * at their link addresses); NPT12 also maps a test GPA region through
 * entries no other mapping uses, so a test can restrict one entry at any
 * level. Every NPT12 entry has U=1: without GMET every nested access is a
 * user access (APM Vol. 2 15.25.5).
 * Context: L1 at CPL 0, one CPU, before and between L2 runs.
 */
#include "tests/guest/svm/svm.h"

#include "hv/include/lib.h"

#define VMMCALL_BYTES 0xd9010f /* 0f 01 d9 */

typedef u64 table_t[512] __aligned(4096);

/* NPT12. */
static table_t npt_pml4, npt_pdpt0, npt_pd0, npt_pt0;
static table_t npt_pdpt_t, npt_pd_t, npt_pt_t, npt_pt_w;

static u8 page_4k[4096] __aligned(4096);
static u8 page_alt[4096] __aligned(4096);
static u8 page_2m[TWO_MIB] __aligned(TWO_MIB);

u64 *npt_slot_entry[5];
u64 ncr3;
u64 test_gpa_4k, test_gpa_2m;
bool test_pml4e_private;
u8 *test_page_4k = page_4k, *test_page_2m = page_2m, *test_page_alt = page_alt;

u64 *npt_walk_pte;

/*
 * Where L2's walk finds the page table that maps TEST_LA_4K: at its
 * identity GPA, or (@alias) at GPA test_gpa_4k + 4 MiB, which NPT12 maps
 * through npt_walk_pte alone.
 */
u64 l2_pt_alias_gpa;

void l2_pt_via_alias(bool alias)
{
	l2_pd_t[0] = (alias ? l2_pt_alias_gpa : (u64)l2_pt_t) | PTE_UPW;
}

void npt_ident_user(bool on)
{
	npt_pml4[0] = on ? npt_pml4[0] | PTE_U : npt_pml4[0] & ~PTE_U;
}

static void npt_init(void)
{
	u64 *pdpt_t;

	npt_pml4[0] = (u64)npt_pdpt0 | PTE_UPW;
	npt_pdpt0[0] = (u64)npt_pd0 | PTE_UPW;
	npt_pd0[0] = (u64)npt_pt0 | PTE_UPW;
	for (u64 i = 0; i < 512; i++)
		npt_pt0[i] = i * 4096 | PTE_UPW;
	for (u64 i = 1; i < L2_IDENT_TOP / TWO_MIB; i++)
		npt_pd0[i] = i * TWO_MIB | PTE_UPW | PTE_PS;
	/*
	 * The test GPAs: at 512 GiB behind PML4E 1 when the GPA space reaches
	 * that (MAXPHYADDR >= 40), else at 4 GiB behind PDPTE 4.
	 */
	test_pml4e_private = svm_caps.maxphyaddr >= 40;
	if (test_pml4e_private) {
		test_gpa_4k = 1ULL << 39;
		npt_pml4[1] = (u64)npt_pdpt_t | PTE_UPW;
		pdpt_t = npt_pdpt_t;
		npt_slot_entry[SLOT_PML4E] = &npt_pml4[1];
	} else {
		test_gpa_4k = 4ULL << 30;
		pdpt_t = npt_pdpt0;
		npt_slot_entry[SLOT_PML4E] = NULL;
	}
	test_gpa_2m = test_gpa_4k + TWO_MIB;
	unsigned pi = (test_gpa_4k >> 30) & 511;
	pdpt_t[pi] = (u64)npt_pd_t | PTE_UPW;
	npt_pd_t[0] = (u64)npt_pt_t | PTE_UPW;
	npt_pt_t[0] = (u64)page_4k | PTE_UPW;
	npt_pd_t[1] = (u64)page_2m | PTE_UPW | PTE_PS;
	npt_pd_t[2] = (u64)npt_pt_w | PTE_UPW;
	npt_pt_w[0] = (u64)l2_pt_t | PTE_UPW;
	npt_walk_pte = &npt_pt_w[0];
	l2_pt_alias_gpa = test_gpa_4k + 2 * TWO_MIB;
	npt_slot_entry[SLOT_PDPTE] = &pdpt_t[pi];
	npt_slot_entry[SLOT_PDE] = &npt_pd_t[0];
	npt_slot_entry[SLOT_PTE] = &npt_pt_t[0];
	npt_slot_entry[SLOT_PDE_2M] = &npt_pd_t[1];
	ncr3 = (u64)npt_pml4;
}

bool l2_world_init(const char **why)
{
	if ((u64)__image_end > L2_IDENT_TOP) {
		*why = "the image ends above L2's identity-mapped range";
		return false;
	}
	l2_desc_init((u64)l2_idt_stubs);
	npt_init();
	l2_paging_init(test_gpa_4k, test_gpa_2m);
	/* Both test pages hold VMMCALL at TEST_CODE_OFF: a fetch there exits. */
	memset(page_4k, 0x90, sizeof(page_4k));
	memset(page_2m, 0x90, 0x4000);
	u32 vmmcall = VMMCALL_BYTES;
	memcpy(page_4k + TEST_CODE_OFF, &vmmcall, 3);
	memcpy(page_2m + TEST_CODE_OFF, &vmmcall, 3);
	return true;
}
