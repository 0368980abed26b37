/* SPDX-License-Identifier: MIT */
/*
 * AP start path. guest_ap_trampoline..guest_ap_trampoline_end is copied to
 * a page below 1 MiB (smp.c) whose number is the SIPI vector: a started AP
 * runs it in real mode at CS = vector << 8, IP = 0 (SDM Vol. 3A 9.4.4.2,
 * 11.6.1). It records the state it found, loads the BSP's GDT (the base
 * smp.c patches in) and jumps to ap_entry32 in the image, which finds the
 * CPU's slot by its APIC ID, enters long mode on the boot page tables and
 * calls guest_ap_main(slot) on the slot's stack.
 * Context: an AP straight after INIT-SIPI: interrupts off, no stack, no IDT.
 */
#include "tests/guest/lib/smp.h"

#define CR0_PE (1 << 0)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080

	.section .rodata, "a"
	.code16
	.balign 16
	.globl guest_ap_trampoline
guest_ap_trampoline:
	/* MOV leaves EFLAGS alone, so PUSHFL sees the state after INIT. */
	movw %cs, %ax
	movw %ax, %ss
	movw $(tramp_stack_top - guest_ap_trampoline), %sp
	pushfl
	popl %edi
	cli
	cld
	movl %cr0, %esi
	movl %cr4, %ebp
	movw %ax, %ds
	lgdtl tramp_gdtr - guest_ap_trampoline
	/* Protected mode, caches on (CD/NW may still be set after INIT). */
	movl %esi, %eax
	andl $~(CR0_CD | CR0_NW | CR0_PG), %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $GUEST_CS32, $ap_entry32

	.balign 8
	.globl guest_ap_tramp_gdtr
guest_ap_tramp_gdtr:
tramp_gdtr:
	.word 0			/* limit, patched by smp.c */
	.long 0			/* base, patched by smp.c */
	.balign 16
	.fill 64, 1, 0
tramp_stack_top:
	.globl guest_ap_trampoline_end
guest_ap_trampoline_end:

	.text
	.code32
/* ESI = CR0, EDI = EFLAGS, EBP = CR4 as the trampoline found them. */
ap_entry32:
	movw $GUEST_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	/* APIC ID: CPUID 0xb EDX (x2APIC ID) if leaf 0xb exists, else 1. */
	xorl %eax, %eax
	cpuid
	cmpl $0xb, %eax
	jb 1f
	movl $0xb, %eax
	xorl %ecx, %ecx
	cpuid
	testl $0xffff, %ebx
	jz 1f
	movl %edx, %ebx
	jmp 2f
1:	movl $1, %eax
	cpuid
	shrl $24, %ebx
2:	movl $guest_cpus, %edx
	movl guest_nr_cpus, %ecx
	testl %ecx, %ecx
	jz ap_unknown
3:	cmpl GCPU_APIC_ID(%edx), %ebx
	je ap_found
	addl $GCPU_SIZE, %edx
	decl %ecx
	jnz 3b
ap_unknown:
	/* Not a CPU the BSP listed: say who, then stop for good. */
	movl %ebx, guest_ap_unknown_id
	lock incl guest_ap_unknown
4:	cli
	hlt
	jmp 4b

ap_found:
	movl %esi, GCPU_ENTRY_CR0(%edx)
	movl %ebp, GCPU_ENTRY_CR4(%edx)
	movl %edi, GCPU_ENTRY_EFLAGS(%edx)
	movl %edx, %esi
	movl $MSR_EFER, %ecx
	rdmsr
	movl %eax, GCPU_ENTRY_EFER(%esi)
	movl %edx, GCPU_ENTRY_EFER + 4(%esi)
	/* Long mode as entry.S does it for the BSP (SDM Vol. 3A 10.8.5). */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $guest_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl guest_ap_efer, %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	ljmp $GUEST_CS64, $ap_entry64

	.code64
ap_entry64:
	movw $GUEST_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %esi, %edi		/* the slot (below 4 GiB) */
	movq GCPU_STACK_TOP(%rdi), %rsp
	movl $GCPU_S_TRAMPOLINE, GCPU_STATE(%rdi)
	lock incl GCPU_BOOT_COUNT(%rdi)
	xorl %ebp, %ebp
	call guest_ap_main
5:	cli
	hlt
	jmp 5b

	.data
	.balign 4
	.globl guest_ap_efer, guest_ap_unknown, guest_ap_unknown_id
guest_ap_efer:
	.long 0			/* EFER bits to set: LME, and NXE like the BSP */
guest_ap_unknown:
	.long 0
guest_ap_unknown_id:
	.long 0
