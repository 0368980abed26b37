/* SPDX-License-Identifier: MIT */
/*
 * panic()/BUG_ON(): for broken Modex invariants only, never for anything a
 * guest caused. Prints why, where, Modex's registers and, when a guest is
 * running, the guest state (through the registered dump hook), then ends
 * the run with the failure code.
 */
#ifndef MODEX_HV_PANIC_H
#define MODEX_HV_PANIC_H

#include "hv/include/compiler.h"

__noreturn void panic_at(const char *file, int line, const char *fmt, ...)
	__printf(3, 4);

#define panic(fmt, ...) panic_at(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define BUG_ON(cond)                                         \
	do {                                                 \
		if (unlikely(cond))                          \
			panic("BUG_ON(%s) is true.", #cond); \
	} while (0)

/* Called by panic() to print the state of the current guest, if any. */
void panic_set_guest_dump(void (*dump)(void));

#endif /* MODEX_HV_PANIC_H */
