// SPDX-License-Identifier: MIT
/*
 * Group "vpid": VPIDs and INVVPID (SDM Vol. 3C 29.1, 31.3 INVVPID). A
 * VPID of 0 with "enable VPID" fails entry (27.2.1.1); each advertised
 * INVVPID type succeeds, an unadvertised or reserved type, VPID 0 for the
 * types that name one, and a non-canonical address fail with
 * VMfailValid(28). A TLB-visible check: after L1 changes L2's PTE and
 * invalidates with INVVPID, L2 must see the new translation.
 * Context: L1 at CPL 0, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

#define L2_VPID 1

static u8 alt_page[4096] __aligned(4096);

static int vpid_skip(void)
{
	return CHECK_SKIP;
}

static void vpid_setup(void)
{
	vmcs_setup(vmx_has_ept());
	ctl_set(PROC_CTLS2, PROC2_VPID);
	vmw(VPID, L2_VPID);
}

static int vpid_entry(void)
{
	struct l2_exit e;

	vpid_setup();
	vmw(VPID, 0);
	l2_run(&e);
	expect_valid("enable VPID with VPID 0", e.entry, 7);
	vmw(VPID, L2_VPID);
	l2_run(&e);
	expect_vmcall("enable VPID with VPID 1", &e, (u64)l2_vmcall);
	return 0;
}

static int vpid_invvpid(void)
{
	static const char *const names[4] = {
		"individual-address", "single-context", "all-context",
		"single-context-retaining-globals"
	};
	u64 cap = vmx_caps.ept_vpid;
	char what[64];

	if (!(cap & VPID_CAP_INVVPID))
		return CHECK_SKIP;
	for (unsigned t = 0; t < 4; t++) {
		guest_snprintf(what, sizeof(what), "INVVPID %s", names[t]);
		if (cap & BIT(40 + t))
			expect_ok(what, invvpid(t, L2_VPID, TEST_LA_4K_USER));
		else
			expect_valid(what, invvpid(t, L2_VPID, TEST_LA_4K_USER),
				     28);
	}
	expect_valid("INVVPID type 4", invvpid(4, L2_VPID, 0), 28);
	if (cap & VPID_CAP_ADDR) {
		expect_valid("INVVPID individual-address, VPID 0",
			     invvpid(0, 0, TEST_LA_4K_USER), 28);
		expect_valid("INVVPID individual-address, non-canonical",
			     invvpid(0, L2_VPID, 0x0000800000000000ULL), 28);
	}
	if (cap & VPID_CAP_SINGLE)
		expect_valid("INVVPID single-context, VPID 0", invvpid(1, 0, 0),
			     28);
	if (cap & VPID_CAP_SINGLE_GLOBALS)
		expect_valid("INVVPID single-context-retaining-globals, VPID 0",
			     invvpid(3, 0, 0), 28);
	if (cap & VPID_CAP_ALL)
		expect_ok("INVVPID all-context, VPID 0", invvpid(2, 0, 0));
	return 0;
}

/* L2 reads TEST_LA_4K_USER + 0x100; returns what it read. */
static u64 l2_read_test(const char *what)
{
	struct l2_exit e;

	l2_regs.rdi = TEST_LA_4K_USER + 0x100;
	l2_call(l2_read, 0, &e);
	expect_vmcall(what, &e, (u64)l2_read + 3);
	return l2_regs.rax;
}

static bool invvpid_any(unsigned prefer)
{
	u64 cap = vmx_caps.ept_vpid;
	unsigned t = cap & BIT(40 + prefer) ? prefer : 2;

	if (!(cap & VPID_CAP_INVVPID) || !(cap & BIT(40 + t)))
		return false;
	expect_ok("INVVPID", invvpid(t, L2_VPID, TEST_LA_4K_USER));
	return true;
}

static int vpid_tlb(void)
{
	u64 *pte = l2_test_pte(), old = *pte, a, b;
	u64 want_new = 0x0123456789abcdefULL;

	if (!vmx_has_ept())
		return CHECK_SKIP; /* the test GPA exists only in EPT12 */
	memcpy(alt_page + 0x100, &want_new, 8);
	vpid_setup();
	a = l2_read_test("read through the old PTE");
	expect_eq("read through the old PTE", "value", a,
		  *(u64 *)(test_page_4k + 0x100));
	*pte = (u64)alt_page | PTE_UPW;
	if (!invvpid_any(0)) {
		*pte = old;
		return CHECK_SKIP;
	}
	b = l2_read_test("read after the PTE change and INVVPID");
	expect_eq("read after INVVPID", "value", b, want_new);
	*pte = old;
	invvpid_any(1);
	b = l2_read_test("read after restoring the PTE and INVVPID");
	expect_eq("read after the second INVVPID", "value", b, a);
	return 0;
}

void group_vpid(void)
{
	if (!vmx_has_vpid()) {
		run_check("vpid", vpid_skip);
		return;
	}
	run_check("vpid-entry", vpid_entry);
	run_check("vpid-invvpid", vpid_invvpid);
	run_check("vpid-tlb", vpid_tlb);
}
