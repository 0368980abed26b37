// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the PCI configuration access filter
 * (hv/pci_cfg_filter.c): port kinds for every port and size around
 * 0CF8h-0CFFh, the target decode for every register and port, and the
 * filter exhaustively over small sets of functions and guards, against
 * a restatement of the rules.
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "hv/pci_cfg_filter.h"

#include <string.h>

TEST(port_kinds_exhaustive)
{
	for (unsigned port = 0xc00; port < 0xe00; port++) {
		for (unsigned size = 0; size <= 8; size++) {
			enum pci_cfg_port k =
				pci_cfg_port_kind((u16)port, (u8)size);
			enum pci_cfg_port want = PCI_PORT_OTHER;

			if (port == 0xcf8 && size == 4)
				want = PCI_PORT_ADDR;
			else if (port >= 0xcfc && port <= 0xcff)
				want = ((size == 1 || size == 2 || size == 4) &&
					(port - 0xcfc) + size <= 4) ?
					       PCI_PORT_DATA :
					       PCI_PORT_BAD;
			CHECK_MSG(k == want, "port %#x size %u: %d, want %d",
				  port, size, k, want);
		}
	}
}

TEST(decode_every_register_and_port)
{
	const u32 funcs[] = { 0, 0x0018, 0x00ff, 0xff00, 0xffff, 0x1234 };

	for (unsigned f = 0; f < 6; f++) {
		for (u32 reg = 0; reg < 256; reg++) {
			for (u16 off = 0; off < 4; off++) {
				u32 a = PCI_CFG_ENABLE | funcs[f] << 8 | reg;
				struct pci_cfg_target t =
					pci_cfg_decode(a, 0xcfc + off);

				CHECK(t.enabled);
				CHECK_EQ(t.bdf, funcs[f]);
				CHECK_EQ(t.reg, (reg & 0xfc) + off);
				t = pci_cfg_decode((a & ~PCI_CFG_ENABLE) |
							   0x7f000000,
						   0xcfc + off);
				CHECK(!t.enabled);
				CHECK_EQ(t.bdf, funcs[f]);
			}
		}
	}
}

/*
 * The rule stated independently of pci_cfg_filter(): the guard that
 * decides is the first one naming the function (found scanning from the
 * end, keeping the last hit); then a table by (write, HIDE policy).
 */
static enum pci_cfg_action want_action(const struct pci_cfg_guard *g, u32 nr,
				       u16 seg, u16 bdf, bool write)
{
	static const enum pci_cfg_action table[2][2] = {
		[0] = { [0] = PCI_CFG_PASS, [1] = PCI_CFG_ONES },
		[1] = { [0] = PCI_CFG_DROP, [1] = PCI_CFG_DROP },
	};
	int first = -1;

	for (u32 i = nr; i-- > 0;)
		if (g[i].segment == seg && g[i].bdf == bdf)
			first = (int)i;
	if (first < 0)
		return PCI_CFG_PASS;
	return table[write][g[first].policy == PCI_GUARD_HIDE];
}

TEST(filter_exhaustive_small)
{
	/* Functions: bus 0-3, dev 0-3, fn 0-1, two segments, read and
	 * write; every guard list of up to two entries over a few. */
	const struct pci_cfg_guard opts[] = {
		{ 0, 0x0010, PCI_GUARD_RO }, { 0, 0x0010, PCI_GUARD_HIDE },
		{ 1, 0x0010, PCI_GUARD_RO }, { 0, 0x0209, PCI_GUARD_HIDE },
		{ 0, 0x0000, PCI_GUARD_RO },
	};
	const unsigned n = ARRAY_SIZE(opts);
	struct pci_cfg_guard g[2];
	u64 checked = 0, dropped = 0;

	for (unsigned a = 0; a <= n; a++) {
		for (unsigned b = 0; b <= n; b++) {
			u32 nr = 0;

			if (a < n)
				g[nr++] = opts[a];
			if (b < n)
				g[nr++] = opts[b];
			for (unsigned x = 0; x < 2 * 4 * 4 * 2 * 2; x++) {
				u16 seg = x & 1;
				bool w = x & 2;
				u16 bdf = pci_bdf((x >> 2) & 3, (x >> 4) & 3,
						  (x >> 6) & 1);
				enum pci_cfg_action got =
					pci_cfg_filter(g, nr, seg, bdf, w);

				CHECK_EQ(got, want_action(g, nr, seg, bdf, w));
				checked++;
				dropped += got == PCI_CFG_DROP;
			}
		}
	}
	CHECK_EQ(checked, 36 * 128);
	CHECK(dropped > 0);
}

/* The guarded function itself, spelled out (not via the restatement). */
TEST(filter_guarded_function)
{
	const struct pci_cfg_guard g[] = { { 0, 0x0010, PCI_GUARD_RO },
					   { 0, 0x0018, PCI_GUARD_HIDE } };

	CHECK_EQ(pci_cfg_filter(g, 2, 0, 0x0010, true), PCI_CFG_DROP);
	CHECK_EQ(pci_cfg_filter(g, 2, 0, 0x0010, false), PCI_CFG_PASS);
	CHECK_EQ(pci_cfg_filter(g, 2, 0, 0x0018, true), PCI_CFG_DROP);
	CHECK_EQ(pci_cfg_filter(g, 2, 0, 0x0018, false), PCI_CFG_ONES);
	CHECK_EQ(pci_cfg_filter(g, 2, 1, 0x0010, true), PCI_CFG_PASS);
	CHECK_EQ(pci_cfg_filter(g, 2, 0, 0x0011, true), PCI_CFG_PASS);
}

TEST(unprotected_machine_passes_all)
{
	for (u32 bdf = 0; bdf <= 0xffff; bdf++) {
		CHECK_EQ(pci_cfg_filter(NULL, 0, 0, (u16)bdf, true),
			 PCI_CFG_PASS);
		CHECK_EQ(pci_cfg_filter(NULL, 0, 0, (u16)bdf, false),
			 PCI_CFG_PASS);
	}
}

TEST(ecam_pages)
{
	CHECK_EQ(pci_ecam_page(0xb0000000, 0, 255, pci_bdf(0, 2, 0)),
		 0xb0010000);
	CHECK_EQ(pci_ecam_page(0xb0000000, 0, 255, pci_bdf(1, 0, 1)),
		 0xb0101000);
	CHECK_EQ(pci_ecam_page(0xb0000000, 0, 255, pci_bdf(255, 31, 7)),
		 0xb0000000 + (255ULL << 20) + (31 << 15) + (7 << 12));
	CHECK_EQ(pci_ecam_page(0xe0000000, 4, 8, pci_bdf(5, 0, 0)), 0xe0100000);
	CHECK_EQ(pci_ecam_page(0xe0000000, 4, 8, pci_bdf(3, 0, 0)), ~0ULL);
	CHECK_EQ(pci_ecam_page(0xe0000000, 4, 8, pci_bdf(9, 0, 0)), ~0ULL);
	CHECK_EQ(pci_bdf(0x12, 0x1f, 7), 0x12ff);
	CHECK_EQ(pci_bdf(0, 0x3f, 0xf), 0x00ff);
}

TEST(io_bitmap_marks_exactly_cf8_to_cff)
{
	static u8 map[0x10000 / 8];

	pci_cfg_io_bitmap_set(map);
	for (u32 p = 0; p <= 0xffff; p++)
		CHECK_EQ((map[p / 8] >> (p % 8)) & 1, p >= 0xcf8 && p <= 0xcff);
}

static u8 mcfg[44 + 3 * 16];

static int mcfg_read(void *ctx, u64 pa, void *buf, u32 len)
{
	(void)ctx;
	if (pa > sizeof(mcfg) || len > sizeof(mcfg) - pa)
		return -1;
	memcpy(buf, mcfg + pa, len);
	return 0;
}

static void mcfg_entry(unsigned i, u64 base, u16 seg, u8 sb, u8 eb)
{
	u8 *e = mcfg + 44 + i * 16;

	for (int b = 0; b < 8; b++)
		e[b] = (u8)(base >> (8 * b));
	e[8] = (u8)seg;
	e[9] = (u8)(seg >> 8);
	e[10] = sb;
	e[11] = eb;
}

TEST(mcfg_and_guard_pages)
{
	const struct acpi_reader rd = { mcfg_read, NULL };
	struct pci_ecam_window w[4];
	const struct pci_cfg_guard g[] = { { 0, 0x0018, PCI_GUARD_RO },
					   { 1, 0x0210, PCI_GUARD_RO },
					   { 2, 0x0008, PCI_GUARD_RO } };
	struct mem_range pages[4];
	u32 nr = 0;

	memset(mcfg, 0, sizeof(mcfg));
	mcfg_entry(0, 0xb0000000, 0, 0, 255);
	mcfg_entry(1, 0xc0000000, 1, 2, 3);
	mcfg_entry(2, 0xd0000000, 2, 4, 4);
	REQUIRE(mcfg_parse(&rd, 0, sizeof(mcfg), w, 4, &nr) == 0);
	REQUIRE(nr == 3);
	CHECK_EQ(w[1].base, 0xc0000000);
	CHECK_EQ(w[1].segment, 1);
	CHECK_EQ(w[1].start_bus, 2);
	CHECK_EQ(w[1].end_bus, 3);
	/* 00:03.0 in segment 0; 02:02.0 of segment 1 (bus 2 = window
	 * start); segment 2's bus 0 is outside its window. */
	REQUIRE(pci_ecam_guard_pages(g, 3, w, nr, pages, 4) == 2);
	CHECK_EQ(pages[0].start, 0xb0018000);
	CHECK_EQ(pages[0].end, 0xb0019000);
	CHECK_EQ(pages[1].start, 0xc0010000);
	CHECK_EQ(mcfg_parse(&rd, 0, sizeof(mcfg), w, 2, &nr), -E_TOOBIG);
	CHECK_EQ(mcfg_parse(&rd, 0, sizeof(mcfg) - 1, w, 4, &nr), -E_INVAL);
	CHECK_EQ(mcfg_parse(&rd, 0, 40, w, 4, &nr), -E_INVAL);
	CHECK_EQ(mcfg_parse(&rd, 0, 44, w, 4, &nr), 0);
	CHECK_EQ(nr, 0);
	mcfg_entry(1, 0xc0000000, 1, 3, 2);
	CHECK_EQ(mcfg_parse(&rd, 0, sizeof(mcfg), w, 4, &nr), -E_INVAL);
	mcfg_entry(1, 0xc0080000, 1, 2, 3);
	CHECK_EQ(mcfg_parse(&rd, 0, sizeof(mcfg), w, 4, &nr), -E_INVAL);
	mcfg_entry(1, 0xfffffffffff00000ULL, 1, 0, 1);
	CHECK_EQ(mcfg_parse(&rd, 0, sizeof(mcfg), w, 4, &nr), -E_INVAL);
	CHECK_EQ(mcfg_parse(&rd, sizeof(mcfg) - 44, 60, w, 4, &nr), -E_FAULT);
}
