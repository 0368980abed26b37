// SPDX-License-Identifier: MIT
/*
 * Permission-table tests: tables agree with the rules for every role,
 * kind and acc; the MBEC, GMET, WP, SMEP and SMAP rules case by case.
 */
#include "tests/unit/harness.h"

#include "mm/perm.h"

static void role(struct mmu_role *r, struct perm_table *t, enum pt_type type,
		 u32 flags, bool wp, bool smep, bool smap)
{
	struct pt_format f;

	REQUIRE(pt_format_init(&f, type, 46, flags) == 0);
	mmu_role_init(r, &f, wp, smep, smap);
	perm_init(t, r);
}

TEST(tables_match_rules)
{
	static const struct {
		enum pt_type type;
		u32 flags;
	} fm[] = {
		{ PT_EPT, 0 },
		{ PT_EPT, PTF_MBEC },
		{ PT_NPT, 0 },
		{ PT_NPT, PTF_GMET },
		{ PT_NPT, PTF_NXE | PTF_GMET },
		{ PT_X86, 0 },
		{ PT_X86, PTF_NXE },
	};
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(fm) / sizeof(fm[0]); i++) {
		for (unsigned cr = 0; cr < 8; cr++) {
			struct mmu_role r;
			struct perm_table t;

			role(&r, &t, fm[i].type, fm[i].flags, cr & 1, cr & 2,
			     cr & 4);
			for (unsigned k = 0; k < PK_NR; k++)
				for (unsigned a = 0; a < ACC_NR_COMBOS; a++) {
					CHECK_EQ(perm_fault(&t, k, a),
						 perm_rule_fault(&r, k, a));
					n++;
				}
			/* op 3 is not an access */
			CHECK(perm_fault(&t, 3, ACC_MASK));
		}
	}
	CHECK_EQ(n, 7 * 8 * 16 * 32);
}

#define SR PK_READ
#define SW PK_WRITE
#define SX PK_FETCH
#define UR (PK_READ | PK_USER)
#define UW (PK_WRITE | PK_USER)
#define UX (PK_FETCH | PK_USER)

TEST(ept_mbec)
{
	struct mmu_role r;
	struct perm_table t;

	role(&r, &t, PT_EPT, PTF_MBEC, 0, 0, 0);
	CHECK(!perm_fault(&t, SX, ACC_READ | ACC_EXEC));
	CHECK(perm_fault(&t, UX, ACC_READ | ACC_EXEC));
	CHECK(!perm_fault(&t, UX, ACC_READ | ACC_USER_EXEC));
	CHECK(perm_fault(&t, SX, ACC_READ | ACC_USER_EXEC));
	CHECK(perm_fault(&t, SW, ACC_READ | ACC_X_BOTH));
	CHECK(!perm_fault(&t, UW, ACC_WRITE));
	CHECK(!perm_fault(&t, UR, ACC_READ)); /* ACC_USER means nothing */
	role(&r, &t, PT_EPT, 0, 0, 0, 0);
	/* without MBEC only XS counts, whatever the kind */
	CHECK(!perm_fault(&t, UX, ACC_READ | ACC_EXEC));
	CHECK(perm_fault(&t, UX, ACC_READ | ACC_USER_EXEC));
}

TEST(npt_gmet)
{
	struct mmu_role r;
	struct perm_table t;
	acc_t rw = ACC_READ | ACC_WRITE;

	role(&r, &t, PT_NPT, PTF_NXE, 0, 0, 0);
	/* without GMET: U=0 anywhere faults every access, even "supervisor" */
	for (unsigned k = 0; k < PK_NR; k++)
		if (pk_valid(k))
			CHECK(perm_fault(&t, k, rw | ACC_X_BOTH));
	CHECK(!perm_fault(&t, SX, rw | ACC_USER | ACC_X_BOTH));
	CHECK(!perm_fault(&t, SR, rw | ACC_USER));
	CHECK(perm_fault(&t, SX, rw | ACC_USER));
	role(&r, &t, PT_NPT, PTF_NXE | PTF_GMET, 0, 0, 0);
	/* GMET: U=0 executes in both modes, U=1 in user mode only */
	CHECK(!perm_fault(&t, SX, rw | ACC_X_BOTH));
	CHECK(!perm_fault(&t, UX, rw | ACC_X_BOTH));
	CHECK(perm_fault(&t, SX, rw | ACC_USER | ACC_X_BOTH));
	CHECK(!perm_fault(&t, UX, rw | ACC_USER | ACC_X_BOTH));
	CHECK(perm_fault(&t, UX, rw | ACC_USER));
	/* U no longer matters for data */
	CHECK(!perm_fault(&t, SR, rw));
	CHECK(!perm_fault(&t, UW, rw));
	CHECK(!perm_fault(&t, SW, rw | ACC_USER));
	CHECK(perm_fault(&t, UW, ACC_READ | ACC_USER));
}

TEST(x86_wp_smep_smap)
{
	struct mmu_role r;
	struct perm_table t;
	acc_t sup_ro = ACC_READ | ACC_X_BOTH;
	acc_t usr_ro = sup_ro | ACC_USER;
	acc_t usr_rw = usr_ro | ACC_WRITE;

	role(&r, &t, PT_X86, PTF_NXE, false, false, false);
	CHECK(!perm_fault(&t, SW, sup_ro)); /* WP=0 */
	CHECK(perm_fault(&t, UW, usr_ro));
	CHECK(perm_fault(&t, UR, sup_ro));
	CHECK(!perm_fault(&t, SX, usr_ro)); /* no SMEP */
	CHECK(!perm_fault(&t, SR, usr_ro)); /* no SMAP */
	CHECK(perm_fault(&t, SX, ACC_READ));
	role(&r, &t, PT_X86, PTF_NXE, true, true, true);
	CHECK(perm_fault(&t, SW, sup_ro));
	CHECK(perm_fault(&t, SX, usr_ro));
	CHECK(!perm_fault(&t, UX, usr_ro));
	CHECK(perm_fault(&t, SR, usr_ro));
	CHECK(!perm_fault(&t, SR | PK_AC, usr_ro));
	CHECK(!perm_fault(&t, SW | PK_AC, usr_rw));
	CHECK(perm_fault(&t, SW | PK_AC, usr_ro));
	CHECK(perm_fault(&t, SX | PK_AC, usr_ro)); /* AC: data only */
	CHECK(!perm_fault(&t, UR | PK_AC, usr_ro));
	/* WP=0 with SMAP and AC: a read-only user page is writable */
	role(&r, &t, PT_X86, PTF_NXE, false, false, true);
	CHECK(!perm_fault(&t, SW | PK_AC, usr_ro));
	CHECK(perm_fault(&t, SW, usr_ro));
}

TEST(allowed_kinds)
{
	struct mmu_role r;
	struct perm_table t;

	role(&r, &t, PT_EPT, PTF_MBEC, 0, 0, 0);
	CHECK_EQ(perm_allowed_kinds(&t, 0), 0);
	/* R: reads of every flavour (4 of them: +USER, +AC, +both) */
	CHECK_EQ(perm_allowed_kinds(&t, ACC_READ),
		 (1u << SR) | (1u << UR) | (1u << (SR | PK_AC)) |
			 (1u << (UR | PK_AC)));
}
