/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables as Modex reads them: from the RSDP the boot loader handed
 * over, through the XSDT (or RSDT) to a table by signature, and the CPUs
 * of the MADT. Firmware tables are checked like any other input (lengths,
 * checksums, entries inside their table). Pure: memory is read through a
 * callback, so host unit tests feed it fake tables.
 */
#ifndef MODEX_HV_ACPI_H
#define MODEX_HV_ACPI_H

#include "hv/include/types.h"

/* Copy @len bytes at physical address @pa to @buf; 0 or -E_FAULT. */
typedef int (*acpi_read_fn)(void *ctx, u64 pa, void *buf, u32 len);

struct acpi_reader {
	acpi_read_fn read;
	void *ctx;
};

#define ACPI_MAX_TABLE_LEN (1u << 20) /* larger tables are refused */

/* The byte sum of @n bytes (0 for a valid ACPI checksum, ACPI 6.5
 * 5.2.5.3, 5.2.6). */
u8 acpi_byte_sum(const void *p, u32 n);
/* 0 if the @len-byte table at @pa sums to 0, -E_INVAL if not, -E_FAULT
 * when a read failed (read in chunks: up to ACPI_MAX_TABLE_LEN). */
int acpi_table_checksum(const struct acpi_reader *rd, u64 pa, u32 len);

/*
 * Find the table with signature @sig (4 characters) through the RSDP copy
 * @rsdp (@rsdp_len bytes: 20 for ACPI 1.0, else its length field): the
 * XSDT when the RSDP has one, else the RSDT. 0 with *pa, *len of the
 * table (its checksum verified), -E_NOENT when there is none, -E_INVAL
 * for a malformed RSDP or root table, -E_FAULT when a read failed.
 */
int acpi_find_table(const struct acpi_reader *rd, const void *rsdp,
		    u32 rsdp_len, const char sig[4], u64 *pa, u32 *len);

struct acpi_cpu {
	u32 apic_id;
	bool x2apic_entry; /* from a processor local x2APIC structure */
	bool enabled; /* flags bit 0; else only online capable */
};

/*
 * The CPUs of the MADT at @pa (@len bytes): processor local APIC (type 0)
 * and local x2APIC (type 9) structures that are enabled or online capable
 * (ACPI 6.5 5.2.12.2, 5.2.12.12), in table order, without duplicates.
 * At most @max go to @out; *nr counts all of them. 0, or -E_INVAL for a
 * malformed table (an entry overrunning it or shorter than its type).
 */
int acpi_madt_cpus(const struct acpi_reader *rd, u64 pa, u32 len,
		   struct acpi_cpu *out, u32 max, u32 *nr);

#endif /* MODEX_HV_ACPI_H */
