/* SPDX-License-Identifier: MIT */
/*
 * The demo L2's three pages (tests/guest/demo/demo.h): the kernel code
 * page, the user code page (the same small routines at the same offsets;
 * each may run at any linear address, so at either alias) and the data
 * page. They sit in L1's data section: L1 never runs them, it only maps
 * them into L2. The rest of each code page is INT3.
 * Context: L2, 64-bit, CPL 0 (kernel) or 3 (user), entered by L1.
 */
#include "tests/guest/demo/demo.h"

.macro code_page base
	vmcall
	.org \base + CODE_READ, 0xcc
	movq (%rdi), %rax
	vmcall
	.org \base + CODE_WRITE, 0xcc
	movq %rsi, (%rdi)
	vmcall
	.org \base + CODE_JUMP, 0xcc
	jmp *%rdi
	.org \base + CODE_LAND, 0xcc
	vmcall
	.org \base + 4096, 0xcc
.endm

	.section .data.demo_l2, "aw"
	.balign 4096
	.globl demo_kcode
demo_kcode:
	code_page demo_kcode
	.globl demo_ucode
demo_ucode:
	code_page demo_ucode
	.globl demo_data
demo_data:
	.ascii "L2 data!"
	.org demo_data + DATA_VMCALL, 0
	vmcall
	.org demo_data + 4096, 0
