/* SPDX-License-Identifier: MIT */
/*
 * The test kernel at CPL 3 (lib/user.c): the switch down and back.
 */

/*
 * int l1_user_call(void (*fn)(void *), void *arg): calls fn(arg) at CPL 3
 * (L1's user segments 0x3b/0x33, user stack l1_user_stack) and returns
 * the vector of the exception it raises: the handler that lib/user.c
 * installs resumes at l1_user_back at CPL 0 with RSP = l1_user_rsp and
 * RAX = the vector. A fn that returns ends in UD2 (vector 6).
 */
	.text
	.globl l1_user_call
l1_user_call:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, l1_user_rsp(%rip)
	movq %rdi, %rax
	movq %rsi, %rdi
	pushq $0x33
	leaq l1_user_stack_top(%rip), %rcx
	pushq %rcx
	pushq $0x2
	pushq $0x3b
	leaq l1_user_code(%rip), %rcx
	pushq %rcx
	iretq
l1_user_code:
	call *%rax
	ud2
	.globl l1_user_back
l1_user_back:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.data
	.balign 8
	.globl l1_user_rsp
l1_user_rsp:
	.quad 0
	.bss
	.balign 16
l1_user_stack:
	.fill 8192, 1, 0
l1_user_stack_top:
