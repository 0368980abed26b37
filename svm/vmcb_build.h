/* SPDX-License-Identifier: MIT */
/*
 * The VMCB01 builder and the other pure SVM rules: a pure function of the
 * SVM features, Modex's configuration, L1's initial CPU state and the NPT01
 * root (nCR3) that fills a struct vmcb; the MSR permission map; the GMET
 * decision and the erratum-1218 fix-up of #NPF EXITINFO1. No hardware
 * access: builds hosted for the unit tests, which feed it any feature set
 * (the GMET path is proved only there: no emulator here has GMET).
 */
#ifndef MODEX_SVM_VMCB_BUILD_H
#define MODEX_SVM_VMCB_BUILD_H

#include "hv/features.h"
#include "hv/include/types.h"
#include "mm/pt_walk.h"
#include "svm/vmcb.h"

struct boot_cpu_state;
struct guest_regs;

/* The EFER, VM_CR and related MSRs Modex virtualizes (APM Vol. 2 15.30). */
#define MSR_SVM_IGNNE 0xc0010115
#define MSR_SVM_SMM_CTL 0xc0010116
#define MSR_SVM_KEY 0xc0010118
#define VM_CR_DPD BIT(0)
#define VM_CR_R_INIT BIT(1)
#define VM_CR_DIS_A20M BIT(2)
#define VM_CR_LOCK BIT(3)
#define VM_CR_SVMDIS BIT(4)

/* The power-on PAT (APM Vol. 2 7.8.2): WB, WT, UC-, UC twice. */
#define PAT_POWER_ON 0x0007040600070406ULL

/* Modex's choices, independent of the CPU. */
struct vmcb01_config {
	u32 asid; /* nonzero (APM Vol. 2 15.5.1) */
	hpa_t msrpm_pa; /* 8 KiB from svm_msrpm_init() */
	hpa_t iopm_pa; /* 12 KiB: the ports marked are intercepted */
	hpa_t ncr3; /* NPT01 root (4-level, long-mode format) */
	bool no_gmet; /* keep GMET off even if the CPU has it */
};

/* L1's initial state in VMCB terms (from its boot protocol). */
struct svm_guest_init {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u64 cr0, cr3, cr4, efer, rflags, rip, rsp, rax, dr6, dr7;
	u8 cpl;
};

/* CPUID 8000_000Ah EDX[1] and its VMCB control (APM Vol. 2 15.23). */
#define SVM_EDX_LBRV BIT(1)
#define VIRT_EXT_LBRV BIT(0)

/* Whether VMCB01 runs with LBR virtualization (L1's DebugCtl switched by
 * VMRUN/#VMEXIT): whenever the CPU has it. */
bool svm_use_lbrv(const struct svm_features *f);

/* Whether VMCB01 runs with GMET: the CPU has it and it is not refused. */
bool svm_use_gmet(const struct svm_features *f,
		  const struct vmcb01_config *cfg);

/*
 * Fill @out (zeroed first) with VMCB01. 0, or -E_NOSUPP when the CPU lacks
 * nested paging, or -E_INVAL when the configuration or the initial state
 * would fail VMRUN's consistency checks (APM Vol. 2 15.5.1); *why names
 * the problem then.
 */
int vmcb01_build(const struct svm_features *f, const struct vmcb01_config *cfg,
		 const struct svm_guest_init *g, struct vmcb *out,
		 const char **why);

/* The VMRUN consistency checks on guest state (APM Vol. 2 15.5.1) that
 * Modex can break by itself: NULL if @s passes, else what is wrong. */
const char *svm_save_invalid(const struct vmcb_save *s);

/* MSR permission map: intercept the MSRs that describe SVM and those of
 * hv/msr_policy.c (DEBUGCTL only without LBR virtualization, @lbrv). */
void svm_msrpm_init(u8 *msrpm, bool lbrv);
/* Whether the map intercepts @msr for a read or a write (MSRs outside the
 * three mapped ranges always exit, APM Vol. 2 15.11). */
bool svm_msrpm_intercepts(const u8 *msrpm, u32 msr, bool write);

/*
 * Erratum 1218: with GMET on, EXITINFO1.U may be wrong for fetch faults;
 * set it exactly when the guest's CPL is 3 (REFERENCE.md section 2).
 */
u64 svm_npf_fixup(u64 exit_info_1, bool gmet, u8 cpl);

/* Translate L1's boot CPU state (hv/loader.h) into VMCB terms and its
 * GPRs; -E_INVAL if SVM cannot enter it. (svm/vmcb_guest.c) */
int svm_guest_init_from_boot(const struct boot_cpu_state *s,
			     struct svm_guest_init *g, struct guest_regs *r);

#endif /* MODEX_SVM_VMCB_BUILD_H */
