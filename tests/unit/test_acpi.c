// SPDX-License-Identifier: MIT
/* Host unit tests of the ACPI table lookup and MADT parsing (hv/acpi.c). */
#include "tests/unit/harness.h"

#include <string.h>

#include "hv/acpi.h"
#include "hv/include/err.h"

#define MEM_BASE 0xe0000u
#define MEM_SIZE 0x4000u

static unsigned char mem[MEM_SIZE];

static int fake_read(void *ctx, u64 pa, void *buf, u32 len)
{
	(void)ctx;
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

static void fix_sum(unsigned char *p, u32 len, u32 sum_off)
{
	unsigned char s = 0;

	p[sum_off] = 0;
	for (u32 i = 0; i < len; i++)
		s = (unsigned char)(s + p[i]);
	p[sum_off] = (unsigned char)-s;
}

static void sdt(u32 pa, const char *sig, u32 len)
{
	memcpy(at(pa), sig, 4);
	memcpy(at(pa) + 4, &len, 4);
	at(pa)[8] = 1;
}

/* RSDP (revision 2) at 0xe0000 -> XSDT 0xe0100 -> FACP 0xe0200, MADT
 * 0xe0400; and the RSDT 0xe0080 -> MADT for revision-0 tests. */
static unsigned char rsdp[36];
static u32 madt_len;

static void madt_entry(const unsigned char *e, unsigned n)
{
	memcpy(at(0xe0400) + madt_len, e, n);
	madt_len += n;
	sdt(0xe0400, "APIC", madt_len);
	fix_sum(at(0xe0400), madt_len, 9);
}

static void build(void)
{
	u64 x[2] = { 0xe0200, 0xe0400 };
	u32 r = 0xe0400, rlen = 36 + 4, xlen = 36 + 16, l = 36;

	memset(mem, 0, sizeof(mem));
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	memcpy(rsdp + 16, &(u32){ 0xe0080 }, 4);
	memcpy(rsdp + 20, &l, 4);
	memcpy(rsdp + 24, &(u64){ 0xe0100 }, 8);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	sdt(0xe0080, "RSDT", rlen);
	memcpy(at(0xe0080) + 36, &r, 4);
	fix_sum(at(0xe0080), rlen, 9);
	sdt(0xe0100, "XSDT", xlen);
	memcpy(at(0xe0100) + 36, x, 16);
	fix_sum(at(0xe0100), xlen, 9);
	sdt(0xe0200, "FACP", 36);
	fix_sum(at(0xe0200), 36, 9);
	madt_len = 44;
	madt_entry((const unsigned char[]){ 0 }, 0);
}

static void lapic(u8 uid, u8 id, u32 flags)
{
	unsigned char e[8] = { 0, 8, uid, id };

	memcpy(e + 4, &flags, 4);
	madt_entry(e, 8);
}

static void x2apic(u32 id, u32 flags)
{
	unsigned char e[16] = { 9, 16 };

	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	madt_entry(e, 16);
}

static int cpus(struct acpi_cpu *out, u32 max, u32 *nr)
{
	u64 pa;
	u32 len;
	int ret = acpi_find_table(&rd, rsdp, sizeof(rsdp), "APIC", &pa, &len);

	if (ret)
		return ret;
	return acpi_madt_cpus(&rd, pa, len, out, max, nr);
}

TEST(xsdt_finds_madt_and_lists_enabled_cpus)
{
	struct acpi_cpu c[8];
	u32 n;

	build();
	lapic(0, 0, 1);
	lapic(1, 2, 1);
	lapic(2, 4, 0); /* disabled, not online capable */
	lapic(3, 6, 2); /* online capable */
	x2apic(0x100, 1);
	x2apic(0xffffffff, 1);
	lapic(4, 0xff, 1);
	REQUIRE(cpus(c, 8, &n) == 0);
	REQUIRE(n == 4);
	CHECK_EQ(c[0].apic_id, 0);
	CHECK_EQ(c[1].apic_id, 2);
	CHECK_EQ(c[2].apic_id, 6);
	CHECK_EQ(c[3].apic_id, 0x100);
	CHECK(c[3].x2apic_entry && !c[0].x2apic_entry);
	CHECK(c[0].enabled && c[1].enabled && !c[2].enabled);
}

TEST(duplicates_are_one_cpu_and_max_counts_all)
{
	struct acpi_cpu c[2];
	u32 n;

	build();
	lapic(0, 1, 1);
	x2apic(1, 1);
	lapic(1, 3, 1);
	lapic(2, 5, 1);
	REQUIRE(cpus(c, 2, &n) == 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(c[0].apic_id, 1);
	CHECK_EQ(c[1].apic_id, 3);
}

TEST(rsdt_is_used_for_revision_0)
{
	struct acpi_cpu c[4];
	u64 pa;
	u32 len, n;

	build();
	lapic(0, 7, 1);
	rsdp[15] = 0;
	fix_sum(rsdp, 20, 8);
	REQUIRE(acpi_find_table(&rd, rsdp, 20, "APIC", &pa, &len) == 0);
	CHECK_EQ(pa, 0xe0400);
	REQUIRE(acpi_madt_cpus(&rd, pa, len, c, 4, &n) == 0);
	CHECK(n == 1 && c[0].apic_id == 7);
}

TEST(bad_checksums_and_signatures)
{
	u64 pa;
	u32 len;

	build();
	lapic(0, 0, 1);
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "DMAR", &pa, &len), -E_NOENT);
	rsdp[0] = 'X';
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "APIC", &pa, &len), -E_INVAL);
	build();
	rsdp[33] ^= 1; /* extended checksum */
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "APIC", &pa, &len), -E_INVAL);
	build();
	at(0xe0100)[40] ^= 1; /* XSDT contents */
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "APIC", &pa, &len), -E_INVAL);
	build();
	at(0xe0400)[20] ^= 1; /* MADT contents: the table is skipped */
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "APIC", &pa, &len), -E_NOENT);
	CHECK_EQ(acpi_find_table(&rd, rsdp, 19, "APIC", &pa, &len), -E_INVAL);
}

TEST(root_table_outside_memory_is_a_fault)
{
	u64 pa;
	u32 len;

	build();
	memcpy(rsdp + 24, &(u64){ 0x10000000 }, 8);
	fix_sum(rsdp, 36, 32);
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "APIC", &pa, &len), -E_FAULT);
	build();
	memcpy(at(0xe0100) + 4, &(u32){ 0x7fffffff }, 4);
	CHECK_EQ(acpi_find_table(&rd, rsdp, 36, "APIC", &pa, &len), -E_INVAL);
}

TEST(malformed_madt_entries)
{
	struct acpi_cpu c[4];
	u32 n;

	build();
	lapic(0, 0, 1);
	madt_entry((const unsigned char[]){ 0, 4, 1, 1 }, 4); /* too short */
	CHECK_EQ(cpus(c, 4, &n), -E_INVAL);
	build();
	madt_entry((const unsigned char[]){ 5, 0 }, 2); /* zero length */
	CHECK_EQ(cpus(c, 4, &n), -E_INVAL);
	build();
	lapic(0, 0, 1);
	madt_entry((const unsigned char[]){ 1, 12, 0, 0 }, 4); /* overruns */
	CHECK_EQ(cpus(c, 4, &n), -E_INVAL);
	build();
	madt_entry((const unsigned char[]){ 1, 12, 0, 0, 0, 0, 0, 0xfe, 0, 0, 0,
					    0 },
		   12); /* I/O APIC: ignored */
	lapic(0, 3, 1);
	REQUIRE(cpus(c, 4, &n) == 0);
	CHECK(n == 1 && c[0].apic_id == 3);
}

TEST(random_madt_bytes_never_overrun)
{
	struct acpi_cpu c[4];
	u32 n, seed = 12345;

	for (int round = 0; round < 2000; round++) {
		build();
		unsigned char junk[64];

		for (unsigned i = 0; i < sizeof(junk); i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (unsigned char)(seed >> 16);
		}
		madt_entry(junk, sizeof(junk));
		int ret = cpus(c, 4, &n);

		CHECK(ret == 0 || ret == -E_INVAL);
	}
}
