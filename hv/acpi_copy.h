/* SPDX-License-Identifier: MIT */
/*
 * L1's copy of the ACPI root: a new RSDP and XSDT (and RSDT) that list
 * every table of the firmware's root except the ones Modex keeps to
 * itself (DMAR, IVRS). The tables themselves are not copied: the new
 * root points at the firmware's. Pure: the caller chooses where in L1's
 * memory the copy will live and writes the buffer there.
 *
 * API overview
 *  - acpi_root_copy(rd, rsdp, rsdp_len, drop, nr_drop, gpa, buf, size,
 *    &used): builds, at buf, the image of memory at gpa (16-byte aligned):
 *      gpa + 0:  RSDP (20 bytes for revision 0, else 36)
 *      gpa + 48: XSDT, when the firmware's RSDP has one
 *      then:     RSDT, when the firmware's RSDP names one (8-aligned)
 *    Each root keeps its header (OEM fields, revision) and the order of
 *    its entries minus those whose table signature is in drop[]; an entry
 *    whose table's signature is in swap[] points at swap's gpa instead
 *    (below 4 GiB for an RSDT); lengths and checksums are recomputed, and
 *    the RSDP points at the copies. *used is the number of bytes to write
 *    at gpa.
 *  - acpi_madt_copy(rd, pa, len, keep, nr_keep, buf, size, &hidden):
 *    the MADT at pa (len bytes, as acpi_find_table found it) copied to
 *    buf, with every processor local APIC (type 0) and local x2APIC
 *    (type 9) entry whose APIC ID is not in keep[] made unusable (flags
 *    0: neither enabled nor online capable, ACPI 6.5 5.2.12.2, 5.2.12.12)
 *    and the checksum recomputed; *hidden counts the entries changed.
 *    0, -E_INVAL (not an MADT, a bad checksum or a malformed entry, as
 *    acpi_madt_cpus judges them), -E_TOOBIG (len > size), -E_FAULT.
 *  - acpi_rsdp_scan(p, len, offs, max): the offsets of the valid RSDPs
 *    in the @len bytes at @p, as an OS scanning the EBDA or the BIOS area
 *    finds them (16-byte aligned, wholly inside, checksums right); at
 *    most @max to offs[], the count of all returned.
 *  - Returns 0, -E_INVAL for a malformed RSDP or root table (as
 *    acpi_find_table judges them) or a misaligned gpa, -E_TOOBIG when
 *    buf is too small or the copy would not fit below 4 GiB where an
 *    RSDT needs it, -E_FAULT when a read failed.
 */
#ifndef MODEX_HV_ACPI_COPY_H
#define MODEX_HV_ACPI_COPY_H

#include "hv/acpi.h"
#include "hv/include/types.h"

/* A table the copied roots point at instead of the firmware's. */
struct acpi_swap {
	char sig[4];
	u64 gpa;
};

int acpi_root_copy(const struct acpi_reader *rd, const void *rsdp, u32 rsdp_len,
		   const char (*drop)[4], u32 nr_drop,
		   const struct acpi_swap *swap, u32 nr_swap, u64 gpa,
		   void *buf, u32 size, u32 *used);

int acpi_madt_copy(const struct acpi_reader *rd, u64 pa, u32 len,
		   const u32 *keep, u32 nr_keep, void *buf, u32 size,
		   u32 *hidden);

u32 acpi_rsdp_scan(const u8 *p, u32 len, u32 *offs, u32 max);

#endif /* MODEX_HV_ACPI_COPY_H */
