// SPDX-License-Identifier: MIT
/*
 * Test-guest ACPI: finds the RSDP (the Multiboot2 tag's copy, else the BIOS
 * areas ACPI 6.5 5.2.5.1 names), follows the RSDT or XSDT to the MADT and
 * has madt.c list the CPUs in it. Firmware tables are untrusted input like
 * the boot information: every pointer must lie below 4 GiB (what the guest
 * maps), every table must pass its checksum and fit its length.
 */
#include "tests/guest/lib/smp.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

#define FOUR_GIB 0x100000000ULL
#define BDA_EBDA_SEG 0x40e /* BIOS data area: EBDA segment (real mode) */
#define EBDA_SEARCH_LEN 1024
#define BIOS_AREA_START 0xe0000ULL
#define BIOS_AREA_END 0x100000ULL
#define SDT_HDR_LEN 36
#define SDT_MAX_LEN 0x10000 /* sanity bound for the RSDT/XSDT/MADT */

/* ACPI 6.5 5.2.5.3: RSDP layout (20 bytes for revision 0, else 36). */
struct acpi_rsdp {
	char sig[8];
	u8 checksum, oem[6], revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 xchecksum, reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");

/* ACPI 6.5 5.2.6: the header every system description table starts with. */
struct acpi_sdt {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;
_Static_assert(sizeof(struct acpi_sdt) == SDT_HDR_LEN, "SDT header size");

static bool rsdp_valid(u64 pa)
{
	const struct acpi_rsdp *r = (const void *)pa;

	if (memcmp(r->sig, "RSD PTR ", 8) || acpi_sum(r, 20))
		return false;
	/* Revision 2+ has the extended part with its own checksum. */
	return r->revision < 2 ||
	       (r->length >= sizeof(*r) && r->length <= 4096 &&
		!acpi_sum(r, r->length));
}

/* ACPI 6.5 5.2.5.1: 16-byte boundaries in [s, e). */
static u64 rsdp_search(u64 s, u64 e)
{
	for (u64 a = ALIGN_UP(s, 16); a + sizeof(struct acpi_rsdp) <= e;
	     a += 16)
		if (rsdp_valid(a))
			return a;
	return 0;
}

/* A read of low memory GCC cannot mistake for a null-pointer access. */
static u16 read_low16(u64 pa)
{
	asm("" : "+r"(pa));
	return *(volatile u16 *)pa;
}

static u64 find_rsdp(const char **from)
{
	u64 ebda = (u64)read_low16(BDA_EBDA_SEG) << 4, a;

	if (guest_boot.rsdp && rsdp_valid(guest_boot.rsdp)) {
		*from = guest_boot.rsdp_new ? "multiboot2 tag 15" :
					      "multiboot2 tag 14";
		return guest_boot.rsdp;
	}
	*from = "EBDA";
	if (ebda >= 0x80000 && ebda < 0xa0000 &&
	    (a = rsdp_search(ebda, ebda + EBDA_SEARCH_LEN)))
		return a;
	*from = "BIOS area";
	return rsdp_search(BIOS_AREA_START, BIOS_AREA_END);
}

/* A table at @pa that fits below 4 GiB, has signature @sig and sums to 0. */
static const struct acpi_sdt *sdt_at(u64 pa, const char *sig)
{
	const struct acpi_sdt *t = (const void *)pa;

	if (!pa || pa + SDT_HDR_LEN > FOUR_GIB || memcmp(t->sig, sig, 4))
		return NULL;
	if (t->length < SDT_HDR_LEN || t->length > SDT_MAX_LEN ||
	    pa + t->length > FOUR_GIB || acpi_sum(t, t->length))
		return NULL;
	return t;
}

/* The table @sig through the XSDT (revision 2+) or the RSDT (ACPI 6.5
 * 5.2.7-8). */
static const struct acpi_sdt *find_table(const struct acpi_rsdp *r,
					 const char *sig)
{
	const struct acpi_sdt *root = NULL;
	unsigned width = 8;

	if (r->revision >= 2 && r->xsdt < FOUR_GIB)
		root = sdt_at(r->xsdt, "XSDT");
	if (!root) {
		root = sdt_at(r->rsdt, "RSDT");
		width = 4;
	}
	if (!root)
		return NULL;
	for (u32 off = SDT_HDR_LEN; off + width <= root->length; off += width) {
		const u8 *e = (const u8 *)root + off;
		u64 pa = 0;

		memcpy(&pa, e, width);
		if (pa < FOUR_GIB) {
			const struct acpi_sdt *t = sdt_at(pa, sig);

			if (t)
				return t;
		}
	}
	return NULL;
}

int guest_acpi_madt(struct guest_madt *m)
{
	const struct acpi_sdt *t;
	const char *from;
	u64 rsdp = find_rsdp(&from);
	int r;

	memset(m, 0, sizeof(*m));
	if (!rsdp) {
		m->err =
			"no valid ACPI RSDP (multiboot2 tag, EBDA, 0xe0000-0xfffff)";
		return -E_NOENT;
	}
	t = find_table((const void *)rsdp, "APIC");
	if (!t) {
		m->err = "no valid MADT through the RSDT or XSDT";
		m->rsdp = rsdp;
		return -E_NOENT;
	}
	r = guest_madt_parse(t, t->length, m);
	m->rsdp = rsdp;
	m->rsdp_from = from;
	m->madt = (u64)t;
	return r;
}

int guest_acpi_find(const char *sig, u64 *rsdp, const char **from, u64 *table)
{
	*rsdp = find_rsdp(from);
	*table = 0;
	if (!*rsdp)
		return -E_NOENT;
	*table = (u64)find_table((const void *)*rsdp, sig);
	return 0;
}
