/* SPDX-License-Identifier: MIT */
/*
 * VMRUN and #VMEXIT: load L1's GPRs, VMLOAD/VMRUN/VMSAVE, store them back,
 * restore Modex's VMLOAD state. No policy here.
 * Context: interrupts off; GIF is 0 after #VMEXIT (APM Vol. 2 15.17) and
 * stays 0 in Modex, so NMIs and interrupts wait for L1.
 */
#include "svm/svm_entry.h"

	.text
	.globl svm_enter
	.type svm_enter, @function
svm_enter:				/* (regs: rdi, vmcb_pa: rsi, host_pa: rdx) */
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx			/* host_pa, 8(%rsp) after the next push */
	push	%rdi			/* regs, 0(%rsp) */
	mov	%rsi, %rax		/* VMRUN takes the VMCB address in RAX */
	mov	SVM_GR_RBX(%rdi), %rbx
	mov	SVM_GR_RCX(%rdi), %rcx
	mov	SVM_GR_RDX(%rdi), %rdx
	mov	SVM_GR_RSI(%rdi), %rsi
	mov	SVM_GR_RBP(%rdi), %rbp
	mov	SVM_GR_R8(%rdi), %r8
	mov	SVM_GR_R9(%rdi), %r9
	mov	SVM_GR_R10(%rdi), %r10
	mov	SVM_GR_R11(%rdi), %r11
	mov	SVM_GR_R12(%rdi), %r12
	mov	SVM_GR_R13(%rdi), %r13
	mov	SVM_GR_R14(%rdi), %r14
	mov	SVM_GR_R15(%rdi), %r15
	mov	SVM_GR_RDI(%rdi), %rdi
	vmload	%rax			/* L1's FS/GS/TR/LDTR, syscall MSRs */
	vmrun	%rax
	.globl	svm_vmexit_point
svm_vmexit_point:			/* #VMEXIT resumes Modex here */
	vmsave	%rax			/* #VMEXIT restored RSP and RAX */
	push	%rdi
	mov	8(%rsp), %rdi		/* regs */
	mov	%rbx, SVM_GR_RBX(%rdi)
	mov	%rcx, SVM_GR_RCX(%rdi)
	mov	%rdx, SVM_GR_RDX(%rdi)
	mov	%rsi, SVM_GR_RSI(%rdi)
	mov	%rbp, SVM_GR_RBP(%rdi)
	mov	%r8, SVM_GR_R8(%rdi)
	mov	%r9, SVM_GR_R9(%rdi)
	mov	%r10, SVM_GR_R10(%rdi)
	mov	%r11, SVM_GR_R11(%rdi)
	mov	%r12, SVM_GR_R12(%rdi)
	mov	%r13, SVM_GR_R13(%rdi)
	mov	%r14, SVM_GR_R14(%rdi)
	mov	%r15, SVM_GR_R15(%rdi)
	popq	SVM_GR_RDI(%rdi)
	add	$8, %rsp		/* regs */
	pop	%rax			/* host_pa */
	vmload	%rax			/* Modex's TR (IST stacks), FS, GS */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size svm_enter, . - svm_enter
