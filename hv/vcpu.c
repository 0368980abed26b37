// SPDX-License-Identifier: MIT
/*
 * The vCPU run loop: enter L1, handle the exit generically, resume.
 * Context: each CPU's own vCPU, after the guest was set up; interrupts
 * off in Modex.
 */
#include "hv/vcpu.h"

#include "hv/exits.h"
#include "hv/iommu.h"
#include "hv/smp.h"
#include "hv/vendor.h"
#include "nested/nested.h"

/* Blocked DMA is reported from the exit path (one MMIO read per unit
 * when nothing is pending) every IOMMU_POLL_EXITS exits. */
#define IOMMU_POLL_EXITS 256

void vcpu_run_loop(struct vcpu *v)
{
	u32 n = 0;

	while (!v->stopped) {
		smp_poll(v);
		if (++n % IOMMU_POLL_EXITS == 0)
			iommu_poll();
		if (v->nested.guest_mode)
			nested_pre_entry(v);
		vendor->run(v);
		/* An exit of L2 that L1 asked for, or that nested paging
		 * explains, ends there; the rest is Modex's, handled on
		 * L2's state like any exit (nested/nested.h). */
		if (v->nested.guest_mode && nested_handle_l2_exit(v))
			continue;
		exits_handle(v);
		if (v->nested.guest_mode)
			nested_l2_handled(v);
	}
}
