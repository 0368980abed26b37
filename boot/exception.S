/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry stubs: one per vector, normalising the
 * frame (a zero error code where the CPU pushes none) and calling
 * exception_handler(struct exc_frame *). Context: any Modex code; the
 * handler returns only for an NMI (which it records for L1) and for an
 * exception it drops (a known emulator quirk, boot/cpu_tables.c); every
 * other exception in Modex is fatal.
 */
	.text
	.code64

/* The CPU pushes an error code only for 8, 10-14, 17, 21, 29, 30
 * (SDM Vol. 3A 6.13); every stub is 16 bytes apart. */
	.altmacro
	.macro vector_stub v
	.balign 16
vector_stub_\v:
	.if !((\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp exception_common
	.endm

	.balign 16
	.globl vector_stubs
vector_stubs:
	.set i, 0
	.rept 256
	vector_stub %i
	.set i, i + 1
	.endr

exception_common:
	cld
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx		/* callee-saved: the frame */
	andq $-16, %rsp
	call exception_handler
	/* It returned: the exception is dropped, resume where it hit. */
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector, error code */
	iretq
