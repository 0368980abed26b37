// SPDX-License-Identifier: MIT
/* Host unit tests of the Linux boot protocol's e820 map (hv/e820.c). */
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#include "hv/e820.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"

static struct boot_e820_entry e[E820_MAX_ENTRIES];

#define R(b, l, t) ((struct l1_mem_region){ (b), (l), (t) })

TEST(sorts_and_merges)
{
	const struct l1_mem_region m[] = {
		R(0x200000, 0x100000, L1_MEM_AVAILABLE),
		R(0, 0x9fc00, L1_MEM_AVAILABLE),
		R(0x100000, 0x100000, L1_MEM_AVAILABLE), /* touches: merged */
		R(0x9fc00, 0x400, L1_MEM_RESERVED),
		R(0x300000, 0, L1_MEM_NVS), /* empty: dropped */
	};
	int n = e820_build(m, ARRAY_SIZE(m), e, E820_MAX_ENTRIES);

	REQUIRE(n == 3);
	CHECK_EQ(e[0].addr, 0);
	CHECK_EQ(e[0].size, 0x9fc00);
	CHECK_EQ(e[1].addr, 0x9fc00);
	CHECK_EQ(e[1].type, L1_MEM_RESERVED);
	CHECK_EQ(e[2].addr, 0x100000);
	CHECK_EQ(e[2].size, 0x200000);
	CHECK_EQ(e[2].type, L1_MEM_AVAILABLE);
}

TEST(overlap_takes_the_restrictive_type)
{
	const struct l1_mem_region m[] = {
		R(0x100000, 0x1000000, L1_MEM_AVAILABLE),
		R(0x400000, 0x1000, L1_MEM_ACPI),
		R(0x400800, 0x1000, L1_MEM_NVS),
	};
	int n = e820_build(m, ARRAY_SIZE(m), e, E820_MAX_ENTRIES);

	REQUIRE(n == 4);
	CHECK_EQ(e[0].addr, 0x100000);
	CHECK_EQ(e[0].size, 0x300000);
	CHECK_EQ(e[1].addr, 0x400000);
	CHECK_EQ(e[1].size, 0x800);
	CHECK_EQ(e[1].type, L1_MEM_ACPI);
	CHECK_EQ(e[2].addr, 0x400800);
	CHECK_EQ(e[2].size, 0x1000);
	CHECK_EQ(e[2].type, L1_MEM_NVS);
	CHECK_EQ(e[3].addr, 0x401800);
	CHECK_EQ(e[3].type, L1_MEM_AVAILABLE);
	CHECK_EQ(e[3].addr + e[3].size, 0x1100000);
}

TEST(wrapping_length_saturates)
{
	const struct l1_mem_region m[] = {
		R(0xfffffffffffff000ULL, 0x10000, L1_MEM_RESERVED),
	};
	int n = e820_build(m, 1, e, E820_MAX_ENTRIES);

	REQUIRE(n == 1);
	CHECK_EQ(e[0].addr + e[0].size, ~0ULL);
}

TEST(too_many_and_bad_arguments)
{
	static struct l1_mem_region m[E820_MAX_ENTRIES + 1];

	for (unsigned i = 0; i < ARRAY_SIZE(m); i++)
		m[i] = R(i * 0x2000ULL, 0x1000, L1_MEM_AVAILABLE);
	CHECK(e820_build(m, ARRAY_SIZE(m), e, E820_MAX_ENTRIES) == -E_TOOBIG);
	CHECK(e820_build(m, E820_MAX_ENTRIES, e, E820_MAX_ENTRIES) ==
	      E820_MAX_ENTRIES);
	CHECK(e820_build(m, 4, e, 3) == -E_TOOBIG);
	CHECK(e820_build(NULL, 1, e, 4) == -E_INVAL);
	CHECK(e820_build(m, 1, NULL, 4) == -E_INVAL);
	CHECK(e820_build(m, 1, e, E820_MAX_ENTRIES + 1) == -E_INVAL);
	CHECK(e820_build(m, 0, e, 4) == 0);
}

/* The model of the rule: available < ACPI reclaimable < the others. */
static unsigned rank(u32 t)
{
	return t == L1_MEM_AVAILABLE ? 0 : t == L1_MEM_ACPI ? 1 : 2 + t;
}

/* Random maps: the output is sorted, disjoint, never two touching
 * entries of one type, and every address has the type the rules give. */
TEST(random_maps_keep_the_invariants)
{
	uint64_t r = 0xe820;

	for (int round = 0; round < 2000; round++) {
		struct l1_mem_region m[12];
		unsigned k = 1 + rng_next(&r) % ARRAY_SIZE(m);
		int n;

		for (unsigned i = 0; i < k; i++)
			m[i] = R((rng_next(&r) % 64) * 0x1000,
				 (rng_next(&r) % 16) * 0x1000,
				 1 + rng_next(&r) % 5);
		n = e820_build(m, k, e, E820_MAX_ENTRIES);
		REQUIRE(n >= 0);
		for (int i = 1; i < n; i++) {
			CHECK(e[i].addr >= e[i - 1].addr + e[i - 1].size);
			CHECK(!(e[i].addr == e[i - 1].addr + e[i - 1].size &&
				e[i].type == e[i - 1].type));
		}
		for (u64 a = 0; a < 80 * 0x1000; a += 0x800) {
			u32 want = 0, got = 0;

			for (unsigned i = 0; i < k; i++) {
				if (a < m[i].base || a >= m[i].base + m[i].len)
					continue;
				if (!want || rank(m[i].type) > rank(want))
					want = m[i].type;
			}
			for (int i = 0; i < n; i++)
				if (a >= e[i].addr && a < e[i].addr + e[i].size)
					got = e[i].type;
			CHECK_EQ(got, want);
		}
	}
}
