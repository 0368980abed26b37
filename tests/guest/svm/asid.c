// SPDX-License-Identifier: MIT
/*
 * Group "asid": the TLB controls of VMRUN (APM Vol. 2 15.16): ASIDs, the
 * TLB_CONTROL values (3 and 7 only with flush by ASID, CPUID 8000_000A
 * EDX[6]) and INVLPGA (Vol. 3 INVLPGA). Each flush must make a change of
 * L2's own page tables, made by L1, visible to L2.
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

#define DATA_OFF 0x800

static void tlb_value(const char *what, u8 v)
{
	struct l2_exit e;

	vmcb_setup(true);
	vmcb.c.tlb_control = v;
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall(what, &e, (u64)l2_vmmcall);
}

static int asid_tlb_control(void)
{
	struct l2_exit e;

	tlb_value("TLB_CONTROL=0 (nothing)", TLB_NOTHING);
	tlb_value("TLB_CONTROL=1 (everything)", TLB_FLUSH_ALL);
	if (svm_has(SVM_F_FLUSH_ASID)) {
		tlb_value("TLB_CONTROL=3 (this ASID)", TLB_FLUSH_ASID);
		tlb_value("TLB_CONTROL=7 (this ASID, non-global)",
			  TLB_FLUSH_ASID_NONGLOBAL);
	} else {
		GINFO("TLB_CONTROL 3 and 7: skip (flush by ASID not advertised)\n");
	}
	/* APM Vol. 2 15.16: ASIDs 1 to NASID-1 are the guests'. */
	vmcb_setup(true);
	vmcb.c.asid = svm_caps.nasid - 1;
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall("ASID NASID-1", &e, (u64)l2_vmmcall);
	return 0;
}

enum flush { F_ALL, F_ASID, F_ASID_NG, F_INVLPGA, F_NEW_ASID };
static const char *const flush_name[] = { "TLB_CONTROL=1", "TLB_CONTROL=3",
					  "TLB_CONTROL=7", "INVLPGA",
					  "a new ASID" };

static u64 l2_read_test(struct l2_exit *e)
{
	l2_regs.rdi = TEST_LA_4K + DATA_OFF;
	l2_call(l2_read, 0, e);
	return l2_regs.rax;
}

/*
 * L2 reads TEST_LA_4K, L1 points L2's PTE elsewhere and flushes with
 * @f: L2's next read sees the new page.
 */
static void flush_case(enum flush f)
{
	u64 *pte = l2_test_pte(), old = *pte, got;
	char what[80];
	struct l2_exit e;

	guest_snprintf(what, sizeof(what), "L2 PTE changed, flush by %s",
		       flush_name[f]);
	*(u64 *)(test_page_4k + DATA_OFF) = 0x4444;
	*(u64 *)(test_page_alt + DATA_OFF) = 0x5555;
	vmcb_setup(true);
	vmcb.c.tlb_control = TLB_FLUSH_ALL;
	got = l2_read_test(&e);
	if (!expect_vmmcall(what, &e, (u64)l2_read + 3))
		return;
	expect_eq(what, "RAX before", got, 0x4444);
	vmcb.c.tlb_control = TLB_NOTHING;
	/* The alternate page at its identity GPA (NPT12 maps the image 1:1). */
	*pte = (u64)test_page_alt | PTE_UPW;
	switch (f) {
	case F_ALL:
		vmcb.c.tlb_control = TLB_FLUSH_ALL;
		break;
	case F_ASID:
		vmcb.c.tlb_control = TLB_FLUSH_ASID;
		break;
	case F_ASID_NG:
		vmcb.c.tlb_control = TLB_FLUSH_ASID_NONGLOBAL;
		break;
	case F_INVLPGA:
		invlpga(TEST_LA_4K, vmcb.c.asid);
		break;
	case F_NEW_ASID:
		vmcb_fresh_asid();
		break;
	}
	got = l2_read_test(&e);
	if (expect_vmmcall(what, &e, (u64)l2_read + 3))
		expect_eq(what, "RAX after", got, 0x5555);
	*pte = old;
}

static int asid_flush(void)
{
	flush_case(F_ALL);
	flush_case(F_INVLPGA);
	flush_case(F_NEW_ASID);
	if (!svm_has(SVM_F_FLUSH_ASID)) {
		GINFO("TLB_CONTROL 3 and 7: skip (flush by ASID not advertised)\n");
		return 0;
	}
	flush_case(F_ASID);
	flush_case(F_ASID_NG);
	return 0;
}

/* APM Vol. 2 15.13.1 (INVLPGA intercept): EXITCODE 0x7a. */
static int asid_invlpga_intercept(void)
{
	struct l2_exit e;

	vmcb_setup(true);
	vmcb.c.intercepts1 |= INT1_INVLPGA;
	l2_regs.rax = TEST_LA_4K;
	l2_regs.rcx = 1;
	l2_call(l2_invlpga, 0, &e);
	if (expect_exit("INVLPGA in L2", &e, VMEXIT_INVLPGA)) {
		expect_eq("INVLPGA in L2", "RIP", e.rip, (u64)l2_invlpga);
		expect_nrip("INVLPGA in L2", &e, (u64)l2_invlpga + 3);
	}
	return 0;
}

void group_asid(void)
{
	run_check("asid-tlb-control", asid_tlb_control);
	run_check("asid-flush", asid_flush);
	run_check("asid-invlpga-intercept", asid_invlpga_intercept);
}
