// SPDX-License-Identifier: MIT
/*
 * Unit tests for hv/efi_map.c: L1's EFI memory map is the firmware's with
 * Modex's memory cut out of available descriptors only, the ACPI copy's
 * page as ACPI reclaim memory, in address order, with hostile input.
 */
#include "hv/efi_map.h"

#include "hv/include/err.h"
#include "tests/unit/harness.h"

#define PG 4096ULL

static u8 buf[64 * 48];

static void put(u32 i, u32 dsize, u32 type, u64 base, u64 pages, u64 attr)
{
	struct efi_memory_desc d = { type,  0,	 base, base + 0x1000000,
				     pages, attr };

	memcpy(buf + i * dsize, &d, sizeof(d));
}

TEST(cut_modex_and_add_acpi_page)
{
	/* Conventional [1 MiB, 64 MiB) holds Modex [48, 50) MiB and the ACPI
	 * copy at 1 MiB + 64 KiB; runtime data above is never cut. */
	const struct mem_range cut[] = { { 0x3000000, 0x3200000 },
					 { 0x110000, 0x111000 } };
	const struct mem_range acpi = { 0x110000, 0x111000 };
	struct efi_memory_desc out[16];
	int n;

	memset(buf, 0, sizeof(buf));
	put(0, 48, EFI_RUNTIME_SERVICES_DATA, 0x4000000, 16,
	    EFI_MEMORY_RUNTIME | 0xf);
	put(1, 48, EFI_CONVENTIONAL_MEMORY, 0x100000, 0x3f00, 0xf);
	put(2, 48, EFI_BOOT_SERVICES_DATA, 0, 0, 0xf); /* empty: dropped */
	n = efi_map_carve(buf, 48, 3, cut, 2, &acpi, out, 16);
	REQUIRE(n == 5);
	CHECK_EQ(out[0].phys_start, 0x100000);
	CHECK_EQ(out[0].nr_pages, 0x10);
	CHECK_EQ(out[0].type, EFI_CONVENTIONAL_MEMORY);
	CHECK_EQ(out[1].phys_start, 0x110000);
	CHECK_EQ(out[1].type, EFI_ACPI_RECLAIM_MEMORY);
	CHECK_EQ(out[1].nr_pages, 1);
	CHECK_EQ(out[2].phys_start, 0x111000);
	CHECK_EQ(out[2].nr_pages, (0x3000000 - 0x111000) / PG);
	CHECK_EQ(out[2].virt_start, 0x111000 + 0x1000000);
	CHECK_EQ(out[2].attribute, 0xf);
	CHECK_EQ(out[3].phys_start, 0x3200000);
	CHECK_EQ(out[3].nr_pages, (0x4000000 - 0x3200000) / PG);
	CHECK_EQ(out[4].type, EFI_RUNTIME_SERVICES_DATA);
	CHECK_EQ(out[4].attribute, EFI_MEMORY_RUNTIME | 0xf);
	/* Nothing of Modex is left in any descriptor. */
	for (int i = 0; i < n; i++) {
		u64 s = out[i].phys_start, e = s + out[i].nr_pages * PG;

		CHECK(e <= 0x3000000 || s >= 0x3200000);
	}
}

TEST(reserved_descriptors_pass_whole)
{
	/* A cut over MMIO (an IOMMU's registers) removes no descriptor:
	 * only available memory is carved, as in L1's multiboot map. */
	const struct mem_range cut[] = { { 0xfed90000, 0xfed91000 } };
	struct efi_memory_desc out[4];

	put(0, 40, EFI_MEMORY_MAPPED_IO, 0xfed00000, 0x100, 1);
	REQUIRE(efi_map_carve(buf, 40, 1, cut, 1, NULL, out, 4) == 1);
	CHECK_EQ(out[0].nr_pages, 0x100);
}

TEST(bounds_and_bad_input)
{
	const struct mem_range cut[] = { { 0x200000, 0x201000 },
					 { 0x300000, 0x301000 } };
	struct efi_memory_desc out[4];

	put(0, 48, EFI_CONVENTIONAL_MEMORY, 0x100000, 0x300, 0);
	/* Three pieces do not fit in two. */
	CHECK_EQ(efi_map_carve(buf, 48, 1, cut, 2, NULL, out, 2), -E_TOOBIG);
	CHECK_EQ(efi_map_carve(buf, 48, 1, cut, 2, NULL, out, 3), 3);
	CHECK_EQ(efi_map_carve(buf, 32, 1, cut, 2, NULL, out, 3), -E_INVAL);
	CHECK_EQ(efi_map_carve(NULL, 48, 1, cut, 2, NULL, out, 3), -E_INVAL);
	CHECK_EQ(efi_map_carve(buf, 48, 1, NULL, 2, NULL, out, 3), -E_INVAL);
	CHECK_EQ(efi_map_carve(buf, 48, 0, NULL, 0, NULL, out, 3), 0);
}
