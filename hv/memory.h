/* SPDX-License-Identifier: MIT */
/*
 * Modex's memory: feeds the frame allocator from the boot memory map and
 * builds Modex's own page tables (W^X) with the mm/ builder.
 */
#ifndef MODEX_HV_MEMORY_H
#define MODEX_HV_MEMORY_H

#include "hv/multiboot2.h"

void memory_init(const struct mb2_info *info);

#endif /* MODEX_HV_MEMORY_H */
