/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs for all 256 vectors (exceptions 0-31, interrupts 32-255) and
 * the try/resume trampoline of guest_try_call(). Each stub makes the stack
 * a struct guest_frame (guest.h) and calls guest_exception(frame); the
 * handler may rewrite RIP, RSP and RAX in the frame to resume elsewhere.
 * Context: CPL 0, same stack (no IST): 64-bit delivery always pushes SS:RSP
 * and aligns RSP to 16 (SDM Vol. 3A 7.14.2).
 */

/* SDM Vol. 3A 7.3 table 7-1: vectors that push an error code. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		    (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.code64

.macro STUB v
	.balign 16
	.if !HAS_ERR(\v)
	pushq $0
	.endif
	pushq $\v
	jmp exc_common
.endm

	.altmacro
	.globl guest_exc_stubs
guest_exc_stubs:
	.set vec, 0
	.rept 256
	STUB %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

exc_common:
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
	cld
	call guest_exception
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
	addq $16, %rsp
	iretq

/*
 * int guest_try_call(void (*fn)(void *), void *arg): saves the callee-saved
 * registers and RSP; guest_exception() resumes a faulting fn at
 * guest_try_resume with RSP = guest_try_rsp and RAX = the vector.
 */
	.globl guest_try_call
guest_try_call:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp		/* keep RSP 16-byte aligned at the call */
	movq %rsp, guest_try_rsp(%rip)
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
	movq $0, guest_try_rsp(%rip)
	movl $-1, %eax
try_out:
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.globl guest_try_resume
guest_try_resume:
	jmp try_out

	.data
	.balign 8
	.globl guest_try_rsp
guest_try_rsp:
	.quad 0
