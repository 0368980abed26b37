// SPDX-License-Identifier: MIT
/*
 * ACPI table lookup and the MADT's CPUs (hv/acpi.h). Pure.
 */
#include "hv/acpi.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

#define SDT_HEADER_LEN 36 /* ACPI 6.5 5.2.6, table 5.4 */
#define MADT_ENTRIES_OFF 44 /* header, local APIC address, flags */

u8 acpi_byte_sum(const void *p, u32 n)
{
	const u8 *b = p;
	u8 s = 0;

	while (n--)
		s = (u8)(s + *b++);
	return s;
}

int acpi_table_checksum(const struct acpi_reader *rd, u64 pa, u32 len)
{
	u8 buf[256], s = 0;

	for (u32 off = 0; off < len; off += sizeof(buf)) {
		u32 n = MIN((u32)sizeof(buf), len - off);

		if (rd->read(rd->ctx, pa + off, buf, n))
			return -E_FAULT;
		s = (u8)(s + acpi_byte_sum(buf, n));
	}
	return s ? -E_INVAL : 0;
}

/* The length field of the table at @pa, checked to hold its header. */
static int table_len(const struct acpi_reader *rd, u64 pa, char sig[4],
		     u32 *len)
{
	u8 h[SDT_HEADER_LEN];

	if (rd->read(rd->ctx, pa, h, sizeof(h)))
		return -E_FAULT;
	memcpy(sig, h, 4);
	memcpy(len, h + 4, 4);
	if (*len < SDT_HEADER_LEN || *len > ACPI_MAX_TABLE_LEN)
		return -E_INVAL;
	return 0;
}

/* ACPI 6.5 5.2.5.3: the RSDP; *root is the XSDT (8-byte entries) or the
 * RSDT (4-byte entries). */
static int rsdp_root(const u8 *r, u32 rlen, u64 *root, u32 *entry_size)
{
	u32 rsdt;
	u64 xsdt = 0;

	if (rlen < 20 || memcmp(r, "RSD PTR ", 8) || acpi_byte_sum(r, 20))
		return -E_INVAL;
	if (r[15] >= 2 && rlen >= 36) {
		u32 xlen;

		memcpy(&xlen, r + 20, 4);
		if (xlen < 36 || xlen > rlen || acpi_byte_sum(r, xlen))
			return -E_INVAL;
		memcpy(&xsdt, r + 24, 8);
	}
	memcpy(&rsdt, r + 16, 4);
	*root = xsdt ? xsdt : rsdt;
	*entry_size = xsdt ? 8 : 4;
	return *root ? 0 : -E_INVAL;
}

int acpi_find_table(const struct acpi_reader *rd, const void *rsdp,
		    u32 rsdp_len, const char sig[4], u64 *pa, u32 *len)
{
	u64 root;
	u32 esz, rlen;
	char rsig[4];
	int ret = rsdp_root(rsdp, rsdp_len, &root, &esz);

	if (!ret)
		ret = table_len(rd, root, rsig, &rlen);
	if (!ret && memcmp(rsig, esz == 8 ? "XSDT" : "RSDT", 4))
		ret = -E_INVAL;
	if (!ret)
		ret = acpi_table_checksum(rd, root, rlen);
	if (ret)
		return ret;
	for (u32 off = SDT_HEADER_LEN; off + esz <= rlen; off += esz) {
		u64 t = 0;
		char tsig[4];
		u32 tlen;

		if (rd->read(rd->ctx, root + off, &t, esz))
			return -E_FAULT;
		/* A bad entry is skipped: the table asked for may follow. */
		if (!t || table_len(rd, t, tsig, &tlen) || memcmp(tsig, sig, 4))
			continue;
		if (acpi_table_checksum(rd, t, tlen))
			continue;
		*pa = t;
		*len = tlen;
		return 0;
	}
	return -E_NOENT;
}

static void add_cpu(struct acpi_cpu *out, u32 max, u32 *nr, u32 id, bool x2,
		    bool enabled)
{
	u32 kept = MIN(*nr, max);

	for (u32 i = 0; i < kept; i++)
		if (out[i].apic_id == id)
			return;
	if (*nr < max)
		out[*nr] = (struct acpi_cpu){ id, x2, enabled };
	(*nr)++;
}

/* ACPI 6.5 5.2.12.2 (type 0, length 8) and 5.2.12.12 (type 9, length
 * 16): flags bit 0 enabled, bit 1 online capable. An x2APIC ID of
 * 0xffffffff and an xAPIC ID of 0xff are not CPUs. */
int acpi_madt_cpus(const struct acpi_reader *rd, u64 pa, u32 len,
		   struct acpi_cpu *out, u32 max, u32 *nr)
{
	u8 e[16];

	*nr = 0;
	if (len < MADT_ENTRIES_OFF)
		return -E_INVAL;
	for (u32 off = MADT_ENTRIES_OFF; off < len;) {
		u32 flags, id;

		if (len - off < 2 || rd->read(rd->ctx, pa + off, e, 2))
			return -E_INVAL;
		if (e[1] < 2 || e[1] > len - off)
			return -E_INVAL;
		if (e[0] == 0 || e[0] == 9) {
			u32 need = e[0] == 0 ? 8 : 16;

			if (e[1] < need || rd->read(rd->ctx, pa + off, e, need))
				return -E_INVAL;
			if (e[0] == 0) {
				memcpy(&flags, e + 4, 4);
				id = e[3];
			} else {
				memcpy(&id, e + 4, 4);
				memcpy(&flags, e + 8, 4);
			}
			if ((flags & 3) && id != (e[0] == 0 ? 0xffu : ~0u))
				add_cpu(out, max, nr, id, e[0] == 9, flags & 1);
		}
		off += e[1];
	}
	return 0;
}
