// SPDX-License-Identifier: MIT
/* Boot-time fault injection for the boot tests (see hv/selftest.h). */
#include "hv/selftest.h"

#define LOG_PREFIX "selftest"
#include "boot/stacks.h"
#include "hv/include/lib.h"
#include "hv/log.h"
#include "hv/panic.h"

static bool has_word(const char *words, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = words; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, w, n))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

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

void selftest_run(const char *words)
{
	if (!words || !*words)
		return;
	log_info("fault injection requested: %s", words);
	if (has_word(words, "ud"))
		asm volatile("ud2");
	if (has_word(words, "guard-write"))
		*(volatile u64 *)(stack_area + 8) = 0xdead;
	if (has_word(words, "stack-overflow"))
		log_info("unreachable: %lu", recurse(0));
	if (has_word(words, "panic"))
		panic("panic requested by test=panic.");
}
