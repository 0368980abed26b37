// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the AMD-Vi encoders (hv/amdvi_hw.c): device table
 * entries, commands and event log entries, bit by bit against the
 * layouts of the AMD IOMMU spec (2.2.2.1, 2.4, 2.5), and the base
 * register encodings.
 */
#include "tests/unit/harness.h"

#include "hv/amdvi_hw.h"
#include "hv/include/err.h"

/* Bits [hi:lo] of a little-endian multi-qword structure. */
static uint64_t field(const void *p, unsigned hi, unsigned lo)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (unsigned i = hi + 1; i-- > lo;)
		v = v << 1 | ((b[i / 8] >> (i % 8)) & 1);
	return v;
}

TEST(dte_fields)
{
	struct amdvi_dte d;

	REQUIRE(amdvi_dte_translate(&d, 0x123456789000ULL, 4, 1, true, true) ==
		0);
	CHECK_EQ(field(&d, 0, 0), 1); /* V */
	CHECK_EQ(field(&d, 1, 1), 1); /* TV */
	CHECK_EQ(field(&d, 8, 2), 0);
	CHECK_EQ(field(&d, 11, 9), 4); /* Mode */
	CHECK_EQ(field(&d, 51, 12), 0x123456789ULL); /* root >> 12 */
	CHECK_EQ(field(&d, 60, 52), 0);
	CHECK_EQ(field(&d, 61, 61), 1); /* IR */
	CHECK_EQ(field(&d, 62, 62), 1); /* IW */
	CHECK_EQ(field(&d, 63, 63), 0);
	CHECK_EQ(field(&d, 79, 64), 1); /* DomainID */
	CHECK_EQ(field(&d, 127, 80), 0); /* no IOTLB, IoCtl 00b, SysMgt 00b */
	CHECK_EQ(field(&d, 128, 128), 0); /* IV=0: interrupts not remapped */
	CHECK_EQ(field(&d, 191, 129), 0);
	CHECK_EQ(field(&d, 255, 192), 0);
}

TEST(dte_permissions_and_levels)
{
	struct amdvi_dte d;

	for (unsigned lv = 0; lv <= 7; lv++) {
		for (unsigned p = 0; p < 4; p++) {
			int r = amdvi_dte_translate(&d, 0x1000, lv, 0xbeef,
						    p & 1, p & 2);

			if (lv < 1 || lv > 6) {
				CHECK_EQ(r, -E_INVAL);
				continue;
			}
			REQUIRE(r == 0);
			CHECK_EQ(field(&d, 11, 9), lv);
			CHECK_EQ(field(&d, 61, 61), p & 1);
			CHECK_EQ(field(&d, 62, 62), (p >> 1) & 1);
			CHECK_EQ(field(&d, 79, 64), 0xbeef);
		}
	}
	CHECK_EQ(amdvi_dte_translate(&d, 0, 3, 1, 1, 1), -E_INVAL);
	CHECK_EQ(amdvi_dte_translate(&d, 0x1800, 3, 1, 1, 1), -E_INVAL);
	CHECK_EQ(amdvi_dte_translate(&d, 1ULL << 52, 3, 1, 1, 1), -E_INVAL);
	CHECK_EQ(amdvi_dte_translate(&d, (1ULL << 52) - 0x1000, 3, 1, 1, 1), 0);
}

TEST(completion_wait)
{
	struct amdvi_cmd c;

	amdvi_cmd_completion_wait(&c, 0xbcdef12345678ULL & ~7ULL,
				  0x1122334455667788ULL);
	CHECK_EQ(field(&c, 0, 0), 1); /* S */
	CHECK_EQ(field(&c, 1, 1), 0); /* I */
	CHECK_EQ(field(&c, 2, 2), 0); /* F */
	CHECK_EQ(field(&c, 51, 3), (0xbcdef12345678ULL & ~7ULL) >> 3);
	CHECK_EQ(field(&c, 59, 52), 0);
	CHECK_EQ(field(&c, 63, 60), 1);
	CHECK_EQ(field(&c, 127, 64), 0x1122334455667788ULL);
}

TEST(invalidate_devtab_entry)
{
	struct amdvi_cmd c;

	for (unsigned id = 0; id <= 0xffff; id += 0x1111) {
		amdvi_cmd_inv_devtab_entry(&c, (u16)id);
		CHECK_EQ(field(&c, 15, 0), id);
		CHECK_EQ(field(&c, 59, 16), 0);
		CHECK_EQ(field(&c, 63, 60), 2);
		CHECK_EQ(field(&c, 127, 64), 0);
	}
}

TEST(invalidate_pages_and_all)
{
	struct amdvi_cmd c;

	amdvi_cmd_inv_pages_all(&c, 1);
	CHECK_EQ(field(&c, 31, 0), 0); /* PASID */
	CHECK_EQ(field(&c, 47, 32), 1); /* DomainID */
	CHECK_EQ(field(&c, 59, 48), 0);
	CHECK_EQ(field(&c, 63, 60), 3);
	CHECK_EQ(field(&c, 64, 64), 1); /* S */
	CHECK_EQ(field(&c, 65, 65), 1); /* PDE */
	CHECK_EQ(field(&c, 66, 66), 0); /* GN */
	CHECK_EQ(field(&c, 75, 67), 0);
	/* Address 7FFF_FFFF_FFFF_F000h with S=1: the whole space. */
	CHECK_EQ(field(&c, 127, 76), 0x7ffffffffffffULL);
	amdvi_cmd_inv_all(&c);
	CHECK_EQ(field(&c, 59, 0), 0);
	CHECK_EQ(field(&c, 63, 60), 8);
	CHECK_EQ(field(&c, 127, 64), 0);
}

TEST(io_page_fault_decode)
{
	/* DeviceID 00:03.0, domain 1, RW=1, PR=0, address 0x7f0000. */
	const u32 raw[4] = { 0x0018, (2u << 28) | BIT(21) | 1, 0x7f0000, 0 };
	struct amdvi_event e;

	amdvi_event_decode(raw, &e);
	CHECK_EQ(e.code, AMDVI_EV_IO_PAGE_FAULT);
	CHECK(e.has_devid && e.has_addr);
	CHECK_EQ(e.devid, 0x18);
	CHECK_EQ(e.domain, 1);
	CHECK_EQ(e.addr, 0x7f0000);
	CHECK(e.write);
	CHECK(!e.present && !e.perm && !e.translation);
	CHECK_STR_CONTAINS(amdvi_event_str(e.code), "page fault");
}

TEST(event_flag_bits_one_at_a_time)
{
	struct amdvi_event e;

	for (unsigned bit = 16; bit < 28; bit++) {
		const u32 raw[4] = { 0xffff, (2u << 28) | BIT(bit), 0, 0 };

		amdvi_event_decode(raw, &e);
		CHECK_EQ(e.present, bit == 20);
		CHECK_EQ(e.write, bit == 21);
		CHECK_EQ(e.perm, bit == 22);
		CHECK_EQ(e.translation, bit == 24);
		CHECK_EQ(e.domain, 0);
	}
}

TEST(every_event_code)
{
	struct amdvi_event e;

	for (u32 code = 0; code < 16; code++) {
		const u32 raw[4] = { 0x1234, code << 28 | 0x55, 0x9000, 0x12 };

		amdvi_event_decode(raw, &e);
		CHECK_EQ(e.code, code);
		CHECK_EQ(e.has_addr, code >= 1 && code <= 8);
		CHECK_EQ(e.has_devid,
			 code >= 1 && code <= 8 && code != 5 && code != 6);
		CHECK_EQ(e.devid, e.has_devid ? 0x1234 : 0);
		CHECK_EQ(e.domain, (code == 2 || code == 4) ? 0x55 : 0);
		CHECK_EQ(e.addr, 0x1200009000ULL);
		CHECK(amdvi_event_str((u8)code) != NULL);
	}
	CHECK_STR_CONTAINS(amdvi_event_str(0), "unknown");
	CHECK_STR_CONTAINS(amdvi_event_str(0xff), "unknown");
}

TEST(base_registers)
{
	u64 v;

	CHECK_EQ(amdvi_ring_reg(0x12345000, 8, &v), 0);
	CHECK_EQ(v, 0x0800000012345000ULL);
	CHECK_EQ(amdvi_ring_reg(0x12345000, 15, &v), 0);
	CHECK_EQ(field(&v, 59, 56), 15);
	CHECK_EQ(amdvi_ring_reg(0x12345000, 7, &v), -E_INVAL);
	CHECK_EQ(amdvi_ring_reg(0x12345000, 16, &v), -E_INVAL);
	CHECK_EQ(amdvi_ring_reg(0x12345010, 8, &v), -E_INVAL);
	CHECK_EQ(amdvi_devtab_reg(0x200000, 512, &v), 0);
	CHECK_EQ(v, 0x2001ffULL);
	CHECK_EQ(amdvi_devtab_reg(0x200000, 1, &v), 0);
	CHECK_EQ(v, 0x200000ULL);
	CHECK_EQ(amdvi_devtab_reg(0x200000, 0, &v), -E_INVAL);
	CHECK_EQ(amdvi_devtab_reg(0x200000, 513, &v), -E_INVAL);
	CHECK_EQ(amdvi_devtab_reg(1ULL << 52, 1, &v), -E_INVAL);
}
