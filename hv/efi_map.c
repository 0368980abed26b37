// SPDX-License-Identifier: MIT
/*
 * L1's EFI memory map (hv/efi_map.h). Pure C: builds freestanding and
 * hosted.
 */
#include "hv/efi_map.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/ranges.h"

#define CUT_PIECES 8

static int emit(struct efi_memory_desc *out, u32 *cnt, u32 max,
		const struct efi_memory_desc *d, u64 s, u64 e)
{
	if (s >= e)
		return 0;
	if (*cnt == max)
		return -E_TOOBIG;
	out[*cnt] = *d;
	out[*cnt].phys_start = s;
	out[*cnt].virt_start = d->virt_start + (s - d->phys_start);
	out[*cnt].nr_pages = (e - s) / EFI_PAGE_SIZE;
	(*cnt)++;
	return 0;
}

/* One firmware descriptor: whole, or the parts outside every cut. */
static int carve_one(const struct efi_memory_desc *d,
		     const struct mem_range *cut, u32 ncut,
		     struct efi_memory_desc *out, u32 *cnt, u32 max)
{
	struct mem_range in = { d->phys_start,
				d->phys_start + d->nr_pages * EFI_PAGE_SIZE };
	struct mem_range piece[CUT_PIECES];
	int k, ret;

	if (mb2_efi_to_e820(d->type) != MB2_MEM_AVAILABLE ||
	    !ranges_overlap(cut, ncut, in.start, in.end))
		return emit(out, cnt, max, d, in.start, in.end);
	k = ranges_subtract(&in, 1, cut, ncut, piece, CUT_PIECES);
	if (k < 0)
		return k;
	for (int j = 0; j < k; j++) {
		ret = emit(out, cnt, max, d, piece[j].start, piece[j].end);
		if (ret)
			return ret;
	}
	return 0;
}

int efi_map_carve(const u8 *descs, u32 dsize, u32 n,
		  const struct mem_range *cut, u32 ncut,
		  const struct mem_range *acpi, struct efi_memory_desc *out,
		  u32 max)
{
	u32 cnt = 0;
	int ret;

	if ((n && !descs) || dsize < sizeof(struct efi_memory_desc) ||
	    (ncut && !cut) || !out)
		return -E_INVAL;
	for (u32 i = 0; i < n; i++) {
		struct efi_memory_desc d;

		memcpy(&d, descs + (size_t)i * dsize, sizeof(d));
		if (!d.nr_pages)
			continue;
		ret = carve_one(&d, cut, ncut, out, &cnt, max);
		if (ret)
			return ret;
	}
	if (acpi && acpi->end > acpi->start) {
		const struct efi_memory_desc a = {
			.type = EFI_ACPI_RECLAIM_MEMORY,
			.phys_start = acpi->start,
			.virt_start = acpi->start,
			.nr_pages = 1,
		};

		ret = emit(out, &cnt, max, &a, acpi->start, acpi->end);
		if (ret)
			return ret;
	}
	/* Insertion sort by PhysicalStart: firmware order is nearly it. */
	for (u32 i = 1; i < cnt; i++) {
		struct efi_memory_desc x = out[i];
		u32 j = i;

		for (; j && out[j - 1].phys_start > x.phys_start; j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return (int)cnt;
}
