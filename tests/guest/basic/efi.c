// SPDX-License-Identifier: MIT
/*
 * l1_basic's "efi" check, on UEFI boots only (Multiboot2 tags 12 and 17 in
 * L1's information): the EFI memory map L1 gets is sorted, free of
 * overlaps, agrees page for page with the multiboot map about what is
 * available RAM, and leaves out Modex's memory; the system table pointer
 * leads to an EFI system table. The EFI types are read with this file's
 * own table (UEFI 2.10 7.2.1), not Modex's.
 */
#include "tests/guest/basic/checks.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/guest.h"

#define EFI_PAGE 4096ULL
/* UEFI 2.10 4.3.1: EFI_SYSTEM_TABLE_SIGNATURE, "IBI SYST". */
#define EFI_SYSTEM_TABLE_SIGNATURE 0x5453595320494249ULL

struct efi_desc {
	u32 type, pad;
	u64 phys, virt, pages, attr;
};

static struct efi_desc desc(u32 i)
{
	struct efi_desc d;

	memcpy(&d, guest_boot.efi_mmap + (u64)i * guest_boot.efi_desc_size,
	       sizeof(d));
	return d;
}

/* Loader code/data (1, 2), boot services code/data (3, 4), conventional
 * (7): free after ExitBootServices() (UEFI 2.10 7.2.1, "Memory Type
 * Usage after ExitBootServices()"; ACPI 6.4 Table 15.6). */
static bool efi_free(u32 type)
{
	return (type >= 1 && type <= 4) || type == 7;
}

bool efi_map_has(u64 pa)
{
	for (u32 i = 0; i < guest_boot.efi_nr_desc; i++) {
		struct efi_desc d = desc(i);

		if (pa >= d.phys && pa - d.phys < d.pages * EFI_PAGE)
			return true;
	}
	return false;
}

/* Bytes of free EFI memory inside [s, e). */
static u64 efi_free_in(u64 s, u64 e)
{
	u64 sum = 0;

	for (u32 i = 0; i < guest_boot.efi_nr_desc; i++) {
		struct efi_desc d = desc(i);
		u64 ds = d.phys, de = d.phys + d.pages * EFI_PAGE;

		if (!efi_free(d.type) || de <= s || ds >= e)
			continue;
		sum += MIN(de, e) - MAX(ds, s);
	}
	return sum;
}

static bool in_available(u64 s, u64 e)
{
	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (r->type == GUEST_MEM_AVAILABLE && s >= r->base &&
		    e <= r->base + r->len)
			return true;
	}
	return false;
}

int check_efi(void)
{
	u64 prev_end = 0, free_bytes = 0, avail_bytes = 0;
	u32 bad_order = 0, bad_free = 0;

	GINFO("EFI memory map: %u descriptors of %u bytes; system table %#llx\n",
	      guest_boot.efi_nr_desc, guest_boot.efi_desc_size,
	      (unsigned long long)guest_boot.efi_systab);
	for (u32 i = 0; i < guest_boot.efi_nr_desc; i++) {
		struct efi_desc d = desc(i);
		u64 end = d.phys + d.pages * EFI_PAGE;

		if (d.phys < prev_end || d.phys % EFI_PAGE || !d.pages)
			bad_order++;
		prev_end = end;
		if (efi_free(d.type)) {
			free_bytes += end - d.phys;
			if (!in_available(d.phys, end))
				bad_free++;
		}
	}
	GCHECK(!bad_order,
	       "%u EFI descriptors out of order, overlapping or empty",
	       bad_order);
	GCHECK(!bad_free, "%u free EFI descriptors outside available RAM",
	       bad_free);
	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (r->type != GUEST_MEM_AVAILABLE)
			continue;
		avail_bytes += r->len;
		GCHECK(efi_free_in(r->base, r->base + r->len) == r->len,
		       "available [%#llx, %#llx) is not all free EFI memory",
		       (unsigned long long)r->base,
		       (unsigned long long)(r->base + r->len));
	}
	GCHECK(free_bytes == avail_bytes,
	       "free EFI memory %llu bytes, available RAM %llu bytes",
	       (unsigned long long)free_bytes, (unsigned long long)avail_bytes);
	GCHECK(guest_boot.efi_systab && guest_boot.efi_systab < (1ULL << 32) &&
		       *(volatile u64 *)guest_boot.efi_systab ==
			       EFI_SYSTEM_TABLE_SIGNATURE,
	       "no EFI system table at %#llx",
	       (unsigned long long)guest_boot.efi_systab);
	return 0;
}
