/* SPDX-License-Identifier: MIT */
/*
 * AP start-up (boot/ap_trampoline.h). The trampoline is data in the image
 * (it only runs from its copy below 1 MiB); ap_entry64 is ordinary text.
 * Context: an AP after INIT-SIPI-SIPI: real mode, CS = page >> 4, IP = 0,
 * interrupts off; CR0.CD/NW may still be set from power-up.
 */
#include "boot/ap_trampoline.h"

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

	.section .rodata
	.balign 16
	.globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
	.code16
	cli
	cld
	movw %cs, %bx
	movw %bx, %ds
	movzwl %bx, %ebx
	shll $4, %ebx			/* EBX = the page's linear address */
	lgdtl AP_TR_GDTPTR
	movl %cr0, %eax
	andl $~(CR0_CD | CR0_NW), %eax	/* SDM Vol. 3A 12.5.3: caching on */
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *AP_TR_JMP32

	.fill AP_TR_PM32 - (. - ap_tramp_start), 1, 0x90
	.code32
	movw $AP_SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl AP_TR_PARAMS(%ebx), %esi
	/* SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME (and NXE: Modex's tables
	 * use NX), then CR0.PG enters IA-32e compatibility mode. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl AP_P_CR3(%esi), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	ljmpl *AP_P_ENTRY(%esi)		/* no stack yet: a far pointer */
	.balign 8
	.fill AP_TR_SIZE - (. - ap_tramp_start), 1, 0
ap_tramp_end:

	.text
	.code64
	.globl ap_entry64
ap_entry64:
	movl %esi, %esi
	movq AP_P_STACK(%rsi), %rsp
	movq AP_P_PERCPU(%rsi), %rdi
	xorl %ebp, %ebp
	movl $1, AP_P_STARTED(%rsi)	/* the BSP may reuse the parameters */
	call ap_main
1:	cli
	hlt
	jmp 1b
