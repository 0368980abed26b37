// SPDX-License-Identifier: MIT
/*
 * L1 test kernel that calls into Modex's hidden memory (the first page
 * from 1 MiB that no memory-map entry covers, below guest_hidden_top()).
 * docs/isolation.md
 * defines the result: the fetch faults in stage 2 (the sink page is
 * no-execute) and Modex stops L1 with a dump; it never runs anything there.
 * The boot test checks Modex's report; reaching the end here is a failure.
 */
#include "tests/guest/lib/guest.h"

#define ONE_MIB 0x100000ULL

void guest_main(void)
{
	u64 top = guest_hidden_top(), target = 0;

	for (u64 a = ONE_MIB; a < top && !target; a += 0x1000)
		if (!guest_addr_in_map(a))
			target = a;
	if (!target)
		guest_abort("no hidden page after the top of RAM");
	guest_log("hidden-exec: calling %#llx\n", (unsigned long long)target);
	guest_drain();
	((void (*)(void))target)();
	guest_abort("returned from a call into hidden memory");
}
