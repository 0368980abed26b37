/* SPDX-License-Identifier: MIT */
/*
 * 32-bit entry from a multiboot2 loader: checks the loader magic and that
 * the CPU can run Modex, enters long mode on boot page tables that
 * identity-map the first 4 GiB, moves the image to the top of low RAM
 * (boot/relocate.c) and calls hv_main(magic, info) in the copy. The image
 * is position-independent, so the code refers to its data relative to
 * where it runs.
 * Context: single CPU, interrupts off, no IDT yet; failures print on COM1
 * (the command line is not parsed yet) and halt.
 *
 * Machine state on entry (Multiboot2 spec 3.3): EAX = magic, EBX = info
 * physical address, protected mode, paging off, A20 on, EFLAGS.IF clear,
 * ESP undefined.
 */
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define COM1 0x3f8

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

/* 115200 8N1 on COM1, FIFOs on (same setup the C console driver uses). */
	.macro serial_init
	movw $(COM1 + 1), %dx
	xorb %al, %al
	outb %al, %dx
	movw $(COM1 + 3), %dx
	movb $0x80, %al
	outb %al, %dx
	movw $COM1, %dx
	movb $1, %al
	outb %al, %dx
	movw $(COM1 + 1), %dx
	xorb %al, %al
	outb %al, %dx
	movw $(COM1 + 3), %dx
	movb $0x03, %al
	outb %al, %dx
	movw $(COM1 + 2), %dx
	movb $0xc7, %al
	outb %al, %dx
	.endm

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %edi
	movl %ebx, %esi
	cmpl $MB2_BOOTLOADER_MAGIC, %edi
	jne bad_magic
	/*
	 * The image is position-independent: addresses are taken relative to
	 * where it runs (%ebp = the run-time address of .Lbase). Finding it
	 * takes one call, and ESP is undefined (Multiboot2 3.3): the info's
	 * reserved field (EBX+4, ignored by the OS, 3.4.1) is the 4-byte
	 * scratch stack for it, cleared again afterwards.
	 */
	leal 8(%esi), %esp
	call .Lbase
.Lbase:	popl %ebp
	movl $0, 4(%esi)
	leal (boot_stack_top - .Lbase)(%ebp), %esp
	/* Start of the boot path to L1's first instruction (DESIGN.md 6);
	 * .data travels with the image when it moves. */
	rdtsc
	movl %eax, (boot_entry_tsc - .Lbase)(%ebp)
	movl %edx, (boot_entry_tsc + 4 - .Lbase)(%ebp)

	serial_init
	/* CPUID itself: EFLAGS.ID (bit 21) must be writable (SDM Vol. 2A CPUID). */
	pushfl
	popl %eax
	movl %eax, %ecx
	xorl $(1 << 21), %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	pushl %ecx
	popfl
	xorl %ecx, %eax
	jnz 2f
	leal (msg_no_cpuid - .Lbase)(%ebp), %eax
	jmp early_fail
2:
	/* Long mode (CPUID 8000_0001h EDX[29]), NX (EDX[20]), PAE (01h EDX[6]). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	testl $(1 << 20), %edx
	jz no_nx
	movl $1, %eax
	cpuid
	testl $(1 << 6), %edx
	jz no_long_mode

	call build_boot_page_tables

	leal (boot_pml4 - .Lbase)(%ebp), %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	/* Firmware may leave caching off (CR0.CD/NW); Modex runs cached,
	 * and VM entry does not load CD/NW, so L1 would inherit it. */
	movl %cr0, %eax
	andl $~(CR0_CD | CR0_NW), %eax
	orl $(CR0_PG | CR0_PE | CR0_WP), %eax
	movl %eax, %cr0

	/* GDTR from a pseudo-descriptor on the stack (SDM Vol. 3A 3.5.1). */
	leal (boot_gdt - .Lbase)(%ebp), %eax
	pushl %eax
	pushw $(boot_gdt_end - boot_gdt - 1)
	lgdt (%esp)
	addl $6, %esp
	/* Far return into 64-bit code: pops EIP, then CS (SDM Vol. 2B RET). */
	pushl $0x08
	leal (long_mode_entry - .Lbase)(%ebp), %eax
	pushl %eax
	lret

no_long_mode:
	leal (msg_no_long_mode - .Lbase)(%ebp), %eax
	jmp early_fail
no_nx:
	leal (msg_no_nx - .Lbase)(%ebp), %eax
	jmp early_fail

/*
 * Not started by a multiboot2 loader: neither the stack nor where the
 * image runs is known, so the message is in immediates (4 characters a
 * word, little-endian): "modex: fatal: wrong multiboot2 magic; halting.\r\n".
 */
	.macro early_put4 word
	movl $\word, %ebx
	movl $4, %ecx
.Lput4_\@:
	movw $(COM1 + 5), %dx
.Lwait4_\@:
	inb %dx, %al
	testb $0x20, %al
	jz .Lwait4_\@
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	shrl $8, %ebx
	decl %ecx
	jnz .Lput4_\@
	.endm
bad_magic:
	serial_init
	.irp w, 0x65646f6d, 0x66203a78, 0x6c617461, 0x7277203a, 0x20676e6f, 0x746c756d, 0x6f6f6269, 0x6d203274, 0x63696761, 0x6168203b, 0x6e69746c, 0x0a0d2e67
	early_put4 \w
	.endr
	jmp early_halt

/* Identity-map [0, 4 GiB) with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs.
 * %ebp is the run-time address of .Lbase. */
build_boot_page_tables:
	leal (boot_pml4 - .Lbase)(%ebp), %ebx
	leal (boot_pdpt - .Lbase)(%ebp), %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, (%ebx)
	leal (boot_pdpt - .Lbase)(%ebp), %ebx
	leal (boot_pd - .Lbase)(%ebp), %edx
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $12, %eax
	addl %edx, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, (%ebx, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edx, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, 4(%edx, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 3b
	ret

/* Print the NUL-terminated string at %eax on COM1, then halt forever. */
early_fail:
	movl %eax, %esi
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
3:
early_halt:
	cli
	hlt
	jmp early_halt

	.code64
long_mode_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	/* The upper halves of RDI/RSI are undefined after the mode switch. */
	movl %edi, %r12d
	movl %esi, %r13d
	movl %edi, %edi
	movl %esi, %esi
	/* Copy the image to the top of low RAM (boot/relocate.c); RAX is
	 * how far it moved (0: it stays). Continue in the copy. */
	call boot_relocate
	leaq 1f(%rip), %rcx
	addq %rax, %rcx
	jmp *%rcx
1:	/* The copy's boot page tables still point at the original's. */
	leaq boot_pml4(%rip), %rdi
	leaq boot_pdpt(%rip), %rsi
	leaq boot_pd(%rip), %rdx
	leaq (PTE_P | PTE_W)(%rsi), %rax
	movq %rax, (%rdi)
	xorl %ecx, %ecx
2:	movq %rcx, %rax
	shlq $12, %rax
	leaq (PTE_P | PTE_W)(%rdx, %rax), %rax
	movq %rax, (%rsi, %rcx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 2b
	movq %rdi, %cr3
	leaq boot_stack_top(%rip), %rsp
	movl %r12d, %edi
	movl %r13d, %esi
	call hv_main
3:	cli
	hlt
	jmp 3b

/* Where the image was linked: this word's relocation is applied only to
 * the copy, so here it still holds the link-time address. */
	.section .data
	.balign 8
	.globl boot_link_base
boot_link_base:
	.quad __image_start

	.section .rodata
msg_no_cpuid:
	.asciz "modex: fatal: this CPU has no CPUID instruction; halting.\r\n"
msg_no_long_mode:
	.asciz "modex: fatal: this CPU does not support 64-bit long mode and PAE; halting.\r\n"
msg_no_nx:
	.asciz "modex: fatal: this CPU does not support the NX bit (needed for W^X); halting.\r\n"

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code, DPL0 */
	.quad 0x00cf92000000ffff	/* 0x10: data, DPL0 */
boot_gdt_end:

	.data
	.balign 8
	.globl boot_entry_tsc
boot_entry_tsc:
	.quad 0

	.section .bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
