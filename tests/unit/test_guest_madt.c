// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the L1 test kernel's MADT parser
 * (tests/guest/lib/madt.c): which entries count as CPUs, duplicates,
 * the address override, and malformed tables, built as firmware would
 * lay them out (ACPI 6.5 5.2.12).
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "tests/guest/lib/smp.h"

struct table {
	uint8_t b[1024];
	size_t len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* SDT header "APIC", local APIC address 0xfee00000, flags PCAT_COMPAT. */
static void begin(struct table *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	t->b[8] = 5; /* revision */
	put32(t->b + 36, 0xfee00000u);
	put32(t->b + 40, 1);
	t->len = 44;
}

static void lapic(struct table *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = t->b + t->len;

	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = id;
	put32(e + 4, flags);
	t->len += 8;
}

static void x2apic(struct table *t, uint32_t id, uint32_t flags)
{
	uint8_t *e = t->b + t->len;

	memset(e, 0, 16);
	e[0] = 9;
	e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, id); /* ACPI UID */
	t->len += 16;
}

static void other(struct table *t, uint8_t type, uint8_t len)
{
	memset(t->b + t->len, 0xa5, len);
	t->b[t->len] = type;
	t->b[t->len + 1] = len;
	t->len += len;
}

/* Length field and checksum (ACPI 6.5 5.2.6) over the whole table. */
static void end(struct table *t)
{
	put32(t->b + 4, (uint32_t)t->len);
	t->b[9] = 0;
	t->b[9] = (uint8_t)(0x100 - acpi_sum(t->b, t->len));
}

static struct table t;
static struct guest_madt m;

TEST(local_apic_entries_in_order)
{
	begin(&t);
	lapic(&t, 0, 0, 1);
	other(&t, 1, 12); /* an I/O APIC entry: not a CPU */
	lapic(&t, 1, 2, 1);
	other(&t, 2, 10); /* an interrupt source override */
	lapic(&t, 2, 7, 1);
	end(&t);
	REQUIRE(guest_madt_parse(t.b, t.len, &m) == 0);
	REQUIRE(m.nr_cpus == 3);
	CHECK_EQ(m.cpu[0].apic_id, 0);
	CHECK_EQ(m.cpu[1].apic_id, 2);
	CHECK_EQ(m.cpu[2].apic_id, 7);
	CHECK(m.cpu[2].enabled && !m.cpu[2].online_capable);
	CHECK(!m.cpu[0].x2apic_entry);
	CHECK_EQ(m.lapic_addr, 0xfee00000u);
	CHECK_EQ(m.nr_skipped, 0);
	CHECK(!m.truncated);
}

TEST(disabled_online_capable_and_broadcast)
{
	begin(&t);
	lapic(&t, 0, 0, 1);
	lapic(&t, 1, 1, 0); /* neither enabled nor online-capable */
	lapic(&t, 2, 2, 2); /* online-capable only */
	lapic(&t, 3, 0xff, 1); /* the broadcast ID is never a CPU */
	end(&t);
	REQUIRE(guest_madt_parse(t.b, t.len, &m) == 0);
	REQUIRE(m.nr_cpus == 2);
	CHECK_EQ(m.cpu[1].apic_id, 2);
	CHECK(!m.cpu[1].enabled && m.cpu[1].online_capable);
	CHECK_EQ(m.nr_skipped, 1);
}

TEST(x2apic_entries_and_duplicates)
{
	begin(&t);
	lapic(&t, 0, 0, 1);
	x2apic(&t, 0, 1); /* the same CPU again: listed once */
	x2apic(&t, 300, 1);
	x2apic(&t, 0x10001, 3);
	end(&t);
	REQUIRE(guest_madt_parse(t.b, t.len, &m) == 0);
	REQUIRE(m.nr_cpus == 3);
	CHECK(!m.cpu[0].x2apic_entry);
	CHECK_EQ(m.cpu[1].apic_id, 300);
	CHECK(m.cpu[1].x2apic_entry);
	CHECK_EQ(m.cpu[2].apic_id, 0x10001);
	CHECK(m.cpu[2].enabled && m.cpu[2].online_capable);
}

TEST(address_override)
{
	uint64_t a = 0x123456789000ULL;

	begin(&t);
	lapic(&t, 0, 0, 1);
	other(&t, 5, 12);
	memset(t.b + t.len - 10, 0, 2);
	memcpy(t.b + t.len - 8, &a, 8);
	end(&t);
	REQUIRE(guest_madt_parse(t.b, t.len, &m) == 0);
	CHECK_EQ(m.lapic_addr, a);
}

TEST(more_cpus_than_slots)
{
	begin(&t);
	for (unsigned i = 0; i < GUEST_MAX_CPUS + 3; i++)
		lapic(&t, (uint8_t)i, (uint8_t)i, 1);
	end(&t);
	REQUIRE(guest_madt_parse(t.b, t.len, &m) == 0);
	CHECK_EQ(m.nr_cpus, GUEST_MAX_CPUS);
	CHECK(m.truncated);
}

TEST(malformed_tables)
{
	begin(&t);
	lapic(&t, 0, 0, 1);
	end(&t);
	t.b[9]++;
	CHECK(guest_madt_parse(t.b, t.len, &m) == -E_INVAL); /* checksum */
	end(&t);
	CHECK(guest_madt_parse(t.b, t.len - 1, &m) == -E_INVAL); /* length */
	CHECK(guest_madt_parse(t.b, 40, &m) == -E_INVAL); /* too short */
	memcpy(t.b, "APIX", 4);
	end(&t);
	CHECK(guest_madt_parse(t.b, t.len, &m) == -E_INVAL); /* signature */

	/* An entry of length 0 or 1 would loop or read past the table. */
	begin(&t);
	lapic(&t, 0, 0, 1);
	other(&t, 0x7f, 2);
	t.b[t.len - 1] = 0;
	end(&t);
	CHECK(guest_madt_parse(t.b, t.len, &m) == -E_INVAL);
	CHECK_EQ(m.err_at, 52);
	/* An entry running past the end of the table. */
	begin(&t);
	lapic(&t, 0, 0, 1);
	lapic(&t, 1, 1, 1);
	t.b[t.len - 7] = 9;
	end(&t);
	CHECK(guest_madt_parse(t.b, t.len, &m) == -E_INVAL);
	CHECK(m.err != NULL);
}

/* Truncated type 0 and type 9 entries are skipped, not read past. */
TEST(short_cpu_entries_ignored)
{
	begin(&t);
	lapic(&t, 0, 0, 1);
	other(&t, 0, 4);
	other(&t, 9, 12);
	end(&t);
	REQUIRE(guest_madt_parse(t.b, t.len, &m) == 0);
	CHECK_EQ(m.nr_cpus, 1);
}
