// SPDX-License-Identifier: MIT
/*
 * Format tests: exhaustive encode/decode round trips (never more than
 * asked, exact when representable, GMET rounding reported), present and
 * leaf tests, reserved bits and EPT misconfigurations per level.
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "mm/perm.h"
#include "mm/pt_format.h"

struct fmt_case {
	enum pt_type type;
	u32 flags;
};

static const struct fmt_case fmt_cases[] = {
	{ PT_X86, PTF_NXE | PTF_1G },
	{ PT_X86, PTF_1G },
	{ PT_X86, PTF_NXE | PTF_AMD | PTF_5LEVEL },
	{ PT_NPT, PTF_NXE | PTF_1G },
	{ PT_NPT, PTF_NXE | PTF_GMET | PTF_1G },
	{ PT_NPT, PTF_GMET },
	{ PT_NPT, 0 },
	{ PT_EPT, PTF_1G },
	{ PT_EPT, PTF_1G | PTF_EXEC_ONLY },
	{ PT_EPT, PTF_1G | PTF_MBEC },
	{ PT_EPT, PTF_1G | PTF_MBEC | PTF_EXEC_ONLY | PTF_AD },
	{ PT_EPT, PTF_NO_2M | PTF_5LEVEL },
	{ PT_VTD, PTF_1G },
	{ PT_VTD, PTF_NO_2M | PTF_3LEVEL },
	{ PT_VTD, PTF_5LEVEL | PTF_VTD_SC | PTF_VTD_TM },
	{ PT_AMDVI, 0 },
	{ PT_AMDVI, PTF_3LEVEL },
	{ PT_AMDVI, PTF_5LEVEL },
};

static u16 allowed(const struct perm_table *t, acc_t acc)
{
	return perm_allowed_kinds(t, acc);
}

TEST(round_trip_exhaustive)
{
	for (unsigned c = 0; c < ARRAY_SIZE(fmt_cases); c++) {
		struct pt_format f;
		struct mmu_role r;
		struct perm_table t;

		REQUIRE(pt_format_init(&f, fmt_cases[c].type, 46,
				       fmt_cases[c].flags) == 0);
		mmu_role_strict(&r, &f);
		perm_init(&t, &r);
		for (unsigned level = 1; level <= f.levels; level++) {
			for (unsigned want = 0; want < ACC_NR_COMBOS; want++) {
				u64 e = 0xdead, pa = pt_level_size(level) * 3;
				acc_t g = 0xff;
				int ret = pt_encode_leaf(&f, level, pa, want, 0,
							 &e, &g);

				if (!pt_leaf_allowed(&f, level)) {
					CHECK_EQ(ret, -E_INVAL);
					continue;
				}
				if (ret == -E_NOSUPP) {
					/* only where NX is reserved */
					CHECK_MSG(f.type != PT_EPT &&
							  !pt_fmt_has(&f,
								      PTF_NXE),
						  "c %u l %u w %#x", c, level,
						  want);
					CHECK(allowed(&t, want) !=
					      allowed(&t, want | ACC_X_BOTH));
					continue;
				}
				REQUIRE(ret == 0 || ret == 1);
				CHECK_EQ(pt_entry_acc(&f, e), g);
				CHECK_MSG(
					!(allowed(&t, g) & ~allowed(&t, want)),
					"case %u level %u want %#x granted %#x",
					c, level, want, g);
				CHECK_EQ(ret,
					 allowed(&t, g) != allowed(&t, want));
				if (!e)
					continue;
				CHECK(pt_present(&f, e));
				CHECK(pt_is_leaf(&f, level, e));
				CHECK_EQ(pt_check_entry(&f, level, e),
					 PT_ENTRY_OK);
				CHECK_EQ(pt_entry_addr(&f, level, e), pa);
			}
		}
	}
}

TEST(exact_when_representable)
{
	struct pt_format f;
	u64 e;
	acc_t g;

	/* EPT with MBEC: every R/W/XS/XU combination with R is exact */
	REQUIRE(pt_format_init(&f, PT_EPT, 46, PTF_MBEC) == 0);
	for (unsigned want = 0; want < ACC_NR_COMBOS; want++) {
		if (!(want & ACC_READ) || (want & ACC_USER))
			continue;
		CHECK_EQ(pt_encode_leaf(&f, 1, 0, want, 0, &e, &g), 0);
		CHECK_EQ(g, want);
	}
	/* EPT XU-only: execute-only, exact only with the capability */
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_USER_EXEC, 0, &e, &g), 1);
	CHECK_EQ(e, 0);
	REQUIRE(pt_format_init(&f, PT_EPT, 46, PTF_MBEC | PTF_EXEC_ONLY) == 0);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_USER_EXEC, 0, &e, &g), 0);
	CHECK_EQ(e, EPTE_XU);
	CHECK_EQ(g, ACC_USER_EXEC);
	/* EPT without MBEC: X only when both modes asked; bit 10 = X */
	REQUIRE(pt_format_init(&f, PT_EPT, 46, 0) == 0);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_RWX_BOTH, 0, &e, &g), 0);
	CHECK_EQ(e, EPTE_R | EPTE_W | EPTE_XS | EPTE_XU);
	CHECK_EQ(g, ACC_RWX_BOTH);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_READ | ACC_EXEC, 0, &e, &g), 1);
	CHECK_EQ(e, EPTE_R);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_WRITE, 0, &e, &g), 1);
	CHECK_EQ(e, 0);
	/* x86 host: W^X encodings */
	REQUIRE(pt_format_init(&f, PT_X86, 46, PTF_NXE) == 0);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0x5000, ACC_READ | ACC_EXEC, 0, &e, &g),
		 0);
	CHECK_EQ(e, 0x5000 | PTE_P);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0x5000, ACC_READ | ACC_WRITE, 0, &e, &g),
		 0);
	CHECK_EQ(e, 0x5000 | PTE_P | PTE_RW | PTE_NX);
	CHECK_EQ(pt_encode_leaf(&f, 2, SZ_2M, ACC_READ, PTE_G | PTE_PAT_4K, &e,
				&g),
		 0);
	CHECK_EQ(e, SZ_2M | PTE_P | PTE_NX | PTE_PS | PTE_G | PTE_PAT_LARGE);
}

TEST(gmet_rounds_down_and_reports)
{
	struct pt_format f;
	u64 e;
	acc_t g;

	REQUIRE(pt_format_init(&f, PT_NPT, 46, PTF_NXE | PTF_GMET) == 0);
	/* supervisor-only execute does not exist under GMET */
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_READ | ACC_EXEC, 0, &e, &g), 1);
	CHECK_EQ(e, PTE_P | PTE_NX);
	CHECK_EQ(g, ACC_READ);
	/* both modes: U=0 */
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_RWX_BOTH, 0, &e, &g), 0);
	CHECK_EQ(e, PTE_P | PTE_RW);
	CHECK_EQ(pt_acc_full(&f), ACC_RWX_BOTH);
	/* user-only execute: U=1, NX=0 */
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, ACC_READ | ACC_USER_EXEC, 0, &e, &g),
		 0);
	CHECK_EQ(e, PTE_P | PTE_US);
	/* without GMET everything needs U=1 */
	REQUIRE(pt_format_init(&f, PT_NPT, 46, PTF_NXE) == 0);
	CHECK_EQ(pt_acc_full(&f), ACC_RWX_BOTH | ACC_USER);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0, pt_acc_full(&f), 0, &e, &g), 0);
	CHECK_EQ(e, PTE_P | PTE_RW | PTE_US);
}

TEST(present_and_leaf)
{
	struct pt_format f;

	REQUIRE(pt_format_init(&f, PT_EPT, 46, 0) == 0);
	CHECK(!pt_present(&f, EPTE_XU)); /* bit 10 ignored without MBEC */
	CHECK_EQ(pt_entry_acc(&f, EPTE_R | EPTE_XU), ACC_READ);
	CHECK_EQ(pt_entry_acc(&f, EPTE_R | EPTE_XS),
		 ACC_READ | ACC_EXEC | ACC_USER_EXEC);
	REQUIRE(pt_format_init(&f, PT_EPT, 46, PTF_MBEC) == 0);
	CHECK(pt_present(&f, EPTE_XU));
	CHECK_EQ(pt_entry_acc(&f, EPTE_R | EPTE_XS), ACC_READ | ACC_EXEC);
	CHECK_EQ(pt_entry_acc(&f, EPTE_R | EPTE_XU), ACC_READ | ACC_USER_EXEC);
	CHECK(pt_is_leaf(&f, 1, EPTE_R));
	CHECK(!pt_is_leaf(&f, 2, EPTE_R));
	CHECK(pt_is_leaf(&f, 2, EPTE_R | EPTE_PS));
	CHECK(!pt_is_leaf(&f, 4, EPTE_R | EPTE_PS));
	REQUIRE(pt_format_init(&f, PT_X86, 46, PTF_NXE) == 0);
	CHECK(!pt_present(&f, PTE_RW | PTE_US));
	CHECK_EQ(pt_entry_acc(&f, PTE_RW), 0);
	CHECK_EQ(pt_entry_acc(&f, PTE_P | PTE_NX), ACC_READ);
	CHECK_EQ(pt_entry_acc(&f, PTE_P | PTE_US | PTE_RW),
		 ACC_READ | ACC_WRITE | ACC_USER | ACC_X_BOTH);
	REQUIRE(pt_format_init(&f, PT_X86, 46, 0) == 0);
	CHECK_EQ(pt_entry_acc(&f, PTE_P), ACC_READ | ACC_X_BOTH);
	CHECK_EQ(pt_format_init(&f, PT_EPT, 46, PTF_GMET), -E_INVAL);
	CHECK_EQ(pt_format_init(&f, PT_NPT, 46, PTF_MBEC), -E_INVAL);
	CHECK_EQ(pt_format_init(&f, PT_X86, 53, 0), -E_INVAL);
}

#define OK PT_ENTRY_OK
#define RSVD PT_ENTRY_RSVD
#define MISC PT_ENTRY_MISCONFIG

TEST(x86_reserved_bits)
{
	struct pt_format f;

	REQUIRE(pt_format_init(&f, PT_X86, 40, PTF_NXE) == 0);
	CHECK_EQ(pt_check_entry(&f, 4, PTE_P | PTE_PS), RSVD);
	CHECK_EQ(pt_check_entry(&f, 4, PTE_P | BIT(8)), OK); /* Intel */
	CHECK_EQ(pt_check_entry(&f, 4, PTE_P | BIT(39)), OK);
	CHECK_EQ(pt_check_entry(&f, 4, PTE_P | BIT(40)), RSVD);
	CHECK_EQ(pt_check_entry(&f, 1, PTE_P | BIT(51)), RSVD);
	CHECK_EQ(pt_check_entry(&f, 1, PTE_P | BIT(52)), OK); /* ignored */
	CHECK_EQ(pt_check_entry(&f, 1, PTE_P | PTE_NX), OK);
	CHECK_EQ(pt_check_entry(&f, 1, PTE_P | PTE_PAT_4K), OK);
	CHECK_EQ(pt_check_entry(&f, 3, PTE_P | PTE_PS), RSVD); /* no 1G */
	CHECK_EQ(pt_check_entry(&f, 2, PTE_P | PTE_PS | PTE_PAT_LARGE), OK);
	CHECK_EQ(pt_check_entry(&f, 2, PTE_P | PTE_PS | BIT(13)), RSVD);
	CHECK_EQ(pt_check_entry(&f, 2, PTE_P | PTE_PS | BIT(20)), RSVD);
	CHECK_EQ(pt_check_entry(&f, 2, PTE_P | PTE_PS | BIT(21)), OK);
	CHECK_EQ(pt_check_entry(&f, 2, PTE_P | BIT(13)), OK); /* table addr */
	CHECK_EQ(pt_check_entry(&f, 1, PTE_NX | BIT(51)), OK); /* absent */
	REQUIRE(pt_format_init(&f, PT_X86, 40, PTF_1G | PTF_AMD) == 0);
	CHECK_EQ(pt_check_entry(&f, 1, PTE_P | PTE_NX), RSVD); /* NXE=0 */
	CHECK_EQ(pt_check_entry(&f, 4, PTE_P | BIT(8)), RSVD); /* AMD */
	CHECK_EQ(pt_check_entry(&f, 3, PTE_P | BIT(8)), RSVD);
	CHECK_EQ(pt_check_entry(&f, 2, PTE_P | BIT(8)), OK);
	CHECK_EQ(pt_check_entry(&f, 3, PTE_P | PTE_PS | PTE_G), OK);
	CHECK_EQ(pt_check_entry(&f, 3, PTE_P | PTE_PS | BIT(29)), RSVD);
	CHECK_EQ(pt_check_entry(&f, 3, PTE_P | PTE_PS | BIT(30)), OK);
	REQUIRE(pt_format_init(&f, PT_X86, 52, PTF_NXE | PTF_5LEVEL) == 0);
	CHECK_EQ(pt_check_entry(&f, 5, PTE_P | PTE_PS), RSVD);
	CHECK_EQ(pt_check_entry(&f, 5, PTE_P | BIT(51)), OK);
}

TEST(ept_misconfigurations)
{
	struct pt_format f;
	u64 wb = PT_ATTR_EPT_WB;

	REQUIRE(pt_format_init(&f, PT_EPT, 40, PTF_1G) == 0);
	/* SDM 29.3.3.1: W without R; X-only without the capability */
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_W | wb), MISC);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_W | EPTE_XS | wb), MISC);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_XS | wb), MISC);
	CHECK_EQ(pt_check_entry(&f, 4, EPTE_XS), MISC);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | wb), OK);
	/* memory types 2, 3, 7 in leaves */
	for (u64 mt = 0; mt < 8; mt++)
		CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | mt << EPTE_MT_SHIFT),
			 (mt == 2 || mt == 3 || mt == 7) ? MISC : OK);
	CHECK_EQ(pt_check_entry(&f, 2, EPTE_R | EPTE_PS | 7 << 3), MISC);
	/* reserved: 7:3 in PML4E, 6:3 in non-leaf, large-page low bits */
	for (unsigned b = 3; b <= 7; b++) {
		CHECK_EQ(pt_check_entry(&f, 4, EPTE_R | BIT(b)), MISC);
		if (b < 7) {
			CHECK_EQ(pt_check_entry(&f, 3, EPTE_R | BIT(b)), MISC);
			CHECK_EQ(pt_check_entry(&f, 2, EPTE_R | BIT(b)), MISC);
		}
	}
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | EPTE_PS | wb), OK); /* ign. */
	CHECK_EQ(pt_check_entry(&f, 2, EPTE_R | EPTE_PS | wb | BIT(12)), MISC);
	CHECK_EQ(pt_check_entry(&f, 2, EPTE_R | EPTE_PS | wb | BIT(21)), OK);
	CHECK_EQ(pt_check_entry(&f, 3, EPTE_R | EPTE_PS | wb | BIT(29)), MISC);
	CHECK_EQ(pt_check_entry(&f, 3, EPTE_R | EPTE_PS | wb | BIT(30)), OK);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | wb | BIT(40)), MISC);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | wb | BIT(39)), OK);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | wb | EPTE_SVE), OK);
	/* bit 10 ignored without MBEC: W+XU is not "W without R" */
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_XU | wb), OK); /* not present */
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_R | EPTE_XU | wb), OK);
	REQUIRE(pt_format_init(&f, PT_EPT, 40, PTF_NO_2M) == 0);
	CHECK_EQ(pt_check_entry(&f, 2, EPTE_R | EPTE_PS | wb), MISC);
	CHECK_EQ(pt_check_entry(&f, 3, EPTE_R | EPTE_PS | wb), MISC);
	/* MBEC: XU counts as X for the checks (REFERENCE.md section 1) */
	REQUIRE(pt_format_init(&f, PT_EPT, 40, PTF_MBEC) == 0);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_XU | wb), MISC);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_W | EPTE_XU | wb), MISC);
	CHECK_EQ(pt_check_entry(&f, 3, EPTE_XU), MISC);
	REQUIRE(pt_format_init(&f, PT_EPT, 40, PTF_MBEC | PTF_EXEC_ONLY) == 0);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_XU | wb), OK);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_XS | wb), OK);
	CHECK_EQ(pt_check_entry(&f, 1, EPTE_W | EPTE_XU | wb), MISC);
}

TEST(relevel_and_addr)
{
	struct pt_format f;
	u64 e, s;

	REQUIRE(pt_format_init(&f, PT_X86, 46, PTF_NXE | PTF_1G) == 0);
	REQUIRE(pt_encode_leaf(&f, 2, SZ_2M * 5, ACC_READ, PTE_PAT_4K, &e,
			       NULL) == 0);
	s = pt_leaf_relevel(&f, 2, 1, e, SZ_2M * 5 + 0x3000);
	CHECK_EQ(s, (SZ_2M * 5 + 0x3000) | PTE_P | PTE_NX | PTE_PAT_4K);
	CHECK_EQ(pt_leaf_relevel(&f, 1, 2, s, SZ_2M * 5), e);
	CHECK_EQ(pt_leaf_with_addr(&f, 2, e, SZ_2M * 7) &
			 ~(PTE_P | PTE_NX | PTE_PS | PTE_PAT_LARGE),
		 SZ_2M * 7);
	REQUIRE(pt_format_init(&f, PT_EPT, 46, PTF_1G) == 0);
	REQUIRE(pt_encode_leaf(&f, 3, SZ_1G, ACC_READ, PT_ATTR_EPT_WB, &e,
			       NULL) == 0);
	s = pt_leaf_relevel(&f, 3, 2, e, SZ_1G + SZ_2M);
	CHECK_EQ(pt_check_entry(&f, 2, s), OK);
	CHECK(pt_is_leaf(&f, 2, s));
	CHECK_EQ(pt_entry_addr(&f, 2, s), SZ_1G + SZ_2M);
	s = pt_leaf_relevel(&f, 2, 1, s, SZ_1G + SZ_2M + 0x1000);
	CHECK_EQ(s & EPTE_PS, 0);
	CHECK_EQ(pt_entry_addr(&f, 1, s), SZ_1G + SZ_2M + 0x1000);
}
