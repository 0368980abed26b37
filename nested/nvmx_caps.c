// SPDX-License-Identifier: MIT
/*
 * The VMX capability MSRs advertised to L1 (SDM Vol. 3D appendix A): each
 * is the hardware's value intersected with what nested VMX emulates
 * (NVMX_*_EMULATED), with the hardware's allowed-0 settings kept. Pure C.
 */
#include "nested/nvmx_caps.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "nested/nvmx_vmcs12.h"
#include "vmx/vmcs_build.h"

/* vmcs12 holds four CR3-target values (CR3_TARGET_VALUE0..3). */
#define NVMX_CR3_TARGETS_MAX 4

/*
 * One control MSR (SDM Vol. 3D A.3-A.5): bits 31:0 are the allowed-0
 * settings (a 1 means the control must be 1), bits 63:32 the allowed-1
 * settings. Allowed-0 stays as the hardware has it, so its default-1 bits
 * remain settable; allowed-1 is the hardware's AND what Modex emulates.
 * @must1 is the allowed-0 word the allowed-1 word must cover (the non-TRUE
 * MSR's, since the TRUE MSR reports the same allowed-1 settings, A.3.1).
 */
static u64 ctl_msr(u64 hw, u32 must1, u32 emulated)
{
	u32 allowed0 = (u32)hw;
	u32 allowed1 = ((u32)(hw >> 32) & emulated) | must1 | allowed0;

	return ((u64)allowed1 << 32) | allowed0;
}

static bool allowed1(u64 msr, u32 bit)
{
	return (msr >> 32) & bit;
}

static bool mbec_advertised(const struct vmx_caps *hw,
			    const struct nvmx_opts *o)
{
	/* Issue 11 / REFERENCE.md section 1: MBEC together with advanced
	 * EPT-violation information, and only on hardware with both. */
	return o->mbec && allowed1(hw->procbased2, SEC_MODE_BASED_EPT_EXEC) &&
	       allowed1(hw->procbased2, SEC_ENABLE_EPT) &&
	       (hw->ept_vpid_cap & VMX_EPT_ADV_INFO);
}

static void compute_ctls(const struct vmx_caps *hw, const struct nvmx_opts *o,
			 struct nvmx_caps *c)
{
	bool t = hw->basic & VMX_BASIC_TRUE_CTLS;
	u32 proc2 = NVMX_PROC2_EMULATED;

	c->pinbased = ctl_msr(hw->pinbased, 0, NVMX_PIN_EMULATED);
	c->procbased = ctl_msr(hw->procbased, 0, NVMX_PROC_EMULATED);
	c->exit = ctl_msr(hw->exit, 0, NVMX_EXIT_EMULATED);
	c->entry = ctl_msr(hw->entry, 0, NVMX_ENTRY_EMULATED);
	if (t) {
		c->true_pinbased = ctl_msr(hw->true_pinbased, (u32)c->pinbased,
					   NVMX_PIN_EMULATED);
		c->true_procbased =
			ctl_msr(hw->true_procbased, (u32)c->procbased,
				NVMX_PROC_EMULATED);
		c->true_exit = ctl_msr(hw->true_exit, (u32)c->exit,
				       NVMX_EXIT_EMULATED);
		c->true_entry = ctl_msr(hw->true_entry, (u32)c->entry,
					NVMX_ENTRY_EMULATED);
	}
	/* SDM Vol. 3D A.3.3: PROCBASED_CTLS2 exists only with "activate
	 * secondary controls" allowed-1. */
	if (!allowed1(c->procbased, CPU_ACTIVATE_SECONDARY))
		return;
	if (mbec_advertised(hw, o))
		proc2 |= SEC_MODE_BASED_EPT_EXEC;
	c->procbased2 = ctl_msr(hw->procbased2, 0, proc2);
}

/* SDM Vol. 3D A.10: the EPT half only with EPT, the VPID half only with
 * VPID; INVEPT/INVVPID types only with the instruction itself. */
static u64 compute_ept_vpid(const struct vmx_caps *hw,
			    const struct nvmx_opts *o,
			    const struct nvmx_caps *c)
{
	u64 e = 0, h = hw->ept_vpid_cap;

	if (allowed1(c->procbased2, SEC_ENABLE_EPT)) {
		e |= h & (VMX_EPT_PWL4 | VMX_EPT_UC | VMX_EPT_WB | VMX_EPT_2M |
			  VMX_EPT_1G | VMX_EPT_INVEPT | VMX_EPT_INVEPT_SINGLE |
			  VMX_EPT_INVEPT_ALL);
		if (o->exec_only)
			e |= h & VMX_EPT_EXEC_ONLY;
		if (allowed1(c->procbased2, SEC_MODE_BASED_EPT_EXEC))
			e |= VMX_EPT_ADV_INFO;
		if (!(e & VMX_EPT_INVEPT))
			e &= ~(VMX_EPT_INVEPT_SINGLE | VMX_EPT_INVEPT_ALL);
	}
	if (allowed1(c->procbased2, SEC_ENABLE_VPID)) {
		e |= h &
		     (VMX_VPID_INVVPID | VMX_VPID_INDIV_ADDR | VMX_VPID_SINGLE |
		      VMX_VPID_ALL | VMX_VPID_SINGLE_NONGLOBAL);
		if (!(e & VMX_VPID_INVVPID))
			e &= ~(VMX_VPID_INDIV_ADDR | VMX_VPID_SINGLE |
			       VMX_VPID_ALL | VMX_VPID_SINGLE_NONGLOBAL);
	}
	return e;
}

/*
 * SDM Vol. 3D A.6. Kept from the hardware: LMA stored in "IA-32e mode
 * guest" (bit 5), the MSR-list size (27:25) and the CR3-target count
 * (24:16, capped at vmcs12's four). Activity states: HLT, plus shutdown
 * and wait-for-SIPI when asked. VMWRITE to any field (bit 29) is set: it
 * is emulated. No preemption timer, PT, SMM features or zero-length
 * injection; MSEG revision 0.
 */
static u64 compute_misc(const struct vmx_caps *hw, const struct nvmx_opts *o)
{
	u64 keep = VMX_MISC_LMA_IN_IA32E | VMX_MISC_MSR_LIST_MASK |
		   VMX_MISC_ACT_HLT;
	u64 m, targets;

	if (o->act_shutdown)
		keep |= VMX_MISC_ACT_SHUTDOWN;
	if (o->act_wait_sipi)
		keep |= VMX_MISC_ACT_WAIT_SIPI;
	m = hw->misc & keep;
	targets = (hw->misc & VMX_MISC_CR3_TARGETS_MASK) >>
		  VMX_MISC_CR3_TARGETS_SHIFT;
	targets = MIN(targets, (u64)NVMX_CR3_TARGETS_MAX);
	return m | (targets << VMX_MISC_CR3_TARGETS_SHIFT) |
	       VMX_MISC_VMWRITE_ANY;
}

int nvmx_caps_compute(const struct vmx_caps *hw, const struct nvmx_opts *o,
		      struct nvmx_caps *out)
{
	static const struct nvmx_opts none;

	if (!o)
		o = &none;
	memset(out, 0, sizeof(*out));
	if (vmx_caps_missing(hw))
		return -E_NOSUPP;
	/* SDM Vol. 3D A.1: Modex's revision, 4 KiB regions, no 32-bit
	 * address limit, no dual-monitor SMM, write-back VMCS memory; INS/
	 * OUTS information and the TRUE MSRs as the hardware has them. */
	out->basic = VMCS12_REVISION |
		     ((u64)VMCS12_SIZE << VMX_BASIC_SIZE_SHIFT) |
		     ((u64)6 << VMX_BASIC_MEMTYPE_SHIFT) |
		     (hw->basic & (VMX_BASIC_INOUT | VMX_BASIC_TRUE_CTLS));
	compute_ctls(hw, o, out);
	out->misc = compute_misc(hw, o);
	out->ept_vpid_cap = compute_ept_vpid(hw, o, out);
	/* SDM Vol. 3D A.7, A.8: as the hardware (CR4 FIXED0 has VMXE). */
	out->cr0_fixed0 = hw->cr0_fixed0;
	out->cr0_fixed1 = hw->cr0_fixed1;
	out->cr4_fixed0 = hw->cr4_fixed0;
	out->cr4_fixed1 = hw->cr4_fixed1;
	out->vmcs_enum = (u64)vmcs12_max_index() << 1; /* SDM Vol. 3D A.9 */
	out->vmfunc = 0; /* VM functions are not advertised */
	return 0;
}

static bool has_procbased2(const struct nvmx_caps *c)
{
	return allowed1(c->procbased, CPU_ACTIVATE_SECONDARY);
}

/* When a capability MSR exists for L1 (SDM Vol. 3D A.1-A.11). */
enum msr_need { ALWAYS, NEED_PROC2, NEED_EPT_VPID, NEED_TRUE, NEED_VMFUNC };

#define CAP(m, field, need)                                \
	{                                                  \
		m, offsetof(struct nvmx_caps, field), need \
	}
static const struct {
	u32 msr;
	u16 offset;
	u8 need;
} cap_msrs[] = {
	CAP(MSR_IA32_VMX_BASIC, basic, ALWAYS),
	CAP(MSR_IA32_VMX_PINBASED_CTLS, pinbased, ALWAYS),
	CAP(MSR_IA32_VMX_PROCBASED_CTLS, procbased, ALWAYS),
	CAP(MSR_IA32_VMX_EXIT_CTLS, exit, ALWAYS),
	CAP(MSR_IA32_VMX_ENTRY_CTLS, entry, ALWAYS),
	CAP(MSR_IA32_VMX_MISC, misc, ALWAYS),
	CAP(MSR_IA32_VMX_CR0_FIXED0, cr0_fixed0, ALWAYS),
	CAP(MSR_IA32_VMX_CR0_FIXED1, cr0_fixed1, ALWAYS),
	CAP(MSR_IA32_VMX_CR4_FIXED0, cr4_fixed0, ALWAYS),
	CAP(MSR_IA32_VMX_CR4_FIXED1, cr4_fixed1, ALWAYS),
	CAP(MSR_IA32_VMX_VMCS_ENUM, vmcs_enum, ALWAYS),
	CAP(MSR_IA32_VMX_PROCBASED_CTLS2, procbased2, NEED_PROC2),
	CAP(MSR_IA32_VMX_EPT_VPID_CAP, ept_vpid_cap, NEED_EPT_VPID),
	CAP(MSR_IA32_VMX_TRUE_PINBASED_CTLS, true_pinbased, NEED_TRUE),
	CAP(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, true_procbased, NEED_TRUE),
	CAP(MSR_IA32_VMX_TRUE_EXIT_CTLS, true_exit, NEED_TRUE),
	CAP(MSR_IA32_VMX_TRUE_ENTRY_CTLS, true_entry, NEED_TRUE),
	CAP(MSR_IA32_VMX_VMFUNC, vmfunc, NEED_VMFUNC),
};

static bool msr_exists(const struct nvmx_caps *c, u8 need)
{
	bool p2 = has_procbased2(c);

	switch (need) {
	case NEED_PROC2: /* A.3.3: "activate secondary controls" */
		return p2;
	case NEED_EPT_VPID: /* A.10: and "enable EPT" or "enable VPID" */
		return p2 && (allowed1(c->procbased2, SEC_ENABLE_EPT) ||
			      allowed1(c->procbased2, SEC_ENABLE_VPID));
	case NEED_TRUE: /* A.1: IA32_VMX_BASIC bit 55 */
		return c->basic & VMX_BASIC_TRUE_CTLS;
	case NEED_VMFUNC: /* A.11: and "enable VM functions" */
		return p2 && allowed1(c->procbased2, SEC_ENABLE_VMFUNC);
	}
	return true;
}

int nvmx_caps_rdmsr(const struct nvmx_caps *c, u32 msr, u64 *val)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(cap_msrs); i++) {
		if (cap_msrs[i].msr != msr)
			continue;
		if (!msr_exists(c, cap_msrs[i].need))
			return -1;
		*val = *(const u64 *)((const u8 *)c + cap_msrs[i].offset);
		return 0;
	}
	return -1;
}

u64 nvmx_ctl_msr(const struct nvmx_caps *c, u32 field)
{
	bool t = c->basic & VMX_BASIC_TRUE_CTLS;

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
		return has_procbased2(c) ? c->procbased2 : 0;
	}
	return 0;
}
