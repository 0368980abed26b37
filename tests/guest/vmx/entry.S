/* SPDX-License-Identifier: MIT */
/*
 * VM entry and exit of the L1 test hypervisor, and the L2 code it runs.
 * u64 vmx_enter(struct l2_regs *regs, int launched): loads L2's general
 * registers from @regs (RSP and RIP are in the VMCS), VMLAUNCH or
 * VMRESUME. A VM exit lands at vmx_exit_stub (host RIP) with RSP = host
 * RSP, which points at the saved @regs; it stores L2's registers and
 * returns 0. A failed entry returns its RFLAGS (CF or ZF set: SDM Vol. 3C
 * 31.2).
 * Context: CPL 0, interrupts off.
 */
#define HOST_RSP 0x6c14

	.text
	.code64
	.globl vmx_enter
vmx_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe enter_failed
	testl %esi, %esi	/* MOV below keeps these flags */
	movq 8(%rdi), %rbx
	movq 16(%rdi), %rcx
	movq 24(%rdi), %rdx
	movq 32(%rdi), %rsi
	movq 48(%rdi), %rbp
	movq 56(%rdi), %r8
	movq 64(%rdi), %r9
	movq 72(%rdi), %r10
	movq 80(%rdi), %r11
	movq 88(%rdi), %r12
	movq 96(%rdi), %r13
	movq 104(%rdi), %r14
	movq 112(%rdi), %r15
	movq 0(%rdi), %rax
	movq 40(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp enter_failed
1:	vmresume
enter_failed:
	pushfq
	popq %rax
	addq $8, %rsp
	jmp enter_out

	.globl vmx_exit_stub
vmx_exit_stub:
	xchgq %rdi, (%rsp)	/* RDI = regs, the slot keeps L2's RDI */
	movq %rax, 0(%rdi)
	movq %rbx, 8(%rdi)
	movq %rcx, 16(%rdi)
	movq %rdx, 24(%rdi)
	movq %rsi, 32(%rdi)
	movq %rbp, 48(%rdi)
	movq %r8, 56(%rdi)
	movq %r9, 64(%rdi)
	movq %r10, 72(%rdi)
	movq %r11, 80(%rdi)
	movq %r12, 88(%rdi)
	movq %r13, 96(%rdi)
	movq %r14, 104(%rdi)
	movq %r15, 112(%rdi)
	popq %rax
	movq %rax, 40(%rdi)
	xorl %eax, %eax
enter_out:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/*
 * L2 code: small pieces, each ending in VMCALL (exit reason 18), which L1
 * reads as "done". Labels inside name the exiting instructions.
 */
.macro L2FN name
	.balign 16
	.globl \name
\name:
.endm

L2FN l2_vmcall
	vmcall
L2FN l2_cpuid
	cpuid
	vmcall
L2FN l2_hlt
	hlt
	vmcall
L2FN l2_ud2
	ud2
	vmcall
L2FN l2_int3
	int3
	vmcall
L2FN l2_read
	movq (%rdi), %rax
	vmcall
L2FN l2_write
	movq %rsi, (%rdi)
	vmcall
L2FN l2_fetch
	jmp *%rdi
L2FN l2_spin
1:	jmp 1b
L2FN l2_out80
	outb %al, $0x80
	vmcall
L2FN l2_inw_dx
	inw %dx, %ax
	vmcall
L2FN l2_inl_71
	inl $0x71, %eax
	vmcall
L2FN l2_rep_outsb
	rep outsb
	vmcall
L2FN l2_outl_dx
	outl %eax, %dx
	vmcall
L2FN l2_rdmsr
	rdmsr
	vmcall
L2FN l2_wrmsr
	wrmsr
	vmcall
L2FN l2_mov_cr0_rbx
	movq %cr0, %rbx
	orq %rax, %rbx
	movq %rbx, %cr0
	vmcall
L2FN l2_mov_cr3_rcx
	movq %cr3, %rcx
	movq %rcx, %cr3
	vmcall
L2FN l2_mov_from_cr8_rdx
	movq %cr8, %rdx
	vmcall
L2FN l2_nop
	nop
	nop
	vmcall
L2FN l2_change_state
	pushq %rax
	stc
	movq %rbx, %cr3
	vmcall
L2FN l2_sti_nop
	sti
	nop
	vmcall
L2FN l2_rdtsc
	rdtsc
	vmcall
L2FN l2_invlpg
	invlpg (%rdi)
	vmcall

/* L2's exception and interrupt entries: push the vector, tell L1. */
.macro L2STUB v
	.balign 16
	pushq $\v
	vmcall
.endm
	.balign 16
	.globl l2_idt_stubs
l2_idt_stubs:
	.altmacro
	.set vec, 0
	.rept 256
	L2STUB %vec
	.set vec, vec + 1
	.endr
	.noaltmacro

/* L2's benchmark loop: CPUID forever, each one an exit to L1. */
	.text
	.balign 16
	.globl l2_cpuid_loop
l2_cpuid_loop:
	xorl %eax, %eax
	cpuid
	jmp l2_cpuid_loop

/* 32-bit L2 code (paging off): jump to EDI (a fetch there). */
	.text
	.code32
	.balign 16
	.globl l2_fetch32
l2_fetch32:
	jmp *%edi
	.code64
