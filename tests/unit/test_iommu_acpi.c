// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the DMAR/IVRS parsers (hv/iommu_acpi.c) and of L1's
 * copy of the ACPI root (hv/acpi_copy.c): hand-built tables, hostile
 * variants of each field, and random bytes under a reader that records
 * every read outside the table being parsed.
 */
#include "tests/unit/harness.h"

#include <string.h>

#include "hv/acpi.h"
#include "hv/acpi_copy.h"
#include "hv/include/err.h"
#include "hv/iommu_acpi.h"
#include "tests/unit/support/rng.h"

#define MEM_BASE 0xe0000u
#define MEM_SIZE 0x10000u
#define TBL 0xe1000u /* the DMAR/IVRS under test */

static unsigned char mem[MEM_SIZE];
static u64 win_lo, win_hi; /* reads must stay inside, when set */
static unsigned long stray_reads;

static int fake_read(void *ctx, u64 pa, void *buf, u32 len)
{
	(void)ctx;
	if (win_hi && (pa < win_lo || pa + len > win_hi))
		stray_reads++;
	if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE ||
	    len > MEM_SIZE - (pa - MEM_BASE))
		return -E_FAULT;
	memcpy(buf, mem + (pa - MEM_BASE), len);
	return 0;
}

static const struct acpi_reader rd = { fake_read, NULL };

static unsigned char *at(u32 pa)
{
	return mem + (pa - MEM_BASE);
}

/* ------------------------------------------------------- table builder */

static u32 tlen; /* bytes of the table at TBL so far */

static void put(const void *p, u32 n)
{
	memcpy(at(TBL) + tlen, p, n);
	tlen += n;
}

static void put8(u8 v)
{
	put(&v, 1);
}

static void put16(u16 v)
{
	put(&v, 2);
}

static void put32(u32 v)
{
	put(&v, 4);
}

static void put64(u64 v)
{
	put(&v, 8);
}

static void fix_sum(unsigned char *p, u32 len, u32 sum_off)
{
	unsigned char s = 0;

	p[sum_off] = 0;
	for (u32 i = 0; i < len; i++)
		s = (unsigned char)(s + p[i]);
	p[sum_off] = (unsigned char)-s;
}

static void begin(const char *sig)
{
	memset(mem, 0, sizeof(mem));
	tlen = 0;
	put(sig, 4);
	put32(0);
	put8(1);
	put8(0);
	put("OEMID ", 6);
	put("OEMTABLE", 8);
	put32(1);
	put32(1);
	put32(1);
}

static void finish(void)
{
	memcpy(at(TBL) + 4, &tlen, 4);
	fix_sum(at(TBL), tlen, 9);
}

/* A structure's 16-bit length at @start, once it is complete. */
static void set_len16(u32 start)
{
	u16 l = (u16)(tlen - start);

	memcpy(at(TBL) + start + 2, &l, 2);
}

/* ================================================================ DMAR */

static void dmar_header(u8 haw_minus_1, u8 flags)
{
	begin("DMAR");
	put8(haw_minus_1);
	put8(flags);
	for (int i = 0; i < 10; i++)
		put8(0);
}

static u32 drhd(u8 flags, u8 size, u16 seg, u64 base)
{
	u32 s = tlen;

	put16(0);
	put16(0);
	put8(flags);
	put8(size);
	put16(seg);
	put64(base);
	return s;
}

static u32 rmrr(u16 seg, u64 base, u64 limit)
{
	u32 s = tlen;

	put16(1);
	put16(0);
	put16(0);
	put16(seg);
	put64(base);
	put64(limit);
	return s;
}

static void scope(u8 type, u8 enum_id, u8 bus, const u8 *path, u8 hops)
{
	put8(type);
	put8((u8)(6 + 2 * hops));
	put16(0);
	put8(enum_id);
	put8(bus);
	put(path, 2u * hops);
}

/* DRHD 0: 00:02.0; DRHD 1: everything else, IOAPIC, HPET; RMRR; ATSR. */
static void dmar_sample(void)
{
	u32 s;

	dmar_header(45, 1);
	s = drhd(0, 0, 0, 0xfed90000);
	scope(1, 0, 0, (const u8[]){ 2, 0 }, 1);
	set_len16(s);
	s = drhd(1, 1, 0, 0xfed91000);
	scope(3, 8, 0xf0, (const u8[]){ 0x1f, 0 }, 1);
	scope(4, 0, 0, (const u8[]){ 0x1f, 7 }, 1);
	set_len16(s);
	s = rmrr(0, 0x7c000000, 0x7c7fffff);
	scope(1, 0, 0, (const u8[]){ 0x14, 0 }, 1);
	set_len16(s);
	s = tlen; /* ATSR */
	put16(2);
	put16(0);
	put8(0);
	put8(0);
	put16(0);
	scope(2, 0, 0, (const u8[]){ 0x1c, 0 }, 1);
	set_len16(s);
	finish();
}

static int dmar(struct iommu_acpi *a, const struct iommu_pci *pci)
{
	return dmar_parse(&rd, TBL, tlen, pci, a);
}

static struct iommu_acpi A;

TEST(dmar_units_devices_regions)
{
	dmar_sample();
	REQUIRE(dmar(&A, NULL) == 0);
	CHECK_EQ(A.kind, IOMMU_VTD);
	CHECK_EQ(A.haw, 46);
	CHECK_EQ(A.dmar_flags, 1);
	REQUIRE(A.nr_units == 2);
	CHECK_EQ(A.units[0].base, 0xfed90000);
	CHECK_EQ(A.units[0].size, 0x1000);
	CHECK_EQ(A.units[0].flags, 0);
	CHECK_EQ(A.units[1].base, 0xfed91000);
	CHECK_EQ(A.units[1].size, 0x2000);
	CHECK_EQ(A.units[1].flags, IOMMU_UNIT_ALL);
	REQUIRE(A.nr_devs == 4);
	CHECK_EQ(A.devs[0].first, 0x0010);
	CHECK_EQ(A.devs[0].owner, 0);
	CHECK_EQ(A.devs[1].kind, IOMMU_DEV_IOAPIC);
	CHECK_EQ(A.devs[1].enum_id, 8);
	CHECK_EQ(A.devs[1].first, 0xf0f8);
	CHECK_EQ(A.devs[2].kind, IOMMU_DEV_HPET);
	CHECK_EQ(A.devs[3].owner_kind, IOMMU_OWNER_REGION);
	CHECK_EQ(A.devs[3].first, 0x00a0);
	REQUIRE(A.nr_regions == 1);
	CHECK_EQ(A.regions[0].base, 0x7c000000);
	CHECK_EQ(A.regions[0].end, 0x7c800000);
	CHECK_EQ(A.regions[0].flags,
		 IOMMU_REGION_UNITY | IOMMU_REGION_READ | IOMMU_REGION_WRITE);
	CHECK_EQ(iommu_unit_for(&A, 0, 0x0010), 0);
	CHECK_EQ(iommu_unit_for(&A, 0, 0x00a0), 1);
	CHECK_EQ(iommu_unit_for(&A, 1, 0x0010), -E_NOENT);
}

/* Bridges: 00:1c.0 -> buses 2..3, 02:00.0 -> bus 3. */
static int bridges(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn, u8 *sec, u8 *sub)
{
	(void)ctx;
	if (seg == 0 && bus == 0 && dev == 0x1c && fn == 0) {
		*sec = 2;
		*sub = 3;
		return 0;
	}
	if (seg == 0 && bus == 2 && dev == 0 && fn == 0) {
		*sec = 3;
		*sub = 3;
		return 0;
	}
	return -E_NOENT;
}

TEST(dmar_scope_paths_through_bridges)
{
	struct iommu_pci pci = { bridges, NULL };
	u32 s;

	dmar_header(38, 0);
	s = drhd(0, 0, 0, 0xfed90000);
	scope(2, 0, 0, (const u8[]){ 0x1c, 0, 0, 0 }, 2);
	scope(1, 0, 0, (const u8[]){ 0x1c, 0, 0, 0, 5, 1 }, 3);
	set_len16(s);
	finish();
	REQUIRE(dmar(&A, &pci) == 0);
	REQUIRE(A.nr_devs == 3);
	CHECK_EQ(A.devs[0].kind, IOMMU_DEV_BRIDGE);
	CHECK_EQ(A.devs[0].first, 0x0200);
	CHECK_EQ(A.devs[1].first, 0x0300);
	CHECK_EQ(A.devs[1].last, 0x03ff);
	CHECK_EQ(A.devs[2].first, 0x0329); /* 03:05.1 */
	CHECK_EQ(iommu_unit_for(&A, 0, 0x0310), 0);
	CHECK_EQ(iommu_unit_for(&A, 0, 0x0410), -E_NOENT);
	/* Without config space the scopes are kept, marked unresolved. */
	REQUIRE(dmar(&A, NULL) == 0);
	REQUIRE(A.nr_devs == 2);
	CHECK(A.devs[0].flags & IOMMU_DEV_UNRESOLVED);
	CHECK(A.devs[1].flags & IOMMU_DEV_UNRESOLVED);
	CHECK_EQ(A.devs[1].path_len, 3);
	CHECK_EQ(A.devs[1].path[2][0], 5);
}

static void poke16(u32 off, u16 v)
{
	memcpy(at(TBL) + off, &v, 2);
	finish();
}

static void poke64(u32 off, u64 v)
{
	memcpy(at(TBL) + off, &v, 8);
	finish();
}

TEST(dmar_hostile_fields)
{
	u32 s;

	/* Offsets in dmar_sample(): DRHD0 at 48 (len 24), DRHD1 at 72. */
	dmar_sample();
	poke16(50, 3); /* structure shorter than its header */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	poke16(50, 0x4000); /* beyond the table */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	poke16(50, 12); /* DRHD shorter than 16 */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	poke64(56, 0); /* register base 0 */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	poke64(56, 0xfed90800); /* unaligned */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	poke64(56, 0xfed92000); /* inside DRHD1's two pages */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	poke64(56, 1ULL << 46); /* beyond the host address width */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	at(TBL)[65] = 5; /* scope length 5 */
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	at(TBL)[65] = 9; /* odd, and past the structure */
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	at(TBL)[70] = 32; /* device number 32 */
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	at(TBL)[36] = 20; /* a 21-bit host address width */
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	memcpy(at(TBL), "DMAX", 4);
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_sample();
	CHECK_EQ(dmar_parse(&rd, TBL, tlen - 4, NULL, &A), -E_INVAL);

	/* RMRR: limit below base, unaligned base, limit at the top. */
	dmar_header(45, 0);
	drhd(1, 0, 0, 0xfed90000);
	set_len16(48);
	s = rmrr(0, 0x7c000000, 0x7bffffff);
	set_len16(s);
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	poke64(s + 8, 0x7b000800);
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	poke64(s + 8, 0x7b000000);
	CHECK_EQ(dmar(&A, NULL), 0);
	poke64(s + 16, ~0ULL);
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);

	/* No unit at all; two catch-alls; a unit after the catch-all. */
	dmar_header(45, 0);
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	dmar_header(45, 0);
	drhd(1, 0, 0, 0xfed90000);
	set_len16(48);
	s = drhd(1, 0, 0, 0xfed91000);
	set_len16(s);
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	poke16(s + 4, 0); /* second one not catch-all, still after it */
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
	poke16(s + 6, 1); /* another segment: fine */
	CHECK_EQ(dmar(&A, NULL), 0);

	/* One device behind two units. */
	dmar_header(45, 0);
	s = drhd(0, 0, 0, 0xfed90000);
	scope(1, 0, 0, (const u8[]){ 2, 0 }, 1);
	set_len16(s);
	s = drhd(0, 0, 0, 0xfed91000);
	scope(1, 0, 0, (const u8[]){ 2, 0 }, 1);
	set_len16(s);
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_INVAL);
}

TEST(dmar_too_many_units)
{
	dmar_header(45, 0);
	for (u32 i = 0; i <= IOMMU_MAX_UNITS; i++)
		set_len16(drhd(0, 0, 0, 0xfed00000 + 0x1000 * i));
	finish();
	CHECK_EQ(dmar(&A, NULL), -E_TOOBIG);
}

/* ================================================================ IVRS */

static void ivrs_header(u32 ivinfo)
{
	begin("IVRS");
	put32(ivinfo);
	put64(0);
}

static u32 ivhd(u8 type, u16 devid, u64 base, u16 seg)
{
	u32 s = tlen;

	put8(type);
	put8(0xb0);
	put16(0);
	put16(devid);
	put16(0x40);
	put64(base);
	put16(seg);
	put16(0);
	put32(0x80048f6e);
	if (type != 0x10) {
		put64(0x1234);
		put64(0);
	}
	return s;
}

static void dev4(u8 type, u16 id, u8 dte)
{
	put8(type);
	put16(id);
	put8(dte);
}

static void ivmd(u8 type, u8 flags, u16 id, u16 aux, u64 start, u64 len)
{
	put8(type);
	put8(flags);
	put16(32);
	put16(id);
	put16(aux);
	put16(type == 0x22 ? 1 : 0); /* segment */
	put16(0);
	put32(0);
	put64(start);
	put64(len);
}

/* IVHD 10h and 11h for one IOMMU, a second IOMMU (10h only), IVMDs. */
static u32 ivrs_10h_start;

static void ivrs_sample(void)
{
	u32 s;

	ivrs_header(0x00203043);
	s = ivrs_10h_start = ivhd(0x10, 0x0002, 0xfeb80000, 0);
	dev4(2, 0x0008, 0);
	dev4(3, 0x0010, 0);
	dev4(4, 0x00ff, 0);
	set_len16(s);
	s = ivhd(0x11, 0x0002, 0xfeb80000, 0);
	dev4(1, 0, 0);
	dev4(3, 0x0010, 0);
	dev4(4, 0x00ff, 0);
	put8(0x42); /* alias select 01:00.0 -> 01:00.1 */
	put16(0x0100);
	put8(0);
	put8(0);
	put16(0x0101);
	put8(0);
	put8(0x46); /* extended select 02:00.0 */
	put16(0x0200);
	put8(0);
	put32(0);
	put8(0x48); /* special: IOAPIC 0x21 at 00:14.0 */
	put16(0);
	put8(0xd7);
	put8(0x21);
	put16(0x00a0);
	put8(1);
	put8(0xf0); /* ACPI HID device, UID "AB" */
	put16(0x00a5);
	put8(0x40);
	put("AMDI0020", 8);
	put64(0);
	put8(2);
	put8(2);
	put("AB", 2);
	dev4(0, 0, 0); /* pad */
	set_len16(s);
	s = ivhd(0x10, 0x4002, 0xfeb84000, 0);
	dev4(3, 0x4000, 0);
	dev4(4, 0x40ff, 0);
	set_len16(s);
	ivmd(0x21, 7, 0x0010, 0, 0x7d000000, 0x100000);
	ivmd(0x22, 1, 0x0100, 0x01ff, 0x7e000000, 0x2000);
	ivmd(0x20, 9, 0, 0, 0x7f000000, 0x1000);
	finish();
}

static int ivrs(struct iommu_acpi *a)
{
	return ivrs_parse(&rd, TBL, tlen, a);
}

TEST(ivrs_units_devices_regions)
{
	ivrs_sample();
	REQUIRE(ivrs(&A) == 0);
	CHECK_EQ(A.kind, IOMMU_AMDVI);
	CHECK_EQ(A.haw, 0x30);
	REQUIRE(A.nr_units == 2);
	/* The 11h block replaces the 10h one for the same IOMMU. */
	CHECK_EQ(A.units[0].type, 0x11);
	CHECK_EQ(A.units[0].base, 0xfeb80000);
	CHECK_EQ(A.units[0].devid, 0x0002);
	CHECK_EQ(A.units[0].cap_off, 0x40);
	CHECK_EQ(A.units[0].efr, 0x1234);
	CHECK_EQ(A.units[0].flags, IOMMU_UNIT_ALL);
	CHECK_EQ(A.units[1].type, 0x10);
	CHECK_EQ(A.units[1].base, 0xfeb84000);
	REQUIRE(A.nr_devs == 7);
	CHECK_EQ(A.devs[0].first, 0x0010);
	CHECK_EQ(A.devs[0].last, 0x00ff);
	CHECK_EQ(A.devs[1].flags, IOMMU_DEV_ALIAS);
	CHECK_EQ(A.devs[1].alias_id, 0x0101);
	CHECK_EQ(A.devs[2].first, 0x0200);
	CHECK_EQ(A.devs[3].kind, IOMMU_DEV_IOAPIC);
	CHECK_EQ(A.devs[3].enum_id, 0x21);
	CHECK_EQ(A.devs[3].first, 0x00a0);
	CHECK_EQ(A.devs[4].owner, 1);
	CHECK_EQ(A.devs[4].last, 0x40ff);
	CHECK_EQ(A.devs[5].owner_kind, IOMMU_OWNER_REGION);
	CHECK_EQ(A.devs[5].first, 0x0010);
	CHECK_EQ(A.devs[5].last, 0x0010);
	CHECK_EQ(A.devs[6].first, 0x0100);
	CHECK_EQ(A.devs[6].last, 0x01ff);
	CHECK_EQ(A.devs[6].segment, 1);
	CHECK_EQ(A.regions[1].segment, 1);
	REQUIRE(A.nr_regions == 3);
	CHECK_EQ(A.regions[0].flags,
		 IOMMU_REGION_UNITY | IOMMU_REGION_READ | IOMMU_REGION_WRITE);
	CHECK_EQ(A.regions[0].end, 0x7d100000);
	CHECK_EQ(A.regions[2].flags, IOMMU_REGION_UNITY | IOMMU_REGION_EXCL |
					     IOMMU_REGION_ALL_DEVS);
	CHECK_EQ(iommu_unit_for(&A, 0, 0x4010), 1);
	CHECK_EQ(iommu_unit_for(&A, 0, 0x0300), 0); /* the "all" entry */
	/* With the 11h block turned into an unknown type, 10h counts. */
	at(TBL)[ivrs_10h_start + 36] = 0x12;
	finish();
	REQUIRE(ivrs(&A) == 0);
	CHECK_EQ(A.units[0].type, 0x10);
	CHECK_EQ(A.units[0].flags, 0);
	CHECK_EQ(A.devs[0].first, 0x0008);
	CHECK_EQ(iommu_unit_for(&A, 0, 0x0300), -E_NOENT);
}

static void ivrs_one(void (*entries)(void))
{
	u32 s;

	ivrs_header(0x00203043);
	s = ivhd(0x10, 0x0002, 0xfeb80000, 0);
	entries();
	set_len16(s);
	finish();
}

static void e_open_range(void)
{
	dev4(3, 0x10, 0);
}

static void e_end_alone(void)
{
	dev4(4, 0x10, 0);
}

static void e_nested_start(void)
{
	dev4(3, 0x10, 0);
	dev4(0x43, 0x20, 0);
	put32(0);
	dev4(4, 0x30, 0);
}

static void e_backwards(void)
{
	dev4(3, 0x10, 0);
	dev4(4, 0x0f, 0);
}

static void e_short_8byte(void)
{
	dev4(0x42, 0x10, 0); /* 8-byte type, 4 bytes left */
}

static void e_hid_overrun(void)
{
	put8(0xf0);
	put16(0);
	put8(0);
	put64(0);
	put64(0);
	put8(1);
	put8(40); /* UID longer than the block */
	put16(0);
}

static void e_bad_special(void)
{
	put8(0x48);
	put16(0);
	put8(0);
	put8(1);
	put16(0xa0);
	put8(3);
}

TEST(ivrs_hostile_entries)
{
	void (*bad[])(void) = { e_open_range, e_end_alone,   e_nested_start,
				e_backwards,  e_short_8byte, e_hid_overrun,
				e_bad_special };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ivrs_one(bad[i]);
		CHECK_MSG(ivrs(&A) == -E_INVAL, "case %u", i);
	}
}

TEST(ivrs_hostile_blocks)
{
	u32 s;

	ivrs_sample();
	poke16(ivrs_10h_start + 2, 20); /* IVHD 10h shorter than 24 */
	CHECK_EQ(ivrs(&A), -E_INVAL);
	ivrs_sample();
	poke16(ivrs_10h_start + 2, 0x4000); /* beyond the table */
	CHECK_EQ(ivrs(&A), -E_INVAL);
	ivrs_sample();
	poke64(ivrs_10h_start + 36 + 8, 0xfeb81000); /* not 16 KiB aligned */
	CHECK_EQ(ivrs(&A), -E_INVAL);
	ivrs_sample();
	poke64(ivrs_10h_start + 36 + 8, 0xfeb84000); /* the other's MMIO */
	CHECK_EQ(ivrs(&A), -E_INVAL);

	/* IVMD: wrong length, wrap, unaligned, empty. */
	ivrs_header(0);
	s = ivhd(0x10, 2, 0xfeb80000, 0);
	set_len16(s);
	s = tlen;
	ivmd(0x21, 1, 0x10, 0, 0x7d000000, 0x1000);
	finish();
	CHECK_EQ(ivrs(&A), 0);
	poke16(s + 2, 24);
	CHECK_EQ(ivrs(&A), -E_INVAL);
	poke16(s + 2, 32);
	poke64(s + 24, ~0ULL - 0xfff);
	CHECK_EQ(ivrs(&A), -E_INVAL);
	poke64(s + 24, 0x800);
	CHECK_EQ(ivrs(&A), -E_INVAL);
	poke64(s + 24, 0);
	CHECK_EQ(ivrs(&A), -E_INVAL);
	poke64(s + 24, 0x1000);
	poke16(s + 4, 0x20); /* 22h with end below start */
	at(TBL)[s] = 0x22;
	poke16(s + 6, 0x1f);
	CHECK_EQ(ivrs(&A), -E_INVAL);

	/* Two IOMMUs claiming one device; no IVHD at all. */
	ivrs_header(0);
	s = ivhd(0x10, 2, 0xfeb80000, 0);
	dev4(2, 0x10, 0);
	set_len16(s);
	s = ivhd(0x10, 0x40, 0xfeb84000, 0);
	dev4(3, 0x08, 0);
	dev4(4, 0x18, 0);
	set_len16(s);
	finish();
	CHECK_EQ(ivrs(&A), -E_INVAL);
	ivrs_header(0);
	ivmd(0x20, 1, 0, 0, 0x7d000000, 0x1000);
	finish();
	CHECK_EQ(ivrs(&A), -E_INVAL);
}

/* ============================================== random bytes, no overrun */

static void random_body(u64 *seed, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		u64 r = rng_next(seed);

		/* Mostly small values, so that lengths and types line up. */
		put8((u8)((r & 3) ? (r >> 8) % 0x50 : r >> 8));
	}
}

/* Flip 1-4 bytes of the sample table past its header. */
static void mutate(u64 *seed)
{
	unsigned n = 1 + rng_next(seed) % 4;

	for (unsigned i = 0; i < n; i++) {
		u64 r = rng_next(seed);

		at(TBL)[36 + r % (tlen - 36)] ^= (u8)(1u << (r >> 32) % 8);
	}
	finish();
}

/* Half random bodies, half mutated samples; every read stays inside. */
static void random_rounds(bool is_dmar)
{
	u64 seed = is_dmar ? 0xd3a2 : 0x1f25;
	struct iommu_pci pci = { bridges, NULL };
	unsigned ok = 0, bad = 0;

	for (int round = 0; round < 40000; round++) {
		int ret;

		if (round & 1) {
			if (is_dmar)
				dmar_sample();
			else
				ivrs_sample();
			mutate(&seed);
		} else if (is_dmar) {
			dmar_header(45, 0);
			set_len16(drhd(1, 0, 0, 0xfed90000));
		} else {
			ivrs_header(0);
		}
		if (!(round & 1)) {
			random_body(&seed, 8 + rng_next(&seed) % 120);
			finish();
		}
		win_lo = TBL;
		win_hi = TBL + tlen;
		ret = is_dmar ? dmar(&A, &pci) : ivrs(&A);
		win_hi = 0;
		CHECK(ret == 0 || ret == -E_INVAL || ret == -E_TOOBIG);
		CHECK(A.nr_units <= IOMMU_MAX_UNITS &&
		      A.nr_devs <= IOMMU_MAX_DEVS &&
		      A.nr_regions <= IOMMU_MAX_REGIONS);
		ok += ret == 0;
		bad += ret != 0;
	}
	fprintf(stderr, "%s random: %u accepted, %u refused\n",
		is_dmar ? "dmar" : "ivrs", ok, bad);
	CHECK(ok > 1000 && bad > 1000);
	CHECK_EQ(stray_reads, 0);
}

TEST(dmar_random_bytes_never_overrun)
{
	random_rounds(true);
}

TEST(ivrs_random_bytes_never_overrun)
{
	random_rounds(false);
}

/* ====================================================== L1's ACPI root */

#define RSDT_PA 0xe0080u
#define XSDT_PA 0xe0100u
#define COPY_GPA 0xe8000u

static unsigned char rsdp[36];
static const u32 tables[] = { 0xe0200, 0xe0300, 0xe0400, 0xe0500, 0xe0600 };
static const char *const sigs[] = { "FACP", "DMAR", "APIC", "IVRS", "SSDT" };

static void sdt_at(u32 pa, const char *sig, u32 len)
{
	memcpy(at(pa), sig, 4);
	memcpy(at(pa) + 4, &len, 4);
	at(pa)[8] = 1;
	memcpy(at(pa) + 10, "OEMID ", 6);
	fix_sum(at(pa), len, 9);
}

static void firmware(int rev)
{
	u32 n = ARRAY_SIZE(tables), l = 36;

	memset(mem, 0, sizeof(mem));
	memset(rsdp, 0, sizeof(rsdp));
	for (u32 i = 0; i < n; i++)
		sdt_at(tables[i], sigs[i], 40);
	for (u32 i = 0; i < n; i++) {
		u64 x = tables[i];

		memcpy(at(RSDT_PA) + 36 + 4 * i, &tables[i], 4);
		memcpy(at(XSDT_PA) + 36 + 8 * i, &x, 8);
	}
	sdt_at(RSDT_PA, "RSDT", 36 + 4 * n);
	sdt_at(XSDT_PA, "XSDT", 36 + 8 * n);
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "OEMID ", 6);
	rsdp[15] = (u8)rev;
	memcpy(rsdp + 16, &(u32){ RSDT_PA }, 4);
	if (rev >= 2) {
		memcpy(rsdp + 20, &l, 4);
		memcpy(rsdp + 24, &(u64){ XSDT_PA }, 8);
	}
	fix_sum(rsdp, 20, 8);
	if (rev >= 2)
		fix_sum(rsdp, 36, 32);
}

static const char drop[2][4] = { { 'D', 'M', 'A', 'R' },
				 { 'I', 'V', 'R', 'S' } };
static unsigned char copy[512];

static int make_copy(int rev, u32 *used)
{
	int ret = acpi_root_copy(&rd, rsdp, rev >= 2 ? 36 : 20, drop, 2, NULL,
				 0, COPY_GPA, copy, sizeof(copy), used);

	if (!ret)
		memcpy(at(COPY_GPA), copy, *used);
	return ret;
}

static void check_copy(const unsigned char *r, u32 rlen)
{
	for (u32 i = 0; i < ARRAY_SIZE(tables); i++) {
		u64 pa = 0;
		u32 len = 0;
		int ret = acpi_find_table(&rd, r, rlen, sigs[i], &pa, &len);

		if (i == 1 || i == 3) {
			CHECK_MSG(ret == -E_NOENT, "%s still listed", sigs[i]);
			continue;
		}
		CHECK_MSG(ret == 0 && pa == tables[i] && len == 40,
			  "%s: ret %d pa %#llx", sigs[i], ret,
			  (unsigned long long)pa);
	}
}

/* Every checksum of the copy: RSDP (both), XSDT, RSDT after it. */
static void check_copy_sums(const unsigned char *r, u64 x, u32 rs, u32 kept)
{
	unsigned char s = 0;
	u32 xl = 36 + 8 * kept, rl = 36 + 4 * kept;

	for (u32 i = 0; i < 20; i++)
		s = (unsigned char)(s + r[i]);
	CHECK_EQ(s, 0);
	for (u32 i = 0; i < 36; i++)
		s = (unsigned char)(s + r[i]);
	CHECK_EQ(s, 0);
	for (u32 i = 0; i < xl; i++)
		s = (unsigned char)(s + at((u32)x)[i]);
	CHECK_EQ(s, 0);
	for (u32 i = 0; i < rl; i++)
		s = (unsigned char)(s + at(rs)[i]);
	CHECK_EQ(s, 0);
}

TEST(root_copy_revision_2)
{
	unsigned char r0[20];
	u32 used;
	u64 x;
	u32 rs;

	firmware(2);
	REQUIRE(make_copy(2, &used) == 0);
	/* RSDP, XSDT at +48 (36 + 3 * 8), RSDT at +112 (36 + 3 * 4). */
	CHECK_EQ(used, 112 + 48);
	memcpy(&x, copy + 24, 8);
	memcpy(&rs, copy + 16, 4);
	CHECK_EQ(x, COPY_GPA + 48);
	CHECK_EQ(rs, COPY_GPA + 112);
	CHECK(!memcmp(copy + 9, "OEMID ", 6));
	check_copy(copy, 36);
	/* An ACPI 1.0 reader of the same copy goes through its RSDT. */
	memcpy(r0, copy, 20);
	r0[15] = 0;
	fix_sum(r0, 20, 8);
	check_copy(r0, 20);
	/* The firmware's root still lists what L1's does not. */
	{
		u64 pa;
		u32 len;

		CHECK(acpi_find_table(&rd, rsdp, 36, "DMAR", &pa, &len) == 0 &&
		      pa == tables[1]);
	}
}

TEST(root_copy_revision_0)
{
	u32 used, rs;

	firmware(0);
	REQUIRE(make_copy(0, &used) == 0);
	CHECK_EQ(used, 48 + 48);
	memcpy(&rs, copy + 16, 4);
	CHECK_EQ(rs, COPY_GPA + 48);
	check_copy(copy, 20);
}

TEST(root_copy_errors)
{
	u32 used;

	firmware(2);
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2, NULL, 0, COPY_GPA + 8,
				copy, sizeof(copy), &used),
		 -E_INVAL);
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2, NULL, 0, COPY_GPA, copy,
				100, &used),
		 -E_TOOBIG);
	/* The XSDT fits, the RSDT's 8-byte alignment runs past the end. */
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2, NULL, 0, COPY_GPA, copy,
				110, &used),
		 -E_TOOBIG);
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2, NULL, 0, COPY_GPA, copy,
				160, &used),
		 0);
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2, NULL, 0, COPY_GPA, copy,
				159, &used),
		 -E_TOOBIG);
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2, NULL, 0, 0xfffffff0ULL,
				copy, sizeof(copy), &used),
		 -E_TOOBIG); /* the RSDT would cross 4 GiB */
	at(XSDT_PA)[40] ^= 1; /* XSDT checksum */
	CHECK_EQ(make_copy(2, &used), -E_INVAL);
	firmware(2);
	rsdp[8] ^= 1;
	CHECK_EQ(make_copy(2, &used), -E_INVAL);
	/* An entry that cannot be read is passed on as it is. */
	firmware(0);
	memcpy(at(RSDT_PA) + 36, &(u32){ 0x100000 }, 4);
	fix_sum(at(RSDT_PA), 36 + 20, 9);
	REQUIRE(make_copy(0, &used) == 0);
	CHECK_EQ(used, 48 + 48);
}

/* Random roots: the copy lists exactly the kept entries, in order. */
TEST(root_copy_random_roots)
{
	u64 seed = 0xacd1;

	for (int round = 0; round < 3000; round++) {
		u32 n = (u32)(rng_next(&seed) % 12), kept = 0, used, xl, rl, rs;
		u64 want[12], x;

		firmware(2);
		for (u32 i = 0; i < n; i++) {
			u64 r = rng_next(&seed);
			/* Mostly real tables, sometimes unreadable or 0. */
			u64 t = r % 8 == 0 ?
					0x100000 :
				r % 8 == 1 ?
					0 :
					tables[(r >> 8) % ARRAY_SIZE(tables)];
			u32 t32 = (u32)t;

			memcpy(at(XSDT_PA) + 36 + 8 * i, &t, 8);
			memcpy(at(RSDT_PA) + 36 + 4 * i, &t32, 4);
			if (t == tables[1] || t == tables[3])
				continue;
			want[kept++] = t;
		}
		sdt_at(RSDT_PA, "RSDT", 36 + 4 * n);
		sdt_at(XSDT_PA, "XSDT", 36 + 8 * n);
		REQUIRE(make_copy(2, &used) == 0);
		memcpy(&x, copy + 24, 8);
		memcpy(&rs, copy + 16, 4);
		/* The RSDT follows the XSDT, 8-byte aligned. */
		REQUIRE(x == COPY_GPA + 48 &&
			rs == x + ((36 + 8 * kept + 7) & ~7u));
		CHECK_EQ(used, rs + 36 + 4 * kept - COPY_GPA);
		memcpy(&xl, at((u32)x) + 4, 4);
		CHECK_EQ(xl, 36 + 8 * kept);
		memcpy(&rl, at(rs) + 4, 4);
		CHECK_EQ(rl, 36 + 4 * kept);
		for (u32 i = 0; i < kept; i++) {
			u64 e;
			u32 e32;

			memcpy(&e, at((u32)x) + 36 + 8 * i, 8);
			memcpy(&e32, at(rs) + 36 + 4 * i, 4);
			CHECK(e == want[i] && e32 == want[i]);
		}
		check_copy_sums(copy, x, rs, kept);
	}
}

/* ============================================ L1's MADT (acpi_madt_copy) */

#define MADT_PA 0xe0400u /* tables[2], "APIC" */
#define MADT_COPY 0xe9000u

/* A MADT as firmware lays it out (ACPI 6.5 5.2.12): local APIC IDs 0-3
 * (3 online capable only), an I/O APIC, x2APIC IDs 0x100 and 0x101
 * (0x101 disabled), a NMI source. Returns its length. */
static u32 madt_sample(void)
{
	unsigned char *t = at(MADT_PA);
	u32 n = 44, v;
	const u8 lapic_flags[4] = { 1, 1, 1, 2 };

	memset(t, 0, 512);
	for (u8 id = 0; id < 4; id++, n += 8) {
		t[n] = 0;
		t[n + 1] = 8;
		t[n + 2] = id; /* processor UID */
		t[n + 3] = id;
		v = lapic_flags[id];
		memcpy(t + n + 4, &v, 4);
	}
	t[n] = 1; /* I/O APIC */
	t[n + 1] = 12;
	v = 0xfec00000;
	memcpy(t + n + 4, &v, 4);
	n += 12;
	for (u32 i = 0; i < 2; i++, n += 16) {
		t[n] = 9;
		t[n + 1] = 16;
		v = 0x100 + i;
		memcpy(t + n + 4, &v, 4);
		v = i ? 0 : 1;
		memcpy(t + n + 8, &v, 4);
		v = 0x20 + i; /* UID */
		memcpy(t + n + 12, &v, 4);
	}
	t[n] = 4; /* local APIC NMI */
	t[n + 1] = 6;
	n += 6;
	v = 0xfee00000;
	memcpy(t + 36, &v, 4);
	sdt_at(MADT_PA, "APIC", n);
	return n;
}

static u32 flags_at(const unsigned char *t, u32 off, bool x2)
{
	u32 f;

	memcpy(&f, t + off + (x2 ? 8 : 4), 4);
	return f;
}

TEST(madt_copy_hides_cpus_not_kept)
{
	u32 len, hidden = 0;
	static unsigned char out[512];
	const u32 keep[] = { 0, 2, 0x100 };
	struct acpi_cpu cpus[8];
	u32 n = 0;

	firmware(2);
	len = madt_sample();
	REQUIRE(acpi_madt_copy(&rd, MADT_PA, len, keep, ARRAY_SIZE(keep), out,
			       sizeof(out), &hidden) == 0);
	/* IDs 1 and 3 (online capable) hidden; 0x101 was already off. */
	CHECK_EQ(hidden, 2);
	CHECK_EQ(acpi_byte_sum(out, len), 0);
	CHECK_EQ(flags_at(out, 44, false), 1);
	CHECK_EQ(flags_at(out, 52, false), 0);
	CHECK_EQ(flags_at(out, 60, false), 1);
	CHECK_EQ(flags_at(out, 68, false), 0);
	CHECK_EQ(flags_at(out, 88, true), 1);
	CHECK_EQ(flags_at(out, 104, true), 0);
	/* Everything but those flags and the checksum is the firmware's. */
	for (u32 i = 0; i < len; i++) {
		bool flag = (i >= 56 && i < 60) || (i >= 72 && i < 76);

		if (i != 9 && !flag)
			CHECK_EQ(out[i], at(MADT_PA)[i]);
	}
	/* Read back as Modex reads an MADT: only the kept CPUs remain. */
	memcpy(at(MADT_COPY), out, len);
	REQUIRE(acpi_madt_cpus(&rd, MADT_COPY, len, cpus, 8, &n) == 0);
	CHECK_EQ(n, 3);
	CHECK(n == 3 && cpus[0].apic_id == 0 && cpus[1].apic_id == 2 &&
	      cpus[2].apic_id == 0x100);
	/* Keeping every CPU changes nothing. */
	REQUIRE(acpi_madt_copy(&rd, MADT_PA, len,
			       (const u32[]){ 0, 1, 2, 3, 0x100, 0x101 }, 6,
			       out, sizeof(out), &hidden) == 0);
	CHECK_EQ(hidden, 0);
	CHECK_EQ(memcmp(out, at(MADT_PA), len), 0);
}

TEST(madt_copy_refuses_malformed)
{
	static unsigned char out[512];
	u32 len, hidden;

	firmware(2);
	len = madt_sample();
	CHECK_EQ(acpi_madt_copy(&rd, MADT_PA, len, NULL, 0, out, len - 1,
				&hidden),
		 -E_TOOBIG);
	CHECK_EQ(acpi_madt_copy(&rd, MADT_PA, 40, NULL, 0, out, sizeof(out),
				&hidden),
		 -E_INVAL);
	at(MADT_PA)[50]++; /* checksum */
	CHECK_EQ(acpi_madt_copy(&rd, MADT_PA, len, NULL, 0, out, sizeof(out),
				&hidden),
		 -E_INVAL);
	len = madt_sample();
	at(MADT_PA)[44 + 1] = 40; /* an entry past the end... */
	fix_sum(at(MADT_PA), len, 9);
	CHECK_EQ(acpi_madt_copy(&rd, MADT_PA, 60, NULL, 0, out, sizeof(out),
				&hidden),
		 -E_INVAL);
	len = madt_sample();
	at(MADT_PA)[44 + 1] = 6; /* ...a local APIC entry too short */
	fix_sum(at(MADT_PA), len, 9);
	CHECK_EQ(acpi_madt_copy(&rd, MADT_PA, len, NULL, 0, out, sizeof(out),
				&hidden),
		 -E_INVAL);
	len = madt_sample();
	memcpy(at(MADT_PA), "APIX", 4);
	fix_sum(at(MADT_PA), len, 9);
	CHECK_EQ(acpi_madt_copy(&rd, MADT_PA, len, NULL, 0, out, sizeof(out),
				&hidden),
		 -E_INVAL);
}

/* Random entry bytes: the copy never reads or writes past the table and
 * never changes anything but processor flags and the checksum. */
TEST(madt_copy_random_entries)
{
	u64 seed = 0x3ad7;
	static unsigned char out[512];
	unsigned ok = 0;

	for (int round = 0; round < 20000; round++) {
		u32 len = 44 + 8 * (u32)(rng_next(&seed) % 25), hidden;
		int ret;

		firmware(2);
		for (u32 i = 44; i < len; i++)
			at(MADT_PA)[i] = (unsigned char)rng_next(&seed);
		for (u32 i = 44; i + 1 < len; i += 8) { /* plausible sizes */
			at(MADT_PA)[i] = (unsigned char)(rng_next(&seed) % 10);
			at(MADT_PA)[i + 1] = 8;
		}
		sdt_at(MADT_PA, "APIC", len);
		memset(out, 0xee, sizeof(out));
		win_lo = MADT_PA;
		win_hi = MADT_PA + len;
		ret = acpi_madt_copy(&rd, MADT_PA, len, (const u32[]){ 1 }, 1,
				     out, len, &hidden);
		win_hi = 0;
		CHECK(ret == 0 || ret == -E_INVAL);
		if (ret)
			continue;
		ok++;
		CHECK_EQ(acpi_byte_sum(out, len), 0);
	}
	CHECK(ok > 1000);
	CHECK_EQ(stray_reads, 0);
}

/* The roots point at L1's MADT copy instead of the firmware's. */
TEST(root_copy_swaps_a_table)
{
	const struct acpi_swap sw = { { 'A', 'P', 'I', 'C' }, MADT_COPY };
	u32 used, len;
	u64 pa;

	firmware(2);
	REQUIRE(acpi_root_copy(&rd, rsdp, 36, drop, 2, &sw, 1, COPY_GPA, copy,
			       sizeof(copy), &used) == 0);
	memcpy(at(COPY_GPA), copy, used);
	sdt_at(MADT_COPY, "APIC", 40);
	CHECK_EQ(acpi_find_table(&rd, copy, 36, "APIC", &pa, &len), 0);
	CHECK_EQ(pa, MADT_COPY);
	CHECK_EQ(acpi_find_table(&rd, copy, 20, "APIC", &pa, &len), 0);
	CHECK_EQ(pa, MADT_COPY); /* through the RSDT */
	CHECK_EQ(acpi_find_table(&rd, copy, 36, "FACP", &pa, &len), 0);
	CHECK_EQ(pa, tables[0]);
	CHECK_EQ(acpi_find_table(&rd, copy, 36, "DMAR", &pa, &len), -E_NOENT);
	/* An RSDT cannot point above 4 GiB. */
	CHECK_EQ(acpi_root_copy(&rd, rsdp, 36, drop, 2,
				&(const struct acpi_swap){
					{ 'A', 'P', 'I', 'C' }, 1ULL << 32 },
				1, COPY_GPA, copy, sizeof(copy), &used),
		 -E_TOOBIG);
}

/* ===================================== the firmware's RSDP, as OSes scan */

TEST(rsdp_scan_finds_valid_ones)
{
	static u8 page[4096];
	u32 offs[4], n;

	firmware(2);
	memset(page, 0, sizeof(page));
	memcpy(page + 0x120, rsdp, 36); /* revision 2 */
	firmware(0);
	memcpy(page + 0x400, rsdp, 20); /* revision 0 */
	memcpy(page + 0x208, rsdp, 20); /* not 16-byte aligned */
	memcpy(page + 0x300, rsdp, 20);
	page[0x300 + 12]++; /* bad checksum */
	memcpy(page + 4096 - 16, "RSD PTR ", 8); /* does not fit */
	n = acpi_rsdp_scan(page, sizeof(page), offs, 4);
	CHECK_EQ(n, 2);
	CHECK(n == 2 && offs[0] == 0x120 && offs[1] == 0x400);
	/* A revision 2 RSDP whose extended part overruns the area. */
	CHECK_EQ(acpi_rsdp_scan(page + 0x100, 0x30, offs, 4), 0);
	CHECK_EQ(acpi_rsdp_scan(page + 0x100, 0x44, offs, 4), 1);
	/* More than max: counted, not written. */
	CHECK_EQ(acpi_rsdp_scan(page, sizeof(page), offs, 1), 2);
	CHECK_EQ(offs[0], 0x120);
}
