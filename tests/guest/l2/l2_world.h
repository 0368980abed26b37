/* SPDX-License-Identifier: MIT */
/*
 * The part of L2's world that both L1 test hypervisors (tests/guest/vmx/,
 * tests/guest/svm/) build the same way: L2's GDT, IDT, TSS, stacks and its
 * own 4-level page tables. Each hypervisor adds its stage 2 (EPT12 or
 * NPT12) and the test pages in its world.c.
 * Context: L1 at CPL 0, one CPU, before and between L2 runs.
 */
#ifndef MODEX_TESTS_GUEST_L2_WORLD_H
#define MODEX_TESTS_GUEST_L2_WORLD_H

#include "hv/include/types.h"

/* L2 selectors (its own GDT); the CPL 3 ones carry RPL 3. */
#define L2_CS0 0x08
#define L2_DS0 0x10
#define L2_CS3 0x1b
#define L2_DS3 0x23
#define L2_TR 0x28

/* L2's identity-mapped range: the test kernel's image lies inside it. */
#define L2_IDENT_TOP (16ULL << 20)
/* Bytes per IDT stub in the hypervisor's entry.S (l2_idt_stubs). */
#define L2_STUB_SIZE 16

/* 4-level paging entries (SDM Vol. 3A 5.5, APM Vol. 2 5.3). */
#define PTE_P BIT(0)
#define PTE_W BIT(1)
#define PTE_U BIT(2)
#define PTE_PS BIT(7)
#define PTE_NX BIT(63)
#define PTE_UPW (PTE_P | PTE_W | PTE_U)
#define TWO_MIB 0x200000ULL

/* What the hypervisors' VMCS12/VMCB12 guest state is built from. */
extern u64 l2_cr3, l2_gdt_base, l2_idt_base, l2_tss_base;
extern u16 l2_gdt_limit, l2_idt_limit;

/* L2's test page table and page directory (at linear 1 GiB): entry 0 of
 * the PT maps TEST_LA_4K, entry 1 of the PD the 2 MiB test page. */
extern u64 l2_pt_t[512], l2_pd_t[512];

/*
 * The GDT (flat code and data at DPL 0 and 3, a busy 64-bit TSS at
 * L2_TR), the TSS (RSP0 on its own stack, no I/O bitmap) and 256
 * interrupt gates (DPL 3) to the IDT stubs at @stubs, L2_STUB_SIZE apart.
 */
void l2_desc_init(u64 stubs);
/*
 * L2's paging: identity [0, L2_IDENT_TOP) with 2 MiB user pages, and at
 * 1 GiB the test page (to @gpa_4k) and the 2 MiB test page (to @gpa_2m).
 */
void l2_paging_init(u64 gpa_4k, u64 gpa_2m);

/* The top of L2's stack. */
u64 l2_stack_top(void);
/* The L2 PTE that maps the 4 KiB test page (TEST_LA_4K, TEST_LA_4K_USER). */
u64 *l2_test_pte(void);

#endif /* MODEX_TESTS_GUEST_L2_WORLD_H */
