// SPDX-License-Identifier: MIT
/*
 * Group "inject": event injection through EVENTINJ (APM Vol. 2 15.20) as
 * L2's own handlers see it, and EXITINTINFO (15.7.2) when the delivery of
 * an injected event is intercepted.
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

#define L2_UNMAPPED 0x80000000ULL /* no L2 PDPTE maps 2 GiB */

/*
 * Inject @evt (with error code @err when EVT_EV) into L2 about to run
 * l2_nop at CPL @cpl: L2's stub for @vec must exit with the frame the
 * APM describes: vector, [error code,] RIP (the VMCB's), CS, RFLAGS.
 */
static void inject_case(const char *what, u64 evt, u32 err, int cpl)
{
	unsigned vec = evt & 0xff, i = 1;
	struct l2_exit e;

	vmcb_setup(true);
	l2_start(l2_nop, cpl);
	vmcb.c.eventinj = evt | (evt & EVT_EV ? (u64)err << 32 : 0);
	/*
	 * A software interrupt returns to the VMCB's RIP, or to nRIP where a
	 * CPU with NRIPS takes it from there: both are l2_nop here.
	 */
	vmcb.c.nrip = (u64)l2_nop;
	l2_run(&e);
	if (!expect_vmmcall(what, &e, l2_stub(vec)))
		return;
	expect_eq(what, "vector", l2_frame(&e, 0), vec);
	if (evt & EVT_EV)
		expect_eq(what, "error code", l2_frame(&e, i++), err);
	expect_eq(what, "frame RIP", l2_frame(&e, i++), (u64)l2_nop);
	expect_eq(what, "frame CS", l2_frame(&e, i++), cpl ? L2_CS3 : L2_CS0);
	GCHECK(l2_frame(&e, i) & BIT(1), "%s: frame RFLAGS %#llx", what,
	       (unsigned long long)l2_frame(&e, i));
	if (cpl == 3)
		expect_eq(what, "frame SS", l2_frame(&e, i + 2), L2_DS3);
	/* Injection consumed: EVENTINJ.V is clear after the exit. */
	expect_eq(what, "EXITINTINFO", e.intinfo & EVT_VALID, 0);
}

static int inject_exception(void)
{
	inject_case("#GP(0x1234) injected", EVT(EVT_TYPE_EXC, 13) | EVT_EV,
		    0x1234, 0);
	inject_case("#PF(0x6) injected at CPL 3",
		    EVT(EVT_TYPE_EXC, 14) | EVT_EV, 6, 3);
	inject_case("#UD injected (no error code)", EVT(EVT_TYPE_EXC, 6), 0, 0);
	inject_case("#DE injected at CPL 3", EVT(EVT_TYPE_EXC, 0), 0, 3);
	return 0;
}

static int inject_intr(void)
{
	inject_case("external interrupt 0x30 injected",
		    EVT(EVT_TYPE_INTR, 0x30), 0, 0);
	inject_case("external interrupt 0xf0 injected at CPL 3",
		    EVT(EVT_TYPE_INTR, 0xf0), 0, 3);
	return 0;
}

static int inject_swint(void)
{
	inject_case("software interrupt 0x50 injected",
		    EVT(EVT_TYPE_SWINT, 0x50), 0, 0);
	inject_case("software interrupt 0x80 injected at CPL 3",
		    EVT(EVT_TYPE_SWINT, 0x80), 0, 3);
	return 0;
}

/* An INT n that L2 itself runs reaches its handler (no intercept). */
static int inject_int_n(void)
{
	struct l2_exit e;

	vmcb_setup(true);
	l2_call(l2_int_n, 3, &e);
	if (expect_vmmcall("INT 0x50 at CPL 3", &e, l2_stub(0x50)))
		expect_eq("INT 0x50 at CPL 3", "frame RIP", l2_frame(&e, 1),
			  (u64)l2_int_n + 2);
	return 0;
}

/*
 * APM Vol. 2 15.7.2: an intercepted exception raised while delivering an
 * injected event leaves that event in EXITINTINFO. L2's stack is not
 * mapped, so pushing the frame of the injected #UD is a #PF.
 */
static int inject_exitintinfo(void)
{
	struct l2_exit e;
	const char *what = "#UD injected onto an unmapped stack";

	vmcb_setup(true);
	vmcb.c.exc_intercepts = BIT(14);
	l2_start(l2_nop, 0);
	vmcb.s.rsp = L2_UNMAPPED + 0x1000;
	vmcb.c.eventinj = EVT(EVT_TYPE_EXC, 6);
	l2_run(&e);
	if (expect_exit(what, &e, VMEXIT_EXC(14))) {
		expect_eq(what, "EXITINTINFO", e.intinfo, EVT(EVT_TYPE_EXC, 6));
		/* A supervisor write, not present (AMD64 Vol. 2 8.4.2). */
		expect_eq(what, "EXITINFO1 (error code)", e.info1, 2);
		GCHECK(e.info2 >= L2_UNMAPPED && e.info2 < L2_UNMAPPED + 0x1000,
		       "%s: EXITINFO2 (CR2) %#llx, expected just below %#llx",
		       what, (unsigned long long)e.info2,
		       (unsigned long long)L2_UNMAPPED + 0x1000);
		expect_eq(what, "RIP", e.rip, (u64)l2_nop);
	}
	/* Re-injected with a good stack, L1 completes the delivery. */
	vmcb.s.rsp = l2_stack_top();
	vmcb.c.eventinj = e.intinfo;
	l2_run(&e);
	expect_vmmcall("the same #UD re-injected from EXITINTINFO", &e,
		       l2_stub(6));
	/* An error-code event keeps its error code in EXITINTINFO. */
	vmcb_setup(true);
	vmcb.c.exc_intercepts = BIT(14);
	l2_start(l2_nop, 0);
	vmcb.s.rsp = L2_UNMAPPED + 0x1000;
	vmcb.c.eventinj = EVT(EVT_TYPE_EXC, 13) | EVT_EV | 0x5a5aULL << 32;
	l2_run(&e);
	if (expect_exit("#GP(0x5a5a) injected onto an unmapped stack", &e,
			VMEXIT_EXC(14)))
		expect_eq("#GP(0x5a5a) injected onto an unmapped stack",
			  "EXITINTINFO", e.intinfo,
			  EVT(EVT_TYPE_EXC, 13) | EVT_EV | 0x5a5aULL << 32);
	return 0;
}

void group_inject(void)
{
	run_check("inject-exception", inject_exception);
	run_check("inject-intr", inject_intr);
	run_check("inject-swint", inject_swint);
	run_check("inject-int-n", inject_int_n);
	run_check("inject-exitintinfo", inject_exitintinfo);
}
