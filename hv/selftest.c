// SPDX-License-Identifier: MIT
/* Boot-time fault injection for the boot tests (see hv/selftest.h). */
#include "hv/selftest.h"

#define LOG_PREFIX "selftest"
#include "boot/stacks.h"
#include "hv/cmdline.h"
#include "hv/log.h"
#include "hv/panic.h"

/* Ends only by faulting: the limit is far beyond the stack's size. */
static volatile u64 recurse_limit = ~0ULL;

/* Not tail-recursive and not foldable: each level keeps a live frame. */
static __attribute__((noinline)) u64 recurse(volatile u64 depth)
{
	volatile u64 pad[32];

	pad[0] = depth;
	if (depth >= recurse_limit)
		return 0;
	return recurse(depth + 1) + pad[0];
}

void selftest_run(const struct hv_options *o)
{
	if (!o->test_flags)
		return;
	log_info("fault injection requested: %s", o->test);
	if (o->test_flags & CMDLINE_TEST_UD)
		asm volatile("ud2");
	if (o->test_flags & CMDLINE_TEST_GUARD_WRITE)
		*(volatile u64 *)(stack_area + 8) = 0xdead;
	if (o->test_flags & CMDLINE_TEST_STACK_OVERFLOW)
		log_info("unreachable: %lu", recurse(0));
	if (o->test_flags & CMDLINE_TEST_PANIC)
		panic("panic requested by test=panic.");
}
