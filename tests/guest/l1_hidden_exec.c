// SPDX-License-Identifier: MIT
/*
 * L1 test kernel that calls into Modex's hidden memory (the first page
 * below the top of RAM that no memory-map entry covers). docs/isolation.md
 * defines the result: the fetch faults in stage 2 (the sink page is
 * no-execute) and Modex stops L1 with a dump; it never runs anything there.
 * The boot test checks Modex's report; reaching the end here is a failure.
 */
#include "tests/guest/lib/guest.h"

#define ONE_MIB 0x100000ULL
#define FOUR_GIB 0x100000000ULL

void guest_main(void)
{
	u64 top = 0, target = 0;

	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (r->type == GUEST_MEM_AVAILABLE)
			top = MAX(top, MIN(r->base + r->len, FOUR_GIB));
	}
	for (u64 a = ONE_MIB; a < top && !target; a += 0x1000)
		if (!guest_addr_in_map(a))
			target = a;
	if (!target)
		guest_abort("no hidden page below the top of RAM");
	guest_log("hidden-exec: calling %#llx\n", (unsigned long long)target);
	guest_drain();
	((void (*)(void))target)();
	guest_abort("returned from a call into hidden memory");
}
