/* SPDX-License-Identifier: MIT */
/* Modex's C entry point and boot-time global state. */
#ifndef MODEX_HV_MAIN_H
#define MODEX_HV_MAIN_H

#include "hv/cmdline.h"
#include "hv/include/compiler.h"
#include "hv/multiboot2.h"

/* The fixed, grep-able boot banner. */
#define MODEX_VERSION "0.1.0"
#define MODEX_BANNER \
	"Modex micro-hypervisor " MODEX_VERSION " (x86-64, multiboot2)"

extern struct hv_options hv_options;
extern struct mb2_info boot_info;
/* The TSC at Modex's first instructions (boot/entry.S). */
extern u64 boot_entry_tsc;

__noreturn void hv_main(u32 magic, u32 info_pa);

#endif /* MODEX_HV_MAIN_H */
