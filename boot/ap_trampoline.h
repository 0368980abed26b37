/* SPDX-License-Identifier: MIT */
/*
 * The AP start-up trampoline (boot/ap_trampoline.S): Modex copies
 * [ap_tramp_start, ap_tramp_end) to a page below 1 MiB, fills the fields
 * below, and starts each AP with INIT-SIPI-SIPI at that page. The AP goes
 * real mode -> protected mode -> long mode on Modex's own page tables,
 * reads its stack and per-CPU pointer from struct ap_boot_params, says
 * so, and calls ap_main(percpu).
 */
#ifndef MODEX_BOOT_AP_TRAMPOLINE_H
#define MODEX_BOOT_AP_TRAMPOLINE_H

/* Offsets in the trampoline page. */
#define AP_TR_PM32 0x40 /* the 32-bit code */
#define AP_TR_GDT 0x100 /* 4 descriptors: null, code32, data, code64 */
#define AP_TR_GDTPTR 0x120 /* limit (2), linear base (4) */
#define AP_TR_JMP32 0x128 /* far pointer to pm32: offset (4), selector */
#define AP_TR_PARAMS 0x130 /* physical address of ap_boot_params (4) */
#define AP_TR_SIZE 0x134

#define AP_SEL_CODE32 0x08
#define AP_SEL_DATA 0x10
#define AP_SEL_CODE64 0x18

/* struct ap_boot_params offsets (checked in hv/smp.c). */
#define AP_P_CR3 0
#define AP_P_ENTRY 4 /* far pointer: offset (4), selector (2) */
#define AP_P_STACK 16
#define AP_P_PERCPU 24
#define AP_P_STARTED 32

#ifndef __ASSEMBLY__
#include "hv/include/types.h"

/* Below 4 GiB (the AP loads it in 32-bit mode), in Modex's memory. */
struct ap_boot_params {
	u32 cr3; /* Modex's page-table root */
	u32 entry; /* ap_entry64, in Modex's text */
	u16 entry_sel; /* AP_SEL_CODE64 */
	u16 pad[3];
	u64 stack_top;
	u64 percpu;
	volatile u32 started; /* set by the AP once it read the above */
};

extern const char ap_tramp_start[], ap_tramp_end[];
extern char ap_entry64[];
#endif

#endif /* MODEX_BOOT_AP_TRAMPOLINE_H */
