// SPDX-License-Identifier: MIT
/*
 * The CPUs Modex runs (hv/smp.h).
 * Context: any CPU.
 */
#include "hv/smp.h"

#include "hv/guest.h"
#include "hv/lapic.h"

/*
 * One CPU until the AP bring-up lands: the boot CPU runs L1's BSP and
 * L1's INIT/SIPI to other CPUs have no target.
 */
u32 smp_nr_cpus(void)
{
	return 1;
}

struct vcpu *smp_vcpu(u32 idx)
{
	return idx == 0 ? guest_boot_vcpu() : NULL;
}

u32 smp_apic_id(u32 idx)
{
	(void)idx;
	return lapic_id();
}

int smp_cpu_by_apic_id(u32 apic_id)
{
	return apic_id == lapic_id() ? 0 : -1;
}

u32 smp_this_cpu(void)
{
	return 0;
}

void smp_send_init(u32 idx)
{
	(void)idx;
}

void smp_send_sipi(u32 idx, u8 vector)
{
	(void)idx;
	(void)vector;
}
