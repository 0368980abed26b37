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
 *    its entries minus those whose table signature is in drop[]; lengths
 *    and checksums are recomputed, and the RSDP points at the copies.
 *    *used is the number of bytes to write at gpa.
 *  - Returns 0, -E_INVAL for a malformed RSDP or root table (as
 *    acpi_find_table judges them) or a misaligned gpa, -E_TOOBIG when
 *    buf is too small or the copy would not fit below 4 GiB where an
 *    RSDT needs it, -E_FAULT when a read failed.
 */
#ifndef MODEX_HV_ACPI_COPY_H
#define MODEX_HV_ACPI_COPY_H

#include "hv/acpi.h"
#include "hv/include/types.h"

int acpi_root_copy(const struct acpi_reader *rd, const void *rsdp, u32 rsdp_len,
		   const char (*drop)[4], u32 nr_drop, u64 gpa, void *buf,
		   u32 size, u32 *used);

#endif /* MODEX_HV_ACPI_COPY_H */
