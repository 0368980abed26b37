/* SPDX-License-Identifier: MIT */
/*
 * L1's local APIC as Modex virtualizes it: IA32_APIC_BASE is virtual per
 * vCPU (validated, never moving the physical APIC, which stays where the
 * firmware put it: hv/lapic.h lapic_phys_base()), L1's chosen base is an
 * alias of the physical APIC page in stage 2, and on a backend without a
 * wait-for-SIPI state (SVM) L1's INIT and SIPI are captured where L1 sends
 * them: the x2APIC ICR MSR and the xAPIC page, write-protected in stage 2
 * with its stores emulated and forwarded. docs/isolation.md ("The local
 * APIC") and docs/svm.md ("INIT and SIPI") describe the policy.
 *
 * The rules (apic_base_write, apic_icr_*) are pure and host-unit-tested
 * (hv/vlapic_rules.c); the exit-path glue is hv/vlapic.c.
 */
#ifndef MODEX_HV_VLAPIC_H
#define MODEX_HV_VLAPIC_H

#include "hv/include/types.h"

struct vcpu;

/* Per-vCPU state (struct vcpu .vlapic). */
struct vlapic {
	u64 apic_base; /* L1's IA32_APIC_BASE, as L1 reads it */
	/* Recorded from L1's xAPIC writes where Modex sees them (SVM): */
	u32 icr_hi; /* ICR bits 63:32 (destination in 31:24) */
	u32 ldr; /* logical destination register */
	u32 dfr; /* destination format register */
};

/* ------------------------------------------------------------ rules */

/* IA32_APIC_BASE bits 0-7 and 9 are reserved (SDM Vol. 3A 11.4.4,
 * figure 11-5; 11.12.1: bit 10 is EXTD where x2APIC exists). */
#define APIC_BASE_RSVD_LOW 0x2ffULL
#define APIC_BASE_ADDR(v) ((v) & ~0xfffULL)

struct apic_base_env {
	u8 maxphyaddr; /* CPUID 8000_0008h EAX[7:0] */
	bool x2apic; /* CPUID.1:ECX[21] as L1 sees it */
	const struct mem_range *hidden; /* Modex memory: a base there #GPs */
	u32 nr_hidden;
};

/*
 * WRMSR IA32_APIC_BASE of @val while L1's value is @cur: 0 and *@next
 * (the value L1 then reads: the BSP flag is kept from @cur, read-only),
 * or -1 for #GP. SDM Vol. 3A 11.4.4 (reserved bits, bits from MAXPHYADDR
 * up), 11.12.1 (EXTD only with x2APIC), 11.12.5 table 11-5 / figure 11-27
 * (EN=0 with EXTD=1 is invalid; x2APIC -> xAPIC and disabled -> x2APIC
 * are illegal transitions), plus Modex's rule: a base page overlapping
 * Modex's memory #GPs (docs/isolation.md).
 */
int apic_base_write(const struct apic_base_env *env, u64 cur, u64 val,
		    u64 *next);

/* What Modex does with an ICR write (low 32 bits @icr_lo). */
enum icr_action {
	ICR_FORWARD = 0, /* not INIT/SIPI: to the hardware ICR unchanged */
	ICR_INIT, /* INIT: smp_send_init() for each destination */
	ICR_SIPI, /* start-up: smp_send_sipi() for each destination */
	ICR_DROP, /* INIT level de-assert: no effect (SDM Vol. 3A 11.6.1) */
};
enum icr_action apic_icr_action(u32 icr_lo);

/* One CPU as the destination logic sees it. */
struct apic_cpu {
	u32 apic_id; /* xAPIC: 8 bits; x2APIC: 32 bits */
	u32 ldr, dfr; /* xAPIC LDR and DFR as L1 wrote them */
	bool x2apic; /* EXTD set */
	bool enabled; /* EN set: a globally disabled APIC takes no IPI */
};

/*
 * The CPUs (bit i = @cpus[i], @n <= 64) an IPI reaches when CPU @self in
 * x2APIC mode (@x2apic) or xAPIC mode writes ICR low @icr_lo with
 * destination @dest (x2APIC: ICR bits 63:32; xAPIC: bits 63:56).
 * SDM Vol. 3A 11.6.1 (shorthands self, all including self, all excluding
 * self), 11.6.2.1 (physical; 0xff broadcast), 11.6.2.2 (logical: flat
 * DFR[31:28] = 1111b matches LDR[31:24] & MDA, cluster DFR[31:28] = 0
 * matches cluster LDR[31:28] = MDA[7:4] and LDR[27:24] & MDA[3:0];
 * 0xff broadcast), 11.12.10 (x2APIC logical: cluster = ID[19:4] in bits
 * 31:16, bit 1 << ID[3:0]; 0xffffffff broadcast). Disabled APICs match
 * nothing; a logical destination matches only CPUs in the sender's mode.
 */
u64 apic_icr_targets(const struct apic_cpu *cpus, u32 n, u32 self, u32 icr_lo,
		     u32 dest, bool x2apic);

/* The x2APIC logical ID of x2APIC ID @id (SDM Vol. 3A 11.12.10.2). */
static inline u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/* -------------------------------------------------------- exit path */

/* Set up @v's APIC state from this CPU's IA32_APIC_BASE (and, in xAPIC
 * mode, its ICR high, LDR and DFR). Call on the vCPU's own CPU before it
 * first enters L1. */
void vlapic_init(struct vcpu *v);
/* L1's INIT reached @v: the APIC registers Modex records reset (SDM Vol. 3A
 * 11.4.7.3: LDR 0, DFR all ones); EN, EXTD and the base stay. */
void vlapic_on_init(struct vcpu *v);
/* Once, on the boot CPU after stage 2 is built: the firmware's APIC page
 * gets its stage-2 protection (read-only where ICR writes are captured). */
int vlapic_stage2_init(void);
/* The pages stage 2 maps to the physical APIC: the firmware's and every
 * vCPU's base (at most @max into @out); to restore them after stage 2 is
 * re-encoded. */
u32 vlapic_stage2_pages(gpa_t *out, u32 max);

/* WRMSR IA32_APIC_BASE / x2APIC ICR by L1: 0 (retire) or -1 (#GP). */
int vlapic_write_apic_base(struct vcpu *v, u64 val);
int vlapic_write_x2apic_icr(struct vcpu *v, u64 val);
/*
 * A stage-2 fault (v->exit.reason == EXIT_R_NPF): true if it was L1's
 * write to its xAPIC page, emulated, with v->exit.insn_len set for the
 * caller to retire the instruction; false if the fault is not Modex's
 * APIC page (the caller handles it). A store Modex cannot emulate stops
 * L1 (docs/svm.md).
 */
bool vlapic_handle_npf(struct vcpu *v);

#endif /* MODEX_HV_VLAPIC_H */
