// SPDX-License-Identifier: MIT
/*
 * Modex's local APIC driver (hv/lapic.h): ID and IPIs through the xAPIC
 * page at the firmware's base or the x2APIC MSRs, whichever mode this CPU
 * is in now (L1 may switch its CPU to x2APIC; that is real CPU state).
 * Context: any CPU, interrupts off.
 */
#include "hv/lapic.h"

#include "hv/include/compiler.h"
#include "hv/include/x86.h"

static hpa_t xapic_base = APIC_DEFAULT_BASE;

void lapic_init(void)
{
	/* SDM Vol. 3A 11.4.4: bits 12 up to MAXPHYADDR hold the base. */
	xapic_base = rdmsr(MSR_IA32_APIC_BASE) & 0x000ffffffffff000ULL;
}

hpa_t lapic_phys_base(void)
{
	return xapic_base;
}

bool lapic_x2apic(void)
{
	return rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD;
}

static volatile u32 *xapic_reg(u32 off)
{
	/* Modex's page tables map the page at its physical address. */
	return (volatile u32 *)(xapic_base + off);
}

/* The delivery-status bit, bounded: an APIC L1 disabled never clears it
 * (and sends nothing; the caller's IPI is then lost, not hung). */
#define ICR_IDLE_SPINS 1000000u

static void wait_idle(void)
{
	for (u32 i = 0; i < ICR_IDLE_SPINS; i++) {
		if (!(*xapic_reg(APIC_REG_ICR_LO) & ICR_BUSY))
			return;
		cpu_relax();
	}
}

u32 lapic_id(void)
{
	/* SDM Vol. 3A 11.12.5.1: the x2APIC ID is the whole 32-bit MSR. */
	if (lapic_x2apic())
		return (u32)rdmsr(0x802);
	return *xapic_reg(APIC_REG_ID) >> 24;
}

void lapic_send_ipi(u32 apic_id, u32 icr_lo)
{
	if (lapic_x2apic()) {
		/* SDM Vol. 3A 11.12.9: one WRMSR, destination in 63:32. */
		wrmsr(MSR_X2APIC_ICR, ((u64)apic_id << 32) | icr_lo);
		return;
	}
	/* SDM Vol. 3A 11.6.1: the write to the low half sends the IPI;
	 * wait for the previous one to leave before changing the ICR. */
	wait_idle();
	*xapic_reg(APIC_REG_ICR_HI) = apic_id << 24;
	*xapic_reg(APIC_REG_ICR_LO) = icr_lo;
	wait_idle();
}
