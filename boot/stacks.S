/* SPDX-License-Identifier: MIT */
/*
 * Modex's stacks: the boot/exit stack and one IST stack each for #DF, NMI
 * and #MC, each with an unmapped guard page below it (Modex's own page
 * tables leave the guard pages out, so an overflow faults instead of
 * silently corrupting the neighbour). boot/stacks.h names the layout.
 */
#include "boot/stacks.h"

	.section .stacks, "aw", @nobits
	.balign 4096
	.globl stack_area
stack_area:
	.skip 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
	.skip 4096
	.globl ist_df_stack_top
	.skip IST_STACK_SIZE
ist_df_stack_top:
	.skip 4096
	.globl ist_nmi_stack_top
	.skip IST_STACK_SIZE
ist_nmi_stack_top:
	.skip 4096
	.globl ist_mc_stack_top
	.skip IST_STACK_SIZE
ist_mc_stack_top:
	.globl stack_area_end
stack_area_end:
