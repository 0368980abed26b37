// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the VT-d helpers (hv/vtd_tables.c): the address
 * width chosen from CAP and the DMAR, the legacy root/context tables
 * read back bit by bit as the VT-d spec lays them out (9.1, 9.3), and
 * fault recording registers (11.4.10).
 */
#include "tests/unit/harness.h"

#include <string.h>

#include "hv/include/err.h"
#include "hv/vtd_tables.h"
#include "hv/include/compiler.h"
#include "mm/pt_build.h"
#include "tests/unit/support/mm_fake_mem.h"

/* Bit @b of a 128-bit entry stored as two little-endian quadwords. */
static unsigned bit128(const u64 *e, unsigned b)
{
	return (unsigned)(e[b / 64] >> (b % 64)) & 1;
}

static u64 field128(const u64 *e, unsigned hi, unsigned lo)
{
	u64 v = 0;

	for (unsigned b = hi + 1; b-- > lo;)
		v = v << 1 | bit128(e, b);
	return v;
}

static u64 cap_with(unsigned sagaw, unsigned mgaw)
{
	return (u64)sagaw << 8 | (u64)(mgaw - 1) << 16;
}

TEST(agaw_qemu_default)
{
	/* QEMU 7.2 intel-iommu, aw-bits=39: SAGAW bit 1, MGAW 39. */
	const u64 cap = 0xd2008c22260206ULL;
	unsigned levels = 0, aw = 0, width = 0;

	CHECK_EQ(VTD_CAP_SAGAW(cap), 2);
	CHECK_EQ(VTD_CAP_MGAW(cap), 39);
	CHECK_EQ(VTD_CAP_SLLPS(cap), 3);
	CHECK_EQ(VTD_CAP_NFR(cap), 1);
	CHECK_EQ(VTD_CAP_FRO(cap), 0x220);
	CHECK_EQ(vtd_pick_agaw(cap, 39, 0xef8b000, &levels, &aw, &width), 0);
	CHECK_EQ(levels, 3);
	CHECK_EQ(aw, VTD_CTX_AW_3);
	CHECK_EQ(width, 39);
	/* Exactly 2^39 fits, one page more does not. */
	CHECK_EQ(vtd_pick_agaw(cap, 39, 1ULL << 39, &levels, &aw, &width), 0);
	CHECK_EQ(vtd_pick_agaw(cap, 39, (1ULL << 39) + 4096, &levels, &aw,
			       &width),
		 -E_NOSUPP);
}

TEST(agaw_choice)
{
	unsigned levels, aw, width;

	/* The smallest walk that covers. */
	CHECK_EQ(vtd_pick_agaw(cap_with(0x6, 48), 46, 1ULL << 32, &levels, &aw,
			       &width),
		 0);
	CHECK_EQ(levels, 3);
	CHECK_EQ(vtd_pick_agaw(cap_with(0x6, 48), 46, 1ULL << 40, &levels, &aw,
			       &width),
		 0);
	CHECK_EQ(levels, 4);
	CHECK_EQ(aw, VTD_CTX_AW_4);
	/* Only 4 levels supported: used even for small memory. */
	CHECK_EQ(vtd_pick_agaw(cap_with(0x4, 48), 46, 1ULL << 30, &levels, &aw,
			       &width),
		 0);
	CHECK_EQ(levels, 4);
	/* 5 levels. */
	CHECK_EQ(vtd_pick_agaw(cap_with(0x8, 57), 52, 1ULL << 50, &levels, &aw,
			       &width),
		 0);
	CHECK_EQ(levels, 5);
	CHECK_EQ(aw, VTD_CTX_AW_5);
	CHECK_EQ(width, 57);
	/* MGAW and HAW limit what a walk covers. */
	CHECK_EQ(vtd_pick_agaw(cap_with(0x4, 40), 46, 1ULL << 41, &levels, &aw,
			       &width),
		 -E_NOSUPP);
	CHECK_EQ(vtd_pick_agaw(cap_with(0x4, 48), 36, 1ULL << 37, &levels, &aw,
			       &width),
		 -E_NOSUPP);
	CHECK_EQ(vtd_pick_agaw(cap_with(0x4, 48), 0, 1ULL << 47, &levels, &aw,
			       &width),
		 0);
	/* No supported AGAW at all, or only reserved bits. */
	CHECK_EQ(vtd_pick_agaw(cap_with(0x0, 48), 48, 4096, &levels, &aw,
			       &width),
		 -E_NOSUPP);
	CHECK_EQ(vtd_pick_agaw(cap_with(0x11, 48), 48, 4096, &levels, &aw,
			       &width),
		 -E_NOSUPP);
}

TEST(root_and_context_tables)
{
	static u64 root[512], ctx[512];
	const u64 ctx_pa = 0x12345000, slpt = 0xabcdef000ULL;

	memset(root, 0xa5, sizeof(root));
	memset(ctx, 0x5a, sizeof(ctx));
	vtd_fill_tables(root, ctx, ctx_pa, slpt, VTD_CTX_AW_4, 0x1234);
	for (unsigned bus = 0; bus < 256; bus++) {
		const u64 *re = &root[2 * bus];

		CHECK_EQ(bit128(re, 0), 1); /* P */
		CHECK_EQ(field128(re, 11, 1), 0); /* reserved */
		CHECK_EQ(field128(re, 63, 12) << 12, ctx_pa); /* CTP */
		CHECK_EQ(re[1], 0); /* reserved in legacy mode */
	}
	for (unsigned devfn = 0; devfn < 256; devfn++) {
		const u64 *ce = &ctx[2 * devfn];

		CHECK_EQ(bit128(ce, 0), 1); /* P */
		CHECK_EQ(bit128(ce, 1), 0); /* FPD: faults recorded */
		CHECK_EQ(field128(ce, 3, 2), 0); /* TT: untranslated only */
		CHECK_EQ(field128(ce, 11, 4), 0); /* reserved */
		CHECK_EQ(field128(ce, 63, 12) << 12, slpt); /* SLPTPTR */
		CHECK_EQ(field128(ce, 66, 64), 2); /* AW: 48-bit */
		CHECK_EQ(field128(ce, 71, 67), 0); /* AVAIL/reserved */
		CHECK_EQ(field128(ce, 87, 72), 0x1234); /* DID */
		CHECK_EQ(field128(ce, 127, 88), 0); /* reserved */
	}
}

TEST(tables_ignore_low_bits)
{
	static u64 root[512], ctx[512];

	/* Page offsets in the pointers never reach reserved bits. */
	vtd_fill_tables(root, ctx, 0x7000 | 0xfff, 0x9000 | 0x123, 9, 1);
	CHECK_EQ(root[0], 0x7001);
	CHECK_EQ(ctx[0], 0x9001);
	CHECK_EQ(field128(&ctx[0], 66, 64), 1); /* aw masked to 3 bits */
	CHECK_EQ(field128(&ctx[0], 71, 67), 0);
}

/* A fault record built bit by bit from the layout of 11.4.10.x. */
static void make_record(u64 *e, u64 fi, u16 sid, u8 fr, bool read, bool f)
{
	e[0] = fi & ~0xfffULL;
	e[1] = (u64)sid | (u64)fr << (96 - 64) | (u64)read << (126 - 64) |
	       (u64)f << (127 - 64);
}

TEST(fault_records)
{
	u64 e[2];
	struct vtd_fault f;

	make_record(e, 0xef8c123ULL, 0x00f8 | 2, 0x05, false, true);
	vtd_fault_decode(e[0], e[1], &f);
	CHECK(f.valid);
	CHECK(!f.read);
	CHECK_EQ(f.addr, 0xef8c000ULL);
	CHECK_EQ(f.sid, 0xfa); /* 00:1f.2, the q35 AHCI controller */
	CHECK_EQ(f.reason, 5);
	make_record(e, 0xfffffffff000ULL, 0xffff, 0x06, true, true);
	vtd_fault_decode(e[0], e[1], &f);
	CHECK(f.valid && f.read);
	CHECK_EQ(f.addr, 0xfffffffff000ULL);
	CHECK_EQ(f.sid, 0xffff);
	CHECK_EQ(f.reason, 6);
	make_record(e, 0x1000, 1, 1, true, false);
	vtd_fault_decode(e[0], e[1], &f);
	CHECK(!f.valid);
}

/*
 * A device's request as the hardware resolves it (VT-d spec 3.4.2, 3.7,
 * 9.1, 9.3, 9.8), written independently of mm/: root entry by bus,
 * context entry by dev.fn, then the second-level walk of AW's depth.
 * Returns true with *out when the request is translated with read and
 * write permission.
 */
static bool hw_translate(struct fmem *m, u64 root_pa, u16 sid, u64 iova,
			 u64 *out)
{
	u64 re = fmem_get(m, root_pa + (sid >> 8) * 16);
	u64 ce_lo, ce_hi, table;
	unsigned levels;

	if (!(re & 1))
		return false;
	ce_lo = fmem_get(m, (re & ~0xfffULL) + (sid & 0xff) * 16);
	ce_hi = fmem_get(m, (re & ~0xfffULL) + (sid & 0xff) * 16 + 8);
	if (!(ce_lo & 1) || ((ce_lo >> 2) & 3) != 0)
		return false;
	levels = (unsigned)(ce_hi & 7) + 2; /* AW 1: 3 levels */
	table = ce_lo & ~0xfffULL;
	for (unsigned l = levels; l >= 1; l--) {
		unsigned shift = 12 + 9 * (l - 1);
		u64 e = fmem_get(m, table + ((iova >> shift) & 511) * 8);

		if ((e & 3) != 3)
			return false;
		if (l == 1 || (l <= 3 && (e & BIT(7)))) {
			u64 mask = (1ULL << shift) - 1;

			*out = (e & 0x000ffffffffff000ULL & ~mask) |
			       (iova & mask);
			return true;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	return false;
}

TEST(device_translation_is_the_identity_over_l1_ram)
{
	/* QEMU q35 -m 256: L1's RAM around Modex's image and pool. */
	static const struct {
		u64 s, e;
	} ram[] = { { 0, 0x9f000 }, { 0x100000, 0xef8b000 } };
	const u64 hid_s = 0xef8b000, hid_e = 0xffdf000;
	struct fmem m;
	struct pt_format f;
	struct pt_mem pm;
	struct pt dom;
	u64 root_pa, ctx_pa, out;
	unsigned levels, aw, width;

	fmem_init(&m, 0x40000000, 64, 0);
	pm = fmem_pt_mem(&m);
	REQUIRE(vtd_pick_agaw(0xd2008c22260206ULL, 39, 0xef8b000, &levels, &aw,
			      &width) == 0);
	REQUIRE(pt_format_init(&f, PT_VTD, 39, PTF_3LEVEL | PTF_1G) == 0);
	REQUIRE(pt_init(&dom, &f, &pm) == 0);
	for (unsigned i = 0; i < 2; i++)
		REQUIRE(pt_map(&dom, ram[i].s, ram[i].s, ram[i].e - ram[i].s,
			       ACC_READ | ACC_WRITE, 0, 0) == 0);
	REQUIRE(pm.ops->alloc(pm.ctx, &root_pa) == 0);
	REQUIRE(pm.ops->alloc(pm.ctx, &ctx_pa) == 0);
	vtd_fill_tables(fmem_ptr(&m, root_pa), fmem_ptr(&m, ctx_pa), ctx_pa,
			dom.root, aw, 1);
	/* Every requester ID, sampled addresses in and out of L1's RAM. */
	for (u32 sid = 0; sid < 65536; sid += 257) {
		static const u64 probe[] = {
			0x0,	    0x9e000,	   0x9f000,   0xa0000,
			0x100000,   0x5000123,	   0xef8a000, 0xef8b000,
			0xf000000,  0xffde000,	   0xffdf000, 0x40000000,
			0xfed90000, 0x100000000ULL
		};

		for (unsigned i = 0; i < ARRAY_SIZE(probe); i++) {
			u64 a = probe[i];
			bool in = (a < 0x9f000) ||
				  (a >= 0x100000 && a < 0xef8b000);
			bool ok = hw_translate(&m, root_pa, (u16)sid, a, &out);

			CHECK_MSG(ok == in, "sid %#x addr %#lx: %s", sid,
				  (unsigned long)a,
				  ok ? "translated" : "blocked");
			if (ok)
				CHECK_EQ(out, a);
			if (a >= hid_s && a < hid_e)
				CHECK(!ok);
		}
	}
	fmem_fini(&m);
}
