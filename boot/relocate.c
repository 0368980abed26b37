// SPDX-License-Identifier: MIT
/*
 * Modex's move to the top of low RAM (boot/relocate.h). GRUB loaded the
 * position-independent image at its link address; this copies it, with
 * room for the pool after it, to the highest window of the available
 * region that contains 1 MiB that holds nothing GRUB placed (its boot
 * information, the modules) and not the running image, then applies the
 * image's R_X86_64_RELATIVE relocations to the copy (hv/layout.c).
 * Context: boot CPU, interrupts off, long mode on the boot page tables,
 * running where GRUB loaded the image. Nothing here may store an address
 * inside the image anywhere but on the stack: the copy would keep it.
 */
#include "boot/relocate.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/layout.h"
#include "hv/memory.h"
#include "hv/multiboot2.h"

extern char __image_start[], __image_end[];
extern const struct elf64_rela __rela_start[], __rela_end[];
extern const u64 boot_link_base; /* boot/entry.S: not relocated here */

struct boot_move boot_move;
static struct mb2_info scratch;

static int choose(u32 info_pa, u64 image, u64 size, u64 *dest)
{
	struct mb2_reserved rsv[] = {
		{ image, (u64)__image_end, "the Modex image" },
	};
	struct mem_range busy[MB2_MAX_MODULES + 2];
	u32 nb = 0;
	int ret;

	ret = mb2_parse((const void *)(u64)info_pa, info_pa, rsv,
			ARRAY_SIZE(rsv), &scratch, NULL, 0);
	if (ret)
		return ret;
	busy[nb++] = (struct mem_range){ image, (u64)__image_end };
	busy[nb++] =
		(struct mem_range){ scratch.info_phys,
				    scratch.info_phys + scratch.info_size };
	for (u32 i = 0; i < scratch.nr_modules; i++)
		busy[nb++] = (struct mem_range){ scratch.modules[i].start,
						 scratch.modules[i].end };
	ret = layout_place(scratch.regions, scratch.nr_regions, size, busy, nb,
			   dest);
	if (ret == -E_NOMEM || ret == -E_NOENT)
		ret = layout_place_largest(scratch.regions, scratch.nr_regions,
					   size, busy, nb, dest);
	return ret;
}

u64 boot_relocate(u32 magic, u32 info_pa)
{
	u64 image = (u64)__image_start;
	u64 isize = ALIGN_UP((u64)(__image_end - __image_start), PAGE_SIZE);
	u64 dest = image;
	int ret = -E_INVAL;

	boot_move = (struct boot_move){ image, image, isize, 0 };
	/* The relocations hold link-time addresses: right only there. */
	if (magic == MB2_BOOTLOADER_MAGIC && image == boot_link_base)
		ret = choose(info_pa, image, isize + MODEX_POOL_SIZE, &dest);
	if (ret) {
		boot_move.err = ret;
		return 0;
	}
	boot_move.to = dest;
	boot_move.size = isize + MODEX_POOL_SIZE;
	memcpy((void *)dest, __image_start, isize);
	ret = layout_relocate((void *)dest, isize, image, dest, __rela_start,
			      (u64)(__rela_end - __rela_start));
	if (ret) {
		/* The copy is abandoned; so is the record it carries. */
		boot_move = (struct boot_move){ image, image, isize, ret };
		return 0;
	}
	return dest - image;
}
