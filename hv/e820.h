/* SPDX-License-Identifier: MIT */
/*
 * The e820 memory map the Linux boot protocol hands a kernel
 * (boot_params.e820_table, Documentation/arch/x86/zero-page.rst), built
 * from the same L1 map the multiboot protocols get. Pure C.
 */
#ifndef MODEX_HV_E820_H
#define MODEX_HV_E820_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "hv/loader.h"

/* The zero page holds at most 128 entries (e820_table at 0x2d0). */
#define E820_MAX_ENTRIES 128

/* e820 types are the multiboot ones (ACPI 6.5 15.1, Table 15.1). */
struct boot_e820_entry {
	u64 addr; /* 0x00 */
	u64 size; /* 0x08 */
	u32 type; /* 0x10 */
} __packed;
_Static_assert(sizeof(struct boot_e820_entry) == 20, "boot_e820_entry");
_Static_assert(offsetof(struct boot_e820_entry, type) == 16, "boot_e820_entry");

/*
 * @out (room for @max <= E820_MAX_ENTRIES entries) = @map sorted by
 * address, zero-length entries dropped, where entries overlap the more
 * restrictive type wins (available < ACPI reclaimable < any other type,
 * ordered by number), and touching entries of one type merged. Returns
 * the number of entries, -E_TOOBIG if more than @max are needed, or
 * -E_INVAL.
 */
int e820_build(const struct l1_mem_region *map, unsigned n,
	       struct boot_e820_entry *out, unsigned max);

#endif /* MODEX_HV_E820_H */
