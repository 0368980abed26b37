/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit: load the guest GPRs, VMLAUNCH/VMRESUME, and on a VM
 * exit store them back and return to vmx_run(). No policy here.
 * Context: interrupts off (VM exits clear RFLAGS, SDM Vol. 3C 28.5.3).
 */
#include "vmx/vmx_entry.h"

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:				/* (regs: rdi, launched: esi) */
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* regs, found at 0(%rsp) on exit */
	mov	$VMX_HOST_RSP_FIELD, %eax
	vmwrite	%rsp, %rax
	jbe	.Lfail			/* CF or ZF: VMfail */
	test	%esi, %esi		/* MOVs below keep the flags */
	mov	GR_RAX(%rdi), %rax
	mov	GR_RBX(%rdi), %rbx
	mov	GR_RCX(%rdi), %rcx
	mov	GR_RDX(%rdi), %rdx
	mov	GR_RSI(%rdi), %rsi
	mov	GR_RBP(%rdi), %rbp
	mov	GR_R8(%rdi), %r8
	mov	GR_R9(%rdi), %r9
	mov	GR_R10(%rdi), %r10
	mov	GR_R11(%rdi), %r11
	mov	GR_R12(%rdi), %r12
	mov	GR_R13(%rdi), %r13
	mov	GR_R14(%rdi), %r14
	mov	GR_R15(%rdi), %r15
	mov	GR_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	.Lfail
1:	vmresume
.Lfail:					/* VMfailInvalid: CF=1; VMfailValid: ZF=1 */
	mov	$2, %eax
	jc	2f
	mov	$1, %eax
2:	add	$8, %rsp
	jmp	.Lout

	.globl vmx_exit_point
	.type vmx_exit_point, @function
vmx_exit_point:				/* RSP = HOST_RSP: 0(%rsp) is regs */
	push	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, GR_RAX(%rdi)
	mov	%rbx, GR_RBX(%rdi)
	mov	%rcx, GR_RCX(%rdi)
	mov	%rdx, GR_RDX(%rdi)
	mov	%rsi, GR_RSI(%rdi)
	mov	%rbp, GR_RBP(%rdi)
	mov	%r8, GR_R8(%rdi)
	mov	%r9, GR_R9(%rdi)
	mov	%r10, GR_R10(%rdi)
	mov	%r11, GR_R11(%rdi)
	mov	%r12, GR_R12(%rdi)
	mov	%r13, GR_R13(%rdi)
	mov	%r14, GR_R14(%rdi)
	mov	%r15, GR_R15(%rdi)
	popq	GR_RDI(%rdi)
	add	$8, %rsp
	xor	%eax, %eax
.Lout:
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
