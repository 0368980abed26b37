/* SPDX-License-Identifier: MIT */
/* Multiboot2 information parser (interface; see hv/multiboot2.c). */
#ifndef MODEX_HV_MULTIBOOT2_H
#define MODEX_HV_MULTIBOOT2_H

#include "hv/include/types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_MAX_REGIONS 128
#define MB2_MAX_MODULES 16

struct mb2_region {
	u64 base, len;
	u32 type;
};
struct mb2_module {
	u64 start, end;
	const char *cmdline;
};
struct mb2_info {
	const char *cmdline, *loader_name;
	struct mb2_region regions[MB2_MAX_REGIONS];
	u32 nr_regions;
	struct mb2_module modules[MB2_MAX_MODULES];
	u32 nr_modules;
	u64 rsdp_phys;
	u32 rsdp_len;
	u8 rsdp_rev;
	u64 info_phys, info_size;
};
struct mb2_reserved {
	u64 start, end;
	const char *what;
};

int mb2_parse(const void *info, u64 info_phys, const struct mb2_reserved *rsv,
	      unsigned nr_rsv, struct mb2_info *out, char *err, size_t errlen);

#endif /* MODEX_HV_MULTIBOOT2_H */
