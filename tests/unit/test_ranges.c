// SPDX-License-Identifier: MIT
/* Host unit tests of the physical range arithmetic (hv/ranges.c). */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "hv/ranges.h"

static struct mem_range out[16];

TEST(subtract_middle_and_edges)
{
	const struct mem_range ram[] = { { 0, 0x9f000 },
					 { 0x100000, 0x10000000 } };
	const struct mem_range modex[] = { { 0x2000000, 0x2100000 },
					   { 0xf000000, 0x10000000 } };
	int n = ranges_subtract(ram, 2, modex, 2, out, 16);

	REQUIRE(n == 3);
	CHECK_EQ(out[0].start, 0);
	CHECK_EQ(out[0].end, 0x9f000);
	CHECK_EQ(out[1].start, 0x100000);
	CHECK_EQ(out[1].end, 0x2000000);
	CHECK_EQ(out[2].start, 0x2100000);
	CHECK_EQ(out[2].end, 0xf000000);
}

TEST(unaligned_cuts_round_outwards)
{
	const struct mem_range ram[] = { { 0x1000, 0x10000 } };
	const struct mem_range cut[] = { { 0x3010, 0x4001 } };
	int n = ranges_subtract(ram, 1, cut, 1, out, 16);

	REQUIRE(n == 2);
	CHECK_EQ(out[0].end, 0x3000);
	CHECK_EQ(out[1].start, 0x5000);
}

TEST(overlapping_and_unsorted_cuts)
{
	const struct mem_range ram[] = { { 0x10000, 0x20000 } };
	const struct mem_range cut[] = { { 0x18000, 0x30000 },
					 { 0x12000, 0x14000 },
					 { 0x13000, 0x19000 },
					 { 0, 0x11000 } };
	int n = ranges_subtract(ram, 1, cut, 4, out, 16);

	REQUIRE(n == 1);
	CHECK_EQ(out[0].start, 0x11000);
	CHECK_EQ(out[0].end, 0x12000);
	CHECK(ranges_contain(cut, 4, 0x18000));
	CHECK(!ranges_contain(cut, 4, 0x30000));
}

TEST(all_cut_and_overflow)
{
	const struct mem_range ram[] = { { 0x1000, 0x9000 } };
	const struct mem_range all[] = { { 0, 0x10000 } };
	const struct mem_range holes[] = { { 0x2000, 0x3000 },
					   { 0x4000, 0x5000 } };

	CHECK_EQ(ranges_subtract(ram, 1, all, 1, out, 16), 0);
	CHECK_EQ(ranges_subtract(ram, 1, holes, 2, out, 2), -E_TOOBIG);
	CHECK_EQ(ranges_subtract(ram, 1, holes, 2, out, 3), 3);
}

TEST(overlap_is_half_open)
{
	static const struct mem_range r[] = { { 0x1000, 0x3000 },
					      { 0x8000, 0x9000 } };

	CHECK(ranges_overlap(r, 2, 0x2fff, 0x4000));
	CHECK(!ranges_overlap(r, 2, 0x3000, 0x8000)); /* touching only */
	CHECK(!ranges_overlap(r, 2, 0x0, 0x1000));
	CHECK(ranges_overlap(r, 2, 0x0, 0x10000)); /* covers both */
	CHECK(ranges_overlap(r, 2, 0x8fff, 0x9000));
	CHECK(!ranges_overlap(r, 0, 0x0, ~0ULL));
}
