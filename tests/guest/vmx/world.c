// SPDX-License-Identifier: MIT
/*
 * L2's world as the L1 test hypervisor builds it: L2's page tables,
 * GDT, IDT, TSS and stacks (tests/guest/l2/, shared with the SVM test
 * hypervisor), and EPT12, L1's own 4-level EPT tables. Both identity-map [0, L2_IDENT_TOP) (the image, so L2 runs the
 * functions of vmx/entry.S at their link addresses); EPT12 also maps a
 * test GPA region through entries that no other mapping uses, so a test
 * can restrict one entry at any level.
 * Context: L1 at CPL 0, one CPU, before and between L2 runs.
 */
#include "tests/guest/vmx/vmx.h"

#include "hv/include/lib.h"

/* Offsets of the test accesses inside the test pages. */
#define VMCALL_BYTES 0xc1010f /* 0f 01 c1 */

typedef u64 table_t[512] __aligned(4096);

/* EPT12 (SDM Vol. 3C 29.3.2). */
static table_t ept_pml4, ept_pdpt0, ept_pd0, ept_pt0;
static table_t ept_pdpt_t, ept_pd_t, ept_pt_t;

static u8 page_4k[4096] __aligned(4096);
static u8 page_2m[TWO_MIB] __aligned(TWO_MIB);

u64 *ept_slot_entry[5];
u64 eptp12;
u64 test_gpa_4k, test_gpa_2m;
bool test_pml4e_private;
u8 *test_page_4k = page_4k, *test_page_2m = page_2m;

u64 *ept_ident_leaf(u64 gpa)
{
	return &ept_pd0[gpa / TWO_MIB];
}

static void ept_init(void)
{
	u64 *pdpt_t;

	/*
	 * Every entry also has XU (bit 10): ignored without MBEC, and with it
	 * L2's code, at user-mode addresses, stays executable at any CPL.
	 */
	ept_pml4[0] = (u64)ept_pdpt0 | EPT_PERMS;
	ept_pdpt0[0] = (u64)ept_pd0 | EPT_PERMS;
	ept_pd0[0] = (u64)ept_pt0 | EPT_PERMS;
	for (u64 i = 0; i < 512; i++)
		ept_pt0[i] = i * 4096 | EPT_PERMS | EPT_MT_WB;
	for (u64 i = 1; i < L2_IDENT_TOP / TWO_MIB; i++)
		ept_pd0[i] = i * TWO_MIB | EPT_PERMS | EPT_MT_WB | EPT_PS;
	/*
	 * The test GPAs: at 512 GiB behind PML4E 1 when L2's page tables can
	 * reach that (MAXPHYADDR >= 40), else at 4 GiB behind PDPTE 4.
	 */
	test_pml4e_private = vmx_caps.maxphyaddr >= 40;
	if (test_pml4e_private) {
		test_gpa_4k = 1ULL << 39;
		ept_pml4[1] = (u64)ept_pdpt_t | EPT_PERMS;
		pdpt_t = ept_pdpt_t;
		ept_slot_entry[SLOT_PML4E] = &ept_pml4[1];
	} else {
		test_gpa_4k = 4ULL << 30;
		pdpt_t = ept_pdpt0;
		ept_slot_entry[SLOT_PML4E] = NULL;
	}
	test_gpa_2m = test_gpa_4k + TWO_MIB;
	unsigned pi = (test_gpa_4k >> 30) & 511;
	pdpt_t[pi] = (u64)ept_pd_t | EPT_PERMS;
	ept_pd_t[0] = (u64)ept_pt_t | EPT_PERMS;
	ept_pt_t[0] = (u64)page_4k | EPT_PERMS | EPT_MT_WB;
	ept_pd_t[1] = (u64)page_2m | EPT_PERMS | EPT_MT_WB | EPT_PS;
	ept_slot_entry[SLOT_PDPTE] = &pdpt_t[pi];
	ept_slot_entry[SLOT_PDE] = &ept_pd_t[0];
	ept_slot_entry[SLOT_PTE] = &ept_pt_t[0];
	ept_slot_entry[SLOT_PDE_2M] = &ept_pd_t[1];
	/* SDM Vol. 3C 25.6.11: memory type, walk length - 1, the root. */
	eptp12 = (u64)ept_pml4 | (3 << 3) |
		 (vmx_caps.ept_vpid & EPT_CAP_WB ? 6 : 0);
}

bool l2_world_init(const char **why)
{
	if ((u64)__image_end > L2_IDENT_TOP) {
		*why = "the image ends above L2's identity-mapped range";
		return false;
	}
	l2_desc_init((u64)l2_idt_stubs);
	ept_init();
	l2_paging_init(test_gpa_4k, test_gpa_2m);
	/* Supervisor-only aliases of both test pages, behind the user ones. */
	l2_pt_t[1] = test_gpa_4k | PTE_P | PTE_W;
	l2_pd_t[2] = test_gpa_2m | PTE_P | PTE_W | PTE_PS;
	/* Both test pages start with VMCALL: a fetch there that runs exits 18. */
	memset(page_4k, 0x90, sizeof(page_4k));
	memset(page_2m, 0x90, 0x4000);
	u32 vmcall = VMCALL_BYTES;
	memcpy(page_4k + 0x100, &vmcall, 3);
	memcpy(page_2m + 0x3100, &vmcall, 3);
	return true;
}

void ept_flush(void)
{
	u64 type = vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE ? 1 : 2;

	if (!(vmx_caps.ept_vpid & EPT_CAP_INVEPT))
		return;
	if (invept(type, eptp12) != VMX_OK)
		GCHECK(false, "INVEPT type %llu failed (%llu)",
		       (unsigned long long)type,
		       (unsigned long long)vmx_insn_error());
}
