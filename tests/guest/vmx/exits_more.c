// SPDX-License-Identifier: MIT
/*
 * More of group "exits": interrupt-window exiting, the monitor trap flag,
 * RDTSC and INVLPG exiting, TSC offsetting and the CR0 read shadow (SDM
 * Vol. 3C 25.6 for the controls, chapter 26 for their effect). Each needs
 * its control advertised and is skipped otherwise.
 * Context: L1 at CPL 0, interrupts off, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

#define CR0_TS BIT(3)

static void setup(void)
{
	vmcs_setup(vmx_has_ept());
}

/*
 * SDM Vol. 3C chapter 26, "Interrupt-Window Exiting": the exit comes once
 * RFLAGS.IF=1 and nothing blocks interrupts.
 */
static int exits_intr_window(void)
{
	struct l2_exit e;

	setup();
	if (!ctl_set(PROC_CTLS, PROC_INTR_WINDOW))
		return CHECK_SKIP;
	l2_start(l2_nop, 0);
	vmw(GUEST_RFLAGS, 0x202);
	l2_run(&e);
	if (expect_exit("interrupt window, IF=1 at entry", &e,
			EXIT_INTR_WINDOW))
		expect_eq("interrupt window, IF=1", "RIP", e.rip, (u64)l2_nop);
	/* STI blocks for one instruction: the exit follows the NOP. */
	l2_call(l2_sti_nop, 0, &e);
	if (expect_exit("interrupt window after STI; NOP", &e,
			EXIT_INTR_WINDOW))
		expect_eq("interrupt window after STI", "RIP", e.rip,
			  (u64)l2_sti_nop + 2);
	return 0;
}

/* SDM Vol. 3C chapter 26, "Monitor Trap Flag": an exit after each instruction. */
static int exits_mtf(void)
{
	struct l2_exit e;

	setup();
	if (!ctl_set(PROC_CTLS, PROC_MTF))
		return CHECK_SKIP;
	l2_call(l2_nop, 0, &e);
	if (expect_exit("monitor trap flag", &e, EXIT_MTF))
		expect_eq("monitor trap flag", "RIP", e.rip, (u64)l2_nop + 1);
	l2_run(&e);
	if (expect_exit("monitor trap flag, second step", &e, EXIT_MTF))
		expect_eq("monitor trap flag, second step", "RIP", e.rip,
			  (u64)l2_nop + 2);
	return 0;
}

static int exits_tsc(void)
{
	struct l2_exit e;
	u64 offset = 1ULL << 40, before, after, l2_tsc;
	bool ran = false;

	setup();
	if (ctl_set(PROC_CTLS, PROC_RDTSC)) {
		ran = true;
		l2_call(l2_rdtsc, 0, &e);
		if (expect_exit("RDTSC exiting", &e, EXIT_RDTSC))
			expect_eq("RDTSC exiting", "instruction length",
				  e.insn_len, 2);
		ctl_clear(PROC_CTLS, PROC_RDTSC);
	}
	/* SDM Vol. 3C 26.3: RDTSC returns TSC + offset, not exiting. */
	if (ctl_set(PROC_CTLS, PROC_TSC_OFFSET)) {
		ran = true;
		vmw(TSC_OFFSET, offset);
		before = guest_rdtsc();
		l2_call(l2_rdtsc, 0, &e);
		after = guest_rdtsc();
		l2_tsc = (l2_regs.rdx << 32) | (u32)l2_regs.rax;
		if (expect_vmcall("RDTSC with TSC offsetting", &e,
				  (u64)l2_rdtsc + 2))
			GCHECK(l2_tsc >= before + offset &&
				       l2_tsc <= after + offset,
			       "RDTSC with offset %#llx: L2 read %#llx, L1 read %#llx then %#llx",
			       (unsigned long long)offset,
			       (unsigned long long)l2_tsc,
			       (unsigned long long)before,
			       (unsigned long long)after);
		vmw(TSC_OFFSET, 0);
	}
	return ran ? 0 : CHECK_SKIP;
}

/* SDM Vol. 3C 28.2.1: INVLPG exits with the linear address as qualification. */
static int exits_invlpg(void)
{
	struct l2_exit e;
	u64 la = 0x123456789000ULL;

	setup();
	if (!ctl_set(PROC_CTLS, PROC_INVLPG))
		return CHECK_SKIP;
	l2_regs.rdi = la;
	l2_call(l2_invlpg, 0, &e);
	if (expect_exit("INVLPG exiting", &e, EXIT_INVLPG)) {
		expect_eq("INVLPG", "qualification", e.qual, la);
		expect_eq("INVLPG", "instruction length", e.insn_len, 3);
	}
	return 0;
}

/* SDM Vol. 3C 26.3: MOV from CR0 reads the shadow for masked bits. */
static int exits_cr0_shadow(void)
{
	struct l2_exit e;

	setup();
	vmw(CR0_MASK, CR0_TS);
	vmw(CR0_SHADOW, CR0_TS);
	l2_regs.rax = 0;
	l2_call(l2_mov_cr0_rbx, 0, &e);
	/* RBX = shadowed CR0 (TS=1) written back: matches the shadow. */
	if (expect_vmcall("MOV from CR0 with TS masked, shadow 1", &e,
			  (u64)l2_mov_cr0_rbx + 9))
		expect_eq("MOV from CR0", "TS in L2's RBX",
			  l2_regs.rbx & CR0_TS, CR0_TS);
	expect_eq("CR0 shadow", "guest CR0.TS", vmr(GUEST_CR0) & CR0_TS, 0);
	return 0;
}

/*
 * SDM Vol. 3C 26.1.1: privilege checks come before VM exits. HLT and OUT
 * at CPL 3 (IOPL 0) raise #GP(0) even with HLT and I/O exiting on; with
 * #GP in the exception bitmap that is the exit L1 sees.
 */
static int exits_cpl3_priority(void)
{
	static const struct {
		const char *what;
		void (*fn)(void);
		u64 ctl;
	} cases[] = {
		{ "HLT at CPL 3 with HLT exiting", l2_hlt, PROC_HLT },
		{ "OUT at CPL 3 with unconditional I/O exiting", l2_out80,
		  PROC_IO_UNCOND },
	};
	struct l2_exit e;
	bool ran = false;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		setup();
		ctl_clear(PROC_CTLS, PROC_IO_BITMAPS);
		if (!ctl_set(PROC_CTLS, cases[i].ctl))
			continue;
		ran = true;
		vmw(EXC_BITMAP, BIT(13));
		l2_call(cases[i].fn, 3, &e);
		if (!expect_exit(cases[i].what, &e, EXIT_EXCEPTION))
			continue;
		expect_eq(cases[i].what, "interruption info", e.intr_info,
			  INTR_INFO(INTR_TYPE_HW_EXC, 13) | INTR_HAS_ERROR);
		expect_eq(cases[i].what, "error code", e.intr_error, 0);
		expect_eq(cases[i].what, "RIP", e.rip, (u64)cases[i].fn);
	}
	return ran ? 0 : CHECK_SKIP;
}

void group_exits_more(void)
{
	run_check("exits-interrupt-window", exits_intr_window);
	run_check("exits-mtf", exits_mtf);
	run_check("exits-tsc", exits_tsc);
	run_check("exits-invlpg", exits_invlpg);
	run_check("exits-cr0-shadow", exits_cr0_shadow);
	run_check("exits-cpl3-priority", exits_cpl3_priority);
}
