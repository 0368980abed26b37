/* SPDX-License-Identifier: MIT */
/*
 * The MSRs that decide memory types, physical-address decode and how
 * Modex's own code runs (hv/msr_policy.h says which exit): L1's virtual
 * MTRRs per vCPU, L1's PAT on SVM, DEBUGCTL on SVM without LBR
 * virtualization, IA32_MISC_ENABLE on Intel, and Modex's own host PAT. docs/isolation.md has the
 * policy, one line per MSR.
 * Context: boot CPU at setup; then the exit path of the vCPU's CPU.
 */
#ifndef MODEX_HV_MSR_H
#define MODEX_HV_MSR_H

#include "hv/include/types.h"
#include "hv/mtrr.h"

struct vcpu;

/* Per-vCPU MSR state (struct vcpu's msr member). */
struct vcpu_msrs {
	struct mtrr_state mtrr; /* L1's MTRRs as this vCPU wrote them */
	u64 misc_enable; /* L1's IA32_MISC_ENABLE where the CPU has none */
};

/* msr_virt_read()/msr_virt_write() results. */
#define MSRV_DONE 0
#define MSRV_GP (-1) /* the CPU's answer is #GP(0) */
#define MSRV_NOT_MINE 1 /* not one of this file's MSRs */

/* On the boot CPU, before stage 2 is built: load Modex's host PAT and
 * take the hardware MTRRs as every vCPU's initial values. */
void msr_boot_cpu_init(void);
/* On every CPU Modex runs (the boot CPU included): Modex's host PAT. */
void msr_host_cpu_init(void);
/* The MTRRs as the hardware had them at boot (L1's initial values). */
const struct mtrr_state *msr_boot_mtrrs(void);
/* A vCPU's initial MSR state (the architecture's reset values are the
 * hardware's: L1 runs where firmware left the machine). */
void msr_vcpu_init(struct vcpu *v);

/* RDMSR/WRMSR @msr by L1 on @v: MSRV_*. A write to the MTRRs of L1's BSP
 * that changes a memory type re-encodes stage 2 (hv/guest.c). */
int msr_virt_read(struct vcpu *v, u32 msr, u64 *val);
int msr_virt_write(struct vcpu *v, u32 msr, u64 val);

#endif /* MODEX_HV_MSR_H */
