/* SPDX-License-Identifier: MIT */
/*
 * VMRUN of the L1 test hypervisor, and the L2 code it runs.
 * void svm_enter(struct l2_regs *regs, u64 vmcb_pa, u64 host_pa, int flags):
 * VMSAVE of L1's own FS/GS/TR/LDTR/syscall state to @host_pa, CLGI, STI if
 * flags bit 0 (GIF=0 still holds interrupts: APM Vol. 2 15.17), L2's
 * general registers from @regs (RAX, RSP and RIP are in the VMCB), VMLOAD,
 * VMRUN, VMSAVE of @vmcb_pa; after the #VMEXIT (host RSP, RAX restored
 * from the host save area: APM Vol. 2 15.5.2) it stores L2's registers,
 * CLI, VMLOAD of @host_pa, STGI. With flags bit 1 there is no VMSAVE or
 * VMLOAD at all: L2 runs on L1's own state of those registers.
 * Context: CPL 0, interrupts off.
 */
	.text
	.code64
	.globl svm_enter
svm_enter:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	testl $2, %ecx
	jnz 2f
	movq %rdx, %rax
	vmsave %rax
2:	clgi
	testl $1, %ecx
	jz 1f
	sti
1:	movq 16(%rsp), %rax
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
	movq 40(%rdi), %rdi
	testl $2, (%rsp)
	jnz 3f
	vmload %rax
	vmrun %rax
	vmsave %rax
	jmp 4f
3:	vmrun %rax
4:	xchgq %rdi, 24(%rsp)	/* RDI = regs, the slot keeps L2's RDI */
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
	popq %rcx
	popq %rax
	cli
	testl $2, %ecx
	jnz 5f
	vmload %rax
5:	stgi
	popq %rax
	popq %rax
	movq %rax, 40(%rdi)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/*
 * L2 code: small pieces, each ending in VMMCALL (intercepted: EXITCODE
 * 0x81), which L1 reads as "done".
 */
.macro L2FN name
	.balign 16
	.globl \name
\name:
.endm

L2FN l2_vmmcall
	vmmcall
L2FN l2_cpuid
	cpuid
	vmmcall
L2FN l2_hlt
	hlt
	vmmcall
L2FN l2_ud2
	ud2
	vmmcall
L2FN l2_int3
	int3
	vmmcall
L2FN l2_read
	movq (%rdi), %rax
	vmmcall
L2FN l2_write
	movq %rsi, (%rdi)
	vmmcall
L2FN l2_fetch
	jmp *%rdi
L2FN l2_spin
1:	decq %rcx
	jnz 1b
	vmmcall
L2FN l2_out80
	outb %al, $0x80
	vmmcall
L2FN l2_inw_dx
	inw %dx, %ax
	vmmcall
L2FN l2_inl_71
	inl $0x71, %eax
	vmmcall
L2FN l2_rep_outsb
	rep outsb
	vmmcall
L2FN l2_rdmsr
	rdmsr
	vmmcall
L2FN l2_wrmsr
	wrmsr
	vmmcall
L2FN l2_read_cr0
	movq %cr0, %rbx
	vmmcall
L2FN l2_write_cr0
	movq %rbx, %cr0
	vmmcall
L2FN l2_read_cr3
	movq %cr3, %rbx
	vmmcall
L2FN l2_write_cr3
	movq %rbx, %cr3
	vmmcall
L2FN l2_read_cr4
	movq %cr4, %rbx
	vmmcall
L2FN l2_write_cr4
	movq %rbx, %cr4
	vmmcall
L2FN l2_int_n
	int $0x50
	vmmcall
L2FN l2_invlpga
	invlpga %rax, %ecx
	vmmcall
L2FN l2_vmrun
	vmrun %rax
	vmmcall
L2FN l2_vmload
	vmload %rax
	vmmcall
L2FN l2_vmsave
	vmsave %rax
	vmmcall
L2FN l2_stgi
	stgi
	vmmcall
L2FN l2_clgi
	clgi
	vmmcall
L2FN l2_invlpg
	invlpg (%rdi)
	vmmcall
L2FN l2_pause
	pause
	vmmcall
L2FN l2_rdtsc
	rdtsc
	vmmcall
L2FN l2_wbinvd
	wbinvd
	vmmcall
L2FN l2_read_dr7
	movq %dr7, %rbx
	vmmcall
L2FN l2_write_dr7
	movq %rbx, %dr7
	vmmcall
L2FN l2_sti_spin
	sti
1:	decq %rcx
	jnz 1b
	vmmcall
L2FN l2_vgif_open	/* sti, RCX loops, stgi, RDX loops */
	sti
1:	decq %rcx
	jnz 1b
	stgi
	.globl l2_vgif_opened
l2_vgif_opened:
2:	decq %rdx
	jnz 2b
	vmmcall
L2FN l2_nop
	nop
	nop
	vmmcall

/* L2's exception and interrupt entries: push the vector, tell L1. */
.macro L2STUB v
	.balign 16
	pushq $\v
	vmmcall
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
