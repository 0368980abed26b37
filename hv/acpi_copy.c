// SPDX-License-Identifier: MIT
/*
 * L1's copy of the ACPI root (RSDP, XSDT, RSDT) without the tables Modex
 * keeps for itself, and L1's MADT without the CPUs it does not get
 * (hv/acpi_copy.h). Pure.
 */
#include "hv/acpi_copy.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

#define SDT_HEADER_LEN 36 /* ACPI 6.5 5.2.6 */
#define SDT_CHECKSUM 9
#define RSDP_V1_LEN 20 /* ACPI 6.5 5.2.5.3, Table 5.3 */
#define RSDP_V2_LEN 36
#define RSDP_CHECKSUM 8
#define RSDP_EXT_CHECKSUM 32
#define ROOT_COPY_OFF 48 /* after the RSDP, 16-byte aligned */

struct copy_out {
	u8 *buf;
	u32 size, off;
	u64 gpa;
};

static void put_sum(u8 *p, u32 n, u32 at)
{
	p[at] = 0;
	p[at] = (u8)-acpi_byte_sum(p, n);
}

struct copy_rules {
	const char (*drop)[4];
	u32 nr_drop;
	const struct acpi_swap *swap;
	u32 nr_swap;
};

/* 0: keep @t as is; 1: drop it; 2: replace it with *to. */
static int judge(const struct acpi_reader *rd, u64 t,
		 const struct copy_rules *cr, u64 *to)
{
	char sig[4];

	/* An entry that cannot be read is not judged: L1 gets it as is. */
	if (!t || rd->read(rd->ctx, t, sig, 4))
		return 0;
	for (u32 i = 0; i < cr->nr_drop; i++)
		if (!memcmp(sig, cr->drop[i], 4))
			return 1;
	for (u32 i = 0; i < cr->nr_swap; i++) {
		if (!memcmp(sig, cr->swap[i].sig, 4)) {
			*to = cr->swap[i].gpa;
			return 2;
		}
	}
	return 0;
}

/*
 * Copy the root table at @pa (@sig, entries of @esz bytes) to o->off,
 * without the entries whose table is dropped. *at gets its address.
 */
static int copy_root(const struct acpi_reader *rd, u64 pa, const char *sig,
		     u32 esz, const struct copy_rules *cr, struct copy_out *o,
		     u64 *at)
{
	u8 *h = o->buf + o->off;
	u32 len, n = SDT_HEADER_LEN;
	int ret;

	if (o->off > o->size || o->size - o->off < SDT_HEADER_LEN)
		return -E_TOOBIG;
	if (rd->read(rd->ctx, pa, h, SDT_HEADER_LEN))
		return -E_FAULT;
	memcpy(&len, h + 4, 4);
	if (memcmp(h, sig, 4) || len < SDT_HEADER_LEN ||
	    len > ACPI_MAX_TABLE_LEN)
		return -E_INVAL;
	ret = acpi_table_checksum(rd, pa, len);
	if (ret)
		return ret;
	for (u32 e = SDT_HEADER_LEN; e + esz <= len; e += esz) {
		u64 t = 0, to = 0;
		int j;

		if (rd->read(rd->ctx, pa + e, &t, esz))
			return -E_FAULT;
		j = judge(rd, t, cr, &to);
		if (j == 1)
			continue;
		if (j == 2 && esz == 4 && to >> 32)
			return -E_TOOBIG;
		if (j == 2)
			t = to;
		if (o->size - o->off - n < esz)
			return -E_TOOBIG;
		memcpy(h + n, &t, esz);
		n += esz;
	}
	memcpy(h + 4, &n, 4);
	put_sum(h, n, SDT_CHECKSUM);
	*at = o->gpa + o->off;
	o->off += n;
	return 0;
}

/* ACPI 6.5 5.2.5.3: the RSDP's roots, checked as acpi_find_table does. */
static int rsdp_roots(const u8 *r, u32 rlen, u64 *xsdt, u32 *rsdt)
{
	u32 xlen;

	*xsdt = 0;
	if (rlen < RSDP_V1_LEN || memcmp(r, "RSD PTR ", 8) ||
	    acpi_byte_sum(r, RSDP_V1_LEN))
		return -E_INVAL;
	memcpy(rsdt, r + 16, 4);
	if (r[15] >= 2) {
		if (rlen < RSDP_V2_LEN)
			return -E_INVAL;
		memcpy(&xlen, r + 20, 4);
		if (xlen < RSDP_V2_LEN || xlen > rlen || acpi_byte_sum(r, xlen))
			return -E_INVAL;
		memcpy(xsdt, r + 24, 8);
	}
	return *xsdt || *rsdt ? 0 : -E_INVAL;
}

int acpi_root_copy(const struct acpi_reader *rd, const void *rsdp, u32 rsdp_len,
		   const char (*drop)[4], u32 nr_drop,
		   const struct acpi_swap *swap, u32 nr_swap, u64 gpa,
		   void *buf, u32 size, u32 *used)
{
	const u8 *r = rsdp;
	const struct copy_rules cr = { drop, nr_drop, swap, nr_swap };
	struct copy_out o = { buf, size, ROOT_COPY_OFF, gpa };
	u64 xsdt, new_x = 0, new_r = 0;
	u32 rsdt, new_r32;
	u8 *p = buf;
	int ret = rsdp_roots(r, rsdp_len, &xsdt, &rsdt);

	if (ret)
		return ret;
	if (gpa & 15)
		return -E_INVAL;
	if (size < ROOT_COPY_OFF)
		return -E_TOOBIG;
	memset(buf, 0, ROOT_COPY_OFF);
	if (xsdt)
		ret = copy_root(rd, xsdt, "XSDT", 8, &cr, &o, &new_x);
	o.off = ALIGN_UP(o.off, 8);
	if (!ret && rsdt)
		ret = copy_root(rd, rsdt, "RSDT", 4, &cr, &o, &new_r);
	if (ret)
		return ret;
	/* The RSDT holds 32-bit addresses, its own included. */
	if (rsdt && (new_r + SDT_HEADER_LEN > (1ULL << 32) ||
		     gpa + o.off > (1ULL << 32)))
		return -E_TOOBIG;
	new_r32 = (u32)new_r;
	memcpy(p, r, RSDP_V1_LEN);
	memcpy(p + 16, &new_r32, 4);
	if (r[15] >= 2) {
		u32 l = RSDP_V2_LEN;

		memcpy(p + 20, &l, 4);
		memcpy(p + 24, &new_x, 8);
		memcpy(p + 33, r + 33, 3);
	}
	put_sum(p, RSDP_V1_LEN, RSDP_CHECKSUM);
	if (r[15] >= 2)
		put_sum(p, RSDP_V2_LEN, RSDP_EXT_CHECKSUM);
	*used = o.off;
	return 0;
}

#define MADT_ENTRIES_OFF 44 /* ACPI 6.5 5.2.12, Table 5.19 */

static bool kept(const u32 *keep, u32 n, u32 id)
{
	for (u32 i = 0; i < n; i++)
		if (keep[i] == id)
			return true;
	return false;
}

int acpi_madt_copy(const struct acpi_reader *rd, u64 pa, u32 len,
		   const u32 *keep, u32 nr_keep, void *buf, u32 size,
		   u32 *hidden)
{
	u8 *t = buf;

	*hidden = 0;
	if (len > size)
		return -E_TOOBIG;
	if (len < MADT_ENTRIES_OFF)
		return -E_INVAL;
	if (rd->read(rd->ctx, pa, buf, len))
		return -E_FAULT;
	if (memcmp(t, "APIC", 4) || acpi_byte_sum(t, len))
		return -E_INVAL;
	for (u32 off = MADT_ENTRIES_OFF; off < len;) {
		u8 *e = t + off;
		u32 id, flags, at;

		if (len - off < 2 || e[1] < 2 || e[1] > len - off)
			return -E_INVAL;
		if (e[0] == 0 || e[0] == 9) {
			/* 5.2.12.2: ID byte 3, flags 4; 5.2.12.12: ID 4,
			 * flags 8. */
			if (e[1] < (e[0] == 0 ? 8 : 16))
				return -E_INVAL;
			id = e[3];
			if (e[0] == 9)
				memcpy(&id, e + 4, 4);
			at = e[0] == 0 ? 4 : 8;
			memcpy(&flags, e + at, 4);
			if ((flags & 3) && !kept(keep, nr_keep, id)) {
				flags &= ~3u;
				memcpy(e + at, &flags, 4);
				(*hidden)++;
			}
		}
		off += e[1];
	}
	put_sum(t, len, SDT_CHECKSUM);
	return 0;
}

/* ACPI 6.5 5.2.5.1: "RSD PTR " on a 16-byte boundary; 5.2.5.3: the first
 * 20 bytes sum to 0, and from revision 2 on the whole structure too. */
u32 acpi_rsdp_scan(const u8 *p, u32 len, u32 *offs, u32 max)
{
	u32 n = 0;

	for (u32 o = 0; o + RSDP_V1_LEN <= len; o += 16) {
		u32 xlen;

		if (memcmp(p + o, "RSD PTR ", 8) ||
		    acpi_byte_sum(p + o, RSDP_V1_LEN))
			continue;
		if (p[o + 15] >= 2) {
			if (len - o < RSDP_V2_LEN)
				continue;
			memcpy(&xlen, p + o + 20, 4);
			if (xlen < RSDP_V2_LEN || xlen > len - o ||
			    acpi_byte_sum(p + o, xlen))
				continue;
		}
		if (n < max)
			offs[n] = o;
		n++;
	}
	return n;
}
