// SPDX-License-Identifier: MIT
/*
 * The SVM backend: probe (CPUID, VM_CR), EFER.SVME and the host save area,
 * VMCB01 (contents from the pure builder in svm/vmcb_build.c), the run
 * step and the small vendor operations.
 * Context: each CPU for its own state (per-CPU, hv/percpu.h), interrupts
 * off; probe and the shared maps on the boot CPU.
 */
#include "svm/svm.h"

#define LOG_PREFIX "svm"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/lapic.h"
#include "hv/log.h"
#include "hv/exits.h"
#include "hv/percpu.h"
#include "hv/vendor.h"
#include "nested/nested.h"
#include "svm/svm_entry.h"
#include "svm/vmcb_build.h"

_Static_assert(offsetof(struct guest_regs, rbx) == SVM_GR_RBX, "regs");
_Static_assert(offsetof(struct guest_regs, rcx) == SVM_GR_RCX, "regs");
_Static_assert(offsetof(struct guest_regs, rdx) == SVM_GR_RDX, "regs");
_Static_assert(offsetof(struct guest_regs, rsi) == SVM_GR_RSI, "regs");
_Static_assert(offsetof(struct guest_regs, rdi) == SVM_GR_RDI, "regs");
_Static_assert(offsetof(struct guest_regs, rbp) == SVM_GR_RBP, "regs");
_Static_assert(offsetof(struct guest_regs, r8) == SVM_GR_R8, "regs");
_Static_assert(offsetof(struct guest_regs, r9) == SVM_GR_R9, "regs");
_Static_assert(offsetof(struct guest_regs, r10) == SVM_GR_R10, "regs");
_Static_assert(offsetof(struct guest_regs, r11) == SVM_GR_R11, "regs");
_Static_assert(offsetof(struct guest_regs, r12) == SVM_GR_R12, "regs");
_Static_assert(offsetof(struct guest_regs, r13) == SVM_GR_R13, "regs");
_Static_assert(offsetof(struct guest_regs, r14) == SVM_GR_R14, "regs");
_Static_assert(offsetof(struct guest_regs, r15) == SVM_GR_R15, "regs");

/*
 * One CPU's SVM state, in Modex's pool (hv/smp.c allocates
 * svm_ops.percpu_size bytes, page aligned, for each CPU). Modex runs
 * identity-mapped, so the pages' addresses are their physical addresses.
 */
struct svm_cpu {
	struct vmcb vmcb01;
	u8 host_save_area[PAGE_SIZE];
	struct vmcb host_vmload_state;
	struct svm_vcpu vcpu;
};
_Static_assert(sizeof(struct vmcb) == PAGE_SIZE, "VMCB is one page");

/* Shared by every CPU, written once by the boot CPU before any other
 * enables SVM; part of the hidden Modex image. */
static u8 msrpm[MSRPM_SIZE] __aligned(PAGE_SIZE);
static u8 iopm[IOPM_SIZE] __aligned(PAGE_SIZE);

static struct svm_cpu *svm_cpu(void)
{
	return this_cpu()->vendor;
}

struct svm_features svm_feat;

static int svm_probe(const struct cpu_features *f)
{
	u64 vm_cr;

	if (!f->svm) {
		log_info("no SVM (CPUID 8000_0001h ECX[2] is clear).");
		return -E_NOSUPP;
	}
	/* APM Vol. 2 15.30.1: SVMDIS makes EFER.SVME writes #GP; with LOCK
	 * set only the firmware (or an SVM_KEY) can clear it. */
	vm_cr = rdmsr(MSR_VM_CR);
	if ((vm_cr & VM_CR_SVMDIS) && (vm_cr & VM_CR_LOCK)) {
		log_err("SVM is disabled by the firmware: VM_CR is locked with SVMDIS set (%#lx); enable SVM (AMD-V) in the firmware setup.",
			vm_cr);
		return -E_NOSUPP;
	}
	if (vm_cr & VM_CR_SVMDIS)
		wrmsr(MSR_VM_CR, vm_cr & ~VM_CR_SVMDIS);
	if (!f->svm_f.npt) {
		log_err("cannot run on SVM: the CPU lacks nested paging (CPUID 8000_000Ah EDX[0]).");
		return -E_NOSUPP;
	}
	svm_feat = f->svm_f;
	return 0;
}

static int svm_enable(void)
{
	struct svm_cpu *c = svm_cpu();

	if (this_cpu()->index == 0) {
		svm_msrpm_init(msrpm, svm_use_lbrv(&svm_feat));
		memset(iopm, 0, sizeof(iopm));
		exits_io_bitmap_set(iopm);
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	/* APM Vol. 2 15.17.1: with GIF=0 an INIT is held pending; Modex
	 * runs with GIF=0 from here on (#VMEXIT clears it again), so an
	 * INIT sent while Modex runs waits for VMRUN, where it is
	 * intercepted, and can never reset this CPU outside Modex. */
	asm volatile("clgi" ::: "memory");
	/* APM Vol. 2 15.30.4: VMRUN saves Modex's state here. */
	wrmsr(MSR_VM_HSAVE_PA, (u64)c->host_save_area);
	/* VMRUN does not save FS, GS, TR, LDTR or the syscall MSRs
	 * (15.5.2): keep Modex's for the VMLOAD after each #VMEXIT. */
	asm volatile("vmsave %%rax"
		     :
		     : "a"((u64)&c->host_vmload_state)
		     : "memory");
	if (this_cpu()->index == 0)
		log_info("SVM on: EFER.SVME set, host save area at %#lx.",
			 (u64)c->host_save_area);
	return 0;
}

static int svm_stage2_format(struct pt_format *f)
{
	struct vmcb01_config cfg = { 0 };
	u32 flags = PTF_NXE | (cpu_features.pdpe1gb ? PTF_1G : 0);

	if (svm_use_gmet(&svm_feat, &cfg))
		flags |= PTF_GMET;
	return pt_format_init(f, PT_NPT, cpu_features.maxphyaddr, flags);
}

static void report_vmcb01(const struct svm_vcpu *s)
{
	/* The grep-able line the boot tests check, once. */
	if (this_cpu()->index != 0)
		return;
	log_info(
		"VMCB01 at %#lx, NPT01 root %#lx, ASID %u, nested paging on, GMET %s, NRIPS %s.",
		s->vmcb_pa, s->vmcb->ctl.nested_cr3, s->vmcb->ctl.asid,
		s->gmet ? "on" : "off", s->nrips ? "yes" : "no (decoding)");
}

static int svm_vcpu_init(struct vcpu *v, const struct boot_cpu_state *bs,
			 hpa_t root)
{
	struct svm_cpu *c = svm_cpu();
	struct svm_vcpu *s = &c->vcpu;
	struct vmcb01_config cfg = {
		.asid = 1,
		.msrpm_pa = (u64)msrpm,
		.iopm_pa = (u64)iopm,
		.ncr3 = root,
	};
	struct svm_guest_init g;
	struct mmu_role role;
	const char *why;
	int ret;

	ret = svm_guest_init_from_boot(bs, &g, &v->regs);
	if (ret) {
		log_err("L1's boot CPU state cannot be entered with SVM.");
		return ret;
	}
	ret = vmcb01_build(&svm_feat, &cfg, &g, &c->vmcb01, &why);
	if (ret) {
		log_err("cannot build VMCB01: %s.", why);
		return ret;
	}
	memset(s, 0, sizeof(*s));
	s->vmcb = &c->vmcb01;
	s->vmcb_pa = (u64)&c->vmcb01;
	s->gmet = svm_use_gmet(&svm_feat, &cfg);
	s->nrips = svm_feat.nrips;
	ret = svm_stage2_format(&s->npt_fmt);
	if (ret)
		return ret;
	mmu_role_init(&role, &s->npt_fmt, false, false, false);
	perm_init(&s->npt_perm, &role);
	v->vendor = s;
	v->root = root;
	report_vmcb01(s);
	return 0;
}

static void sync_regs_to_vmcb(struct vcpu *v, struct svm_vcpu *s)
{
	struct vmcb_save *sv = &s->vmcb->save;

	/* L1's NMI, taken in Modex after its #VMEXIT(NMI) (APM Vol. 2
	 * 15.20: EVENTINJ type 2); it waits while L1's GIF is 0 (15.17,
	 * nested SVM). In L2 it is L2's when L1 does not intercept NMIs. */
	if (v->nmi_pending && !(s->vmcb->ctl.event_inj & EVENTINJ_VALID) &&
	    !nested_events_held(v)) {
		v->nmi_pending = false;
		s->vmcb->ctl.event_inj = EVENTINJ_VALID | EVENTINJ_TYPE_NMI | 2;
	}

	sv->rax = v->regs.rax;
	sv->rsp = v->regs.rsp;
	sv->rflags = v->regs.rflags;
	sv->rip = v->regs.rip;
}

static void svm_run(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *vm = s->vmcb;

	do {
		bool hif = nested_l2_host_if(v);

		sync_regs_to_vmcb(v, s);
		/* L2 of nested SVM may run with the host's IF set (L1's): GIF
		 * is 0 in Modex before VMRUN and after #VMEXIT (APM Vol. 2
		 * 15.17), so no interrupt is taken here; IF is clear again
		 * before anything opens GIF. */
		if (hif)
			asm volatile("sti" ::: "memory");
		svm_enter(&v->regs, s->vmcb_pa,
			  (u64)&svm_cpu()->host_vmload_state);
		if (hif)
			asm volatile("cli" ::: "memory");
		v->exits++;
		v->regs.rax = vm->save.rax;
		v->regs.rsp = vm->save.rsp;
		v->regs.rip = vm->save.rip;
		v->regs.rflags = vm->save.rflags;
		/* An intercepted NMI stays pending while GIF=0 (APM Vol. 2
		 * 15.17): open GIF for one instruction so that it is taken
		 * here, by Modex's NMI handler (a kick, or L1's to inject). */
		if (vm->ctl.exit_code == SVM_EXIT_NMI)
			asm volatile("stgi; clgi" ::: "memory");
		/* Flushes and injections are one-shot (15.16.1, 15.20). */
		vm->ctl.tlb_control = TLB_CONTROL_DO_NOTHING;
		vm->ctl.event_inj = 0;
	} while (svm_decode_exit(v));
}

static u64 svm_read_cr(struct vcpu *v, int cr)
{
	const struct vmcb_save *sv = &to_svm(v)->vmcb->save;

	switch (cr) {
	case 0:
		return sv->cr0;
	case 2:
		return sv->cr2;
	case 3:
		return sv->cr3;
	case 4:
		return sv->cr4;
	}
	return 0;
}

/* L1's EFER as it reads it: SVME is Modex's (hv/exits.c hides it). */
static u64 svm_read_efer(struct vcpu *v)
{
	return to_svm(v)->vmcb->save.efer;
}

static void svm_set_efer(struct vcpu *v, u64 efer)
{
	struct svm_vcpu *s = to_svm(v);

	/* VMRUN requires SVME (15.5.1). NXE changes how L1's cached
	 * translations read: drop them. */
	s->vmcb->save.efer = efer | EFER_SVME;
	s->vmcb->ctl.tlb_control = svm_feat.flush_by_asid ?
					   TLB_CONTROL_FLUSH_ASID :
					   TLB_CONTROL_FLUSH_ALL;
}

static int svm_cpl(struct vcpu *v)
{
	/* APM Vol. 2 15.5.1: the VMCB CPL field is the guest's CPL. */
	return to_svm(v)->vmcb->save.cpl;
}

static void svm_flush_guest_tlb(struct vcpu *v)
{
	/* 15.16.1: flush this guest's ASID where the CPU can, else all. */
	to_svm(v)->vmcb->ctl.tlb_control = svm_feat.flush_by_asid ?
						   TLB_CONTROL_FLUSH_ASID :
						   TLB_CONTROL_FLUSH_ALL;
}

/* APM Vol. 2 15.25.8: with nested paging L1's PAT is the VMCB's G_PAT,
 * loaded by VMRUN; Modex's host PAT stays in the register otherwise. */
static u64 svm_read_pat(struct vcpu *v)
{
	return to_svm(v)->vmcb->save.g_pat;
}

static void svm_write_pat(struct vcpu *v, u64 pat)
{
	to_svm(v)->vmcb->save.g_pat = pat;
}

const struct vendor_ops svm_ops = {
	.name = "svm",
	.percpu_size = sizeof(struct svm_cpu),
	.kick_ipi = ICR_DM_NMI,
	.probe = svm_probe,
	.enable = svm_enable,
	.vcpu_init = svm_vcpu_init,
	.run = svm_run,
	.inject_exception = svm_inject_exception,
	.clear_interrupt_shadow = svm_clear_interrupt_shadow,
	.queue_single_step = svm_queue_single_step,
	/* VMCB01 has no LBR virtualization, so VMRUN does not switch
	 * DEBUGCTL, and the MSR is not safe to read on every SVM model
	 * (Bochs's ryzen #GPs): L1's BTF is not known here. */
	.read_debugctl = NULL,
	.stray_host_db = svm_stray_host_db,
	.code_bits = svm_code_bits,
	.insn_len = svm_insn_len,
	.read_cr = svm_read_cr,
	.read_efer = svm_read_efer,
	.cpl = svm_cpl,
	.flush_guest_tlb = svm_flush_guest_tlb,
	.dump = svm_dump,
	.stage2_format = svm_stage2_format,
	.set_efer = svm_set_efer,
	.capture_icr = true,
	.fetch_insn = svm_fetch_insn,
	.read_pat = svm_read_pat,
	.write_pat = svm_write_pat,
};
