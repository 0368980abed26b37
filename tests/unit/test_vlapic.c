// SPDX-License-Identifier: MIT
/*
 * Host unit tests of L1's virtual APIC rules (hv/vlapic_rules.c): the
 * IA32_APIC_BASE write checks (SDM Vol. 3A 11.4.4, 11.12.1, 11.12.5) and
 * the ICR action and destination resolution (11.6.1, 11.6.2, 11.12.10).
 */
#include "tests/unit/harness.h"

#include "hv/include/compiler.h"
#include "hv/lapic.h"
#include "hv/vlapic.h"
#include "tests/unit/support/rng.h"

#define EN APIC_BASE_EN
#define EXTD APIC_BASE_EXTD
#define BSP APIC_BASE_BSP
#define BASE APIC_DEFAULT_BASE

static const struct mem_range hidden[] = {
	{ 0x2000000, 0x2200000 }, /* image */
	{ 0xbe00000, 0xbf00000 }, /* pool */
};

static const struct apic_base_env env = {
	.maxphyaddr = 36,
	.x2apic = true,
	.hidden = hidden,
	.nr_hidden = ARRAY_SIZE(hidden),
};

static int wr(const struct apic_base_env *e, u64 cur, u64 val, u64 *next)
{
	*next = 0xdeadbeef;
	return apic_base_write(e, cur, val, next);
}

/* SDM Vol. 3A 11.12.5.1 table 11-5 and figure 11-27: every pair of the
 * four EN/EXTD states. */
TEST(apic_base_transitions)
{
	static const u64 st[4] = { 0, EN, EN | EXTD, EXTD };
	/* ok[from][to]: disabled, xAPIC, x2APIC, invalid */
	static const bool ok[3][4] = {
		{ true, true, false, false }, /* disabled -> xAPIC only */
		{ true, true, true, false }, /* xAPIC -> anything valid */
		{ true, false, true, false }, /* x2APIC -> disabled only */
	};
	u64 next;

	for (int f = 0; f < 3; f++) {
		for (int t = 0; t < 4; t++) {
			for (int bsp = 0; bsp < 2; bsp++) {
				u64 cur = BASE | st[f] | (bsp ? BSP : 0);
				u64 val = BASE | st[t];
				int r = wr(&env, cur, val, &next);

				CHECK_MSG(r == (ok[f][t] ? 0 : -1),
					  "from %d to %d: %d", f, t, r);
				if (!r)
					CHECK_EQ(next, val | (bsp ? BSP : 0));
			}
		}
	}
	/* Without x2APIC, EXTD is reserved: xAPIC -> x2APIC #GPs. */
	struct apic_base_env no_x2 = env;

	no_x2.x2apic = false;
	CHECK_EQ(wr(&no_x2, BASE | EN, BASE | EN | EXTD, &next), -1);
	CHECK_EQ(wr(&no_x2, BASE | EN, BASE, &next), 0);
	CHECK_EQ(wr(&no_x2, BASE, BASE | EN, &next), 0);
}

TEST(apic_base_reserved_bits)
{
	u64 next;

	for (int b = 0; b < 64; b++) {
		u64 val = (BASE | EN) ^ (1ULL << b);
		bool rsvd = b < 8 || b == 9 || b >= env.maxphyaddr;
		int r = wr(&env, BASE | EN, val, &next);

		if (b == 11) /* EN: the xAPIC -> disabled transition */
			CHECK_EQ(r, 0);
		else if (b == 10) /* EXTD: xAPIC -> x2APIC */
			CHECK_EQ(r, 0);
		else if (b == 8) /* BSP: read-only, kept */
			CHECK(!r && next == (BASE | EN));
		else
			CHECK_MSG(r == (rsvd ? -1 : 0), "bit %d: %d", b, r);
	}
	/* MAXPHYADDR decides: bit 39 is an address bit with 40, not with 36. */
	struct apic_base_env wide = env;

	wide.maxphyaddr = 40;
	CHECK_EQ(wr(&wide, BASE | EN, (1ULL << 39) | EN, &next), 0);
	CHECK_EQ(wr(&env, BASE | EN, (1ULL << 39) | EN, &next), -1);
	CHECK_EQ(wr(&wide, BASE | EN, (1ULL << 40) | EN, &next), -1);
	wide.maxphyaddr = 52;
	CHECK_EQ(wr(&wide, BASE | EN, (1ULL << 51) | EN, &next), 0);
	CHECK_EQ(wr(&wide, BASE | EN, (1ULL << 52) | EN, &next), -1);
}

TEST(apic_base_modex_memory)
{
	u64 next;

	/* Any page of the hidden ranges, in every mode, #GPs. */
	for (unsigned i = 0; i < ARRAY_SIZE(hidden); i++) {
		for (u64 a = hidden[i].start; a < hidden[i].end; a += 0x1000) {
			CHECK(wr(&env, BASE | EN, a | EN, &next) == -1);
			CHECK(wr(&env, BASE, a, &next) == -1);
			CHECK(wr(&env, BASE | EN | EXTD, a | EN | EXTD,
				 &next) == -1);
		}
		/* The pages just outside are fine. */
		CHECK_EQ(wr(&env, BASE | EN, (hidden[i].start - 0x1000) | EN,
			    &next),
			 0);
		CHECK_EQ(next, (hidden[i].start - 0x1000) | EN);
		CHECK_EQ(wr(&env, BASE | EN, hidden[i].end | EN, &next), 0);
	}
	/* Moving back to the firmware's base is fine. */
	CHECK_EQ(wr(&env, 0x100000 | EN | BSP, BASE | EN, &next), 0);
	CHECK_EQ(next, BASE | EN | BSP);
}

TEST(icr_action)
{
	for (u32 dm = 0; dm < 8; dm++) {
		for (u32 lvl = 0; lvl < 4; lvl++) {
			u32 lo = (dm << 8) | (lvl << 14) | 0x42;
			enum icr_action a = apic_icr_action(lo);

			if (dm == 5 && lvl == 2) /* level 0, trigger level */
				CHECK_EQ(a, ICR_DROP);
			else if (dm == 5)
				CHECK_EQ(a, ICR_INIT);
			else if (dm == 6)
				CHECK_EQ(a, ICR_SIPI);
			else
				CHECK_EQ(a, ICR_FORWARD);
		}
	}
	CHECK_EQ(apic_icr_action(0xc4500), ICR_INIT); /* Linux: all-but-self */
	CHECK_EQ(apic_icr_action(0x08500), ICR_DROP); /* de-assert */
	CHECK_EQ(apic_icr_action(0x00608), ICR_SIPI);
}

/* ----------------------------------------------- destination resolution */

/* The SDM's predicates, written from its text, one CPU at a time. */
static bool ref_match(const struct apic_cpu *c, u32 i, u32 self, u32 lo,
		      u32 dest, bool x2)
{
	u32 sh = (lo >> 18) & 3;

	if (!c->enabled)
		return false;
	if (sh == 1)
		return i == self;
	if (sh == 2)
		return true;
	if (sh == 3)
		return i != self;
	if (!x2)
		dest &= 0xff;
	if (dest == (x2 ? 0xffffffffu : 0xffu))
		return true;
	if (!(lo & BIT(11)))
		return c->apic_id == dest;
	if (c->x2apic != x2)
		return false;
	if (x2) {
		u32 cluster = c->apic_id >> 4, bit = 1u << (c->apic_id & 15);

		return (dest >> 16) == cluster && (dest & 0xffff & bit);
	}
	if ((c->dfr >> 28) == 0xf)
		return (c->ldr >> 24) & dest;
	if ((c->dfr >> 28) == 0)
		return (c->ldr >> 28) == (dest >> 4) &&
		       ((c->ldr >> 24) & dest & 0xf);
	return false;
}

static void check_all(const struct apic_cpu *cpus, u32 n, u32 lo, u32 dest,
		      bool x2)
{
	for (u32 self = 0; self < n; self++) {
		u64 got = apic_icr_targets(cpus, n, self, lo, dest, x2),
		    want = 0;

		for (u32 i = 0; i < n; i++)
			if (ref_match(&cpus[i], i, self, lo, dest, x2))
				want |= 1ULL << i;
		CHECK_MSG(got == want,
			  "lo %#x dest %#x x2 %d self %u: %#llx, want %#llx",
			  lo, dest, x2, self, (unsigned long long)got,
			  (unsigned long long)want);
	}
}

/* xAPIC: every 8-bit destination, physical and logical, every shorthand,
 * over tables of up to 4 CPUs with flat, cluster and bogus DFRs. */
TEST(icr_targets_xapic_exhaustive)
{
	static const u32 dfrs[] = { 0xffffffff, 0x0fffffff, 0x5fffffff };
	static const u32 ids[] = { 0, 1, 2, 3, 7, 0x10, 0x11, 0xfe };
	u64 seed = 0x1cc0de;

	for (u32 n = 1; n <= 4; n++) {
		for (int round = 0; round < 40; round++) {
			struct apic_cpu cpus[4];

			for (u32 i = 0; i < n; i++) {
				u64 r = rng_next(&seed);

				cpus[i] = (struct apic_cpu){
					.apic_id = ids[r % ARRAY_SIZE(ids)],
					.ldr = (u32)(r >> 8) & 0xff000000,
					.dfr = dfrs
						[round % 2 ?
							 0 :
							 (r >> 40) %
								 ARRAY_SIZE(
									 dfrs)],
					.x2apic = ((r >> 44) & 15) == 0,
					.enabled = ((r >> 48) & 7) != 0,
				};
			}
			for (u32 sh = 0; sh < 4; sh++)
				for (u32 lg = 0; lg < 2; lg++)
					for (u32 d = 0; d < 256; d++)
						check_all(cpus, n,
							  (sh << 18) |
								  (lg << 11) |
								  0x500,
							  d << 0, false);
		}
	}
}

/* x2APIC: clusters 0-2 and broadcast, every 16-bit mask, physical IDs. */
TEST(icr_targets_x2apic_exhaustive)
{
	struct apic_cpu cpus[6] = {
		{ .apic_id = 0, .x2apic = true, .enabled = true },
		{ .apic_id = 1, .x2apic = true, .enabled = true },
		{ .apic_id = 15, .x2apic = true, .enabled = true },
		{ .apic_id = 16, .x2apic = true, .enabled = true },
		{ .apic_id = 33, .x2apic = true, .enabled = false },
		{ .apic_id = 34, .x2apic = false, .enabled = true },
	};

	for (u32 cl = 0; cl < 4; cl++)
		for (u32 m = 0; m < 65536; m += (cl == 3 ? 4096 : 1))
			check_all(cpus, 6, 0x600 | BIT(11),
				  (cl == 3 ? 0xffff0000u : cl << 16) | m, true);
	for (u32 d = 0; d < 40; d++)
		for (u32 sh = 0; sh < 4; sh++)
			check_all(cpus, 6, 0x500 | (sh << 18), d, true);
	check_all(cpus, 6, 0x500, 0xffffffff, true);
}

/* Values worked out by hand from the SDM text. */
TEST(icr_targets_examples)
{
	struct apic_cpu c[4] = {
		{ 0, 0x01000000, 0xffffffff, false, true },
		{ 1, 0x02000000, 0xffffffff, false, true },
		{ 2, 0x04000000, 0xffffffff, false, true },
		{ 3, 0x08000000, 0xffffffff, false, false },
	};

	/* Physical INIT to APIC 1; to 3 (disabled); broadcast 0xff. */
	CHECK_EQ(apic_icr_targets(c, 4, 0, 0x4500, 1, false), 0x2);
	CHECK_EQ(apic_icr_targets(c, 4, 0, 0x4500, 3, false), 0);
	CHECK_EQ(apic_icr_targets(c, 4, 0, 0x4500, 0xff, false), 0x7);
	/* xAPIC destination is 8 bits: 0x101 is APIC 1. */
	CHECK_EQ(apic_icr_targets(c, 4, 0, 0x4500, 0x101, false), 0x2);
	/* Flat logical MDA 0x05: CPUs 0 and 2. */
	CHECK_EQ(apic_icr_targets(c, 4, 1, 0x4d00, 0x05, false), 0x5);
	/* Shorthands from CPU 1: self, all, all but self. */
	CHECK_EQ(apic_icr_targets(c, 4, 1, 0x44500, 0, false), 0x2);
	CHECK_EQ(apic_icr_targets(c, 4, 1, 0x84500, 0, false), 0x7);
	CHECK_EQ(apic_icr_targets(c, 4, 1, 0xc4500, 0, false), 0x5);
	/* Cluster model: cluster 1, members 1 and 2 (LDR 0x11, 0x12). */
	for (int i = 0; i < 4; i++)
		c[i].dfr = 0x0fffffff;
	c[0].ldr = 0x11000000;
	c[1].ldr = 0x12000000;
	c[2].ldr = 0x21000000;
	CHECK_EQ(apic_icr_targets(c, 4, 3, 0x4d00, 0x13, false), 0x3);
	CHECK_EQ(apic_icr_targets(c, 4, 3, 0x4d00, 0x21, false), 0x4);
	CHECK_EQ(apic_icr_targets(c, 4, 3, 0x4d00, 0x31, false), 0);
	/* x2APIC logical: ID 0x21 is cluster 2, bit 1. */
	CHECK_EQ(x2apic_ldr(0x21), 0x20002);
	c[0] = (struct apic_cpu){ 0x21, 0, 0, true, true };
	CHECK_EQ(apic_icr_targets(c, 1, 0, 0x4d00, 0x20002, true), 1);
	CHECK_EQ(apic_icr_targets(c, 1, 0, 0x4d00, 0x10002, true), 0);
	CHECK_EQ(apic_icr_targets(c, 1, 0, 0x4500, 0x21, true), 1);
}
