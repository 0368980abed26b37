// SPDX-License-Identifier: MIT
/*
 * Group "exits": L2's exits reach L1 with the exact fields the SDM gives:
 * reason (Vol. 3D appendix C), qualification (Vol. 3C 28.2.1 tables 28-1
 * to 28-7), instruction length and information, interruption information
 * (25.9.2), and L2's registers as L2 left them.
 * Context: L1 at CPL 0, interrupts off, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

#define CR0_TS BIT(3)
#define PF_LA 0x80000000ULL /* L2 PDPTE 2: not present */
#define X86_BP 3
#define X86_PF 14
#define APIC_BASE_MSR 0x1b
#define APIC_EN BIT(11)
#define APIC_X2 BIT(10)
#define EXTINT_VEC 0x40

static u8 io_bitmap_a[4096] __aligned(4096);
static u8 io_bitmap_b[4096] __aligned(4096);
static u8 msr_bitmap[4096] __aligned(4096);
static u8 io_buf[16];

static void setup(void)
{
	vmcs_setup(vmx_has_ept());
}

static void bit_set(u8 *map, unsigned bit)
{
	map[bit / 8] |= (u8)(1u << (bit % 8));
}

/* CPUID exits unconditionally (SDM Vol. 3C 26.1.2); L1 answers it. */
static int exits_cpuid(void)
{
	struct l2_exit e;

	for (int cpl = 0; cpl <= 3; cpl += 3) {
		setup();
		l2_regs.rax = 0x4711;
		l2_regs.rcx = 0x99;
		l2_regs.rbx = 0x1234;
		l2_call(l2_cpuid, cpl, &e);
		if (!expect_exit("CPUID", &e, EXIT_CPUID))
			continue;
		expect_eq("CPUID", "RIP", e.rip, (u64)l2_cpuid);
		expect_eq("CPUID", "instruction length", e.insn_len, 2);
		expect_eq("CPUID", "L2 RAX", l2_regs.rax, 0x4711);
		expect_eq("CPUID", "L2 RCX", l2_regs.rcx, 0x99);
		expect_eq("CPUID", "L2 RBX", l2_regs.rbx, 0x1234);
		expect_eq("CPUID", "L2 CS", vmr(GUEST_ES_SEL + 2 * SEG_CS),
			  cpl ? L2_CS3 : L2_CS0);
		l2_regs.rax = 0xa0a0;
		l2_regs.rbx = 0xb0b0;
		l2_regs.rcx = 0xc0c0;
		l2_regs.rdx = 0xd0d0;
		l2_skip(&e);
		l2_run(&e);
		expect_vmcall("CPUID resumed", &e, (u64)l2_cpuid + 2);
		expect_eq("CPUID answer", "L2 RAX", l2_regs.rax, 0xa0a0);
		expect_eq("CPUID answer", "L2 RDX", l2_regs.rdx, 0xd0d0);
	}
	return 0;
}

static int exits_hlt(void)
{
	struct l2_exit e;

	setup();
	if (!ctl_set(PROC_CTLS, PROC_HLT))
		return CHECK_SKIP;
	l2_call(l2_hlt, 0, &e);
	if (expect_exit("HLT", &e, EXIT_HLT)) {
		expect_eq("HLT", "RIP", e.rip, (u64)l2_hlt);
		expect_eq("HLT", "instruction length", e.insn_len, 1);
	}
	return 0;
}

/* One I/O exit: SDM Vol. 3C 28.2.1 table 28-5. */
static void io_case(const char *what, void (*fn)(void), u64 dx, u64 qual,
		    u32 len)
{
	struct l2_exit e;

	l2_regs.rdx = dx;
	l2_regs.rax = 0x11223344;
	l2_call(fn, 0, &e);
	if (!expect_exit(what, &e, EXIT_IO))
		return;
	expect_eq(what, "qualification", e.qual, qual);
	expect_eq(what, "instruction length", e.insn_len, len);
	expect_eq(what, "RIP", e.rip, (u64)fn);
}

static int exits_io_uncond(void)
{
	struct l2_exit e;

	setup();
	ctl_clear(PROC_CTLS, PROC_IO_BITMAPS);
	if (!ctl_set(PROC_CTLS, PROC_IO_UNCOND))
		return CHECK_SKIP;
	/* Bits 2:0 size-1, 3 IN, 4 string, 5 REP, 6 immediate, 31:16 port. */
	io_case("OUT imm8 byte", l2_out80, 0, 0x80ULL << 16 | BIT(6), 2);
	io_case("IN DX word", l2_inw_dx, 0x1234, 0x1234ULL << 16 | 8 | 1, 2);
	io_case("IN imm8 dword", l2_inl_71, 0, 0x71ULL << 16 | BIT(6) | 8 | 3,
		2);
	l2_regs.rsi = (u64)io_buf;
	l2_regs.rcx = 3;
	io_case("REP OUTSB", l2_rep_outsb, 0x500,
		0x500ULL << 16 | BIT(5) | BIT(4), 2);
	l2_regs.rsi = (u64)io_buf;
	l2_regs.rcx = 3;
	l2_regs.rdx = 0x500;
	l2_call(l2_rep_outsb, 0, &e);
	expect_eq("REP OUTSB", "guest-linear address", e.gla, (u64)io_buf);
	/* SDM Vol. 3C 28.2.5 table 28-8: address size 9:7, segment 17:15. */
	if (vmx_caps.basic & BASIC_INSOUTS_INFO)
		expect_eq("REP OUTSB", "instruction info (size, DS)",
			  e.insn_info & (7 << 7 | 7 << 15), 2 << 7 | 3 << 15);
	return 0;
}

static int exits_io_bitmaps(void)
{
	struct l2_exit e;

	setup();
	ctl_clear(PROC_CTLS, PROC_IO_UNCOND);
	if (!ctl_set(PROC_CTLS, PROC_IO_BITMAPS))
		return CHECK_SKIP;
	memset(io_bitmap_a, 0, sizeof(io_bitmap_a));
	memset(io_bitmap_b, 0, sizeof(io_bitmap_b));
	bit_set(io_bitmap_a, 0x500);
	bit_set(io_bitmap_b, 0x8000 - 0x8000);
	bit_set(io_bitmap_b, 0x8004 - 0x8000);
	vmw(IO_BITMAP_A, (u64)io_bitmap_a);
	vmw(IO_BITMAP_B, (u64)io_bitmap_b);
	l2_call(l2_out80, 0, &e);
	expect_vmcall("OUT to a port clear in bitmap A", &e, (u64)l2_out80 + 2);
	io_case("OUT DX dword, port set in bitmap B", l2_outl_dx, 0x8004,
		0x8004ULL << 16 | 3, 1);
	/* SDM Vol. 3C 26.1.3: any of the ports accessed set means an exit. */
	io_case("OUT DX dword 0x7ffe (0x8000 set in B)", l2_outl_dx, 0x7ffe,
		0x7ffeULL << 16 | 3, 1);
	l2_regs.rsi = (u64)io_buf;
	l2_regs.rcx = 3;
	io_case("REP OUTSB, port set in bitmap A", l2_rep_outsb, 0x500,
		0x500ULL << 16 | BIT(5) | BIT(4), 2);
	return 0;
}

/* SDM Vol. 3C 25.6.9: read low at 0, read high at 1024, write +2048. */
static int exits_msr(void)
{
	struct l2_exit e;

	setup();
	if (!ctl_set(PROC_CTLS, PROC_MSR_BITMAPS))
		return CHECK_SKIP;
	memset(msr_bitmap, 0, sizeof(msr_bitmap));
	bit_set(msr_bitmap, 1024 * 8 + (MSR_KERNEL_GS_BASE & 0x1fff));
	bit_set(msr_bitmap, 2048 * 8 + 0x1d9);
	vmw(MSR_BITMAP, (u64)msr_bitmap);
	/* Not intercepted: L2's WRMSR writes the MSR itself. */
	l2_regs.rcx = MSR_KERNEL_GS_BASE;
	l2_regs.rax = 0x55667788;
	l2_regs.rdx = 0x1122;
	l2_call(l2_wrmsr, 0, &e);
	expect_vmcall("WRMSR KERNEL_GS_BASE (not intercepted)", &e,
		      (u64)l2_wrmsr + 2);
	l2_regs.rcx = MSR_KERNEL_GS_BASE;
	l2_call(l2_rdmsr, 0, &e);
	if (expect_exit("RDMSR KERNEL_GS_BASE (intercepted)", &e, EXIT_RDMSR)) {
		expect_eq("RDMSR", "qualification", e.qual, 0);
		expect_eq("RDMSR", "instruction length", e.insn_len, 2);
		expect_eq("RDMSR", "L2 RCX", l2_regs.rcx, MSR_KERNEL_GS_BASE);
		/* VMX does not switch KERNEL_GS_BASE: L1 sees L2's value. */
		expect_eq("RDMSR", "KERNEL_GS_BASE in L1",
			  guest_rdmsr(MSR_KERNEL_GS_BASE), 0x112255667788ULL);
	}
	try_wrmsr(MSR_KERNEL_GS_BASE, 0);
	l2_regs.rcx = 0x1d9;
	l2_regs.rax = 0x1;
	l2_regs.rdx = 0;
	l2_call(l2_wrmsr, 0, &e);
	if (expect_exit("WRMSR DEBUGCTL (intercepted)", &e, EXIT_WRMSR)) {
		expect_eq("WRMSR", "instruction length", e.insn_len, 2);
		expect_eq("WRMSR", "L2 RAX", l2_regs.rax, 1);
		expect_eq("WRMSR", "L2 RCX", l2_regs.rcx, 0x1d9);
	}
	l2_regs.rcx = 0x10; /* TSC, not intercepted */
	l2_call(l2_rdmsr, 0, &e);
	expect_vmcall("RDMSR TSC (not intercepted)", &e, (u64)l2_rdmsr + 2);
	/* SDM Vol. 3C 26.1.3: MSRs outside both ranges always exit. */
	l2_regs.rcx = 0x40000000;
	l2_call(l2_rdmsr, 0, &e);
	expect_exit("RDMSR 0x40000000 (outside the bitmaps)", &e, EXIT_RDMSR);
	ctl_clear(PROC_CTLS, PROC_MSR_BITMAPS);
	l2_regs.rcx = 0x10;
	l2_call(l2_rdmsr, 0, &e);
	expect_exit("RDMSR TSC without MSR bitmaps", &e, EXIT_RDMSR);
	return 0;
}

/* SDM Vol. 3C 28.2.1 table 28-3: CR number, access type, register. */
static int exits_cr(void)
{
	struct l2_exit e;

	setup();
	vmw(CR0_MASK, CR0_TS);
	vmw(CR0_SHADOW, 0);
	l2_regs.rax = CR0_TS;
	l2_call(l2_mov_cr0_rbx, 0, &e);
	u64 at = (u64)l2_mov_cr0_rbx + 6; /* after MOV from CR0 and OR */
	if (expect_exit("MOV to CR0 changing a masked bit", &e, EXIT_CR)) {
		expect_eq("MOV to CR0", "qualification", e.qual, 0x300);
		expect_eq("MOV to CR0", "RIP", e.rip, at);
		expect_eq("MOV to CR0", "instruction length", e.insn_len, 3);
		expect_eq("MOV to CR0", "L2 RBX has TS", l2_regs.rbx & CR0_TS,
			  CR0_TS);
	}
	l2_regs.rax = 0;
	l2_call(l2_mov_cr0_rbx, 0, &e);
	expect_vmcall("MOV to CR0 keeping the masked bit", &e, at + 3);

	if (ctl_set(PROC_CTLS, PROC_CR3_LOAD)) {
		ctl_clear(PROC_CTLS, PROC_CR3_STORE);
		vmw(CR3_TARGET_COUNT, 0);
		l2_call(l2_mov_cr3_rcx, 0, &e);
		if (expect_exit("MOV to CR3 (CR3-load exiting)", &e, EXIT_CR)) {
			expect_eq("MOV to CR3", "qualification", e.qual, 0x103);
			expect_eq("MOV to CR3", "RIP", e.rip,
				  (u64)l2_mov_cr3_rcx + 3);
			expect_eq("MOV to CR3", "L2 RCX", l2_regs.rcx,
				  vmr(GUEST_CR3));
		}
		ctl_clear(PROC_CTLS, PROC_CR3_LOAD);
	} else {
		GINFO("CR3-load exiting not allowed: skip\n");
	}
	if (ctl_set(PROC_CTLS, PROC_CR3_STORE)) {
		l2_call(l2_mov_cr3_rcx, 0, &e);
		if (expect_exit("MOV from CR3 (CR3-store exiting)", &e,
				EXIT_CR))
			expect_eq("MOV from CR3", "qualification", e.qual,
				  0x113);
		ctl_clear(PROC_CTLS, PROC_CR3_STORE);
	}
	if (ctl_set(PROC_CTLS, PROC_CR8_STORE)) {
		ctl_clear(PROC_CTLS, PROC_TPR_SHADOW);
		l2_call(l2_mov_from_cr8_rdx, 0, &e);
		if (expect_exit("MOV from CR8 (CR8-store exiting)", &e,
				EXIT_CR)) {
			expect_eq("MOV from CR8", "qualification", e.qual,
				  0x218);
			expect_eq("MOV from CR8", "instruction length",
				  e.insn_len, 4);
		}
	} else {
		GINFO("CR8-store exiting not allowed: skip\n");
	}
	return 0;
}

static int exits_exceptions(void)
{
	struct l2_exit e;

	for (int cpl = 0; cpl <= 3; cpl += 3) {
		setup();
		vmw(EXC_BITMAP, BIT(X86_UD) | BIT(X86_BP));
		l2_call(l2_ud2, cpl, &e);
		if (expect_exit("#UD (bitmap)", &e, EXIT_EXCEPTION)) {
			expect_eq("#UD", "interruption info", e.intr_info,
				  INTR_INFO(INTR_TYPE_HW_EXC, X86_UD));
			expect_eq("#UD", "RIP", e.rip, (u64)l2_ud2);
		}
		l2_call(l2_int3, cpl, &e);
		if (expect_exit("#BP from INT3 (bitmap)", &e, EXIT_EXCEPTION)) {
			expect_eq("#BP", "interruption info", e.intr_info,
				  INTR_INFO(INTR_TYPE_SW_EXC, X86_BP));
			expect_eq("#BP", "instruction length", e.insn_len, 1);
			expect_eq("#BP", "RIP", e.rip, (u64)l2_int3);
		}
		vmw(EXC_BITMAP, 0);
		l2_call(l2_ud2, cpl, &e);
		if (expect_vmcall("#UD not in the bitmap: L2's handler", &e,
				  l2_stub(X86_UD))) {
			expect_eq("#UD in L2", "vector", l2_frame(&e, 0), 6);
			expect_eq("#UD in L2", "frame RIP", l2_frame(&e, 1),
				  (u64)l2_ud2);
		}
	}
	return 0;
}

/*
 * SDM Vol. 3C 26.2: a #PF exits when bit 14 of the bitmap is 1 and
 * (PFEC & mask) == match, or bit 14 is 0 and they differ.
 */
static void pf_case(const char *what, bool bit14, u32 mask, u32 match,
		    bool write, bool exits)
{
	struct l2_exit e;
	u32 pfec = write ? 2 : 0;

	vmw(EXC_BITMAP, bit14 ? BIT(X86_PF) : 0);
	vmw(PF_EC_MASK, mask);
	vmw(PF_EC_MATCH, match);
	l2_regs.rdi = PF_LA;
	l2_regs.rsi = 0;
	l2_call(write ? l2_write : l2_read, 0, &e);
	if (exits) {
		if (!expect_exit(what, &e, EXIT_EXCEPTION))
			return;
		expect_eq(what, "interruption info", e.intr_info,
			  INTR_INFO(INTR_TYPE_HW_EXC, X86_PF) | INTR_HAS_ERROR);
		expect_eq(what, "error code", e.intr_error, pfec);
		expect_eq(what, "qualification (CR2)", e.qual, PF_LA);
		return;
	}
	if (!expect_vmcall(what, &e, l2_stub(X86_PF)))
		return;
	expect_eq(what, "L2 vector", l2_frame(&e, 0), X86_PF);
	expect_eq(what, "L2 error code", l2_frame(&e, 1), pfec);
	/* VM exits do not switch CR2: L1 sees the one L2's #PF set. */
	expect_eq(what, "CR2", guest_read_cr(2), PF_LA);
}

static int exits_pf(void)
{
	setup();
	pf_case("#PF bit14=1 mask=0 match=0", true, 0, 0, false, true);
	pf_case("#PF write bit14=1 mask=W match=W", true, 2, 2, true, true);
	pf_case("#PF read bit14=1 mask=W match=W", true, 2, 2, false, false);
	pf_case("#PF write bit14=0 mask=W match=0", false, 2, 0, true, true);
	pf_case("#PF read bit14=0 mask=W match=0", false, 2, 0, false, false);
	return 0;
}

static int exits_ept_violation(void)
{
	struct l2_exit e;
	u64 la = TEST_LA_4K_USER + 0x100, want;

	if (!vmx_has_ept())
		return CHECK_SKIP;
	setup();
	*ept_slot_entry[SLOT_PTE] &= ~EPT_PERMS;
	ept_flush();
	l2_regs.rdi = la;
	l2_call(l2_read, 0, &e);
	/* Table 28-7: read, GLA valid, final translation; 9-11 if advertised. */
	want = BIT(0) | BIT(7) | BIT(8);
	if (vmx_caps.ept_vpid & EPT_CAP_ADV_INFO)
		want |= BIT(9) | BIT(10);
	if (expect_exit("EPT violation, read of a not-present page", &e,
			EXIT_EPT_VIOLATION)) {
		expect_eq("EPT violation", "qualification", e.qual & 0x1fff,
			  want);
		expect_eq("EPT violation", "GPA", e.gpa, test_gpa_4k + 0x100);
		expect_eq("EPT violation", "GLA", e.gla, la);
		expect_eq("EPT violation", "RIP", e.rip, (u64)l2_read);
	}
	*ept_slot_entry[SLOT_PTE] |= EPT_PERMS;
	ept_flush();
	l2_call(l2_read, 0, &e);
	expect_vmcall("read after the grant", &e, (u64)l2_read + 3);
	return 0;
}

/*
 * An EPT violation during the delivery of an injected event: the exit
 * reports the event in the IDT-vectoring information (SDM Vol. 3C
 * 28.2.4), with the instruction length for a software interrupt; L2's
 * RIP is where the event was to be delivered. L2's stack is the test
 * page, not present in EPT12, so the first push faults.
 */
static void vectoring_case(const char *what, u32 info, u32 len)
{
	u64 la = TEST_LA_4K_USER + 0x1000, want;
	struct l2_exit e;

	setup();
	l2_start(l2_nop, 0);
	vmw(GUEST_RSP, la);
	vmw(ENTRY_INTR_INFO, info);
	vmw(ENTRY_EXC_ERROR, 0x18);
	vmw(ENTRY_INSN_LEN, len);
	l2_run(&e);
	if (!expect_exit(what, &e, EXIT_EPT_VIOLATION))
		return;
	expect_eq(what, "IDT-vectoring info", e.idt_info, info);
	if (info & INTR_HAS_ERROR)
		expect_eq(what, "IDT-vectoring error code", vmr(IDT_VECT_ERROR),
			  0x18);
	if (len)
		expect_eq(what, "instruction length", e.insn_len, len);
	expect_eq(what, "RIP", e.rip, (u64)l2_nop);
	/* A write of the frame: bits 0-5 say write, not present. */
	want = BIT(1) | BIT(7) | BIT(8);
	if (vmx_caps.ept_vpid & EPT_CAP_ADV_INFO)
		want |= BIT(9) | BIT(10);
	expect_eq(what, "qualification", e.qual & 0x1fff, want);
	/* The frame is 40 or 48 bytes below the stack top. */
	GCHECK(e.gla >= la - 48 && e.gla < la &&
		       e.gpa - e.gla == test_gpa_4k - TEST_LA_4K_USER,
	       "%s: GLA %#llx GPA %#llx, expected in the frame below %#llx",
	       what, (unsigned long long)e.gla, (unsigned long long)e.gpa,
	       (unsigned long long)la);
}

static int exits_idt_vectoring(void)
{
	if (!vmx_has_ept())
		return CHECK_SKIP;
	*ept_slot_entry[SLOT_PTE] &= ~EPT_PERMS;
	ept_flush();
	vectoring_case("injected #GP, stack not present",
		       INTR_INFO(INTR_TYPE_HW_EXC, 13) | INTR_HAS_ERROR, 0);
	vectoring_case("injected INT 0x80, stack not present",
		       INTR_INFO(INTR_TYPE_SW_INT, 0x80), 2);
	*ept_slot_entry[SLOT_PTE] |= EPT_PERMS;
	ept_flush();
	return 0;
}

/* The local APIC in xAPIC (MMIO) or x2APIC (MSR) mode (SDM Vol. 3A 11). */
static void apic_write(unsigned reg, u32 v)
{
	u64 base = guest_rdmsr(APIC_BASE_MSR);

	if (base & APIC_X2)
		try_wrmsr(0x800 + (reg >> 4), v);
	else
		*(volatile u32 *)((base & ~0xfffULL) + reg) = v;
}

static u32 apic_read(unsigned reg)
{
	u64 base = guest_rdmsr(APIC_BASE_MSR), v = 0;

	if (base & APIC_X2) {
		try_rdmsr(0x800 + (reg >> 4), &v);
		return (u32)v;
	}
	return *(volatile u32 *)((base & ~0xfffULL) + reg);
}

/* A preemption-timer exit, if the timer exists, ends an L2 that hangs. */
static void l2_watchdog(void)
{
	if (ctl_set(PIN_CTLS, PIN_PREEMPT))
		vmw(PREEMPT_TIMER, 1000000);
}

/* One self-IPI while L2 runs with RFLAGS @rflags: exit 1 with the vector. */
static void extint_case(const char *what, u64 rflags)
{
	struct l2_exit e;

	setup();
	ctl_set(PIN_CTLS, PIN_EXTINT);
	ctl_set(EXIT_CTLS, EXIT_ACK_INTR);
	apic_write(0xf0, apic_read(0xf0) | 0x1ff); /* SVR: enabled */
	/* ICR: fixed, edge, destination shorthand self (SDM Vol. 3A 11.6.1). */
	if (guest_rdmsr(APIC_BASE_MSR) & APIC_X2)
		try_wrmsr(0x83f, EXTINT_VEC); /* SELF IPI */
	else
		apic_write(0x300, BIT(18) | EXTINT_VEC);
	l2_start(l2_spin, 0);
	vmw(GUEST_RFLAGS, rflags);
	l2_watchdog();
	l2_run(&e);
	if (expect_exit(what, &e, EXIT_EXTINT)) {
		/* SDM Vol. 3C 28.2.2: "acknowledge interrupt on exit" gives it. */
		expect_eq(what, "interruption info", e.intr_info,
			  INTR_INFO(INTR_TYPE_EXT, EXTINT_VEC));
		expect_eq(what, "RIP", e.rip, (u64)l2_spin);
	}
	apic_write(0xb0, 0); /* EOI */
}

static int exits_extint(void)
{
	if (!(guest_rdmsr(APIC_BASE_MSR) & APIC_EN))
		return CHECK_SKIP;
	if (!ctl_allowed1(vmx_caps.pin, PIN_EXTINT) ||
	    !ctl_allowed1(vmx_caps.exit, EXIT_ACK_INTR))
		return CHECK_SKIP;
	extint_case("external interrupt, L2 IF=1", 0x202);
	/*
	 * SDM Vol. 3C chapter 26, "Event Blocking": with external-interrupt
	 * exiting, RFLAGS.IF does not block external interrupts. Bochs 3.0
	 * keeps the interrupt pending while L2's IF is 0 (the
	 * preemption-timer watchdog ends L2 instead), also under a nested
	 * hypervisor whose vmcs02 runs on it.
	 */
	if (host_is_bochs())
		GINFO("external interrupt with L2 IF=0: skip on Bochs (its VMX keeps the interrupt pending)\n");
	else
		extint_case("external interrupt, L2 IF=0", 0x2);
	return 0;
}

static int exits_preempt(void)
{
	struct l2_exit e;

	setup();
	if (!ctl_set(PIN_CTLS, PIN_PREEMPT))
		return CHECK_SKIP;
	vmw(PREEMPT_TIMER, 50);
	l2_call(l2_spin, 0, &e);
	if (expect_exit("preemption timer", &e, EXIT_PREEMPT))
		expect_eq("preemption timer", "RIP", e.rip, (u64)l2_spin);
	return 0;
}

void group_exits(void)
{
	run_check("exits-cpuid", exits_cpuid);
	run_check("exits-hlt", exits_hlt);
	run_check("exits-io-unconditional", exits_io_uncond);
	run_check("exits-io-bitmaps", exits_io_bitmaps);
	run_check("exits-msr", exits_msr);
	run_check("exits-cr", exits_cr);
	run_check("exits-exceptions", exits_exceptions);
	run_check("exits-pf", exits_pf);
	run_check("exits-ept-violation", exits_ept_violation);
	run_check("exits-idt-vectoring", exits_idt_vectoring);
	run_check("exits-extint", exits_extint);
	run_check("exits-preempt", exits_preempt);
	group_exits_more();
}
