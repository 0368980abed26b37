// SPDX-License-Identifier: MIT
/*
 * Host unit tests of Modex's placement at the top of low RAM and of the
 * rebasing of its image (hv/layout.c), with fake and hostile maps.
 */
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/layout.h"

#define MIB 0x100000ULL
#define AV MB2_MEM_AVAILABLE
#define RS MB2_MEM_RESERVED

/* QEMU with 256 MiB, as its firmware reports it. */
static const struct mb2_region qemu_map[] = {
	{ 0, 0x9fc00, AV },
	{ 0x9fc00, 0x400, RS },
	{ 0xf0000, 0x10000, RS },
	{ MIB, 0xffe0000 - MIB, AV },
	{ 0xffe0000, 0x20000, RS },
	{ 0xfffc0000, 0x40000, RS },
	{ 0xfd00000000ULL, 0x300000000ULL, RS },
};

TEST(top_of_low_ram)
{
	struct mem_range busy[] = { { 0x2000000, 0x2047000 },
				    { 0x10000, 0x11000 } };
	u64 base = 0;

	REQUIRE(layout_place(qemu_map, ARRAY_SIZE(qemu_map), 17 * MIB, busy, 2,
			     &base) == 0);
	CHECK_EQ(base, 0xffe0000 - 17 * MIB);
}

TEST(below_what_grub_placed)
{
	/* A module at the top: the highest window below it. */
	struct mem_range busy[] = { { 0xff00000, 0xff00010 } };
	u64 base = 0;

	REQUIRE(layout_place(qemu_map, ARRAY_SIZE(qemu_map), 16 * MIB, busy, 1,
			     &base) == 0);
	CHECK_EQ(base, 0xff00000 - 16 * MIB);
	/* Unaligned obstacle ends round the window down to a page. */
	busy[0] = (struct mem_range){ 0xff00800, 0xff00900 };
	REQUIRE(layout_place(qemu_map, ARRAY_SIZE(qemu_map), 16 * MIB, busy, 1,
			     &base) == 0);
	CHECK_EQ(base, 0xff00000 - 16 * MIB);
}

TEST(unaligned_region_end_and_4g_cap)
{
	const struct mb2_region m[] = {
		{ 0, 0x9fc00, AV },
		{ MIB, 0x17fffffffULL, AV }, /* to 6 GiB + 0xfff00000 */
	};
	const struct mb2_region u[] = { { 0, 0x7fe0123, AV } };
	u64 base = 0;

	REQUIRE(layout_place(m, 2, 16 * MIB, NULL, 0, &base) == 0);
	CHECK_EQ(base, LAYOUT_4G - 16 * MIB);
	REQUIRE(layout_place(u, 1, 16 * MIB, NULL, 0, &base) == 0);
	CHECK_EQ(base, 0x7fe0000 - 16 * MIB);
}

TEST(other_types_inside_the_region_are_obstacles)
{
	const struct mb2_region m[] = {
		{ 0, 0x10000000, AV },
		{ 0xf000000, 0x1000, RS }, /* overlaps the available one */
	};
	u64 base = 0;

	REQUIRE(layout_place(m, 2, 16 * MIB, NULL, 0, &base) == 0);
	CHECK_EQ(base, 0xf000000 - 16 * MIB);
}

TEST(no_room_and_bad_input)
{
	const struct mb2_region small[] = { { 0, 8 * MIB, AV } };
	const struct mb2_region none[] = { { 0, 0x9fc00, AV },
					   { 2 * MIB, 64 * MIB, AV } };
	const struct mb2_region wrap[] = { { 0, ~0ULL, AV } };
	struct mem_range all[] = { { 0, LAYOUT_4G } };
	u64 base = 0;

	CHECK(layout_place(small, 1, 16 * MIB, NULL, 0, &base) == -E_NOMEM);
	/* The window stays at or above 1 MiB. */
	CHECK(layout_place(small, 1, 7 * MIB + 0x1000, NULL, 0, &base) ==
	      -E_NOMEM);
	CHECK(layout_place(small, 1, 7 * MIB, NULL, 0, &base) == 0);
	CHECK_EQ(base, MIB);
	CHECK(layout_place(none, 2, MIB, NULL, 0, &base) == -E_NOENT);
	CHECK(layout_place(wrap, 1, MIB, all, 1, &base) == -E_NOMEM);
	CHECK(layout_place(wrap, 1, MIB, NULL, 0, &base) == 0);
	CHECK_EQ(base, LAYOUT_4G - MIB);
	CHECK(layout_place(wrap, 1, ~0ULL & ~0xfffULL, NULL, 0, &base) ==
	      -E_NOMEM);
	CHECK(layout_place(wrap, 1, 0, NULL, 0, &base) == -E_INVAL);
	CHECK(layout_place(wrap, 1, 0x800, NULL, 0, &base) == -E_INVAL);
	CHECK(layout_place(NULL, 1, MIB, NULL, 0, &base) == -E_INVAL);
	CHECK(layout_place(wrap, 1, MIB, NULL, 1, &base) == -E_INVAL);
}

/* Random maps and obstacles: a result is always a free, aligned window
 * inside the region with 1 MiB, and there is none higher. */
TEST(random_windows_are_free_and_highest)
{
	uint64_t r = 0x1a7001;

	for (int round = 0; round < 3000; round++) {
		struct mb2_region m[6];
		struct mem_range busy[6];
		unsigned n = 1 + rng_next(&r) % 6, nb = rng_next(&r) % 6;
		u64 size = (1 + rng_next(&r) % 64) * 0x1000, base = 0;
		int ret;

		for (unsigned i = 0; i < n; i++)
			m[i] = (struct mb2_region){
				(rng_next(&r) % 0x200) * 0x1000,
				(rng_next(&r) % 0x200) * 0x1000,
				1 + rng_next(&r) % 2
			};
		m[0] = (struct mb2_region){
			0, 0x100000 + (1 + rng_next(&r) % 0x100) * 0x1000, AV
		};
		for (unsigned i = 0; i < nb; i++) {
			u64 s = rng_next(&r) % 0x200000;

			busy[i] =
				(struct mem_range){ s,
						    s + rng_next(&r) % 0x8000 };
		}
		ret = layout_place(m, n, size, busy, nb, &base);
		if (ret)
			continue;
		CHECK(base >= MIB && base % 0x1000 == 0);
		CHECK(base + size <= m[0].base + m[0].len);
		for (unsigned i = 0; i < nb; i++)
			CHECK(base + size <= busy[i].start ||
			      base >= busy[i].end ||
			      busy[i].start == busy[i].end);
		for (unsigned i = 0; i < n; i++)
			if (m[i].type != AV)
				CHECK(base + size <= m[i].base ||
				      base >= m[i].base + m[i].len ||
				      !m[i].len);
	}
}

/* ---- relocation ---- */

#define LINK 0x2000000ULL
#define RELA(off, add)                                         \
	((struct elf64_rela){ LINK + (off), R_X86_64_RELATIVE, \
			      (s64)(LINK + (add)) })

TEST(relocate_rebases_every_target)
{
	u8 img[64] = { 0 };
	const struct elf64_rela rela[] = { RELA(0, 0x10), RELA(8, 64),
					   RELA(21, 0) };
	u64 v;

	REQUIRE(layout_relocate(img, sizeof(img), LINK, 0xef99000, rela, 3) ==
		0);
	memcpy(&v, img, 8);
	CHECK_EQ(v, 0xef99010);
	memcpy(&v, img + 8, 8);
	CHECK_EQ(v, 0xef99000 + 64); /* one past the end is allowed */
	memcpy(&v, img + 21, 8); /* unaligned targets are written whole */
	CHECK_EQ(v, 0xef99000);
	/* Moving down works as well. */
	REQUIRE(layout_relocate(img, sizeof(img), LINK, 0x100000, rela, 1) ==
		0);
	memcpy(&v, img, 8);
	CHECK_EQ(v, 0x100010);
}

TEST(relocate_refuses_hostile_entries_before_writing)
{
	u8 img[64], orig[64];
	struct elf64_rela bad[] = {
		RELA(0, 8), RELA(57, 0), /* 8 bytes from 57 leave the image */
	};

	memset(img, 0x5a, sizeof(img));
	memcpy(orig, img, sizeof(img));
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_RANGE);
	CHECK(!memcmp(img, orig, sizeof(img))); /* nothing applied */
	bad[1] = (struct elf64_rela){ LINK - 8, R_X86_64_RELATIVE, LINK };
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_RANGE);
	bad[1] = RELA(0, 65); /* addend past the end */
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_RANGE);
	bad[1] =
		(struct elf64_rela){ LINK, R_X86_64_RELATIVE, (s64)(LINK - 1) };
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_RANGE);
	bad[1] = (struct elf64_rela){ LINK, 1 /* R_X86_64_64 */, (s64)LINK };
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_NOSUPP);
	bad[1] = (struct elf64_rela){ LINK, (1ULL << 32) | R_X86_64_RELATIVE,
				      (s64)LINK };
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_NOSUPP);
	bad[1] = (struct elf64_rela){ ~0ULL, R_X86_64_RELATIVE, (s64)LINK };
	CHECK(layout_relocate(img, sizeof(img), LINK, 0, bad, 2) == -E_RANGE);
	CHECK(!memcmp(img, orig, sizeof(img)));
	CHECK(layout_relocate(img, 4, LINK, 0, bad, 1) == -E_RANGE);
	CHECK(layout_relocate(NULL, 64, LINK, 0, bad, 1) == -E_INVAL);
	CHECK(layout_relocate(img, 64, LINK, 0, NULL, 1) == -E_INVAL);
	CHECK(layout_relocate(img, 64, LINK, 0, NULL, 0) == 0);
}

/* OVMF with 256 MiB: NVS runs split low RAM; the region holding 1 MiB
 * is too small, the largest one takes Modex at its top. */
TEST(largest_region_when_low_ram_is_split)
{
	const struct mb2_region ovmf[] = {
		{ 0, 0xa0000, AV },
		{ MIB, 0x706000, AV },
		{ 0x806000, 0x2000, MB2_MEM_NVS },
		{ 0x808000, 0x8000, AV },
		{ 0x810000, 0xf0000, MB2_MEM_NVS },
		{ 0x900000, 0xe1a0000, AV },
		{ 0xeaa0000, 0x102000, RS },
		{ 0xeba2000, 0x94a000, AV },
		{ 0xffc00000, 0x400000, RS },
		{ 0x100000000ULL, 0x40000000ULL, AV }, /* above 4 GiB: no */
	};
	const struct mb2_region twins[] = { { 2 * MIB, 32 * MIB, AV },
					    { 64 * MIB, 32 * MIB, AV } };
	const struct mb2_region high[] = { { 0, 0x9f000, AV },
					   { LAYOUT_4G, 1ULL << 32, AV } };
	struct mem_range busy[] = { { 0xea00000, 0xea10000 } };
	u64 base = 0;

	CHECK(layout_place(ovmf, ARRAY_SIZE(ovmf), 17 * MIB, NULL, 0, &base) ==
	      -E_NOMEM);
	REQUIRE(layout_place_largest(ovmf, ARRAY_SIZE(ovmf), 17 * MIB, NULL, 0,
				     &base) == 0);
	CHECK_EQ(base, 0xeaa0000 - 17 * MIB);
	/* A module at the top: below it, still in that region. */
	REQUIRE(layout_place_largest(ovmf, ARRAY_SIZE(ovmf), 17 * MIB, busy, 1,
				     &base) == 0);
	CHECK_EQ(base, 0xea00000 - 17 * MIB);
	/* Equal sizes: the higher region. */
	REQUIRE(layout_place_largest(twins, 2, 16 * MIB, NULL, 0, &base) == 0);
	CHECK_EQ(base, 80 * MIB);
	/* Too big for the largest; nothing in [1 MiB, 4 GiB); bad input. */
	CHECK(layout_place_largest(twins, 2, 33 * MIB, NULL, 0, &base) ==
	      -E_NOMEM);
	CHECK(layout_place_largest(high, 2, MIB, NULL, 0, &base) == -E_NOENT);
	CHECK(layout_place_largest(twins, 2, 0x800, NULL, 0, &base) ==
	      -E_INVAL);
	CHECK(layout_place_largest(NULL, 1, MIB, NULL, 0, &base) == -E_INVAL);
}
