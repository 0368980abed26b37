// SPDX-License-Identifier: MIT
/*
 * L2's descriptors, stacks and page tables (tests/guest/l2/l2_world.h).
 */
#include "tests/guest/l2/l2_world.h"

#include "hv/include/compiler.h"
#include "hv/include/lib.h"

typedef u64 table_t[512] __aligned(4096);

static table_t l2_pml4, l2_pdpt, l2_pd0;
table_t l2_pd_t, l2_pt_t;

static u64 l2_gdt[7] __aligned(16);
static struct {
	u64 lo, hi;
} l2_idt[256] __aligned(16);
static u8 l2_tss[104] __aligned(16);
static u8 l2_stack[16384] __aligned(16);
static u8 l2_stack0[8192] __aligned(16);

u64 l2_cr3, l2_gdt_base, l2_idt_base, l2_tss_base;
u16 l2_gdt_limit, l2_idt_limit;

u64 *l2_test_pte(void)
{
	return &l2_pt_t[0];
}

u64 l2_stack_top(void)
{
	return (u64)l2_stack + sizeof(l2_stack);
}

/* SDM Vol. 3A 3.4.5, 7.14.1, 8.2.3; APM Vol. 2 4.8, 8.9.3, 12.2.5. */
void l2_desc_init(u64 stubs)
{
	u64 tss = (u64)l2_tss;

	l2_gdt[1] = 0x00af9b000000ffffULL; /* 0x08: code, DPL 0 */
	l2_gdt[2] = 0x00cf93000000ffffULL; /* 0x10: data, DPL 0 */
	l2_gdt[3] = 0x00affb000000ffffULL; /* 0x18: code, DPL 3 */
	l2_gdt[4] = 0x00cff3000000ffffULL; /* 0x20: data, DPL 3 */
	/* 0x28: busy 64-bit TSS, as VM entry requires (SDM Vol. 3C
	 * 27.3.1.2) and VMCB12's TR says. */
	l2_gdt[5] = 103 | ((tss & 0xffffff) << 16) | (0x8bULL << 40) |
		    ((tss >> 24 & 0xff) << 56);
	l2_gdt[6] = tss >> 32;
	/* RSP0 at offset 4: the stack of interrupts taken at CPL 3. */
	u64 rsp0 = (u64)l2_stack0 + sizeof(l2_stack0);
	memcpy(l2_tss + 4, &rsp0, 8);
	l2_tss[102] = 104; /* I/O map base: no bitmap */
	for (unsigned v = 0; v < 256; v++) {
		u64 off = stubs + v * L2_STUB_SIZE;

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

void l2_paging_init(u64 gpa_4k, u64 gpa_2m)
{
	l2_pml4[0] = (u64)l2_pdpt | PTE_UPW;
	l2_pdpt[0] = (u64)l2_pd0 | PTE_UPW;
	for (u64 i = 0; i < L2_IDENT_TOP / TWO_MIB; i++)
		l2_pd0[i] = i * TWO_MIB | PTE_UPW | PTE_PS;
	l2_pdpt[1] = (u64)l2_pd_t | PTE_UPW;
	l2_pd_t[0] = (u64)l2_pt_t | PTE_UPW;
	l2_pt_t[0] = gpa_4k | PTE_UPW;
	l2_pd_t[1] = gpa_2m | PTE_UPW | PTE_PS;
	l2_cr3 = (u64)l2_pml4;
}
