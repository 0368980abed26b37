// SPDX-License-Identifier: MIT
/*
 * Generic exit handling (hv/exits.h): the vendor decoded the exit into
 * v->exit; this file decides, for both vendors.
 * Context: the exit path of each CPU's own vCPU, interrupts off.
 */
#include "hv/exits.h"

#define LOG_PREFIX "guest"
#include "hv/console.h"
#include "hv/exit.h"
#include "hv/guest.h"
#include "hv/hypercall.h"
#include "hv/include/err.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"
#include "hv/lapic.h"
#include "hv/log.h"
#include "hv/pci_cfg.h"
#include "hv/msr.h"
#include "hv/smp.h"
#include "hv/stats.h"
#include "hv/vendor.h"
#include "nested/nested.h"
#include "hv/vlapic.h"

#define X86_UD 6
#define X86_GP 13
#define X86_CR4_OSXSAVE BIT(18)
#define X86_CR4_PKE BIT(22)
#define DEBUGCTL_BTF BIT(1)

/* EFER bits L1 may write (APM Vol. 2 3.1.7; SDM Vol. 4 table 2-2): SCE,
 * LME, LMA (read-only, kept), NXE, LMSLE, FFXSR, TCE and bits 16-21
 * (MCOMMIT, INTWB, UAIEN, AIBRSE). SVME is nested SVM's to allow
 * (nested_set_efer_svme()): without it L1 sees no SVM and it #GPs. */
#define EFER_L1_BITS                                                     \
	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | BIT(13) | BIT(14) | \
	 BIT(15) | (0x3fULL << 16))

/* IA32_FEATURE_CONTROL as a CPU without VMX shows it: locked, VMX off. */
#define FEATURE_CONTROL_LOCKED 1

void cpuid_for_l1(u32 leaf, u32 subleaf, u64 l1_cr4, struct cpuid_regs *r)
{
	(void)subleaf;
	if ((leaf & 0xffffff00) == MODEX_CPUID_BASE) {
		memset(r, 0, sizeof(*r));
		if (leaf == MODEX_CPUID_BASE) {
			r->eax = MODEX_CPUID_INFO;
			memcpy(&r->ebx, MODEX_CPUID_SIGNATURE, 4);
			memcpy(&r->ecx, MODEX_CPUID_SIGNATURE + 4, 4);
			memcpy(&r->edx, MODEX_CPUID_SIGNATURE + 8, 4);
		} else if (leaf == MODEX_CPUID_INFO) {
			r->eax = MODEX_ABI_VERSION;
			r->ebx = MODEX_VERSION_CODE;
		}
		return;
	}
	switch (leaf) {
	case 1:
		/* SDM Vol. 2A CPUID: ECX[31] is reserved for hypervisors to
		 * announce themselves; ECX[5] VMX hidden; ECX[27] mirrors
		 * CR4.OSXSAVE, which must be L1's. */
		r->ecx |= (u32)BIT(31);
		r->ecx &= ~(u32)(BIT(5) | BIT(27));
		if (l1_cr4 & X86_CR4_OSXSAVE)
			r->ecx |= (u32)BIT(27);
		break;
	case 7:
		if (subleaf == 0) {
			r->ecx &= ~(u32)BIT(4); /* OSPKE mirrors CR4.PKE */
			if (l1_cr4 & X86_CR4_PKE)
				r->ecx |= (u32)BIT(4);
		}
		break;
	case 0x80000001:
		r->ecx &= ~(u32)BIT(2); /* APM Vol. 3 E.4.2: SVM */
		break;
	case 0x8000000a:
		/* APM Vol. 3 E.4.9: defined only with SVM. */
		memset(r, 0, sizeof(*r));
		break;
	}
}

void guest_fatal(struct vcpu *v, const char *fmt, ...)
{
	va_list ap;

	v->stopped = true;
	con_lock();
	if (v->index)
		con_printf("[modex] cpu%u guest: ", v->index);
	else
		con_write("[modex] guest: ");
	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
	if (vendor && vendor->dump)
		vendor->dump(v);
	guest_report_stats();
	con_unlock();
	hv_exit(HV_EXIT_FAIL);
}

/*
 * The rare cases, out of line so that the path of every exit stays short:
 * an instruction that ends past a 64 KiB line, where outside 64-bit code
 * the instruction pointer wraps as EIP or IP (SDM Vol. 1 3.5 "Instruction
 * Pointer"; Vol. 3A 3.4.5: CS.D selects 16 or 32 bits), and TF.
 */
static __noinline void retire_slow(struct vcpu *v, u64 rip, u64 rflags)
{
	if ((rip ^ v->regs.rip) >> 16) {
		unsigned int bits = vendor->code_bits(v);

		if (bits == 16)
			rip &= 0xffff;
		else if (bits == 32)
			rip &= 0xffffffff;
	}
	v->regs.rip = rip;
	v->regs.rflags = rflags & ~X86_EFLAGS_RF;
	vendor->clear_interrupt_shadow(v);
	if ((rflags & X86_EFLAGS_TF) &&
	    (!vendor->read_debugctl ||
	     !(vendor->read_debugctl(v) & DEBUGCTL_BTF)))
		vendor->queue_single_step(v);
}

/*
 * What the CPU does when an instruction completes, done for the one Modex
 * completed in L1's place:
 *  - RIP moves past it, wrapping as EIP or IP outside 64-bit code;
 *  - RF clears (SDM Vol. 3B 19.3.1.1: the processor clears RF after every
 *    instruction that completes; only IRET, POPF and task switches load it);
 *  - an STI or MOV SS / POP SS shadow ends: it covers exactly one
 *    instruction boundary, the one after this instruction (SDM Vol. 3A
 *    7.8.3 "Masking Exceptions and Interrupts When Switching Stacks";
 *    APM Vol. 2 15.21.5 "Interrupt Shadows");
 *  - if TF was set when the instruction began, the single-step trap follows
 *    it, with DR6.BS set (SDM Vol. 3B 19.3.1.4 "Single-Step Exception
 *    Condition", 19.2.3 "Debug Status Register"). The instruction
 *    that sets TF does not trap; none Modex emulates writes TF, so the
 *    value at the exit decides. With DEBUGCTL.BTF set TF traps only on
 *    branches (19.4.3), and Modex emulates none (where the vendor can
 *    tell BTF). A MOV SS shadow that delayed the trap of the
 *    instruction before merges into this one trap (7.8.3).
 * A faulting instruction does not complete: its handler injects the fault
 * and never retires it, so no #DB follows it. retire() is the one
 * implementation; vcpu_retire_insn() and skip_insn() are its public faces,
 * and this file's handlers inline it (it is on every emulated exit).
 */
static inline void retire(struct vcpu *v, u32 len)
{
	u64 rflags = v->regs.rflags, rip = v->regs.rip + len;

	if (((rip ^ v->regs.rip) >> 16) || (rflags & X86_EFLAGS_TF)) {
		retire_slow(v, rip, rflags);
		return;
	}
	v->regs.rip = rip;
	v->regs.rflags = rflags & ~X86_EFLAGS_RF;
	vendor->clear_interrupt_shadow(v);
}

void vcpu_retire_insn(struct vcpu *v, u32 len)
{
	retire(v, len);
}

static inline void retire_exiting_insn(struct vcpu *v)
{
	u32 len = vendor->insn_len(v);

	if (!len)
		guest_fatal(
			v,
			"cannot determine the length of L1's instruction at the exit; stopping L1.");
	retire(v, len);
}

void skip_insn(struct vcpu *v)
{
	retire_exiting_insn(v);
}

static void handle_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx;
	struct cpuid_regs r = cpuid_count(leaf, sub);

	cpuid_for_l1(leaf, sub, vendor->read_cr(v, 4), &r);
	nested_cpuid(leaf, sub, &r);
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	retire_exiting_insn(v);
}

/* 0 and *val, or -1 for #GP. */
static int msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = (vendor->read_efer(v) & ~EFER_SVME) |
		       (nested_efer_svme(v) ? EFER_SVME : 0);
		return 0;
	case MSR_VM_CR:
		/* APM Vol. 2 15.30.1: SVM disabled and locked, as firmware
		 * leaves a CPU whose SVM is off. */
		*val = BIT(3) | BIT(4);
		return 0;
	case MSR_IA32_FEATURE_CONTROL:
		*val = FEATURE_CONTROL_LOCKED;
		return 0;
	case MSR_IA32_APIC_BASE:
		*val = v->vlapic.apic_base; /* virtual (hv/vlapic.h) */
		return 0;
	}
	/* VM_HSAVE_PA, SVM_KEY, the VMX capability MSRs and any MSR the
	 * vendor's map cannot pass through: absent without SVM/VMX. */
	return -1;
}

/* APM Vol. 2 3.1.7 and 15.x; SDM Vol. 3A 10.8.5: the WRMSR EFER #GPs. */
static int efer_write(struct vcpu *v, u64 val)
{
	u64 old = vendor->read_efer(v);

	if (!vendor->set_efer || (val & ~(EFER_L1_BITS | EFER_SVME)))
		return -1;
	if ((val & EFER_NXE) && !cpu_features.nx)
		return -1;
	if (((val ^ old) & EFER_LME) && (vendor->read_cr(v, 0) & X86_CR0_PG))
		return -1;
	if (nested_set_efer_svme(v, val & EFER_SVME))
		return -1;
	/* LMA is read-only: keep the current value. SVME in the hardware
	 * structure is the backend's. */
	val = (val & ~(EFER_LMA | EFER_SVME)) | (old & EFER_LMA);
	vendor->set_efer(v, val);
	return 0;
}

/* 0, or -1 for #GP. */
static int msr_write(struct vcpu *v, u32 msr, u64 val)
{
	int ret = msr_virt_write(v, msr, val);

	if (ret != MSRV_NOT_MINE)
		return ret;
	switch (msr) {
	case MSR_EFER:
		return efer_write(v, val);
	case MSR_IA32_APIC_BASE:
		return vlapic_write_apic_base(v, val);
	case MSR_X2APIC_ICR:
		return vlapic_write_x2apic_icr(v, val);
	}
	return -1;
}

int vcpu_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	int ret = nested_msr_write(v, msr, val);

	return ret == NESTED_MSR_NOT_MINE ? msr_write(v, msr, val) : ret;
}

int vcpu_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	int ret = nested_msr_read(v, msr, val);

	if (ret == NESTED_MSR_NOT_MINE)
		ret = msr_virt_read(v, msr, val);
	if (ret == MSRV_NOT_MINE)
		ret = msr_read(v, msr, val);
	return ret;
}

static void handle_msr(struct vcpu *v, bool write)
{
	u32 msr = v->exit.msr.msr;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	int ret;

	if (write) {
		ret = vcpu_msr_write(v, msr, val);
	} else {
		ret = vcpu_msr_read(v, msr, &val);
		if (!ret) {
			v->regs.rax = (u32)val;
			v->regs.rdx = val >> 32;
		}
	}
	if (ret)
		vendor->inject_exception(v, X86_GP, true, 0);
	else
		retire_exiting_insn(v);
}

/*
 * SDM Vol. 2D XSETBV: #GP(0) unless ECX = 0 (XCR0), bit 0 (x87) is set,
 * no bit outside what CPUID.(EAX=0DH,ECX=0):EDX:EAX enumerates is set, and
 * AVX (bit 2) comes with SSE (bit 1), AVX-512 (bits 5-7) all together and
 * with AVX. #UD (CR4.OSXSAVE=0) and the CPL check precede the VM exit
 * (SDM Vol. 3C 26.1.1). Modex keeps no extended state of its own, so a
 * valid value is loaded into the CPU as L1's.
 */
static bool xcr0_valid(u64 val)
{
	struct cpuid_regs d = cpuid_count(0xd, 0);
	u64 supported = ((u64)d.edx << 32) | d.eax;
	u64 avx512 = BIT(5) | BIT(6) | BIT(7);

	if (!(val & BIT(0)) || (val & ~supported))
		return false;
	if ((val & BIT(2)) && !(val & BIT(1)))
		return false;
	if ((val & avx512) && ((val & avx512) != avx512 || !(val & BIT(2))))
		return false;
	return true;
}

static void handle_xsetbv(struct vcpu *v)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;

	if ((u32)v->regs.rcx != 0 || !xcr0_valid(val)) {
		vendor->inject_exception(v, X86_GP, true, 0);
		return;
	}
	asm volatile("xsetbv" : : "c"(0), "a"((u32)val), "d"((u32)(val >> 32)));
	retire_exiting_insn(v);
}

static void handle_hypercall(struct vcpu *v)
{
	struct hc_env env = *guest_hc_env();

	/* Statistics and the trace are the calling vCPU's own. */
	env.stats = &v->stats;
	if (v->nested.log) {
		env.nested_stats = v->nested.stats.count;
		env.nested_log = v->nested.log;
	}
	if (hypercall_handle(&env, &v->regs, vendor->cpl(v)) == HC_INJECT_UD)
		vendor->inject_exception(v, X86_UD, false, 0);
	else
		retire_exiting_insn(v);
}

/*
 * INVD would drop every dirty line in the caches, Modex's included (SDM
 * Vol. 2A INVD): WBINVD writes them back first and leaves the caches as
 * INVD does, empty, so a correct L1 sees the same result. #GP(0) at CPL > 0
 * (both manuals; the hardware checks it before the exit, this keeps it if
 * an emulator does not).
 */
static void handle_invd(struct vcpu *v)
{
	if (vendor->cpl(v)) {
		vendor->inject_exception(v, X86_GP, true, 0);
		return;
	}
	asm volatile("wbinvd" : : : "memory");
	skip_insn(v);
}

/*
 * With exit=qemu or exit=bochs the isa-debug-exit port is Modex's
 * (docs/boot.md "Test exit"): a test code L1 writes there ends the run
 * through Modex's exit path, as MODEX_HC_TEST_EXIT does (exit counts,
 * intact check), so that code which cannot make hypercalls (L1's user
 * space) can end a test. Bochs has no device at that port.
 */
static bool is_test_port_write(const struct exit_info *e)
{
	return e->io.port == QEMU_DEBUG_EXIT_PORT && !e->io.in &&
	       !e->io.string && hv_exit_method() != EXIT_HALT;
}

static void test_port_exit(struct vcpu *v)
{
	const struct hc_env *env = guest_hc_env();

	log_info("L1 wrote %#x to the test-exit port %#x.", (u8)v->regs.rax,
		 QEMU_DEBUG_EXIT_PORT);
	env->test_exit(env->ctx, (u8)v->regs.rax);
}

void exits_io_bitmap_set(u8 *bitmap)
{
	pci_cfg_io_bitmap_set(bitmap);
	if (hv_exit_method() != EXIT_HALT)
		bitmap[QEMU_DEBUG_EXIT_PORT / 8] |=
			(u8)(1u << (QEMU_DEBUG_EXIT_PORT % 8));
}

static u64 trace_qual(const struct vcpu *v)
{
	const struct exit_info *e = &v->exit;

	switch (e->reason) {
	case EXIT_R_CPUID:
	case EXIT_R_HYPERCALL:
		return (u32)v->regs.rax;
	case EXIT_R_MSR_READ:
	case EXIT_R_MSR_WRITE:
		return e->msr.msr;
	case EXIT_R_IO:
		return e->io.port;
	case EXIT_R_NPF:
		return e->npf.gpa;
	default:
		return e->qual;
	}
}

static void unhandled(struct vcpu *v)
{
	guest_fatal(
		v,
		"unhandled L1 exit: %s (hardware reason %#lx, qualification %#lx); stopping L1.",
		exit_reason_name(v->exit.reason), v->exit.hw_reason,
		v->exit.qual);
}

void exits_handle(struct vcpu *v)
{
	struct exit_info *e = &v->exit;

	stats_record(&v->stats, e->reason, e->insn_len, v->regs.rip,
		     trace_qual(v));
	switch (e->reason) {
	case EXIT_R_CPUID:
		handle_cpuid(v);
		break;
	case EXIT_R_HYPERCALL:
		handle_hypercall(v);
		break;
	case EXIT_R_MSR_READ:
	case EXIT_R_MSR_WRITE:
		handle_msr(v, e->reason == EXIT_R_MSR_WRITE);
		break;
	case EXIT_R_IO:
		if (is_test_port_write(e))
			test_port_exit(v);
		else
			pci_cfg_handle_io(v); /* 0CF8h-0CFFh, else plain I/O */
		break;
	case EXIT_R_XSETBV:
		handle_xsetbv(v);
		break;
	case EXIT_R_INVD:
		handle_invd(v);
		break;
	case EXIT_R_VIRT_INSN:
		/* Without nested virtualization L1 sees no VMX/SVM: their
		 * instructions are #UD (SDM Vol. 3C 31.3 VMXON etc. with
		 * CR4.VMXE=0; APM Vol. 3 VMRUN etc. with EFER.SVME=0). */
		if (!nested_handle_insn(v))
			vendor->inject_exception(v, X86_UD, false, 0);
		break;
	case EXIT_R_NPF:
		if (vlapic_handle_npf(v))
			skip_insn(v); /* an emulated store to the xAPIC page */
		else
			guest_handle_npf(v);
		break;
	case EXIT_R_INTR:
	case EXIT_R_NMI:
		break; /* delivered to L1 when it resumes */
	case EXIT_R_INIT:
		smp_handle_init(v);
		break;
	case EXIT_R_SIPI:
		/* SDM Vol. 3C 28.2.1: the qualification is the vector. */
		smp_handle_sipi(v, (u8)e->qual);
		break;
	case EXIT_R_TRIPLE_FAULT:
		guest_fatal(v, "L1 triple fault (shutdown); stopping L1.");
	case EXIT_R_ENTRY_FAIL:
		guest_fatal(
			v,
			"entering L1 failed (VMEXIT_INVALID or VM-entry failure); stopping L1.");
	default:
		unhandled(v);
	}
}
