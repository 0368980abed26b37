/* SPDX-License-Identifier: MIT */
/*
 * Which MSRs that change how physical addresses decode, how memory is
 * cached or how Modex's own execution behaves exit to Modex, per vendor
 * (docs/isolation.md gives the reason for each). The vendors' permission
 * maps (vmx/vmcs_build.c, svm/vmcb_build.c) apply this one table; the
 * answers are in hv/msr.c. MSRs that describe VMX/SVM are the vendors'.
 * Pure: built into Modex and hosted for the unit tests.
 */
#ifndef MODEX_HV_MSR_POLICY_H
#define MODEX_HV_MSR_POLICY_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

/* AMD MSRs (APM Vol. 2 appendix A; 7.9, 10.2.5). */
#define MSR_AMD_SYSCFG 0xc0010010
#define MSR_AMD_TOP_MEM 0xc001001a
#define MSR_AMD_TOP_MEM2 0xc001001d
#define MSR_AMD_SMM_BASE 0xc0010111
#define MSR_AMD_SMM_ADDR 0xc0010112
#define MSR_AMD_SMM_MASK 0xc0010113
/* Intel SMRR (SDM Vol. 3C 32.4.2.1) and DEBUGCTL (SDM Vol. 3B 18.4.1). */
#define MSR_IA32_SMRR_PHYSBASE 0x1f2
#define MSR_IA32_SMRR_PHYSMASK 0x1f3
#define MSR_IA32_DEBUGCTL 0x1d9
/* IA32_MISC_ENABLE (SDM Vol. 4 table 2-2), Intel only. */
#define MSR_IA32_MISC_ENABLE 0x1a0

#define MSRP_READ BIT(0) /* RDMSR exits */
#define MSRP_WRITE BIT(1) /* WRMSR exits */
#define MSRP_VMX BIT(2) /* applies to the VMX MSR bitmap */
#define MSRP_SVM BIT(3) /* applies to the SVM MSR permission map */
#define MSRP_SVM_NO_LBRV BIT(4) /* SVM: only without LBR virtualization */

struct msr_policy {
	u32 first, last; /* inclusive */
	u32 flags; /* MSRP_* */
};

extern const struct msr_policy msr_policy[];
extern const size_t msr_policy_count;

/* Whether the policy intercepts @msr for a read or write on SVM
 * (@svm) or VMX, with LBR virtualization @lbrv (SVM). */
bool msr_policy_intercepts(u32 msr, bool write, bool svm, bool lbrv);

#endif /* MODEX_HV_MSR_POLICY_H */
