// SPDX-License-Identifier: MIT
/*
 * Group "vmrun": VMRUN's consistency checks (APM Vol. 2 15.5.1, "Canonical
 * and consistency checks"): illegal guest state is a #VMEXIT with EXITCODE
 * VMEXIT_INVALID (-1) before L2 runs; a valid VMCB enters.
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

#define CR0_PE BIT(0)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR4_PAE BIT(5)

/* Run the default L2 after @edit changed the VMCB: VMEXIT_INVALID. */
static void invalid_case(const char *what, void (*edit)(struct vmcb *v))
{
	struct l2_exit e;

	vmcb_setup(true);
	l2_start(l2_vmmcall, 0);
	edit(&vmcb);
	l2_run(&e);
	expect_exit(what, &e, VMEXIT_INVALID);
}

static void no_svme(struct vmcb *v)
{
	v->s.efer &= ~EFER_SVME;
}

static void nw_without_cd(struct vmcb *v)
{
	v->s.cr0 = (v->s.cr0 & ~CR0_CD) | CR0_NW;
}

static void cr0_high(struct vmcb *v)
{
	v->s.cr0 |= BIT(32);
}

static void cr0_high63(struct vmcb *v)
{
	v->s.cr0 |= BIT(63);
}

/* Long-mode CR3: bits 63:MAXPHYADDR (52 at most) are MBZ. */
static void cr3_mbz(struct vmcb *v)
{
	unsigned b = svm_caps.maxphyaddr < 52 ? svm_caps.maxphyaddr : 52;

	v->s.cr3 |= BIT(b);
}

static void cr3_mbz63(struct vmcb *v)
{
	v->s.cr3 |= BIT(63);
}

static void cr4_rsvd63(struct vmcb *v)
{
	v->s.cr4 |= BIT(63);
}

static void cr4_rsvd32(struct vmcb *v)
{
	v->s.cr4 |= BIT(32);
}

static void dr6_high(struct vmcb *v)
{
	v->s.dr6 |= BIT(32);
}

static void dr7_high(struct vmcb *v)
{
	v->s.dr7 |= BIT(32);
}

static void efer_rsvd(struct vmcb *v)
{
	v->s.efer |= BIT(63);
}

static void efer_rsvd9(struct vmcb *v)
{
	v->s.efer |= BIT(9);
}

static void lm_no_pae(struct vmcb *v)
{
	v->s.cr4 &= ~CR4_PAE;
}

static void lm_no_pe(struct vmcb *v)
{
	v->s.cr0 &= ~CR0_PE;
}

/* CS.D is descriptor bit 54, attribute bit 10. */
static void cs_l_and_d(struct vmcb *v)
{
	v->s.cs.attr |= BIT(10);
}

static void no_vmrun_intercept(struct vmcb *v)
{
	v->c.intercepts2 &= ~INT2_VMRUN;
}

static void asid0(struct vmcb *v)
{
	v->c.asid = 0;
}

/*
 * Bochs 3.0 deviations from APM Vol. 2 15.5.1, each skipped there only:
 * it does not check long-mode CR3's MBZ bits (VMRUN enters, the walk then
 * faults), and it ends the emulation ("EFER.LMA is set when CR0.PE=0")
 * instead of failing VMRUN for long mode with CR0.PE=0.
 */
#define BOCHS_NO_CHECK 1
#define BOCHS_DIES 2

static const struct {
	const char *name;
	void (*edit)(struct vmcb *v);
	int bochs;
} cases[] = {
	{ "EFER.SVME=0", no_svme, 0 },
	{ "CR0.CD=0 with CR0.NW=1", nw_without_cd, 0 },
	{ "CR0 bit 32 set", cr0_high, 0 },
	{ "CR0 bit 63 set", cr0_high63, 0 },
	{ "CR3 bit MAXPHYADDR set (long mode)", cr3_mbz, BOCHS_NO_CHECK },
	{ "CR3 bit 63 set (long mode)", cr3_mbz63, BOCHS_NO_CHECK },
	{ "CR4 bit 63 set", cr4_rsvd63, 0 },
	{ "CR4 bit 32 set", cr4_rsvd32, 0 },
	{ "DR6 bit 32 set", dr6_high, 0 },
	{ "DR7 bit 32 set", dr7_high, 0 },
	{ "EFER bit 63 set", efer_rsvd, 0 },
	{ "EFER bit 9 set", efer_rsvd9, 0 },
	{ "EFER.LME=CR0.PG=1 with CR4.PAE=0", lm_no_pae, 0 },
	{ "EFER.LME=CR0.PG=1 with CR0.PE=0", lm_no_pe, BOCHS_DIES },
	{ "long mode with CS.L=1 and CS.D=1", cs_l_and_d, 0 },
	{ "VMRUN intercept clear", no_vmrun_intercept, 0 },
	{ "ASID 0", asid0, 0 },
};

static int vmrun_invalid(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].bochs && host_is_bochs()) {
			GINFO("%s: skip on Bochs (%s)\n", cases[i].name,
			      cases[i].bochs == BOCHS_DIES ?
				      "it ends the emulation" :
				      "it does not check it");
			continue;
		}
		invalid_case(cases[i].name, cases[i].edit);
	}
	return 0;
}

static void valid_case(const char *what, bool npt, int cpl)
{
	struct l2_exit e;

	vmcb_setup(npt);
	l2_call(l2_vmmcall, cpl, &e);
	if (expect_vmmcall(what, &e, (u64)l2_vmmcall)) {
		expect_eq(what, "CPL", e.cpl, cpl);
		expect_nrip(what, &e, (u64)l2_vmmcall + 3);
	}
}

static int vmrun_valid(void)
{
	struct l2_exit e;

	valid_case("a valid VMCB, CPL 0", true, 0);
	valid_case("a valid VMCB, CPL 3", true, 3);
	if (svm_has(SVM_F_NPT))
		valid_case("a valid VMCB without nested paging", false, 0);
	/* After VMEXIT_INVALID the same VMCB, fixed, still enters. */
	vmcb_setup(true);
	vmcb.c.asid = 0;
	l2_call(l2_vmmcall, 0, &e);
	expect_exit("ASID 0", &e, VMEXIT_INVALID);
	vmcb.c.asid = 1;
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall("the same VMCB with ASID 1", &e, (u64)l2_vmmcall);
	/* L2's registers arrive and come back (RAX through the VMCB). */
	vmcb_setup(true);
	l2_regs.rax = 0x1111;
	l2_regs.rbx = 0x2222;
	l2_regs.r15 = 0x3333;
	l2_call(l2_nop, 0, &e);
	expect_vmmcall("L2 NOPs", &e, (u64)l2_nop + 2);
	expect_eq("L2 NOPs", "RAX", l2_regs.rax, 0x1111);
	expect_eq("L2 NOPs", "RBX", l2_regs.rbx, 0x2222);
	expect_eq("L2 NOPs", "R15", l2_regs.r15, 0x3333);
	return 0;
}

void group_vmrun(void)
{
	run_check("vmrun-invalid", vmrun_invalid);
	run_check("vmrun-valid", vmrun_valid);
}
