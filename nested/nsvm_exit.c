// SPDX-License-Identifier: MIT
/*
 * Exits of L2: L1's or Modex's. An exit vmcb12's intercepts ask for is
 * emulated into L1 (nsvm_vmexit(), APM Vol. 2 15.6-15.7): L2's state into
 * vmcb12 in L1's memory with EXITCODE, EXITINFO1/2, EXITINTINFO and NRIP,
 * L1's state back from VMCB01, GIF=0. Modex keeps: #NPF on NPT02 (the
 * shadow is filled from NPT12 and NPT01, or the fault is L1's and
 * reflected with EXITINFO1 from the NPT12 walk), #NPF on NPT01 when L1
 * runs L2 without nested paging, the MSRs, ports and instructions Modex
 * intercepts for itself where L1 does not (hv/ handles them on L2's
 * state), kicks, and NMIs L1 does not intercept (injected into L2).
 * Context: exit path of the vCPU's own CPU, vmcb02 current on entry.
 */
#include "nested/nsvm.h"

#define LOG_PREFIX "nsvm"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/insn_decode.h"
#include "hv/log.h"
#include "hv/percpu.h"
#include "hv/vendor.h"
#include "mm/pt_walk.h"
#include "svm/svm.h"
#include "svm/vmcb_build.h"

#define X86_UD 6

static void *identity(u64 pa)
{
	return (void *)pa;
}

/* ------------------------------------------------ L2's instructions */

static bool long64(const struct vmcb_save *s)
{
	return (s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L);
}

/* L2's paging mode, rebuilt only when CR0, CR3, CR4 or EFER changed
 * (building it computes a permission table). */
static bool l2_mode(struct nsvm *n, const struct vmcb_save *s)
{
	u64 key[4] = { s->cr0, s->cr3, s->cr4, s->efer };

	if (n->l2_mode_valid && !memcmp(key, n->l2_mode_key, sizeof(key)))
		return true;
	n->l2_mode_valid = false;
	if (gwalk_mode_init(&n->l2_mode, s->cr0, s->cr3, s->cr4, s->efer,
			    cpu_features.maxphyaddr, PTF_AMD))
		return false;
	memcpy(n->l2_mode_key, key, sizeof(key));
	n->l2_mode_valid = true;
	return true;
}

/* L2's instruction bytes: L2's paging, then NPT12 (when on), then L1's
 * memory as stage 2 shows it (never Modex's). */
unsigned nsvm_fetch_l2(struct vcpu *v, u8 *buf, unsigned len)
{
	struct nsvm *n = to_nsvm(v);
	const struct vmcb_save *s = &n->vmcb02->save;
	const struct pt_mem *mem = guest_l1_pt_mem();
	struct gwalk_stage2 s2 = { &n->role.l1_fmt, mem,
				   n->vmcb12->ctl.nested_cr3 & ~0xfffULL,
				   NULL };
	u64 la = long64(s) ? v->regs.rip : (u32)(s->cs.base + v->regs.rip);
	unsigned got = 0;

	if (!l2_mode(n, s))
		return 0;
	while (got < len) {
		struct gwalk_access a = { .la = la + got,
					  .op = PK_FETCH,
					  .cpl = s->cpl };
		unsigned k = (unsigned)MIN(len - got,
					   PAGE_SIZE - ((la + got) & 0xfff));
		struct gwalk w;
		hpa_t hpa;

		if (gwalk(&n->l2_mode, n->npt12 ? &s2 : NULL, mem, &a, 0, &w) !=
			    GW_OK ||
		    !guest_gpa_to_hpa(w.hpa, &hpa))
			break;
		memcpy(buf + got, identity(hpa), k);
		got += k;
	}
	return got;
}

/* The length of L2's instruction at the exit: NRIP, or decoded. */
static u32 l2_insn_len(struct vcpu *v)
{
	u8 buf[INSN_MAX_LEN];
	unsigned got;

	if (v->exit.insn_len)
		return v->exit.insn_len;
	got = nsvm_fetch_l2(v, buf, sizeof(buf));
	return nsvm_insn_len(buf, got, long64(&to_nsvm(v)->vmcb02->save), NULL);
}

/* Exits caused by an instruction (APM Vol. 2 appendix C): CR and DR
 * accesses and 65h-7Ch (SIDT ... MSR), the SVM instructions and after. */
static bool insn_intercept(u64 code)
{
	if (code < SVM_EXIT_EXCP_BASE)
		return true;
	if (code <= SVM_EXIT_VINTR || code == SVM_EXIT_NPF)
		return false;
	return code < 0x7d || code >= SVM_EXIT_VMRUN;
}

/* APM Vol. 2 15.7.1: NRIP for the instruction intercepts (else 0). */
static u64 next_rip(struct vcpu *v, u64 code)
{
	const struct vmcb_control *c2 = &to_nsvm(v)->vmcb02->ctl;
	u32 len;

	if (nsvm_hw_nrips)
		return c2->next_rip;
	if (code == SVM_EXIT_IOIO)
		return c2->exit_info_2;
	if (!insn_intercept(code))
		return 0;
	len = l2_insn_len(v);
	return len ? v->regs.rip + len : 0;
}

/* ------------------------------------------------ the emulated #VMEXIT */

/* APM Vol. 2 15.6: #VMEXIT saves L2's state into vmcb12. */
static void save_l2(struct vcpu *v, struct vmcb *c12, const struct vmcb *c2,
		    bool npt)
{
	struct vmcb_save *s = &c12->save;
	const struct vmcb_save *s2 = &c2->save;

	s->es = s2->es;
	s->cs = s2->cs;
	s->ss = s2->ss;
	s->ds = s2->ds;
	s->gdtr = s2->gdtr;
	s->idtr = s2->idtr;
	s->efer = s2->efer;
	s->cr4 = s2->cr4;
	s->cr3 = s2->cr3;
	s->cr2 = s2->cr2;
	s->cr0 = s2->cr0;
	s->dr7 = s2->dr7;
	s->dr6 = s2->dr6;
	s->cpl = s2->cpl;
	s->rflags = v->regs.rflags;
	s->rip = v->regs.rip;
	s->rsp = v->regs.rsp;
	s->rax = v->regs.rax;
	if (npt)
		s->g_pat = s2->g_pat;
}

/* The control fields #VMEXIT writes (APM Vol. 2 15.6, 15.7, 15.21). */
static void save_control(struct vcpu *v, struct vmcb_control *c,
			 const struct vmcb_control *c2, u64 code, u64 i1,
			 u64 i2)
{
	c->exit_code = code;
	c->exit_info_1 = i1;
	c->exit_info_2 = i2;
	c->exit_int_info = c2->exit_int_info;
	c->exit_int_info_err = c2->exit_int_info_err;
	c->next_rip = next_rip(v, code);
	c->int_state = c2->int_state & 1;
	c->int_ctl = nsvm_int_ctl12_exit(c->int_ctl, c2->int_ctl);
	c->event_inj = 0; /* the event was taken (15.20) */
	c->insn_len = 0;
}

/* APM Vol. 2 15.7.2: L1's state from the host save area (here VMCB01,
 * untouched while L2 ran); what #VMEXIT does not reload (the VMLOAD
 * state, CR2, debug controls) stays as L2 left it. */
static void load_l1(struct vcpu *v, struct nsvm *n)
{
	struct vmcb_save *s1 = &n->vmcb01->save;
	const struct vmcb_save *s2 = &n->vmcb02->save;
	struct svm_vcpu *s = to_svm(v);

	nsvm_copy_vmload_state(s1, s2);
	s1->cr2 = s2->cr2;
	s1->dbgctl = s2->dbgctl;
	s1->dr6 = s2->dr6;
	s1->dr7 = 0x400; /* breakpoints off */
	s1->cpl = 0;
	v->regs.rax = s1->rax;
	v->regs.rsp = s1->rsp;
	v->regs.rip = s1->rip;
	v->regs.rflags = s1->rflags;
	n->vmcb01->ctl.event_inj = 0;
	s->vmcb = n->vmcb01;
	s->vmcb_pa = n->vmcb01_pa;
	v->nested.guest_mode = false;
	nsvm_set_gif(v, false);
}

void nsvm_vmexit(struct vcpu *v, u64 code, u64 info1, u64 info2)
{
	struct nsvm *n = to_nsvm(v);
	hpa_t hpa;

	/* Only the fields #VMEXIT writes, in L1's vmcb12 (its page was
	 * L1's RAM at VMRUN and still is: RAM does not change owner). */
	if (guest_gpa_to_hpa(n->vmcb12_pa, &hpa) &&
	    guest_l1_ram(n->vmcb12_pa, PAGE_SIZE)) {
		struct vmcb *l1 = identity(hpa);

		save_l2(v, l1, n->vmcb02, n->npt12);
		save_control(v, &l1->ctl, &n->vmcb02->ctl, code, info1, info2);
		guest_l1_wrote(n->vmcb12_pa, PAGE_SIZE);
	}
	load_l1(v, n);
	nested_count(&v->nested, MODEX_NSTAT_REFLECTED);
}

/* ------------------------------------------------ nested NPT */

/* The fault is in NPT01 under L1's mapping: as if L1 made the access. */
static bool l0_fault(struct vcpu *v, const struct shadow_fault *f)
{
	v->exit.reason = EXIT_R_NPF;
	v->exit.npf.gpa = f->l1_gpa;
	guest_handle_npf(v);
	return true;
}

/* Into the violation log (nested/nested.h), before the #NPF is reflected:
 * no linear address (APM Vol. 2 15.25.6 gives none). */
static void log_violation(struct vcpu *v, const struct shadow_fault *f, u64 hw,
			  bool gmet, u8 cpl)
{
	struct modex_nested_violation r = {
		.l2_gpa = v->exit.info2,
		.l2_rip = v->regs.rip,
		.access = (hw & NPF_ID) ? 2 :
			  (hw & NPF_W)	? 1 :
					  0,
		.l1_acc = f->result == SH_L1_FAULT ? f->l1.acc : 0,
		.cpl = cpl,
	};

	/* Without GMET every nested access is a user access. */
	if (!gmet || cpl == 3)
		r.flags |= MODEX_NV_USER;
	if (f->result != SH_L1_FAULT)
		r.flags |= MODEX_NV_MISCONFIG;
	nested_violation(v, &r);
}

static bool npf_exit(struct vcpu *v)
{
	struct nsvm *n = to_nsvm(v);
	u64 hw = v->exit.qual, l2_gpa = v->exit.info2;
	bool gmet = pt_fmt_has(&n->role.l1_fmt, PTF_GMET);
	u8 cpl = n->vmcb02->save.cpl;
	struct shadow_fault f;

	shadow_fault(n->shadow, n->vmcb12->ctl.nested_cr3 & ~0xfffULL, &n->role,
		     l2_gpa, nsvm_npf_kind(hw, gmet, cpl), &f);
	if (shadow_take_flush(n->shadow))
		n->vmcb02->ctl.tlb_control = svm_feat.flush_by_asid ?
						     TLB_CONTROL_FLUSH_ASID :
						     TLB_CONTROL_FLUSH_ALL;
	if (f.root)
		n->vmcb02->ctl.nested_cr3 = f.root;
	switch (f.result) {
	case SH_FIXED:
		nested_count(&v->nested, MODEX_NSTAT_HANDLED);
		nested_count(&v->nested, MODEX_NSTAT_SHADOW_FIXED);
		return true;
	case SH_L1_FAULT:
	case SH_L1_MISCONFIG:
	case SH_BAD_TABLE:
		/* A table outside L1's RAM reads as a reserved-bit fault
		 * (docs/nested.md): L1's hardware could not walk it either. */
		if (f.result == SH_BAD_TABLE)
			f.l1.status = PTW_MISCONFIG;
		log_violation(v, &f, hw, gmet, cpl);
		nsvm_vmexit(v, SVM_EXIT_NPF,
			    nsvm_npf_exitinfo1(&f.l1, &n->role.l1_fmt, cpl, hw),
			    l2_gpa);
		return true;
	case SH_L0_FAULT:
		return l0_fault(v, &f);
	default:
		guest_fatal(
			v,
			"cannot build NPT02 for L2 GPA %#lx (shadow result %d); stopping L1.",
			l2_gpa, f.result);
	}
}

/* ------------------------------------------------ whose exit is it */

static bool l1_wants(struct vcpu *v, u64 code)
{
	const struct vmcb_control *c12 = &to_nsvm(v)->vmcb12->ctl;

	return nsvm_l1_intercepts(c12, code, v->exit.qual, (u32)v->regs.rcx,
				  identity(c12->msrpm_base_pa & ~0xfffULL),
				  identity(c12->iopm_base_pa & ~0xfffULL));
}

static bool svm_insn(u64 code)
{
	return code >= SVM_EXIT_VMRUN && code <= SVM_EXIT_SKINIT;
}

/*
 * Exits L1 does not ask for:
 *  - NMI: L1's NMI (v->nmi_pending) is injected into L2 at its next
 *    entry; a kick is Modex's (hv/smp.c);
 *  - the SVM instructions and INVLPGA: L2 has no SVM here: #UD;
 *  - VMMCALL: #UD into L2 (APM Vol. 3 VMMCALL without the intercept
 *    when no hypervisor answers it; L2 has no hypercalls to Modex);
 *  - CPUID, MSRs, ports, INVD/WBINVD, INIT, SHUTDOWN, INTR: hv/ on L2's
 *    state (instruction lengths decoded here without NRIPS).
 */
static bool modex_exit(struct vcpu *v, u64 code)
{
	u64 ud = SVM_EXIT_EXCP_BASE + X86_UD;

	if (svm_insn(code) || code == SVM_EXIT_INVLPGA) {
		/* The #UD is an exception of L2's: L1 may intercept it. */
		if (l1_wants(v, ud)) {
			nsvm_vmexit(v, ud, 0, 0);
			return true;
		}
		vendor->inject_exception(v, X86_UD, false, 0);
		nested_count(&v->nested, MODEX_NSTAT_HANDLED);
		return true;
	}
	if (!nsvm_hw_nrips && !v->exit.insn_len)
		v->exit.insn_len = l2_insn_len(v);
	return false; /* hv/ handles it; nested/nested.c counts it */
}

/*
 * APM Vol. 2 15.10.2: IOIO EXITINFO1 bits 7-9 give the address size.
 * QEMU 7.2 TCG leaves them clear; Modex fills them from L2's code size
 * (without the 67h override) where the exit has none.
 */
static u64 exit_info1(struct vcpu *v, u64 code)
{
	const struct vmcb_save *s = &to_nsvm(v)->vmcb02->save;
	u64 q = v->exit.qual;

	if (code != SVM_EXIT_IOIO || (q & (7ULL << 7)))
		return q;
	if (long64(s))
		return q | BIT(9);
	return q | ((s->cs.attrib & SEG_ATTR_DB) ? BIT(8) : BIT(7));
}

bool nsvm_l2_exit(struct vcpu *v)
{
	struct nsvm *n = to_nsvm(v);
	u64 code = v->exit.hw_reason;

	if ((u32)code == (u32)SVM_EXIT_INVALID) {
		/* vmcb02 failed where the checks passed: L1 learns it. */
		nsvm_vmexit(v, SVM_EXIT_INVALID, 0, 0);
		return true;
	}
	if (code == SVM_EXIT_NPF)
		return n->npt12 ? npf_exit(v) : false;
	if (code == SVM_EXIT_NMI && !v->nmi_pending)
		return false; /* a kick */
	if (l1_wants(v, code)) {
		nsvm_vmexit(v, code, exit_info1(v, code), v->exit.info2);
		return true;
	}
	return modex_exit(v, code);
}
