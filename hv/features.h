/* SPDX-License-Identifier: MIT */
/*
 * CPU feature probe: what the CPU (or the hypervisor below Modex) offers
 * for virtualization. Filled once at boot; vmx/ and svm/ consume it and the
 * boot banner prints it.
 */
#ifndef MODEX_HV_FEATURES_H
#define MODEX_HV_FEATURES_H

#include "hv/include/types.h"

enum cpu_vendor { VENDOR_OTHER = 0, VENDOR_INTEL, VENDOR_AMD };

struct vmx_features {
	bool ept, vpid, unrestricted_guest, vmcs_shadowing, mbec;
	bool ept_adv_exit_info, ept_ad, ept_exec_only, ept_2m, ept_1g;
	bool ept_4level, ept_wb, true_ctls;
	u64 basic, procbased2, ept_vpid_cap; /* raw MSRs */
};

struct svm_features {
	bool npt, nrips, decode_assists, vmcb_clean, flush_by_asid, vgif;
	bool vmsave_virt, gmet;
	u32 nr_asids;
	u32 edx; /* raw CPUID 8000_000Ah EDX */
};

struct cpu_features {
	enum cpu_vendor vendor;
	char vendor_str[13];
	u32 family, model, stepping;
	u8 maxphyaddr, maxvirtaddr;
	bool vmx; /* CPUID.1:ECX.VMX */
	bool svm; /* CPUID.8000_0001h:ECX.SVM */
	bool nx, pdpe1gb, smep, smap;
	struct vmx_features vmx_f;
	struct svm_features svm_f;
};

extern struct cpu_features cpu_features;

void features_probe(struct cpu_features *f);
/* Print the feature line(s) of the boot banner. */
void features_report(const struct cpu_features *f);

#endif /* MODEX_HV_FEATURES_H */
