/* SPDX-License-Identifier: MIT */
/*
 * L1's EFI memory map (docs/boot.md): the firmware's descriptors as GRUB
 * passed them, with Modex's memory cut out and L1's ACPI root copy as ACPI
 * reclaim memory, the same carving as L1's multiboot map. Pure C.
 */
#ifndef MODEX_HV_EFI_MAP_H
#define MODEX_HV_EFI_MAP_H

#include "hv/include/types.h"
#include "hv/multiboot2.h"
#include "mm/frame.h"

/* Descriptors L1's map may hold: the firmware's plus the pieces cuts
 * make (one more per cut at most) and the ACPI page. */
#define EFI_MAP_MAX 320

/*
 * @out (room for @max) = the @n descriptors at @descs (@dsize bytes
 * apart, validated by mb2_parse) in address order, where each one whose
 * memory is available (mb2_efi_to_e820) loses the parts inside @cut
 * (@ncut page-aligned ranges: absent from the map, as a hole), then one
 * EFI_ACPI_RECLAIM_MEMORY descriptor for @acpi when it is not empty (a
 * page-aligned range that must lie in @cut too). Pieces keep their type
 * and attributes; VirtualStart moves with PhysicalStart. Empty
 * descriptors are dropped. Returns the count, -E_TOOBIG or -E_INVAL.
 */
int efi_map_carve(const u8 *descs, u32 dsize, u32 n,
		  const struct mem_range *cut, u32 ncut,
		  const struct mem_range *acpi, struct efi_memory_desc *out,
		  u32 max);

#endif /* MODEX_HV_EFI_MAP_H */
