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
#include "hv/stats.h"
#include "hv/include/spinlock.h"
#include "hv/include/types.h"
#include "hv/msr.h"
#include "hv/pci_cfg.h"
#include "hv/vlapic.h"
#include "nested/nested.h"

struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags;
};

/* Where a vCPU stands in the INIT/SIPI protocol (SDM Vol. 3A 9.4). */
enum vcpu_mp_state {
	VCPU_RUNNABLE = 0,
	VCPU_WAIT_SIPI, /* after INIT (every AP before L1 starts it) */
};

struct vcpu_mp {
	volatile u32 state; /* enum vcpu_mp_state */
	volatile u32 init_in_flight; /* an INIT was sent, not yet taken */
	volatile u32 sipi; /* 0, or SIPI_PENDING | vector */
	struct spinlock lock; /* the three above */
	bool hw_wait; /* the CPU itself waits for the SIPI (VMX) */
	u64 init_cr0; /* CR0 when INIT was taken (CD/NW survive it) */
	u64 sipi_exit; /* v->exits when the last SIPI was taken */
};
#define SIPI_PENDING 0x100u

/* L1's general register @n in the x86 encoding order (SDM Vol. 2A 2.1.5;
 * also the VMX exit-qualification numbering, SDM Vol. 3C table 28-3). */
static inline u64 *guest_gpr(struct guest_regs *r, unsigned int n)
{
	u64 *const map[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
		&r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
		&r->r12, &r->r13, &r->r14, &r->r15,
	};

	return map[n & 15];
}

struct vcpu {
	struct guest_regs regs;
	struct exit_info exit; /* the exit being handled */
	void *vendor; /* struct vmx_vcpu / struct svm_vcpu */
	hpa_t root; /* EPT01 / NPT01 root */
	struct vcpu_msrs msr; /* L1's virtual MTRRs (hv/msr.h) */
	u64 exits; /* exits so far */
	struct vlapic vlapic; /* L1's APIC base and recorded registers */
	bool stopped; /* L1 was stopped (triple fault, fatal exit) */
	volatile bool nmi_pending; /* an NMI for L1 arrived in Modex */
	u32 index; /* the CPU it runs on (hv/smp.h) */
	u64 stage2_gen; /* stage-2 changes this CPU has flushed for */
	struct exit_stats stats; /* this vCPU's exits (MODEX_HC_STATS) */
	struct vcpu_mp mp;
	struct vcpu_pci pci; /* L1's CONFIG_ADDRESS (hv/pci_cfg.c) */
	struct nested_vcpu nested; /* L1's own guest, L2 (nested/nested.h) */
};

/* Run L1 until it is stopped (hv/vcpu.c); a stop ends the run. */
void vcpu_run_loop(struct vcpu *v);

#endif /* MODEX_HV_VCPU_H */
