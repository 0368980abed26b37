/* SPDX-License-Identifier: MIT */
/*
 * 32-bit entry from a multiboot2 loader: checks the loader magic and that
 * the CPU can run Modex, enters long mode on boot page tables that
 * identity-map the first 4 GiB, and calls hv_main(magic, info).
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

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, %edi
	movl %ebx, %esi
	/* Start of the boot path to L1's first instruction (DESIGN.md 6). */
	rdtsc
	movl %eax, boot_entry_tsc
	movl %edx, boot_entry_tsc + 4

	call early_serial_init
	cmpl $MB2_BOOTLOADER_MAGIC, %edi
	je 1f
	movl $msg_bad_magic, %eax
	jmp early_fail
1:
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
	movl $msg_no_cpuid, %eax
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

	movl $boot_pml4, %eax
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

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode_entry

no_long_mode:
	movl $msg_no_long_mode, %eax
	jmp early_fail
no_nx:
	movl $msg_no_nx, %eax
	jmp early_fail

/* Identity-map [0, 4 GiB) with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs. */
build_boot_page_tables:
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, boot_pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, boot_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b
	ret

/* 115200 8N1 on COM1, FIFOs on (same setup the C console driver uses). */
early_serial_init:
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
3:	cli
	hlt
	jmp 3b

	.code64
long_mode_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	/* The upper halves of RDI/RSI are undefined after the mode switch. */
	movl %edi, %edi
	movl %esi, %esi
	call hv_main
1:	cli
	hlt
	jmp 1b

	.section .rodata
msg_bad_magic:
	.asciz "modex: fatal: not started by a multiboot2 loader (bad EAX magic); halting.\r\n"
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
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

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
