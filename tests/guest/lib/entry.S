/* SPDX-License-Identifier: MIT */
/*
 * 32-bit entry of a test kernel, for Multiboot1 and Multiboot2 loaders
 * alike: records the entry state (entry_state.h) before touching anything,
 * enters long mode on its own page tables that identity-map [0, 4 GiB)
 * with 2 MiB pages, and calls guest_start64(). The loader's magic and info
 * pointer are only recorded here; C code checks them.
 * Context: single CPU, interrupts off, no IDT until guest_start64().
 *
 * Both protocols promise (Multiboot 0.6.96 3.2, Multiboot2 3.3): protected
 * mode, paging off, flat 4 GiB CS/DS/ES/SS, A20 on, EFLAGS.IF and VM clear,
 * ESP undefined.
 */
#include "tests/guest/lib/entry_state.h"

#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define COM1 0x3f8

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	/* Stores first: with a flat DS these land in entry_state. */
	movl %eax, guest_entry_state + ES_EAX
	movl %ebx, guest_entry_state + ES_EBX
	/* RDTSC changes no flag: PUSHF below still sees the loader's. */
	rdtsc
	movl %eax, guest_entry_state + ES_TSC
	movl %edx, guest_entry_state + ES_TSC + 4
	/* MOV does not change EFLAGS, so PUSHF sees the loader's flags. */
	movl $boot_stack_top, %esp
	pushfl
	popl guest_entry_state + ES_EFLAGS
	cli
	cld
	movl %cr0, %eax
	movl %eax, guest_entry_state + ES_CR0
	movl %cr4, %eax
	movl %eax, guest_entry_state + ES_CR4
	/* EIP minus the link address is the CS base (we run where linked). */
	call 1f
1:	popl %eax
	subl $1b, %eax
	movl %eax, guest_entry_state + ES_EIP_DELTA
	call record_segments

	/* Clear .bss ourselves rather than trust every loader to. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	/* Long mode needs CPUID 8000_0001h EDX[29] (SDM Vol. 3A 10.8.5). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	movl %edx, %esi		/* EDX[20]: NX available */

	call build_page_tables
	movl $guest_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $(1 << 20), %esi
	jz 2f
	orl $EFER_NXE, %eax
2:	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	lgdt guest_gdt_ptr
	ljmp $0x08, $long_mode

/* LAR/LSL on each selector: ZF clear means the descriptor was unusable. */
.macro REC_SEG seg, sel, ar, limit
	movw %\seg, %ax
	movzwl %ax, %eax
	movl %eax, guest_entry_state + \sel
	xorl %ecx, %ecx
	larl %eax, %ecx
	jz 3f
	xorl %ecx, %ecx
3:	movl %ecx, guest_entry_state + \ar
	xorl %ecx, %ecx
	lsll %eax, %ecx
	jz 4f
	xorl %ecx, %ecx
4:	movl %ecx, guest_entry_state + \limit
.endm

record_segments:
	REC_SEG cs, ES_CS, ES_CS_AR, ES_CS_LIMIT
	REC_SEG ds, ES_DS, ES_DS_AR, ES_DS_LIMIT
	REC_SEG es, ES_ES, ES_ES_AR, ES_ES_LIMIT
	REC_SEG ss, ES_SS, ES_SS_AR, ES_SS_LIMIT
	ret

/* PML4[0] -> PDPT[0..3] -> 4 page directories of 2 MiB pages. */
build_page_tables:
	movl $guest_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, guest_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $guest_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, guest_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, guest_pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, guest_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b
	ret

/* No long mode: say so on COM1 (polled, no init needed to be useful). */
no_long_mode:
	movl $msg_no_long_mode, %esi
1:	movb (%esi), %bl
	testb %bl, %bl
	jz 3f
	movw $(COM1 + 5), %dx
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
3:	cli
	hlt
	jmp 3b

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call guest_start64
1:	cli
	hlt
	jmp 1b

	.section .rodata
msg_no_long_mode:
	.asciz "[l1] FAIL: CPU has no 64-bit long mode\r\n[l1] FAIL\r\n"

	.balign 16
	.globl guest_gdt
guest_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
	.quad 0x00cf9a000000ffff	/* 0x18: flat 32-bit code */
guest_gdt_end:
guest_gdt_ptr:
	.short guest_gdt_end - guest_gdt - 1
	.quad guest_gdt

	.data
	.balign 8
	.globl guest_entry_state
guest_entry_state:
	.fill ES_SIZE, 1, 0

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
	.globl guest_pml4
guest_pml4:
	.fill 4096, 1, 0
guest_pdpt:
	.fill 4096, 1, 0
guest_pd:
	.fill 4 * 4096, 1, 0

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl boot_stack_top
boot_stack:
	.fill 32768, 1, 0
boot_stack_top:
