/* SPDX-License-Identifier: MIT */
/*
 * Modex's own use of the local APIC: its ID and sending IPIs (INIT/SIPI to
 * start the CPUs, INIT forwarded on L1's behalf). Modex reaches the xAPIC
 * only at the physical base the firmware set, through its own mapping,
 * never through an address L1 chose (L1's IA32_APIC_BASE is virtual).
 * Context: any CPU, interrupts off.
 */
#ifndef MODEX_HV_LAPIC_H
#define MODEX_HV_LAPIC_H

#include "hv/include/types.h"

#define MSR_IA32_APIC_BASE 0x1b
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10) /* x2APIC mode */
#define APIC_BASE_EN BIT(11)
#define APIC_DEFAULT_BASE 0xfee00000ULL

/* xAPIC register offsets (SDM Vol. 3A table 11-1); x2APIC MSR = 0x800 +
 * offset / 16 (SDM Vol. 3A 11.12.1.2). */
#define APIC_REG_ID 0x20
#define APIC_REG_LDR 0xd0
#define APIC_REG_DFR 0xe0
#define APIC_REG_ICR_LO 0x300
#define APIC_REG_ICR_HI 0x310
#define MSR_X2APIC_ICR 0x830

/* ICR (SDM Vol. 3A 11.6.1, figure 11-12). */
#define ICR_DM_SHIFT 8
#define ICR_DM_FIXED (0u << 8)
#define ICR_DM_NMI (4u << 8)
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8)
#define ICR_DM_MASK (7u << 8)
#define ICR_DEST_LOGICAL BIT(11)
#define ICR_BUSY BIT(12)
#define ICR_LEVEL_ASSERT BIT(14)
#define ICR_TRIGGER_LEVEL BIT(15)
#define ICR_SH_SHIFT 18
#define ICR_SH_MASK (3u << 18)
#define ICR_SH_NONE (0u << 18)
#define ICR_SH_SELF (1u << 18)
#define ICR_SH_ALL (2u << 18)
#define ICR_SH_OTHERS (3u << 18)

/* On the boot CPU: read IA32_APIC_BASE as the firmware left it. */
void lapic_init(void);
/* The physical xAPIC page Modex uses (the firmware's base). */
hpa_t lapic_phys_base(void);
/* True when this CPU's APIC is in x2APIC mode. */
bool lapic_x2apic(void);
/* This CPU's APIC ID (x2APIC: 32 bits; xAPIC: bits 31:24 of ID). */
u32 lapic_id(void);
/* Send one IPI: @icr_lo's delivery mode, vector and shorthand, to
 * @apic_id when the shorthand is none; waits until the xAPIC has sent it. */
void lapic_send_ipi(u32 apic_id, u32 icr_lo);

#endif /* MODEX_HV_LAPIC_H */
