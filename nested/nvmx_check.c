// SPDX-License-Identifier: MIT
/*
 * The VM-entry checks of SDM Vol. 3C chapter 27 on a copy of vmcs12:
 * controls (27.2.1), host state (27.2.2-27.2.4) and guest state (27.3.1),
 * against the capabilities advertised to L1. Pure C: no hardware access.
 * Where the SDM leaves a check implementation specific (reserved MSR
 * bits), the rule used is named at the check.
 * Context: any CPU, any state; reads only the caller's copy of vmcs12.
 */
#include "nested/nvmx_check.h"

#include "hv/include/compiler.h"
#include "hv/include/x86.h"
#include "nested/nvmx_caps.h"
#include "nested/nvmx_vmcs12.h"
#include "vmx/vmcs_fields.h"

#define CR4_PCIDE BIT(17)
#define RFLAGS_VM BIT(17)
/* SDM Vol. 3A 2.3: RFLAGS bits 63:22, 15, 5 and 3 are reserved (0), bit 1
 * is reserved (1). */
#define RFLAGS_RESERVED0 (~0x3fffffULL | BIT(15) | BIT(5) | BIT(3))
#define RFLAGS_RESERVED1 BIT(1)
/* IA32_EFER bits L1 can own on Intel: SCE, LME, LMA, NXE (SDM Vol. 3A
 * 2.2.1, table 2-1 of Vol. 4); the rest is reserved. */
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
/* IA32_DEBUGCTL: LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS/USR,
 * FREEZE_LBRS/PERFMON_ON_PMI, ENABLE_UNCORE_PMI, FREEZE_WHILE_SMM and
 * RTM_DEBUG (SDM Vol. 3B 18.4.1, Vol. 4 table 2-2); bits 5:2 and 63:16 are
 * reserved. */
#define DEBUGCTL_VALID 0xffc3ULL
#define DEBUGCTL_BTF BIT(1)
/* Pending debug exceptions (SDM Vol. 3C 25.4.2, table 25-4): B3-B0,
 * enabled breakpoint (12), BS (14). RTM (bit 16) counts as reserved: L1
 * gets no RTM advanced debugging. */
#define PENDING_DBG_VALID (0xfULL | BIT(12) | BIT(14))
/* Interruptibility state (table 25-3): bits 3:0. Enclave interruption
 * (bit 4) counts as reserved: L1 gets no SGX. */
#define INTR_STATE_VALID 0xfULL

#define AR_TYPE(ar) ((ar)&0xf)
#define AR_S BIT(4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P BIT(7)
#define AR_RSVD_11_8 0xf00ULL
#define AR_L BIT(13)
#define AR_DB BIT(14)
#define AR_G BIT(15)
#define AR_RSVD_31_17 0xfffe0000ULL

/* A linear address with bits 63:47 all equal (48-bit linear addresses). */
static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static bool fits_width(u64 a, unsigned int width)
{
	return width >= 64 || !(a >> width);
}

/* SDM Vol. 3D A.3-A.5: every 1 of allowed-0 set, nothing outside
 * allowed-1. */
static bool ctl_ok(u64 cap, u32 val)
{
	return (val & (u32)cap) == (u32)cap && !(val & ~(u32)(cap >> 32));
}

static bool fixed_ok(u64 val, u64 fixed0, u64 fixed1)
{
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* SDM Vol. 3C 27.2.2, 27.3.1.1: each PAT byte is UC, WC, WT, WP, WB or
 * UC- (0, 1, 4, 5, 6, 7). */
static bool pat_ok(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (i * 8));

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/* The secondary controls in force: 0 without "activate secondary
 * controls" (SDM Vol. 3C 25.6.2). */
static u32 sec_ctls(const struct vmcs12 *v)
{
	return (v->cpu_based_vm_exec_control & CPU_ACTIVATE_SECONDARY) ?
		       v->secondary_vm_exec_control :
		       0;
}

/* ---- 27.2.1 controls ---- */

/* SDM Vol. 3C 27.2.1.1: a bitmap is 4 KiB aligned, within the physical-
 * address width; Modex also requires L1 RAM, as it reads the bitmap. */
static bool bitmap_ok(const struct nvmx_mem *m, u64 gpa)
{
	return IS_ALIGNED(gpa, SZ_4K) && fits_width(gpa, m->maxphyaddr) &&
	       m->in_l1_ram(m->ctx, gpa, SZ_4K);
}

/* SDM Vol. 3C 27.2.1.2, 27.2.1.3: an MSR list of @count 16-byte entries
 * is 16-byte aligned and its last byte within the width (and in L1 RAM). */
static bool msr_list_ok(const struct nvmx_mem *m, u64 gpa, u32 count)
{
	u64 size = (u64)count * 16;

	if (!count)
		return true;
	if (!IS_ALIGNED(gpa, 16) || gpa + size - 1 < gpa)
		return false;
	return fits_width(gpa + size - 1, m->maxphyaddr) &&
	       m->in_l1_ram(m->ctx, gpa, size);
}

/* SDM Vol. 3C 27.2.1.1, 25.6.11: the EPTP's memory type and walk length
 * are advertised ones, A/D only if advertised, bits 11:7 and bits beyond
 * the width are 0. */
static bool eptp_ok(u64 eptp, const struct nvmx_caps *c, unsigned int width)
{
	u64 mt = eptp & 7, cap = c->ept_vpid_cap;

	if (!((mt == EPTP_MT_UC && (cap & VMX_EPT_UC)) ||
	      (mt == EPTP_MT_WB && (cap & VMX_EPT_WB))))
		return false;
	if (((eptp >> EPTP_LEVELS_SHIFT) & 7) != 3 || !(cap & VMX_EPT_PWL4))
		return false;
	if ((eptp & EPTP_AD_ENABLE) && !(cap & VMX_EPT_AD))
		return false;
	return !(eptp & 0xf80) && fits_width(eptp, width);
}

/* SDM Vol. 3C 27.2.1.1: the reserved-bit checks of each control field. */
static bool exec_ctls_reserved_ok(const struct vmcs12 *v,
				  const struct nvmx_caps *c)
{
	u32 proc = v->cpu_based_vm_exec_control;

	if (!ctl_ok(nvmx_ctl_msr(c, PIN_BASED_VM_EXEC_CONTROL),
		    v->pin_based_vm_exec_control) ||
	    !ctl_ok(nvmx_ctl_msr(c, CPU_BASED_VM_EXEC_CONTROL), proc))
		return false;
	if ((proc & CPU_ACTIVATE_SECONDARY) &&
	    !ctl_ok(nvmx_ctl_msr(c, SECONDARY_VM_EXEC_CONTROL),
		    v->secondary_vm_exec_control))
		return false;
	/* The CR3-target count is at most what IA32_VMX_MISC reports. */
	return v->cr3_target_count <= ((c->misc & VMX_MISC_CR3_TARGETS_MASK) >>
				       VMX_MISC_CR3_TARGETS_SHIFT);
}

/* SDM Vol. 3C 27.2.1.1: the rules that tie execution controls together. */
static bool exec_ctls_ok(const struct vmcs12 *v, const struct nvmx_caps *c,
			 const struct nvmx_mem *m)
{
	u32 pin = v->pin_based_vm_exec_control;
	u32 proc = v->cpu_based_vm_exec_control, sec = sec_ctls(v);

	if (!exec_ctls_reserved_ok(v, c))
		return false;
	if ((proc & CPU_USE_IO_BITMAPS) &&
	    (!bitmap_ok(m, v->io_bitmap_a) || !bitmap_ok(m, v->io_bitmap_b)))
		return false;
	if ((proc & CPU_USE_MSR_BITMAPS) && !bitmap_ok(m, v->msr_bitmap))
		return false;
	/* "virtual NMIs" needs "NMI exiting"; "NMI-window exiting" needs
	 * "virtual NMIs". */
	if ((pin & PIN_VIRTUAL_NMIS) && !(pin & PIN_NMI_EXITING))
		return false;
	if ((proc & CPU_NMI_WINDOW_EXITING) && !(pin & PIN_VIRTUAL_NMIS))
		return false;
	if ((sec & SEC_ENABLE_VPID) && !v->vmcs_vpid)
		return false;
	if ((sec & SEC_ENABLE_EPT) &&
	    !eptp_ok(v->ept_pointer, c, m->maxphyaddr))
		return false;
	/* "unrestricted guest" and "mode-based execute control for EPT"
	 * each need "enable EPT". */
	if ((sec & (SEC_UNRESTRICTED_GUEST | SEC_MODE_BASED_EPT_EXEC)) &&
	    !(sec & SEC_ENABLE_EPT))
		return false;
	return true;
}

/* SDM Vol. 3C 27.2.1.2. */
static bool exit_ctls_ok(const struct vmcs12 *v, const struct nvmx_caps *c,
			 const struct nvmx_mem *m)
{
	if (!ctl_ok(nvmx_ctl_msr(c, VM_EXIT_CONTROLS), v->vm_exit_controls))
		return false;
	return msr_list_ok(m, v->vm_exit_msr_store_addr,
			   v->vm_exit_msr_store_count) &&
	       msr_list_ok(m, v->vm_exit_msr_load_addr,
			   v->vm_exit_msr_load_count);
}

/* SDM Vol. 3C 27.2.1.3: exceptions that push an error code (#DF, #TS,
 * #NP, #SS, #GP, #PF, #AC). L1 gets no CET, so #CP is not among them. */
static bool vector_has_error_code(u32 vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
}

/* SDM Vol. 3C 27.2.1.3: type and vector of the event to inject. */
static bool event_type_vector_ok(const struct nvmx_caps *c, u32 type, u32 vec)
{
	switch (type) {
	case INTR_TYPE_NMI:
		return vec == 2;
	case INTR_TYPE_HW_EXCEPTION:
		return vec <= 31;
	case INTR_TYPE_OTHER_EVENT:
		/* Only with "monitor trap flag" support; vector 0. */
		return (nvmx_ctl_msr(c, CPU_BASED_VM_EXEC_CONTROL) >> 32 &
			CPU_MONITOR_TRAP_FLAG) &&
		       vec == 0;
	case 1 << 8: /* reserved */
		return false;
	}
	return true;
}

/* SDM Vol. 3C 27.2.1.3: the VM-entry interruption-information field. */
static bool entry_event_ok(const struct vmcs12 *v, const struct nvmx_caps *c)
{
	u32 info = v->vm_entry_intr_info;
	u32 type = info & INTR_INFO_TYPE_MASK,
	    vec = info & INTR_INFO_VECTOR_MASK;
	bool code, need_code;
	u32 len = v->vm_entry_instruction_len;

	if (!(info & INTR_INFO_VALID))
		return true;
	if (info & 0x7ffff000u) /* bits 30:12 reserved */
		return false;
	if (!event_type_vector_ok(c, type, vec))
		return false;
	/* Deliver-error-code is 1 exactly for a hardware exception that
	 * pushes one, with CR0.PE=1 (IA32_VMX_BASIC bit 56 is 0). */
	code = info & INTR_INFO_DELIVER_CODE;
	need_code = type == INTR_TYPE_HW_EXCEPTION &&
		    (v->guest_cr0 & X86_CR0_PE) && vector_has_error_code(vec);
	if (!(c->basic & VMX_BASIC_NO_HW_ERRCODE_CHECK) && code != need_code)
		return false;
	if (code && (v->vm_entry_exception_error_code & 0xffff0000u))
		return false;
	/* Software interrupts and exceptions: instruction length 1-15 (0
	 * only with IA32_VMX_MISC bit 30). */
	if (type == INTR_TYPE_SOFT_INTR ||
	    type == INTR_TYPE_PRIV_SOFT_EXCEPTION ||
	    type == INTR_TYPE_SOFT_EXCEPTION) {
		if (len > 15 || (!len && !(c->misc & VMX_MISC_ZERO_LEN_INJECT)))
			return false;
	}
	return true;
}

/* SDM Vol. 3C 27.2.1.3. */
static bool entry_ctls_ok(const struct vmcs12 *v, const struct nvmx_caps *c,
			  const struct nvmx_mem *m)
{
	if (!ctl_ok(nvmx_ctl_msr(c, VM_ENTRY_CONTROLS), v->vm_entry_controls))
		return false;
	if (!entry_event_ok(v, c))
		return false;
	return msr_list_ok(m, v->vm_entry_msr_load_addr,
			   v->vm_entry_msr_load_count);
}

int nvmx_check_controls(const struct vmcs12 *v, const struct nvmx_caps *c,
			const struct nvmx_mem *m)
{
	if (!exec_ctls_ok(v, c, m) || !exit_ctls_ok(v, c, m) ||
	    !entry_ctls_ok(v, c, m))
		return VMXERR_ENTRY_INVALID_CONTROL;
	return 0;
}

/* ---- 27.2.2 - 27.2.4 host state ---- */

/* SDM Vol. 3C 27.2.2: control registers and MSRs. */
static bool host_crs_msrs_ok(const struct vmcs12 *v, const struct nvmx_caps *c,
			     unsigned int width)
{
	u32 exit = v->vm_exit_controls;
	bool hass = exit & EXIT_HOST_ADDR_SPACE_SIZE;
	u64 efer = v->host_ia32_efer;

	if (!fixed_ok(v->host_cr0, c->cr0_fixed0, c->cr0_fixed1) ||
	    !fixed_ok(v->host_cr4, c->cr4_fixed0, c->cr4_fixed1))
		return false;
	if (!fits_width(v->host_cr3, width))
		return false;
	if (!canonical(v->host_ia32_sysenter_esp) ||
	    !canonical(v->host_ia32_sysenter_eip))
		return false;
	if ((exit & EXIT_LOAD_IA32_PAT) && !pat_ok(v->host_ia32_pat))
		return false;
	/* "load IA32_EFER": no reserved bit, LMA = LME = "host address-
	 * space size". */
	if (exit & EXIT_LOAD_IA32_EFER) {
		if ((efer & ~EFER_VALID) || !(efer & EFER_LMA) != !hass ||
		    !(efer & EFER_LME) != !hass)
			return false;
	}
	return true;
}

/* SDM Vol. 3C 27.2.3: segment and descriptor-table registers. */
static bool host_segs_ok(const struct vmcs12 *v)
{
	const u16 sel[] = { v->host_es_selector, v->host_cs_selector,
			    v->host_ss_selector, v->host_ds_selector,
			    v->host_fs_selector, v->host_gs_selector,
			    v->host_tr_selector };
	bool hass = v->vm_exit_controls & EXIT_HOST_ADDR_SPACE_SIZE;

	/* RPL and TI are 0 in every selector. */
	for (unsigned int i = 0; i < ARRAY_SIZE(sel); i++)
		if (sel[i] & 7)
			return false;
	if (!v->host_cs_selector || !v->host_tr_selector)
		return false;
	if (!v->host_ss_selector && !hass)
		return false;
	return canonical(v->host_fs_base) && canonical(v->host_gs_base) &&
	       canonical(v->host_gdtr_base) && canonical(v->host_idtr_base) &&
	       canonical(v->host_tr_base);
}

/* SDM Vol. 3C 27.2.4: the checks that follow from "host address-space
 * size" alone. */
static bool host_addr_size_ok(const struct vmcs12 *v)
{
	if (!(v->vm_exit_controls & EXIT_HOST_ADDR_SPACE_SIZE))
		return !(v->vm_entry_controls & ENTRY_IA32E_MODE) &&
		       !(v->host_cr4 & CR4_PCIDE) && !(v->host_rip >> 32);
	return (v->host_cr4 & X86_CR4_PAE) && canonical(v->host_rip);
}

int nvmx_check_host(const struct vmcs12 *v, const struct nvmx_caps *c,
		    unsigned int maxphyaddr)
{
	if (!host_crs_msrs_ok(v, c, maxphyaddr) || !host_segs_ok(v) ||
	    !host_addr_size_ok(v))
		return VMXERR_ENTRY_INVALID_HOST_STATE;
	return 0;
}

/* SDM Vol. 3C 27.2.4: outside IA-32e mode neither the host nor the guest
 * can be 64-bit; inside it the host must be. */
int nvmx_check_host_mode(const struct vmcs12 *v, bool l1_lma)
{
	bool hass = v->vm_exit_controls & EXIT_HOST_ADDR_SPACE_SIZE;

	if (l1_lma ? !hass : hass || (v->vm_entry_controls & ENTRY_IA32E_MODE))
		return VMXERR_ENTRY_INVALID_HOST_STATE;
	return 0;
}

/* ---- 27.3.1 guest state ---- */

/* SDM Vol. 3C 27.3.1.1: control registers, debug registers and MSRs. */
static bool guest_crs_ok(const struct vmcs12 *v, const struct nvmx_caps *c,
			 unsigned int width)
{
	u64 cr0 = v->guest_cr0, cr4 = v->guest_cr4;
	u64 fixed0 = c->cr0_fixed0;
	bool ia32e = v->vm_entry_controls & ENTRY_IA32E_MODE;

	/* Unrestricted guest exempts CR0.PE and CR0.PG from FIXED0. */
	if (sec_ctls(v) & SEC_UNRESTRICTED_GUEST)
		fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	if (!fixed_ok(cr0, fixed0, c->cr0_fixed1) ||
	    !fixed_ok(cr4, c->cr4_fixed0, c->cr4_fixed1))
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	/* IA-32e mode needs paging with PAE; PCIDE needs IA-32e mode. */
	if (ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
		return false;
	if (!ia32e && (cr4 & CR4_PCIDE))
		return false;
	/* CR3: no bit beyond the physical-address width. */
	return fits_width(v->guest_cr3, width);
}

/* SDM Vol. 3C 27.3.1.1: the MSR and DR7 fields the entry loads. */
static bool guest_msrs_ok(const struct vmcs12 *v)
{
	u32 entry = v->vm_entry_controls;
	bool ia32e = entry & ENTRY_IA32E_MODE;
	u64 efer = v->guest_ia32_efer;

	if ((entry & ENTRY_LOAD_DEBUG_CTLS) &&
	    ((v->guest_ia32_debugctl & ~DEBUGCTL_VALID) ||
	     (v->guest_dr7 >> 32)))
		return false;
	if (!canonical(v->guest_sysenter_esp) ||
	    !canonical(v->guest_sysenter_eip))
		return false;
	if ((entry & ENTRY_LOAD_IA32_PAT) && !pat_ok(v->guest_ia32_pat))
		return false;
	/* "load IA32_EFER": no reserved bit; LMA = "IA-32e mode guest", and
	 * so is LME when CR0.PG=1. */
	if (entry & ENTRY_LOAD_IA32_EFER) {
		if ((efer & ~EFER_VALID) || !(efer & EFER_LMA) != !ia32e)
			return false;
		if ((v->guest_cr0 & X86_CR0_PG) && !(efer & EFER_LME) != !ia32e)
			return false;
	}
	return true;
}

/* A guest segment register as vmcs12 holds it. */
struct gseg {
	u16 sel;
	u32 limit;
	u32 ar;
	u64 base;
};

static bool usable(const struct gseg *s)
{
	return !(s->ar & VMX_AR_UNUSABLE);
}

/* SDM Vol. 3C 27.3.1.2 bit 15 (G): limit bits 11:0 all 1 if G=1, limit
 * bits 31:20 all 0 if G=0. */
static bool granularity_ok(const struct gseg *s)
{
	if ((s->limit & 0xfff) != 0xfff && (s->ar & AR_G))
		return false;
	if ((s->limit & 0xfff00000u) && !(s->ar & AR_G))
		return false;
	return true;
}

/* SDM Vol. 3C 27.3.1.2: S=1, P=1, reserved bits 0 and G consistent; for
 * CS always, for SS/DS/ES/FS/GS when usable. */
static bool seg_common_ok(const struct gseg *s)
{
	return (s->ar & AR_S) && (s->ar & AR_P) && !(s->ar & AR_RSVD_11_8) &&
	       !(s->ar & AR_RSVD_31_17) && granularity_ok(s);
}

/* SDM Vol. 3C 27.3.1.2, virtual-8086 guest: base = selector * 16, limit
 * 0xffff, access rights 0xf3, for CS, SS, DS, ES, FS and GS. */
static bool seg_v86_ok(const struct gseg *s)
{
	return s->base == (u64)s->sel << 4 && s->limit == 0xffff &&
	       s->ar == 0xf3;
}

/* SDM Vol. 3C 27.3.1.2: CS outside virtual-8086 mode. */
static bool cs_ok(const struct gseg *cs, const struct gseg *ss, bool ug,
		  bool ia32e)
{
	u32 type = AR_TYPE(cs->ar), dpl = AR_DPL(cs->ar),
	    ss_dpl = AR_DPL(ss->ar);

	switch (type) {
	case 3: /* read/write accessed data: only with unrestricted guest */
		if (!ug || dpl != 0)
			return false;
		break;
	case 9:
	case 11: /* non-conforming code: DPL = SS.DPL */
		if (dpl != ss_dpl)
			return false;
		break;
	case 13:
	case 15: /* conforming code: DPL <= SS.DPL */
		if (dpl > ss_dpl)
			return false;
		break;
	default:
		return false;
	}
	/* 64-bit code (L=1 in IA-32e mode) has D/B = 0. */
	if (ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB))
		return false;
	return seg_common_ok(cs);
}

/* SDM Vol. 3C 27.3.1.2: SS outside virtual-8086 mode. */
static bool ss_ok(const struct vmcs12 *v, const struct gseg *ss,
		  const struct gseg *cs, bool ug)
{
	u32 dpl = AR_DPL(ss->ar);

	if (!ug && (ss->sel & 3) != (cs->sel & 3))
		return false;
	/* DPL = RPL without unrestricted guest; DPL 0 with a data-segment
	 * CS (type 3) or CR0.PE=0. */
	if (!ug && dpl != (ss->sel & 3u))
		return false;
	if ((AR_TYPE(cs->ar) == 3 || !(v->guest_cr0 & X86_CR0_PE)) && dpl)
		return false;
	if (!usable(ss))
		return true;
	if (AR_TYPE(ss->ar) != 3 && AR_TYPE(ss->ar) != 7)
		return false;
	return seg_common_ok(ss);
}

/* SDM Vol. 3C 27.3.1.2: DS, ES, FS, GS outside virtual-8086 mode. */
static bool data_seg_ok(const struct gseg *s, bool ug)
{
	u32 type = AR_TYPE(s->ar);

	if (!usable(s))
		return true;
	/* Accessed; a code segment must be readable. */
	if (!(type & 1) || ((type & 8) && !(type & 2)))
		return false;
	/* Data or non-conforming code (types 0-11): DPL >= RPL. */
	if (!ug && type <= 11 && AR_DPL(s->ar) < (s->sel & 3u))
		return false;
	return seg_common_ok(s);
}

/* SDM Vol. 3C 27.3.1.2: TR, and LDTR when usable. */
static bool tr_ldtr_ok(const struct gseg *tr, const struct gseg *ldtr,
		       bool ia32e)
{
	u32 type = AR_TYPE(tr->ar);

	if (tr->sel & 4) /* TI */
		return false;
	if (type != 11 && (ia32e || type != 3)) /* busy TSS */
		return false;
	if ((tr->ar &
	     (AR_S | VMX_AR_UNUSABLE | AR_RSVD_11_8 | AR_RSVD_31_17)) ||
	    !(tr->ar & AR_P) || !granularity_ok(tr) || !canonical(tr->base))
		return false;
	if (!usable(ldtr))
		return true;
	if ((ldtr->sel & 4) || AR_TYPE(ldtr->ar) != 2)
		return false;
	return !(ldtr->ar & (AR_S | AR_RSVD_11_8 | AR_RSVD_31_17)) &&
	       (ldtr->ar & AR_P) && granularity_ok(ldtr) &&
	       canonical(ldtr->base);
}

/* SDM Vol. 3C 27.3.1.2 base-address fields (64-bit processors): FS and
 * GS canonical; CS, and SS/DS/ES when usable, with bits 63:32 clear. */
static bool seg_bases_ok(const struct gseg *s)
{
	const struct gseg *cs = &s[1];

	if (!canonical(s[4].base) || !canonical(s[5].base))
		return false;
	if (cs->base >> 32)
		return false;
	for (int i = 0; i < 4; i++)
		if (i != 1 && usable(&s[i]) && (s[i].base >> 32))
			return false;
	return true;
}

#define GSEG(v, n)                                                         \
	((struct gseg){ (v)->guest_##n##_selector, (v)->guest_##n##_limit, \
			(v)->guest_##n##_ar, (v)->guest_##n##_base })

/* SDM Vol. 3C 27.3.1.2: all eight segment registers. */
static bool guest_segs_ok(const struct vmcs12 *v)
{
	/* ES, CS, SS, DS, FS, GS in encoding order. */
	const struct gseg s[6] = { GSEG(v, es), GSEG(v, cs), GSEG(v, ss),
				   GSEG(v, ds), GSEG(v, fs), GSEG(v, gs) };
	const struct gseg tr = GSEG(v, tr), ldtr = GSEG(v, ldtr);
	bool ug = sec_ctls(v) & SEC_UNRESTRICTED_GUEST;
	bool ia32e = v->vm_entry_controls & ENTRY_IA32E_MODE;

	if (!tr_ldtr_ok(&tr, &ldtr, ia32e) || !seg_bases_ok(s))
		return false;
	if (v->guest_rflags & RFLAGS_VM) {
		for (int i = 0; i < 6; i++)
			if (!seg_v86_ok(&s[i]))
				return false;
		return true;
	}
	if (!cs_ok(&s[1], &s[2], ug, ia32e) || !ss_ok(v, &s[2], &s[1], ug))
		return false;
	return data_seg_ok(&s[0], ug) && data_seg_ok(&s[3], ug) &&
	       data_seg_ok(&s[4], ug) && data_seg_ok(&s[5], ug);
}

/* SDM Vol. 3C 27.3.1.3 (descriptor tables) and 27.3.1.4 (RIP, RFLAGS). */
static bool guest_dt_rip_rflags_ok(const struct vmcs12 *v)
{
	bool ia32e = v->vm_entry_controls & ENTRY_IA32E_MODE;
	bool lm64 = ia32e && (v->guest_cs_ar & AR_L);
	u64 rf = v->guest_rflags;
	u32 info = v->vm_entry_intr_info;

	if (!canonical(v->guest_gdtr_base) || !canonical(v->guest_idtr_base) ||
	    (v->guest_gdtr_limit >> 16) || (v->guest_idtr_limit >> 16))
		return false;
	/* RIP: bits 63:32 clear outside 64-bit mode, canonical in it. */
	if (lm64 ? !canonical(v->guest_rip) : (v->guest_rip >> 32) != 0)
		return false;
	if ((rf & RFLAGS_RESERVED0) || !(rf & RFLAGS_RESERVED1))
		return false;
	/* VM=0 in IA-32e mode or with CR0.PE=0. */
	if ((rf & RFLAGS_VM) && (ia32e || !(v->guest_cr0 & X86_CR0_PE)))
		return false;
	/* Injecting an external interrupt needs IF=1. */
	if ((info & INTR_INFO_VALID) &&
	    (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_EXT_INTR &&
	    !(rf & X86_EFLAGS_IF))
		return false;
	return true;
}

/* SDM Vol. 3C 27.3.1.5: the events an entry may inject into each
 * activity state. */
static bool activity_event_ok(u32 act, u32 info)
{
	u32 type = info & INTR_INFO_TYPE_MASK,
	    vec = info & INTR_INFO_VECTOR_MASK;

	if (!(info & INTR_INFO_VALID))
		return true;
	switch (act) {
	case VMX_ACTIVITY_HLT:
		/* External interrupt, NMI, #DB, #MC, or MTF (other event 0). */
		return type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI ||
		       (type == INTR_TYPE_HW_EXCEPTION &&
			(vec == 1 || vec == 18)) ||
		       (type == INTR_TYPE_OTHER_EVENT && vec == 0);
	case VMX_ACTIVITY_SHUTDOWN:
		return type == INTR_TYPE_NMI ||
		       (type == INTR_TYPE_HW_EXCEPTION && vec == 18);
	case VMX_ACTIVITY_WAIT_SIPI:
		return false;
	}
	return true;
}

/* SDM Vol. 3C 27.3.1.5: activity state. */
static bool guest_activity_ok(const struct vmcs12 *v, const struct nvmx_caps *c)
{
	u32 act = v->guest_activity_state;
	static const u64 misc_bit[] = { 0, VMX_MISC_ACT_HLT,
					VMX_MISC_ACT_SHUTDOWN,
					VMX_MISC_ACT_WAIT_SIPI };

	/* Only advertised states (IA32_VMX_MISC bits 8:6). */
	if (act > VMX_ACTIVITY_WAIT_SIPI ||
	    (act != VMX_ACTIVITY_ACTIVE && !(c->misc & misc_bit[act])))
		return false;
	if (act == VMX_ACTIVITY_HLT && AR_DPL(v->guest_ss_ar) != 0)
		return false;
	/* Blocking by STI or MOV SS only in the active state. */
	if (act != VMX_ACTIVITY_ACTIVE &&
	    (v->guest_interruptibility & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)))
		return false;
	return activity_event_ok(act, v->vm_entry_intr_info);
}

/* SDM Vol. 3C 27.3.1.5: interruptibility state. */
static bool guest_intr_state_ok(const struct vmcs12 *v)
{
	u32 st = v->guest_interruptibility, info = v->vm_entry_intr_info;
	u32 type = info & INTR_INFO_TYPE_MASK;
	bool valid = info & INTR_INFO_VALID;

	if (st & ~INTR_STATE_VALID)
		return false;
	if ((st & INTR_BLOCK_STI) && (st & INTR_BLOCK_MOV_SS))
		return false;
	if ((st & INTR_BLOCK_STI) && !(v->guest_rflags & X86_EFLAGS_IF))
		return false;
	if (valid && type == INTR_TYPE_EXT_INTR &&
	    (st & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)))
		return false;
	/* NMI injection: no blocking by MOV SS; whether blocking by STI
	 * fails the entry is model specific, and Modex fails it (as the
	 * Bochs CPU models do) so that vmcs02 never fails where vmcs12
	 * passed. */
	if (valid && type == INTR_TYPE_NMI &&
	    (st & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)))
		return false;
	/* Blocking by SMI only in SMM, which L1 never is in. */
	if (st & INTR_BLOCK_SMI)
		return false;
	if (valid && type == INTR_TYPE_NMI &&
	    (v->pin_based_vm_exec_control & PIN_VIRTUAL_NMIS) &&
	    (st & INTR_BLOCK_NMI))
		return false;
	return true;
}

/* SDM Vol. 3C 27.3.1.5: pending debug exceptions. */
static bool guest_pending_dbg_ok(const struct vmcs12 *v)
{
	u64 p = v->guest_pending_dbg_exceptions;
	bool tf = v->guest_rflags & X86_EFLAGS_TF;
	bool btf = v->guest_ia32_debugctl & DEBUGCTL_BTF;
	bool blocked = v->guest_interruptibility &
		       (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS);

	if (p & ~PENDING_DBG_VALID)
		return false;
	/* With STI/MOV SS blocking or in HLT, BS reflects a pending single
	 * step: set iff TF=1 and BTF=0. */
	if (blocked || v->guest_activity_state == VMX_ACTIVITY_HLT) {
		bool bs = p & PENDING_DBG_BS;

		if (bs != (tf && !btf))
			return false;
	}
	return true;
}

/*
 * SDM Vol. 3C 27.3.1.6: a guest that will use PAE paging (CR0.PG=1,
 * CR4.PAE=1, not IA-32e mode) with EPT takes its PDPTEs from the vmcs12
 * fields; a present one has no reserved bit set (bits 2:1, 8:5 and 63:
 * MAXPHYADDR, SDM Vol. 3A 4.4.1). Without EPT the PDPTEs come from guest
 * memory and the caller checks them as it loads them.
 */
static bool guest_pdptes_ok(const struct vmcs12 *v, unsigned int width)
{
	const u64 pdpte[4] = { v->guest_pdpte0, v->guest_pdpte1,
			       v->guest_pdpte2, v->guest_pdpte3 };

	if (!(sec_ctls(v) & SEC_ENABLE_EPT) ||
	    (v->vm_entry_controls & ENTRY_IA32E_MODE) ||
	    !(v->guest_cr0 & X86_CR0_PG) || !(v->guest_cr4 & X86_CR4_PAE))
		return true;
	for (int i = 0; i < 4; i++) {
		if (!(pdpte[i] & 1))
			continue;
		if ((pdpte[i] & 0x1e6) || !fits_width(pdpte[i], width))
			return false;
	}
	return true;
}

/*
 * SDM Vol. 3C 27.3.1.5: a VMCS link pointer other than all ones is 4 KiB
 * aligned, within the physical-address width, and names a region whose
 * first dword is the VMCS revision identifier with bit 31 equal to "VMCS
 * shadowing" (0: not advertised), and outside SMM it is not the
 * current-VMCS pointer. Modex also wants the region in L1's RAM, where it
 * can read it.
 */
static bool link_pointer_ok(const struct vmcs12 *v, const struct nvmx_caps *c,
			    const struct nvmx_mem *m)
{
	u64 p = v->vmcs_link_pointer;
	u32 rev;

	if (p == ~0ULL)
		return true;
	if ((p & 0xfff) || !fits_width(p, m->maxphyaddr) ||
	    !m->in_l1_ram(m->ctx, p, 4096) || !m->read32 ||
	    !m->read32(m->ctx, p, &rev))
		return false;
	return rev == (u32)(c->basic & VMX_BASIC_REVISION_MASK) &&
	       p != m->current_vmcs;
}

int nvmx_check_guest(const struct vmcs12 *v, const struct nvmx_caps *c,
		     const struct nvmx_mem *m, u64 *qual)
{
	unsigned int maxphyaddr = m->maxphyaddr;

	*qual = 0;
	if (!guest_crs_ok(v, c, maxphyaddr) || !guest_msrs_ok(v) ||
	    !guest_segs_ok(v) || !guest_dt_rip_rflags_ok(v) ||
	    !guest_activity_ok(v, c) || !guest_intr_state_ok(v) ||
	    !guest_pending_dbg_ok(v))
		return EXIT_REASON_INVALID_STATE;
	if (!link_pointer_ok(v, c, m)) {
		*qual = NVMX_ENTRY_QUAL_LINK_PTR;
		return EXIT_REASON_INVALID_STATE;
	}
	if (!guest_pdptes_ok(v, maxphyaddr)) {
		*qual = NVMX_ENTRY_QUAL_PDPTE;
		return EXIT_REASON_INVALID_STATE;
	}
	return 0;
}
