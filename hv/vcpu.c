// SPDX-License-Identifier: MIT
/*
 * The vCPU run loop: enter L1, handle the exit generically, resume.
 * Context: each CPU's own vCPU, after the guest was set up; interrupts
 * off in Modex.
 */
#include "hv/vcpu.h"

#include "hv/exits.h"
#include "hv/smp.h"
#include "hv/vendor.h"

void vcpu_run_loop(struct vcpu *v)
{
	while (!v->stopped) {
		smp_poll(v);
		vendor->run(v);
		exits_handle(v);
	}
}
