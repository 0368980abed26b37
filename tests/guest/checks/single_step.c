// SPDX-License-Identifier: MIT
/*
 * Single-step over instructions that exit to Modex: with RFLAGS.TF set
 * when an instruction begins, the CPU raises a #DB trap after it completes,
 * with DR6.BS set and the saved RIP at the next instruction (SDM Vol. 3B
 * 19.3.1.4); after MOV SS the trap waits for the next instruction, and one
 * #DB covers both (SDM Vol. 3A 7.8.3). An instruction that faults does not
 * complete and takes no single-step trap, also in a MOV SS shadow (which a
 * VMX host must not turn into a failed VM entry). Each step starts with TF
 * off (POPF sets it and takes no trap itself); the #DB handler clears TF in
 * the frame, so a trap that Modex lost shows up one instruction late.
 * A native NOP is stepped first: it proves the harness on every host.
 * Context: CPL 0, interrupts off.
 */
#include "tests/guest/checks/single_step.h"

#include "hv/include/hypercall.h"
#include "hv/include/lib.h"
#include "tests/guest/lib/guest.h"

#define RFLAGS_TF BIT(8)
#define DR6_BS BIT(14)
#define DR6_INIT 0xffff0ff0ULL /* SDM Vol. 3B 19.2.3: reserved bits read 1 */
#define CR4_OSXSAVE BIT(18)
#define CPUID1_ECX_XSAVE BIT(26)
#define MSR_EFER 0xc0000080u
#define MSR_VM_CR 0xc0010114u
#define MSR_FEATURE_CONTROL 0x3au
#define WRMSR_LEN 2

static volatile struct {
	unsigned db, gp;
	u64 db_rip, db_dr6, gp_rip;
} rec;

static void write_dr6(u64 v)
{
	asm volatile("mov %0, %%dr6" : : "r"(v));
}

static void on_db(struct guest_frame *f)
{
	u64 dr6;

	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	if (!rec.db++) {
		rec.db_rip = f->rip;
		rec.db_dr6 = dr6;
	}
	f->rflags &= ~RFLAGS_TF;
	/* DR6 bits are sticky: software clears them (SDM Vol. 3B 19.2.3). */
	write_dr6(DR6_INIT);
}

/* The faulting WRMSR: skipped, and TF off so nothing else traps. */
static void on_gp(struct guest_frame *f)
{
	if (!rec.gp++)
		rec.gp_rip = f->rip;
	f->rip += WRMSR_LEN;
	f->rflags &= ~RFLAGS_TF;
}

/* Sets TF; the next instruction is the one stepped. */
#define TF_ON "pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"

/* Each step returns the address of the instruction after the stepped one. */
static u64 step_nop(u64 arg)
{
	u64 next;

	(void)arg;
	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "nop\n1:"
		     : "=&r"(next)
		     :
		     : "memory", "cc");
	return next;
}

static u64 step_cpuid(u64 leaf)
{
	u32 a = (u32)leaf, b, c = 0, d;
	u64 next;

	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "cpuid\n1:"
		     : "=&r"(next), "+a"(a), "=b"(b), "+c"(c), "=d"(d)
		     :
		     : "memory", "cc");
	return next;
}

/* MOV SS with TF: its trap is delayed to after CPUID, one #DB for both. */
static u64 step_mov_ss_cpuid(u64 leaf)
{
	u32 a = (u32)leaf, b, c = 0, d;
	u64 next, ss;

	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "mov %%ss, %1\n\t" TF_ON "mov %1, %%ss\n\t"
		     "cpuid\n1:"
		     : "=&r"(next), "=&r"(ss), "+a"(a), "=b"(b), "+c"(c),
		       "=d"(d)
		     :
		     : "memory", "cc");
	return next;
}

static u64 step_rdmsr(u64 msr)
{
	u32 lo, hi;
	u64 next;

	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "rdmsr\n1:"
		     : "=&r"(next), "=a"(lo), "=d"(hi)
		     : "c"((u32)msr)
		     : "memory", "cc");
	return next;
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

/* XSETBV of XCR0's current value: valid, so it completes. */
static u64 step_xsetbv(u64 xcr0)
{
	u64 next;

	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "xsetbv\n1:"
		     : "=&r"(next)
		     : "c"(0), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32))
		     : "memory", "cc");
	return next;
}

static u64 step_vmcall(u64 nr)
{
	u64 a = MODEX_HC_MAGIC | nr, b = 0, c = 0, d = 0, next;

	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "vmcall\n1:"
		     : "=&r"(next), "+a"(a), "+b"(b), "+c"(c), "+d"(d)
		     :
		     : "memory", "cc");
	return next;
}

static u64 step_vmmcall(u64 nr)
{
	u64 a = MODEX_HC_MAGIC | nr, b = 0, c = 0, d = 0, next;

	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "vmmcall\n1:"
		     : "=&r"(next), "+a"(a), "+b"(b), "+c"(c), "+d"(d)
		     :
		     : "memory", "cc");
	return next;
}

/* WRMSR that #GPs; returns the address of the WRMSR itself. */
static u64 step_wrmsr_gp(u64 msr)
{
	u64 at;

	asm volatile("leaq 1f(%%rip), %0\n\t" TF_ON "1: wrmsr"
		     : "=&r"(at)
		     : "c"((u32)msr), "a"(0), "d"((u32)BIT(31))
		     : "memory", "cc");
	return at;
}

/* MOV SS, then a WRMSR that #GPs: the fault arrives in the MOV SS shadow
 * with TF set. Returns the address of the WRMSR. */
static u64 step_mov_ss_wrmsr_gp(u64 msr)
{
	u64 at, ss;

	asm volatile("leaq 1f(%%rip), %0\n\t"
		     "mov %%ss, %1\n\t" TF_ON "mov %1, %%ss\n"
		     "1: wrmsr"
		     : "=&r"(at), "=&r"(ss)
		     : "c"((u32)msr), "a"(0), "d"((u32)BIT(31))
		     : "memory", "cc");
	return at;
}

static void reset_rec(void)
{
	rec.db = rec.gp = 0;
	rec.db_rip = rec.db_dr6 = rec.gp_rip = 0;
	write_dr6(DR6_INIT);
}

static void expect_trap(const char *what, u64 (*fn)(u64), u64 arg)
{
	u64 next;

	reset_rec();
	next = fn(arg);
	GINFO("%s: %u #DB at %#llx (next instruction %#llx), DR6 %#llx\n", what,
	      rec.db, (unsigned long long)rec.db_rip, (unsigned long long)next,
	      (unsigned long long)rec.db_dr6);
	GCHECK(rec.db == 1 && rec.db_rip == next,
	       "%s with TF: %u #DB, first at %#llx; one at %#llx expected",
	       what, rec.db, (unsigned long long)rec.db_rip,
	       (unsigned long long)next);
	GCHECK(rec.db_dr6 & DR6_BS, "%s: DR6 %#llx in the #DB lacks BS", what,
	       (unsigned long long)rec.db_dr6);
	GCHECK(rec.gp == 0, "%s: %u unexpected #GP", what, rec.gp);
}

static void expect_fault(const char *what, u64 (*fn)(u64), u64 arg)
{
	u64 at;

	reset_rec();
	at = fn(arg);
	GINFO("%s: %u #GP at %#llx (instruction %#llx), %u #DB\n", what, rec.gp,
	      (unsigned long long)rec.gp_rip, (unsigned long long)at, rec.db);
	GCHECK(rec.gp == 1 && rec.gp_rip == at,
	       "%s with TF: %u #GP, first at %#llx; one at %#llx expected",
	       what, rec.gp, (unsigned long long)rec.gp_rip,
	       (unsigned long long)at);
	GCHECK(rec.db == 0, "%s: %u #DB after a faulting instruction", what,
	       rec.db);
}

/* XSETBV needs CR4.OSXSAVE (#UD otherwise): set it when the CPU has it. */
static bool xsave_ready(void)
{
	u64 cr4 = guest_read_cr(4);

	if (!(guest_cpuid(1, 0).ecx & CPUID1_ECX_XSAVE))
		return false;
	if (!(cr4 & CR4_OSXSAVE))
		asm volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSXSAVE));
	return true;
}

int check_single_step(void)
{
	bool modex = under_modex(), amd = cpu_is_amd();
	guest_exc_handler old_db = guest_set_handler(1, on_db);
	guest_exc_handler old_gp = guest_set_handler(13, on_gp);

	expect_trap("NOP (native)", step_nop, 0);
	expect_trap("CPUID", step_cpuid, 0);
	expect_trap("CPUID 0x40000000", step_cpuid, MODEX_CPUID_BASE);
	expect_trap("MOV SS; CPUID", step_mov_ss_cpuid, 0);
	/* Intercepted by Modex: EFER on SVM, FEATURE_CONTROL on VMX. */
	expect_trap("RDMSR", step_rdmsr, amd ? MSR_EFER : MSR_FEATURE_CONTROL);
	if (xsave_ready())
		expect_trap("XSETBV", step_xsetbv, xgetbv0());
	if (modex) {
		expect_trap(amd ? "VMMCALL" : "VMCALL",
			    amd ? step_vmmcall : step_vmcall, MODEX_HC_VERSION);
		/* Bit 63 is reserved in both; FEATURE_CONTROL is locked. */
		expect_fault("WRMSR (#GP)", step_wrmsr_gp,
			     amd ? MSR_VM_CR : MSR_FEATURE_CONTROL);
		expect_fault("MOV SS; WRMSR (#GP)", step_mov_ss_wrmsr_gp,
			     amd ? MSR_VM_CR : MSR_FEATURE_CONTROL);
	}
	guest_set_handler(1, old_db);
	guest_set_handler(13, old_gp);
	return 0;
}
