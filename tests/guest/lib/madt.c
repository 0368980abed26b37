// SPDX-License-Identifier: MIT
/*
 * Test-guest MADT parser (ACPI 6.5 5.2.12): the CPUs a Multiple APIC
 * Description Table lists, from its local APIC (type 0) and local x2APIC
 * (type 9) entries, and the local APIC address with its override (type 5).
 * Pure: it reads only the table it is given (host unit tests feed it
 * synthetic tables; tests/unit/test_guest_madt.c).
 */
#include "tests/guest/lib/smp.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

#define MADT_HDR_LEN 44 /* SDT header (36), local APIC address, flags */
#define MADT_LAPIC 0 /* 5.2.12.2, 8 bytes */
#define MADT_LAPIC_OVERRIDE 5 /* 5.2.12.8, 12 bytes */
#define MADT_X2APIC 9 /* 5.2.12.12, 16 bytes */
/* Local APIC flags, 5.2.12.2 (the same in x2APIC entries, 5.2.12.12). */
#define MADT_F_ENABLED BIT(0)
#define MADT_F_ONLINE_CAPABLE BIT(1)
#define XAPIC_BROADCAST 0xff

u8 acpi_sum(const void *p, size_t n)
{
	const u8 *b = p;
	u8 s = 0;

	while (n--)
		s += *b++;
	return s;
}

static void madt_add(struct guest_madt *m, u32 id, u32 flags, bool x2)
{
	struct guest_madt_cpu *c;

	if (!(flags & (MADT_F_ENABLED | MADT_F_ONLINE_CAPABLE))) {
		m->nr_skipped++;
		return;
	}
	/* Firmware may list a CPU in both entry types: keep it once. */
	for (unsigned i = 0; i < m->nr_cpus; i++)
		if (m->cpu[i].apic_id == id)
			return;
	if (m->nr_cpus >= GUEST_MAX_CPUS) {
		m->truncated = true;
		return;
	}
	c = &m->cpu[m->nr_cpus++];
	c->apic_id = id;
	c->enabled = flags & MADT_F_ENABLED;
	c->online_capable = flags & MADT_F_ONLINE_CAPABLE;
	c->x2apic_entry = x2;
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static void madt_entry(struct guest_madt *m, const u8 *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		/* APIC ID 0xff is the xAPIC broadcast address, not a CPU. */
		if (e[1] >= 8 && e[3] != XAPIC_BROADCAST)
			madt_add(m, e[3], get32(e + 4), false);
		break;
	case MADT_X2APIC:
		if (e[1] >= 16)
			madt_add(m, get32(e + 4), get32(e + 8), true);
		break;
	case MADT_LAPIC_OVERRIDE:
		if (e[1] >= 12)
			memcpy(&m->lapic_addr, e + 4, 8);
		break;
	}
}

int guest_madt_parse(const void *table, size_t len, struct guest_madt *m)
{
	const u8 *p = table;

	memset(m, 0, sizeof(*m));
	if (len < MADT_HDR_LEN || get32(p + 4) != len || memcmp(p, "APIC", 4)) {
		m->err = "not a MADT, or its length field disagrees";
		return -E_INVAL;
	}
	if (acpi_sum(p, len)) {
		m->err = "MADT checksum does not sum to 0";
		return -E_INVAL;
	}
	m->lapic_addr = get32(p + 36);
	for (size_t off = MADT_HDR_LEN; off + 2 <= len; off += p[off + 1]) {
		if (p[off + 1] < 2 || off + p[off + 1] > len) {
			m->err = "MADT entry with a bad length";
			m->err_at = (u32)off;
			return -E_INVAL;
		}
		madt_entry(m, p + off);
	}
	return 0;
}
