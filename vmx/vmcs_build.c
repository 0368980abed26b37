// SPDX-License-Identifier: MIT
/*
 * The VMCS01 builder and the other pure VMX rules (see vmx/vmcs_build.h).
 * No hardware access: host unit tests run it with any capability set.
 */
#include "vmx/vmcs_build.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/lapic.h"
#include "hv/msr_policy.h"
#include "mm/pt_format.h"
#include "vmx/vmcs_fields.h"

#define BASIC_TRUE_CTLS BIT(55)
#define BASIC_REVISION_MASK 0x7fffffffULL
#define EPT_CAP_EXEC_ONLY BIT(0)
#define EPT_CAP_4LEVEL BIT(6)
#define EPT_CAP_UC BIT(8)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_1G BIT(17)
#define EPT_CAP_ADV_EXIT_INFO BIT(22)

#define IA32_PAT_DEFAULT 0x0007040600070406ULL
#define VMX_LAST_CAP_MSR 0x493 /* IA32_VMX_EXIT_CTLS2 */

u64 vmx_ctl_msr(const struct vmx_caps *c, u32 field)
{
	bool t = c->basic & BASIC_TRUE_CTLS;

	switch (field) {
	case PIN_BASED_VM_EXEC_CONTROL:
		return t ? c->true_pinbased : c->pinbased;
	case CPU_BASED_VM_EXEC_CONTROL:
		return t ? c->true_procbased : c->procbased;
	case VM_EXIT_CONTROLS:
		return t ? c->true_exit : c->exit;
	case VM_ENTRY_CONTROLS:
		return t ? c->true_entry : c->entry;
	case SECONDARY_VM_EXEC_CONTROL:
		/* SDM Vol. 3D A.3.3: only with "activate secondary controls". */
		if (!(vmx_ctl_msr(c, CPU_BASED_VM_EXEC_CONTROL) &
		      ((u64)CPU_ACTIVATE_SECONDARY << 32)))
			return 0;
		return c->procbased2;
	}
	return 0;
}

u32 vmx_adjust_ctl(u64 cap, u32 required, u32 wanted, u32 *out)
{
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);

	*out = ((required | wanted) | must1) & may1;
	return required & ~may1;
}

static bool sec_allowed(const struct vmx_caps *c, u32 bit)
{
	return (vmx_ctl_msr(c, SECONDARY_VM_EXEC_CONTROL) >> 32) & bit;
}

bool vmx_caps_mbec(const struct vmx_caps *c)
{
	return sec_allowed(c, SEC_MODE_BASED_EPT_EXEC) &&
	       sec_allowed(c, SEC_ENABLE_EPT) &&
	       (c->ept_vpid_cap & EPT_CAP_ADV_EXIT_INFO);
}

bool vmx_caps_unrestricted_guest(const struct vmx_caps *c)
{
	return sec_allowed(c, SEC_UNRESTRICTED_GUEST) &&
	       sec_allowed(c, SEC_ENABLE_EPT);
}

/* SDM Vol. 3D A.7: a bit set in FIXED0 must be 1; clear in FIXED1, 0. */
static u64 cr0_fixed0(const struct vmx_caps *c)
{
	u64 f0 = c->cr0_fixed0;

	/* SDM Vol. 3C 27.3.1.1: unrestricted guest exempts PE and PG. */
	if (vmx_caps_unrestricted_guest(c))
		f0 &= ~(X86_CR0_PE | X86_CR0_PG);
	return f0;
}

u64 vmx_cr0_mask(const struct vmx_caps *c)
{
	return (cr0_fixed0(c) | ~c->cr0_fixed1) & 0xffffffffULL;
}

u64 vmx_cr4_mask(const struct vmx_caps *c)
{
	/* VMXE is fixed to 1 while in VMX operation (SDM Vol. 3D A.8): L1
	 * reads its own value from the shadow (set only with nested VMX). */
	return (c->cr4_fixed0 | ~c->cr4_fixed1 | X86_CR4_VMXE) & 0xffffffffULL;
}

u64 vmx_cr0_real(const struct vmx_caps *c, u64 guest_val)
{
	return (guest_val | cr0_fixed0(c)) & (c->cr0_fixed1 | ~0xffffffffULL);
}

u64 vmx_cr4_real(const struct vmx_caps *c, u64 guest_val)
{
	return (guest_val | c->cr4_fixed0 | X86_CR4_VMXE) &
	       (c->cr4_fixed1 | ~0xffffffffULL);
}

bool vmx_cr4_guest_valid(const struct vmx_caps *c, u64 val, bool vmx_offered)
{
	/* SDM Vol. 3A 2.5: setting VMXE where CPUID reports no VMX, or any
	 * bit the CPU does not support, is #GP. */
	if ((val & X86_CR4_VMXE) && !vmx_offered)
		return false;
	return !(val & ~(c->cr4_fixed1 | X86_CR4_VMXE));
}

u32 vmx_ept_format_flags(const struct vmx_caps *c)
{
	u32 fl = 0;

	if (vmx_caps_mbec(c))
		fl |= PTF_MBEC;
	if (c->ept_vpid_cap & EPT_CAP_EXEC_ONLY)
		fl |= PTF_EXEC_ONLY;
	if (!(c->ept_vpid_cap & EPT_CAP_2M))
		fl |= PTF_NO_2M;
	if (c->ept_vpid_cap & EPT_CAP_1G)
		fl |= PTF_1G;
	return fl;
}

u64 vmx_eptp(const struct vmx_caps *c, hpa_t root)
{
	u64 mt;

	if (!(c->ept_vpid_cap & EPT_CAP_4LEVEL) || (root & ~PAGE_MASK))
		return 0;
	if (c->ept_vpid_cap & EPT_CAP_WB)
		mt = EPTP_MT_WB;
	else if (c->ept_vpid_cap & EPT_CAP_UC)
		mt = EPTP_MT_UC;
	else
		return 0;
	return root | mt | ((4 - 1) << EPTP_LEVELS_SHIFT);
}

/*
 * SDM Vol. 3C 25.6.9: read bitmap for MSRs 0-0x1fff at offset 0, for
 * 0xc0000000-0xc0001fff at 1024; write bitmaps at 2048 and 3072.
 */
static int msr_bit(u32 msr, bool write, u32 *byte, u8 *mask)
{
	u32 base = write ? 2048 : 0;

	if (msr >= 0xc0000000 && msr <= 0xc0001fff) {
		base += 1024;
		msr -= 0xc0000000;
	} else if (msr > 0x1fff) {
		return -E_RANGE;
	}
	*byte = base + msr / 8;
	*mask = (u8)(1u << (msr % 8));
	return 0;
}

static void msr_intercept_rw(u8 *bitmap, u32 msr, bool rd, bool wr)
{
	u32 byte;
	u8 mask;

	for (int w = 0; w < 2; w++)
		if ((w ? wr : rd) && !msr_bit(msr, w, &byte, &mask))
			bitmap[byte] |= mask;
}

static void msr_intercept(u8 *bitmap, u32 msr)
{
	msr_intercept_rw(bitmap, msr, true, true);
}

/* The memory-type, decode and debug MSRs of hv/msr_policy.c. */
static void msr_policy_apply(u8 *bitmap)
{
	for (size_t i = 0; i < msr_policy_count; i++) {
		const struct msr_policy *p = &msr_policy[i];

		if (!(p->flags & MSRP_VMX))
			continue;
		for (u32 msr = p->first; msr <= p->last; msr++)
			msr_intercept_rw(bitmap, msr, p->flags & MSRP_READ,
					 p->flags & MSRP_WRITE);
	}
}

void vmx_msr_bitmap_init(u8 *bitmap)
{
	memset(bitmap, 0, PAGE_SIZE);
	/*
	 * L1's virtual VMX (nested/nvmx.c) or, with nested=off, a CPU without
	 * VMX (CPUID.1:ECX.VMX clear): IA32_FEATURE_CONTROL reads locked with
	 * VMX disabled and writes #GP; the capability MSRs 0x480-0x493 (up to
	 * IA32_VMX_PROCBASED_CTLS3 and IA32_VMX_EXIT_CTLS2) #GP (SDM Vol. 4
	 * table 2-2 lists them only "If CPUID.01H:ECX.[5] = 1").
	 */
	msr_intercept(bitmap, MSR_IA32_FEATURE_CONTROL);
	for (u32 msr = MSR_IA32_VMX_BASIC; msr <= VMX_LAST_CAP_MSR; msr++)
		msr_intercept(bitmap, msr);
	/* L1's APIC base is virtual (hv/vlapic.h); the x2APIC MSRs stay
	 * L1's: INIT and SIPI exit on their own (SDM Vol. 3C 26.2). */
	msr_intercept(bitmap, MSR_IA32_APIC_BASE);
	msr_policy_apply(bitmap);
}

void vmx_msr_bitmap_set(u8 *bitmap, u32 msr, bool write, bool intercept)
{
	u32 byte;
	u8 mask;

	if (msr_bit(msr, write, &byte, &mask))
		return;
	if (intercept)
		bitmap[byte] |= mask;
	else
		bitmap[byte] &= (u8)~mask;
}

bool vmx_msr_bitmap_intercepts(const u8 *bitmap, u32 msr, bool write)
{
	u32 byte;
	u8 mask;

	/* MSRs outside both ranges always exit (SDM Vol. 3C 26.1.3). */
	if (msr_bit(msr, write, &byte, &mask))
		return true;
	return bitmap[byte] & mask;
}

u64 vmcs01_get(const struct vmcs01 *v, u32 field, u64 dflt)
{
	for (unsigned int i = 0; i < v->n; i++)
		if (v->f[i].field == field)
			return v->f[i].value;
	return dflt;
}

static void put(struct vmcs01 *v, u32 field, u64 value)
{
	/* Sized for every field below; overflowing is a Modex bug that the
	 * unit tests catch (n stays at the limit, the check in build fails). */
	if (v->n < VMCS01_MAX_FIELDS)
		v->f[v->n] = (struct vmcs_field_val){ field, value };
	v->n++;
}

static int refuse(struct vmcs01 *v, int err, const char *why)
{
	v->why = why;
	return err;
}

static const char eptp_missing[] =
	"the CPU lacks 4-level EPT with a WB or UC EPTP memory type, or the EPT root is unaligned";

/* What Modex cannot run without, by control field (one bit each). */
static const struct {
	u32 field, bit;
	const char *why;
} required_ctls[] = {
	{ CPU_BASED_VM_EXEC_CONTROL, CPU_USE_MSR_BITMAPS,
	  "the CPU lacks MSR bitmaps (\"use MSR bitmaps\" control)" },
	{ CPU_BASED_VM_EXEC_CONTROL, CPU_ACTIVATE_SECONDARY,
	  "the CPU lacks secondary processor-based controls" },
	{ SECONDARY_VM_EXEC_CONTROL, SEC_ENABLE_EPT,
	  "the CPU lacks EPT (\"enable EPT\" control)" },
	{ SECONDARY_VM_EXEC_CONTROL, SEC_UNRESTRICTED_GUEST,
	  "the CPU lacks unrestricted guest, needed to start L1 with paging off" },
	{ VM_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE,
	  "the CPU cannot exit to a 64-bit host (\"host address-space size\")" },
	{ VM_EXIT_CONTROLS, EXIT_SAVE_IA32_EFER,
	  "the CPU lacks the \"save IA32_EFER\" VM-exit control" },
	{ VM_EXIT_CONTROLS, EXIT_LOAD_IA32_EFER,
	  "the CPU lacks the \"load IA32_EFER\" VM-exit control" },
	{ VM_EXIT_CONTROLS, EXIT_SAVE_IA32_PAT,
	  "the CPU lacks the \"save IA32_PAT\" VM-exit control" },
	{ VM_EXIT_CONTROLS, EXIT_LOAD_IA32_PAT,
	  "the CPU lacks the \"load IA32_PAT\" VM-exit control" },
	{ VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_EFER,
	  "the CPU lacks the \"load IA32_EFER\" VM-entry control" },
	{ VM_ENTRY_CONTROLS, ENTRY_LOAD_IA32_PAT,
	  "the CPU lacks the \"load IA32_PAT\" VM-entry control" },
};

const char *vmx_caps_missing(const struct vmx_caps *c)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(required_ctls); i++) {
		u64 cap = vmx_ctl_msr(c, required_ctls[i].field);

		if (!((cap >> 32) & required_ctls[i].bit))
			return required_ctls[i].why;
	}
	if (!vmx_eptp(c, PAGE_SIZE))
		return eptp_missing;
	return NULL;
}

/* Controls Modex uses when the CPU has them. */
static u32 wanted_ctls(const struct vmx_caps *c,
		       const struct vmcs01_config *cfg,
		       const struct vmx_guest_init *g, u32 field)
{
	u32 w = 0;

	switch (field) {
	case CPU_BASED_VM_EXEC_CONTROL:
		/* No I/O bitmaps and no unconditional I/O exiting: all I/O
		 * passes through (SDM Vol. 3C 26.1.3). */
		return cfg->io_bitmap_a ? CPU_USE_IO_BITMAPS : 0;
	case SECONDARY_VM_EXEC_CONTROL:
		/* Left clear, RDTSCP, INVPCID, XSAVES and TPAUSE/UMWAIT would
		 * #UD in L1 (SDM Vol. 3C 26.3); MBEC per vmx_caps_mbec(). */
		w = SEC_ENABLE_RDTSCP | SEC_ENABLE_INVPCID | SEC_ENABLE_XSAVES |
		    SEC_ENABLE_USER_WAIT_PAUSE;
		if (cfg->vpid)
			w |= SEC_ENABLE_VPID;
		if (vmx_caps_mbec(c))
			w |= SEC_MODE_BASED_EPT_EXEC;
		return w;
	case VM_EXIT_CONTROLS:
		return EXIT_SAVE_DEBUG_CTLS;
	case VM_ENTRY_CONTROLS:
		w = ENTRY_LOAD_DEBUG_CTLS;
		if (g->efer & EFER_LMA)
			w |= ENTRY_IA32E_MODE;
		return w;
	}
	return 0;
}

static int one_ctl(const struct vmx_caps *c, const struct vmcs01_config *cfg,
		   const struct vmx_guest_init *g, u32 field, u32 *out,
		   struct vmcs01 *v)
{
	u32 required = 0, missing;

	for (unsigned int i = 0; i < ARRAY_SIZE(required_ctls); i++)
		if (required_ctls[i].field == field)
			required |= required_ctls[i].bit;
	missing = vmx_adjust_ctl(vmx_ctl_msr(c, field), required,
				 wanted_ctls(c, cfg, g, field), out);
	for (unsigned int i = 0; i < ARRAY_SIZE(required_ctls); i++)
		if (required_ctls[i].field == field &&
		    (missing & required_ctls[i].bit))
			return refuse(v, -E_NOSUPP, required_ctls[i].why);
	put(v, field, *out);
	return 0;
}

static int put_controls(const struct vmx_caps *c,
			const struct vmcs01_config *cfg,
			const struct vmx_guest_init *g, struct vmcs01 *v)
{
	int ret;

	/* Primary first: the secondary capability depends on it. */
	ret = one_ctl(c, cfg, g, CPU_BASED_VM_EXEC_CONTROL, &v->proc, v);
	if (!ret)
		ret = one_ctl(c, cfg, g, SECONDARY_VM_EXEC_CONTROL, &v->proc2,
			      v);
	if (!ret)
		ret = one_ctl(c, cfg, g, PIN_BASED_VM_EXEC_CONTROL, &v->pin, v);
	if (!ret)
		ret = one_ctl(c, cfg, g, VM_EXIT_CONTROLS, &v->exit_ctl, v);
	if (!ret)
		ret = one_ctl(c, cfg, g, VM_ENTRY_CONTROLS, &v->entry_ctl, v);
	if (ret)
		return ret;
	v->mbec = v->proc2 & SEC_MODE_BASED_EPT_EXEC;
	v->vpid = v->proc2 & SEC_ENABLE_VPID;
	if (v->vpid)
		put(v, VMCS_VPID, cfg->vpid);
	/* Nothing intercepted but the MSR bitmap's entries and the exits
	 * VMX always takes (SDM Vol. 3C 26.1.2): no exceptions, no CR3
	 * targets, no MSR load/store lists, no pending event. */
	put(v, EXCEPTION_BITMAP, 0);
	put(v, PAGE_FAULT_ERROR_CODE_MASK, 0);
	put(v, PAGE_FAULT_ERROR_CODE_MATCH, 0);
	put(v, CR3_TARGET_COUNT, 0);
	put(v, VM_EXIT_MSR_STORE_COUNT, 0);
	put(v, VM_EXIT_MSR_LOAD_COUNT, 0);
	put(v, VM_ENTRY_MSR_LOAD_COUNT, 0);
	put(v, VM_ENTRY_INTR_INFO, 0);
	put(v, TSC_OFFSET, 0);
	put(v, MSR_BITMAP, cfg->msr_bitmap);
	if (v->proc & CPU_USE_IO_BITMAPS) {
		put(v, IO_BITMAP_A, cfg->io_bitmap_a);
		put(v, IO_BITMAP_B, cfg->io_bitmap_b);
	}
	return 0;
}

static void put_cr_state(const struct vmx_caps *c,
			 const struct vmx_guest_init *g, struct vmcs01 *v)
{
	v->cr0_mask = vmx_cr0_mask(c);
	v->cr4_mask = vmx_cr4_mask(c);
	put(v, CR0_GUEST_HOST_MASK, v->cr0_mask);
	put(v, CR4_GUEST_HOST_MASK, v->cr4_mask);
	/* L1 reads the owned bits from the shadows: its own values. */
	put(v, CR0_READ_SHADOW, g->cr0);
	put(v, CR4_READ_SHADOW, g->cr4);
	put(v, GUEST_CR0, vmx_cr0_real(c, g->cr0));
	put(v, GUEST_CR4, vmx_cr4_real(c, g->cr4));
	put(v, GUEST_CR3, g->cr3);
}

static void put_seg(struct vmcs01 *v, u32 sel_field, const struct vmx_seg *s)
{
	/* Selector, limit, AR and base fields of one register are at the
	 * same index in their tables (SDM Vol. 3D B.1.2, B.3.3, B.4.3). */
	u32 idx = sel_field - GUEST_ES_SELECTOR;

	put(v, sel_field, s->sel);
	put(v, GUEST_ES_LIMIT + idx, s->limit);
	put(v, GUEST_ES_AR + idx, s->ar);
	put(v, GUEST_ES_BASE + idx, s->base);
}

static void put_guest_state(const struct vmx_guest_init *g, struct vmcs01 *v)
{
	put_seg(v, GUEST_ES_SELECTOR, &g->es);
	put_seg(v, GUEST_CS_SELECTOR, &g->cs);
	put_seg(v, GUEST_SS_SELECTOR, &g->ss);
	put_seg(v, GUEST_DS_SELECTOR, &g->ds);
	put_seg(v, GUEST_FS_SELECTOR, &g->fs);
	put_seg(v, GUEST_GS_SELECTOR, &g->gs);
	put_seg(v, GUEST_LDTR_SELECTOR, &g->ldtr);
	put_seg(v, GUEST_TR_SELECTOR, &g->tr);
	put(v, GUEST_GDTR_BASE, g->gdtr_base);
	put(v, GUEST_GDTR_LIMIT, g->gdtr_limit);
	put(v, GUEST_IDTR_BASE, g->idtr_base);
	put(v, GUEST_IDTR_LIMIT, g->idtr_limit);
	put(v, GUEST_RIP, g->rip);
	put(v, GUEST_RSP, g->rsp);
	/* Bit 1 of RFLAGS is reserved as 1 (SDM Vol. 3C 27.3.1.4). */
	put(v, GUEST_RFLAGS, g->rflags | BIT(1));
	put(v, GUEST_IA32_EFER, g->efer);
	put(v, GUEST_IA32_PAT, IA32_PAT_DEFAULT);
	put(v, GUEST_IA32_DEBUGCTL, 0);
	put(v, GUEST_DR7, 0x400);
	put(v, GUEST_SYSENTER_CS, 0);
	put(v, GUEST_SYSENTER_ESP, 0);
	put(v, GUEST_SYSENTER_EIP, 0);
	put(v, GUEST_INTERRUPTIBILITY, 0);
	put(v, GUEST_ACTIVITY_STATE, 0);
	put(v, GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* SDM Vol. 3C 27.3.1.5: no shadow VMCS, so the link pointer is ~0. */
	put(v, VMCS_LINK_POINTER, ~0ULL);
}

static void put_host_state(const struct vmx_host_state *h, struct vmcs01 *v)
{
	put(v, HOST_CR0, h->cr0);
	put(v, HOST_CR3, h->cr3);
	put(v, HOST_CR4, h->cr4);
	put(v, HOST_ES_SELECTOR, h->es);
	put(v, HOST_CS_SELECTOR, h->cs);
	put(v, HOST_SS_SELECTOR, h->ss);
	put(v, HOST_DS_SELECTOR, h->ds);
	put(v, HOST_FS_SELECTOR, h->fs);
	put(v, HOST_GS_SELECTOR, h->gs);
	put(v, HOST_TR_SELECTOR, h->tr);
	put(v, HOST_FS_BASE, h->fs_base);
	put(v, HOST_GS_BASE, h->gs_base);
	put(v, HOST_TR_BASE, h->tr_base);
	put(v, HOST_GDTR_BASE, h->gdtr_base);
	put(v, HOST_IDTR_BASE, h->idtr_base);
	put(v, HOST_IA32_SYSENTER_CS, 0);
	put(v, HOST_IA32_SYSENTER_ESP, 0);
	put(v, HOST_IA32_SYSENTER_EIP, 0);
	put(v, HOST_IA32_EFER, h->efer);
	put(v, HOST_IA32_PAT, h->pat);
	put(v, HOST_RIP, h->rip);
	put(v, HOST_RSP, h->rsp);
}

/* SDM Vol. 3C 27.2.3: host selectors with RPL=TI=0, CS and TR nonzero. */
static bool host_state_ok(const struct vmx_host_state *h)
{
	const u16 sels[] = { h->cs, h->ss, h->ds, h->es, h->fs, h->gs, h->tr };

	for (unsigned int i = 0; i < ARRAY_SIZE(sels); i++)
		if (sels[i] & 7)
			return false;
	return h->cs && h->tr && h->rip && h->rsp && (h->efer & EFER_LMA) &&
	       (h->cr4 & X86_CR4_VMXE);
}

int vmcs01_build_init(const struct vmx_caps *c, const struct vmcs01_config *cfg,
		      const struct vmx_guest_init *g, struct vmcs01 *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cfg->msr_bitmap || (cfg->msr_bitmap & ~PAGE_MASK) ||
	    (cfg->io_bitmap_a & ~PAGE_MASK) ||
	    (cfg->io_bitmap_b & ~PAGE_MASK) ||
	    (!cfg->io_bitmap_a != !cfg->io_bitmap_b))
		return refuse(
			out, -E_INVAL,
			"an MSR or I/O bitmap address is missing or unaligned");
	if (!host_state_ok(&cfg->host))
		return refuse(out, -E_INVAL,
			      "the host state is not one VM exits can load");
	ret = put_controls(c, cfg, g, out);
	if (ret)
		return ret;
	out->eptp = vmx_eptp(c, cfg->ept_root);
	if (!out->eptp)
		return refuse(out, -E_NOSUPP, eptp_missing);
	put(out, EPT_POINTER, out->eptp);
	put_cr_state(c, g, out);
	put_guest_state(g, out);
	put_host_state(&cfg->host, out);
	if (out->n > VMCS01_MAX_FIELDS)
		return refuse(out, -E_TOOBIG,
			      "VMCS01_MAX_FIELDS is too small (a Modex bug)");
	return 0;
}
