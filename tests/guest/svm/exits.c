// SPDX-License-Identifier: MIT
/*
 * Group "exits": L2's intercepted events and the #VMEXIT fields the APM
 * defines for each (APM Vol. 2 15.7-15.13, 15.25.6, appendix C): EXITCODE,
 * EXITINFO1/2 and nRIP (exact when NRIPS is advertised: 15.7.1).
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/exception.h"

#define SEG_DS 3 /* EXITINFO1[12:10] of a string I/O (APM Vol. 2 15.10.2) */

static void setup(void)
{
	vmcb_setup(true);
}

static void cpuid_case(const char *what, int cpl)
{
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_CPUID;
	l2_regs.rax = 0;
	l2_call(l2_cpuid, cpl, &e);
	if (expect_exit(what, &e, VMEXIT_CPUID)) {
		expect_eq(what, "RIP", e.rip, (u64)l2_cpuid);
		expect_nrip(what, &e, (u64)l2_cpuid + 2);
	}
	/* Resumed past CPUID (nRIP, or the known length), L2 ends. */
	l2_skip(&e, (u64)l2_cpuid + 2);
	l2_run(&e);
	expect_vmmcall(what, &e, (u64)l2_cpuid + 2);
}

static int exits_cpuid(void)
{
	struct l2_exit e;

	cpuid_case("CPUID at CPL 0", 0);
	cpuid_case("CPUID at CPL 3", 3);
	/* Not intercepted: L2 runs CPUID itself. */
	setup();
	l2_call(l2_cpuid, 0, &e);
	expect_vmmcall("CPUID not intercepted", &e, (u64)l2_cpuid + 2);
	return 0;
}

static int exits_hlt(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_HLT;
	l2_call(l2_hlt, 0, &e);
	if (expect_exit("HLT", &e, VMEXIT_HLT)) {
		expect_eq("HLT", "RIP", e.rip, (u64)l2_hlt);
		expect_nrip("HLT", &e, (u64)l2_hlt + 1);
	}
	return 0;
}

/*
 * EXITINFO1 bits of an IOIO exit that a host may leave out. The segment
 * of a string access (bits 12:10) is decode-assist information: checked
 * only where decode assists are advertised. QEMU 7.2 TCG leaves out the
 * address size (bits 9:7, A16/A32/A64) that the APM defines for every IOIO
 * exit: not checked on bare QEMU (a nested hypervisor owes them).
 */
static u64 ioio_mask(void)
{
	u64 m = ~0ULL;

	if (!svm_has(SVM_F_DECODE))
		m &= ~(7ULL << 10);
	if (bare_qemu())
		m &= ~(IOIO_A16 | IOIO_A32 | IOIO_A64);
	return m;
}

static void io_case(const char *what, void (*fn)(void), u64 len, u64 info1)
{
	struct l2_exit e;

	l2_call(fn, 0, &e);
	if (expect_exit(what, &e, VMEXIT_IOIO)) {
		expect_eq(what, "EXITINFO1", e.info1 & ioio_mask(),
			  info1 & ioio_mask());
		/* EXITINFO2: the RIP of the next instruction. */
		expect_eq(what, "EXITINFO2", e.info2, (u64)fn + len);
		expect_eq(what, "RIP", e.rip, (u64)fn);
		expect_nrip(what, &e, (u64)fn + len);
	}
}

static u8 outs_buf[4] = { 1, 2, 3, 4 };

/* APM Vol. 2 15.10: the IOPM, one bit per port, every byte accessed. */
static int exits_ioio(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_IOIO;
	iopm_set(0x80, true);
	io_case("OUT 0x80, AL", l2_out80, 2,
		0x80ULL << 16 | IOIO_SZ8 | IOIO_A64);
	l2_regs.rdx = 0x1234;
	iopm_set(0x1234, true);
	io_case("IN AX, DX (0x1234)", l2_inw_dx, 2,
		0x1234ULL << 16 | IOIO_IN | IOIO_SZ16 | IOIO_A64);
	/* A word at 0x1233 touches 0x1234 too. */
	l2_regs.rdx = 0x1233;
	io_case("IN AX, DX (0x1233, second byte intercepted)", l2_inw_dx, 2,
		0x1233ULL << 16 | IOIO_IN | IOIO_SZ16 | IOIO_A64);
	iopm_set(0x71, true);
	io_case("IN EAX, 0x71", l2_inl_71, 2,
		0x71ULL << 16 | IOIO_IN | IOIO_SZ32 | IOIO_A64);
	l2_regs.rdx = 0x1234;
	l2_regs.rsi = (u64)outs_buf;
	l2_regs.rcx = 3;
	io_case("REP OUTSB", l2_rep_outsb, 2,
		0x1234ULL << 16 | IOIO_STR | IOIO_REP | IOIO_SZ8 | IOIO_A64 |
			(u64)SEG_DS << 10);
	/* A port with its bit clear is not intercepted. */
	iopm_set(0x80, false);
	l2_call(l2_out80, 0, &e);
	expect_vmmcall("OUT 0x80 not in the IOPM", &e, (u64)l2_out80 + 2);
	/* Without the IOIO intercept the IOPM is not consulted. */
	setup();
	iopm_set(0x80, true);
	l2_call(l2_out80, 0, &e);
	expect_vmmcall("OUT 0x80 without the IOIO intercept", &e,
		       (u64)l2_out80 + 2);
	return 0;
}

static void msr_case(const char *what, void (*fn)(void), u32 msr, u64 info1)
{
	struct l2_exit e;

	l2_regs.rcx = msr;
	l2_regs.rax = 0x1000;
	l2_regs.rdx = 0;
	l2_call(fn, 0, &e);
	if (expect_exit(what, &e, VMEXIT_MSR)) {
		expect_eq(what, "EXITINFO1", e.info1, info1);
		expect_eq(what, "RIP", e.rip, (u64)fn);
		expect_nrip(what, &e, (u64)fn + 2);
	}
}

/* APM Vol. 2 15.11: the MSRPM, a read and a write bit per MSR. */
static int exits_msr(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_MSR;
	msrpm_set(MSR_LSTAR, true, true);
	msr_case("RDMSR LSTAR (intercepted)", l2_rdmsr, MSR_LSTAR, 0);
	msr_case("WRMSR LSTAR (intercepted)", l2_wrmsr, MSR_LSTAR, 1);
	msrpm_set(MSR_SYSENTER_ESP, false, true);
	msr_case("WRMSR SYSENTER_ESP (write intercepted)", l2_wrmsr,
		 MSR_SYSENTER_ESP, 1);
	msrpm_set(0xc0010117u, true, false); /* VM_HSAVE_PA: third range */
	msr_case("RDMSR VM_HSAVE_PA (read intercepted)", l2_rdmsr, 0xc0010117u,
		 0);
	/* A read whose bit is clear runs in L2 (SYSENTER_ESP as VMLOAD put it). */
	vmcb.s.sysenter_esp = 0x5555;
	l2_regs.rcx = MSR_SYSENTER_ESP;
	l2_call(l2_rdmsr, 0, &e);
	if (expect_vmmcall("RDMSR SYSENTER_ESP (not intercepted)", &e,
			   (u64)l2_rdmsr + 2))
		expect_eq("RDMSR SYSENTER_ESP (not intercepted)", "EAX",
			  l2_regs.rax & 0xffffffff, 0x5555);
	return 0;
}

/* L2 ORs @bits into the qword of L1's memory at @qw (L2's identity
 * mapping of L1's memory reaches it). */
static void l2_or_qword(const char *what, u64 *qw, u64 bits)
{
	struct l2_exit e;

	l2_regs.rdi = (u64)qw;
	l2_regs.rsi = *qw | bits;
	l2_call(l2_write, 0, &e);
	expect_vmmcall(what, &e, (u64)l2_write + 3);
}

/*
 * APM Vol. 2 15.10.1, 15.11: the CPU reads the permission maps at each
 * access, so a change of L1's (or of L2's, through its mapping of L1's
 * memory) between two VMRUNs holds from the next one, in each direction.
 */
static int exits_map_write(void)
{
	/* LSTAR (C000_0082h): read bit 4 of MSRPM byte 0x820. */
	u64 *lstar_qw = (u64 *)&msrpm[0x820], lstar_rd = BIT(4);
	u64 *p80_qw = (u64 *)&iopm[0x80 / 8];
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_MSR | INT1_IOIO;
	for (int round = 0; round < 2; round++) {
		msrpm_set(MSR_LSTAR, true, false);
		msr_case("RDMSR LSTAR, bit set by L1", l2_rdmsr, MSR_LSTAR, 0);
		msrpm_set(MSR_LSTAR, false, false);
		l2_regs.rcx = MSR_LSTAR;
		l2_call(l2_rdmsr, 0, &e);
		expect_vmmcall("RDMSR LSTAR, bit cleared by L1", &e,
			       (u64)l2_rdmsr + 2);
		l2_or_qword("L2 sets LSTAR's read bit", lstar_qw, lstar_rd);
		msr_case("RDMSR LSTAR, bit set by L2", l2_rdmsr, MSR_LSTAR, 0);
		msrpm_set(MSR_LSTAR, false, false);
	}
	iopm_set(0x80, false);
	l2_call(l2_out80, 0, &e);
	expect_vmmcall("OUT 0x80, bit clear", &e, (u64)l2_out80 + 2);
	l2_or_qword("L2 sets port 0x80's bit", p80_qw, BIT(0));
	io_case("OUT 0x80, bit set by L2", l2_out80, 2,
		0x80ULL << 16 | IOIO_SZ8 | IOIO_A64);
	iopm_set(0x80, false);
	l2_call(l2_out80, 0, &e);
	expect_vmmcall("OUT 0x80, bit cleared by L1", &e, (u64)l2_out80 + 2);
	return 0;
}

/* A map of L1's own for exits_map_vmsave(), used by no other check. */
static u8 msrpm_b[2 * 4096] __aligned(4096);

/*
 * APM Vol. 2 15.5.2: VMSAVE writes KernelGsBase at offset 620h of its
 * page. Into the second page of L1's MSRPM (the third MSR range) it sets
 * the intercept bits of byte 620h there as any other write of L1's
 * would: KernelGsBase = 1 sets the read bit of MSR C001_1880h. The map
 * has run twice before, so Modex has it cached and write-tracked; its
 * own store on L1's behalf must count as a write.
 */
static int exits_map_vmsave(void)
{
	const char *what = "RDMSR C001_1880h, bit set by L1's VMSAVE";
	u64 kgs = guest_rdmsr(MSR_KERNEL_GS_BASE);
	struct l2_exit e;

	memset(msrpm_b, 0, sizeof(msrpm_b));
	setup();
	vmcb.c.intercepts1 |= INT1_MSR;
	vmcb.c.msrpm_pa = (u64)msrpm_b;
	for (int i = 0; i < 3; i++) {
		l2_call(l2_vmmcall, 0, &e);
		expect_vmmcall("an L2 round trip on a new MSRPM", &e,
			       (u64)l2_vmmcall);
	}
	wrmsr64(MSR_KERNEL_GS_BASE, 1);
	vmsave((u64)msrpm_b + 4096);
	wrmsr64(MSR_KERNEL_GS_BASE, kgs);
	msr_case(what, l2_rdmsr, 0xc0011880u, 0);
	memset(msrpm_b, 0, sizeof(msrpm_b));
	return 0;
}

static void cr_case(const char *what, void (*fn)(void), u64 code)
{
	struct l2_exit e;

	l2_regs.rbx = code >= 0x10 ? 0 : 0x1234;
	if (code == VMEXIT_CR_WRITE(0))
		l2_regs.rbx = vmcb.s.cr0;
	else if (code == VMEXIT_CR_WRITE(3))
		l2_regs.rbx = vmcb.s.cr3;
	else if (code == VMEXIT_CR_WRITE(4))
		l2_regs.rbx = vmcb.s.cr4;
	l2_call(fn, 0, &e);
	if (expect_exit(what, &e, code)) {
		expect_eq(what, "RIP", e.rip, (u64)fn);
		expect_nrip(what, &e, (u64)fn + 3);
		/* APM Vol. 2 15.33.1: decode assists give MOV CR's GPR. */
		if (svm_has(SVM_F_DECODE))
			expect_eq(what, "EXITINFO1", e.info1, BIT(63) | 3);
	}
}

/* APM Vol. 2 15.9: CR read (0x0-0xf) and write (0x10-0x1f) intercepts. */
static int exits_cr(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.cr_intercepts =
		BIT(0) | BIT(3) | BIT(4) | BIT(16) | BIT(19) | BIT(20);
	cr_case("MOV RBX, CR0", l2_read_cr0, VMEXIT_CR_READ(0));
	cr_case("MOV RBX, CR3", l2_read_cr3, VMEXIT_CR_READ(3));
	cr_case("MOV RBX, CR4", l2_read_cr4, VMEXIT_CR_READ(4));
	cr_case("MOV CR0, RBX", l2_write_cr0, VMEXIT_CR_WRITE(0));
	cr_case("MOV CR3, RBX", l2_write_cr3, VMEXIT_CR_WRITE(3));
	cr_case("MOV CR4, RBX", l2_write_cr4, VMEXIT_CR_WRITE(4));
	/* Only the write intercepted: the read runs in L2. */
	vmcb.c.cr_intercepts = BIT(16);
	l2_call(l2_read_cr0, 0, &e);
	if (expect_vmmcall("MOV RBX, CR0 (only writes intercepted)", &e,
			   (u64)l2_read_cr0 + 3))
		expect_eq("MOV RBX, CR0 (only writes intercepted)", "RBX",
			  l2_regs.rbx, vmcb.s.cr0);
	return 0;
}

#define L2_UNMAPPED 0x80000000ULL /* no L2 PDPTE maps 2 GiB */

/* APM Vol. 2 15.12: exception intercepts, #PF with its error code and CR2. */
static int exits_exceptions(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.exc_intercepts = BIT(6) | BIT(3);
	l2_call(l2_ud2, 0, &e);
	if (expect_exit("#UD", &e, VMEXIT_EXC(6)))
		expect_eq("#UD", "RIP", e.rip, (u64)l2_ud2);
	/*
	 * QEMU 7.2 TCG delivers INT3 as a software interrupt and never checks
	 * the #BP intercept for it (APM Vol. 2 15.12: INT3 is #BP); a nested
	 * hypervisor running L2 on it never sees the exit either.
	 */
	if (machine_is_qemu()) {
		GINFO("#BP intercept of INT3: skip on QEMU (it ignores it)\n");
	} else {
		for (int cpl = 0; cpl <= 3; cpl += 3) {
			const char *what =
				cpl ? "#BP at CPL 3" : "#BP at CPL 0";

			l2_call(l2_int3, cpl, &e);
			if (expect_exit(what, &e, VMEXIT_EXC(3)))
				expect_eq(what, "RIP", e.rip, (u64)l2_int3);
		}
	}
	/* Not intercepted: L2's own handler (its stub) takes #UD. */
	vmcb.c.exc_intercepts = 0;
	l2_call(l2_ud2, 0, &e);
	if (expect_vmmcall("#UD not intercepted", &e, l2_stub(6))) {
		expect_eq("#UD not intercepted", "vector", l2_frame(&e, 0), 6);
		expect_eq("#UD not intercepted", "frame RIP", l2_frame(&e, 1),
			  (u64)l2_ud2);
	}
	/* VMMCALL without its intercept is #UD in L2 (APM Vol. 3 VMMCALL). */
	vmcb.c.exc_intercepts = BIT(6);
	vmcb.c.intercepts2 &= ~INT2_VMMCALL;
	l2_call(l2_vmmcall, 0, &e);
	if (expect_exit("VMMCALL not intercepted", &e, VMEXIT_EXC(6)))
		expect_eq("VMMCALL not intercepted", "RIP", e.rip,
			  (u64)l2_vmmcall);
	return 0;
}

static void pf_case(const char *what, void (*fn)(void), int cpl, u64 err)
{
	/* A fetch faults at its target. */
	u64 rip = fn == l2_fetch ? L2_UNMAPPED + 0x18 : (u64)fn;
	struct l2_exit e;

	l2_regs.rdi = L2_UNMAPPED + 0x18;
	l2_call(fn, cpl, &e);
	if (expect_exit(what, &e, VMEXIT_EXC(14))) {
		expect_eq(what, "EXITINFO1 (error code)", e.info1, err);
		expect_eq(what, "EXITINFO2 (CR2)", e.info2, L2_UNMAPPED + 0x18);
		expect_eq(what, "RIP", e.rip, rip);
	}
}

static int exits_pf(void)
{
	setup();
	vmcb.c.exc_intercepts = BIT(14);
	pf_case("#PF: read at CPL 0, not present", l2_read, 0, 0);
	pf_case("#PF: write at CPL 3, not present", l2_write, 3, 6);
	/* A fetch: the ID bit only with EFER.NXE (AMD64 Vol. 2 8.4.2). */
	pf_case("#PF: fetch at CPL 0, not present", l2_fetch, 0,
		vmcb.s.efer & EFER_NXE ? 0x10 : 0);
	return 0;
}

#define INTR_VEC 0xe2
static volatile unsigned intr_irqs;

static void intr_irq(struct guest_frame *f)
{
	if (f->vector == INTR_VEC)
		intr_irqs++;
	apic_write(APIC_EOI, 0);
}

/*
 * APM Vol. 2 15.13.1, 15.21.1: a physical interrupt while L2 runs with the
 * INTR intercept is a #VMEXIT 0x60; it stays pending for L1 (not
 * acknowledged), which takes it once its RFLAGS.IF and GIF allow.
 */
static int exits_intr(void)
{
	struct l2_exit e;

	if (!apic_usable())
		return CHECK_SKIP;
	for (int l2_if = 1; l2_if >= 0; l2_if--) {
		const char *what = l2_if ? "INTR, L2 IF=1" : "INTR, L2 IF=0";

		/*
		 * With V_INTR_MASKING=1 L2's RFLAGS.IF does not mask physical
		 * interrupts (APM Vol. 2 15.21.1). Bochs 3.0 keeps the
		 * interrupt pending while L2's IF is 0 (L2's loop ends first),
		 * also under a nested hypervisor whose VMCB runs on it.
		 */
		if (!l2_if && machine_is_bochs()) {
			GINFO("%s: skip on Bochs (it holds the interrupt)\n",
			      what);
			continue;
		}
		setup();
		vmcb.c.intercepts1 |= INT1_INTR;
		/* V_INTR_MASKING: L1's IF masks physical interrupts, not L2's. */
		vmcb.c.vintr = VINTR_MASKING;
		guest_irq_handler = intr_irq;
		intr_irqs = 0;
		apic_self_ipi(INTR_VEC);
		l2_start(l2_spin, 0);
		vmcb.s.rflags = l2_if ? 0x202 : 0x2;
		l2_regs.rcx = 10000000;
		l2_run_irq(&e);
		if (expect_exit(what, &e, VMEXIT_INTR)) {
			GCHECK(e.rip >= (u64)l2_spin &&
				       e.rip < (u64)l2_spin + 16,
			       "%s: RIP %#llx outside l2_spin", what,
			       (unsigned long long)e.rip);
			expect_eq(what, "interrupts taken in L2 or L1",
				  intr_irqs, 0);
		}
		asm volatile("sti; nop; nop; cli" : : : "memory");
		expect_eq(what, "interrupts L1 took after the exit", intr_irqs,
			  1);
		guest_irq_handler = NULL;
	}
	return 0;
}

/* APM Vol. 2 15.25.6: #NPF, EXITINFO1 the fault code, EXITINFO2 the GPA. */
static int exits_npf(void)
{
	struct l2_exit e;
	u64 *pte = npt_slot_entry[SLOT_PTE], old = *pte;

	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	setup();
	vmcb.c.tlb_control = TLB_FLUSH_ALL;
	*pte = 0;
	l2_regs.rdi = TEST_LA_4K + 0x28;
	l2_call(l2_read, 0, &e);
	if (expect_exit("NPF: read, NPT PTE not present", &e, VMEXIT_NPF)) {
		expect_eq("NPF: read, NPT PTE not present", "EXITINFO1",
			  e.info1, NPF_FINAL | NPF_U);
		expect_eq("NPF: read, NPT PTE not present", "EXITINFO2",
			  e.info2, test_gpa_4k + 0x28);
		expect_eq("NPF: read, NPT PTE not present", "RIP", e.rip,
			  (u64)l2_read);
	}
	*pte = old;
	l2_run(&e);
	expect_vmmcall("read after the NPT PTE is back", &e, (u64)l2_read + 3);
	return 0;
}

static int exits_vmmcall(void)
{
	struct l2_exit e;

	setup();
	l2_call(l2_vmmcall, 3, &e);
	if (expect_vmmcall("VMMCALL at CPL 3", &e, (u64)l2_vmmcall))
		expect_nrip("VMMCALL at CPL 3", &e, (u64)l2_vmmcall + 3);
	return 0;
}

/* APM Vol. 2 15.13.4 (shutdown intercept): an L2 triple fault. */
static int exits_shutdown(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_SHUTDOWN;
	vmcb.s.idtr.limit = 0; /* #UD -> #GP -> #DF -> shutdown */
	l2_call(l2_ud2, 0, &e);
	expect_exit("L2 triple fault", &e, VMEXIT_SHUTDOWN);
	return 0;
}

struct insn_case {
	const char *name;
	void (*fn)(void);
	u64 len;
	u32 *word; /* the intercept vector word, in vmcb */
	u32 bit;
	u64 code;
};

static void insn_case(const struct insn_case *c)
{
	struct l2_exit e;

	setup();
	*c->word |= c->bit;
	l2_regs.rax = (u64)&vmcb; /* a VMCB address for VMRUN/VMLOAD/VMSAVE */
	l2_regs.rdi = TEST_LA_4K;
	l2_call(c->fn, 0, &e);
	if (expect_exit(c->name, &e, c->code)) {
		expect_eq(c->name, "RIP", e.rip, (u64)c->fn);
		expect_nrip(c->name, &e, (u64)c->fn + c->len);
	}
}

/*
 * APM Vol. 2 15.13, 15.14, 15.9 and table 15-7 (instruction intercepts):
 * the SVM instructions in L2 (VMRUN always intercepted), INVLPG, PAUSE,
 * RDTSC, WBINVD, each with its EXITCODE and nRIP.
 */
static int exits_insns(void)
{
	const struct insn_case cases[] = {
		{ "VMRUN in L2", l2_vmrun, 3, &vmcb.c.intercepts2, INT2_VMRUN,
		  VMEXIT_VMRUN },
		{ "VMLOAD in L2", l2_vmload, 3, &vmcb.c.intercepts2,
		  INT2_VMLOAD, VMEXIT_VMLOAD },
		{ "VMSAVE in L2", l2_vmsave, 3, &vmcb.c.intercepts2,
		  INT2_VMSAVE, VMEXIT_VMSAVE },
		{ "STGI in L2", l2_stgi, 3, &vmcb.c.intercepts2, INT2_STGI,
		  VMEXIT_STGI },
		{ "CLGI in L2", l2_clgi, 3, &vmcb.c.intercepts2, INT2_CLGI,
		  VMEXIT_CLGI },
		{ "INVLPG in L2", l2_invlpg, 3, &vmcb.c.intercepts1,
		  INT1_INVLPG, VMEXIT_INVLPG },
		{ "PAUSE in L2", l2_pause, 2, &vmcb.c.intercepts1, INT1_PAUSE,
		  VMEXIT_PAUSE },
		{ "RDTSC in L2", l2_rdtsc, 2, &vmcb.c.intercepts1, INT1_RDTSC,
		  VMEXIT_RDTSC },
		{ "WBINVD in L2", l2_wbinvd, 2, &vmcb.c.intercepts2,
		  INT2_WBINVD, VMEXIT_WBINVD },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		insn_case(&cases[i]);
	return 0;
}

/* APM Vol. 2 15.9: DR read (0x20-0x2f) and write (0x30-0x3f) intercepts. */
static int exits_dr(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.dr_intercepts = BIT(7) | BIT(16 + 7);
	l2_call(l2_read_dr7, 0, &e);
	if (expect_exit("MOV RBX, DR7", &e, VMEXIT_DR_READ(7))) {
		expect_eq("MOV RBX, DR7", "RIP", e.rip, (u64)l2_read_dr7);
		expect_nrip("MOV RBX, DR7", &e, (u64)l2_read_dr7 + 3);
	}
	l2_regs.rbx = 0x400;
	l2_call(l2_write_dr7, 0, &e);
	if (expect_exit("MOV DR7, RBX", &e, VMEXIT_DR_WRITE(7))) {
		expect_eq("MOV DR7, RBX", "RIP", e.rip, (u64)l2_write_dr7);
		expect_nrip("MOV DR7, RBX", &e, (u64)l2_write_dr7 + 3);
	}
	/* Not intercepted: L2 reads the DR7 of its VMCB. */
	setup();
	vmcb.s.dr7 = 0x401;
	l2_call(l2_read_dr7, 0, &e);
	if (expect_vmmcall("MOV RBX, DR7 (not intercepted)", &e,
			   (u64)l2_read_dr7 + 3))
		expect_eq("MOV RBX, DR7 (not intercepted)", "RBX", l2_regs.rbx,
			  0x401);
	return 0;
}

/*
 * APM Vol. 2 15.21.4: a virtual interrupt (V_IRQ) with the VINTR
 * intercept exits 0x64 once L2 can take it (RFLAGS.IF=1), not before.
 */
static int exits_vintr(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_VINTR;
	vmcb.c.vintr = VINTR_MASKING | VINTR_V_IRQ | VINTR_PRIO(15) |
		       VINTR_IGN_TPR | (u64)0x55 << 32;
	l2_regs.rcx = 1000;
	l2_start(l2_sti_spin, 0);
	l2_run(&e);
	if (expect_exit("V_IRQ pending, L2 sets IF", &e, VMEXIT_VINTR))
		GCHECK(e.rip > (u64)l2_sti_spin &&
			       e.rip <= (u64)l2_sti_spin + 16,
		       "V_IRQ pending, L2 sets IF: RIP %#llx, expected after STI at %#llx",
		       (unsigned long long)e.rip,
		       (unsigned long long)l2_sti_spin);
	/* With IF=0 throughout, no VINTR exit: L2 ends its loop. */
	setup();
	vmcb.c.intercepts1 |= INT1_VINTR;
	vmcb.c.vintr = VINTR_MASKING | VINTR_V_IRQ | VINTR_PRIO(15) |
		       VINTR_IGN_TPR | (u64)0x55 << 32;
	l2_regs.rcx = 1000;
	l2_call(l2_spin, 0, &e);
	expect_vmmcall("V_IRQ pending, L2 IF=0", &e, (u64)l2_spin + 5);
	return 0;
}

/*
 * APM Vol. 2 15.33.2 (virtual GIF): V_GIF=0 holds a virtual interrupt
 * (V_IRQ) that L2 could otherwise take (RFLAGS.IF=1): the VINTR exit
 * comes only after L2's STGI sets V_GIF.
 */
static void vgif_holds_vintr(void)
{
	const char *what = "V_IRQ pending, V_GIF=0 until L2's STGI";
	struct l2_exit e;

	setup();
	vmcb.c.intercepts1 |= INT1_VINTR;
	vmcb.c.vintr = VINTR_MASKING | VINTR_V_IRQ | VINTR_PRIO(15) |
		       VINTR_IGN_TPR | VINTR_VGIF_ENABLE | (u64)0x55 << 32;
	l2_regs.rcx = 1000;
	l2_regs.rdx = 1000;
	l2_start(l2_vgif_open, 0);
	l2_run(&e);
	if (expect_exit(what, &e, VMEXIT_VINTR))
		GCHECK(e.rip >= (u64)l2_vgif_opened &&
			       e.rip <= (u64)l2_vgif_opened + 16,
		       "%s: RIP %#llx, expected right after STGI at %#llx",
		       what, (unsigned long long)e.rip,
		       (unsigned long long)l2_vgif_opened);
}

/*
 * Where VGIF is not offered, vmcb12's V_GIF_ENABLE is ignored (a CPU
 * without VGIF has no such bit): L2's CLGI is the SVM instruction of a
 * guest without SVM here, #UD, and V_GIF is not written back.
 */
static int vgif_absent(void)
{
	struct l2_exit e;

	setup();
	vmcb.c.exc_intercepts |= BIT(6);
	vmcb.c.vintr |= VINTR_VGIF_ENABLE | VINTR_VGIF;
	l2_call(l2_clgi, 0, &e);
	if (expect_exit("CLGI in L2, VGIF not offered", &e, VMEXIT_EXC(6)))
		expect_eq("CLGI in L2, VGIF not offered", "V_GIF",
			  vmcb.c.vintr & VINTR_VGIF, VINTR_VGIF);
	return 0;
}

/*
 * APM Vol. 2 15.33.2 (virtual GIF): with VGIF enabled and STGI/CLGI not
 * intercepted, L2's CLGI and STGI change V_GIF (VMCB 060h bit 9), and
 * V_GIF=0 holds virtual interrupts.
 */
static int exits_vgif(void)
{
	struct l2_exit e;

	if (!svm_has(SVM_F_VGIF))
		return under_modex() ? vgif_absent() : CHECK_SKIP;
	setup();
	vmcb.c.vintr |= VINTR_VGIF_ENABLE | VINTR_VGIF;
	l2_call(l2_clgi, 0, &e);
	if (expect_vmmcall("CLGI in L2 with VGIF", &e, (u64)l2_clgi + 3))
		expect_eq("CLGI in L2 with VGIF", "V_GIF",
			  vmcb.c.vintr & VINTR_VGIF, 0);
	l2_call(l2_stgi, 0, &e);
	if (expect_vmmcall("STGI in L2 with VGIF", &e, (u64)l2_stgi + 3))
		expect_eq("STGI in L2 with VGIF", "V_GIF",
			  vmcb.c.vintr & VINTR_VGIF, VINTR_VGIF);
	vgif_holds_vintr();
	return 0;
}

void group_exits(void)
{
	run_check("exits-cpuid", exits_cpuid);
	run_check("exits-hlt", exits_hlt);
	run_check("exits-ioio", exits_ioio);
	run_check("exits-msr", exits_msr);
	run_check("exits-map-write", exits_map_write);
	run_check("exits-map-vmsave", exits_map_vmsave);
	run_check("exits-cr", exits_cr);
	run_check("exits-exceptions", exits_exceptions);
	run_check("exits-pf", exits_pf);
	run_check("exits-intr", exits_intr);
	run_check("exits-npf", exits_npf);
	run_check("exits-vmmcall", exits_vmmcall);
	run_check("exits-insns", exits_insns);
	run_check("exits-dr", exits_dr);
	run_check("exits-vintr", exits_vintr);
	run_check("exits-vgif", exits_vgif);
	run_check("exits-shutdown", exits_shutdown);
}
