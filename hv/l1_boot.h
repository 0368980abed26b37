/* SPDX-License-Identifier: MIT */
/*
 * Loading the L1 module into L1's memory with the guest loader
 * (hv/loader.h): validate and place the image, build the boot information
 * and memory map its protocol defines (Modex's memory left out), and
 * describe the CPU state L1 starts in.
 * Context: boot CPU, before L1 runs; L1 RAM is identity-mapped.
 */
#ifndef MODEX_HV_L1_BOOT_H
#define MODEX_HV_L1_BOOT_H

#include "hv/loader.h"
#include "hv/multiboot2.h"
#include "hv/ranges.h"

/*
 * Load the first module of @info as L1 into @ram (L1's RAM), never over
 * @hidden (Modex's memory). 0 with @bs filled, or a negative error after
 * logging a whole sentence naming the problem.
 */
int l1_boot_load(const struct mb2_info *info, const struct mem_range *ram,
		 u32 nr_ram, const struct mem_range *hidden, u32 nr_hidden,
		 struct boot_cpu_state *bs);

#endif /* MODEX_HV_L1_BOOT_H */
