// SPDX-License-Identifier: MIT
/*
 * The VMCB01 builder and the pure SVM rules (svm/vmcb_build.h): which
 * events L1 keeps and which exit to Modex, the MSR permission map, nested
 * paging with GMET, and the erratum-1218 rule.
 * Pure C: built freestanding into Modex and hosted for the unit tests.
 */
#include "svm/vmcb_build.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/lapic.h"
#include "hv/msr_policy.h"

/*
 * Intercepts (DESIGN.md section 1: only what Modex must see):
 * - CPUID: the hypervisor leaves, SVM hidden.
 * - MSR_PROT: the permission map: SVM's MSRs and hv/msr_policy.c's.
 * - INVD: it would discard Modex's dirty cache lines along with L1's;
 *   Modex executes WBINVD instead (hv/exits.c). WBINVD too, handled the
 *   same way: QEMU 7.2 TCG checks the WBINVD intercept for both opcodes,
 *   so INVD reaches Modex only through it there; WBINVD is rare.
 * - VMRUN (mandatory, APM Vol. 2 15.5.1), VMMCALL (hypercalls), VMLOAD,
 *   VMSAVE, STGI, CLGI, SKINIT, INVLPGA: emulated by nested SVM
 *   (nested/nsvm.c), or #UD as on a CPU without SVM (nested=off).
 * - SHUTDOWN: an L1 triple fault must stop L1, not the machine.
 * - INIT: an INIT while L1 runs would reset the CPU under Modex (APM Vol.
 *   2 15.13.3): it is L1's INIT of this vCPU (hv/smp.c).
 * - IOIO_PROT: the ports the IOPM marks, PCI configuration mechanism #1
 *   (0CF8h-0CFFh, hv/pci_cfg.c) so protected functions ignore L1.
 * - NMI: Modex's kick between CPUs is an NMI (hv/smp.c); an NMI that is
 *   L1's is taken in Modex (STGI/CLGI right after the exit) and
 *   injected back. The NMI intercept only fires when L1 does not block
 *   NMIs, so the injection never nests L1's NMI handler.
 * Not intercepted: interrupts, SMI, #MC and every exception (L1's
 * own IDT handles them, as on bare metal), HLT, every other I/O port, CR and DR accesses (nested paging leaves them to
 * L1), XSETBV (unlike VMX, SVM makes it an optional intercept, and Modex
 * never uses XSAVE state: it is built -mgeneral-regs-only).
 */
#define MISC1_INTERCEPTS                                            \
	(INTERCEPT_CPUID | INTERCEPT_MSR_PROT | INTERCEPT_INVLPGA | \
	 INTERCEPT_SHUTDOWN | INTERCEPT_INIT | INTERCEPT_NMI |      \
	 INTERCEPT_INVD | INTERCEPT_IOIO_PROT)
#define MISC2_INTERCEPTS                                          \
	(INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | \
	 INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |     \
	 INTERCEPT_SKINIT | INTERCEPT_WBINVD)

/* EFER bits that must be zero (APM Vol. 2 3.1.7: 1-7 and 9 are reserved). */
#define EFER_MBZ (0xfeULL | BIT(9))

bool svm_use_gmet(const struct svm_features *f, const struct vmcb01_config *cfg)
{
	return f->gmet && !cfg->no_gmet;
}

bool svm_use_lbrv(const struct svm_features *f)
{
	return f->edx & SVM_EDX_LBRV;
}

/* APM Vol. 2 15.5.1, "Canonicalization and Consistency Checks". */
const char *svm_save_invalid(const struct vmcb_save *s)
{
	bool lme_pg = (s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG);

	if (!(s->efer & EFER_SVME))
		return "EFER.SVME is clear";
	if (s->efer & EFER_MBZ)
		return "EFER has reserved bits set";
	if (!(s->cr0 & X86_CR0_CD) && (s->cr0 & X86_CR0_NW))
		return "CR0.NW is set without CR0.CD";
	if (s->cr0 >> 32)
		return "CR0 bits 63:32 are set";
	if (s->cr3 >> 52)
		return "CR3 bits 63:52 are set";
	if (s->cr4 >> 32)
		return "CR4 bits 63:32 are set";
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return "DR6 or DR7 bits 63:32 are set";
	if (lme_pg && !(s->cr4 & X86_CR4_PAE))
		return "EFER.LME and CR0.PG are set without CR4.PAE";
	if (lme_pg && !(s->cr0 & X86_CR0_PE))
		return "EFER.LME and CR0.PG are set without CR0.PE";
	if (lme_pg && (s->cs.attrib & SEG_ATTR_L) &&
	    (s->cs.attrib & SEG_ATTR_DB))
		return "CS.L and CS.D are both set in long mode";
	return NULL;
}

static void build_control(const struct svm_features *f,
			  const struct vmcb01_config *cfg,
			  struct vmcb_control *c)
{
	c->intercept_misc1 = MISC1_INTERCEPTS;
	c->intercept_misc2 = MISC2_INTERCEPTS;
	c->iopm_base_pa = cfg->iopm_pa;
	c->msrpm_base_pa = cfg->msrpm_pa;
	c->asid = cfg->asid;
	/* APM Vol. 2 15.16.1: the first run drops whatever the CPU cached
	 * for this ASID (a previous Modex, firmware). */
	c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	/* V_INTR_MASKING clear: L1's RFLAGS.IF governs physical interrupts
	 * directly, which is what passing them through means (15.21.1). */
	c->int_ctl = 0;
	c->nested_ctl = NESTED_CTL_NP_ENABLE;
	/* GMET (REFERENCE.md section 2): NPT01 leaves are then U=0, which
	 * GMET treats as executable in both modes, so L1 sees no change. */
	if (svm_use_gmet(f, cfg))
		c->nested_ctl |= NESTED_CTL_GMET;
	c->nested_cr3 = cfg->ncr3;
	/* APM Vol. 2 15.23: with LBR virtualization VMRUN loads L1's
	 * DebugCtl and LBRs from the VMCB and #VMEXIT restores Modex's, so
	 * L1's debug controls never act on Modex's code. */
	if (svm_use_lbrv(f))
		c->virt_ext |= VIRT_EXT_LBRV;
	/* Nothing is cached yet: every field is "dirty" (15.15.3). */
	c->clean = 0;
}

static void build_save(const struct svm_guest_init *g, struct vmcb_save *s)
{
	s->es = g->es;
	s->cs = g->cs;
	s->ss = g->ss;
	s->ds = g->ds;
	s->fs = g->fs;
	s->gs = g->gs;
	s->gdtr = g->gdtr;
	s->ldtr = g->ldtr;
	s->idtr = g->idtr;
	s->tr = g->tr;
	s->cpl = g->cpl;
	/* VMRUN requires EFER.SVME in the guest's EFER (15.5.1); L1 reads it
	 * as clear through the EFER intercept. */
	s->efer = g->efer | EFER_SVME;
	s->cr0 = g->cr0;
	s->cr3 = g->cr3;
	s->cr4 = g->cr4;
	s->dr6 = g->dr6;
	s->dr7 = g->dr7;
	s->rflags = g->rflags;
	s->rip = g->rip;
	s->rsp = g->rsp;
	s->rax = g->rax;
	/* With nested paging the guest has its own PAT (15.25.8). */
	s->g_pat = PAT_POWER_ON;
}

int vmcb01_build(const struct svm_features *f, const struct vmcb01_config *cfg,
		 const struct svm_guest_init *g, struct vmcb *out,
		 const char **why)
{
	const char *bad = NULL;
	int ret = -E_INVAL;

	memset(out, 0, sizeof(*out));
	if (!f->npt) {
		bad = "the CPU lacks nested paging (CPUID 8000_000Ah EDX[0])";
		ret = -E_NOSUPP;
	} else if (!cfg->asid || (f->nr_asids && cfg->asid >= f->nr_asids)) {
		bad = "the ASID is 0 or beyond the CPU's ASID count";
	} else if (!IS_ALIGNED(cfg->ncr3, PAGE_SIZE) || !cfg->ncr3) {
		bad = "the NPT01 root is not a page-aligned address";
	} else if (!IS_ALIGNED(cfg->msrpm_pa, PAGE_SIZE) || !cfg->msrpm_pa ||
		   !IS_ALIGNED(cfg->iopm_pa, PAGE_SIZE) || !cfg->iopm_pa) {
		bad = "the MSR or I/O permission map is not page-aligned";
	}
	if (!bad) {
		build_control(f, cfg, &out->ctl);
		build_save(g, &out->save);
		bad = svm_save_invalid(&out->save);
		ret = bad ? -E_INVAL : 0;
	}
	if (why)
		*why = bad;
	return ret;
}

/* APM Vol. 2 table 15-5: the three MSR ranges the map covers. */
static int msrpm_bit(u32 msr, bool write)
{
	u32 base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 0x800 * 8;
	else if (msr >= 0xc0010000 && msr <= 0xc0011fff)
		base = 0x1000 * 8;
	else
		return -1;
	return (int)(base + (msr & 0x1fff) * 2 + (write ? 1 : 0));
}

static void msrpm_set_rw(u8 *msrpm, u32 msr, bool rd, bool wr)
{
	for (int w = 0; w < 2; w++) {
		int bit = msrpm_bit(msr, w);

		if ((w ? wr : rd) && bit >= 0)
			msrpm[bit / 8] |= (u8)(1u << (bit % 8));
	}
}

static void msrpm_set(u8 *msrpm, u32 msr)
{
	msrpm_set_rw(msrpm, msr, true, true);
}

/* The memory-type, decode and debug MSRs of hv/msr_policy.c. */
static void msrpm_policy_apply(u8 *msrpm, bool lbrv)
{
	for (size_t i = 0; i < msr_policy_count; i++) {
		const struct msr_policy *p = &msr_policy[i];

		if (!(p->flags & MSRP_SVM) &&
		    !((p->flags & MSRP_SVM_NO_LBRV) && !lbrv))
			continue;
		for (u32 msr = p->first; msr <= p->last; msr++)
			msrpm_set_rw(msrpm, msr, p->flags & MSRP_READ,
				     p->flags & MSRP_WRITE);
	}
}

/*
 * The MSRs that reveal or control SVM: EFER (SVME must stay hidden
 * and unsettable), VM_CR, VM_HSAVE_PA and SVM_KEY (APM Vol. 2 15.30).
 * IGNNE and SMM_CTL exist without SVM and stay L1's, like every other MSR.
 * And the APIC (hv/vlapic.h): IA32_APIC_BASE both ways (L1's base is
 * virtual), writes of the x2APIC ICR (0x830), where L1's INIT and SIPI
 * are captured; reads of the ICR and every other x2APIC MSR stay L1's.
 */
void svm_msrpm_init(u8 *msrpm, bool lbrv)
{
	static const u32 hidden[] = {
		MSR_EFER,
		MSR_VM_CR,
		MSR_VM_HSAVE_PA,
		MSR_SVM_KEY,
	};

	memset(msrpm, 0, MSRPM_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(hidden); i++)
		msrpm_set(msrpm, hidden[i]);
	msrpm_set(msrpm, MSR_IA32_APIC_BASE);
	msrpm_set_rw(msrpm, MSR_X2APIC_ICR, false, true);
	msrpm_policy_apply(msrpm, lbrv);
}

bool svm_msrpm_intercepts(const u8 *msrpm, u32 msr, bool write)
{
	int bit = msrpm_bit(msr, write);

	if (bit < 0)
		return true;
	return msrpm[bit / 8] & (1u << (bit % 8));
}

u64 svm_npf_fixup(u64 exit_info_1, bool gmet, u8 cpl)
{
	if (!gmet || !(exit_info_1 & NPF_ID))
		return exit_info_1;
	if (cpl == 3)
		return exit_info_1 | NPF_U;
	return exit_info_1 & ~NPF_U;
}
