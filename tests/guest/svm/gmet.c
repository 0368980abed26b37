// SPDX-License-Identifier: MIT
/*
 * Group "gmet": guest mode execute trap (CPUID 8000_000A EDX[17], VMCB
 * 090h bit 3). With GMET, NPT fetches are classed by L2's CPL (CPL < 3
 * supervisor): a supervisor fetch from a translation that is user (U=1 at
 * every NPT level) is an #NPF; U no longer restricts reads, writes or
 * user fetches; NX still applies. So L2's own code lives behind U=0.
 * Erratum 1218: the U bit of EXITINFO1 may be wrong for fetch faults under
 * GMET, so it is not checked for them.
 * Where GMET is not advertised the bit is not GMET: "gmet-ignored" checks
 * that an L2 with it set behaves as without GMET (every NPT access a user
 * access).
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set, NPT advertised.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

#define DATA_OFF 0x800

static void setup(void)
{
	vmcb_setup(true);
	vmcb.c.np_ctl |= NP_GMET;
	vmcb.c.tlb_control = TLB_FLUSH_ALL;
}

static void fetch_case(const char *what, int cpl, u64 pte_bits, bool fault,
		       u64 info1)
{
	u64 *pte = npt_slot_entry[SLOT_PTE], old = *pte;
	u64 target = TEST_LA_4K + TEST_CODE_OFF;
	struct l2_exit e;

	setup();
	*pte = (old & ~(PTE_U | PTE_NX)) | pte_bits;
	l2_regs.rdi = target;
	l2_call(l2_fetch, cpl, &e);
	*pte = old;
	if (!fault) {
		expect_vmmcall(what, &e, target);
		return;
	}
	if (expect_exit(what, &e, VMEXIT_NPF)) {
		expect_eq(what, "EXITINFO1 (U not checked)",
			  e.info1 & ~(u64)NPF_U, info1);
		expect_eq(what, "EXITINFO2", e.info2,
			  test_gpa_4k + TEST_CODE_OFF);
	}
}

static void data_case(const char *what, void (*fn)(void), int cpl)
{
	u64 *pte = npt_slot_entry[SLOT_PTE], old = *pte;
	struct l2_exit e;

	setup();
	*pte = old & ~PTE_U;
	l2_regs.rdi = TEST_LA_4K + DATA_OFF;
	l2_regs.rsi = 0x77;
	l2_call(fn, cpl, &e);
	*pte = old;
	expect_vmmcall(what, &e, (u64)fn + 3);
}

static int gmet_rules(void)
{
	struct l2_exit e;

	if (!svm_has(SVM_F_GMET) || !svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	/* L2's code behind U=0: executable at CPL 0 and 3. */
	npt_ident_user(false);
	setup();
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall("GMET, code U=0, CPL 0", &e, (u64)l2_vmmcall);
	setup();
	l2_call(l2_vmmcall, 3, &e);
	expect_vmmcall("GMET, code U=0, CPL 3", &e, (u64)l2_vmmcall);
	fetch_case("GMET, test page U=0, CPL 0 fetch", 0, 0, false, 0);
	fetch_case("GMET, test page U=0, CPL 3 fetch", 3, 0, false, 0);
	/* A user translation needs U=1 at every level: its own PML4E. */
	if (test_pml4e_private) {
		fetch_case("GMET, test page U=1, CPL 0 fetch", 0, PTE_U, true,
			   NPF_FINAL | NPF_P | NPF_ID);
		fetch_case("GMET, test page U=1, CPL 3 fetch", 3, PTE_U, false,
			   0);
	}
	fetch_case("GMET, test page U=0 NX, CPL 0 fetch", 0, PTE_NX, true,
		   NPF_FINAL | NPF_P | NPF_ID);
	fetch_case("GMET, test page U=1 NX, CPL 3 fetch", 3, PTE_U | PTE_NX,
		   true, NPF_FINAL | NPF_P | NPF_ID);
	/* U no longer restricts data accesses. */
	data_case("GMET, test page U=0, CPL 0 read", l2_read, 0);
	data_case("GMET, test page U=0, CPL 3 write", l2_write, 3);
	npt_ident_user(true);
	return 0;
}

static int gmet_ignored(void)
{
	u64 *pte = npt_slot_entry[SLOT_PTE], old = *pte;
	struct l2_exit e;

	if (svm_has(SVM_F_GMET) || !svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	/* U=1 everywhere: a CPL 0 L2 runs (GMET would trap its fetches). */
	setup();
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall("GMET bit without GMET, CPL 0", &e, (u64)l2_vmmcall);
	/* U=0 still faults a read, as a user access. */
	setup();
	*pte = old & ~PTE_U;
	l2_regs.rdi = TEST_LA_4K + DATA_OFF;
	l2_call(l2_read, 0, &e);
	*pte = old;
	if (expect_exit("GMET bit without GMET, U=0 read", &e, VMEXIT_NPF))
		expect_eq("GMET bit without GMET, U=0 read", "EXITINFO1",
			  e.info1, NPF_FINAL | NPF_P | NPF_U);
	return 0;
}

void group_gmet(void)
{
	run_check("gmet-rules", gmet_rules);
	run_check("gmet-ignored", gmet_ignored);
}
