/* SPDX-License-Identifier: MIT */
/*
 * Every CPU under Modex: the CPUs ACPI's MADT lists, started by Modex from
 * its own trampoline, each running one of L1's vCPUs (index 0 is the boot
 * CPU and L1's BSP). L1's INIT and SIPI reach a vCPU only through the
 * functions below: no sequence of L1 actions runs a CPU outside Modex.
 * Context: any CPU; the per-CPU state itself is in hv/percpu.h.
 */
#ifndef MODEX_HV_SMP_H
#define MODEX_HV_SMP_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

#define MODEX_MAX_CPUS 64

struct vcpu;
struct mb2_info;

/* Bring-up, in this order, on the boot CPU. */
/* First thing in hv_main: the boot CPU's per-CPU state and GS. */
void smp_init_boot_cpu(void);
/* Once the backend is chosen: the boot CPU's vendor state. */
int smp_boot_cpu_ready(void);
/*
 * Start every other CPU the MADT lists (at most MODEX_MAX_CPUS) from the
 * trampoline, each to virtualization on (vendor->enable) and waiting.
 * An enabled CPU that does not come up is an error: L1 could start it
 * outside Modex. The first cpus=N of them will run L1's vCPUs.
 */
int smp_start_aps(const struct mb2_info *info);
/* L1's stage 2 is ready (@root): the APs set up their vCPUs, in the
 * wait-for-SIPI state. */
void smp_release_aps(hpa_t root);

/* CPUs Modex runs (after smp_init; 1 before). */
u32 smp_nr_cpus(void);
/* L1's vCPU on CPU @idx (0 = the boot CPU, L1's BSP). */
struct vcpu *smp_vcpu(u32 idx);
/* The local APIC ID of CPU @idx (xAPIC IDs are the low 8 bits). */
u32 smp_apic_id(u32 idx);
/* The index of the calling CPU. */
u32 smp_this_cpu(void);
/* For exception handlers, which may run with any GS base: point GS at
 * this CPU's per-CPU state (found by its APIC ID) and return the GS base
 * it had. */
u64 smp_fix_gs(void);

/*
 * L1 sent INIT / a SIPI with @vector to vCPU @idx. Callable from any CPU's
 * exit path; the target acts on it the way the architecture defines (SDM
 * Vol. 3A 9.4, 11.6.1): INIT puts the vCPU in the wait-for-SIPI state
 * (for the BSP: see docs/isolation.md), a SIPI starts a waiting vCPU at
 * vector << 12 and is ignored by a vCPU that is not waiting.
 */
void smp_send_init(u32 idx);
void smp_send_sipi(u32 idx, u8 vector);

/* Exit-path hooks (hv/vcpu.c, hv/exits.c): before each entry; an INIT
 * exit; a SIPI exit (the CPU's own wait-for-SIPI state). */
void smp_poll(struct vcpu *v);
void smp_handle_init(struct vcpu *v);
void smp_handle_sipi(struct vcpu *v, u8 vector);

/* Modex memory each AP costs: per-CPU state, stacks with their guard
 * pages, the backend's state (VMXON region/VMCS01 or host save area/
 * VMCB01). Valid once the backend is chosen. */
u64 smp_percpu_bytes(void);

/* End of the run (hv_exit, panic): every other CPU stops for good. */
void smp_stop_others(void);

#endif /* MODEX_HV_SMP_H */
