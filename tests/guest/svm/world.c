// SPDX-License-Identifier: MIT
/*
 * L2's world as the L1 test hypervisor builds it: L2's 4-level page
 * tables, GDT, IDT, TSS and stacks, and NPT12, L1's own 4-level nested
 * page tables (APM Vol. 2 15.25: long-mode format). Both identity-map
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

/* L2's paging structures (APM Vol. 2 5.3). */
static table_t l2_pml4, l2_pdpt, l2_pd0, l2_pd_t, l2_pt_t;
/* NPT12. */
static table_t npt_pml4, npt_pdpt0, npt_pd0, npt_pt0;
static table_t npt_pdpt_t, npt_pd_t, npt_pt_t;

static u64 l2_gdt[7] __aligned(16);
static struct {
	u64 lo, hi;
} l2_idt[256] __aligned(16);
static u8 l2_tss[104] __aligned(16);
static u8 l2_stack[16384] __aligned(16);
static u8 l2_stack0[8192] __aligned(16);

static u8 page_4k[4096] __aligned(4096);
static u8 page_alt[4096] __aligned(4096);
static u8 page_2m[TWO_MIB] __aligned(TWO_MIB);

u64 l2_cr3, l2_gdt_base, l2_idt_base, l2_tss_base;
u16 l2_gdt_limit, l2_idt_limit;
u64 *npt_slot_entry[5];
u64 ncr3;
u64 test_gpa_4k, test_gpa_2m;
bool test_pml4e_private;
u8 *test_page_4k = page_4k, *test_page_2m = page_2m, *test_page_alt = page_alt;

u64 *l2_test_pte(void)
{
	return &l2_pt_t[0];
}

u64 l2_stack_top(void)
{
	return (u64)l2_stack + sizeof(l2_stack);
}

/* APM Vol. 2 4.8, 8.9.3, 12.2.5: L2's descriptors. */
static void l2_tables_init(void)
{
	u64 tss = (u64)l2_tss;

	l2_gdt[1] = 0x00af9b000000ffffULL; /* 0x08: code, DPL 0 */
	l2_gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data, DPL 0 */
	l2_gdt[3] = 0x00affb000000ffffULL; /* 0x18: code, DPL 3 */
	l2_gdt[4] = 0x00cff3000000ffffULL; /* 0x20: data, DPL 3 */
	/* 0x28: busy 64-bit TSS (the VMCB's TR says the same). */
	l2_gdt[5] = 103 | ((tss & 0xffffff) << 16) | (0x8bULL << 40) |
		    ((tss >> 24 & 0xff) << 56);
	l2_gdt[6] = tss >> 32;
	/* RSP0 at offset 4: the stack of interrupts taken at CPL 3. */
	u64 rsp0 = (u64)l2_stack0 + sizeof(l2_stack0);
	memcpy(l2_tss + 4, &rsp0, 8);
	l2_tss[102] = 104; /* I/O map base: no bitmap */
	for (unsigned v = 0; v < 256; v++) {
		u64 off = (u64)l2_idt_stubs + v * L2_STUB_SIZE;

		/* 64-bit interrupt gate, DPL 3 so INT n works at CPL 3. */
		l2_idt[v].lo = (off & 0xffff) | ((u64)L2_CS0 << 16) |
			       (0xeeULL << 40) | ((off >> 16 & 0xffff) << 48);
		l2_idt[v].hi = off >> 32;
	}
	l2_gdt_base = (u64)l2_gdt;
	l2_gdt_limit = sizeof(l2_gdt) - 1;
	l2_idt_base = (u64)l2_idt;
	l2_idt_limit = sizeof(l2_idt) - 1;
	l2_tss_base = tss;
}

/* L2 paging: identity [0, L2_IDENT_TOP) plus the test mappings at 1 GiB. */
static void l2_paging_init(void)
{
	l2_pml4[0] = (u64)l2_pdpt | PTE_UPW;
	l2_pdpt[0] = (u64)l2_pd0 | PTE_UPW;
	for (u64 i = 0; i < L2_IDENT_TOP / TWO_MIB; i++)
		l2_pd0[i] = i * TWO_MIB | PTE_UPW | PTE_PS;
	l2_pdpt[1] = (u64)l2_pd_t | PTE_UPW;
	l2_pd_t[0] = (u64)l2_pt_t | PTE_UPW;
	l2_pt_t[0] = test_gpa_4k | PTE_UPW;
	l2_pd_t[1] = test_gpa_2m | PTE_UPW | PTE_PS;
	l2_cr3 = (u64)l2_pml4;
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
	l2_tables_init();
	npt_init();
	l2_paging_init();
	/* Both test pages hold VMMCALL at TEST_CODE_OFF: a fetch there exits. */
	memset(page_4k, 0x90, sizeof(page_4k));
	memset(page_2m, 0x90, 0x4000);
	u32 vmmcall = VMMCALL_BYTES;
	memcpy(page_4k + TEST_CODE_OFF, &vmmcall, 3);
	memcpy(page_2m + TEST_CODE_OFF, &vmmcall, 3);
	return true;
}
