/* SPDX-License-Identifier: MIT */
/*
 * Layout of Modex's stacks (boot/stacks.S): [guard][boot stack]
 * [guard][#DF IST][guard][NMI IST][guard][#MC IST], each guard one page.
 */
#ifndef MODEX_BOOT_STACKS_H
#define MODEX_BOOT_STACKS_H

#define BOOT_STACK_SIZE 0x8000
#define IST_STACK_SIZE 0x2000
#define STACK_GUARD_SIZE 0x1000

#ifndef __ASSEMBLY__
extern char stack_area[], stack_area_end[];
extern char boot_stack_bottom[], boot_stack_top[];
extern char ist_df_stack_top[], ist_nmi_stack_top[], ist_mc_stack_top[];

#endif

#endif /* MODEX_BOOT_STACKS_H */
