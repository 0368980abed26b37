/* SPDX-License-Identifier: MIT */
/* Test-guest 64-bit entry point, called from entry.S. */
#ifndef MODEX_TESTS_GUEST_LIB_START_H
#define MODEX_TESTS_GUEST_LIB_START_H

#include "tests/guest/lib/guest.h"

__noreturn void guest_start64(void);

#endif /* MODEX_TESTS_GUEST_LIB_START_H */
