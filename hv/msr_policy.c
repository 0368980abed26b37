// SPDX-License-Identifier: MIT
/*
 * The intercepted-MSR table (hv/msr_policy.h). One row per MSR or MSR
 * range; docs/isolation.md has the same rows with their reasons.
 */
#include "hv/msr_policy.h"

#include "hv/mtrr.h"

#define RW (MSRP_READ | MSRP_WRITE)
#define BOTH (MSRP_VMX | MSRP_SVM)

const struct msr_policy msr_policy[] = {
	/* The MTRRs: virtual per vCPU (hv/mtrr.h). 0x200-0x24f covers every
	 * PHYSBASE/PHYSMASK pair a VCNT can name below the fixed ranges. */
	{ MSR_MTRRCAP, MSR_MTRRCAP, RW | BOTH },
	{ MSR_MTRR_PHYSBASE0, MSR_MTRR_FIX64K_00000 - 1, RW | BOTH },
	{ MSR_MTRR_FIX64K_00000, MSR_MTRR_FIX64K_00000, RW | BOTH },
	{ MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000, RW | BOTH },
	{ MSR_MTRR_FIX4K_C0000, MSR_MTRR_FIX4K_C0000 + 7, RW | BOTH },
	{ MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, RW | BOTH },
	/* SMRR: only SMM may touch it; L1 never runs in SMM. */
	{ MSR_IA32_SMRR_PHYSBASE, MSR_IA32_SMRR_PHYSMASK, RW | BOTH },
	/* PAT: VMCS01 switches it on VMX; SVM keeps L1's in G_PAT. */
	{ MSR_IA32_PAT, MSR_IA32_PAT, RW | MSRP_SVM },
	/* DEBUGCTL: VMX switches it; SVM only with LBR virtualization.
	 * Without, writes exit and reads see the hardware's 0 (hv/msr.c). */
	{ MSR_IA32_DEBUGCTL, MSR_IA32_DEBUGCTL, MSRP_WRITE | MSRP_SVM_NO_LBRV },
	/* MISC_ENABLE: XD disable and the CPUID limit would change Modex's
	 * own NX and CPUID (hv/msr.c); AMD CPUs have no such MSR. */
	{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE, RW | MSRP_VMX },
	/* AMD decode and SMM ranges: readable, never written by L1. On VMX
	 * they are outside the bitmap and always exit (SDM Vol. 3C 26.1.3). */
	{ MSR_AMD_SYSCFG, MSR_AMD_SYSCFG, MSRP_WRITE | MSRP_SVM },
	{ MSR_AMD_TOP_MEM, MSR_AMD_TOP_MEM, MSRP_WRITE | MSRP_SVM },
	{ MSR_AMD_TOP_MEM2, MSR_AMD_TOP_MEM2, MSRP_WRITE | MSRP_SVM },
	{ MSR_AMD_SMM_BASE, MSR_AMD_SMM_MASK, MSRP_WRITE | MSRP_SVM },
};

const size_t msr_policy_count = ARRAY_SIZE(msr_policy);

bool msr_policy_intercepts(u32 msr, bool write, bool svm, bool lbrv)
{
	u32 rw = write ? MSRP_WRITE : MSRP_READ;

	for (size_t i = 0; i < msr_policy_count; i++) {
		const struct msr_policy *p = &msr_policy[i];
		bool applies = svm ? (p->flags & MSRP_SVM) ||
					       ((p->flags & MSRP_SVM_NO_LBRV) &&
						!lbrv) :
				     (p->flags & MSRP_VMX);

		if (msr >= p->first && msr <= p->last && applies &&
		    (p->flags & rw))
			return true;
	}
	return false;
}
