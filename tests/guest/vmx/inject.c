// SPDX-License-Identifier: MIT
/*
 * Group "inject": event injection into L2 through the VM-entry
 * interruption-information field (SDM Vol. 3C 25.8.3, 27.6): L2's own
 * handler must see the vector, the error code and the return RIP that the
 * event type implies (software interrupts and exceptions return past the
 * instruction length given; hardware events to the entry RIP).
 * Context: L1 at CPL 0, VMX on.
 */
#include "tests/guest/vmx/check.h"

struct inject {
	const char *what;
	u32 type, vec;
	bool has_error;
	u32 error, len;
	int cpl;
	u64 rflags;
};

static void inject_case(const struct inject *c)
{
	const char *what = c->what;
	struct l2_exit e;
	unsigned i = 1;

	vmcs_setup(vmx_has_ept());
	l2_start(l2_nop, c->cpl);
	vmw(GUEST_RFLAGS, c->rflags);
	vmw(ENTRY_INTR_INFO,
	    INTR_INFO(c->type, c->vec) | (c->has_error ? INTR_HAS_ERROR : 0));
	vmw(ENTRY_EXC_ERROR, c->error);
	vmw(ENTRY_INSN_LEN, c->len);
	l2_run(&e);
	if (!expect_vmcall(what, &e, l2_stub(c->vec)))
		return;
	/* SDM Vol. 3C 28.2.1: VM exits clear the valid bit of the field. */
	expect_eq(what, "VM-entry interruption info after the exit",
		  vmr(ENTRY_INTR_INFO) & INTR_VALID, 0);
	expect_eq(what, "vector", l2_frame(&e, 0), c->vec);
	if (c->has_error)
		expect_eq(what, "error code", l2_frame(&e, i++), c->error);
	expect_eq(what, "return RIP", l2_frame(&e, i),
		  (u64)l2_nop + (c->type >= INTR_TYPE_SW_INT ? c->len : 0));
	expect_eq(what, "CS", l2_frame(&e, i + 1), c->cpl ? L2_CS3 : L2_CS0);
	expect_eq(what, "RFLAGS", l2_frame(&e, i + 2), c->rflags);
	expect_eq(what, "RSP", l2_frame(&e, i + 3), l2_stack_top());
	expect_eq(what, "SS", l2_frame(&e, i + 4), c->cpl ? L2_DS3 : L2_DS0);
}

static int inject_all(void)
{
	static const struct inject cases[] = {
		{ "#GP with error code", INTR_TYPE_HW_EXC, 13, true, 0x18, 0, 0,
		  0x2 },
		{ "#PF with error code at CPL 3", INTR_TYPE_HW_EXC, 14, true,
		  0x7, 0, 3, 0x2 },
		{ "#UD", INTR_TYPE_HW_EXC, 6, false, 0, 0, 0, 0x2 },
		{ "external interrupt 0x40", INTR_TYPE_EXT, 0x40, false, 0, 0,
		  0, 0x202 },
		{ "NMI", INTR_TYPE_NMI, 2, false, 0, 0, 0, 0x2 },
		{ "software interrupt 0x80", INTR_TYPE_SW_INT, 0x80, false, 0,
		  2, 0, 0x2 },
		{ "software interrupt 0x80 at CPL 3", INTR_TYPE_SW_INT, 0x80,
		  false, 0, 2, 3, 0x2 },
		{ "software exception #BP", INTR_TYPE_SW_EXC, 3, false, 0, 1, 0,
		  0x2 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		inject_case(&cases[i]);
	return 0;
}

void group_inject(void)
{
	run_check("inject", inject_all);
}
