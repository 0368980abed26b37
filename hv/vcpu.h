/* SPDX-License-Identifier: MIT */
/*
 * The virtual CPU that runs L1, as vendor-neutral code sees it. The vendor
 * backend (vmx/ or svm/) owns the hardware control structure (VMCS01 or
 * VMCB01) behind vcpu->vendor and keeps regs in sync across each entry:
 * after an exit regs holds all of L1's general registers including RSP,
 * RIP and RFLAGS; before the next entry the backend writes back what
 * generic code changed.
 */
#ifndef MODEX_HV_VCPU_H
#define MODEX_HV_VCPU_H

#include "hv/exit_info.h"
#include "hv/include/types.h"
#include "hv/msr.h"

struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags;
};

struct vcpu {
	struct guest_regs regs;
	struct exit_info exit; /* the exit being handled */
	void *vendor; /* struct vmx_vcpu / struct svm_vcpu */
	hpa_t root; /* EPT01 / NPT01 root */
	struct vcpu_msrs msr; /* L1's virtual MTRRs (hv/msr.h) */
	u64 exits; /* exits so far */
	bool stopped; /* L1 was stopped (triple fault, fatal exit) */
};

/* Run L1 until it is stopped (hv/vcpu.c); a stop ends the run. */
void vcpu_run_loop(struct vcpu *v);

#endif /* MODEX_HV_VCPU_H */
