// SPDX-License-Identifier: MIT
/*
 * L1 test kernel that sends INIT to its own boot CPU (xAPIC ICR, physical
 * destination = its own APIC ID, then the level de-assert). docs/smp.md
 * defines the result: INIT of the BSP is a reset of L1's machine, which
 * Modex does not emulate, so Modex stops L1 with that message and the
 * failure code; the CPU is never reset under Modex. The boot test checks
 * Modex's report; reaching the end here is a failure.
 */
#include "tests/guest/lib/guest.h"

#define MSR_APIC_BASE 0x1b
#define APIC_ID 0x20
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_BUSY (1u << 12)
/* SDM Vol. 3A 11.6.1: delivery mode INIT, level assert. */
#define ICR_INIT_ASSERT 0x4500u

static volatile u32 *apic_reg(u64 base, u32 off)
{
	return (volatile u32 *)(base + off);
}

void guest_main(void)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE) & ~0xfffULL;
	u32 id = *apic_reg(base, APIC_ID) >> 24;

	guest_log("init-bsp: INIT to APIC ID %u (myself)\n", id);
	guest_drain();
	*apic_reg(base, APIC_ICR_HI) = id << 24;
	*apic_reg(base, APIC_ICR_LO) = ICR_INIT_ASSERT;
	for (u32 i = 0;
	     i < 1000000 && (*apic_reg(base, APIC_ICR_LO) & ICR_BUSY); i++)
		;
	/* The INIT takes effect at the next instruction boundary at the
	 * latest (an exit on VMX, the captured ICR write on SVM). */
	for (volatile u32 i = 0; i < 1000000; i++)
		;
	guest_abort("still running after INIT to the BSP");
}
