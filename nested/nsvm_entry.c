// SPDX-License-Identifier: MIT
/*
 * VMRUN by L1 (APM Vol. 2 15.5, Vol. 3 VMRUN): vmcb12 is copied from L1's
 * memory once into Modex's cache and only the copy is read afterwards;
 * the consistency checks (nsvm_vmcb12_invalid()) give VMEXIT_INVALID; L1's
 * state stays in VMCB01, which nothing touches while L2 runs (Modex keeps
 * it instead of L1's host save area: APM Vol. 2 15.30.4 leaves that
 * area's format to the implementation, and a copy L1 cannot write cannot
 * be corrupted); vmcb02 is vmcb12's controls and guest state plus
 * Modex's intercepts, maps, ASID and nested paging.
 * Context: exit path of the vCPU's own CPU, VMCB01 current, L1 running.
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
#include "svm/svm.h"
#include "svm/vmcb_build.h"

/* CR4 bits an AMD CPU may define (APM Vol. 2 3.1.3); the rest and those
 * the CPU lacks are reserved. */
#define CR4_AMD_BITS 0x0000000000f71fffULL
/* EFER bits an AMD CPU may define (APM Vol. 2 3.1.7): SCE, LME, LMA,
 * NXE, SVME, LMSLE, FFXSR, TCE, 16-21. */
#define EFER_AMD_BITS (0x3ffd01ULL)

/* The parts of a VMCB that hold fields (APM Vol. 2 tables B-1, B-2):
 * the control area up to 0x100 and the save area up to 0x698. */
#define CTL_USED 0x100
#define SAVE_USED (0x698 - 0x400)
/* The bytes of the maps the CPU reads (the rest of vmcb02's stays 0):
 * MSRPM 0-17FFh (APM Vol. 2 table 15-5), IOPM 64K+3 bits (15.10.1). */
#define MSRPM_USED 0x1800
#define IOPM_USED 0x2008

static void *identity(u64 pa)
{
	return (void *)pa;
}

static u64 cr4_mbz(void)
{
	struct cpuid_regs r7 = cpuid_count(7, 0), r1 = cpuid_count(1, 0);
	u64 mbz = ~CR4_AMD_BITS;

	/* CPUID.7.0: EBX[0] FSGSBASE, [7] SMEP, [20] SMAP; ECX[2] UMIP,
	 * [3] PKU, [16] LA57; CPUID.1 ECX[17] PCID, [26] XSAVE. */
	if (!(r7.ebx & BIT(0)))
		mbz |= BIT(16);
	if (!(r7.ebx & BIT(7)))
		mbz |= BIT(20);
	if (!(r7.ebx & BIT(20)))
		mbz |= BIT(21);
	if (!(r7.ecx & BIT(2)))
		mbz |= BIT(11);
	if (!(r7.ecx & BIT(3)))
		mbz |= BIT(22);
	if (!(r7.ecx & BIT(16)))
		mbz |= BIT(12);
	if (!(r1.ecx & BIT(17)))
		mbz |= BIT(17);
	if (!(r1.ecx & BIT(26)))
		mbz |= BIT(18);
	return mbz;
}

static const struct nsvm_check_env *check_env(void)
{
	static struct nsvm_check_env env;

	if (!env.l1_ram) {
		env.maxphyaddr = cpu_features.maxphyaddr;
		env.cr4_mbz = cr4_mbz();
		env.efer_mbz =
			~EFER_AMD_BITS | (cpu_features.nx ? 0 : EFER_NXE);
		env.flush_by_asid = true;
		env.l1_ram = guest_l1_ram;
	}
	return &env;
}

/* ------------------------------------------------------ NPT12 */

static int l0_lookup(void *ctx, u64 l1_gpa, u64 *hpa, acc_t *acc, u64 *attr,
		     u64 *size)
{
	(void)ctx;
	return guest_stage2_lookup(l1_gpa, hpa, acc, attr, size);
}

static int shadow_alloc(u64 *pa)
{
	return memory_alloc_frames(1, pa);
}

static void shadow_free(u64 pa)
{
	memory_free_frames(pa, 1);
}

static struct pt_mem_direct shadow_direct = {
	.p2v = identity,
	.alloc_page = shadow_alloc,
	.free_page = shadow_free,
	.lo = 0,
	.hi = ~0ULL,
};
static struct pt_mem shadow_mem;

int nsvm_shadow_init(struct vcpu *v)
{
	struct nsvm *n = to_nsvm(v);

	shadow_mem = pt_mem_direct(&shadow_direct);
	n->shadow_env = (struct shadow_env){
		.l1_mem = guest_l1_pt_mem(),
		.l0_lookup = l0_lookup,
		.shadow_mem = &shadow_mem,
		.max_pages = nested_shadow_budget(NSVM_SHADOW_PAGES),
	};
	return shadow_cache_init(n->shadow, &n->shadow_env);
}

/*
 * NPT12's format: the long-mode 4-level nested table (APM Vol. 2
 * 15.25.3) with NX valid when L1's EFER.NXE is set (nested paging uses
 * the host's EFER.NXE), 1 GiB pages where the CPU has them, and GMET
 * when vmcb12 (already sanitized) turns it on (REFERENCE.md section 3).
 */
static u32 role_flags(const struct nsvm *n)
{
	u32 fl = 0;

	if (n->vmcb01->save.efer & EFER_NXE)
		fl |= PTF_NXE;
	/* APM Vol. 2 15.25.4: the nested walk uses the host's paging mode,
	 * L1's at VMRUN: with CR4.LA57 NPT12 has five levels (5.3.1). */
	if (n->vmcb01->save.cr4 & X86_CR4_LA57)
		fl |= PTF_5LEVEL;
	if (cpu_features.pdpe1gb)
		fl |= PTF_1G;
	if (n->vmcb12->ctl.nested_ctl & NESTED_CTL_GMET)
		fl |= PTF_GMET;
	return fl;
}

/* The role is built again only when its flags change (building it
 * computes permission tables; stage 2's format never changes). */
int nsvm_shadow_role(struct vcpu *v, struct shadow_role *r)
{
	struct nsvm *n = to_nsvm(v);
	u32 fl = role_flags(n);
	struct pt_format l1, s;

	if (n->role_valid && n->role_flags == fl && r == &n->role)
		return 0;
	n->role_valid = false;
	if (pt_format_init(&l1, PT_NPT, cpu_features.maxphyaddr, fl) ||
	    vendor->stage2_format(&s) || shadow_role_init(r, &l1, &s))
		return -E_INVAL;
	if (r == &n->role) {
		n->role_flags = fl;
		n->role_valid = true;
	}
	return 0;
}

/* ------------------------------------------------------ vmcb02 */

/*
 * The cached vmcb12 as Modex honours it: GMET only when advertised and
 * nested paging is on (REFERENCE.md section 3); clean bits are ignored
 * (every field is reloaded, APM Vol. 2 15.15.3).
 */
static void sanitize(struct vmcb *c)
{
	bool gmet = nsvm_feature_edx(cpu_features.svm_f.edx) & SVM_EDX_GMET;

	c->ctl.nested_ctl = nsvm_nested_ctl12(c->ctl.nested_ctl, gmet);
}

/* Copy @bytes (a multiple of 8): one string instruction, 8 bytes a step
 * (emulators count every step of a string instruction). */
static void copy_q(void *dst, const void *src, size_t bytes)
{
	size_t n = bytes / 8;

	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void fill_q(void *dst, u64 val, size_t bytes)
{
	size_t n = bytes / 8;

	asm volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(val) : "memory");
}

/* Which bytes of Modex's map @m are nonzero (its maps never change
 * after boot, svm/svm.c). */
static void map_bits_init(struct nsvm_map_bits *b, const u8 *m, size_t size)
{
	b->n = 0;
	b->all = false;
	for (size_t i = 0; i < size; i++) {
		if (!m[i])
			continue;
		if (b->n == NSVM_MAP_BITS_MAX) {
			b->all = true;
			break;
		}
		b->off[b->n] = (u16)i;
		b->val[b->n++] = m[i];
	}
	b->ready = true;
}

/* Whether @mc holds L1's map at @l1 (@on) as it is now. */
static bool map_cached(const struct nsvm_map_cache *mc, gpa_t l1, bool on)
{
	if (!mc->valid || mc->on != on)
		return false;
	return !on || (mc->l1_pa == l1 && mc->gen == guest_track_gen());
}

/*
 * vmcb02's map: L1's OR Modex's (APM Vol. 2 15.10.1, 15.11). The CPU
 * reads the map at every access, so vmcb02's must follow every change L1
 * makes to its own: from the second VMRUN on one map, L1's map pages are
 * write-tracked in stage 2 (guest_stage2_track()) while vmcb02's copy is
 * taken from them, and the copy is taken again only after a write (or for
 * another map). Tracked
 * first, count read, then copied: a write after the copy began moves the
 * count. Without L1's intercept only Modex's bits count, and all of L1's
 * are clear. Modex's bits are in every copy, stale or not.
 */
static void merge_map(u8 *out, const u8 *modex, gpa_t l1, bool on, size_t size,
		      struct nsvm_map_bits *b, struct nsvm_map_cache *mc)
{
	size_t used = size == MSRPM_SIZE ? MSRPM_USED : IOPM_USED;
	bool tracked = true;
	u64 gen;

	l1 &= ~0xfffULL;
	if (map_cached(mc, l1, on))
		return;
	if (!b->ready)
		map_bits_init(b, modex, size);
	/* Tracked from the second VMRUN on the same map (tracking splits
	 * stage 2 down to 4 KiB there, which a map used once is not worth),
	 * and no longer once writes broke the cache NSVM_MAP_STRIKES times
	 * (each write costs a fault and a stage-2 change, which drops every
	 * NPT02 shadow: a map L1 keeps writing is cheaper copied). */
	if (on && mc->on && mc->l1_pa == l1) {
		if (mc->valid && mc->strikes < NSVM_MAP_STRIKES)
			mc->strikes++;
	} else {
		mc->strikes = 0;
		tracked = false;
	}
	if (mc->strikes >= NSVM_MAP_STRIKES)
		tracked = false;
	for (gpa_t p = l1; tracked && p < l1 + used; p += PAGE_SIZE)
		tracked = !guest_stage2_track(p);
	gen = guest_track_gen();
	if (on)
		copy_q(out, identity(l1), used);
	else
		fill_q(out, 0, used);
	if (b->all) {
		for (size_t i = 0; i < size; i++)
			out[i] |= modex[i];
	} else {
		for (unsigned i = 0; i < b->n; i++)
			out[b->off[i]] |= b->val[i];
	}
	mc->valid = tracked || !on;
	mc->on = on;
	mc->l1_pa = l1;
	mc->gen = gen;
}

/* APM Vol. 2 15.16.1: what ASID NSVM_ASID02 must drop before this run. */
static u8 tlb_control02(struct nsvm *n, const struct vmcb_control *c12)
{
	bool flush =
		n->flush02 || c12->tlb_control || c12->asid != n->last_asid ||
		c12->nested_cr3 != n->last_ncr3 || shadow_take_flush(n->shadow);

	n->flush02 = false;
	n->last_asid = c12->asid;
	n->last_ncr3 = c12->nested_cr3;
	if (!flush)
		return TLB_CONTROL_DO_NOTHING;
	return svm_feat.flush_by_asid ? TLB_CONTROL_FLUSH_ASID :
					TLB_CONTROL_FLUSH_ALL;
}

/* nCR3 for L2: the NPT02 shadow of NPT12, or NPT01 itself. */
static bool ncr3_02(struct vcpu *v, struct nsvm *n, u64 *ncr3)
{
	const struct vmcb_control *c12 = &n->vmcb12->ctl;

	n->npt12 = c12->nested_ctl & NESTED_CTL_NP_ENABLE;
	if (!n->npt12) {
		*ncr3 = n->vmcb01->ctl.nested_cr3;
		return true;
	}
	if (nsvm_shadow_role(v, &n->role))
		return false;
	/* L1 edited NPT12 and asked for a flush, or runs L2 on another
	 * ASID, whose TLB holds nothing of the old one's (APM Vol. 2
	 * 15.16): the shadow must not either; rebuild it from NPT12. */
	if (c12->tlb_control || c12->asid != n->last_asid)
		shadow_invalidate_root(n->shadow, c12->nested_cr3 & ~0xfffULL);
	*ncr3 = shadow_root(n->shadow, c12->nested_cr3 & ~0xfffULL, &n->role);
	return *ncr3 != 0;
}

/* Whether L1 is offered VGIF (CPUID 8000_000Ah EDX[16]). */
static bool vgif_offered(void)
{
	return nsvm_feature_edx(cpu_features.svm_f.edx) & SVM_EDX_VGIF;
}

static bool build_control(struct vcpu *v, struct nsvm *n)
{
	const struct vmcb_control *c12 = &n->vmcb12->ctl, *c1 = &n->vmcb01->ctl;
	struct vmcb_control *c2 = &n->vmcb02->ctl;
	u64 ncr3;

	if (!ncr3_02(v, n, &ncr3))
		return false;
	fill_q(c2, 0, CTL_USED); /* the rest stays 0 from the allocation */
	c2->intercept_cr = c12->intercept_cr | c1->intercept_cr;
	c2->intercept_dr = c12->intercept_dr | c1->intercept_dr;
	c2->intercept_exceptions =
		c12->intercept_exceptions | c1->intercept_exceptions;
	c2->intercept_misc1 = c12->intercept_misc1 | c1->intercept_misc1;
	/* Interrupt control (APM Vol. 2 15.21): with V_INTR_MASKING=1
	 * physical interrupts follow the host's RFLAGS.IF, which is L1's IF
	 * saved at VMRUN: svm/ runs vmcb02 with Modex's IF set to it
	 * (nested_l2_host_if()). */
	c2->int_ctl = nsvm_int_ctl02(c12->int_ctl, vgif_offered());
	c2->intercept_misc2 = nsvm_misc2_02(c12->intercept_misc2,
					    c1->intercept_misc2, c2->int_ctl);
	c2->intercept_misc3 = c12->intercept_misc3 | c1->intercept_misc3;
	merge_map(n->msrpm02, identity(c1->msrpm_base_pa), c12->msrpm_base_pa,
		  c12->intercept_misc1 & INTERCEPT_MSR_PROT, MSRPM_SIZE,
		  &n->msr_bits, &n->msr_cache);
	merge_map(n->iopm02, identity(c1->iopm_base_pa), c12->iopm_base_pa,
		  c12->intercept_misc1 & INTERCEPT_IOIO_PROT, IOPM_SIZE,
		  &n->io_bits, &n->io_cache);
	c2->msrpm_base_pa = (u64)n->msrpm02;
	c2->iopm_base_pa = (u64)n->iopm02;
	c2->tsc_offset = c1->tsc_offset + c12->tsc_offset;
	c2->asid = NSVM_ASID02;
	c2->tlb_control = tlb_control02(n, c12);
	c2->int_vector = c12->int_vector;
	c2->int_state = c12->int_state & 1;
	c2->nested_ctl = nsvm_nested_ctl02(c12->nested_ctl);
	c2->nested_cr3 = ncr3;
	c2->event_inj = c12->event_inj;
	c2->event_inj_err = c12->event_inj_err;
	c2->virt_ext = c1->virt_ext & VIRT_EXT_LBRV;
	c2->clean = 0;
	return true;
}

/* APM Vol. 2 15.5.1: the state VMRUN loads from vmcb12; the rest of the
 * CPU (VMLOAD state, debug controls) is L1's as it stands. */
static void build_save(struct vcpu *v, struct nsvm *n)
{
	const struct vmcb_save *s12 = &n->vmcb12->save;
	struct vmcb_save *s2 = &n->vmcb02->save;

	copy_q(s2, &n->vmcb01->save, SAVE_USED);
	s2->es = s12->es;
	s2->cs = s12->cs;
	s2->ss = s12->ss;
	s2->ds = s12->ds;
	s2->gdtr = s12->gdtr;
	s2->idtr = s12->idtr;
	s2->efer = s12->efer;
	s2->cr4 = s12->cr4;
	s2->cr3 = s12->cr3;
	s2->cr0 = s12->cr0;
	s2->dr7 = s12->dr7;
	s2->dr6 = s12->dr6;
	s2->cpl = s12->cpl;
	s2->cr2 = s12->cr2;
	/* 15.25.8: with nested paging G_PAT is the guest's PAT. */
	if (n->npt12)
		s2->g_pat = s12->g_pat;
	v->regs.rax = s12->rax;
	v->regs.rsp = s12->rsp;
	v->regs.rip = s12->rip;
	v->regs.rflags = s12->rflags;
}

/* L1's registers at the #VMEXIT: RIP past VMRUN (APM Vol. 2 15.5.1). */
static void save_l1(struct vcpu *v, struct nsvm *n)
{
	struct vmcb_save *s1 = &n->vmcb01->save;

	s1->rax = v->regs.rax;
	s1->rsp = v->regs.rsp;
	s1->rip = v->regs.rip;
	s1->rflags = v->regs.rflags;
}

/* VMEXIT_INVALID (APM Vol. 2 15.5.1): the exit code in L1's vmcb12,
 * L1 resumes after VMRUN with GIF=0 (15.17). */
static void vmrun_invalid(struct vcpu *v, struct vmcb *l1, const char *why)
{
	log_dbg("VMRUN of L1 fails: %s.", why);
	l1->ctl.exit_code = SVM_EXIT_INVALID;
	l1->ctl.exit_info_1 = 0;
	l1->ctl.exit_info_2 = 0;
	guest_l1_wrote((gpa_t)l1, PAGE_SIZE); /* identity-mapped */
	nested_count(&v->nested, MODEX_NSTAT_VMFAIL);
	nsvm_set_gif(v, false);
}

void nsvm_vmrun(struct vcpu *v, gpa_t pa)
{
	struct nsvm *n = to_nsvm(v);
	struct svm_vcpu *s = to_svm(v);
	struct vmcb *l1 = identity(pa);
	const char *why;

	/* vmcb12 is read here, once; only the copy is used afterwards. */
	copy_q(&n->vmcb12->ctl, &l1->ctl, CTL_USED);
	copy_q(&n->vmcb12->save, &l1->save, SAVE_USED);
	skip_insn(v);
	n->vmcb12_pa = pa;
	n->vmcb01 = s->vmcb;
	n->vmcb01_pa = s->vmcb_pa;
	why = nsvm_vmcb12_invalid(n->vmcb12, check_env());
	if (why) {
		vmrun_invalid(v, l1, why);
		return;
	}
	sanitize(n->vmcb12);
	save_l1(v, n);
	if (!build_control(v, n))
		guest_fatal(
			v,
			"cannot build NPT02 for L2 (nCR3 %#lx); stopping L1.",
			n->vmcb12->ctl.nested_cr3);
	build_save(v, n);
	nsvm_set_gif(v, true); /* VMRUN sets GIF (APM Vol. 2 15.17) */
	s->vmcb = n->vmcb02;
	s->vmcb_pa = (u64)n->vmcb02;
	v->nested.guest_mode = true;
	nested_count(&v->nested, MODEX_NSTAT_ENTRIES);
}
