/* SPDX-License-Identifier: MIT */
/*
 * Where Modex's memory goes (docs/boot.md): the image and its pool, one
 * block at the top of the available RAM region that contains 1 MiB, below
 * 4 GiB, so that L1's RAM from 1 MiB is one region as firmware reports
 * it. Pure logic (host-unit-tested): choosing the window and rebasing a
 * copy of the position-independent image; boot/relocate.c does the move.
 */
#ifndef MODEX_HV_LAYOUT_H
#define MODEX_HV_LAYOUT_H

#include "hv/elf.h"
#include "hv/include/types.h"
#include "hv/multiboot2.h"

#define LAYOUT_ONE_MIB 0x100000ULL
#define LAYOUT_4G 0x100000000ULL

/*
 * The highest page-aligned window [*base, *base + size) inside the
 * available region of @r (@n entries, any order, untrusted: overlaps and
 * overflowing lengths allowed) that contains 1 MiB, at or above 1 MiB and
 * below 4 GiB, overlapping none of @busy and no region of another type.
 * @size must be a non-zero multiple of the page size. Returns 0, -E_INVAL,
 * -E_NOENT (no available region contains 1 MiB) or -E_NOMEM (no window).
 */
int layout_place(const struct mb2_region *r, u32 n, u64 size,
		 const struct mem_range *busy, u32 nbusy, u64 *base);

/*
 * Where layout_place() finds no room (UEFI firmware splits low RAM into
 * runs between its own NVS and runtime regions): the highest window in
 * the largest available region's part in [1 MiB, 4 GiB) (the higher one
 * of two the same size), under the same rules. At that region's top,
 * Modex shortens one region of L1's map and splits none. Same returns,
 * -E_NOENT when no available RAM lies in [1 MiB, 4 GiB).
 */
int layout_place_largest(const struct mb2_region *r, u32 n, u64 size,
			 const struct mem_range *busy, u32 nbusy, u64 *base);

/*
 * Rebase @image, a copy of the @size-byte image linked at @link_base, to
 * run at @new_base: every entry of @rela (@count, read from the original,
 * not the copy) must be an R_X86_64_RELATIVE without symbol whose 8-byte
 * target lies inside the image and whose addend points into it (or just
 * past its end); the target becomes addend + (new_base - link_base). All
 * entries are checked before the first is applied. Returns 0, -E_NOSUPP
 * (another type) or -E_RANGE (a target or addend outside the image).
 */
int layout_relocate(void *image, u64 size, u64 link_base, u64 new_base,
		    const struct elf64_rela *rela, u64 count);

#endif /* MODEX_HV_LAYOUT_H */
