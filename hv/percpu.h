/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state: one struct percpu for each CPU Modex runs, the only home
 * of anything that differs between CPUs (stacks, GDT/TSS, the vendor's
 * VMXON region or host save area and VMCS01/VMCB01, L1's vCPU). A CPU
 * reaches its own through GS (Modex's GS base points at it; VM exits and
 * the SVM backend's VMLOAD restore it), any other through smp.h.
 * Context: any CPU.
 */
#ifndef MODEX_HV_PERCPU_H
#define MODEX_HV_PERCPU_H

#include "boot/cpu_tables.h"
#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "hv/vcpu.h"

enum cpu_state {
	CPU_OFFLINE = 0, /* not started (or not answering) */
	CPU_STARTED, /* in long mode on Modex's tables, setting up */
	CPU_READY, /* virtualization on, waiting for L1's vCPU */
	CPU_RUNNING, /* running L1's vCPU */
	CPU_HELD, /* under Modex with no vCPU (beyond cpus=N) */
	CPU_STOPPED, /* halted for good (panic, end of the run) */
};

struct percpu {
	struct percpu *self; /* at GS:0 */
	u32 index; /* 0 = the boot CPU */
	u32 apic_id;
	volatile enum cpu_state state;
	volatile u32 kick; /* set by the CPU that sends this one a kick */
	u64 stack_top; /* top of the stack the CPU runs Modex on */
	u64 ist_top[3]; /* IST_DF, IST_NMI, IST_MC stack tops */
	struct cpu_tables tables;
	void *vendor; /* the backend's per-CPU state (vendor->percpu_size) */
	struct vcpu vcpu; /* L1's vCPU on this CPU */
};
_Static_assert(offsetof(struct percpu, self) == 0, "GS:0 is self");

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

#endif /* MODEX_HV_PERCPU_H */
