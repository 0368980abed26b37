// SPDX-License-Identifier: MIT
/*
 * L1's SVM: what L1 is told (CPUID 8000_0001h/8000_000Ah, EFER.SVME,
 * VM_CR, VM_HSAVE_PA), the per-vCPU nested state, GIF, and the SVM
 * instructions other than VMRUN, each with the checks of its APM Vol. 3
 * page: #UD with EFER.SVME=0 (and in real or virtual-8086 mode), #GP(0)
 * at CPL > 0, #GP(0) for a VMCB address in rAX that is not 4 KiB aligned
 * or not L1's RAM (Modex's memory included).
 * Context: exit path of each CPU's own vCPU, VMCB01 current, L1 running.
 */
#include "nested/nsvm.h"

#define LOG_PREFIX "nsvm"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/memory.h"
#include "hv/vendor.h"
#include "nested/nested.h"
#include "svm/svm.h"
#include "svm/vmcb_build.h"

#define X86_UD 6
#define X86_GP 13
#define X86_EFLAGS_VM BIT(17)
/* VM_CR bits L1 may write (APM Vol. 2 15.30.1); the rest are MBZ. */
#define VM_CR_VALID \
	(VM_CR_DPD | VM_CR_R_INIT | VM_CR_DIS_A20M | VM_CR_LOCK | VM_CR_SVMDIS)

bool nsvm_hw_nrips;
static bool ready;

/* ------------------------------------------------------ CPUID, MSRs */

/* APM Vol. 3 E.4.2 (8000_0001h ECX[2] SVM), E.4.9 (8000_000Ah). */
static void nsvm_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	if (leaf == 0x80000001) {
		r->ecx |= (u32)BIT(2);
	} else if (leaf == 0x8000000a) {
		r->eax = NSVM_REVISION;
		r->ebx = NSVM_NR_ASIDS;
		r->ecx = 0;
		r->edx = nsvm_feature_edx(cpu_features.svm_f.edx);
	}
}

static int vm_cr_write(struct nsvm *n, u64 val)
{
	u64 locked = VM_CR_LOCK | VM_CR_SVMDIS;

	/* APM Vol. 2 15.30.1: reserved bits #GP; with LOCK set, LOCK and
	 * SVMDIS are read-only; SVMDIS cannot be set while EFER.SVME=1. */
	if (val & ~(u64)VM_CR_VALID)
		return NESTED_MSR_GP;
	if ((n->vm_cr & VM_CR_LOCK) && ((val ^ n->vm_cr) & locked))
		return NESTED_MSR_GP;
	if ((val & VM_CR_SVMDIS) && n->svme)
		return NESTED_MSR_GP;
	n->vm_cr = val;
	return 0;
}

/* APM Vol. 2 15.30.4: the host save area is 4 KiB aligned; Modex also
 * requires L1's RAM (an address Modex would write is never its own). */
static int hsave_write(struct nsvm *n, u64 val)
{
	if ((val & (PAGE_SIZE - 1)) || !guest_l1_ram(val, PAGE_SIZE))
		return NESTED_MSR_GP;
	n->hsave_pa = val;
	return 0;
}

/* L2 sees no SVM (nested SVM inside L2 is not offered): its accesses to
 * these MSRs are hv/'s, as on a CPU without SVM. */
static int nsvm_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct nsvm *n = to_nsvm(v);

	if (!ready || v->nested.guest_mode)
		return NESTED_MSR_NOT_MINE;
	if (msr == MSR_VM_CR) {
		*val = n->vm_cr;
		return 0;
	}
	if (msr == MSR_VM_HSAVE_PA) {
		*val = n->hsave_pa;
		return 0;
	}
	return NESTED_MSR_NOT_MINE;
}

static int nsvm_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	if (!ready || v->nested.guest_mode)
		return NESTED_MSR_NOT_MINE;
	if (msr == MSR_VM_CR)
		return vm_cr_write(to_nsvm(v), val);
	if (msr == MSR_VM_HSAVE_PA)
		return hsave_write(to_nsvm(v), val);
	return NESTED_MSR_NOT_MINE;
}

static bool nsvm_efer_svme(struct vcpu *v)
{
	return ready && !v->nested.guest_mode && to_nsvm(v)->svme;
}

/* APM Vol. 2 15.30.1: with VM_CR.SVMDIS set EFER.SVME cannot be set.
 * Clearing it leaves GIF set (15.17: GIF is 1 outside SVM). */
static int nsvm_set_efer_svme(struct vcpu *v, bool on)
{
	struct nsvm *n = to_nsvm(v);

	if (!ready || v->nested.guest_mode)
		return on ? NESTED_MSR_GP : 0;
	if (on && (n->vm_cr & VM_CR_SVMDIS))
		return NESTED_MSR_GP;
	n->svme = on;
	if (!on)
		nsvm_set_gif(v, true);
	return 0;
}

/* ------------------------------------------------------ GIF */

static u64 read_tpr(void)
{
	u64 v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void write_tpr(u64 v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

/*
 * L1's virtual GIF (APM Vol. 2 15.17). While it is 0 L1 takes no
 * interrupt and no NMI:
 *  - physical interrupts: VMCB01 runs with V_INTR_MASKING=1, so L1's
 *    RFLAGS.IF no longer unmasks them; Modex's own IF (0 at VMRUN) does
 *    (15.21.1). Bochs 3.0 lets them in once the guest's IF is 1, so the
 *    physical TPR (CR8, APM Vol. 2 16.6.4) is also raised to 15, which
 *    holds every vector in the APIC's IRR. L1's TPR moves to V_TPR,
 *    where L1's CR8 accesses go meanwhile, and back to the APIC at STGI
 *    or VMRUN;
 *  - NMIs: one taken in Modex waits in v->nmi_pending (svm/svm.c asks
 *    nested_events_held() before injecting it) until STGI or VMRUN;
 *  - INIT is Modex's intercept anyway (hv/smp.c), SMIs are not L1's.
 * Called with VMCB01 current (L1 running, or at the emulated #VMEXIT
 * after it was made current again).
 */
void nsvm_set_gif(struct vcpu *v, bool gif)
{
	struct nsvm *n = to_nsvm(v);
	struct vmcb_control *c1 = &to_svm(v)->vmcb->ctl;

	n->gif = gif;
	if (!gif && !n->held) {
		c1->int_ctl = (c1->int_ctl & ~INT_CTL_V_TPR) |
			      (read_tpr() & 0xf) | INT_CTL_V_INTR_MASKING;
		write_tpr(15);
		n->held = true;
	} else if (gif && n->held) {
		write_tpr(c1->int_ctl & 0xf);
		c1->int_ctl &= ~(INT_CTL_V_INTR_MASKING | INT_CTL_V_TPR);
		n->held = false;
	}
}

/* The host IF while L2 runs: L1's, as VMRUN saved it (APM Vol. 2
 * 15.21.1: with V_INTR_MASKING it masks physical interrupts). */
static bool nsvm_l2_host_if(struct vcpu *v)
{
	return v->nested.guest_mode &&
	       (to_nsvm(v)->vmcb01->save.rflags & X86_EFLAGS_IF);
}

static bool nsvm_events_held(struct vcpu *v)
{
	return ready && !v->nested.guest_mode && !to_nsvm(v)->gif;
}

/* ------------------------------------------------------ instructions */

static bool long64(const struct vmcb_save *s)
{
	return (s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L);
}

/*
 * The instruction's length (NRIP, or decoded: svm/ knows none of these)
 * and whether it has an address-size prefix: rAX is RAX in 64-bit mode,
 * EAX with 67h or outside it (APM Vol. 3 VMRUN, VMLOAD, VMSAVE, INVLPGA).
 */
static bool insn_info(struct vcpu *v, bool *addr32)
{
	u8 buf[INSN_MAX_LEN];
	enum insn_mode mode;
	unsigned got;
	u32 len;

	*addr32 = false;
	if (v->exit.insn_len == 3)
		return true; /* 0F 01 xx without prefixes */
	got = vendor->fetch_insn(v, buf, sizeof(buf), &mode);
	len = nsvm_insn_len(buf, got, mode == INSN_MODE_64, addr32);
	if (!len || (v->exit.insn_len && len != v->exit.insn_len))
		return false;
	v->exit.insn_len = len;
	return true;
}

/* The checks every SVM instruction shares; false if L1 got the fault. */
static bool insn_ok(struct vcpu *v)
{
	struct nsvm *n = to_nsvm(v);

	if (!n->svme || !(vendor->read_cr(v, 0) & X86_CR0_PE) ||
	    (v->regs.rflags & X86_EFLAGS_VM)) {
		vendor->inject_exception(v, X86_UD, false, 0);
		return false;
	}
	if (vendor->cpl(v)) {
		vendor->inject_exception(v, X86_GP, true, 0);
		return false;
	}
	return true;
}

/* rAX as a VMCB address: 4 KiB aligned and L1's RAM, else #GP(0). */
static bool vmcb_addr(struct vcpu *v, bool addr32, gpa_t *pa)
{
	const struct vmcb_save *s = &to_svm(v)->vmcb->save;
	u64 rax = v->regs.rax;

	if (!long64(s) || addr32)
		rax = (u32)rax;
	if ((rax & (PAGE_SIZE - 1)) || !guest_l1_ram(rax, PAGE_SIZE)) {
		vendor->inject_exception(v, X86_GP, true, 0);
		return false;
	}
	*pa = rax;
	return true;
}

/* APM Vol. 2 15.5.2: VMLOAD and VMSAVE move FS, GS, TR and LDTR (with
 * their hidden state), KernelGsBase, STAR, LSTAR, CSTAR, SFMASK and the
 * SYSENTER MSRs. */
void nsvm_copy_vmload_state(struct vmcb_save *to, const struct vmcb_save *from)
{
	to->fs = from->fs;
	to->gs = from->gs;
	to->tr = from->tr;
	to->ldtr = from->ldtr;
	to->kernel_gs_base = from->kernel_gs_base;
	to->star = from->star;
	to->lstar = from->lstar;
	to->cstar = from->cstar;
	to->sfmask = from->sfmask;
	to->sysenter_cs = from->sysenter_cs;
	to->sysenter_esp = from->sysenter_esp;
	to->sysenter_eip = from->sysenter_eip;
}

static struct vmcb *l1_page(gpa_t pa)
{
	hpa_t hpa;

	/* vmcb_addr() checked it is L1's RAM: identity-mapped. */
	if (!guest_gpa_to_hpa(pa, &hpa))
		return NULL;
	return (struct vmcb *)hpa;
}

/* VMLOAD loads L1's registers (VMCB01's save area, which svm_enter
 * VMLOADs) from L1's VMCB; VMSAVE stores them there. */
static void vmload_vmsave(struct vcpu *v, gpa_t pa, bool load)
{
	struct vmcb *l1 = l1_page(pa), *vm01 = to_svm(v)->vmcb;

	if (!l1)
		return;
	if (load)
		nsvm_copy_vmload_state(&vm01->save, &l1->save);
	else
		nsvm_copy_vmload_state(&l1->save, &vm01->save);
	if (!load)
		guest_l1_wrote(pa, PAGE_SIZE);
}

static void emulate(struct vcpu *v, u64 code, gpa_t pa)
{
	struct nsvm *n = to_nsvm(v);

	switch (code) {
	case SVM_EXIT_VMRUN:
		nsvm_vmrun(v, pa);
		return;
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
		vmload_vmsave(v, pa, code == SVM_EXIT_VMLOAD);
		break;
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
		nsvm_set_gif(v, code == SVM_EXIT_STGI);
		break;
	case SVM_EXIT_INVLPGA:
		/* APM Vol. 3 INVLPGA: one page of one ASID; every ASID of L1
		 * runs on NSVM_ASID02, flushed whole at the next VMRUN. */
		n->flush02 = true;
		break;
	}
	skip_insn(v);
}

static bool needs_vmcb(u64 code)
{
	return code == SVM_EXIT_VMRUN || code == SVM_EXIT_VMLOAD ||
	       code == SVM_EXIT_VMSAVE;
}

static void nsvm_handle_insn(struct vcpu *v)
{
	u64 code = v->exit.hw_reason;
	bool addr32;
	gpa_t pa = 0;

	/* SKINIT is not offered (CPUID 8000_0001h ECX[12] stays L1's CPU's
	 * and Modex intercepts it): #UD, APM Vol. 3 SKINIT. */
	if (!ready || code == SVM_EXIT_SKINIT) {
		vendor->inject_exception(v, X86_UD, false, 0);
		return;
	}
	if (!insn_ok(v))
		return;
	if (!insn_info(v, &addr32))
		guest_fatal(v,
			    "cannot decode L1's SVM instruction (exit %#lx).",
			    code);
	if (needs_vmcb(code) && !vmcb_addr(v, addr32, &pa))
		return;
	emulate(v, code, pa);
}

/* ------------------------------------------------------ vCPU state */

static void *alloc_pages(size_t nr)
{
	hpa_t pa;

	return memory_alloc_frames(nr, &pa) ? NULL : (void *)pa;
}

static int alloc_state(struct vcpu *v)
{
	struct nsvm *n =
		alloc_pages(ALIGN_UP(sizeof(*n), PAGE_SIZE) / PAGE_SIZE);

	if (!n)
		return -E_NOMEM;
	n->vmcb12 = alloc_pages(1);
	n->vmcb02 = alloc_pages(1);
	n->msrpm02 = alloc_pages(MSRPM_SIZE / PAGE_SIZE);
	n->iopm02 = alloc_pages(IOPM_SIZE / PAGE_SIZE);
	n->shadow = alloc_pages(ALIGN_UP(sizeof(*n->shadow), PAGE_SIZE) /
				PAGE_SIZE);
	if (!n->vmcb12 || !n->vmcb02 || !n->msrpm02 || !n->iopm02 || !n->shadow)
		return -E_NOMEM;
	/* What VMRUN never writes stays 0 (nested/nsvm_entry.c). */
	memset(n->vmcb02, 0, PAGE_SIZE);
	memset(n->msrpm02, 0, MSRPM_SIZE);
	memset(n->iopm02, 0, IOPM_SIZE);
	v->nested.priv = n;
	return nsvm_shadow_init(v);
}

/* Power-up and INIT (APM Vol. 2 15.30: EFER and the SVM MSRs reset). */
static int nsvm_vcpu_init(struct vcpu *v)
{
	struct nsvm *n;
	int ret;

	if (!ready)
		return 0;
	if (!v->nested.priv) {
		ret = alloc_state(v);
		if (ret)
			return ret;
	}
	n = to_nsvm(v);
	n->svme = false;
	if (n->held)
		write_tpr(0); /* INIT clears the TPR (APM Vol. 2 16.6.4) */
	n->held = false;
	n->gif = true;
	n->hsave_pa = 0;
	n->vm_cr = 0;
	n->flush02 = true;
	shadow_invalidate_all(n->shadow);
	return 0;
}

static bool nsvm_init(void)
{
	const struct svm_features *f = &cpu_features.svm_f;

	if (!f->npt) {
		log_info("the CPU lacks nested paging: L1 sees no SVM.");
		return false;
	}
	nsvm_hw_nrips = f->nrips;
	ready = true;
	log_info(
		"nested SVM on: revision %u, %u ASIDs, features %#x, NRIP %s, L2 on ASID %u.",
		NSVM_REVISION, NSVM_NR_ASIDS, nsvm_feature_edx(f->edx),
		f->nrips ? "from the CPU" : "decoded", NSVM_ASID02);
	return true;
}

/*
 * Stage 2 changed (this CPU or another): shadows built on it go, and so
 * does what the TLBs of ASIDs 1 and 2 cached from it. While L2 runs, the
 * current VMCB (vmcb02) was flushed by the caller; VMCB01 flushes at its
 * next run, and vmcb02 gets the new NPT02 root at once (the old one's
 * pages are freed).
 */
static void nsvm_stage2_changed(struct vcpu *v)
{
	struct nsvm *n = v->nested.priv;
	u64 root;

	if (!n)
		return;
	shadow_invalidate_all(n->shadow);
	n->flush02 = true;
	if (!v->nested.guest_mode)
		return;
	n->vmcb01->ctl.tlb_control = svm_feat.flush_by_asid ?
					     TLB_CONTROL_FLUSH_ASID :
					     TLB_CONTROL_FLUSH_ALL;
	if (!n->npt12)
		return;
	root = shadow_root(n->shadow, n->vmcb12->ctl.nested_cr3 & ~0xfffULL,
			   &n->role);
	if (!root)
		guest_fatal(v, "cannot rebuild NPT02 for L2; stopping L1.");
	n->vmcb02->ctl.nested_cr3 = root;
}

const struct nested_ops nsvm_ops = {
	.name = "svm",
	.init = nsvm_init,
	.vcpu_init = nsvm_vcpu_init,
	.cpuid = nsvm_cpuid,
	.msr_read = nsvm_msr_read,
	.msr_write = nsvm_msr_write,
	.handle_insn = nsvm_handle_insn,
	.l2_exit = nsvm_l2_exit,
	.stage2_changed = nsvm_stage2_changed,
	.efer_svme = nsvm_efer_svme,
	.set_efer_svme = nsvm_set_efer_svme,
	.events_held = nsvm_events_held,
	.l2_host_if = nsvm_l2_host_if,
};
